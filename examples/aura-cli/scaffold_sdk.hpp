// The scaffolds of `aura plugin new --lang python|typescript|go|rust`: process plugins written
// with aura's SDKs (sdk/ of the checkout), each with a harness test in its own
// language and the `aura dispatch` check every scaffold shares. The WASM SDKs'
// scaffolds are in scaffold_wasm.hpp.
// {{AURA_SDK_HINT}} becomes the sdk/ folder of the aura that writes the scaffold.
// Included by scaffold.hpp, after scaffold_file and scaffold_test_tail.
#pragma once

#include <map>
#include <string>

namespace aura_cli {

inline std::string sdk_manifest(const std::string& entry, const std::string& env) {
  return scaffold_manifest("process", entry, "\"read_events\": [\"tool.*\"], \"env\": [" + env + "]");
}

inline std::map<std::string, scaffold_file> sdk_scaffold(const std::string& lang) {
  std::map<std::string, scaffold_file> files;
  const std::string head = "#!/bin/sh\nset -e\nhere=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\ncd \"$here\"\n";
  if (lang == "python") {
    files["aura-plugin.json"] = {sdk_manifest("python3 plugin.py", "\"PATH\", \"PYTHONPATH\"")};
    files["plugin.py"] = {R"PY(#!/usr/bin/env python3
"""{{NAME}}: an aura process plugin written with the aura_plugin SDK."""
from aura_plugin import Plugin, allow, deny

plugin = Plugin("{{NAME}}")


@plugin.hook("check")
def check(event, ctx):
    command = (event.data.get("args") or {}).get("command", "")
    if "rm -rf" in command:
        return deny("{{NAME}}: rm -rf is not allowed")
    return allow()


if __name__ == "__main__":
    raise SystemExit(plugin.run())
)PY", true};
    files["test_plugin.py"] = {R"PY("""{{NAME}}'s hooks in the aura_plugin test harness: no host needed."""
import unittest

from aura_plugin.testing import Harness
from plugin import plugin


class CheckTest(unittest.TestCase):
    def test_denies_rm_rf(self):
        d = Harness(plugin).run_hook("check", "tool.before_execution", {"tool": "bash", "args": {"command": "rm -rf /"}})
        self.assertTrue(d.is_deny)
        self.assertIn("rm -rf", d.reason)

    def test_allows_the_rest(self):
        d = Harness(plugin).run_hook("check", "tool.before_execution", {"tool": "bash", "args": {"command": "ls"}})
        self.assertTrue(d.is_allow)


if __name__ == "__main__":
    unittest.main()
)PY"};
    files["README.md"] = {R"MD(# {{NAME}}

An aura process plugin in Python, written with the `aura_plugin` SDK
(`pip install <aura checkout>/sdk/python`, or `PYTHONPATH` naming that folder).

- `plugin.py`: the hooks (`@plugin.hook("check")`), served over JSON-RPC by `plugin.run()`
- `test_plugin.py`: the hooks in the SDK's harness (`python3 -m unittest test_plugin`)
- `test.sh`: the harness test, then the plugin under the real host (`AURA=path/to/aura`)
)MD"};
    files["test.sh"] = {head + R"SH(# The SDK: installed, else the aura checkout that wrote this scaffold.
if ! python3 -c "import aura_plugin" 2>/dev/null; then
  sdk="${AURA_SDK_PYTHON:-{{AURA_SDK_HINT}}/python}"
  if [ ! -f "$sdk/aura_plugin/__init__.py" ]; then
    echo "test.sh: the aura_plugin package is missing: pip install <aura checkout>/sdk/python, or set AURA_SDK_PYTHON" >&2
    exit 1
  fi
  PYTHONPATH="$sdk${PYTHONPATH:+:$PYTHONPATH}"
  export PYTHONPATH
fi
python3 -m unittest -q test_plugin
)SH" + scaffold_test_tail, true};
  } else if (lang == "typescript") {
    files["aura-plugin.json"] = {sdk_manifest("node dist/plugin.js", "\"PATH\"")};
    files["package.json"] = {R"JSON({
  "name": "{{NAME}}",
  "version": "0.1.0",
  "private": true,
  "main": "dist/plugin.js",
  "scripts": {"build": "tsc -p .", "test": "tsc -p . && node --test dist/plugin.test.js"},
  "dependencies": {"@aura/plugin": "^0.1.0"},
  "devDependencies": {"typescript": "^5.9.3", "@types/node": "^18.19.130"}
}
)JSON"};
    files["tsconfig.json"] = {R"JSON({
  "compilerOptions": {"target": "ES2020", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2020"],
                      "types": ["node"], "strict": true, "outDir": "dist", "rootDir": "src", "skipLibCheck": true,
                      "esModuleInterop": true},
  "include": ["src/**/*.ts"]
}
)JSON"};
    files["src/plugin.ts"] = {R"TS(// {{NAME}}: an aura process plugin written with @aura/plugin.
import { allow, deny, Plugin } from "@aura/plugin";

export const plugin = new Plugin("{{NAME}}").hook("check", (event) => {
  const command: string = event.data?.args?.command ?? "";
  return command.includes("rm -rf") ? deny("{{NAME}}: rm -rf is not allowed") : allow();
});

if (require.main === module) plugin.main();
)TS"};
    files["src/plugin.test.ts"] = {R"TS(// {{NAME}}'s hooks in the @aura/plugin test harness: no host needed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Harness } from "@aura/plugin/testing";
import { plugin } from "./plugin";

test("denies rm -rf", async () => {
  const d = await new Harness(plugin).runHook("check", "tool.before_execution", { tool: "bash", args: { command: "rm -rf /" } });
  assert.ok(d.isDeny);
  assert.match(d.reason ?? "", /rm -rf/);
});

test("allows the rest", async () => {
  const d = await new Harness(plugin).runHook("check", "tool.before_execution", { tool: "bash", args: { command: "ls" } });
  assert.ok(d.isAllow);
});
)TS"};
    files["README.md"] = {R"MD(# {{NAME}}

An aura process plugin in TypeScript, written with `@aura/plugin`.

- `src/plugin.ts`: the hooks (`plugin.hook("check", ...)`), served over JSON-RPC by `plugin.main()`
- `src/plugin.test.ts`: the hooks in the SDK's harness (`npm test`)
- `test.sh`: builds, runs the harness test, then the plugin under the real host (`AURA=path/to/aura`).
  Without `node_modules` (no `npm install`), it builds `@aura/plugin` from the aura checkout
  that wrote this scaffold (`AURA_SDK_TYPESCRIPT` overrides; that folder needs `npm ci`).
)MD"};
    files["test.sh"] = {head + R"SH(sdk="${AURA_SDK_TYPESCRIPT:-{{AURA_SDK_HINT}}/typescript}"
tsc=node_modules/typescript/bin/tsc
[ -f "$tsc" ] || tsc="$sdk/node_modules/typescript/bin/tsc"
if [ ! -f "$tsc" ]; then
  echo "test.sh: no TypeScript compiler: npm install here, or npm ci in $sdk (AURA_SDK_TYPESCRIPT)" >&2
  exit 1
fi
if [ ! -f node_modules/@aura/plugin/dist/index.js ]; then
  # @aura/plugin from the aura checkout, built into this plugin's node_modules
  mkdir -p node_modules/@aura/plugin node_modules/@types
  node "$tsc" -p "$sdk/tsconfig.json" --outDir node_modules/@aura/plugin/dist
  cp "$sdk/package.json" node_modules/@aura/plugin/
  [ -e node_modules/@types/node ] || ln -s "$sdk/node_modules/@types/node" node_modules/@types/node
fi
node "$tsc" -p .
node --test dist/plugin.test.js >/dev/null
)SH" + scaffold_test_tail, true};
  } else if (lang == "go") {
    files["aura-plugin.json"] = {sdk_manifest("./plugin", "\"PATH\"")};
    files["go.mod"] = {R"GO(module {{NAME}}

go 1.19

require aura.dev/plugin v0.1.0

// The SDK from the aura checkout that wrote this scaffold (test.sh: AURA_SDK_GO overrides).
replace aura.dev/plugin => {{AURA_SDK_HINT}}/go
)GO"};
    files["main.go"] = {R"GO(// {{NAME}}: an aura process plugin written with the aura Go SDK.
package main

import (
	"strings"

	plugin "aura.dev/plugin"
)

// Plugin registers the hooks (main_test.go drives them through plugintest).
func Plugin() *plugin.Plugin {
	return plugin.New("{{NAME}}").Hook("check", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
		var data struct {
			Args struct {
				Command string `json:"command"`
			} `json:"args"`
		}
		if err := ev.Decode(&data); err != nil {
			return plugin.Decision{}, err
		}
		if strings.Contains(data.Args.Command, "rm -rf") {
			return plugin.Deny("{{NAME}}: rm -rf is not allowed"), nil
		}
		return plugin.Allow(), nil
	})
}

func main() { Plugin().Main() }
)GO"};
    files["main_test.go"] = {R"GO(package main

import (
	"testing"

	plugin "aura.dev/plugin"
	"aura.dev/plugin/plugintest"
)

func TestCheck(t *testing.T) {
	h := plugintest.New(Plugin())
	for command, want := range map[string]plugin.Kind{"rm -rf /": plugin.KindDeny, "ls": plugin.KindAllow} {
		d, err := h.RunHook("check", h.SynthEvent("tool.before_execution",
			map[string]any{"tool": "bash", "args": map[string]any{"command": command}}))
		if err != nil || d.Kind != want {
			t.Errorf("%q: got %+v, %v; want %s", command, d, err, want)
		}
	}
}
)GO"};
    files["README.md"] = {R"MD(# {{NAME}}

An aura process plugin in Go, written with the aura Go SDK (`aura.dev/plugin`,
standard library only; `go.mod` points it at the aura checkout's `sdk/go`).

- `main.go`: the hooks (`plugin.New(...).Hook("check", ...)`), served by `Main()`
- `main_test.go`: the hooks in the SDK's harness (`go test ./...`)
- `test.sh`: `go test`, `go build -o plugin`, then the plugin under the real host (`AURA=path/to/aura`)
)MD"};
    files["test.sh"] = {head + R"SH(export GOFLAGS="${GOFLAGS:--mod=mod}" GOPROXY="${GOPROXY:-off}"
if [ -n "$AURA_SDK_GO" ]; then go mod edit -replace "aura.dev/plugin=$AURA_SDK_GO"; fi
go test ./... >/dev/null
go build -o plugin .
)SH" + scaffold_test_tail, true};
  } else if (lang == "rust") {
    files["aura-plugin.json"] = {sdk_manifest("./plugin", "\"PATH\"")};
    files["Cargo.toml"] = {R"TOML([package]
name = "{{NAME}}"
version = "0.1.0"
edition = "2021"

[dependencies]
# The SDK from the aura checkout that wrote this scaffold.
aura-plugin = { path = "{{AURA_SDK_HINT}}/rust" }
)TOML"};
    files[".cargo/config.toml"] = {R"TOML(# Crates from Debian's librust-*-dev packages, never from the network.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
)TOML"};
    files["src/main.rs"] = {R"RS(//! {{NAME}}: an aura process plugin written with the aura-plugin crate.
use aura_plugin::{Decision, Plugin};

fn plugin() -> Plugin {
    Plugin::new("{{NAME}}").hook("check", |_ctx, ev| {
        if ev.str_at("/args/command").contains("rm -rf") {
            return Ok(Decision::deny("{{NAME}}: rm -rf is not allowed"));
        }
        Ok(Decision::allow())
    })
}

fn main() {
    plugin().main()
}

#[cfg(test)]
mod tests {
    use aura_plugin::json;
    use aura_plugin::testing::Harness;

    #[test]
    fn denies_rm_rf_and_allows_the_rest() {
        let h = Harness::new(super::plugin());
        let ev = h.synth_event("tool.before_execution", json!({"tool": "bash", "args": {"command": "rm -rf /"}}));
        assert!(h.run_hook("check", &ev).unwrap().is_deny());
        let ev = h.synth_event("tool.before_execution", json!({"tool": "bash", "args": {"command": "ls"}}));
        assert!(h.run_hook("check", &ev).unwrap().is_allow());
    }
}
)RS"};
    files["README.md"] = {R"MD(# {{NAME}}

An aura process plugin in Rust, written with the `aura-plugin` crate (JSON through
Debian's packaged `serde_json`: `.cargo/config.toml` points cargo at
`/usr/share/cargo/registry`, offline).

- `src/main.rs`: the hooks (`Plugin::new(...).hook("check", ...)`), served by `main()`, and their
  harness test (`cargo test`)
- `test.sh`: `cargo test`, `cargo build`, then the plugin under the real host (`AURA=path/to/aura`)
)MD"};
    files["test.sh"] = {head + R"SH(cargo="${CARGO:-cargo}"
"$cargo" test --offline -q >/dev/null 2>&1 || "$cargo" test --offline -q
"$cargo" build --offline -q
cp "${CARGO_TARGET_DIR:-target}/debug/{{NAME}}" plugin
)SH" + scaffold_test_tail, true};
  }
  return files;
}

}  // namespace aura_cli
