// aura/claude_code/dispatch.hpp - firing one Claude Code event on a profile.
//
// run_event completes the input (input.hpp), selects the matching hooks
// (matcher on the event's match field, identical commands once), runs them
// all in parallel (runner.hpp; http, prompt and agent hooks with the
// profile's services, services.hpp) in the session's current directory with
// CLAUDE_PROJECT_DIR = the project root, and combines what they did
// (outcome.hpp). An unknown event name is an error; a hook that fails is not
// (it is a non-blocking error in the outcome, as in Claude Code).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/combine.hpp"
#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/input.hpp"
#include "aura/claude_code/matcher.hpp"
#include "aura/claude_code/outcome.hpp"
#include "aura/claude_code/output_cap.hpp"
#include "aura/claude_code/permission_rule.hpp"
#include "aura/claude_code/profile.hpp"
#include "aura/claude_code/runner.hpp"
#include "aura/claude_code/services.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// The requests run_event would run for `input` (already completed).
[[nodiscard]] inline std::vector<run_request> plan_event(const profile& p, const std::string& event,
                                                         const nlohmann::json& input) {
  std::string match_value;
  const auto field = matcher_field(event);
  if (!field.empty()) {
    auto it = input.find(std::string(field));
    if (it != input.end() && it->is_string()) match_value = it->get<std::string>();
    if (event == "FileChanged") match_value = std::filesystem::path(match_value).filename().string();
  }
  // PreModelSwitch / PostModelSwitch: the target's canonical name; none known: every hook runs.
  const bool model_event = event == "PreModelSwitch" || event == "PostModelSwitch";
  if (model_event) match_value = canonical_model_name(match_value);
  std::vector<run_request> reqs;
  const auto base_env = host_environment();
  for (const hook_command* h : p.matching(event, match_value, model_event && match_value.empty())) {
    // "if": only on the tool events, and only when the call matches the rule (permission_rule.hpp).
    if (!h->if_rule.empty()) {
      if (!event_evaluates_if(event)) continue;
      const std::string tool = input.value("tool_name", std::string());
      static const nlohmann::json no_input = nlohmann::json::object();
      auto ti = input.find("tool_input");
      if (!permission_rule_matches(h->if_rule, tool, ti != input.end() ? *ti : no_input, p.cwd().string(),
                                   p.project_root().string())) {
        continue;
      }
    }
    run_request r;
    r.hook = h;
    r.command = hook_label_of(*h);
    r.source = h->file.string() + "#" + h->pointer;
    r.cwd = p.cwd();
    r.env = base_env;
    r.env["CLAUDE_PROJECT_DIR"] = p.project_root().string();
    r.env["PWD"] = p.cwd().string();
    if (h->from == scope::plugin) r.env["CLAUDE_PLUGIN_ROOT"] = h->plugin_root.string();
    r.timeout_seconds = h->timeout_seconds;
    r.env_file = has_env_file(event);
    if (h->type == "http") r.http_policy = http_policy_for(p.settings_files(), *h);
    reqs.push_back(std::move(r));
  }
  return reqs;
}

/// The text an asyncRewake hook's exit 2 wakes the model with (Claude Code
/// 2.1.332: `<rewakeMessage | Stop hook blocking error from command
/// "<hook name>":> <stderr, else stdout>`); empty for its other exits.
[[nodiscard]] inline std::string rewake_text(const async_result& a) {
  if (!a.async_rewake || a.run.exit_code != 2) return {};
  const std::string prefix = a.rewake_message.empty() ? "Stop hook blocking error from command \"" + a.hook_name + "\":"
                                                      : a.rewake_message;
  std::string body = a.run.err.empty() ? a.run.out : a.run.err;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.pop_back();
  return prefix + " " + body;
}

