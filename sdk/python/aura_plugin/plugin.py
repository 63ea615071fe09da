"""Plugin: the registry of hooks, tools and commands, and what runs them."""
import asyncio
import inspect
import sys
import traceback

from .context import Context
from .decision import from_wire
from .errors import HOST_SERVICE_FAILED, INTERNAL_ERROR, INVALID_PARAMS, HostError

SDK_VERSION = "0.1.0"
PROTOCOL_VERSION = 1


class Event:
    """One event as the host sends it (the wire request's `event`)."""

    __slots__ = ("id", "name", "time", "source", "session", "data", "meta")

    def __init__(self, name, data=None, id="", time="", source="", session="", meta=None):
        self.name, self.data, self.id, self.time = name, data, id, time
        self.source, self.session, self.meta = source, session, meta if meta is not None else {}

    @classmethod
    def from_wire(cls, ev):
        if not isinstance(ev, dict) or not isinstance(ev.get("name"), str):
            raise ValueError("event must be an object with a string \"name\"")
        return cls(ev["name"], ev.get("data"), ev.get("id", ""), ev.get("time", ""), ev.get("source", ""),
                   ev.get("session", ""), ev.get("meta") or {})

    def to_wire(self):
        return {"id": self.id, "name": self.name, "time": self.time, "source": self.source,
                "session": self.session, "data": self.data, "meta": self.meta}


class HandlerError(Exception):
    """A handler failed; `code` is the JSON-RPC error code its answer carries."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def _invoke(fn, first, ctx):
    # Handlers take (input) or (input, ctx); a coroutine function runs to completion.
    try:
        n = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        n = 2
    result = fn(first, ctx) if n >= 2 else fn(first)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


class Plugin:
    """Register handlers with @plugin.hook(), @plugin.tool(), @plugin.command(); then plugin.run()."""

    def __init__(self, name="", sdk=SDK_VERSION):
        self.name = name
        self.sdk = sdk
        self.hooks = {}
        self.tools = {}
        self.commands = {}
        self.shutdown_handlers = []
        self.config = {}

    def _register(self, table, kind, name, fn):
        key = name or fn.__name__
        if not isinstance(key, str) or not key:
            raise ValueError("a %s name must be a non-empty string" % kind)
        if key in table:
            raise ValueError("%s %r is registered twice" % (kind, key))
        table[key] = fn
        return fn

    def hook(self, name=None):
        """@plugin.hook("check"): fn(event, ctx) -> Decision or None (allow)."""
        if callable(name):
            return self._register(self.hooks, "hook", None, name)
        return lambda fn: self._register(self.hooks, "hook", name, fn)

    def tool(self, name=None):
        """@plugin.tool("status"): fn(arguments, ctx) -> str, an MCP result, or any JSON."""
        if callable(name):
            return self._register(self.tools, "tool", None, name)
        return lambda fn: self._register(self.tools, "tool", name, fn)

    def command(self, name=None):
        """@plugin.command("report"): fn(args, ctx) -> str (the output) or any JSON."""
        if callable(name):
            return self._register(self.commands, "command", None, name)
        return lambda fn: self._register(self.commands, "command", name, fn)

    def on_shutdown(self, fn):
        """fn() runs when the host unloads the plugin; it must finish within the grace time."""
        self.shutdown_handlers.append(fn)
        return fn

    # ---- what the runtime and the test harness share ----

    def initialize_result(self):
        return {"aura": PROTOCOL_VERSION, "sdk": self.sdk, "hooks": sorted(self.hooks)}

    def _context(self, call, config, clock=None):
        return Context(call, config if isinstance(config, dict) else self.config, self.name, clock)

    def _guard(self, what, fn, first, ctx):
        try:
            return _invoke(fn, first, ctx)
        except HandlerError:
            raise
        except HostError as e:
            raise HandlerError(e.code, "%s: %s" % (what, e), {"method": e.method, "host_code": e.code})
        except Exception as e:  # a handler's failure is the hook's error, not the plugin's crash
            raise HandlerError(HOST_SERVICE_FAILED, "%s failed: %s: %s" % (what, type(e).__name__, e),
                               {"exception": type(e).__name__})

    def run_hook(self, hook, event, call, config=None, clock=None):
        """The wire decision of hook `hook` for `event` (an Event or wire dict)."""
        fn = self.hooks.get(hook)
        if fn is None:
            raise HandlerError(INVALID_PARAMS, "no hook named %r (this plugin has: %s)" %
                               (hook, ", ".join(sorted(self.hooks)) or "none"))
        if not isinstance(event, Event):
            try:
                event = Event.from_wire(event)
            except ValueError as e:
                raise HandlerError(INVALID_PARAMS, "hook %s: %s" % (hook, e))
        result = self._guard("hook " + hook, fn, event, self._context(call, config, clock))
        try:
            return from_wire(result)
        except (TypeError, ValueError) as e:
            raise HandlerError(INTERNAL_ERROR, "hook %s: %s" % (hook, e))

    def call_tool(self, name, arguments, call, config=None, clock=None):
        fn = self.tools.get(name)
        if fn is None:
            raise HandlerError(INVALID_PARAMS, "no tool named %r (this plugin has: %s)" %
                               (name, ", ".join(sorted(self.tools)) or "none"))
        result = self._guard("tool " + name, fn, arguments, self._context(call, config, clock))
        if isinstance(result, str):
            return {"content": [{"type": "text", "text": result}], "isError": False}
        return result

    def run_command(self, name, args, call, config=None, clock=None):
        fn = self.commands.get(name)
        if fn is None:
            raise HandlerError(INVALID_PARAMS, "no command named %r (this plugin has: %s)" %
                               (name, ", ".join(sorted(self.commands)) or "none"))
        result = self._guard("command " + name, fn, args, self._context(call, config, clock))
        return {"output": result} if isinstance(result, str) else result

    def shutdown(self, grace_s=0.8):
        """Runs the shutdown handlers, each in what remains of `grace_s` seconds."""
        import threading
        import time
        deadline = time.monotonic() + grace_s
        for fn in self.shutdown_handlers:
            left = deadline - time.monotonic()
            if left <= 0:
                print("aura_plugin: shutdown grace spent; skipped %s" % getattr(fn, "__name__", fn), file=sys.stderr)
                continue
            t = threading.Thread(target=self._quiet(fn), daemon=True)
            t.start()
            t.join(left)
            if t.is_alive():
                print("aura_plugin: shutdown handler %s overran the grace time" % getattr(fn, "__name__", fn),
                      file=sys.stderr)

    @staticmethod
    def _quiet(fn):
        def run():
            try:
                fn()
            except Exception:
                traceback.print_exc(file=sys.stderr)
        return run

    def run(self, stdin=None, stdout=None):
        """Serves the host over stdin/stdout until shutdown or end of input; returns the exit status."""
        from .runtime import Runtime
        return Runtime(self, stdin, stdout).serve()
