"""The JSON-RPC 2.0 loop over stdin/stdout (docs/protocol.md)."""
import collections
import json
import os
import sys
import threading

from .errors import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PluginStopped, host_error
from .plugin import PROTOCOL_VERSION, HandlerError



def apply_task_env(params):
    """A task's env (idelchi/aura) comes with an event or tool call as
    params.task_env, already cut to what the plugin's env permission allows:
    it goes into os.environ before the handler runs, over the startup values,
    so a handler reads it with os.environ as a per-call process would."""
    env = params.get("task_env")
    if isinstance(env, dict):
        for k, v in env.items():
            if isinstance(k, str) and isinstance(v, str) and k and "=" not in k and "\0" not in k + v:
                os.environ[k] = v


class Runtime:
    def __init__(self, plugin, stdin=None, stdout=None):
        self.plugin = plugin
        self.stdin = stdin if stdin is not None else sys.stdin.buffer
        self.stdout = stdout if stdout is not None else sys.stdout.buffer
        self.write_lock = threading.Lock()
        self.backlog = collections.deque()  # requests that arrived while a host call waited
        self.next_call = 0
        self.current = None  # id of the request being handled
        self.eof = False

    # ---- I/O ----

    def send(self, msg):
        line = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
        with self.write_lock:
            self.stdout.write(line)
            self.stdout.flush()

    def read_message(self):
        """The next JSON-RPC message, or None at end of input. Skips blank and malformed lines."""
        while True:
            line = self.stdin.readline()
            if not line:
                self.eof = True
                return None
            if not line.endswith(b"\n"):
                # half a message then end of input: nothing can complete it
                print("aura_plugin: input ended inside a message (%d bytes); ignored" % len(line), file=sys.stderr)
                self.eof = True
                return None
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                print("aura_plugin: ignored a line that is not JSON (%s): %.120r" % (e, line), file=sys.stderr)
                continue
            if not isinstance(msg, dict):
                print("aura_plugin: ignored a message that is not an object: %.120r" % (line,), file=sys.stderr)
                continue
            return msg

    # ---- host calls ----

    def call(self, method, params):
        self.next_call += 1
        cid = "py-%d" % self.next_call
        if self.current is not None:
            params.setdefault("call", self.current)
        self.send({"jsonrpc": "2.0", "id": cid, "method": method, "params": params})
        while True:
            msg = self.read_message()
            if msg is None:
                raise PluginStopped("input ended while %s waited for the host" % method)
            if "method" in msg:
                self.backlog.append(msg)
                continue
            if msg.get("id") != cid:
                continue  # an answer to something abandoned
            if "error" in msg:
                raise host_error(method, msg["error"])
            result = msg.get("result")
            return result if isinstance(result, dict) else {}

    # ---- dispatch ----

    def reply(self, mid, result=None, error=None):
        if mid is None:
            return
        msg = {"jsonrpc": "2.0", "id": mid}
        if error is not None:
            msg["error"] = error
        else:
            msg["result"] = result
        self.send(msg)

    def handle(self, msg):
        """Answers one request; returns False when the plugin should stop."""
        method, mid = msg.get("method"), msg.get("id")
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        p = self.plugin
        try:
            if method == "initialize":
                if params.get("aura", PROTOCOL_VERSION) != PROTOCOL_VERSION:
                    raise HandlerError(INVALID_PARAMS, "this plugin speaks aura protocol %d, the host %r" %
                                       (PROTOCOL_VERSION, params.get("aura")))
                if isinstance(params.get("config"), dict):
                    p.config = params["config"]
                if isinstance(params.get("plugin"), str) and not p.name:
                    p.name = params["plugin"]
                self.reply(mid, p.initialize_result())
            elif method == "event":
                if not isinstance(params.get("hook"), str):
                    raise HandlerError(INVALID_PARAMS, "event: params.hook must be a string")
                self.current = mid
                apply_task_env(params)
                d = p.run_hook(params["hook"], params.get("event"), self.call, params.get("config"))
                self.reply(mid, d.to_wire())
            elif method == "tools/call":
                self.current = mid
                apply_task_env(params)
                self.reply(mid, p.call_tool(params.get("name"), params.get("arguments") or {}, self.call))
            elif method == "command":
                self.current = mid
                self.reply(mid, p.run_command(params.get("name"), params.get("args"), self.call))
            elif method == "shutdown":
                p.shutdown()
                self.reply(mid, {})
                return False
            elif mid is not None:
                raise HandlerError(METHOD_NOT_FOUND, "this plugin has no method %r" % (method,))
        except HandlerError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = e.data
            self.reply(mid, error=err)
        except PluginStopped:
            return False
        finally:
            self.current = None
        return True

    def serve(self):
        while True:
            msg = self.backlog.popleft() if self.backlog else self.read_message()
            if msg is None:
                return 0
            if "method" not in msg:
                if msg.get("id") is None and "error" not in msg:
                    print("aura_plugin: ignored a message without method: %.120r" % (msg,), file=sys.stderr)
                continue
            if msg.get("jsonrpc") != "2.0":
                self.reply(msg.get("id"), error={"code": INVALID_REQUEST, "message": "jsonrpc must be \"2.0\""})
                continue
            if not self.handle(msg):
                return 0
