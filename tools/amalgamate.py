#!/usr/bin/env python3
"""Generates single_include/ from include/: aura's own headers inlined, third-party includes kept.

single_include/aura/aura.hpp covers what aura/aura.hpp covers (core, schema, agent);
each adapter header (aura/adapters/<name>.hpp) gets its own amalgamation under
single_include/aura/adapters/; single_include/aura/plugin.hpp is the plugin module
(aura/plugin/plugin.hpp: manifests, discovery, the plugin host) and
single_include/aura/testing.hpp the harness (aura/testing/testing.hpp). Every inlined header is wrapped in a guard macro
named after its path, so including several amalgamations together is safe.

  tools/amalgamate.py          write the files
  tools/amalgamate.py --check  exit 1 if any file is missing or stale
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "include"
OUT = ROOT / "single_include"
OWN = re.compile(r'^\s*#\s*include\s*[<"](aura/[^>"]+)[>"]')
# `__has_include("aura/x.hpp")` asks whether an aura header is there: in an
# amalgamation it is (inlined where the test stands), so the test becomes 1.
HAS_OWN = re.compile(r'__has_include\(\s*[<"](aura/[^>"]+)[>"]\s*\)')
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\s*$")
HEADER = """// aura {version} - amalgamated from include/{entry} by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
"""


def guard(rel: str) -> str:
    return "AURA_SI_" + re.sub(r"[^A-Za-z0-9]", "_", rel).upper()


def inline(rel: str, seen: set, out: list) -> None:
    """Appends header `rel` (relative to include/) with its aura includes inlined."""
    if rel in seen:
        return
    seen.add(rel)
    path = INCLUDE / rel
    if not path.is_file():
        sys.exit(f"amalgamate: {rel} is included but does not exist")
    g = guard(rel)
    out.append(f"// ---- begin {rel}\n#ifndef {g}\n#define {g}\n")
    for line in path.read_text().splitlines():
        if PRAGMA_ONCE.match(line):
            continue
        line = HAS_OWN.sub(lambda h: "1" if (INCLUDE / h.group(1)).is_file() else h.group(0), line)
        m = OWN.match(line)
        if m:
            inline(m.group(1), seen, out)
            continue
        out.append(line + "\n")
    out.append(f"#endif  // {g}\n// ---- end {rel}\n")


def version() -> str:
    text = (INCLUDE / "aura/core/version.hpp").read_text()
    m = re.search(r'version_string = "([^"]+)"', text)
    return m.group(1) if m else "unknown"


def targets() -> dict:
    """Maps output path -> entry header (relative to include/)."""
    result = {"aura/aura.hpp": "aura/aura.hpp",
              "aura/plugin.hpp": "aura/plugin/plugin.hpp",
              "aura/testing.hpp": "aura/testing/testing.hpp"}
    adapters = INCLUDE / "aura/adapters"
    if adapters.is_dir():
        for h in sorted(adapters.glob("*.hpp")):
            if h.name == "fwd.hpp":
                continue
            rel = f"aura/adapters/{h.name}"
            result[rel] = rel
    return result


def render(entry: str) -> str:
    out = [HEADER.format(version=version(), entry=entry), "#pragma once\n"]
    inline(entry, set(), out)
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if single_include/ is stale")
    args = parser.parse_args()
    stale = []
    wanted = targets()
    for rel, entry in wanted.items():
        text = render(entry)
        dest = OUT / rel
        if args.check:
            if not dest.is_file() or dest.read_text() != text:
                stale.append(rel)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.is_file() or dest.read_text() != text:
                dest.write_text(text)
                print(f"wrote single_include/{rel}")
    if args.check:
        extra = [p.relative_to(OUT).as_posix() for p in OUT.rglob("*.hpp")] if OUT.is_dir() else []
        stale += [p for p in extra if p not in wanted]
        if stale:
            print("single_include/ is stale: " + ", ".join(sorted(set(stale))), file=sys.stderr)
            print("run ./run single-include and commit the result", file=sys.stderr)
            return 1
        print(f"single_include/ is up to date ({len(wanted)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
