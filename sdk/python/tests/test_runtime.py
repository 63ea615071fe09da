"""The SDK's JSON-RPC loop, driven through real pipes as a host would."""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GUARD = os.path.join(ROOT, "examples", "guard", "plugin.py")
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"aura": 1, "sdk": "0.1.0", "plugin": "guard",
                                                                        "config": {"prefix": "P-"}}}


def line(msg):
    return (json.dumps(msg) + "\n").encode()


def event(mid, hook, data, name="tool.before_execution"):
    return {"jsonrpc": "2.0", "id": mid, "method": "event",
            "params": {"aura": 1, "hook": hook, "config": {"prefix": "P-"},
                       "event": {"id": "e%d" % mid, "name": name, "time": "", "source": "", "session": "",
                                 "data": data, "meta": {}}}}


class Child:
    def __init__(self, script=GUARD, code=None):
        env = dict(os.environ, PYTHONPATH=ROOT)
        args = [sys.executable, "-c", code] if code else [sys.executable, script]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def send(self, raw):
        self.p.stdin.write(raw if isinstance(raw, bytes) else line(raw))
        self.p.stdin.flush()

    def recv(self):
        out = self.p.stdout.readline()
        assert out.endswith(b"\n"), "plugin closed stdout (stderr: %s)" % self.p.stderr.read()
        return json.loads(out)

    def close(self):
        self.p.stdin.close()
        status = self.p.wait(10)
        err = self.p.stderr.read().decode()
        self.p.stdout.close()
        self.p.stderr.close()
        return status, err


