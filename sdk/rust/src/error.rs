//! Host call failures and handler failures as Rust errors.
use serde_json::{json, Value};
use std::fmt;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const HOST_SERVICE_FAILED: i64 = -32000;
pub const PERMISSION_DENIED: i64 = -32001;

/// A host call answered with an error (or that could not be made).
#[derive(Clone, Debug, PartialEq)]
pub struct HostError {
    pub method: String,
    pub code: i64,
    pub message: String,
    pub data: Value,
}

impl HostError {
    pub fn new(method: &str, code: i64, message: impl Into<String>) -> Self {
        HostError { method: method.to_string(), code, message: message.into(), data: Value::Null }
    }
    /// From a JSON-RPC error object.
    pub fn from_wire(method: &str, error: &Value) -> Self {
        HostError {
            method: method.to_string(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(INTERNAL_ERROR),
            message: error.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
            data: error.get("data").cloned().unwrap_or(Value::Null),
        }
    }
    /// The plugin's permissions refuse the call (-32001).
    pub fn is_permission_denied(&self) -> bool {
        self.code == PERMISSION_DENIED
    }
    /// A host service failed (-32000).
    pub fn is_host_service(&self) -> bool {
        self.code == HOST_SERVICE_FAILED
    }
    pub fn is_method_not_found(&self) -> bool {
        self.code == METHOD_NOT_FOUND
    }
    /// The input ended (or the plugin is stopping) while the call waited.
    pub fn is_stopped(&self) -> bool {
        self.code == INTERNAL_ERROR && self.message.starts_with("the plugin is stopping")
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (code {})", self.method, self.message, self.code)
    }
}

impl std::error::Error for HostError {}

/// A handler failed: the JSON-RPC error the host gets (it applies the hook's failure policy).
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerError {
    pub code: i64,
    pub message: String,
    pub data: Value,
}

impl HandlerError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        HandlerError { code, message: message.into(), data: Value::Null }
    }
    pub fn to_wire(&self) -> Value {
        let mut e = json!({"code": self.code, "message": self.message});
        if !self.data.is_null() {
            e["data"] = self.data.clone();
        }
        e
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for HandlerError {}

/// What handlers return as their error: anything `?` converts (HostError keeps its code).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
