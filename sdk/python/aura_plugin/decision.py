"""Typed decisions a hook returns: allow, deny(reason), mutate(patch)."""

JSON_PATCH_OPS = ("add", "remove", "replace", "move", "copy", "test")


class Decision:
    """What a hook answers. Build one with allow(), deny(), mutate() or json_patch()."""

    __slots__ = ("kind", "reason", "patch", "patch_format", "effects")

    def __init__(self, kind, reason=None, patch=None, patch_format=None, effects=None):
        self.kind = kind
        self.reason = reason
        self.patch = patch
        self.patch_format = patch_format
        self.effects = dict(effects) if effects else {}

    @property
    def is_allow(self):
        return self.kind == "allow"

    @property
    def is_deny(self):
        return self.kind == "deny"

    @property
    def is_mutate(self):
        return self.kind == "mutate"

    def with_effect(self, key, value):
        """Adds a side output; arrays under the same key concatenate."""
        if isinstance(value, list) and isinstance(self.effects.get(key), list):
            self.effects[key] = self.effects[key] + value
        else:
            self.effects[key] = value
        return self

    def inject_message(self, content, role="system"):
        return self.with_effect("inject_message", [{"role": role, "content": content}])

    def to_wire(self):
        out = {"decision": self.kind}
        if self.kind == "deny":
            out["reason"] = self.reason
        if self.kind == "mutate":
            out["patch"] = self.patch
            out["patch_format"] = self.patch_format
        if self.effects:
            out["effects"] = self.effects
        return out

    def apply(self, data):
        """The event data after this decision (a copy; allow and deny return it unchanged)."""
        import copy
        if self.kind != "mutate":
            return copy.deepcopy(data)
        if self.patch_format == "json_patch":
            return apply_json_patch(data, self.patch)
        return apply_merge_patch(data, self.patch)

    def __eq__(self, other):
        return isinstance(other, Decision) and self.to_wire() == other.to_wire()

    def __repr__(self):
        return "Decision(%r)" % (self.to_wire(),)


def allow(effects=None):
    return Decision("allow", effects=effects)


def deny(reason, effects=None):
    if not isinstance(reason, str) or not reason:
        raise ValueError("deny() needs a non-empty reason string (got %r)" % (reason,))
    return Decision("deny", reason=reason, effects=effects)


def mutate(patch, effects=None):
    """A JSON Merge Patch (RFC 7396) of the event's data."""
    return Decision("mutate", patch=patch, patch_format="merge", effects=effects)


def json_patch(operations, effects=None):
    """A JSON Patch (RFC 6902): a list of {"op", "path", ...} operations."""
    if not isinstance(operations, list):
        raise ValueError("json_patch() needs a list of operations (got %s)" % type(operations).__name__)
    for i, op in enumerate(operations):
        where = "json_patch operation %d" % i
        if not isinstance(op, dict) or op.get("op") not in JSON_PATCH_OPS:
            raise ValueError("%s: \"op\" must be one of %s (got %r)" % (where, ", ".join(JSON_PATCH_OPS), op))
        if not isinstance(op.get("path"), str):
            raise ValueError("%s: \"path\" must be a JSON pointer string" % where)
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise ValueError("%s: %s needs a \"value\"" % (where, op["op"]))
        if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            raise ValueError("%s: %s needs a \"from\" pointer" % (where, op["op"]))
    return Decision("mutate", patch=operations, patch_format="json_patch", effects=effects)


def from_wire(value):
    """A Decision from a handler's return value: a Decision, None (allow) or a wire dict."""
    if value is None:
        return allow()
    if isinstance(value, Decision):
        return value
    if isinstance(value, dict) and value.get("decision") in ("allow", "deny", "mutate"):
        kind = value["decision"]
        if kind == "allow":
            return allow(value.get("effects"))
        if kind == "deny":
            return deny(value.get("reason"), value.get("effects"))
        if value.get("patch_format", "merge") == "json_patch":
            return json_patch(value.get("patch"), value.get("effects"))
        return mutate(value.get("patch"), value.get("effects"))
    raise TypeError("a hook must return a Decision (allow(), deny(reason), mutate(patch)) or None, got %r" % (value,))


def apply_merge_patch(target, patch):
    import copy
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = apply_merge_patch(out.get(key), value)
    return out


def _unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def _walk(doc, path):
    """(parent, last token) of a JSON pointer in doc."""
    if path == "":
        return None, None
    if not path.startswith("/"):
        raise ValueError("JSON pointer %r does not start with /" % path)
    tokens = [_unescape(t) for t in path[1:].split("/")]
    node = doc
    for t in tokens[:-1]:
        node = node[int(t)] if isinstance(node, list) else node[t]
    return node, tokens[-1]


def apply_json_patch(target, operations):
    import copy
    doc = copy.deepcopy(target)
    for i, op in enumerate(operations):
        try:
            kind, path = op["op"], op["path"]
            if kind in ("move", "copy"):
                parent, key = _walk(doc, op["from"])
                value = doc if parent is None else (parent[int(key)] if isinstance(parent, list) else parent[key])
                value = copy.deepcopy(value)
                if kind == "move":
                    doc = _remove(doc, op["from"])
                doc = _add(doc, path, value)
            elif kind == "add":
                doc = _add(doc, path, copy.deepcopy(op["value"]))
            elif kind == "remove":
                doc = _remove(doc, path)
            elif kind == "replace":
                doc = _add(_remove(doc, path), path, copy.deepcopy(op["value"]))
            elif kind == "test":
                parent, key = _walk(doc, path)
                value = doc if parent is None else (parent[int(key)] if isinstance(parent, list) else parent[key])
                if value != op["value"]:
                    raise ValueError("test failed at %s" % path)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise ValueError("json_patch operation %d (%s): %s" % (i, op, e))
    return doc


def _add(doc, path, value):
    parent, key = _walk(doc, path)
    if parent is None:
        return value
    if isinstance(parent, list):
        if key == "-":
            parent.append(value)
        else:
            idx = int(key)
            if idx < 0 or idx > len(parent):
                raise IndexError("index %d out of range" % idx)
            parent.insert(idx, value)
    else:
        parent[key] = value
    return doc


def _remove(doc, path):
    parent, key = _walk(doc, path)
    if parent is None:
        return None
    if isinstance(parent, list):
        del parent[int(key)]
    else:
        del parent[key]
    return doc
