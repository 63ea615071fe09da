//! aura-wasm: write aura WASM plugins in Rust (ABI version 1, docs/adapters/wasm.md).
//!
//! ```ignore
//! use aura_wasm::{Decision, Request};
//! fn check(req: &Request) -> Result<Decision, String> {
//!     Ok(if req.contains("rm -rf") { Decision::deny("no rm -rf") } else { Decision::Allow })
//! }
//! aura_wasm::aura_plugin!(check);
//! ```
//! Build for `wasm32-unknown-unknown` as a `cdylib` (Debian: /usr/bin/rustc with
//! libstd-rust-dev-wasm32). Only the host functions a plugin calls are imported.

/// The host's functions (module `aura`).
pub mod sys {
    #[link(wasm_import_module = "aura")]
    extern "C" {
        pub fn output_set(ptr: *const u8, len: i32);
        pub fn error_set(ptr: *const u8, len: i32);
        pub fn log(level: i32, ptr: *const u8, len: i32);
        pub fn config_get(key: *const u8, key_len: i32, out: *mut u8, cap: i32) -> i32;
        pub fn storage_get(key: *const u8, key_len: i32, out: *mut u8, cap: i32) -> i32;
        pub fn storage_set(key: *const u8, key_len: i32, val: *const u8, val_len: i32) -> i32;
        pub fn http_request(req: *const u8, req_len: i32, out: *mut u8, cap: i32) -> i32;
    }
}

/// What a hook answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Vetoes the event; the reason is shown to the user.
    Deny(String),
    /// A JSON Merge Patch of the event's data, as JSON text.
    Mutate(String),
    /// A whole decision as JSON text (effects, JSON Patch...).
    Raw(String),
}

impl Decision {
    pub fn deny(reason: impl Into<String>) -> Self {
        Decision::Deny(reason.into())
    }
    /// The decision's JSON.
    pub fn to_json(&self) -> String {
        match self {
            Decision::Allow => "{\"decision\":\"allow\"}".to_string(),
            Decision::Deny(r) => format!("{{\"decision\":\"deny\",\"reason\":{}}}", json_string(r)),
            Decision::Mutate(p) => format!("{{\"decision\":\"mutate\",\"patch_format\":\"merge\",\"patch\":{}}}", p),
            Decision::Raw(j) => j.clone(),
        }
    }
}

/// `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One event's request: the wire JSON `{"aura":1,"config":{…},"event":{…},"hook":"…"}`.
pub struct Request<'a> {
    pub json: &'a str,
    /// The handler the host asks for.
    pub hook: String,
}

impl<'a> Request<'a> {
    pub fn new(json: &'a str) -> Self {
        let mut r = Request { json, hook: String::new() };
        r.hook = r.find_str("hook").unwrap_or_default();
        r
    }
    /// True when `needle` occurs in the request.
    pub fn contains(&self, needle: &str) -> bool {
        self.json.contains(needle)
    }
    /// The string value of the last member named `key` anywhere in the request, unescaped.
    pub fn find_str(&self, key: &str) -> Option<String> {
        let pattern = format!("\"{}\"", key);
        let mut found = None;
        let mut from = 0;
        while let Some(at) = self.json[from..].find(&pattern) {
            let after = from + at + pattern.len();
            from = after;
            let rest = self.json[after..].trim_start_matches(|c| c == ' ' || c == ':');
            if let Some(body) = rest.strip_prefix('"') {
                found = Some(unescape(body));
            }
        }
        found
    }
}

fn unescape(body: &str) -> String {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}'));
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

/// Log levels.
#[derive(Clone, Copy, Debug)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

#[inline]
pub fn log(level: Level, message: &str) {
    unsafe { sys::log(level as i32, message.as_ptr(), message.len() as i32) }
}

/// Why a data call gave nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostError {
    NotFound,
    /// Refused by the plugin's permissions, or failed (the host logs why).
    Refused,
}

