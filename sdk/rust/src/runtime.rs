//! The JSON-RPC 2.0 loop over stdin/stdout (docs/protocol.md). Requests are
//! served in order; while a host call waits, requests that arrive are kept
//! and served after.
use crate::context::Host;
use crate::error::{HandlerError, HostError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND};
use crate::plugin::{Event, Plugin, PROTOCOL_VERSION};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Instant;

struct Runtime<'p, R: BufRead, W: Write> {
    plugin: &'p Plugin,
    reader: RefCell<R>,
    writer: RefCell<W>,
    backlog: RefCell<VecDeque<Map<String, Value>>>,
    next: Cell<u64>,
    current: RefCell<Value>,
    config: RefCell<Value>,
}

impl<'p, R: BufRead, W: Write> Runtime<'p, R, W> {
    fn send(&self, msg: &Value) {
        let mut w = self.writer.borrow_mut();
        let mut line = msg.to_string();
        line.push('\n');
        // a host that is gone cannot be told anything: the next read sees end of input
        let _ = w.write_all(line.as_bytes()).and_then(|_| w.flush());
    }

    fn reply(&self, id: &Value, answer: Result<Value, HandlerError>) {
        if id.is_null() {
            return;
        }
        match answer {
            Ok(result) => self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result})),
            Err(e) => self.send(&json!({"jsonrpc": "2.0", "id": id, "error": e.to_wire()})),
        }
    }

    /// The next JSON-RPC object, or None at end of input. Skips blank and malformed lines.
    fn read_message(&self) -> Option<Map<String, Value>> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.reader.borrow_mut().read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            if buf.last() != Some(&b'\n') {
                eprintln!("aura plugin: input ended inside a message ({} bytes); ignored", buf.len());
                return None;
            }
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t.trim(),
                Err(e) => {
                    eprintln!("aura plugin: ignored a line that is not UTF-8 ({})", e);
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(m)) => return Some(m),
                Ok(_) => eprintln!("aura plugin: ignored a message that is not an object: {:.120}", text),
                Err(e) => eprintln!("aura plugin: ignored a line that is not JSON ({}): {:.120}", e, text),
            }
        }
    }

    /// Answers one request; false when the plugin should stop.
    fn handle(&self, msg: Map<String, Value>) -> bool {
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
        if msg.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            self.reply(&id, Err(HandlerError::new(INVALID_REQUEST, "jsonrpc must be \"2.0\"")));
            return true;
        }
        let empty = json!({});
        let params = msg.get("params").filter(|p| p.is_object()).unwrap_or(&empty);
        let p = self.plugin;
        *self.current.borrow_mut() = id.clone();
        let config = params.get("config").filter(|c| c.is_object()).cloned().unwrap_or_else(|| self.config.borrow().clone());
        if method == "event" || method == "tools/call" {
            apply_task_env(params);
        }
        let answer = match method {
            "initialize" => {
                let aura = params.get("aura").and_then(Value::as_i64).unwrap_or(PROTOCOL_VERSION);
                if aura != PROTOCOL_VERSION {
                    Err(HandlerError::new(INVALID_PARAMS,
                        format!("this plugin speaks aura protocol {}, the host {}", PROTOCOL_VERSION, aura)))
                } else {
                    if let Some(c) = params.get("config").filter(|c| c.is_object()) {
                        *self.config.borrow_mut() = c.clone();
                    }
                    Ok(p.initialize_result())
                }
            }
            "event" => match (params.get("hook").and_then(Value::as_str), params.get("event")) {
                (Some(hook), Some(ev)) => Event::from_wire(ev)
                    .map_err(|e| HandlerError::new(INVALID_PARAMS, format!("hook {}: {}", hook, e)))
                    .and_then(|ev| p.run_hook(hook, &ev, &config, self))
                    .map(|d| d.to_wire()),
                _ => Err(HandlerError::new(INVALID_PARAMS, "event: params.hook must be a string and params.event an object")),
            },
            "tools/call" => p.call_tool(params.get("name").and_then(Value::as_str).unwrap_or(""),
                                        params.get("arguments").unwrap_or(&empty), &config, self),
            "command" => p.run_command(params.get("name").and_then(Value::as_str).unwrap_or(""),
                                       params.get("args").unwrap_or(&Value::Null), &config, self),
            "shutdown" => {
                let started = Instant::now();
                p.run_shutdown(p.grace.saturating_sub(started.elapsed()));
                self.reply(&id, Ok(json!({})));
                return false;
            }
            _ if id.is_null() => return true, // a notification nobody needs
            other => Err(HandlerError::new(METHOD_NOT_FOUND, format!("this plugin has no method {:?}", other))),
        };
        *self.current.borrow_mut() = Value::Null;
        self.reply(&id, answer);
        true
    }

    fn serve(&self) -> i32 {
        loop {
            let next = self.backlog.borrow_mut().pop_front();
            let msg = match next.or_else(|| self.read_message()) {
                Some(m) => m,
                None => return 0,
            };
            if !msg.contains_key("method") {
                continue; // an answer to something abandoned
            }
            if !self.handle(msg) {
                return 0;
            }
        }
    }
}

impl<'p, R: BufRead, W: Write> Host for Runtime<'p, R, W> {
    fn call(&self, method: &str, mut params: Map<String, Value>) -> Result<Value, HostError> {
        self.next.set(self.next.get() + 1);
        let id = format!("rs-{}", self.next.get());
        let current = self.current.borrow().clone();
        if !current.is_null() && !params.contains_key("call") {
            params.insert("call".into(), current);
        }
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.read_message().ok_or_else(|| HostError::new(method, INTERNAL_ERROR,
                format!("the plugin is stopping: input ended while {} waited for the host", method)))?;
            if msg.contains_key("method") {
                self.backlog.borrow_mut().push_back(msg);
                continue;
            }
            if msg.get("id").and_then(Value::as_str) != Some(id.as_str()) {
                continue;
            }
            if let Some(e) = msg.get("error") {
                return Err(HostError::from_wire(method, e));
            }
            return Ok(msg.get("result").cloned().filter(Value::is_object).unwrap_or_else(|| json!({})));
        }
    }
}

impl Plugin {
    /// Serves the host: messages from `input`, answers to `output`, until shutdown or end of input.
    /// Returns the exit status (0).
    pub fn run(&self, input: impl Read, output: impl Write) -> i32 {
        let rt = Runtime { plugin: self, reader: RefCell::new(BufReader::with_capacity(64 << 10, input)),
                           writer: RefCell::new(output), backlog: RefCell::new(VecDeque::new()), next: Cell::new(0),
                           current: RefCell::new(Value::Null), config: RefCell::new(json!({})) };
        rt.serve()
    }
}

/// A task's env (idelchi/aura) comes with an event or tool call as
/// `params.task_env`, already cut to what the plugin's env permission allows:
/// it goes into the process environment before the handler runs, over the
/// startup values, so a handler reads it with `std::env::var`.
fn apply_task_env(params: &Value) {
    if let Some(env) = params.get("task_env").and_then(Value::as_object) {
        for (k, v) in env {
            if let Some(v) = v.as_str() {
                if !k.is_empty() && !k.contains('=') && !k.contains('\0') && !v.contains('\0') {
                    std::env::set_var(k, v);
                }
            }
        }
    }
}
