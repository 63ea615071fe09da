// What a handler gets besides its input: config, log, storage, http, clock, host API.
import type { Json, JsonObject } from "./decision";

export type HostCall = (method: string, params: JsonObject) => Promise<JsonObject>;

export class Response {
  constructor(readonly status: number, readonly headers: Record<string, string>, readonly body: string) {}
  get ok(): boolean { return this.status >= 200 && this.status < 300; }
  json<T = Json>(): T { return JSON.parse(this.body) as T; }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string;
  json?: Json;
  timeoutMs?: number;
}

export class Storage {
  constructor(private readonly call: HostCall) {}
  async get(key: string): Promise<string | null> {
    const r = await this.call("host/storage/get", { key });
    return typeof r.value === "string" ? r.value : null;
  }
  async set(key: string, value: string): Promise<void> {
    if (typeof value !== "string") throw new TypeError(`storage values are strings (got ${typeof value} for "${key}")`);
    await this.call("host/storage/set", { key, value });
  }
  async delete(key: string): Promise<boolean> {
    return (await this.call("host/storage/delete", { key })).removed === true;
  }
}

export class Http {
  constructor(private readonly call: HostCall) {}
  async request(method: string, url: string, o: RequestOptions = {}): Promise<Response> {
    const params: JsonObject = { method, url };
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
    }
    if (Object.keys(headers).length) params.headers = headers;
    if (body !== undefined) params.body = body;
    if (o.timeoutMs !== undefined) params.timeout_ms = o.timeoutMs;
    const r = await this.call("host/http", params);
    return new Response(typeof r.status === "number" ? r.status : 0, (r.headers ?? {}) as Record<string, string>,
                        typeof r.body === "string" ? r.body : "");
  }
  get(url: string, o?: RequestOptions): Promise<Response> { return this.request("GET", url, o); }
  post(url: string, json: Json, o: RequestOptions = {}): Promise<Response> { return this.request("POST", url, { ...o, json }); }
  async getJson<T = Json>(url: string, o?: RequestOptions): Promise<T> { return (await this.get(url, o)).json<T>(); }
}

export type LogLevel = "debug" | "info" | "warn" | "warning" | "error";

export class Context {
  readonly storage: Storage;
  readonly http: Http;
  constructor(private readonly hostCall: HostCall, readonly config: JsonObject, readonly plugin: string,
              private readonly clock: () => Date = () => new Date()) {
    const call: HostCall = (m, p) => this.call(m, p);
    this.storage = new Storage(call);
    this.http = new Http(call);
  }
  /** Any host method: "host/<name>" (the prefix is added when missing). */
  call(method: string, params: JsonObject = {}): Promise<JsonObject> {
    return this.hostCall(method.startsWith("host/") ? method : `host/${method}`, { ...params });
  }
  async log(message: string, level: LogLevel = "info"): Promise<void> {
    if (!["debug", "info", "warn", "warning", "error"].includes(level)) throw new TypeError(`log level must be debug, info, warn or error (got "${level}")`);
    await this.call("host/log", { level, message: String(message) });
  }
  /** The current time (the harness's clock in tests). */
  now(): Date { return this.clock(); }
}