#[inline]
fn fetch(f: impl Fn(*mut u8, i32) -> i32) -> Result<Vec<u8>, HostError> {
    let mut buf = vec![0u8; 256];
    loop {
        let n = f(buf.as_mut_ptr(), buf.len() as i32);
        if n == -1 {
            return Err(HostError::NotFound);
        }
        if n < 0 {
            return Err(HostError::Refused);
        }
        if (n as usize) <= buf.len() {
            buf.truncate(n as usize);
            return Ok(buf);
        }
        buf.resize(n as usize, 0); // cut: ask again with room for all of it
    }
}

/// `config[key]` as JSON text (an empty key: the whole config).
#[inline]
pub fn config_get(key: &str) -> Result<String, HostError> {
    let bytes = fetch(|out, cap| unsafe { sys::config_get(key.as_ptr(), key.len() as i32, out, cap) })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[inline]
pub fn storage_get(key: &str) -> Result<Vec<u8>, HostError> {
    fetch(|out, cap| unsafe { sys::storage_get(key.as_ptr(), key.len() as i32, out, cap) })
}

#[inline]
pub fn storage_set(key: &str, value: &[u8]) -> Result<(), HostError> {
    match unsafe { sys::storage_set(key.as_ptr(), key.len() as i32, value.as_ptr(), value.len() as i32) } {
        0 => Ok(()),
        _ => Err(HostError::Refused),
    }
}

/// An HTTP request as JSON (`{"method","url","headers","body","timeout_ms"}`); the answer's JSON.
/// Not repeatable: the answer buffer is `cap` bytes.
#[inline]
pub fn http(request_json: &str, cap: usize) -> Result<String, HostError> {
    let mut buf = vec![0u8; cap];
    let n = unsafe { sys::http_request(request_json.as_ptr(), request_json.len() as i32, buf.as_mut_ptr(), cap as i32) };
    if n < 0 {
        return Err(if n == -1 { HostError::NotFound } else { HostError::Refused });
    }
    buf.truncate((n as usize).min(cap));
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[doc(hidden)]
pub mod abi {
    static mut INPUT: Vec<u8> = Vec::new();

    pub fn alloc(len: i32) -> *mut u8 {
        // the host calls this once per event: the previous request is dead
        unsafe {
            INPUT.clear();
            INPUT.resize(len.max(1) as usize, 0);
            INPUT.as_mut_ptr()
        }
    }

    pub fn on_event(ptr: *const u8, len: i32, handler: fn(&super::Request) -> Result<super::Decision, String>) -> i32 {
        let bytes = unsafe { core::slice::from_raw_parts(ptr, len as usize) };
        let outcome = match core::str::from_utf8(bytes) {
            Ok(json) => handler(&super::Request::new(json)),
            Err(e) => Err(format!("the request is not UTF-8: {}", e)),
        };
        match outcome {
            Ok(d) => {
                let out = d.to_json();
                unsafe { super::sys::output_set(out.as_ptr(), out.len() as i32) };
                0
            }
            Err(message) => {
                unsafe { super::sys::error_set(message.as_ptr(), message.len() as i32) };
                1
            }
        }
    }
}

/// Defines the ABI's exports around `handler: fn(&Request) -> Result<Decision, String>`
/// (an `Err` fails the call: the host applies the hook's failure policy).
#[macro_export]
macro_rules! aura_plugin {
    ($handler:path) => {
        #[no_mangle]
        pub extern "C" fn aura_abi_v1() {}
        #[no_mangle]
        pub extern "C" fn aura_alloc(len: i32) -> *mut u8 {
            $crate::abi::alloc(len)
        }
        #[no_mangle]
        pub extern "C" fn aura_on_event(ptr: *const u8, len: i32) -> i32 {
            $crate::abi::on_event(ptr, len, $handler)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_requests() {
        assert_eq!(Decision::deny("a \"b\"\n").to_json(), r#"{"decision":"deny","reason":"a \"b\"\n"}"#);
        let r = Request::new(r#"{"aura":1,"config":{},"event":{"data":{"args":{"command":"ls \"x\" \u00e9"}}},"hook":"check"}"#);
        assert_eq!(r.hook, "check");
        assert_eq!(r.find_str("command").unwrap(), "ls \"x\" é");
        assert_eq!(r.find_str("nope"), None);
    }
}
