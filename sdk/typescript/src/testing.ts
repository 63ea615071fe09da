// A test harness: run a plugin's handlers with no host, against mocked host
// services; and dispatchWithAura to run the same plugin under the real host.
import { spawnSync } from "child_process";
import type { Decision, Json, JsonObject } from "./decision";
import { hostError, HOST_SERVICE_FAILED, METHOD_NOT_FOUND, PERMISSION_DENIED } from "./errors";
import type { Event, Plugin } from "./plugin";

export interface RecordedRequest { method: string; url: string; headers: Record<string, string>; body: string }
type RouteAnswer = { status?: number; body?: string; json?: Json; headers?: Record<string, string> };

function glob(pattern: string, text: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  return re.test(text);
}

export class MockHttp {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Array<{ method: string; url: string; answer: RouteAnswer | ((r: RecordedRequest) => RouteAnswer) }> = [];

  /** Answers METHOD URL (a glob; method "*" for any) with a fixed answer or a function of the request. */
  route(method: string, url: string, answer: RouteAnswer | ((r: RecordedRequest) => RouteAnswer) = {}): this {
    this.routes.push({ method: method.toUpperCase(), url, answer });
    return this;
  }

  serve(params: JsonObject): JsonObject {
    const req: RecordedRequest = { method: String(params.method ?? "GET").toUpperCase(), url: String(params.url ?? ""),
                                   headers: (params.headers ?? {}) as Record<string, string>, body: String(params.body ?? "") };
    this.requests.push(req);
    for (const r of this.routes) {
      if ((r.method === "*" || r.method === req.method) && glob(r.url, req.url)) {
        const a = typeof r.answer === "function" ? r.answer(req) : r.answer;
        return { status: a.status ?? 200, headers: a.headers ?? {}, body: a.json !== undefined ? JSON.stringify(a.json) : (a.body ?? "") };
      }
    }
    throw hostError("host/http", { code: HOST_SERVICE_FAILED, message: `no mocked route for ${req.method} ${req.url}`, data: { code: "io_error" } });
  }
}

export interface HarnessOptions {
  config?: JsonObject;
  grants?: string[];
  storageMode?: "read_write" | "read_only" | "none";
  network?: string[] | null;
  now?: string | Date;
}

/** A mock host for one plugin: storage, http, logs, calls, api, grants, storageMode, network, the clock. */
export class Harness {
  config: JsonObject;
  readonly storage = new Map<string, string>();
  readonly http = new MockHttp();
  readonly logs: Array<[string, string]> = [];
  readonly calls: Array<[string, JsonObject]> = [];
  readonly api = new Map<string, (params: JsonObject) => JsonObject>();
  readonly grants: Set<string>;
  storageMode: "read_write" | "read_only" | "none";
  network: string[] | null;
  time: Date;
  private events = 0;

  constructor(readonly plugin: Plugin, o: HarnessOptions = {}) {
    this.config = { ...(o.config ?? {}) };
    this.grants = new Set(o.grants ?? ["log", "storage", "http", "config", "clock"]);
    this.storageMode = o.storageMode ?? "read_write";
    this.network = o.network ?? null;
    this.time = new Date(o.now ?? "2026-01-01T00:00:00.000Z");
  }

  setTime(when: string | Date): this { this.time = new Date(when); return this; }
  advance(ms: number): this { this.time = new Date(this.time.getTime() + ms); return this; }
  /** Takes a call_api scope away: calls needing it fail with PermissionDenied. */
  deny(scope: string): this { this.grants.delete(scope); return this; }

  private refuse(method: string, what: string): never {
    throw hostError(method, { code: PERMISSION_DENIED, message: `plugin ${this.plugin.name || "(test)"} may not ${what}` });
  }

  /** The mock host's answer to one host call. */
  hostCall(method: string, params: JsonObject): JsonObject {
    this.calls.push([method, params]);
    const name = method.replace(/^host\//, "");
    if (name === "log") {
      if (!this.grants.has("log")) this.refuse(method, 'log (call_api lacks "log")');
      this.logs.push([String(params.level ?? "info"), String(params.message ?? "")]);
      return {};
    }
    if (name.startsWith("storage/")) {
      if (!this.grants.has("storage") || this.storageMode === "none") this.refuse(method, "use storage");
      const key = params.key;
      if (typeof key !== "string") throw hostError(method, { code: -32602, message: "params.key must be a string" });
      if (name === "storage/get") return { value: this.storage.get(key) ?? null };
      if (this.storageMode !== "read_write") this.refuse(method, "write storage (read-only)");
      if (name === "storage/set") { this.storage.set(key, String(params.value)); return {}; }
      if (name === "storage/delete") return { removed: this.storage.delete(key) };
    }
    if (name === "http") {
      if (!this.grants.has("http")) this.refuse(method, 'call http (call_api lacks "http")');
      let host = "";
      try { host = new URL(String(params.url)).hostname; } catch { /* an invalid URL matches no glob */ }
      if (this.network !== null && !this.network.some((g) => glob(g, host))) this.refuse(method, `reach ${host} (not in permissions.network)`);
      return this.http.serve(params);
    }
    const fn = this.api.get(name);
    if (fn) {
      if (!this.grants.has(name)) this.refuse(method, `call ${name} (call_api lacks it)`);
      return fn(params);
    }
    throw hostError(method, { code: METHOD_NOT_FOUND, message: `the host has no method ${method}` });
  }

  synthEvent<D = JsonObject>(name: string, data?: D, o: { session?: string; source?: string; meta?: JsonObject } = {}): Event<D> {
    return { id: `ev-test-${++this.events}`, name, time: this.time.toISOString(), source: o.source ?? "",
             session: o.session ?? "", data: (data ?? {}) as D, meta: o.meta ?? {} };
  }

  private invocation() {
    return { call: async (m: string, p: JsonObject) => this.hostCall(m, p), config: this.config, clock: () => new Date(this.time) };
  }

  /** The Decision of `hook` for an event (or an event name and its data). A failing handler rejects with HandlerError. */
  runHook(hook: string, event: Event | string, data?: Json): Promise<Decision> {
    const ev = typeof event === "string" ? this.synthEvent(event, data ?? {}) : event;
    return this.plugin.runHook(hook, ev, this.invocation());
  }
  callTool(name: string, args: Json = {}): Promise<Json> { return this.plugin.callTool(name, args, this.invocation()); }
  runCommand(name: string, args: Json = null): Promise<Json> { return this.plugin.runCommand(name, args, this.invocation()); }
}

/** Runs `aura --plugins DIR dispatch EVENT --json --data DATA` (the real host; AURA names the binary) and returns its
 *  JSON (verdict, reason, data, effects, trail). `options` are more global options (["--state-dir", D, "--session", "s"]). */
export function dispatchWithAura(pluginDir: string, event: string, data: Json,
                                 o: { aura?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; options?: string[] } = {}): JsonObject {
  const aura = o.aura ?? process.env.AURA ?? "aura";
  const r = spawnSync(aura, ["--plugins", pluginDir, ...(o.options ?? []), "dispatch", event, "--json", "--data", JSON.stringify(data)],
                      { encoding: "utf8", env: o.env ?? process.env, timeout: o.timeoutMs ?? 30000 });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as JsonObject;
  } catch {
    throw new Error(`aura dispatch ${event} gave no JSON (status ${r.status}): ${r.stdout} ${r.stderr} ${r.error ?? ""}`);
  }
}
