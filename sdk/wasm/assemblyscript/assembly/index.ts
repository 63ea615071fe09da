// @aura/wasm: aura WASM plugins in AssemblyScript (the aura WASM ABI v1,
// docs/adapters/wasm.md). A plugin registers its hooks and re-exports the ABI:
//
//   import { Request, Decision, plugin } from "@aura/wasm";
//   export { aura_alloc, aura_on_event, aura_abi_v1 } from "@aura/wasm";
//   plugin.hook("check", (req: Request): Decision =>
//     req.contains("rm -rf") ? Decision.deny("no rm -rf") : Decision.allow());
//
// Only the host functions a plugin calls are imported (asc compiles what is
// used), so a plugin that never calls storageSet needs no storage permission.

// ---- the host functions (module "aura") ----
@external("aura", "output_set") declare function aura_output_set(ptr: usize, len: i32): void;
@external("aura", "error_set") declare function aura_error_set(ptr: usize, len: i32): void;
@external("aura", "log") declare function aura_log(level: i32, ptr: usize, len: i32): void;
@external("aura", "config_get") declare function aura_config_get(key: usize, keyLen: i32, out: usize, cap: i32): i32;
@external("aura", "storage_get") declare function aura_storage_get(key: usize, keyLen: i32, out: usize, cap: i32): i32;
@external("aura", "storage_set") declare function aura_storage_set(key: usize, keyLen: i32, val: usize, valLen: i32): i32;
@external("aura", "http_request") declare function aura_http_request(req: usize, reqLen: i32, out: usize, cap: i32): i32;

/** Log levels of log(). */
export enum Level { Debug = 0, Info = 1, Warn = 2, Error = 3 }

/** A log line under the plugin's name (dropped without the "log" permission). */
export function log(level: Level, message: string): void {
  const bytes = String.UTF8.encode(message);
  aura_log(level, changetype<usize>(bytes), bytes.byteLength);
}

/** `s` as a JSON string literal (quotes and escapes). */
export function jsonString(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c < 0x20) out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

/** What a hook answers. */
export class Decision {
  private constructor(readonly json: string, readonly error: string | null) {}
  static allow(): Decision { return new Decision("{\"decision\":\"allow\"}", null); }
  static deny(reason: string): Decision {
    return new Decision("{\"decision\":\"deny\",\"reason\":" + jsonString(reason) + "}", null);
  }
  /** A JSON Merge Patch of the event's data, given as JSON text. */
  static mutate(mergePatchJson: string): Decision {
    return new Decision("{\"decision\":\"mutate\",\"patch_format\":\"merge\",\"patch\":" + mergePatchJson + "}", null);
  }
  /** A decision given as JSON text, e.g. {"decision":"mutate","patch":[...]}. */
  static raw(json: string): Decision { return new Decision(json, null); }
  /** Fails the call: the host applies the hook's failure policy and reports `message`. */
  static fail(message: string): Decision { return new Decision("", message); }
  get isAllow(): bool { return this.error === null && this.json.startsWith("{\"decision\":\"allow\""); }
  get isDeny(): bool { return this.error === null && this.json.startsWith("{\"decision\":\"deny\""); }
  get isMutate(): bool { return this.error === null && this.json.startsWith("{\"decision\":\"mutate\""); }
}

/** One event's request: the wire JSON {"aura":1,"config":{...},"event":{...},"hook":"..."}. */
export class Request {
  /** The handler the host asks for. */
  hook: string = "";
  constructor(readonly json: string) {
    const h = this.findString("hook");
    if (h !== null) this.hook = h;
  }
  /** True when `needle` occurs anywhere in the request. */
  contains(needle: string): bool { return this.json.includes(needle); }
  /** The string value of the last member named `key` (e.g. "command"), unescaped; null when absent. */
  findString(key: string): string | null {
    const quoted = "\"" + key + "\"";
    let found: string | null = null;
    let at = this.json.indexOf(quoted);
    while (at >= 0) {
      let j = at + quoted.length;
      while (j < this.json.length && (this.json.charCodeAt(j) == 0x20 || this.json.charCodeAt(j) == 0x3a)) j++;
      if (j < this.json.length && this.json.charCodeAt(j) == 0x22 && this.json.charCodeAt(at + quoted.length) != 0x22) {
        found = unescapeAt(this.json, j + 1);
      }
      at = this.json.indexOf(quoted, at + 1);
    }
    return found;
  }
}

