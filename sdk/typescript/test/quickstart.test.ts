// The docs' harness example (docs/sdks.md): the example plugin with mocked host services.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Harness } from "../src/testing";  // in a plugin: "@aura/plugin/testing"
import { plugin } from "../examples/guard/plugin";

test("check and count", async () => {
  const h = new Harness(plugin, { config: { prefix: "OPS-" } });
  const denied = await h.runHook("check", "tool.before_execution", { args: { command: "rm -rf /" } });
  assert.equal(denied.reason, "guard: rm -rf is not allowed");
  h.storage.set("count", "41");
  const counted = await h.runHook("count", h.synthEvent("demo.count"));
  assert.equal(h.storage.get("count"), "42");
  assert.deepEqual(h.logs, [["info", "call 42"]]);
  assert.deepEqual(counted.effects.inject_message, [{ role: "system", content: "seen 42 times" }]);
});
