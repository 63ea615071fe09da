// The files `aura plugin new NAME --lang LANG` writes. Each scaffold holds a
// manifest, the plugin, and test.sh, which builds what needs building and
// checks the plugin through `aura dispatch` (AURA names the aura binary).
// The SDK languages' scaffolds are in scaffold_sdk.hpp (process) and scaffold_wasm.hpp (WASM).
#pragma once

#include <map>
#include <string>

namespace aura_cli {

struct scaffold_file {
  std::string text;
  bool executable = false;
};

/// Replaces every {{NAME}} in `text`.
inline std::string fill(std::string text, const std::string& name) {
  for (std::size_t i = 0; (i = text.find("{{NAME}}", i)) != std::string::npos;) text.replace(i, 8, name);
  return text;
}

/// Every scaffold's manifest: its runtime, the one hook, its permissions
/// (`permissions` is the members of the object), and the metadata a
/// registry's first publish asks for ({{LICENSE}}, {{AUTHOR}}: `plugin new`
/// fills them from --license and --author).
inline std::string scaffold_manifest(const std::string& kind, const std::string& entry, const std::string& permissions) {
  return std::string("{\n  \"plugin\": {\n    \"name\": \"{{NAME}}\",\n    \"version\": \"0.1.0\",\n") +
         "    \"description\": \"Refuses rm -rf\",\n    \"license\": \"{{LICENSE}}\",\n    \"authors\": [\"{{AUTHOR}}\"],\n" +
         "    \"runtime\": {\"kind\": \"" + kind + "\", \"entrypoint\": \"" + entry + "\"},\n" +
         "    \"api\": {\"sdk\": \"~0.1.0\"},\n" +
         "    \"hooks\": [{\"event\": \"tool.before_execution\", \"handler\": \"check\", \"timeout_ms\": 5000}],\n" +
         "    \"permissions\": {" + permissions + "}\n  }\n}\n";
}

// The test every scaffold shares: one event it must deny, one it must allow.
inline const char* scaffold_test_tail = R"SH(
AURA="${AURA:-aura}"
out=$("$AURA" --plugins "$here" dispatch tool.before_execution --json \
      --data '{"tool":"bash","args":{"command":"rm -rf / --no-preserve-root"}}') || true
echo "$out" | grep -q '"verdict":"deny"' || { echo "FAIL: a dangerous command was not denied: $out" >&2; exit 1; }
out=$("$AURA" --plugins "$here" dispatch tool.before_execution --json \
      --data '{"tool":"bash","args":{"command":"ls"}}')
echo "$out" | grep -q '"verdict":"allow"' || { echo "FAIL: a harmless command was not allowed: $out" >&2; exit 1; }
echo "PASS {{NAME}}"
)SH";

}  // namespace aura_cli

#include "scaffold_sdk.hpp"
#include "scaffold_wasm.hpp"

