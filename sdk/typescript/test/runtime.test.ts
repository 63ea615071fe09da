// The SDK's JSON-RPC loop, driven through real pipes as a host would.
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";

const GUARD = path.join(__dirname, "..", "examples", "guard", "plugin.js");
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { aura: 1, sdk: "0.1.0", plugin: "guard", config: { prefix: "P-" } } };
const line = (m: object) => JSON.stringify(m) + "\n";
const event = (id: number, hook: string, data: unknown, name = "tool.before_execution") => ({
  jsonrpc: "2.0", id, method: "event",
  params: { aura: 1, hook, config: { prefix: "P-" }, event: { id: `e${id}`, name, time: "", source: "", session: "", data, meta: {} } },
});

class Child {
  readonly p: ChildProcessWithoutNullStreams;
  private buf = "";
  private lines: string[] = [];
  private wake: (() => void) | null = null;
  stderr = "";
  readonly exited: Promise<number | null>;
  constructor(args: string[] = [GUARD]) {
    this.p = spawn(process.execPath, args, { stdio: "pipe" });
    this.p.stdout.on("data", (d: Buffer) => {
      this.buf += d.toString();
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) { this.lines.push(this.buf.slice(0, i)); this.buf = this.buf.slice(i + 1); }
      this.wake?.();
    });
    this.p.stderr.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((r) => this.p.on("exit", (code) => r(code)));
  }
  send(m: object | string | Buffer) { this.p.stdin.write(typeof m === "string" || Buffer.isBuffer(m) ? m : line(m)); }
  async recv(): Promise<any> {
    while (this.lines.length === 0) {
      await new Promise<void>((r) => { this.wake = r; setTimeout(r, 5000).unref(); });
      if (this.lines.length === 0 && this.p.exitCode !== null) throw new Error(`plugin exited: ${this.stderr}`);
    }
    return JSON.parse(this.lines.shift()!);
  }
  async close(): Promise<number | null> { this.p.stdin.end(); return this.exited; }
}

test("handshake, events, tools, commands, errors and shutdown", async () => {
  const c = new Child();
  c.send(INIT);
  assert.deepEqual(await c.recv(), { jsonrpc: "2.0", id: 1, result: { aura: 1, sdk: "0.1.0", hooks: ["check", "count", "tag"] } });
  c.send(event(2, "check", { args: { command: "rm -rf /" } }));
  assert.deepEqual((await c.recv()).result, { decision: "deny", reason: "guard: rm -rf is not allowed" });
  c.send(event(3, "tag", { summary: "x" }, "intent.before_log"));
  assert.deepEqual((await c.recv()).result, { decision: "mutate", patch: { summary: "P-0: x" }, patch_format: "merge" });
  c.send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "echo", arguments: { text: "t" } } });
  assert.equal((await c.recv()).result.content[0].text, "echo: t");
  c.send({ jsonrpc: "2.0", id: 5, method: "command", params: { name: "hello", args: "w" } });
  assert.deepEqual((await c.recv()).result, { output: "hello w" });
  c.send({ jsonrpc: "2.0", id: 6, method: "frobnicate", params: {} });
  assert.equal((await c.recv()).error.code, -32601);
  c.send(event(7, "nope", {}));
  const err = (await c.recv()).error;
  assert.equal(err.code, -32602);
  assert.match(err.message, /no hook named "nope"/);
  c.send({ jsonrpc: "2.0", id: 8, method: "shutdown", params: {} });
  assert.deepEqual(await c.recv(), { jsonrpc: "2.0", id: 8, result: {} });
  assert.equal(await c.exited, 0, "exits after shutdown without waiting for end of input");
});

test("blank lines, CRLF, garbage, pieces and a huge line", async () => {
  const c = new Child();
  c.send("\n\r\n   \n");
  c.send(line(INIT).slice(0, -1) + "\r\n");
  assert.equal((await c.recv()).id, 1);
  c.send("this is not json\n[1,2]\n");
  c.send(line(event(2, "check", { args: { command: "ls " + "x".repeat(20 << 20) } })));
  assert.deepEqual(await c.recv(), { jsonrpc: "2.0", id: 2, result: { decision: "allow" } });
  const raw = line(event(3, "check", { args: { command: "rm -rf x" } }));
  c.send(raw.slice(0, 10));
  await new Promise((r) => setTimeout(r, 10));
  c.send(raw.slice(10));
  assert.equal((await c.recv()).result.decision, "deny");
  assert.equal(await c.close(), 0);
  assert.match(c.stderr, /not JSON/);
  assert.match(c.stderr, /not an object/);
});

