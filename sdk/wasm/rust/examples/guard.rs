//! guard: denies rm -rf, logs what it checks, tags summaries with a merge patch.
use aura_wasm::{json_string, log, Decision, Level, Request};

fn handle(req: &Request) -> Result<Decision, String> {
    match req.hook.as_str() {
        "check" => {
            let command = req.find_str("command").unwrap_or_default();
            log(Level::Debug, &command);
            Ok(if command.contains("rm -rf") { Decision::deny("guard: rm -rf is not allowed") } else { Decision::Allow })
        }
        "tag" => {
            let summary = req.find_str("summary").ok_or("tag: the event has no summary")?;
            if summary.starts_with("OPS-") {
                return Ok(Decision::Allow);
            }
            Ok(Decision::Mutate(format!("{{\"summary\":{}}}", json_string(&format!("OPS-0: {}", summary)))))
        }
        other => Err(format!("guard: no hook {:?}", other)),
    }
}

aura_wasm::aura_plugin!(handle);
