"""The example plugin under the real aura host (`aura dispatch`); AURA names the binary."""
import os
import shutil
import tempfile
import unittest

from aura_plugin.testing import dispatch_with_aura

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AURA = os.environ.get("AURA", "")


@unittest.skipUnless(AURA and os.access(AURA, os.X_OK), "AURA does not name the aura binary")
class RealHostTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="aura-py-sdk-")
        self.plugins = os.path.join(self.dir, "plugins")
        shutil.copytree(os.path.join(ROOT, "examples", "guard"), os.path.join(self.plugins, "guard"))
        self.env = dict(os.environ, PYTHONPATH=ROOT, HOME=self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def dispatch(self, event, data):
        return dispatch_with_aura(self.plugins, event, data, aura=AURA, env=self.env,
                                  options=["--state-dir", os.path.join(self.dir, "state"), "--session", "t"])

    def test_the_same_decisions_as_the_harness(self):
        out = self.dispatch("tool.before_execution", {"tool": "bash", "args": {"command": "rm -rf /"}})
        self.assertEqual(out["verdict"], "deny", out)
        self.assertEqual(out["reason"], "guard: rm -rf is not allowed")
        self.assertEqual(self.dispatch("tool.before_execution", {"tool": "bash", "args": {"command": "ls"}})["verdict"],
                         "allow")
        out = self.dispatch("intent.before_log", {"summary": "fix"})
        self.assertEqual(out["data"]["summary"], "OPS-0: fix", out)

    def test_storage_through_the_host(self):
        first = self.dispatch("demo.count", {})
        second = self.dispatch("demo.count", {})
        self.assertEqual(first["verdict"], "allow", first)
        self.assertIn("seen 1 times", str(first.get("effects")), first)
        self.assertIn("seen 2 times", str(second.get("effects")), second)


if __name__ == "__main__":
    unittest.main()
