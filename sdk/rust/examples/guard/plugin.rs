//! guard: denies rm -rf, tags summaries, counts calls in storage, serves a tool and a command.
use aura_plugin::{json, Decision, Plugin, Value};

pub fn plugin() -> Plugin {
    Plugin::new("guard")
        .hook("check", |_ctx, ev| {
            if ev.str_at("/args/command").contains("rm -rf") {
                return Ok(Decision::deny("guard: rm -rf is not allowed"));
            }
            Ok(Decision::allow())
        })
        .hook("tag", |ctx, ev| {
            let prefix = ctx.config.get("prefix").and_then(Value::as_str).unwrap_or("OPS-");
            let summary = ev.str_at("/summary");
            if summary.starts_with(prefix) {
                return Ok(Decision::allow());
            }
            Ok(Decision::mutate(json!({ "summary": format!("{}0: {}", prefix, summary) })))
        })
        .hook("count", |ctx, _ev| {
            let n: u64 = ctx.storage_get("count")?.unwrap_or_default().parse().unwrap_or(0) + 1;
            ctx.storage_set("count", &n.to_string())?;
            ctx.log("info", &format!("call {}", n))?;
            Ok(Decision::allow().inject_message("system", &format!("seen {} times", n)))
        })
        .tool("echo", |_ctx, args| Ok(json!(format!("echo: {}", args["text"].as_str().unwrap_or("")))))
        .command("hello", |_ctx, args| Ok(json!(format!("hello {}", args.as_str().unwrap_or("")))))
}
