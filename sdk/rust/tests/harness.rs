#[path = "../examples/guard/plugin.rs"]
mod guard;

use aura_plugin::testing::{Answer, Harness};
use aura_plugin::{json, Decision, HostError, Kind, Plugin, Value, PERMISSION_DENIED};
use std::time::Duration;

#[test]
fn the_example_decides() {
    let mut h = Harness::new(guard::plugin());
    h.config = json!({"prefix": "T-"});
    let d = h.run_hook("check", &h.synth_event("tool.before_execution", json!({"args": {"command": "rm -rf /"}}))).unwrap();
    assert_eq!(d, Decision::deny("guard: rm -rf is not allowed"));
    assert!(h.run_hook("check", &h.synth_event("tool.before_execution", json!({"args": {"command": "ls"}}))).unwrap().is_allow());
    let d = h.run_hook("tag", &h.synth_event("intent.before_log", json!({"summary": "fix"}))).unwrap();
    assert_eq!(d.apply(&json!({"summary": "fix", "n": 1})).unwrap(), json!({"summary": "T-0: fix", "n": 1}));
    assert!(h.run_hook("tag", &h.synth_event("intent.before_log", json!({"summary": "T-1"}))).unwrap().is_allow());
}

#[test]
fn storage_log_and_effects() {
    let h = Harness::new(guard::plugin());
    h.storage.borrow_mut().insert("count".into(), "4".into());
    let d = h.run_hook("count", &h.synth_event("demo.count", json!({}))).unwrap();
    assert_eq!(h.storage.borrow()["count"], "5");
    assert_eq!(*h.logs.borrow(), vec![("info".to_string(), "call 5".to_string())]);
    assert_eq!(d.to_wire(), json!({"decision": "allow", "effects": {"inject_message": [{"role": "system", "content": "seen 5 times"}]}}));
    let methods: Vec<String> = h.calls.borrow().iter().map(|(m, _)| m.clone()).collect();
    assert_eq!(methods, ["host/storage/get", "host/storage/set", "host/log"]);
}

#[test]
fn permission_errors_are_rust_errors() {
    let mut h = Harness::new(guard::plugin());
    h.storage_mode = "read_only".into();
    let e = h.run_hook("count", &h.synth_event("demo.count", json!({}))).unwrap_err();
    assert_eq!(e.code, PERMISSION_DENIED);
    assert!(e.message.contains("write storage"), "{}", e.message);
    let p = Plugin::new("t").hook("h", |ctx, _| match ctx.log("info", "x") {
        Err(e) if e.is_permission_denied() && e.method == "host/log" => Ok(Decision::deny("no log")),
        other => Ok(Decision::deny(&format!("unexpected: {:?}", other))),
    });
    let mut h = Harness::new(p);
    h.grants.remove("log");
    assert_eq!(h.run_hook("h", &h.synth_event("e", json!({}))).unwrap().reason, "no log");
}

#[test]
fn mock_http_network_and_clock() {
    let p = Plugin::new("net").hook("h", |ctx, ev| {
        let id = ev.str_at("/t");
        let r = ctx.get(&format!("https://api.example.org/t/{}", id))?;
        if !r.ok() {
            return Ok(Decision::deny(format!("ticket {}: {}", id, r.status)));
        }
        ctx.post_json("https://api.example.org/seen", &json!({"at": aura_plugin::testing::rfc3339(ctx.now())}))?;
        Ok(if r.json()?["open"] == json!(true) { Decision::allow() } else { Decision::deny("closed") })
    });
    let mut h = Harness::new(p);
    h.network = Some(vec!["api.example.org".into()]);
    h.route("GET", "https://api.example.org/t/1", Answer::new(200, r#"{"open":true}"#))
        .route("GET", "https://api.example.org/t/2", Answer::new(404, ""))
        .route("POST", "https://api.example.org/*", Answer::new(200, "{}"));
    assert!(h.run_hook("h", &h.synth_event("e", json!({"t": "1"}))).unwrap().is_allow());
    assert_eq!(h.requests.borrow()[1].body, r#"{"at":"2026-01-01T00:00:00.000Z"}"#);
    assert_eq!(h.requests.borrow()[1].headers, json!({"content-type": "application/json"}));
    assert_eq!(h.run_hook("h", &h.synth_event("e", json!({"t": "2"}))).unwrap().reason, "ticket 2: 404");
    let e = h.run_hook("h", &h.synth_event("e", json!({"t": "3"}))).unwrap_err();
    assert!(e.message.contains("no mocked route for GET https://api.example.org/t/3"), "{}", e.message);
    h.network = Some(vec!["other.example.org".into()]);
    assert!(h.run_hook("h", &h.synth_event("e", json!({"t": "1"}))).unwrap_err().message.contains("reach api.example.org"));
    h.advance(Duration::from_secs(86400 + 90));
    assert_eq!(h.synth_event("x", json!({})).time, "2026-01-02T00:01:30.000Z");
}

#[test]
fn host_api_and_failures() {
    let p = Plugin::new("api")
        .hook("h", |ctx, _| Ok(Decision::deny(ctx.call("intents/read", json!({"n": 1}))?["text"].as_str().unwrap_or("").to_string())))
        .hook("boom", |_, _| panic!("bad"))
        .hook("empty", |_, _| Ok(Decision::deny("")))
        .hook("patch", |_, _| Ok(Decision::json_patch(json!([{"op": "frob", "path": "/a"}]))));
    let mut h = Harness::new(p);
    let ev = h.synth_event("e", json!({}));
    assert!(h.run_hook("h", &ev).unwrap_err().message.contains("no method host/intents/read"));
    h.api("intents/read", |params: &Value| -> Result<Value, HostError> { Ok(json!({"text": format!("n={}", params["n"])})) });
    assert!(h.run_hook("h", &ev).unwrap_err().message.contains("call intents/read"));
    h.grants.insert("intents/read".into());
    assert_eq!(h.run_hook("h", &ev).unwrap().reason, "n=1");
    assert!(h.run_hook("boom", &ev).unwrap_err().message.contains("hook boom panicked: bad"));
    assert!(h.run_hook("empty", &ev).unwrap_err().message.contains("hook empty: /reason"));
    assert!(h.run_hook("patch", &ev).unwrap_err().message.contains("/patch/0: \"op\" must be"));
    let e = h.run_hook("nope", &ev).unwrap_err();
    assert!(e.message.contains("no hook named \"nope\" (this plugin has: boom, empty, h, patch)"), "{}", e.message);
}

#[test]
fn tools_commands_and_decisions() {
    let h = Harness::new(guard::plugin());
    assert_eq!(h.call_tool("echo", json!({"text": "hi"})).unwrap(), json!({"content": [{"type": "text", "text": "echo: hi"}], "isError": false}));
    assert_eq!(h.run_command("hello", json!("x")).unwrap(), json!({"output": "hello x"}));
    assert!(h.call_tool("nope", json!({})).unwrap_err().message.contains("no tool named \"nope\" (this plugin has: echo)"));
    let d = Decision::allow().with_effect("k", json!([1])).with_effect("k", json!([2]));
    assert_eq!(d.to_wire(), json!({"decision": "allow", "effects": {"k": [1, 2]}}));
    assert_eq!(Decision::json_patch(json!([{"op": "remove", "path": "/a"}])).kind, Kind::Mutate);
    assert_eq!(aura_plugin::merge_patch(&json!({"a": "b", "c": {"d": "e", "f": "g"}}), &json!({"a": "z", "c": {"f": null}})),
               json!({"a": "z", "c": {"d": "e"}}));
}
