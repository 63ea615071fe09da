// The @aura/wasm test harness: loads a compiled plugin (.wasm) in Node with a
// mock aura host - config, storage, HTTP and log - synthesizes an event, runs
// a hook and returns its decision, without a running aura host.
//
//   const h = await Harness.load(bytes, { config: { blocked: "rm -rf" } });
//   const d = h.runHook("check", "tool.before_execution", { args: { command: "ls" } });
//   assert.equal(d.decision, "allow");
//
// A module built by plain asc (no asconfig "use") also imports AssemblyScript's
// runtime from "env"; the harness defines those as the aura host does:
// console.log -> an info log line, Date.now -> the `now` option (a fake
// clock), seed -> the `seed` option, abort -> a thrown "env.abort: ..." error.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Harness {
  /** options: config (object), storage (Map of strings), http (request object -> response object),
   *  now (ms since the epoch, or a function returning them: Date.now's clock), seed (a function returning
   *  Math.random's seed). No fuel: use the real host for limits. */
  static async load(bytes, options = {}) {
    const h = new Harness(options);
    const { instance } = await WebAssembly.instantiate(bytes, { aura: h.#imports(), env: h.#env() });
    h.#exports = instance.exports;
    return h;
  }

  constructor({ config = {}, storage = new Map(), http = null, now = Date.now, seed = null } = {}) {
    this.config = config;
    this.storage = storage;
    this.http = http;
    /** Date.now's clock: a number (ms) or a function returning one; a test may change it between calls. */
    this.now = now;
    this.seed = seed ?? (() => Math.floor(Math.random() * 2 ** 53) + 1);
    /** Every log line, as { level, message }. */
    this.logs = [];
  }

  #exports = null;
  #output = null;
  #error = null;

  /** The guest's linear memory size in bytes. */
  get memoryBytes() { return this.#exports.memory.buffer.byteLength; }

  get #memory() { return new Uint8Array(this.#exports.memory.buffer); }
  #read(ptr, len) { return decoder.decode(this.#memory.subarray(ptr, ptr + len)); }
  #writeBack(text, out, cap) {
    const bytes = encoder.encode(text);
    this.#memory.set(bytes.subarray(0, Math.min(cap, bytes.length)), out);
    return bytes.length;
  }

  #imports() {
    return {
      output_set: (ptr, len) => { this.#output = this.#read(ptr, len); },
      error_set: (ptr, len) => { this.#error = this.#read(ptr, len); },
      log: (level, ptr, len) => { this.logs.push({ level: ["debug", "info", "warn", "error"][level] ?? "error", message: this.#read(ptr, len) }); },
      config_get: (kp, kl, out, cap) => {
        const key = this.#read(kp, kl);
        const value = key === "" ? this.config : this.config[key];
        return value === undefined ? -1 : this.#writeBack(JSON.stringify(value), out, cap);
      },
      storage_get: (kp, kl, out, cap) => {
        const key = this.#read(kp, kl);
        return this.storage.has(key) ? this.#writeBack(this.storage.get(key), out, cap) : -1;
      },
      storage_set: (kp, kl, vp, vl) => { this.storage.set(this.#read(kp, kl), this.#read(vp, vl)); return 0; },
      http_request: (rp, rl, out, cap) => {
        const answer = this.http ? this.http(JSON.parse(this.#read(rp, rl))) : { error: "no http in this harness" };
        return this.#writeBack(JSON.stringify(answer), out, cap);
      },
    };
  }

  /** An AssemblyScript String (UTF-16LE, its byte length in the u32 before it; 0 is null). */
  #liftString(ptr) {
    if (ptr === 0) return "null";
    const buffer = this.#exports.memory.buffer;
    if (ptr < 4 || ptr > buffer.byteLength) throw new Error(`not an AssemblyScript string inside guest memory (ptr ${ptr})`);
    const len = new DataView(buffer).getUint32(ptr - 4, true);
    if (ptr + len > buffer.byteLength) throw new Error(`not an AssemblyScript string inside guest memory (ptr ${ptr})`);
    return new TextDecoder("utf-16le").decode(new Uint8Array(buffer, ptr, len & ~1));
  }

  #env() {
    return {
      abort: (msg, file, line, column) => {
        throw new Error(`env.abort: ${this.#liftString(msg)} in ${this.#liftString(file)}:${line >>> 0}:${column >>> 0}`);
      },
      seed: () => this.seed(),
      "Date.now": () => (typeof this.now === "function" ? this.now() : this.now),
      "console.log": (ptr) => { this.logs.push({ level: "info", message: this.#liftString(ptr) }); },
    };
  }

  /** The wire request the host would write for `hook` and the event. */
  request(hook, eventName, data = {}) {
    return JSON.stringify({
      aura: 1, config: this.config, hook,
      event: { data, id: "test-1", meta: {}, name: eventName, session: "", source: "harness", time: new Date(0).toISOString() },
    });
  }

  /** Runs one hook; the decision object, or { error } when the plugin failed the call. A trap throws
   *  (with the error_set text first when the guest gave one, as an abort does). */
  runHook(hook, eventName, data = {}) {
    const bytes = encoder.encode(this.request(hook, eventName, data));
    this.#output = null;
    this.#error = null;
    const ptr = this.#exports.aura_alloc(bytes.length);
    this.#memory.set(bytes, ptr);
    let rc;
    try {
      rc = this.#exports.aura_on_event(ptr, bytes.length);
    } catch (trap) {
      // as the host does: the text the guest gave error_set (an abort's message) before the trap
      if (this.#error !== null) throw new Error(`${this.#error} (trap in aura_on_event: ${trap.message})`, { cause: trap });
      throw trap;
    }
    if (rc !== 0) return { error: this.#error ?? `aura_on_event returned ${rc}` };
    if (this.#output === null) throw new Error("aura_on_event returned 0 without calling aura.output_set");
    return JSON.parse(this.#output);
  }
}