function unescapeAt(s: string, from: i32): string {
  let end = from;  // the common case, no escapes: one substring, not a string built char by char
  while (end < s.length && s.charCodeAt(end) != 0x22 && s.charCodeAt(end) != 0x5c) end++;
  if (end >= s.length || s.charCodeAt(end) == 0x22) return s.substring(from, end);
  let out = s.substring(from, end);
  for (let j = end; j < s.length; j++) {
    let c = s.charCodeAt(j);
    if (c == 0x22) break;
    if (c == 0x5c && j + 1 < s.length) {
      c = s.charCodeAt(++j);
      if (c == 0x6e) c = 0x0a;
      else if (c == 0x74) c = 0x09;
      else if (c == 0x72) c = 0x0d;
      else if (c == 0x75 && j + 4 < s.length) {  // \uXXXX
        c = <i32>parseInt(s.substr(j + 1, 4), 16);
        j += 4;
      }
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** What a host call answered: ok with a value, NotFound, or Refused (the reason is in the host's log). */
export enum Status { Ok = 0, NotFound = -1, Refused = -2 }
export class HostAnswer {
  constructor(readonly status: Status, readonly value: string) {}
  get ok(): bool { return this.status == Status.Ok; }
}

type Fetch = (key: usize, keyLen: i32, out: usize, cap: i32) => i32;

// Calls a (key, out, cap) host function, again with a bigger buffer when the answer did not fit.
function fetch(f: Fetch, key: string): HostAnswer {
  const k = String.UTF8.encode(key);
  let cap = 1024;
  for (;;) {
    const out = new ArrayBuffer(cap);
    const n = f(changetype<usize>(k), k.byteLength, changetype<usize>(out), cap);
    if (n < 0) return new HostAnswer(<Status>n, "");
    if (n <= cap) return new HostAnswer(Status.Ok, String.UTF8.decodeUnsafe(changetype<usize>(out), n));
    cap = n;
  }
}

/** config[key] as JSON text (an empty key: the whole config). Needs the "config" call_api permission. */
export function configGet(key: string): HostAnswer { return fetch(aura_config_get, key); }
/** The stored value of `key`. Needs call_api "storage" and a storage scope. */
export function storageGet(key: string): HostAnswer { return fetch(aura_storage_get, key); }
/** Stores `value` under `key`. Needs call_api "storage" and a writable storage scope. */
export function storageSet(key: string, value: string): Status {
  const k = String.UTF8.encode(key), v = String.UTF8.encode(value);
  return <Status>aura_storage_set(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength);
}
/** An HTTP request as JSON ({"method","url","headers","body","timeout_ms"}); the answer's JSON
 *  ({"status","headers","body"} or {"error"}). Needs call_api "http" and a network host. */
export function http(requestJson: string): HostAnswer { return fetch(aura_http_request, requestJson); }

/** A hook: the request in, a decision out. */
export type Handler = (req: Request) => Decision;

/** The plugin's hooks by handler name (the manifest's hooks[].handler). */
export class Plugin {
  private handlers: Map<string, Handler> = new Map();
  hook(name: string, handler: Handler): Plugin {
    this.handlers.set(name, handler);
    return this;
  }
  /** Runs the hook the request names; unknown names fail the call. */
  handle(req: Request): Decision {
    if (!this.handlers.has(req.hook)) return Decision.fail("no hook \"" + req.hook + "\" in this plugin");
    return this.handlers.get(req.hook)(req);
  }
}

export const plugin = new Plugin();

// ---- the ABI's exports (a plugin re-exports these three) ----
let pending: usize = 0;

/** The host asks for `len` bytes to write the request into. */
export function aura_alloc(len: i32): usize {
  if (pending) heap.free(pending);
  pending = heap.alloc(len > 0 ? <usize>len : 1);
  return pending;
}

/** The host's call: decode the request, run the hook, hand the decision back. */
export function aura_on_event(ptr: usize, len: i32): i32 {
  const req = new Request(String.UTF8.decodeUnsafe(ptr, len));
  heap.free(pending);
  pending = 0;
  const d = plugin.handle(req);
  const error = d.error;
  if (error !== null) {
    const e = String.UTF8.encode(error);
    aura_error_set(changetype<usize>(e), e.byteLength);
    return 1;
  }
  const out = String.UTF8.encode(d.json);
  aura_output_set(changetype<usize>(out), out.byteLength);
  return 0;
}

/** Marks the module as speaking ABI version 1. */
export function aura_abi_v1(): void {}

/** AssemblyScript's abort (a failed assert, an out-of-range index), wired by asconfig.json's
 *  "use": the message goes to the host as the call's error, then the guest traps. */
export function auraAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = (message === null ? "abort" : message) + " at " + (fileName === null ? "?" : fileName) + ":" +
               line.toString() + ":" + column.toString();
  const e = String.UTF8.encode(text);
  aura_error_set(changetype<usize>(e), e.byteLength);
  unreachable();
}
