//! What a handler gets besides its input: config, log, storage, http, clock, host API.
use crate::error::HostError;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Whatever answers host calls: the runtime (the real host over JSON-RPC) or the test harness.
pub trait Host {
    fn call(&self, method: &str, params: Map<String, Value>) -> Result<Value, HostError>;
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// An HTTP answer from host/http.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Response {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}

/// A request made through the host (checked against permissions.network).
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub timeout_ms: Option<u64>,
}

/// Handed to every handler.
pub struct Context<'a> {
    pub plugin: &'a str,
    pub config: &'a Value,
    host: &'a dyn Host,
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl<'a> Context<'a> {
    pub fn new(plugin: &'a str, config: &'a Value, host: &'a dyn Host) -> Self {
        Context { plugin, config, host }
    }
    /// Any host method ("host/" is added when missing).
    pub fn call(&self, method: &str, params: Value) -> Result<Value, HostError> {
        let method = if method.starts_with("host/") { method.to_string() } else { format!("host/{}", method) };
        self.host.call(&method, object(params))
    }
    /// Writes to the plugin's log: level debug, info, warn or error.
    pub fn log(&self, level: &str, message: &str) -> Result<(), HostError> {
        if !["debug", "info", "warn", "warning", "error"].contains(&level) {
            return Err(HostError::new("host/log", crate::error::INVALID_PARAMS,
                format!("log level must be debug, info, warn or error (got {:?})", level)));
        }
        self.call("host/log", json!({"level": level, "message": message})).map(|_| ())
    }
    /// The current time (the harness's clock in tests).
    pub fn now(&self) -> SystemTime {
        self.host.now()
    }
    pub fn storage_get(&self, key: &str) -> Result<Option<String>, HostError> {
        let r = self.call("host/storage/get", json!({"key": key}))?;
        Ok(r.get("value").and_then(Value::as_str).map(str::to_string))
    }
    pub fn storage_set(&self, key: &str, value: &str) -> Result<(), HostError> {
        self.call("host/storage/set", json!({"key": key, "value": value})).map(|_| ())
    }
    /// True when the key was set.
    pub fn storage_delete(&self, key: &str) -> Result<bool, HostError> {
        let r = self.call("host/storage/delete", json!({"key": key}))?;
        Ok(r.get("removed").and_then(Value::as_bool).unwrap_or(false))
    }
    pub fn http(&self, req: &Request) -> Result<Response, HostError> {
        let mut params = json!({"method": if req.method.is_empty() { "GET" } else { &req.method }, "url": req.url});
        if !req.headers.is_empty() {
            params["headers"] = json!(req.headers);
        }
        if let Some(body) = &req.body {
            params["body"] = json!(body);
        }
        if let Some(t) = req.timeout_ms {
            params["timeout_ms"] = json!(t);
        }
        let r = self.call("host/http", params)?;
        let mut headers = BTreeMap::new();
        if let Some(h) = r.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                headers.insert(k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
            }
        }
        Ok(Response {
            status: r.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
            headers,
            body: r.get("body").and_then(Value::as_str).unwrap_or("").to_string(),
        })
    }
    pub fn get(&self, url: &str) -> Result<Response, HostError> {
        self.http(&Request { method: "GET".into(), url: url.into(), ..Request::default() })
    }
    pub fn post_json(&self, url: &str, body: &Value) -> Result<Response, HostError> {
        let mut headers = BTreeMap::new();
        headers.insert("content-type".to_string(), "application/json".to_string());
        self.http(&Request { method: "POST".into(), url: url.into(), headers, body: Some(body.to_string()), timeout_ms: None })
    }
}
