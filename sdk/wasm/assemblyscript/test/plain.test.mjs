// A module from plain asc (AssemblyScript's default "env" imports: abort,
// seed, Date.now, console.log) in the harness, which defines them as the
// aura host does. Compiled here with the asc in node_modules, out of the tree,
// with an asconfig.json of its own (the SDK's routes abort to auraAbort).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, after, test } from "node:test";
import asc from "assemblyscript/asc";
import { Harness } from "../harness/index.mjs";

const sdk = fileURLToPath(new URL("..", import.meta.url));
let dir, wasm;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "aura-as-plain-"));
  const out = join(dir, "plain.wasm");
  let errors = "";
  const { error } = await asc.main(["test/fixtures/plain.ts", "-O2", "--baseDir", sdk, "--config", "test/fixtures/asconfig.json", "-o", out],
                                   { stderr: { write: (s) => { errors += s; return true; } } });
  assert.equal(error, null, errors);
  wasm = readFileSync(out);
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm)).filter((i) => i.module === "env");
  assert.deepEqual(imports.map((i) => i.name).sort(), ["Date.now", "abort", "console.log", "seed"]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("console.log is an info log line", async () => {
  const h = await Harness.load(wasm);
  assert.equal(h.runHook("say", "tool.before", { text: "hi é 🙂" }).decision, "allow");
  assert.deepEqual(h.logs, [{ level: "info", message: "said: hi é 🙂" }]);
});

test("Date.now is the harness clock; Math.random is seeded from seed", async () => {
  let seeds = 0;
  const h = await Harness.load(wasm, { now: 1_700_000_000_123, seed: () => { seeds += 1; return 42; } });
  assert.equal(h.runHook("stamp", "tool.before").reason, "now 1700000000123 random ok");
  h.now = () => 5;
  assert.equal(h.runHook("stamp", "tool.before").reason, "now 5 random ok");
  assert.equal(seeds, 1);
});

test("abort throws naming message, file, line and column", async () => {
  const h = await Harness.load(wasm);
  assert.throws(() => h.runHook("strict", "tool.before", {}),
                /^Error: env\.abort: strict: the event has no ticket in test\/fixtures\/plain\.ts:\d+:\d+/);
  const h2 = await Harness.load(wasm);
  assert.equal(h2.runHook("strict", "tool.before", { ticket: "OPS-1" }).decision, "allow");
});
