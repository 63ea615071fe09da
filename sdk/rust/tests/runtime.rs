//! The JSON-RPC loop with scripted input, as the host would write it.
#[path = "../examples/guard/plugin.rs"]
mod guard;

use aura_plugin::{json, Decision, Plugin, Value};
use std::io::Cursor;
use std::time::{Duration, Instant};

fn line(v: Value) -> String {
    format!("{}\n", v)
}

fn event(id: i64, hook: &str, data: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "event", "params": {"aura": 1, "hook": hook, "config": {"prefix": "P-"},
           "event": {"id": "e", "name": "x", "time": "", "source": "", "session": "", "data": data, "meta": {}}}})
}

fn init() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"aura": 1, "sdk": "0.1.0", "plugin": "guard", "config": {}}})
}

/// Runs the plugin over `input`; its exit status and output messages.
fn run(p: &Plugin, input: &str) -> (i32, Vec<Value>) {
    let mut out = Vec::new();
    let status = p.run(Cursor::new(input.as_bytes().to_vec()), &mut out);
    let text = String::from_utf8(out).unwrap();
    (status, text.lines().map(|l| serde_json::from_str(l).unwrap()).collect())
}

#[test]
fn handshake_events_tools_commands_and_shutdown() {
    let input = [init(), event(2, "check", json!({"args": {"command": "rm -rf /"}})), event(3, "tag", json!({"summary": "x"})),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "t"}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "command", "params": {"name": "hello", "args": "w"}}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "frobnicate", "params": {}}), event(7, "nope", json!({})),
        json!({"jsonrpc": "2.0", "id": 8, "method": "shutdown", "params": {}}), event(9, "check", json!({}))]
        .into_iter().map(line).collect::<String>();
    let (status, out) = run(&guard::plugin(), &input);
    assert_eq!(status, 0);
    assert_eq!(out[0], json!({"jsonrpc": "2.0", "id": 1, "result": {"aura": 1, "sdk": "0.1.0", "hooks": ["check", "count", "tag"]}}));
    assert_eq!(out[1]["result"], json!({"decision": "deny", "reason": "guard: rm -rf is not allowed"}));
    assert_eq!(out[2]["result"], json!({"decision": "mutate", "patch": {"summary": "P-0: x"}, "patch_format": "merge"}));
    assert_eq!(out[3]["result"]["content"][0]["text"], "echo: t");
    assert_eq!(out[4]["result"], json!({"output": "hello w"}));
    assert_eq!(out[5]["error"]["code"], -32601);
    assert_eq!(out[6]["error"]["code"], -32602);
    assert!(out[6]["error"]["message"].as_str().unwrap().contains("no hook named \"nope\""));
    assert_eq!(out[7], json!({"jsonrpc": "2.0", "id": 8, "result": {}}));
    assert_eq!(out.len(), 8, "nothing is served after shutdown");
}

#[test]
fn blank_crlf_garbage_huge_lines_and_half_a_line() {
    let huge = "x".repeat(20 << 20);
    let mut input = String::from("\n\r\n   \n");
    input += &format!("{}\r\n", init());
    input += "this is not json\n[1,2]\n";
    input += &line(event(2, "check", json!({"args": {"command": format!("ls {}", huge)}})));
    let half = line(event(3, "check", json!({})));
    input += &half[..30];
    let (status, out) = run(&guard::plugin(), &input);
    assert_eq!(status, 0, "half a line then end of input: a clean exit");
    assert_eq!(out.len(), 2);
    assert_eq!(out[1], json!({"jsonrpc": "2.0", "id": 2, "result": {"decision": "allow"}}));
}

#[test]
fn host_calls_carry_the_request_and_refusals_are_errors() {
    // ids are the SDK's own: rs-1, rs-2... The host's answers are scripted in order,
    // with another event arriving while the first host call waits.
    let input = [init(), event(2, "count", json!({})), event(3, "check", json!({"args": {"command": "ls"}})),
        json!({"jsonrpc": "2.0", "id": "stale", "result": {}}),
        json!({"jsonrpc": "2.0", "id": "rs-1", "result": {"value": "41"}}),
        json!({"jsonrpc": "2.0", "id": "rs-2", "error": {"code": -32001, "message": "plugin guard may not write storage"}}),
        event(4, "count", json!({}))]
        .into_iter().map(line).collect::<String>();
    let (status, out) = run(&guard::plugin(), &input);
    assert_eq!(status, 0, "end of input while a host call waits: a clean exit");
    assert_eq!(out[1], json!({"jsonrpc": "2.0", "id": "rs-1", "method": "host/storage/get", "params": {"key": "count", "call": 2}}));
    assert_eq!(out[2]["params"], json!({"key": "count", "value": "42", "call": 2}));
    assert_eq!(out[3]["id"], 2);
    assert_eq!(out[3]["error"]["code"], -32001);
    assert!(out[3]["error"]["message"].as_str().unwrap().contains("may not write storage"));
    assert_eq!(out[4], json!({"jsonrpc": "2.0", "id": 3, "result": {"decision": "allow"}}), "the event that came meanwhile");
    assert_eq!(out[5]["method"], "host/storage/get");
    assert_eq!(out[5]["params"]["call"], 4);
}

#[test]
fn shutdown_within_the_grace_and_protocol_mismatch() {
    let p = Plugin::new("slow").hook("h", |_, _| Ok(Decision::allow())).on_shutdown(|| std::thread::sleep(Duration::from_secs(30)));
    let input = [json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"aura": 2}}),
                 init(), json!({"jsonrpc": "2.0", "id": 9, "method": "shutdown", "params": {}})]
        .into_iter().map(line).collect::<String>();
    let began = Instant::now();
    let (status, out) = run(&p, &input);
    assert_eq!(status, 0);
    assert!(began.elapsed() < Duration::from_secs(1), "the unload grace is 1 s: {:?}", began.elapsed());
    assert!(out[0]["error"]["message"].as_str().unwrap().contains("protocol 1, the host 2"));
    assert_eq!(out[2], json!({"jsonrpc": "2.0", "id": 9, "result": {}}));
}

#[test]
fn task_env_is_in_the_process_environment_before_the_handler() {
    // idelchi/aura's task env arrives as params.task_env on event and tools/call.
    let level = || std::env::var("AURA_RUST_TASK_LEVEL").unwrap_or_default();
    let p = Plugin::new("gotify")
        .hook("before", move |_, _| Ok(Decision::deny(format!("level={}", level()))))
        .tool("Gotify", move |_, _| Ok(json!(format!("level={}", level()))));
    let mut with_env = event(3, "before", json!({}));
    with_env["params"]["task_env"] = json!({"AURA_RUST_TASK_LEVEL": "ERROR", "BAD=NAME": "x", "N": 1});
    let input = [init(), event(2, "before", json!({})), with_env,
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
               "params": {"name": "Gotify", "arguments": {}, "task_env": {"AURA_RUST_TASK_LEVEL": "DEBUG"}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": {}})]
        .into_iter().map(line).collect::<String>();
    let (status, out) = run(&p, &input);
    assert_eq!(status, 0);
    assert_eq!(out[1]["result"], json!({"decision": "deny", "reason": "level="}));
    assert_eq!(out[2]["result"], json!({"decision": "deny", "reason": "level=ERROR"}));
    assert_eq!(out[3]["result"]["content"][0]["text"], "level=DEBUG");
}
