//! A test harness: run a plugin's handlers with no host, against mocked host
//! services; and `dispatch_with_aura` to run a plugin directory under the real host.
use crate::context::Host;
use crate::decision::Decision;
use crate::error::{HandlerError, HostError, HOST_SERVICE_FAILED, INVALID_PARAMS, METHOD_NOT_FOUND, PERMISSION_DENIED};
use crate::plugin::{Event, Plugin};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request the plugin sent through host/http.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Value,
    pub body: String,
}

/// A mocked HTTP answer.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: BTreeMap<String, String>,
}

impl Answer {
    pub fn new(status: u16, body: &str) -> Self {
        Answer { status, body: body.into(), headers: BTreeMap::new() }
    }
}

/// `*` matches any run of characters, `?` one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// RFC 3339 UTC with milliseconds, as the host stamps events.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (secs, ms) = (d.as_secs() as i64, d.subsec_millis());
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day, rem / 3600, rem / 60 % 60, rem % 60, ms)
}

type Route = (String, String, Box<dyn Fn(&RecordedRequest) -> Answer>);
type ApiFn = Box<dyn Fn(&Value) -> Result<Value, HostError>>;

/// A mock host for one plugin. Fields are public to set up and inspect.
pub struct Harness {
    pub plugin: Plugin,
    pub config: Value,
    pub storage: RefCell<BTreeMap<String, String>>,
    pub requests: RefCell<Vec<RecordedRequest>>,
    pub logs: RefCell<Vec<(String, String)>>,
    pub calls: RefCell<Vec<(String, Value)>>,
    /// call_api scopes granted: log, storage, http and host API method names.
    pub grants: BTreeSet<String>,
    /// "read_write", "read_only" or "none".
    pub storage_mode: String,
    /// Host globs host/http may reach; None: any.
    pub network: Option<Vec<String>>,
    pub time: Cell<SystemTime>,
    routes: Vec<Route>,
    api: BTreeMap<String, ApiFn>,
    events: Cell<u64>,
}

impl Harness {
    /// Grants log, storage and http; read-write storage; any network; the clock at 2026-01-01T00:00:00Z.
    pub fn new(plugin: Plugin) -> Self {
        Harness { plugin, config: json!({}), storage: RefCell::default(), requests: RefCell::default(),
                  logs: RefCell::default(), calls: RefCell::default(),
                  grants: ["log", "storage", "http", "config", "clock"].iter().map(|s| s.to_string()).collect(),
                  storage_mode: "read_write".into(), network: None,
                  time: Cell::new(UNIX_EPOCH + Duration::from_secs(1_767_225_600)), routes: Vec::new(),
                  api: BTreeMap::new(), events: Cell::new(0) }
    }
    /// Answers METHOD URL (a glob; method "*" for any) with `answer`.
    pub fn route(&mut self, method: &str, url: &str, answer: Answer) -> &mut Self {
        self.route_fn(method, url, move |_| answer.clone())
    }
    /// Answers with a function of the request.
    pub fn route_fn(&mut self, method: &str, url: &str, f: impl Fn(&RecordedRequest) -> Answer + 'static) -> &mut Self {
        self.routes.push((method.to_uppercase(), url.into(), Box::new(f)));
        self
    }
    /// Serves host/<name>, granted only when `name` is in `grants`.
    pub fn api(&mut self, name: &str, f: impl Fn(&Value) -> Result<Value, HostError> + 'static) -> &mut Self {
        self.api.insert(name.into(), Box::new(f));
        self
    }
    pub fn advance(&self, by: Duration) {
        self.time.set(self.time.get() + by);
    }
    pub fn synth_event(&self, name: &str, data: Value) -> Event {
        self.events.set(self.events.get() + 1);
        Event { id: format!("ev-test-{}", self.events.get()), time: rfc3339(self.time.get()), ..Event::new(name, data) }
    }
    /// The decision of `hook` for `event`; a failing handler gives the error the host would get.
    pub fn run_hook(&self, hook: &str, event: &Event) -> Result<Decision, HandlerError> {
        self.plugin.run_hook(hook, event, &self.config, self)
    }
    pub fn call_tool(&self, name: &str, args: Value) -> Result<Value, HandlerError> {
        self.plugin.call_tool(name, &args, &self.config, self)
    }
    pub fn run_command(&self, name: &str, args: Value) -> Result<Value, HandlerError> {
        self.plugin.run_command(name, &args, &self.config, self)
    }

    fn refuse(&self, method: &str, what: &str) -> HostError {
        let name = if self.plugin.name.is_empty() { "(test)" } else { &self.plugin.name };
        HostError::new(method, PERMISSION_DENIED, format!("plugin {} may not {}", name, what))
    }

