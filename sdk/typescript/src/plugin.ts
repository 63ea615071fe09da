// Plugin: the registry of hooks, tools and commands, and what runs them.
import { Context, type HostCall } from "./context";
import { Decision, toDecision, type Json, type JsonObject } from "./decision";
import { HandlerError, HostError, HOST_SERVICE_FAILED, INTERNAL_ERROR, INVALID_PARAMS } from "./errors";

export const SDK_VERSION = "0.1.0";
export const PROTOCOL_VERSION = 1;

export interface Event<D = any> {
  id: string;
  name: string;
  time: string;
  source: string;
  session: string;
  data: D;
  meta: JsonObject;
}

type Awaitable<T> = T | Promise<T>;
export type HookHandler = (event: Event, ctx: Context) => Awaitable<Decision | void | null | undefined>;
export type ToolHandler = (args: any, ctx: Context) => Awaitable<Json | string>;
export type CommandHandler = (args: any, ctx: Context) => Awaitable<Json | string>;

export interface Invocation {
  call: HostCall;
  config?: JsonObject;
  clock?: () => Date;
}

function names(table: Map<string, unknown>): string {
  return [...table.keys()].sort().join(", ") || "none";
}

export class Plugin {
  readonly hooks = new Map<string, HookHandler>();
  readonly tools = new Map<string, ToolHandler>();
  readonly commands = new Map<string, CommandHandler>();
  readonly shutdownHandlers: Array<() => Awaitable<void>> = [];
  config: JsonObject = {};

  constructor(public name = "", readonly sdk = SDK_VERSION) {}

  private register<T>(table: Map<string, T>, kind: string, name: string, fn: T): this {
    if (typeof name !== "string" || name === "") throw new TypeError(`a ${kind} name must be a non-empty string`);
    if (table.has(name)) throw new Error(`${kind} "${name}" is registered twice`);
    if (typeof fn !== "function") throw new TypeError(`${kind} "${name}": the handler must be a function`);
    table.set(name, fn);
    return this;
  }
  /** hook("check", (event, ctx) => deny("...")): returning nothing allows. */
  hook(name: string, fn: HookHandler): this { return this.register(this.hooks, "hook", name, fn); }
  /** tool("status", (args, ctx) => "text" | MCP result | any JSON). */
  tool(name: string, fn: ToolHandler): this { return this.register(this.tools, "tool", name, fn); }
  /** command("report", (args, ctx) => "output" | any JSON). */
  command(name: string, fn: CommandHandler): this { return this.register(this.commands, "command", name, fn); }
  /** Runs when the host unloads the plugin; must finish within the grace time. */
  onShutdown(fn: () => Awaitable<void>): this { this.shutdownHandlers.push(fn); return this; }

  initializeResult(): JsonObject {
    return { aura: PROTOCOL_VERSION, sdk: this.sdk, hooks: [...this.hooks.keys()].sort() };
  }

  private context(inv: Invocation): Context {
    return new Context(inv.call, inv.config ?? this.config, this.name, inv.clock);
  }

  private async guard<T>(what: string, run: () => Awaitable<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof HandlerError) throw e;
      if (e instanceof HostError) throw new HandlerError(e.code, `${what}: ${e.message}`, { method: e.method, host_code: e.code });
      const err = e instanceof Error ? e : new Error(String(e));
      throw new HandlerError(HOST_SERVICE_FAILED, `${what} failed: ${err.name}: ${err.message}`, { exception: err.name });
    }
  }

  async runHook(hook: string, event: Event, inv: Invocation): Promise<Decision> {
    const fn = this.hooks.get(hook);
    if (!fn) throw new HandlerError(INVALID_PARAMS, `no hook named "${hook}" (this plugin has: ${names(this.hooks)})`);
    if (typeof event !== "object" || event === null || typeof event.name !== "string")
      throw new HandlerError(INVALID_PARAMS, `hook ${hook}: event must be an object with a string "name"`);
    const ctx = this.context(inv);
    const result = await this.guard(`hook ${hook}`, () => fn(event, ctx));
    try {
      return toDecision(result);
    } catch (e) {
      throw new HandlerError(INTERNAL_ERROR, `hook ${hook}: ${(e as Error).message}`);
    }
  }

  async callTool(name: string, args: Json, inv: Invocation): Promise<Json> {
    const fn = this.tools.get(name);
    if (!fn) throw new HandlerError(INVALID_PARAMS, `no tool named "${name}" (this plugin has: ${names(this.tools)})`);
    const ctx = this.context(inv);
    const r = await this.guard(`tool ${name}`, () => fn(args, ctx));
    return typeof r === "string" ? { content: [{ type: "text", text: r }], isError: false } : r;
  }

  async runCommand(name: string, args: Json, inv: Invocation): Promise<Json> {
    const fn = this.commands.get(name);
    if (!fn) throw new HandlerError(INVALID_PARAMS, `no command named "${name}" (this plugin has: ${names(this.commands)})`);
    const ctx = this.context(inv);
    const r = await this.guard(`command ${name}`, () => fn(args, ctx));
    return typeof r === "string" ? { output: r } : r;
  }

  /** Runs the shutdown handlers in what remains of `graceMs`. */
  async shutdown(graceMs = 800): Promise<void> {
    const deadline = Date.now() + graceMs;
    for (const fn of this.shutdownHandlers) {
      const left = deadline - Date.now();
      if (left <= 0) { process.stderr.write("@aura/plugin: shutdown grace spent; a handler was skipped\n"); continue; }
      let timer: NodeJS.Timeout | undefined;
      const overran = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), left); });
      const done = Promise.resolve().then(fn).then(() => false, (e) => {
        process.stderr.write(`@aura/plugin: a shutdown handler failed: ${e}\n`);
        return false;
      });
      if (await Promise.race([done, overran])) process.stderr.write("@aura/plugin: a shutdown handler overran the grace time\n");
      clearTimeout(timer);
    }
  }

  /** Serves the host over stdin/stdout; resolves with the exit status at shutdown or end of input. */
  run(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<number> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Runtime } = require("./runtime") as typeof import("./runtime");
    return new Runtime(this, input, output).serve();
  }

  /** run() then exit the process with its status (what a plugin's main does). */
  main(): void {
    this.run().then((status) => process.exit(status), (e) => { process.stderr.write(`@aura/plugin: ${e}\n`); process.exit(1); });
  }
}
