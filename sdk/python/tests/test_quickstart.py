"""The docs' harness example (docs/sdks.md): the example plugin with mocked host services."""
import os
import sys
import unittest

from aura_plugin.testing import Harness

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples", "guard"))
from plugin import plugin  # noqa: E402  (examples/guard/plugin.py)


class QuickstartTest(unittest.TestCase):
    def test_check_and_count(self):
        h = Harness(plugin, config={"prefix": "OPS-"})
        denied = h.run_hook("check", "tool.before_execution", {"args": {"command": "rm -rf /"}})
        self.assertEqual(denied.reason, "guard: rm -rf is not allowed")
        h.storage["count"] = "41"
        counted = h.run_hook("count", h.synth_event("demo.count"))
        self.assertEqual(h.storage["count"], "42")
        self.assertEqual(h.logs, [("info", "call 42")])
        self.assertEqual(counted.effects["inject_message"][0]["content"], "seen 42 times")


if __name__ == "__main__":
    unittest.main()
