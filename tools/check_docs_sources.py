#!/usr/bin/env python3
"""Checks that code shown in README.md and docs/ is the code CI compiles.

The README's C++ block must be examples/quickstart.cpp, byte for byte; every
docs page the README links to must exist.

Every fenced block of docs/**/*.md (docs/api/ aside, it is generated) in a
code language must hold one line, `--8<-- "path"`: the site includes that file
at build time (pymdownx.snippets), and the file is one CI compiles or checks
(examples/, test/, sdk/ (tested by test/sdk/), or docs/snippets/, built by
test/integration/docs/).
Command lines (sh) and output (text, or no language) are not code.
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
CODE_LANGUAGES = {"cpp", "c", "c++", "cxx", "python", "py", "lua", "wat", "wasm", "json", "jsonc",
                  "toml", "javascript", "js", "typescript", "ts", "go", "rust", "rs"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{?\s*\.?([A-Za-z0-9_+#-]*)")
INCLUDE = re.compile(r'^--8<-- "([^"]+)"$')
included = set()
for page in sorted((ROOT / "docs").rglob("*.md")):
    rel = page.relative_to(ROOT)
    if rel.parts[1] == "api":
        continue
    lines = page.read_text().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3).lower(), i + 1
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        if j == len(lines):
            errors.append(f"{rel}:{start}: code block is not closed")
        body = [l.strip() for l in lines[i + 1:j] if l.strip()]
        if lang in CODE_LANGUAGES:
            inc = INCLUDE.match(body[0]) if len(body) == 1 else None
            if not inc:
                errors.append(f"{rel}:{start}: {lang} block is inline code; move it to a file CI "
                              f"compiles or checks and include it with --8<-- \"path\"")
            elif not (ROOT / inc.group(1)).is_file():
                errors.append(f"{rel}:{start}: includes {inc.group(1)}, which does not exist")
            else:
                included.add(inc.group(1))
        i = j + 1
# A file in docs/snippets/ that no page shows (nor a shown snippet refers to,
# like a manifest's schema file) is dead code.
for f in sorted((ROOT / "docs/snippets").rglob("*")):
    if not f.is_file() or "__pycache__" in f.parts:
        continue
    name = str(f.relative_to(ROOT))
    if name in included:
        continue
    referrers = [ROOT / i for i in included if (ROOT / i).parent in f.parents]
    if not any(str(f.relative_to(r.parent)) in r.read_text() for r in referrers):
        errors.append(f"{name}: no docs page includes it")
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
