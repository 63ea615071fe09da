//! Typed decisions a hook returns: allow, deny(reason), mutate(patch).
use serde_json::{json, Map, Value};

/// What a decision does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Allow,
    Deny,
    Mutate,
}

/// How a mutation's patch is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchFormat {
    /// JSON Merge Patch (RFC 7396).
    Merge,
    /// JSON Patch (RFC 6902): an array of operations.
    JsonPatch,
}

/// A hook's answer, with optional effects (side outputs).
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub kind: Kind,
    pub reason: String,
    pub patch: Value,
    pub patch_format: PatchFormat,
    pub effects: Map<String, Value>,
}

impl Decision {
    fn new(kind: Kind) -> Self {
        Decision { kind, reason: String::new(), patch: Value::Null, patch_format: PatchFormat::Merge, effects: Map::new() }
    }
    /// Lets the event through.
    pub fn allow() -> Self {
        Self::new(Kind::Allow)
    }
    /// Vetoes the event; `reason` is shown to the user.
    pub fn deny(reason: impl Into<String>) -> Self {
        Decision { reason: reason.into(), ..Self::new(Kind::Deny) }
    }
    /// Changes the event's data by a JSON Merge Patch.
    pub fn mutate(patch: Value) -> Self {
        Decision { patch, ..Self::new(Kind::Mutate) }
    }
    /// Changes the event's data by a JSON Patch (an array of operations).
    pub fn json_patch(operations: Value) -> Self {
        Decision { patch: operations, patch_format: PatchFormat::JsonPatch, ..Self::new(Kind::Mutate) }
    }
    /// Adds a side output; arrays under one key concatenate.
    pub fn with_effect(mut self, key: &str, value: Value) -> Self {
        match (self.effects.get_mut(key), value) {
            (Some(Value::Array(old)), Value::Array(add)) => old.extend(add),
            (_, value) => {
                self.effects.insert(key.to_string(), value);
            }
        }
        self
    }
    /// Adds `{"inject_message":[{"role":role,"content":content}]}`.
    pub fn inject_message(self, role: &str, content: &str) -> Self {
        self.with_effect("inject_message", json!([{"role": role, "content": content}]))
    }
    pub fn is_allow(&self) -> bool {
        self.kind == Kind::Allow
    }
    pub fn is_deny(&self) -> bool {
        self.kind == Kind::Deny
    }
    pub fn is_mutate(&self) -> bool {
        self.kind == Kind::Mutate
    }

    /// Names what is wrong (a JSON pointer into the wire form), or Ok.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            Kind::Allow => Ok(()),
            Kind::Deny if self.reason.is_empty() => Err("/reason: a deny needs a non-empty reason".into()),
            Kind::Deny => Ok(()),
            Kind::Mutate if self.patch_format == PatchFormat::Merge => Ok(()),
            Kind::Mutate => {
                let ops = self.patch.as_array().ok_or("/patch: a JSON Patch is an array of operations")?;
                for (i, op) in ops.iter().enumerate() {
                    let name = op.get("op").and_then(Value::as_str).unwrap_or("");
                    if !["add", "remove", "replace", "move", "copy", "test"].contains(&name) {
                        return Err(format!("/patch/{}: \"op\" must be add, remove, replace, move, copy or test (got {})", i, op));
                    }
                    if !op.get("path").map_or(false, Value::is_string) {
                        return Err(format!("/patch/{}: \"path\" must be a JSON pointer string", i));
                    }
                    if ["add", "replace", "test"].contains(&name) && op.get("value").is_none() {
                        return Err(format!("/patch/{}: {} needs a \"value\"", i, name));
                    }
                    if ["move", "copy"].contains(&name) && !op.get("from").map_or(false, Value::is_string) {
                        return Err(format!("/patch/{}: {} needs a \"from\" pointer", i, name));
                    }
                }
                Ok(())
            }
        }
    }

    /// The decision as the protocol sends it.
    pub fn to_wire(&self) -> Value {
        let mut out = Map::new();
        let kind = match self.kind {
            Kind::Allow => "allow",
            Kind::Deny => "deny",
            Kind::Mutate => "mutate",
        };
        out.insert("decision".into(), json!(kind));
        if self.kind == Kind::Deny {
            out.insert("reason".into(), json!(self.reason));
        }
        if self.kind == Kind::Mutate {
            out.insert("patch".into(), self.patch.clone());
            let format = if self.patch_format == PatchFormat::Merge { "merge" } else { "json_patch" };
            out.insert("patch_format".into(), json!(format));
        }
        if !self.effects.is_empty() {
            out.insert("effects".into(), Value::Object(self.effects.clone()));
        }
        Value::Object(out)
    }

    /// The data after a merge-patch mutation (allow and deny: unchanged); JSON Patch is the host's to apply.
    pub fn apply(&self, data: &Value) -> Result<Value, String> {
        match (self.kind, self.patch_format) {
            (Kind::Mutate, PatchFormat::JsonPatch) => Err("apply: JSON Patch decisions are applied by the host".into()),
            (Kind::Mutate, PatchFormat::Merge) => Ok(merge_patch(data, &self.patch)),
            _ => Ok(data.clone()),
        }
    }
}

/// RFC 7396: `patch` applied to a copy of `target`.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let patch = match patch {
        Value::Object(p) => p,
        other => return other.clone(),
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}
