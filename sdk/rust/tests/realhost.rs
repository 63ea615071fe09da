//! The example plugin under the real aura host (`aura dispatch`); AURA names the binary.
//! `cargo test` builds the example program (target/<profile>/examples/guard).
use aura_plugin::json;
use aura_plugin::testing::dispatch_with_aura;
use std::path::PathBuf;

#[test]
fn the_same_decisions_under_the_real_host() {
    let aura = match std::env::var("AURA") {
        Ok(a) if !a.is_empty() => a,
        _ => return eprintln!("skipped: AURA does not name the aura binary"),
    };
    let exe = std::env::current_exe().unwrap(); // target/<profile>/deps/realhost-…
    let program = exe.parent().unwrap().parent().unwrap().join("examples").join("guard");
    assert!(program.exists(), "{} is not built", program.display());
    let dir = std::env::temp_dir().join(format!("aura-rs-sdk-{}", std::process::id()));
    let plugin_dir = dir.join("plugins").join("guard");
    std::fs::create_dir_all(&plugin_dir).unwrap();
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join("guard");
    std::fs::copy(manifest_dir.join("aura-plugin.json"), plugin_dir.join("aura-plugin.json")).unwrap();
    std::fs::copy(&program, plugin_dir.join("guard")).unwrap();
    let state = dir.join("state");
    let state = state.to_str().unwrap();
    let home = dir.to_str().unwrap().to_string();
    let run = |event: &str, data: aura_plugin::Value| {
        dispatch_with_aura(Some(&aura), &dir.join("plugins"), event, &data, &[("HOME", &home)],
                           &["--state-dir", state, "--session", "t"]).unwrap()
    };
    let denied = run("tool.before_execution", json!({"tool": "bash", "args": {"command": "rm -rf /"}}));
    assert_eq!(denied["verdict"], "deny", "{}", denied);
    assert_eq!(denied["reason"], "guard: rm -rf is not allowed");
    assert_eq!(run("tool.before_execution", json!({"tool": "bash", "args": {"command": "ls"}}))["verdict"], "allow");
    assert_eq!(run("intent.before_log", json!({"summary": "fix"}))["data"]["summary"], "OPS-0: fix");
    assert!(run("demo.count", json!({}))["effects"].to_string().contains("seen 1 times"));
    assert!(run("demo.count", json!({}))["effects"].to_string().contains("seen 2 times"));
    std::fs::remove_dir_all(&dir).unwrap();
}
