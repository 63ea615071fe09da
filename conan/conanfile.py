"""Conan 2 recipe for aura, a header-only C++17 SDK for event/hook pipelines."""
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class AuraConan(ConanFile):
    name = "aura"
    version = "0.1.0"
    description = "Header-only C++17 SDK for event/hook pipelines: allow, deny or mutate, from C++ or plugins"
    license = "MIT"
    topics = ("hooks", "plugins", "events", "header-only", "ai-agents")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_wasm": [True, False],  # aura/adapters/wasm.hpp needs WABT
        "with_lua": [True, False],   # aura/adapters/lua.hpp needs Lua 5.4
        "with_toml": [True, False],  # aura-plugin.toml manifests need toml++
    }
    default_options = {"with_wasm": False, "with_lua": True, "with_toml": True}
    exports_sources = "include/*", "CMakeLists.txt", "cmake/*", "LICENSE"
    no_copy_source = True

    def layout(self):
        cmake_layout(self, src_folder="..")

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

    def generate(self):
        tc = CMakeToolchain(self)
        tc.variables["AURA_BUILD_TESTS"] = False
        tc.variables["AURA_BUILD_EXAMPLES"] = False
        tc.variables["AURA_BUILD_BENCHMARKS"] = False
        tc.generate()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "aura")
        self.cpp_info.set_property("cmake_target_name", "aura::aura")
        self.cpp_info.set_property("pkg_config_name", "aura")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.requires = ["nlohmann_json::nlohmann_json", "tl-expected::tl-expected", "range-v3::range-v3"]
        if self.options.with_lua:
            self.cpp_info.requires.append("lua::lua")
        if self.options.with_toml:
            self.cpp_info.requires.append("tomlplusplus::tomlplusplus")
        if self.options.with_wasm:
            self.cpp_info.requires.append("wabt::wabt")
