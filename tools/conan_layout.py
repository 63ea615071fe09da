#!/usr/bin/env python3
"""Replays conan/conanfile.py without Conan (which these machines cannot install).

Runs the recipe's own export_sources(), package() and package_info() against a
minimal stand-in for the few Conan APIs it calls (copy() with Conan's fnmatch
semantics, the cpp_info component model), then:
  1. checks the exported source set: every file under the recipe's patterns in
     the repository, and nothing else;
  2. checks the package layout: every public header under include/, the
     licence, nothing else;
  3. writes a CMake package config for that layout from package_info() (the
     targets and requirements CMakeDeps would make), so a consumer can be built
     with plain CMake against the package folder.

  tools/conan_layout.py OUT_DIR [--with-wasm]
Prints what it made; exits 1 with the reason on any mismatch.
"""
import argparse
import fnmatch
import os
import pathlib
import shutil
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
RECIPE = ROOT / "conan" / "conanfile.py"  # --recipe replaces it (the checker's own test)


def conan_copy(conanfile, pattern, src, dst, keep_path=True, excludes=None):
    """Conan 2's conan.tools.files.copy: fnmatch on paths relative to src (`*` crosses `/`)."""
    src, dst = pathlib.Path(src).resolve(), pathlib.Path(dst)
    copied = []
    for path in sorted(src.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(src).as_posix()
        if not fnmatch.fnmatch(rel, pattern):
            continue
        if excludes and any(fnmatch.fnmatch(rel, e) for e in excludes):
            continue
        target = dst / (rel if keep_path else path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(str(target))
    return copied


class Component:
    def __init__(self):
        self.properties, self.requires, self.system_libs, self.defines = {}, [], [], []
        self.includedirs, self.bindirs, self.libdirs = ["include"], ["bin"], ["lib"]

    def set_property(self, key, value):
        self.properties[key] = value


class CppInfo(Component):
    def __init__(self):
        super().__init__()
        self.components = {}

    def __getattr__(self, name):
        raise AttributeError(name)


class Components(dict):
    def __missing__(self, key):
        self[key] = Component()
        return self[key]


class Options(dict):
    __getattr__ = dict.__getitem__


class Settings(dict):
    def __getattr__(self, name):
        return self.get(name)

    def get_safe(self, name):
        return self.get(name)


def load_recipe():
    """Imports the recipe with a stand-in `conan` package."""
    conan = types.ModuleType("conan")

    class ConanFile:
        pass

    conan.ConanFile = ConanFile
    tools = types.ModuleType("conan.tools")
    build = types.ModuleType("conan.tools.build")
    build.check_min_cppstd = lambda conanfile, std: None
    files = types.ModuleType("conan.tools.files")
    files.copy = conan_copy
    layout = types.ModuleType("conan.tools.layout")
    layout.basic_layout = lambda conanfile, src_folder=".": None
    for name, mod in {"conan": conan, "conan.tools": tools, "conan.tools.build": build,
                      "conan.tools.files": files, "conan.tools.layout": layout}.items():
        sys.modules[name] = mod
    namespace = {"__file__": str(RECIPE), "__name__": "conanfile"}
    exec(compile(RECIPE.read_text(), str(RECIPE), "exec"), namespace)
    return namespace


# Conan package names -> what a plain CMake consumer finds on Debian.
THIRD_PARTY = {
    "nlohmann_json::nlohmann_json": ("find_package(nlohmann_json 3.10 REQUIRED)", "nlohmann_json::nlohmann_json"),
    "tl-expected::tl-expected": ("find_package(tl-expected REQUIRED)", "tl::expected"),
    "range-v3::range-v3": ("find_package(range-v3 REQUIRED)", "range-v3::range-v3"),
    "tomlplusplus::tomlplusplus": ("pkg_check_modules(AURA_CONAN_TOML REQUIRED IMPORTED_TARGET tomlplusplus)",
                                   "PkgConfig::AURA_CONAN_TOML"),
    "lua::lua": ("pkg_check_modules(AURA_CONAN_LUA REQUIRED IMPORTED_TARGET lua5.4)", "PkgConfig::AURA_CONAN_LUA"),
    "wabt::wabt": ("find_package(wabt REQUIRED)", "wabt::wabt"),
}


def fail(message):
    print(f"conan_layout: {message}", file=sys.stderr)
    sys.exit(1)


def repo_files(patterns):
    found = set()
    for path in ROOT.rglob("*"):
        if not path.is_file() or ".git" in path.parts or any(p.startswith("build") for p in path.relative_to(ROOT).parts[:1]):
            continue
        rel = path.relative_to(ROOT).as_posix()
        if any(fnmatch.fnmatch(rel, p) for p in patterns):
            found.add(rel)
    return found


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--with-wasm", action="store_true")
    ap.add_argument("--recipe", help="another conanfile.py, placed as conan/conanfile.py would be")
    args = ap.parse_args()
    global RECIPE
    if args.recipe:
        RECIPE = pathlib.Path(args.recipe).resolve()
    out = pathlib.Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    ns = load_recipe()
    recipe_cls = ns["AuraConan"]
    recipe = recipe_cls()
    recipe.recipe_folder = str(ROOT / "conan")  # where Conan would run it from
    if not hasattr(recipe, "export_sources"):
        fail(f"{RECIPE.name} has no export_sources(): an exports_sources attribute is relative to conan/ "
             "and exports no headers")
    recipe.export_sources_folder = str(out / "export")
    recipe.options = Options({k: v for k, v in recipe_cls.default_options.items()})
    recipe.options["with_wasm"] = args.with_wasm
    recipe.settings = Settings({"os": "Linux"})

    # 1. exported sources
    recipe.export_sources()
    exported = listing(out / "export")
    wanted = repo_files(ns["SOURCE_PATTERNS"])
    if not exported:
        fail("export_sources() exported nothing")
    if exported != wanted:
        fail(f"exported set differs from the repository: missing {sorted(wanted - exported)[:5]}, "
             f"extra {sorted(exported - wanted)[:5]}")
    if "include/aura/aura.hpp" not in exported:
        fail("include/aura/aura.hpp was not exported")

    # 2. package layout
    recipe.source_folder = str(out / "export")
    recipe.package_folder = str(out / "package")
    recipe.package()
    packaged = listing(out / "package")
    headers = {f for f in exported if f.startswith("include/") and f.endswith((".hpp", ".h"))}
    expected = headers | {"licenses/LICENSE"}
    if packaged != expected:
        fail(f"package layout differs: missing {sorted(expected - packaged)[:5]}, extra {sorted(packaged - expected)[:5]}")

    # 3. a CMake config from package_info()
    recipe.cpp_info = CppInfo()
    recipe.cpp_info.components = Components()
    recipe.package_info()
    info = recipe.cpp_info
    comps = info.components
    if not comps:
        fail("package_info() declares no components")
    finds, lines = [], []
    order = []

    def visit(name):  # dependencies first
        if name in order:
            return
        for r in comps[name].requires:
            if "::" not in r:
                visit(r)
        order.append(name)

    for name in list(comps):
        visit(name)
    for name in order:
        comp = comps[name]
        target = comp.properties.get("cmake_target_name")
        if not target:
            fail(f"component {name} has no cmake_target_name")
        links = []
        for r in comp.requires:
            if "::" in r:
                if r not in THIRD_PARTY:
                    fail(f"component {name} requires {r}, which this checker does not know")
                find, tgt = THIRD_PARTY[r]
                if find not in finds:
                    finds.append(find)
                links.append(tgt)
            else:
                links.append(comps[r].properties["cmake_target_name"])
        links += comp.system_libs
        lines.append(f"add_library({target} INTERFACE IMPORTED)")
        inc = ";".join(f"${{_aura_pkg}}/{d}" for d in comp.includedirs)
        lines.append(f'set_target_properties({target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "{inc}"')
        lines.append(f'  INTERFACE_LINK_LIBRARIES "{";".join(links)}"')
        lines.append(f'  INTERFACE_COMPILE_DEFINITIONS "{";".join(comp.defines)}")')
    cmake_dir = out / "cmake"
    cmake_dir.mkdir(parents=True)
    (cmake_dir / "aura-config.cmake").write_text(
        "# Generated by tools/conan_layout.py from conan/conanfile.py's package_info().\n"
        f'get_filename_component(_aura_pkg "${{CMAKE_CURRENT_LIST_DIR}}/../package" ABSOLUTE)\n'
        "find_package(PkgConfig REQUIRED)\n" + "\n".join(finds) + "\n" + "\n".join(lines) + "\n")
    print(f"conan_layout: {len(exported)} files exported, {len(packaged)} packaged, "
          f"components {', '.join(comps[n].properties['cmake_target_name'] for n in order)}; "
          f"CMake config in {cmake_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
