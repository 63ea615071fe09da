// The example plugin (examples/guard.ts, compiled by asc) in the harness.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Harness } from "../harness/index.mjs";

const wasm = readFileSync(process.env.AURA_AS_GUARD ?? new URL("../build/guard.wasm", import.meta.url));

test("check denies rm -rf and logs the command", async () => {
  const h = await Harness.load(wasm);
  const d = h.runHook("check", "tool.before_execution", { tool: "bash", args: { command: "rm -rf /" } });
  assert.deepEqual(d, { decision: "deny", reason: "guard: rm -rf is not allowed" });
  assert.deepEqual(h.logs, [{ level: "debug", message: "rm -rf /" }]);
});

test("check allows the rest, and an event without a command", async () => {
  const h = await Harness.load(wasm);
  assert.equal(h.runHook("check", "tool.before_execution", { args: { command: "ls" } }).decision, "allow");
  assert.equal(h.runHook("check", "tool.before_execution", {}).decision, "allow");
});

test("tag mutates with a merge patch, escapes and non-ASCII kept", async () => {
  const h = await Harness.load(wasm);
  const d = h.runHook("tag", "intent.before_log", { summary: "fix \"it\" – now\n" });
  assert.equal(d.decision, "mutate");
  assert.equal(d.patch_format, "merge");
  assert.deepEqual(d.patch, { summary: "OPS-0: fix \"it\" – now\n" });
  assert.equal(h.runHook("tag", "intent.before_log", { summary: "OPS-1 done" }).decision, "allow");
});

test("a failed hook and an unknown hook are errors naming why", async () => {
  const h = await Harness.load(wasm);
  assert.deepEqual(h.runHook("tag", "intent.before_log", {}), { error: "tag: the event has no summary" });
  assert.deepEqual(h.runHook("nope", "demo.x", {}), { error: "no hook \"nope\" in this plugin" });
});

test("an assert's message comes with the trap, as the host reports it", async () => {
  const h = await Harness.load(wasm);
  assert.equal(h.runHook("strict", "demo.strict", { ticket: "OPS-1" }).decision, "allow");
  assert.throws(() => h.runHook("strict", "demo.strict", {}),
                /^Error: strict: the event has no ticket at .*guard\.ts:\d+:\d+ \(trap in aura_on_event: .*unreachable/);
});

test("many events in one instance: the request buffer is reused, not leaked", async () => {
  const h = await Harness.load(wasm);
  const big = "x".repeat(100000);
  for (let i = 0; i < 50; i++) h.runHook("check", "tool.before_execution", { args: { command: "ls " + big } });
  assert.equal(h.runHook("check", "tool.before_execution", { args: { command: "ls" } }).decision, "allow");
  assert.ok(h.memoryBytes < 8 << 20, `memory grew to ${h.memoryBytes} bytes over 50 events of 100 kB`);
});