/// Gives the model what finished async hooks said: the systemMessage and
/// additionalContext of their JSON output (nothing else of it applies), the
/// variables they exported to CLAUDE_ENV_FILE, and for an asyncRewake hook
/// that exited 2 the text that wakes the model (its summary to the user).
inline void deliver_async(outcome& oc, std::vector<async_result> done, const std::filesystem::path& output_dir = {}) {
  const output_spill spill{output_dir, &oc.saved_outputs};
  for (auto& a : done) {
    for (const auto& [k, v] : a.run.exported) oc.env[k] = v;
    if (!a.run.env_file.empty()) oc.env_script += a.run.env_file;
    if (a.async_rewake) {  // Claude Code reads nothing else of a rewake hook's output
      if (auto text = rewake_text(a); !text.empty()) {
        oc.rewake.push_back(std::move(text));
        oc.user_messages.push_back(a.rewake_summary.empty() ? "Stop hook feedback" : a.rewake_summary);
      }
      oc.async_runs.push_back(std::move(a.run));
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(a.run.out, nullptr, false);
    if (j.is_object()) {
      if (auto m = j.find("systemMessage"); m != j.end() && m->is_string()) oc.context.push_back(cap_hook_output(m->get<std::string>(), spill));
      auto hso = j.find("hookSpecificOutput");
      if (hso != j.end() && hso->is_object()) {
        if (auto c = hso->find("additionalContext"); c != hso->end() && c->is_string()) {
          oc.context.push_back(cap_hook_output(c->get<std::string>(), spill));
        }
      }
    }
    oc.async_runs.push_back(std::move(a.run));
  }
}

/// SessionEnd's time budget (hooks reference): the event's hooks share 1.5
/// seconds, raised to the longest `timeout` a settings file (not a plugin)
/// gives one of them, up to 60 seconds; CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS
/// in the environment sets it outright. A hook still running then is
/// cancelled (a non-blocking error).
inline constexpr double session_end_budget_seconds = 1.5;
inline constexpr double session_end_budget_max_seconds = 60;

inline double session_end_budget(const std::vector<run_request>& reqs) {
  double budget = session_end_budget_seconds;
  for (const auto& r : reqs) {
    if (auto e = r.env.find("CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"); e != r.env.end()) {
      char* end = nullptr;
      const double ms = std::strtod(e->second.c_str(), &end);
      if (end && *end == '\0' && !e->second.empty() && ms > 0 && std::isfinite(ms)) return ms / 1000;
    }
    if (r.hook && r.hook->timeout_set && r.hook->from != scope::plugin) {
      budget = std::max(budget, std::min(r.hook->timeout_seconds, session_end_budget_max_seconds));
    }
  }
  return budget;
}

inline void apply_session_end_budget(std::vector<run_request>& reqs) {
  const double budget = session_end_budget(reqs);
  for (auto& r : reqs) r.timeout_seconds = std::min(r.timeout_seconds, budget);
}

/// Runs `event`'s hooks with `input` (Claude Code's input shape; the common
/// fields it lacks are filled from the profile's session).
[[nodiscard]] inline result<outcome> run_event(const profile& p, const std::string& event, nlohmann::json input) {
  const event_info* info = find_event(event);
  if (!info) return fail(errc::not_found, "unknown Claude Code hook event \"" + event + "\" (events: " + event_names() + ")");
  if (!input.is_null() && !input.is_object()) {
    return fail(errc::invalid_argument, std::string("a hook input must be a JSON object, got ") + input.type_name());
  }
  complete_input(input, event, p.session_id, p.transcript_path, p.cwd().string(), p.permission_mode);
  std::string tool;
  if (auto it = input.find("tool_name"); it != input.end() && it->is_string()) tool = it->get<std::string>();
  if (event == "PostToolUse" && input.contains("tool_response")) input["tool_response"] = tool_response_for(tool, input["tool_response"]);
  const std::string text = input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string session = input.value("session_id", p.session_id);
  auto earlier = p.background().take_finished();  // async hooks of earlier events: delivered now, this event's next time
  std::vector<run_request> reqs;
  std::size_t started = 0;
  for (auto& r : plan_event(p, event, input)) {
    // Claude Code honours "once" only in skill frontmatter; in settings files and agents it is ignored.
    if (r.hook->once && r.hook->in_skill && p.background().once_done(session, *r.hook)) continue;
    if (r.hook->once && r.hook->in_skill && r.hook->async) p.background().mark_once(session, *r.hook);  // no result to wait for
    if (r.hook->async) {
      p.background().start(std::move(r), event, text, tool.empty() ? event : event + ":" + tool);
      ++started;
      continue;
    }
    reqs.push_back(std::move(r));
  }
  if (event == "SessionEnd") apply_session_end_budget(reqs);
  combine_options copts;
  copts.output_dir = p.output_dir();
  copts.input_source = input.value("source", std::string());
  if (info->blocks == block_kind::prompt) copts.input_prompt = input.value("prompt", std::string());
  auto runs = run_hooks(reqs, event, text, p.services);
  for (std::size_t i = 0; i < runs.size(); ++i) {  // a "once" hook is removed after a successful run only
    const hook_run& r = runs[i];
    const hook_command* h = reqs[i].hook;
    if (h && h->once && h->in_skill && r.error.empty() && !r.signaled && r.exit_code == 0) p.background().mark_once(session, *h);
  }
  outcome oc = combine(*info, tool, std::move(runs), copts);
  oc.async_started = started;
  deliver_async(oc, std::move(earlier), copts.output_dir);
  if (event == "ConfigChange" && oc.blocked && input.value("source", std::string()) == "policy_settings") {
    oc.blocked = false;  // Claude Code: a change to the managed (policy) settings cannot be blocked
    oc.debug_log.push_back("ConfigChange: a change to the policy settings cannot be blocked; it takes effect");
  }
  return oc;
}

/// The same for an aura catalog event and its data (input_from_aura).
[[nodiscard]] inline result<outcome> run_aura_event(const profile& p, const std::string& aura_event, const nlohmann::json& data) {
  const event_info* info = find_aura_event(aura_event);
  if (!info) info = find_event(aura_event);
  if (!info) return fail(errc::not_found, "no Claude Code hook event for the aura event \"" + aura_event + "\"");
  return run_event(p, std::string(info->name), input_from_aura(*info, data));
}

}  // namespace aura::claude_code