class RuntimeTest(unittest.TestCase):
    def test_handshake_events_and_shutdown(self):
        c = Child()
        c.send(INIT)
        self.assertEqual(c.recv(), {"jsonrpc": "2.0", "id": 1, "result": {"aura": 1, "sdk": "0.1.0",
                                                                          "hooks": ["check", "count", "tag"]}})
        c.send(event(2, "check", {"args": {"command": "rm -rf /"}}))
        self.assertEqual(c.recv()["result"], {"decision": "deny", "reason": "guard: rm -rf is not allowed"})
        c.send(event(3, "tag", {"summary": "x"}, "intent.before_log"))
        self.assertEqual(c.recv()["result"], {"decision": "mutate", "patch": {"summary": "P-0: x"},
                                              "patch_format": "merge"})
        c.send({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "t"}}})
        self.assertEqual(c.recv()["result"]["content"][0]["text"], "echo: t")
        c.send({"jsonrpc": "2.0", "id": 5, "method": "command", "params": {"name": "hello", "args": "w"}})
        self.assertEqual(c.recv()["result"], {"output": "hello w"})
        c.send({"jsonrpc": "2.0", "id": 6, "method": "frobnicate", "params": {}})
        self.assertEqual(c.recv()["error"]["code"], -32601)
        c.send(event(7, "nope", {}))
        err = c.recv()["error"]
        self.assertEqual(err["code"], -32602)
        self.assertIn("no hook named 'nope'", err["message"])
        c.send({"jsonrpc": "2.0", "id": 8, "method": "shutdown", "params": {}})
        self.assertEqual(c.recv(), {"jsonrpc": "2.0", "id": 8, "result": {}})
        self.assertEqual(c.p.wait(5), 0, "exits after shutdown without waiting for end of input")
        c.close()

    def test_blank_crlf_garbage_and_huge_lines(self):
        c = Child()
        c.send(b"\n\r\n   \n")
        c.send(line(INIT)[:-1] + b"\r\n")
        self.assertEqual(c.recv()["id"], 1)
        c.send(b"this is not json\n[1,2]\n")
        big = "x" * (20 << 20)  # 20 MiB in one line
        c.send(event(2, "check", {"args": {"command": "ls " + big}}))
        self.assertEqual(c.recv(), {"jsonrpc": "2.0", "id": 2, "result": {"decision": "allow"}})
        # a message written in pieces
        raw = line(event(3, "check", {"args": {"command": "rm -rf x"}}))
        c.send(raw[:10])
        time.sleep(0.01)
        c.send(raw[10:])
        self.assertEqual(c.recv()["result"]["decision"], "deny")
        status, err = c.close()
        self.assertEqual(status, 0)
        self.assertIn("not JSON", err)
        self.assertIn("not an object", err)

    def test_half_a_line_then_eof(self):
        c = Child()
        c.send(INIT)
        c.recv()
        c.send(line(event(2, "check", {}))[:30])
        status, err = c.close()
        self.assertEqual(status, 0)
        self.assertIn("input ended inside a message (30 bytes)", err)

    def test_host_calls_interleaved_and_refused(self):
        c = Child()
        c.send(INIT)
        c.recv()
        c.send(event(2, "count", {}, "demo.count"))
        get = c.recv()
        self.assertEqual(get["method"], "host/storage/get")
        self.assertEqual(get["params"], {"key": "count", "call": 2})
        # another event arrives while the host call waits; it is answered after
        c.send(event(3, "check", {"args": {"command": "ls"}}))
        c.send({"jsonrpc": "2.0", "id": "stale", "result": {}})
        c.send({"jsonrpc": "2.0", "id": get["id"], "result": {"value": "41"}})
        put = c.recv()
        self.assertEqual(put["params"], {"key": "count", "value": "42", "call": 2})
        c.send({"jsonrpc": "2.0", "id": put["id"],
                "error": {"code": -32001, "message": "plugin guard may not write storage"}})
        err = c.recv()
        self.assertEqual(err["id"], 2)
        self.assertEqual(err["error"]["code"], -32001)
        self.assertIn("may not write storage", err["error"]["message"])
        self.assertEqual(c.recv(), {"jsonrpc": "2.0", "id": 3, "result": {"decision": "allow"}})
        # end of input while a host call waits: the plugin exits cleanly
        c.send(event(4, "count", {}, "demo.count"))
        self.assertEqual(c.recv()["method"], "host/storage/get")
        self.assertEqual(c.close()[0], 0)

    def test_shutdown_within_grace_and_protocol_mismatch(self):
        code = ("import time\nfrom aura_plugin import Plugin\np = Plugin('slow')\n"
                "p.hook('h')(lambda e: None)\n"
                "p.on_shutdown(lambda: time.sleep(30))\nraise SystemExit(p.run())\n")
        c = Child(code=code)
        c.send(dict(INIT, params={"aura": 2}))
        err = c.recv()["error"]
        self.assertIn("protocol 1, the host 2", err["message"])
        c.send(INIT)
        c.recv()
        start = time.monotonic()
        c.send({"jsonrpc": "2.0", "id": 9, "method": "shutdown", "params": {}})
        self.assertEqual(c.recv()["result"], {})
        self.assertEqual(c.p.wait(5), 0)
        self.assertLess(time.monotonic() - start, 1.0, "the unload grace is 1 s")
        self.assertIn("overran the grace time", c.close()[1])


    def test_task_env_is_in_os_environ_before_the_handler(self):
        # idelchi/aura's task env arrives as params.task_env on event and tools/call.
        code = ("import os\nfrom aura_plugin import Plugin, deny\np = Plugin('gotify')\n"
                "@p.hook('before')\ndef before(event, ctx):\n    return deny('level=' + os.environ.get('TASK_LEVEL', ''))\n"
                "@p.tool('Gotify')\ndef gotify(arguments, ctx):\n    return 'level=' + os.environ.get('TASK_LEVEL', '')\n"
                "raise SystemExit(p.run())\n")
        c = Child(code=code)
        c.send(INIT)
        c.recv()
        c.send(event(2, "before", {}))
        self.assertEqual(c.recv()["result"], {"decision": "deny", "reason": "level="})
        ev = event(3, "before", {})
        ev["params"]["task_env"] = {"TASK_LEVEL": "ERROR", "BAD=NAME": "x", "N": 1}
        c.send(ev)
        self.assertEqual(c.recv()["result"], {"decision": "deny", "reason": "level=ERROR"})
        c.send({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                "params": {"name": "Gotify", "arguments": {}, "task_env": {"TASK_LEVEL": "DEBUG"}}})
        self.assertEqual(c.recv()["result"]["content"][0]["text"], "level=DEBUG")
        c.send({"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": {}})
        c.recv()
        self.assertEqual(c.close()[0], 0)


if __name__ == "__main__":
    unittest.main()
