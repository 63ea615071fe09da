// The example plugin under the real aura host (`aura dispatch`); AURA names the binary.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dispatchWithAura } from "../src/testing";

const AURA = process.env.AURA ?? "";
const usable = AURA !== "" && (() => { try { fs.accessSync(AURA, fs.constants.X_OK); return true; } catch { return false; } })();

test("the same decisions as the harness, under the real host", { skip: usable ? false : "AURA does not name the aura binary" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aura-ts-sdk-"));
  try {
    const plugin = path.join(dir, "plugins", "guard");
    fs.mkdirSync(plugin, { recursive: true });
    // the example's manifest (examples/guard/aura-plugin.json), with the plugin wherever tsc put it
    const manifest = { plugin: {
      name: "guard", version: "0.1.0", description: "The TypeScript SDK's example plugin",
      runtime: { kind: "process", entrypoint: `node ${path.join(__dirname, "..", "examples", "guard", "plugin.js")}` },
      api: { sdk: "~0.1.0" }, config: { prefix: "OPS-" },
      hooks: [{ event: "tool.before_execution", handler: "check" }, { event: "intent.before_log", handler: "tag" },
              { event: "demo.count", handler: "count" }],
      permissions: { read_events: ["tool.*", "intent.*", "demo.*"], env: ["PATH"], storage: "plugin_private", call_api: ["log", "storage"] },
    } };
    fs.writeFileSync(path.join(plugin, "aura-plugin.json"), JSON.stringify(manifest));
    const env = { ...process.env, HOME: dir };
    const run = (event: string, data: object) => dispatchWithAura(path.join(dir, "plugins"), event, data as never, { aura: AURA, env, options: ["--state-dir", path.join(dir, "state"), "--session", "t"] });
    const denied = run("tool.before_execution", { tool: "bash", args: { command: "rm -rf /" } });
    assert.equal(denied.verdict, "deny", JSON.stringify(denied));
    assert.equal(denied.reason, "guard: rm -rf is not allowed");
    assert.equal(run("tool.before_execution", { tool: "bash", args: { command: "ls" } }).verdict, "allow");
    assert.equal((run("intent.before_log", { summary: "fix" }).data as { summary: string }).summary, "OPS-0: fix");
    assert.match(JSON.stringify(run("demo.count", {}).effects), /seen 1 times/);
    assert.match(JSON.stringify(run("demo.count", {}).effects), /seen 2 times/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