    fn http(&self, method: &str, params: &Map<String, Value>) -> Result<Value, HostError> {
        if !self.grants.contains("http") {
            return Err(self.refuse(method, "call http (call_api lacks \"http\")"));
        }
        let url = params.get("url").and_then(Value::as_str).unwrap_or("").to_string();
        let host = url.split("://").nth(1).unwrap_or("").split(|c| c == '/' || c == ':' || c == '?').next().unwrap_or("");
        if let Some(globs) = &self.network {
            if !globs.iter().any(|g| glob(g, host)) {
                return Err(self.refuse(method, &format!("reach {} (not in permissions.network)", host)));
            }
        }
        let req = RecordedRequest {
            method: params.get("method").and_then(Value::as_str).unwrap_or("GET").to_uppercase(),
            url, headers: params.get("headers").cloned().unwrap_or_else(|| json!({})),
            body: params.get("body").and_then(Value::as_str).unwrap_or("").to_string(),
        };
        self.requests.borrow_mut().push(req.clone());
        for (m, u, f) in &self.routes {
            if (m == "*" || *m == req.method) && glob(u, &req.url) {
                let a = f(&req);
                return Ok(json!({"status": if a.status == 0 { 200 } else { a.status }, "body": a.body, "headers": a.headers}));
            }
        }
        let mut e = HostError::new(method, HOST_SERVICE_FAILED, format!("no mocked route for {} {}", req.method, req.url));
        e.data = json!({"code": "io_error"});
        Err(e)
    }
}

impl Host for Harness {
    fn call(&self, method: &str, params: Map<String, Value>) -> Result<Value, HostError> {
        self.calls.borrow_mut().push((method.to_string(), Value::Object(params.clone())));
        let name = method.strip_prefix("host/").unwrap_or(method);
        let key = params.get("key").and_then(Value::as_str);
        match name {
            "log" => {
                if !self.grants.contains("log") {
                    return Err(self.refuse(method, "log (call_api lacks \"log\")"));
                }
                let level = params.get("level").and_then(Value::as_str).unwrap_or("info");
                let message = params.get("message").and_then(Value::as_str).unwrap_or("");
                self.logs.borrow_mut().push((level.into(), message.into()));
                Ok(json!({}))
            }
            "storage/get" | "storage/set" | "storage/delete" => {
                if !self.grants.contains("storage") || self.storage_mode == "none" {
                    return Err(self.refuse(method, "use storage"));
                }
                let key = key.ok_or_else(|| HostError::new(method, INVALID_PARAMS, "params.key must be a string"))?;
                if name == "storage/get" {
                    return Ok(json!({"value": self.storage.borrow().get(key)}));
                }
                if self.storage_mode != "read_write" {
                    return Err(self.refuse(method, "write storage (read-only)"));
                }
                if name == "storage/set" {
                    let value = params.get("value").and_then(Value::as_str).unwrap_or("").to_string();
                    self.storage.borrow_mut().insert(key.into(), value);
                    return Ok(json!({}));
                }
                Ok(json!({"removed": self.storage.borrow_mut().remove(key).is_some()}))
            }
            "http" => self.http(method, &params),
            _ => match self.api.get(name) {
                Some(_) if !self.grants.contains(name) => Err(self.refuse(method, &format!("call {} (call_api lacks it)", name))),
                Some(f) => f(&Value::Object(params)),
                None => Err(HostError::new(method, METHOD_NOT_FOUND, format!("the host has no method {}", method))),
            },
        }
    }
    fn now(&self) -> SystemTime {
        self.time.get()
    }
}

/// Runs `aura --plugins DIR [options] dispatch EVENT --json --data DATA` (the real host; `aura`
/// None means $AURA, else "aura") and returns its JSON (verdict, reason, data, effects, trail).
pub fn dispatch_with_aura(aura: Option<&str>, plugin_dir: &std::path::Path, event: &str, data: &Value,
                          env: &[(&str, &str)], options: &[&str]) -> Result<Value, String> {
    let aura = aura.map(str::to_string).or_else(|| std::env::var("AURA").ok()).unwrap_or_else(|| "aura".into());
    let mut cmd = std::process::Command::new(&aura);
    cmd.arg("--plugins").arg(plugin_dir).args(options).args(["dispatch", event, "--json", "--data"]).arg(data.to_string());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| format!("cannot run {}: {}", aura, e))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.trim().lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|_| format!("aura dispatch {} gave no JSON ({}): {} {}", event, out.status, stdout,
                                                   String::from_utf8_lossy(&out.stderr)))
}
