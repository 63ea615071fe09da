// guard: denies rm -rf, tags summaries, counts calls in storage, serves a tool and a command.
import { allow, deny, mutate, Plugin } from "../../src/index";

export const plugin = new Plugin("guard")
  .hook("check", (event) => {
    const command: string = event.data?.args?.command ?? "";
    return command.includes("rm -rf") ? deny("guard: rm -rf is not allowed") : allow();
  })
  .hook("tag", (event, ctx) => {
    const prefix = String(ctx.config.prefix ?? "OPS-");
    const summary: string = event.data?.summary ?? "";
    if (summary.startsWith(prefix)) return;  // nothing is allow
    return mutate({ summary: `${prefix}0: ${summary}` });
  })
  .hook("count", async (event, ctx) => {
    const n = Number((await ctx.storage.get("count")) ?? "0") + 1;
    await ctx.storage.set("count", String(n));
    await ctx.log(`call ${n}`);
    return allow().injectMessage(`seen ${n} times`);
  })
  .tool("echo", (args) => `echo: ${args?.text ?? ""}`)
  .command("hello", (args) => `hello ${typeof args === "string" ? args : JSON.stringify(args)}`);

if (require.main === module) plugin.main();
