import assert from "node:assert/strict";
import { test } from "node:test";
import { allow, deny, HandlerError, jsonPatch, mutate, PermissionDenied, Plugin, applyJsonPatch, applyMergePatch } from "../src/index";
import { Harness } from "../src/testing";
import { plugin as guard } from "../examples/guard/plugin";

test("the example decides", async () => {
  const h = new Harness(guard, { config: { prefix: "T-" } });
  assert.ok((await h.runHook("check", "tool.before_execution", { args: { command: "rm -rf /" } })).isDeny);
  assert.ok((await h.runHook("check", "tool.before_execution", { args: { command: "ls" } })).isAllow);
  const d = await h.runHook("tag", h.synthEvent("intent.before_log", { summary: "fix" }));
  assert.deepEqual(d.toWire(), { decision: "mutate", patch: { summary: "T-0: fix" }, patch_format: "merge" });
  assert.deepEqual(d.apply({ summary: "fix", n: 1 }), { summary: "T-0: fix", n: 1 });
  assert.ok((await h.runHook("tag", "intent.before_log", { summary: "T-1 x" })).isAllow);
});

test("storage, log and effects", async () => {
  const h = new Harness(guard);
  h.storage.set("count", "4");
  const d = await h.runHook("count", "demo.count", {});
  assert.equal(h.storage.get("count"), "5");
  assert.deepEqual(h.logs, [["info", "call 5"]]);
  assert.deepEqual(d.effects, { inject_message: [{ role: "system", content: "seen 5 times" }] });
  assert.deepEqual(h.calls.map(([m]) => m), ["host/storage/get", "host/storage/set", "host/log"]);
});

test("permission errors are JavaScript errors", async () => {
  const h = new Harness(guard, { storageMode: "read_only" });
  await assert.rejects(h.runHook("count", "demo.count", {}), (e: unknown) =>
    e instanceof HandlerError && e.code === -32001 && /write storage/.test(e.message));
  const seen: unknown[] = [];
  const p = new Plugin("t").hook("h", async (event, ctx) => {
    try { await ctx.log("x"); } catch (e) { seen.push(e); return deny("no log"); }
  });
  assert.equal((await new Harness(p).deny("log").runHook("h", "e")).reason, "no log");
  assert.ok(seen[0] instanceof PermissionDenied);
  assert.equal((seen[0] as PermissionDenied).method, "host/log");
});

test("mock http, network globs and the clock", async () => {
  const p = new Plugin("net").hook("h", async (event, ctx) => {
    const r = await ctx.http.get(`https://api.example.org/t/${event.data.t}`);
    if (!r.ok) return deny(`ticket ${event.data.t}: ${r.status}`);
    await ctx.http.post("https://api.example.org/seen", { at: ctx.now().toISOString() });
    return r.json<{ open: boolean }>().open ? allow() : deny("closed");
  });
  const h = new Harness(p, { network: ["api.example.org"], now: "2026-05-01T10:00:00Z" });
  h.http.route("GET", "https://api.example.org/t/1", { json: { open: true } });
  h.http.route("GET", "https://api.example.org/t/2", { status: 404 });
  h.http.route("POST", "https://api.example.org/*", { body: "{}" });
  assert.ok((await h.runHook("h", "e", { t: "1" })).isAllow);
  assert.equal(h.http.requests[1].body, '{"at":"2026-05-01T10:00:00.000Z"}');
  assert.deepEqual(h.http.requests[1].headers, { "content-type": "application/json" });
  assert.equal((await h.runHook("h", "e", { t: "2" })).reason, "ticket 2: 404");
  await assert.rejects(h.runHook("h", "e", { t: "3" }), /no mocked route for GET https:\/\/api.example.org\/t\/3/);
  h.network = ["other.example.org"];
  await assert.rejects(h.runHook("h", "e", { t: "1" }), /reach api.example.org/);
  h.advance(90_000);
  assert.equal(h.synthEvent("x").time, "2026-05-01T10:01:30.000Z");
});

test("host api methods need their grant", async () => {
  const p = new Plugin("api").hook("h", async (event, ctx) => deny(String((await ctx.call("intents/read", { n: 1 })).text)));
  const h = new Harness(p);
  await assert.rejects(h.runHook("h", "e"), /no method host\/intents\/read/);
  h.api.set("intents/read", (params) => ({ text: `n=${params.n}` }));
  await assert.rejects(h.runHook("h", "e"), /call intents\/read/);
  h.grants.add("intents/read");
  assert.equal((await h.runHook("h", "e")).reason, "n=1");
});

test("handler failures name the hook", async () => {
  const p = new Plugin("f").hook("boom", () => { throw new RangeError("bad"); }).hook("bad", () => "yes" as never);
  const h = new Harness(p);
  await assert.rejects(h.runHook("boom", "e"), /hook boom failed: RangeError: bad/);
  await assert.rejects(h.runHook("bad", "e"), /hook bad: a hook must return a Decision/);
  await assert.rejects(h.runHook("nope", "e"), /no hook named "nope" \(this plugin has: bad, boom\)/);
  assert.throws(() => p.hook("boom", () => undefined), /registered twice/);
});

test("tools and commands", async () => {
  const h = new Harness(guard);
  assert.deepEqual(await h.callTool("echo", { text: "hi" }), { content: [{ type: "text", text: "echo: hi" }], isError: false });
  assert.deepEqual(await h.runCommand("hello", "x"), { output: "hello x" });
  await assert.rejects(h.callTool("nope"), /no tool named "nope" \(this plugin has: echo\)/);
  assert.deepEqual(guard.initializeResult(), { aura: 1, sdk: "0.1.0", hooks: ["check", "count", "tag"] });
});

test("decisions: wire forms, validation and patches", () => {
  assert.deepEqual(deny("x").withEffect("k", { a: 1 }).toWire(), { decision: "deny", reason: "x", effects: { k: { a: 1 } } });
  assert.throws(() => deny(""), /non-empty reason/);
  assert.throws(() => jsonPatch([{ op: "frob", path: "/a" } as never]), /operation 0: "op" must be one of/);
  assert.throws(() => jsonPatch([{ op: "add", path: "/a" } as never]), /add needs a "value"/);
  assert.deepEqual(applyMergePatch({ a: "b", c: { d: "e", f: "g" } }, { a: "z", c: { f: null } }), { a: "z", c: { d: "e" } });
  const doc = { a: [1, 2], b: { c: 1 } };
  assert.deepEqual(applyJsonPatch(doc, [{ op: "add", path: "/a/1", value: 9 }, { op: "remove", path: "/b/c" },
    { op: "copy", from: "/a", path: "/d" }, { op: "move", from: "/d", path: "/e" }, { op: "replace", path: "/a/0", value: 0 },
    { op: "test", path: "/e/1", value: 9 }, { op: "add", path: "/a/-", value: 3 }]), { a: [0, 9, 2, 3], b: {}, e: [1, 9, 2] });
  assert.deepEqual(doc, { a: [1, 2], b: { c: 1 } });
  assert.throws(() => applyJsonPatch(doc, [{ op: "test", path: "/b/c", value: 2 }]), /operation 0 .*test failed/);
  assert.throws(() => applyJsonPatch(doc, [{ op: "remove", path: "/nope" }]), /operation 0/);
  assert.deepEqual(mutate({ x: 1 }).apply({ y: 2 }), { x: 1, y: 2 });
});
