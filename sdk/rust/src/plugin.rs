//! Plugin: the registry of hooks, tools and commands, and what runs them.
use crate::context::{Context, Host};
use crate::decision::Decision;
use crate::error::{BoxError, HandlerError, HostError, HOST_SERVICE_FAILED, INTERNAL_ERROR, INVALID_PARAMS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// The aura SDK version this crate is written for, and the wire protocol version.
pub const SDK_VERSION: &str = "0.1.0";
pub const PROTOCOL_VERSION: i64 = 1;

/// One event as the host sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub time: String,
    pub source: String,
    pub session: String,
    pub data: Value,
    pub meta: Value,
}

impl Event {
    pub fn new(name: &str, data: Value) -> Self {
        Event { id: String::new(), name: name.into(), time: String::new(), source: String::new(),
                session: String::new(), data, meta: json!({}) }
    }
    /// From the wire request's `event`.
    pub fn from_wire(v: &Value) -> Result<Self, String> {
        let name = v.get("name").and_then(Value::as_str).ok_or("event must be an object with a string \"name\"")?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(Event { id: text("id"), name: name.into(), time: text("time"), source: text("source"),
                   session: text("session"), data: v.get("data").cloned().unwrap_or(Value::Null),
                   meta: v.get("meta").cloned().unwrap_or_else(|| json!({})) })
    }
    /// A string member of the data at a JSON pointer ("" when absent).
    pub fn str_at(&self, pointer: &str) -> &str {
        self.data.pointer(pointer).and_then(Value::as_str).unwrap_or("")
    }
}

type HookFn = Box<dyn Fn(&Context, &Event) -> Result<Decision, BoxError>>;
type ValueFn = Box<dyn Fn(&Context, &Value) -> Result<Value, BoxError>>;

/// Register handlers with `hook`, `tool`, `command`; then `main()` (or `run`).
pub struct Plugin {
    pub name: String,
    pub sdk: String,
    /// How long shutdown handlers may take (the host's unload grace is 1 s).
    pub grace: Duration,
    hooks: BTreeMap<String, HookFn>,
    tools: BTreeMap<String, ValueFn>,
    commands: BTreeMap<String, ValueFn>,
    shutdown: Vec<Arc<dyn Fn() + Send + Sync>>,
}

fn names<T>(table: &BTreeMap<String, T>) -> String {
    if table.is_empty() {
        return "none".into();
    }
    table.keys().cloned().collect::<Vec<_>>().join(", ")
}

fn insert<T>(table: &mut BTreeMap<String, T>, kind: &str, name: &str, f: T) {
    assert!(!name.is_empty(), "aura plugin: a {} name must not be empty", kind);
    assert!(!table.contains_key(name), "aura plugin: {} {:?} is registered twice", kind, name);
    table.insert(name.to_string(), f);
}

/// Runs `f`, turning its error or panic into the answer the host gets.
fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, BoxError>) -> Result<T, HandlerError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(if let Some(h) = e.downcast_ref::<HandlerError>() {
            h.clone()
        } else if let Some(h) = e.downcast_ref::<HostError>() {
            HandlerError { code: h.code, message: format!("{}: {}", what, h),
                           data: json!({"method": h.method, "host_code": h.code}) }
        } else {
            HandlerError::new(HOST_SERVICE_FAILED, format!("{} failed: {}", what, e))
        }),
        Err(panic) => {
            let text = panic.downcast_ref::<&str>().map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
            Err(HandlerError::new(HOST_SERVICE_FAILED, format!("{} panicked: {}", what, text)))
        }
    }
}

impl Plugin {
    pub fn new(name: &str) -> Self {
        Plugin { name: name.into(), sdk: SDK_VERSION.into(), grace: Duration::from_millis(800), hooks: BTreeMap::new(),
                 tools: BTreeMap::new(), commands: BTreeMap::new(), shutdown: Vec::new() }
    }
    /// The handler the manifest names `name`.
    pub fn hook(mut self, name: &str, f: impl Fn(&Context, &Event) -> Result<Decision, BoxError> + 'static) -> Self {
        insert(&mut self.hooks, "hook", name, Box::new(f) as HookFn);
        self
    }
    /// An MCP tool: a string result is its text, an object with `content` an MCP result, other JSON as is.
    pub fn tool(mut self, name: &str, f: impl Fn(&Context, &Value) -> Result<Value, BoxError> + 'static) -> Self {
        insert(&mut self.tools, "tool", name, Box::new(f) as ValueFn);
        self
    }
    /// A command: a string result is its output.
    pub fn command(mut self, name: &str, f: impl Fn(&Context, &Value) -> Result<Value, BoxError> + 'static) -> Self {
        insert(&mut self.commands, "command", name, Box::new(f) as ValueFn);
        self
    }
    /// Runs when the host unloads the plugin, within `grace`.
    pub fn on_shutdown(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.shutdown.push(Arc::new(f));
        self
    }

    pub fn initialize_result(&self) -> Value {
        json!({"aura": PROTOCOL_VERSION, "sdk": self.sdk, "hooks": self.hooks.keys().collect::<Vec<_>>()})
    }

    pub fn run_hook(&self, hook: &str, event: &Event, config: &Value, host: &dyn Host) -> Result<Decision, HandlerError> {
        let f = self.hooks.get(hook).ok_or_else(|| HandlerError::new(INVALID_PARAMS,
            format!("no hook named {:?} (this plugin has: {})", hook, names(&self.hooks))))?;
        let ctx = Context::new(&self.name, config, host);
        let d = guard(&format!("hook {}", hook), || f(&ctx, event))?;
        d.validate().map_err(|e| HandlerError::new(INTERNAL_ERROR, format!("hook {}: {}", hook, e)))?;
        Ok(d)
    }

    pub fn call_tool(&self, name: &str, args: &Value, config: &Value, host: &dyn Host) -> Result<Value, HandlerError> {
        let f = self.tools.get(name).ok_or_else(|| HandlerError::new(INVALID_PARAMS,
            format!("no tool named {:?} (this plugin has: {})", name, names(&self.tools))))?;
        let ctx = Context::new(&self.name, config, host);
        Ok(match guard(&format!("tool {}", name), || f(&ctx, args))? {
            Value::String(s) => json!({"content": [{"type": "text", "text": s}], "isError": false}),
            other => other,
        })
    }

    pub fn run_command(&self, name: &str, args: &Value, config: &Value, host: &dyn Host) -> Result<Value, HandlerError> {
        let f = self.commands.get(name).ok_or_else(|| HandlerError::new(INVALID_PARAMS,
            format!("no command named {:?} (this plugin has: {})", name, names(&self.commands))))?;
        let ctx = Context::new(&self.name, config, host);
        Ok(match guard(&format!("command {}", name), || f(&ctx, args))? {
            Value::String(s) => json!({ "output": s }),
            other => other,
        })
    }

    /// Runs the shutdown handlers within `grace`; one that overruns is left behind.
    pub fn run_shutdown(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        for f in &self.shutdown {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("aura plugin: shutdown grace spent; a handler was skipped");
                continue;
            }
            let (tx, rx) = mpsc::channel();
            let f = Arc::clone(f);
            std::thread::spawn(move || {
                let _ = catch_unwind(AssertUnwindSafe(|| f()));
                let _ = tx.send(());
            });
            if rx.recv_timeout(left).is_err() {
                eprintln!("aura plugin: a shutdown handler overran the grace time");
            }
        }
    }

    /// Serves the host over stdin/stdout and exits with the status.
    pub fn main(self) -> ! {
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        let status = self.run(stdin.lock(), stdout.lock());
        std::process::exit(status)
    }
}
