#!/usr/bin/env python3
"""Checks that code shown in README.md is the code CI compiles.

The README's C++ block must be examples/quickstart.cpp, byte for byte (the docs
site includes source files with snippets, so it cannot drift); every docs page
the README links to must exist.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
readme = (ROOT / "README.md").read_text()
errors = []
blocks = re.findall(r"```cpp\n(.*?)```", readme, re.S)
quick = (ROOT / "examples/quickstart.cpp").read_text()
if not blocks or blocks[0].rstrip() != quick.rstrip():
    errors.append("README.md's C++ block differs from examples/quickstart.cpp")
for link in re.findall(r"\]\((docs/[^)#]+)", readme):
    if not (ROOT / link).is_file():
        errors.append(f"README.md links to {link}, which does not exist")
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
