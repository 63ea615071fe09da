import unittest

from aura_plugin import Decision, allow, apply_json_patch, apply_merge_patch, deny, json_patch, mutate
from aura_plugin.decision import from_wire


class DecisionTest(unittest.TestCase):
    def test_wire_forms(self):
        self.assertEqual(allow().to_wire(), {"decision": "allow"})
        self.assertEqual(deny("no").to_wire(), {"decision": "deny", "reason": "no"})
        self.assertEqual(mutate({"a": 1}).to_wire(), {"decision": "mutate", "patch": {"a": 1}, "patch_format": "merge"})
        ops = [{"op": "replace", "path": "/a", "value": 2}]
        self.assertEqual(json_patch(ops).to_wire(), {"decision": "mutate", "patch": ops, "patch_format": "json_patch"})

    def test_effects_concatenate_arrays(self):
        d = allow().inject_message("one").inject_message("two", role="user")
        self.assertEqual(d.to_wire()["effects"], {"inject_message": [{"role": "system", "content": "one"},
                                                                     {"role": "user", "content": "two"}]})
        self.assertEqual(deny("x").with_effect("k", {"a": 1}).to_wire()["effects"], {"k": {"a": 1}})

    def test_bad_decisions_are_refused_with_what_is_wrong(self):
        with self.assertRaisesRegex(ValueError, "non-empty reason"):
            deny("")
        with self.assertRaisesRegex(ValueError, "list of operations"):
            json_patch({"op": "add"})
        with self.assertRaisesRegex(ValueError, "operation 1: \"op\" must be one of"):
            json_patch([{"op": "add", "path": "/a", "value": 1}, {"op": "frob", "path": "/a"}])
        with self.assertRaisesRegex(ValueError, "operation 0: add needs a \"value\""):
            json_patch([{"op": "add", "path": "/a"}])
        with self.assertRaisesRegex(ValueError, "operation 0: move needs a \"from\""):
            json_patch([{"op": "move", "path": "/a"}])
        with self.assertRaisesRegex(TypeError, "must return a Decision"):
            from_wire(42)

    def test_from_wire(self):
        self.assertTrue(from_wire(None).is_allow)
        self.assertEqual(from_wire({"decision": "deny", "reason": "r"}), deny("r"))
        self.assertEqual(from_wire({"decision": "mutate", "patch": [], "patch_format": "json_patch"}), json_patch([]))
        self.assertIsInstance(from_wire(mutate({})), Decision)

    def test_merge_patch_rfc7396(self):
        self.assertEqual(apply_merge_patch({"a": "b", "c": {"d": "e", "f": "g"}}, {"a": "z", "c": {"f": None}}),
                         {"a": "z", "c": {"d": "e"}})
        self.assertEqual(apply_merge_patch({"a": [1]}, {"a": [2]}), {"a": [2]})
        self.assertEqual(apply_merge_patch([1], {"a": 1}), {"a": 1})
        self.assertEqual(mutate({"x": 1}).apply({"y": 2}), {"x": 1, "y": 2})

    def test_json_patch_rfc6902(self):
        doc = {"a": [1, 2], "b": {"c": 1}}
        out = apply_json_patch(doc, [{"op": "add", "path": "/a/1", "value": 9}, {"op": "remove", "path": "/b/c"},
                                     {"op": "copy", "from": "/a", "path": "/d"}, {"op": "move", "from": "/d", "path": "/e"},
                                     {"op": "replace", "path": "/a/0", "value": 0},
                                     {"op": "test", "path": "/e/1", "value": 9}, {"op": "add", "path": "/a/-", "value": 3}])
        self.assertEqual(out, {"a": [0, 9, 2, 3], "b": {}, "e": [1, 9, 2]})
        self.assertEqual(doc, {"a": [1, 2], "b": {"c": 1}}, "the input is not modified")
        with self.assertRaisesRegex(ValueError, "operation 0 .*test failed"):
            apply_json_patch(doc, [{"op": "test", "path": "/b/c", "value": 2}])
        with self.assertRaisesRegex(ValueError, "operation 0"):
            apply_json_patch(doc, [{"op": "remove", "path": "/nope"}])
        with self.assertRaisesRegex(ValueError, "does not start with /"):
            apply_json_patch(doc, [{"op": "remove", "path": "a"}])


if __name__ == "__main__":
    unittest.main()