test("half a line then end of input", async () => {
  const c = new Child();
  c.send(INIT);
  await c.recv();
  c.send(line(event(2, "check", {})).slice(0, 30));
  assert.equal(await c.close(), 0);
  assert.match(c.stderr, /input ended inside a message \(30 bytes\)/);
});

test("host calls carry the request id; others are served meanwhile; refusals are errors", async () => {
  const c = new Child();
  c.send(INIT);
  await c.recv();
  c.send(event(2, "count", {}, "demo.count"));
  const get = await c.recv();
  assert.equal(get.method, "host/storage/get");
  assert.deepEqual(get.params, { key: "count", call: 2 });
  c.send(event(3, "check", { args: { command: "ls" } }));
  assert.deepEqual(await c.recv(), { jsonrpc: "2.0", id: 3, result: { decision: "allow" } }, "served while 2 waits");
  c.send({ jsonrpc: "2.0", id: "stale", result: {} });
  c.send({ jsonrpc: "2.0", id: get.id, result: { value: "41" } });
  const put = await c.recv();
  assert.deepEqual(put.params, { key: "count", value: "42", call: 2 });
  c.send({ jsonrpc: "2.0", id: put.id, error: { code: -32001, message: "plugin guard may not write storage" } });
  const answer = await c.recv();
  assert.equal(answer.id, 2);
  assert.equal(answer.error.code, -32001);
  assert.match(answer.error.message, /may not write storage/);
  c.send(event(4, "count", {}, "demo.count"));
  assert.equal((await c.recv()).method, "host/storage/get");
  assert.equal(await c.close(), 0, "end of input while a host call waits: a clean exit");
});

test("shutdown within the grace; a protocol mismatch is refused", async () => {
  const sdk = path.join(__dirname, "..", "src", "index.js");
  const code = `const { Plugin } = require(${JSON.stringify(sdk)});
    new Plugin("slow").hook("h", () => undefined).onShutdown(() => new Promise((r) => setTimeout(r, 30000))).main();`;
  const c = new Child(["-e", code]);
  c.send({ ...INIT, params: { aura: 2 } });
  assert.match((await c.recv()).error.message, /protocol 1, the host 2/);
  c.send(INIT);
  await c.recv();
  const start = Date.now();
  c.send({ jsonrpc: "2.0", id: 9, method: "shutdown", params: {} });
  assert.deepEqual((await c.recv()).result, {});
  assert.equal(await c.exited, 0);
  assert.ok(Date.now() - start < 1000, "the unload grace is 1 s");
  assert.match(c.stderr, /overran the grace time/);
});

test("a task's env (params.task_env) is in process.env before the hook or tool runs", async () => {
  const sdk = path.join(__dirname, "..", "src", "index.js");
  const code = `const { Plugin, deny } = require(${JSON.stringify(sdk)});
    new Plugin("gotify").hook("before", () => deny("level=" + (process.env.TASK_LEVEL ?? "")))
      .tool("Gotify", () => "level=" + (process.env.TASK_LEVEL ?? "")).main();`;
  const c = new Child(["-e", code]);
  c.send(INIT);
  await c.recv();
  c.send(event(2, "before", {}));
  assert.deepEqual((await c.recv()).result, { decision: "deny", reason: "level=" });
  const ev = event(3, "before", {});
  (ev.params as Record<string, unknown>).task_env = { TASK_LEVEL: "ERROR", "BAD=NAME": "x", N: 1 };
  c.send(ev);
  assert.deepEqual((await c.recv()).result, { decision: "deny", reason: "level=ERROR" });
  c.send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "Gotify", arguments: {}, task_env: { TASK_LEVEL: "DEBUG" } } });
  assert.equal((await c.recv()).result.content[0].text, "level=DEBUG");
  c.send({ jsonrpc: "2.0", id: 5, method: "shutdown", params: {} });
  await c.recv();
  assert.equal(await c.exited, 0);
});
