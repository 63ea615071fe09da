#!/usr/bin/env python3
"""guard: denies rm -rf, tags summaries, counts calls in storage, serves a tool and a command."""
from aura_plugin import Plugin, allow, deny, mutate

plugin = Plugin("guard")


@plugin.hook("check")
def check(event, ctx):
    command = (event.data.get("args") or {}).get("command", "")
    if "rm -rf" in command:
        return deny("guard: rm -rf is not allowed")
    return allow()


@plugin.hook("tag")
def tag(event, ctx):
    prefix = ctx.config.get("prefix", "OPS-")
    summary = event.data.get("summary", "")
    if summary.startswith(prefix):
        return None  # None is allow
    return mutate({"summary": prefix + "0: " + summary})


@plugin.hook("count")
def count(event, ctx):
    n = int(ctx.storage.get("count", "0")) + 1
    ctx.storage.set("count", str(n))
    ctx.log("call %d" % n)
    return allow().inject_message("seen %d times" % n)


@plugin.tool("echo")
def echo(arguments, ctx):
    return "echo: " + str(arguments.get("text", ""))


@plugin.command("hello")
def hello(args, ctx):
    return "hello " + str(args)


if __name__ == "__main__":
    raise SystemExit(plugin.run())
