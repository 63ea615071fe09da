import datetime
import os
import sys
import unittest

from aura_plugin import HandlerError, HostServiceError, PermissionDenied, Plugin, allow, deny, mutate
from aura_plugin.testing import Harness

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples", "guard"))
from plugin import plugin as guard  # noqa: E402


class HarnessTest(unittest.TestCase):
    def test_the_example_decides(self):
        h = Harness(guard, config={"prefix": "T-"})
        self.assertTrue(h.run_hook("check", "tool.before_execution", {"args": {"command": "rm -rf /"}}).is_deny)
        self.assertTrue(h.run_hook("check", "tool.before_execution", {"args": {"command": "ls"}}).is_allow)
        d = h.run_hook("tag", h.synth_event("intent.before_log", {"summary": "fix"}))
        self.assertEqual(d, mutate({"summary": "T-0: fix"}))
        self.assertEqual(d.apply({"summary": "fix", "n": 1}), {"summary": "T-0: fix", "n": 1})
        self.assertTrue(h.run_hook("tag", "intent.before_log", {"summary": "T-1 x"}).is_allow)

    def test_storage_log_and_effects(self):
        h = Harness(guard)
        h.storage["count"] = "4"
        d = h.run_hook("count", "demo.count", {})
        self.assertEqual(h.storage["count"], "5")
        self.assertEqual(h.logs, [("info", "call 5")])
        self.assertEqual(d.effects, {"inject_message": [{"role": "system", "content": "seen 5 times"}]})
        self.assertEqual([m for m, _ in h.calls], ["host/storage/get", "host/storage/set", "host/log"])

    def test_permission_errors_are_python_errors(self):
        h = Harness(guard, storage_mode="read_only")
        with self.assertRaises(HandlerError) as e:
            h.run_hook("count", "demo.count", {})
        self.assertEqual(e.exception.code, -32001)
        self.assertIn("write storage", e.exception.message)
        p = Plugin("t")
        seen = []

        @p.hook("h")
        def h_(event, ctx):
            try:
                ctx.log("x")
            except PermissionDenied as err:
                seen.append(err)
                return deny("no log")

        self.assertEqual(Harness(p).deny("log").run_hook("h", "e").reason, "no log")
        self.assertIsInstance(seen[0], PermissionError)
        self.assertEqual(seen[0].method, "host/log")

    def test_mock_http_network_and_clock(self):
        p = Plugin("net")

        @p.hook("h")
        def h_(event, ctx):
            r = ctx.http.get("https://api.example.org/t/" + event.data["t"])
            if not r.ok:
                return deny("ticket %s: %d" % (event.data["t"], r.status))
            ctx.http.post("https://api.example.org/seen", json={"at": ctx.now().isoformat()})
            return allow() if r.json()["open"] else deny("closed")

        h = Harness(p, network=["api.example.org"], now="2026-05-01T10:00:00Z")
        h.http.route("GET", "https://api.example.org/t/1", json={"open": True})
        h.http.route("GET", "https://api.example.org/t/2", status=404)
        h.http.route("POST", "https://api.example.org/*", body="{}")
        self.assertTrue(h.run_hook("h", "e", {"t": "1"}).is_allow)
        self.assertEqual(h.http.requests[1]["body"], '{"at":"2026-05-01T10:00:00+00:00"}')
        self.assertEqual(h.http.requests[1]["headers"], {"content-type": "application/json"})
        self.assertEqual(h.run_hook("h", "e", {"t": "2"}).reason, "ticket 2: 404")
        with self.assertRaisesRegex(HandlerError, "no mocked route for GET https://api.example.org/t/3"):
            h.run_hook("h", "e", {"t": "3"})
        h.network = ["other.example.org"]
        with self.assertRaisesRegex(HandlerError, "reach api.example.org"):
            h.run_hook("h", "e", {"t": "1"})
        h.advance(90)
        self.assertEqual(h.time, datetime.datetime(2026, 5, 1, 10, 1, 30, tzinfo=datetime.timezone.utc))
        self.assertEqual(h.synth_event("x").time, "2026-05-01T10:01:30.000Z")

    def test_host_api_methods(self):
        p = Plugin("api")

        @p.hook("h")
        def h_(event, ctx):
            return deny(ctx.call("intents/read", {"n": 1})["text"])

        h = Harness(p)
        with self.assertRaisesRegex(HandlerError, "no method host/intents/read"):
            h.run_hook("h", "e")
        h.api["intents/read"] = lambda params: {"text": "n=%d" % params["n"]}
        with self.assertRaisesRegex(HandlerError, "call intents/read"):
            h.run_hook("h", "e")
        h.grants.add("intents/read")
        self.assertEqual(h.run_hook("h", "e").reason, "n=1")

    def test_handler_failures(self):
        p = Plugin("f")
        p.hook("boom")(lambda event: 1 / 0)
        p.hook("bad")(lambda event: "yes")
        h = Harness(p)
        with self.assertRaisesRegex(HandlerError, "hook boom failed: ZeroDivisionError"):
            h.run_hook("boom", "e")
        with self.assertRaisesRegex(HandlerError, "hook bad: a hook must return a Decision"):
            h.run_hook("bad", "e")
        with self.assertRaisesRegex(HandlerError, "no hook named 'nope' \\(this plugin has: bad, boom\\)"):
            h.run_hook("nope", "e")
        with self.assertRaisesRegex(ValueError, "registered twice"):
            p.hook("boom")(lambda e: None)

    def test_tools_commands_and_async(self):
        h = Harness(guard)
        self.assertEqual(h.call_tool("echo", {"text": "hi"}),
                         {"content": [{"type": "text", "text": "echo: hi"}], "isError": False})
        self.assertEqual(h.run_command("hello", "x"), {"output": "hello x"})
        p = Plugin("a")

        @p.hook
        async def later(event, ctx):
            return deny("async")

        self.assertEqual(Harness(p).run_hook("later", "e").reason, "async")
        self.assertEqual(p.initialize_result(), {"aura": 1, "sdk": "0.1.0", "hooks": ["later"]})


if __name__ == "__main__":
    unittest.main()
