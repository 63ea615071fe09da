"""Conan 2 recipe for aura, a header-only C++17 SDK for event/hook pipelines.

The recipe lives in conan/, one level below the sources: export_sources()
copies them from the parent folder (a plain `exports_sources` attribute would be
relative to conan/ and export nothing), and layout() sets the root there for
local flows. tools/conan_layout.py replays export_sources(), package() and
package_info() without Conan to check what they produce (see docs/packaging.md).
"""
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy
from conan.tools.layout import basic_layout

# What the package is made of, relative to the repository root. The layout
# checker reads these names too.
SOURCE_PATTERNS = ("include/*", "CMakeLists.txt", "cmake/*", "LICENSE")
HEADER_PATTERNS = ("*.hpp", "*.h")


class AuraConan(ConanFile):
    name = "aura"
    version = "0.1.0"
    description = "Header-only C++17 SDK for event/hook pipelines: allow, deny or mutate, from C++ or plugins"
    license = "MIT"
    topics = ("hooks", "plugins", "events", "header-only", "ai-agents")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_wasm": [True, False],  # aura::wasm (aura/adapters/wasm.hpp) needs WABT
        "with_lua": [True, False],   # aura::lua (aura/adapters/lua.hpp) needs Lua 5.4
        "with_toml": [True, False],  # aura-plugin.toml manifests need toml++
    }
    default_options = {"with_wasm": False, "with_lua": True, "with_toml": True}
    no_copy_source = True

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..")
        for pattern in SOURCE_PATTERNS:
            copy(self, pattern, root, self.export_sources_folder)

    def layout(self):
        # Local flows (conan create conan/, conan install conan/) see the sources one level up.
        self.folders.root = ".."
        basic_layout(self, src_folder=".")

    def requirements(self):
        self.requires("nlohmann_json/[>=3.10 <4]")
        self.requires("tl-expected/[>=1.0 <2]")
        self.requires("range-v3/[>=0.12 <1]")
        if self.options.with_lua:
            self.requires("lua/[>=5.4 <5.5]")
        if self.options.with_toml:
            self.requires("tomlplusplus/[>=3.3 <4]")
        if self.options.with_wasm:
            self.requires("wabt/[>=1.0.32 <2]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 17)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        for pattern in HEADER_PATTERNS:
            copy(self, pattern, os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "aura")
        self.cpp_info.set_property("pkg_config_name", "aura")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        # aura::aura - the header-only core (aura/aura.hpp, plugin/, testing/).
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "aura::aura")
        core.set_property("pkg_config_name", "aura")
        core.bindirs = []
        core.libdirs = []
        core.requires = ["nlohmann_json::nlohmann_json", "tl-expected::tl-expected", "range-v3::range-v3"]
        if self.options.with_toml:
            core.requires.append("tomlplusplus::tomlplusplus")
        else:
            core.defines = ["AURA_PLUGIN_TOML=0"]

        # aura::process - the JSON-RPC process and command-hook adapters: POSIX threads,
        # and dlopen for native shared-object plugins.
        process = self.cpp_info.components["process"]
        process.set_property("cmake_target_name", "aura::process")
        process.set_property("pkg_config_name", "aura-process")
        process.bindirs = []
        process.libdirs = []
        process.requires = ["core"]
        if self.settings.os in ("Linux", "FreeBSD"):
            process.system_libs = ["pthread", "dl"]

        if self.options.with_lua:
            lua = self.cpp_info.components["lua"]
            lua.set_property("cmake_target_name", "aura::lua")
            lua.set_property("pkg_config_name", "aura-lua")
            lua.bindirs = []
            lua.libdirs = []
            lua.requires = ["process", "lua::lua"]

        if self.options.with_wasm:
            wasm = self.cpp_info.components["wasm"]
            wasm.set_property("cmake_target_name", "aura::wasm")
            wasm.bindirs = []
            wasm.libdirs = []
            wasm.requires = ["process", "wabt::wabt"]