namespace aura_cli {

inline std::map<std::string, scaffold_file> scaffold_files(const std::string& lang) {
  std::map<std::string, scaffold_file> files;
  auto manifest = [](const std::string& kind, const std::string& entry) {
    return scaffold_manifest(kind, entry, "\"read_events\": [\"tool.*\"], \"env\": [\"PATH\"]");
  };
  if (lang == "python" || lang == "typescript" || lang == "go" || lang == "rust") return sdk_scaffold(lang);
  if (lang == "c-wasm" || lang == "rust-wasm" || lang == "assemblyscript") return wasm_sdk_scaffold(lang);
  if (lang == "shell") {
    files["aura-plugin.json"] = {manifest("command", "./check.sh")};
    files["check.sh"] = {R"SH(#!/bin/sh
# {{NAME}}: an aura command plugin. The request is JSON on stdin; exit 0 allows
# (stdout may hold a JSON decision), exit 2 denies with stderr as the reason.
input=$(cat)
case "$input" in
  *"rm -rf"*) echo "{{NAME}}: rm -rf is not allowed" >&2; exit 2 ;;
esac
exit 0
)SH", true};
    files["test.sh"] = {std::string("#!/bin/sh\nset -e\nhere=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n") + scaffold_test_tail, true};
  } else if (lang == "lua") {
    files["aura-plugin.json"] = {manifest("lua", "plugin.lua")};
    files["plugin.lua"] = {R"LUA(-- {{NAME}}: an aura Lua plugin. Each handler gets the event and a context table.
function check(event, ctx)
  local args = event.data.args or {}
  local command = args.command or ""
  if string.find(command, "rm -rf", 1, true) then
    return aura.deny("{{NAME}}: rm -rf is not allowed")
  end
  return aura.allow()
end
)LUA"};
    files["test.sh"] = {std::string("#!/bin/sh\nset -e\nhere=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n") + scaffold_test_tail, true};
  } else if (lang == "wasm") {
    files["aura-plugin.json"] = {manifest("wasm", "plugin.wasm")};
    files["plugin.wat"] = {R"WAT(;; {{NAME}}: an aura WASM plugin. The host writes the wire request (JSON) at
;; the address aura_alloc returns and calls aura_on_event; the answer goes to
;; aura.output_set. This one denies any request containing "rm -rf".
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "rm -rf")
  (data (i32.const 16) "{\"decision\":\"allow\"}")
  (data (i32.const 64) "{\"decision\":\"deny\",\"reason\":\"{{NAME}}: rm -rf is not allowed\"}")
  (global $heap (mut i32) (i32.const 4096))
  (func (export "aura_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $len)))
    (local.get $p))
  ;; 1 when the 6 bytes at $at are "rm -rf"
  (func $matches (param $at i32) (result i32)
    (local $i i32)
    (block $no
      (loop $next
        (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $i)))
                           (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const 6))))
      (return (i32.const 1)))
    (i32.const 0))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32)
    (global.set $heap (i32.const 4096))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 6)) (local.get $len)))
        (if (call $matches (i32.add (local.get $ptr) (local.get $i)))
          (then
            (call $output_set (i32.const 64) (i32.const {{DENYLEN}}))
            (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (call $output_set (i32.const 16) (i32.const 20))
    (i32.const 0)))
)WAT"};
    files["build.sh"] = {R"SH(#!/bin/sh
# Assembles plugin.wat into plugin.wasm (wat2wasm from WABT; WAT2WASM overrides).
set -e
cd "$(dirname "$0")"
"${WAT2WASM:-wat2wasm}" plugin.wat -o plugin.wasm
)SH", true};
    files["test.sh"] = {std::string("#!/bin/sh\nset -e\nhere=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n\"$here/build.sh\"\n") + scaffold_test_tail, true};
  } else if (lang == "cpp") {
    files["aura-plugin.json"] = {manifest("process", "./build/{{NAME}}-plugin")};
    files["plugin.cpp"] = {R"CPP(// {{NAME}}: an aura process plugin in C++: JSON-RPC 2.0 over stdin/stdout,
// decisions built with the aura SDK.
#include <iostream>
#include <string>

#include <aura/core/decision.hpp>
#include <aura/core/version.hpp>
#include <aura/core/wire.hpp>
#include <nlohmann/json.hpp>

namespace {
aura::decision<aura::dynamic_event> check(const nlohmann::json& event) {
  const std::string command = event["data"].value("args", nlohmann::json::object()).value("command", "");
  if (command.find("rm -rf") != std::string::npos) return aura::deny("{{NAME}}: rm -rf is not allowed");
  return aura::allow();
}
}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto msg = nlohmann::json::parse(line, nullptr, false);
    if (!msg.is_object()) continue;
    const std::string method = msg.value("method", "");
    nlohmann::json reply{{"jsonrpc", "2.0"}, {"id", msg.value("id", nlohmann::json())}};
    if (method == "initialize") {
      reply["result"] = {{"sdk", std::string(aura::version_string)}, {"hooks", {"check"}}};
    } else if (method == "event") {
      reply["result"] = aura::wire::encode(check(msg["params"]["event"]));
    } else if (method == "shutdown") {
      reply["result"] = nlohmann::json::object();
      std::cout << reply.dump() << std::endl;
      return 0;
    } else {
      reply["error"] = {{"code", -32601}, {"message", "no method " + method}};
    }
    std::cout << reply.dump() << std::endl;
  }
  return 0;
}
)CPP"};
    files["CMakeLists.txt"] = {R"CMAKE(cmake_minimum_required(VERSION 3.16)
project({{NAME}} LANGUAGES CXX)
# The aura SDK: an installed package, or AURA_SOURCE_DIR pointing at a checkout.
if(AURA_SOURCE_DIR)
  add_subdirectory(${AURA_SOURCE_DIR} aura EXCLUDE_FROM_ALL)
else()
  find_package(aura REQUIRED)
endif()
add_executable({{NAME}}-plugin plugin.cpp)
target_compile_features({{NAME}}-plugin PRIVATE cxx_std_17)
target_link_libraries({{NAME}}-plugin PRIVATE aura::aura)
set_target_properties({{NAME}}-plugin PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/build)
)CMAKE"};
    files["test.sh"] = {std::string(R"SH(#!/bin/sh
# Builds the plugin: with AURA_INCLUDE (aura's include directory) by one
# compiler call, else with CMake: the checkout named by AURA_SOURCE_DIR, or
# find_package(aura) (CMAKE_PREFIX_PATH names where aura was installed). With
# none of them set, it uses the aura that wrote this scaffold:
# {{AURA_INCLUDE_HINT}}
set -e
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
mkdir -p build
hint="{{AURA_INCLUDE_HINT}}"
if [ -z "$AURA_INCLUDE" ] && [ -z "$AURA_SOURCE_DIR" ] && [ -z "$CMAKE_PREFIX_PATH" ] && [ -f "$hint/aura/aura.hpp" ]; then
  AURA_INCLUDE=$hint
fi
if [ -n "$AURA_INCLUDE" ]; then
  ${CXX:-c++} -std=c++17 -O0 -I"$AURA_INCLUDE" plugin.cpp -o build/{{NAME}}-plugin
else
  if ! cmake -S . -B build/cmake ${AURA_SOURCE_DIR:+"-DAURA_SOURCE_DIR=$AURA_SOURCE_DIR"} >build/cmake.log 2>&1; then
    echo "test.sh: cannot find aura. Set one of:" >&2
    echo "  AURA_INCLUDE=<aura checkout or prefix>/include   (one compiler call)" >&2
    echo "  AURA_SOURCE_DIR=<aura checkout>                   (CMake add_subdirectory)" >&2
    echo "  CMAKE_PREFIX_PATH=<prefix aura is installed in>   (CMake find_package)" >&2
    echo "CMake said (build/cmake.log):" >&2
    grep -m 3 -i "error\|could not find" build/cmake.log >&2 || true
    exit 1
  fi
  cmake --build build/cmake >/dev/null
fi
)SH") + scaffold_test_tail, true};
  }
  return files;
}

