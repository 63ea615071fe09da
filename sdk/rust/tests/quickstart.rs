//! The docs' harness example (docs/sdks.md): the example plugin with mocked host services.
#[path = "../examples/guard/plugin.rs"]
mod guard;

use aura_plugin::json;
use aura_plugin::testing::Harness;

#[test]
fn check_and_count() {
    let h = Harness::new(guard::plugin());
    let ev = h.synth_event("tool.before_execution", json!({"args": {"command": "rm -rf /"}}));
    assert_eq!(h.run_hook("check", &ev).unwrap().reason, "guard: rm -rf is not allowed");
    h.storage.borrow_mut().insert("count".into(), "41".into());
    let counted = h.run_hook("count", &h.synth_event("demo.count", json!({}))).unwrap();
    assert_eq!(h.storage.borrow()["count"], "42");
    assert_eq!(*h.logs.borrow(), [("info".to_string(), "call 42".to_string())]);
    assert_eq!(counted.effects["inject_message"], json!([{"role": "system", "content": "seen 42 times"}]));
}
