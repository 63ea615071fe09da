#!/usr/bin/env python3
"""Writes docs/api/: one reference page per public header, from its comments.

Each page gives the header's include line, its opening comment (what it is
for), and every documented declaration: the `///` comment block and the
declaration line that follows it. The pages are generated, so they cannot
drift from the headers; `--check` fails when they are stale.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "include"
OUT = ROOT / "docs" / "api"


def page(rel: str) -> str:
    lines = (INCLUDE / rel).read_text().splitlines()
    intro = []
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        text = lines[i][2:].strip()
        if not intro and text.startswith(rel):
            text = text[len(rel):].lstrip(" -")
        intro.append(text)
        i += 1
    out = [f"# `{rel}`", "", "```cpp", f"#include <{rel}>", "```", ""]
    if intro:
        out += [" ".join(x for x in intro if x).strip(), ""]
    doc = []
    entries = []
    template = ""
    for line in lines[i:]:
        s = line.strip()
        if s.startswith("///"):
            doc.append(s[3:].strip())
            continue
        if doc and s and not s.startswith("//"):
            if s.startswith("template") and not template:
                template = s + " "
                continue
            decl = re.sub(r"\s+", " ", template + s.rstrip("{").rstrip())
            entries.append((decl, " ".join(doc)))
            template = ""
        if not s.startswith("//"):
            doc = []
    if entries:
        out += ["## Declarations", ""]
        for decl, text in entries:
            out += [f"- `{decl}`", f"  {text}", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    headers = sorted(p.relative_to(INCLUDE).as_posix() for p in (INCLUDE / "aura").rglob("*.hpp")
                     if "/detail/" not in p.as_posix())
    wanted = {}
    index = ["# API reference", "", "One page per public header, generated from the headers' own comments "
             "by `tools/gen_api_docs.py`.", ""]
    for rel in headers:
        name = rel.replace("/", "_").replace(".hpp", "") + ".md"
        wanted[name] = page(rel)
        index.append(f"- [`{rel}`]({name})")
    wanted["index.md"] = "\n".join(index) + "\n"
    stale = []
    for name, text in wanted.items():
        dest = OUT / name
        if args.check:
            if not dest.is_file() or dest.read_text() != text:
                stale.append(name)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.is_file() or dest.read_text() != text:
                dest.write_text(text)
    if OUT.is_dir():
        for p in OUT.glob("*.md"):
            if p.name not in wanted:
                if args.check:
                    stale.append(p.name)
                else:
                    p.unlink()
    if args.check and stale:
        print("docs/api is stale: " + ", ".join(sorted(stale)) + " (run tools/gen_api_docs.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
