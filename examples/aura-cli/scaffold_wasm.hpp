// The scaffolds of `aura plugin new --lang c-wasm|rust-wasm|assemblyscript`: WASM plugins
// on aura's guest SDKs (sdk/wasm), compiled by real compilers (clang, rustc, asc),
// each checked under the real host by the `aura dispatch` test every scaffold
// shares; the AssemblyScript one also runs its hook in the SDK's Node harness.
// {{AURA_SDK_HINT}} becomes the sdk/ folder of the aura that writes the scaffold.
// Included by scaffold.hpp, after scaffold_file and scaffold_test_tail.
#pragma once

#include <map>
#include <string>

namespace aura_cli {

inline std::string wasm_manifest() {
  return scaffold_manifest("wasm", "plugin.wasm", "\"read_events\": [\"tool.*\"], \"call_api\": [\"log\"]");
}

inline std::map<std::string, scaffold_file> wasm_sdk_scaffold(const std::string& lang) {
  std::map<std::string, scaffold_file> files;
  const std::string head = "#!/bin/sh\nset -e\nhere=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\ncd \"$here\"\n";
  files["aura-plugin.json"] = {wasm_manifest()};
  if (lang == "assemblyscript") {
    files["package.json"] = {R"JSON({
  "name": "{{NAME}}",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "asc assembly/index.ts --config asconfig.json -o plugin.wasm",
    "test": "npm run build && node --test test/"
  },
  "devDependencies": {"@aura/wasm": "file:{{AURA_SDK_HINT}}/wasm/assemblyscript", "assemblyscript": "0.28.20"}
}
)JSON"};
    files["asconfig.json"] = {R"JSON({
  "options": {
    "runtime": "incremental",
    "optimizeLevel": 3,
    "shrinkLevel": 1,
    "use": ["abort=~lib/@aura/wasm/assembly/index/auraAbort"]
  }
}
)JSON"};
    files["assembly/index.ts"] = {R"TS(// {{NAME}}: an aura WASM plugin in AssemblyScript, on @aura/wasm (the aura ABI v1).
import { aura_abi_v1, aura_alloc, aura_on_event, Decision, Level, log, plugin, Request } from "@aura/wasm";
export { aura_abi_v1, aura_alloc, aura_on_event };

plugin.hook("check", (req: Request): Decision => {
  const command = req.findString("command");
  if (command === null) return Decision.allow();
  log(Level.Debug, command);
  return command.includes("rm -rf") ? Decision.deny("{{NAME}}: rm -rf is not allowed") : Decision.allow();
});
)TS"};
    files["test/plugin.test.mjs"] = {R"JS(// {{NAME}}'s hook in the @aura/wasm harness (plugin.wasm in Node, a mock host): no aura needed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Harness } from "@aura/wasm/harness/index.mjs";

const wasm = readFileSync(new URL("../plugin.wasm", import.meta.url));

test("denies rm -rf and logs the command", async () => {
  const h = await Harness.load(wasm);
  const d = h.runHook("check", "tool.before_execution", { tool: "bash", args: { command: "rm -rf /" } });
  assert.deepEqual(d, { decision: "deny", reason: "{{NAME}}: rm -rf is not allowed" });
  assert.deepEqual(h.logs, [{ level: "debug", message: "rm -rf /" }]);
});

test("allows the rest", async () => {
  const h = await Harness.load(wasm);
  assert.deepEqual(h.runHook("check", "tool.before_execution", { tool: "bash", args: { command: "ls" } }),
                   { decision: "allow" });
});
)JS"};
    files["README.md"] = {R"MD(# {{NAME}}

An aura WASM plugin in AssemblyScript, on aura's guest SDK `@aura/wasm`
(`sdk/wasm/assemblyscript` of the aura checkout).

- `assembly/index.ts`: the hooks (`plugin.hook("check", ...)`) and the ABI's exports
- `test/plugin.test.mjs`: the compiled `plugin.wasm` in the SDK's Node harness (`npm test`)
- `test.sh`: builds `plugin.wasm` with `asc`, runs the harness test, then the plugin under the
  real host (`AURA=path/to/aura`). Without `node_modules` (no `npm install`), it uses the SDK
  and its `asc` from the aura checkout that wrote this scaffold (`AURA_SDK_ASSEMBLYSCRIPT`
  overrides; that folder needs `npm ci`).
)MD"};
    files["test.sh"] = {head + R"SH(sdk="${AURA_SDK_ASSEMBLYSCRIPT:-{{AURA_SDK_HINT}}/wasm/assemblyscript}"
asc=node_modules/assemblyscript/bin/asc.js
[ -f "$asc" ] || asc="$sdk/node_modules/assemblyscript/bin/asc.js"
if [ ! -f "$asc" ]; then
  echo "test.sh: no AssemblyScript compiler: npm install here, or npm ci in $sdk (AURA_SDK_ASSEMBLYSCRIPT)" >&2
  exit 1
fi
if [ ! -f node_modules/@aura/wasm/index.ts ]; then  # @aura/wasm from the aura checkout
  mkdir -p node_modules/@aura
  ln -sfn "$sdk" node_modules/@aura/wasm
fi
node "$asc" assembly/index.ts --config asconfig.json -o plugin.wasm
out=$(node --test test/ 2>&1) || { echo "$out" >&2; exit 1; }
)SH" + scaffold_test_tail, true};
    return files;
  }
  const bool c = lang == "c-wasm";
  if (c) {
    files["plugin.c"] = {R"C(/* {{NAME}}: an aura WASM plugin in C, on aura_wasm.h (the aura ABI v1). */
#include "aura_wasm.h"

static int check(const aura_request *req) {
  char command[512];
  if (aura_find_string(req, "command", command, sizeof command) >= 0 && aura_contains(req, "rm -rf"))
    return aura_deny("{{NAME}}: rm -rf is not allowed");
  return aura_allow();
}

AURA_WASM_PLUGIN(check)
)C"};
    files["build.sh"] = {R"SH(#!/bin/sh
# plugin.c -> plugin.wasm with clang (Debian clang, lld, wasi-libc, libclang-rt-14-dev-wasm32).
# AURA_WASM_C names the folder of aura_wasm.h (default: the aura checkout that wrote this).
set -e
cd "$(dirname "$0")"
${CLANG:-clang} --target=wasm32-wasi -O2 -Wall -Wextra -mexec-model=reactor -Wl,--no-entry -Wl,--strip-debug \
  -I"${AURA_WASM_C:-{{AURA_SDK_HINT}}/wasm/c}" plugin.c -o plugin.wasm
)SH", true};
  } else {
    files["src/lib.rs"] = {R"RS(//! {{NAME}}: an aura WASM plugin in Rust, on the aura-wasm crate (the aura ABI v1).
use aura_wasm::{Decision, Request};

fn check(req: &Request) -> Result<Decision, String> {
    let command = req.find_str("command").unwrap_or_default();
    Ok(if command.contains("rm -rf") { Decision::deny("{{NAME}}: rm -rf is not allowed") } else { Decision::Allow })
}

aura_wasm::aura_plugin!(check);
)RS"};
    files["build.sh"] = {R"SH(#!/bin/sh
# src/lib.rs -> plugin.wasm with Debian's rustc for wasm32-unknown-unknown
# (libstd-rust-dev-wasm32; RUSTC_WASM overrides). AURA_WASM_RUST names the
# aura-wasm crate (default: the aura checkout that wrote this).
set -e
cd "$(dirname "$0")"
rustc=${RUSTC_WASM:-/usr/bin/rustc}
sdk="${AURA_WASM_RUST:-{{AURA_SDK_HINT}}/wasm/rust}"
mkdir -p build
"$rustc" --edition 2021 --crate-type rlib --crate-name aura_wasm --target wasm32-unknown-unknown -O \
  "$sdk/src/lib.rs" -o build/libaura_wasm.rlib
"$rustc" --edition 2021 --crate-type cdylib --crate-name plugin --target wasm32-unknown-unknown -O \
  -C strip=debuginfo --extern aura_wasm=build/libaura_wasm.rlib src/lib.rs -o plugin.wasm
)SH", true};
  }
  files["README.md"] = {std::string("# {{NAME}}\n\nAn aura WASM plugin in ") + (c ? "C" : "Rust") +
      ", on aura's guest SDK (`sdk/wasm/" + (c ? "c/aura_wasm.h" : "rust`, the `aura-wasm` crate") +
      "). `build.sh` compiles it to `plugin.wasm`; `test.sh` builds it and checks it under the real host\n"
      "(`AURA=path/to/aura`).\n"};
  files["test.sh"] = {head + "\"$here/build.sh\"\n" + scaffold_test_tail, true};
  return files;
}

}  // namespace aura_cli
