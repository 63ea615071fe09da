// The JSON-RPC 2.0 loop over stdin/stdout (docs/protocol.md). Requests run
// concurrently; each host call carries the id of the request it serves.
import type { JsonObject } from "./decision";
import { HandlerError, hostError, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PluginStopped } from "./errors";
import { PROTOCOL_VERSION, type Event, type Invocation, type Plugin } from "./plugin";

type Message = { jsonrpc?: string; id?: string | number | null; method?: string; params?: unknown; result?: unknown; error?: unknown };

const NEWLINE = 0x0a;

/** A task's env (idelchi/aura) comes with an event or tool call as
 *  params.task_env, already cut to what the plugin's env permission allows:
 *  it goes into process.env before the handler runs, over the startup values. */
function applyTaskEnv(params: Record<string, any>): void {
  const env = params.task_env;
  if (typeof env !== "object" || env === null || Array.isArray(env)) return;
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === "string" && k !== "" && !k.includes("=") && !(k + v).includes("\0")) process.env[k] = v;
  }
}

export class Runtime {
  private chunks: Buffer[] = [];
  private pendingBytes = 0;
  private nextCall = 0;
  private readonly waiting = new Map<string, { method: string; resolve: (r: JsonObject) => void; reject: (e: Error) => void }>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private finish: (status: number) => void = () => {};

  constructor(private readonly plugin: Plugin, private readonly input: NodeJS.ReadableStream,
              private readonly output: NodeJS.WritableStream) {}

  serve(): Promise<number> {
    return new Promise<number>((resolve) => {
      this.finish = resolve;
      this.input.on("data", (chunk: Buffer | string) => this.onData(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
      this.input.on("end", () => this.onEnd());
      this.input.on("error", () => this.onEnd());
    });
  }

  private send(msg: object): Promise<void> {
    return new Promise((resolve) => {
      this.output.write(JSON.stringify(msg) + "\n", () => resolve());
    });
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1 && !this.stopped; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      const line = this.chunks.length ? Buffer.concat([...this.chunks, piece]) : piece;
      this.chunks = [];
      this.pendingBytes = 0;
      start = nl + 1;
      this.onLine(line);
    }
    if (start < chunk.length && !this.stopped) {
      this.chunks.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
  }

  private onEnd(): void {
    if (this.stopped) return;
    if (this.pendingBytes > 0) process.stderr.write(`@aura/plugin: input ended inside a message (${this.pendingBytes} bytes); ignored\n`);
    this.stop();
    for (const [, w] of this.waiting) w.reject(new PluginStopped(`input ended while ${w.method} waited for the host`));
    this.waiting.clear();
    const settled = Promise.allSettled([...this.inFlight]);
    const cap = new Promise((r) => setTimeout(r, 1000).unref());
    Promise.race([settled, cap]).then(() => this.finish(0));
  }

  private stop(): void {
    this.stopped = true;
    this.input.removeAllListeners("data");
    if (typeof (this.input as NodeJS.ReadStream).pause === "function") (this.input as NodeJS.ReadStream).pause();
  }

  private onLine(raw: Buffer): void {
    const text = raw.toString("utf8").trim();
    if (text === "") return;
    let msg: Message;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      process.stderr.write(`@aura/plugin: ignored a line that is not JSON (${(e as Error).message}): ${text.slice(0, 120)}\n`);
      return;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      process.stderr.write(`@aura/plugin: ignored a message that is not an object: ${text.slice(0, 120)}\n`);
      return;
    }
    if (msg.method === undefined) return this.onResponse(msg);
    if (msg.jsonrpc !== "2.0") {
      if (msg.id !== undefined && msg.id !== null) void this.send({ jsonrpc: "2.0", id: msg.id, error: { code: INVALID_REQUEST, message: 'jsonrpc must be "2.0"' } });
      return;
    }
    const job = this.onRequest(msg).catch((e) => { process.stderr.write(`@aura/plugin: ${e}\n`); });
    this.inFlight.add(job);
    void job.then(() => this.inFlight.delete(job));
  }

  private onResponse(msg: Message): void {
    const w = this.waiting.get(String(msg.id));
    if (!w) return;  // an answer to something abandoned
    this.waiting.delete(String(msg.id));
    if (msg.error !== undefined) w.reject(hostError(w.method, msg.error));
    else w.resolve(typeof msg.result === "object" && msg.result !== null ? msg.result as JsonObject : {});
  }

  private hostCall(requestId: string | number | null | undefined): Invocation["call"] {
    return (method, params) => {
      if (this.stopped) return Promise.reject(new PluginStopped(`${method}: the plugin is stopping`));
      const id = `ts-${++this.nextCall}`;
      const p = requestId === undefined || requestId === null || "call" in params ? params : { ...params, call: requestId };
      return new Promise<JsonObject>((resolve, reject) => {
        this.waiting.set(id, { method, resolve, reject });
        void this.send({ jsonrpc: "2.0", id, method, params: p });
      });
    };
  }

  private async onRequest(msg: Message): Promise<void> {
    const id = msg.id;
    const params = (typeof msg.params === "object" && msg.params !== null && !Array.isArray(msg.params) ? msg.params : {}) as Record<string, any>;
    const inv: Invocation = { call: this.hostCall(id) };
    let result: unknown;
    try {
      switch (msg.method) {
        case "initialize":
          if ((params.aura ?? PROTOCOL_VERSION) !== PROTOCOL_VERSION)
            throw new HandlerError(INVALID_PARAMS, `this plugin speaks aura protocol ${PROTOCOL_VERSION}, the host ${JSON.stringify(params.aura)}`);
          if (typeof params.config === "object" && params.config !== null) this.plugin.config = params.config;
          if (typeof params.plugin === "string" && !this.plugin.name) this.plugin.name = params.plugin;
          result = this.plugin.initializeResult();
          break;
        case "event":
          if (typeof params.hook !== "string") throw new HandlerError(INVALID_PARAMS, "event: params.hook must be a string");
          if (typeof params.config === "object" && params.config !== null) inv.config = params.config;
          applyTaskEnv(params);
          result = (await this.plugin.runHook(params.hook, params.event as Event, inv)).toWire();
          break;
        case "tools/call":
          applyTaskEnv(params);
          result = await this.plugin.callTool(params.name, params.arguments ?? {}, inv);
          break;
        case "command":
          result = await this.plugin.runCommand(params.name, params.args ?? null, inv);
          break;
        case "shutdown":
          return await this.shutdown(id);
        default:
          if (id === undefined || id === null) return;  // a notification nobody needs
          throw new HandlerError(METHOD_NOT_FOUND, `this plugin has no method "${msg.method}"`);
      }
    } catch (e) {
      if (id === undefined || id === null || this.stopped) return;
      const err = e instanceof HandlerError ? e : new HandlerError(-32603, String(e));
      await this.send({ jsonrpc: "2.0", id, error: err.toWire() });
      return;
    }
    if (id !== undefined && id !== null && !this.stopped) await this.send({ jsonrpc: "2.0", id, result });
  }

  private async shutdown(id: Message["id"]): Promise<void> {
    const started = Date.now();
    this.stop();
    // finish what is being done, then the plugin's own handlers, all inside the grace
    const others = [...this.inFlight];
    await Promise.race([Promise.allSettled(others), new Promise((r) => setTimeout(r, 500).unref())]);
    await this.plugin.shutdown(Math.max(0, 800 - (Date.now() - started)));
    if (id !== undefined && id !== null) await this.send({ jsonrpc: "2.0", id, result: {} });
    this.finish(0);
  }
}