/// The README of the scaffolds without a language SDK of their own (the SDK
/// languages' READMEs are in scaffold_sdk.hpp and scaffold_wasm.hpp).
inline std::string scaffold_readme(const std::string& lang) {
  std::string what, files;
  if (lang == "shell") {
    what = "an aura command plugin: `check.sh` runs once per event, the request as JSON on stdin; exit 0 "
           "allows, exit 2 denies with stderr as the reason (Claude Code-style hook scripts)";
    files = "- `check.sh`: the hook\n";
  } else if (lang == "lua") {
    what = "an aura Lua plugin: `plugin.lua`'s `check(event, ctx)` answers with `aura.allow()` / `aura.deny(reason)`";
    files = "- `plugin.lua`: the hook\n";
  } else if (lang == "wasm") {
    what = "an aura WASM plugin written by hand in WAT against the raw ABI (`aura_alloc`, `aura_on_event`, "
           "`aura.output_set`)";
    files = "- `plugin.wat`: the plugin; `build.sh` assembles it to `plugin.wasm` (wat2wasm, `WAT2WASM` overrides)\n";
  } else {
    what = "an aura process plugin in C++ (JSON-RPC 2.0 over stdin/stdout), its decisions built with the aura "
           "C++ SDK (`aura/core/decision.hpp`, `aura/core/wire.hpp`)";
    files = "- `plugin.cpp`, `CMakeLists.txt`: the plugin, built to `build/{{NAME}}-plugin`\n";
  }
  return "# {{NAME}}\n\n{{NAME}} is " + what + ". It denies any command containing `rm -rf`.\n\n" +
         "- `aura-plugin.json`: the manifest (runtime, hook, permissions)\n" + files +
         "- `test.sh`: builds what needs building, then checks the plugin under the real host (`AURA=path/to/aura`)\n"
         "- `.auraignore`: what `aura plugin pack` leaves out\n\n"
         "Package it with `aura plugin pack .` (docs/distribution.md).\n";
}

/// What a scaffold's build leaves that `aura plugin pack` must not carry
/// (build inputs, caches, symlinks into the aura checkout): its .auraignore.
inline std::string scaffold_ignore(const std::string& lang) {
  std::string text = "# Left out of `aura plugin pack` and of installs from this directory (docs/distribution.md).\n";
  if (lang == "python") text += "__pycache__/\n";
  if (lang == "typescript") {
    text += "# build-time only; node_modules/@aura/plugin is the runtime and travels\n"
            "node_modules/@types/\nnode_modules/typescript/\nnode_modules/.bin/\nnode_modules/.package-lock.json\n";
  }
  if (lang == "rust") text += "# cargo's output: test.sh copies the binary to ./plugin\ntarget/\n";
  if (lang == "rust-wasm") text += "build/\n";
  if (lang == "assemblyscript") text += "# the compiler and the SDK: plugin.wasm is all that runs\nnode_modules/\n";
  if (lang == "cpp") text += "# CMake's build tree: the plugin is build/{{NAME}}-plugin\nbuild/cmake/\nbuild/cmake.log\n";
  return text;
}

/// The files of `aura plugin new NAME --lang LANG`; empty for an unknown LANG.
inline std::map<std::string, scaffold_file> scaffold(const std::string& lang) {
  auto files = scaffold_files(lang);
  if (!files.empty()) files[".auraignore"] = {scaffold_ignore(lang)};
  if (!files.empty() && !files.count("README.md")) files["README.md"] = {scaffold_readme(lang)};
  return files;
}

}  // namespace aura_cli
