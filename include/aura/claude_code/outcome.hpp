// aura/claude_code/outcome.hpp - what Claude Code does with the runs of one event's hooks.
//
// Per run: exit 0 reads stdout (a JSON object, else plain text: context for
// UserPromptSubmit and SessionStart, transcript output otherwise); exit 2 is
// a blocking error whose stderr goes where the event sends it (events.hpp)
// and stdout is ignored; any other exit, a signal, a timeout or a failure to
// start is a non-blocking error shown to the user, never to the model.
// WorktreeCreate fails on any failure and reads the new path from stdout;
// StopFailure ignores everything. Per-event outputs: PermissionDenied's
// retry, CwdChanged / FileChanged's watchPaths, Elicitation(Result)'s action
// and content, WorktreeCreate's worktreePath (JSON, as http hooks answer).
// Across runs (Claude Code's precedence): deny > ask > allow for tool
// decisions; every blocking text, context and system message is kept in
// order; the last updatedInput of a hook that did not deny applies;
// `continue: false` from any hook stops the session after the event.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/runner.hpp"

namespace aura::claude_code {

struct outcome {
  std::string event;       ///< Claude Code's event name
  std::string tool_name;   ///< tool events
  std::string decision;    ///< PreToolUse / PermissionRequest: "" (no opinion), allow, deny, ask
  std::string reason;      ///< deny: what the model sees; ask / allow: what the user sees
  bool blocked = false;    ///< the event was blocked (prompt erased, stop prevented, tool feedback given)
  std::vector<std::string> feedback;  ///< texts sent to the model (PreToolUse deny, PostToolUse, Stop...)
  std::vector<std::string> context;   ///< additionalContext / plain stdout added to the model's context
  std::vector<std::string> user_messages;  ///< systemMessage, non-blocking errors, user-only stderr
  std::vector<std::string> transcript;     ///< plain stdout of other events (shown in the transcript)
  std::optional<nlohmann::json> updated_input;       ///< the tool's new arguments
  std::optional<nlohmann::json> updated_mcp_output;  ///< PostToolUse on an MCP tool
  std::optional<nlohmann::json> updated_permissions; ///< PermissionRequest allow
  bool interrupt = false;  ///< PermissionRequest deny with interrupt: the model stops
  bool stop = false;       ///< `continue: false`: the session stops after this event
  std::string stop_reason;
  bool suppress_output = false;
  std::map<std::string, std::string> env;  ///< SessionStart: variables the hooks exported (CLAUDE_ENV_FILE)
  std::string env_script;                  ///< what they wrote there (Claude Code sources it before each Bash call)
  bool retry = false;             ///< PermissionDenied: hookSpecificOutput.retry, the model may try the tool again
  std::string worktree_path;      ///< WorktreeCreate: the path the hooks created (stdout, or hookSpecificOutput.worktreePath)
  std::vector<std::string> watch_paths;  ///< CwdChanged / FileChanged: hookSpecificOutput.watchPaths
  std::string action;             ///< Elicitation / ElicitationResult: hookSpecificOutput.action (accept | decline | cancel)
  std::optional<nlohmann::json> action_content;  ///< its content (the form's answer)
  std::vector<hook_run> runs;
  std::size_t async_started = 0;      ///< async hooks this event started (they decide nothing)
  std::vector<hook_run> async_runs;   ///< async hooks (of earlier events) that finished, delivered now
  /// asyncRewake hooks that exited 2: what wakes the model (Claude Code
  /// queues it for the next turn as a system reminder, even without a prompt).
  std::vector<std::string> rewake;

  /// Answers an "ask" (the host asked the user): allow runs the tool, deny
  /// does not and sends the reason to the model. No answer is Claude Code's
  /// non-interactive behaviour: the tool does not run.
  void resolve_ask(bool allow) {
    if (decision != "ask") return;
    decision = allow ? "allow" : "deny";
    if (!allow) {
      if (reason.empty()) reason = "The user denied this operation";
      feedback.push_back(reason);
    }
  }

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json j{{"event", event},
                     {"decision", decision.empty() ? nlohmann::json() : nlohmann::json(decision)},
                     {"reason", reason},
                     {"blocked", blocked},
                     {"feedback", feedback},
                     {"context", context},
                     {"user_messages", user_messages},
                     {"transcript", transcript},
                     {"stop", stop},
                     {"env", env}};
    if (!tool_name.empty()) j["tool_name"] = tool_name;
    if (stop) j["stop_reason"] = stop_reason;
    if (updated_input) j["updated_input"] = *updated_input;
    if (updated_mcp_output) j["updated_mcp_output"] = *updated_mcp_output;
    if (updated_permissions) j["updated_permissions"] = *updated_permissions;
    if (interrupt) j["interrupt"] = true;
    if (!env_script.empty()) j["env_script"] = env_script;
    if (retry) j["retry"] = true;
    if (!worktree_path.empty()) j["worktree_path"] = worktree_path;
    if (!watch_paths.empty()) j["watch_paths"] = watch_paths;
    if (!action.empty()) j["action"] = action;
    if (action_content) j["action_content"] = *action_content;
    auto runs_json = [](const std::vector<hook_run>& list) {
      nlohmann::json rs = nlohmann::json::array();
      for (const auto& r : list) {
        nlohmann::json one{{"command", r.command}, {"source", r.source}, {"duration_ms", r.duration_ms}};
        if (r.exit_code >= 0) one["exit_code"] = r.exit_code;
        if (r.timed_out) one["timed_out"] = true;
        if (!r.error.empty()) one["error"] = r.error;
        if (!r.out.empty()) one["stdout"] = r.out;
        if (!r.err.empty()) one["stderr"] = r.err;
        rs.push_back(std::move(one));
      }
      return rs;
    };
    j["runs"] = runs_json(runs);
    if (async_started) j["async_started"] = async_started;
    if (!async_runs.empty()) j["async_runs"] = runs_json(async_runs);
    if (!rewake.empty()) j["rewake"] = rewake;
    return j;
  }
};

namespace detail {

inline std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

inline std::string str_of(const nlohmann::json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// "PreToolUse:Bash" or "Stop": how Claude Code names a hook in its messages.
inline std::string hook_label(const outcome& oc) {
  return oc.tool_name.empty() ? oc.event : oc.event + ":" + oc.tool_name;
}

inline int rank(const std::string& d) { return d == "deny" ? 3 : d == "ask" ? 2 : d == "allow" ? 1 : 0; }

/// A blocking text (exit 2 stderr, or a JSON deny / "block" reason) for the
/// event, worded as Claude Code 2.1.332 words it (measured with the real CLI,
/// test/compat/claude_code/differential/): `text` is the raw stderr (its
/// trailing newline kept) or the reason.
inline void add_blocking(outcome& oc, const event_info& info, const std::string& command, const std::string& text,
                         bool from_json) {
  const std::string body = !from_json && trimmed(text).empty() ? std::string("No stderr output") : text;
  const std::string detail = from_json ? body : "[" + command + "]: " + body;
  switch (info.blocks) {
    case block_kind::tool_call:
    case block_kind::permission: {
      const std::string msg = hook_label(oc) + " hook error: " + detail;
      if (rank("deny") > rank(oc.decision)) {
        oc.decision = "deny";
        oc.reason = msg;
      } else if (oc.decision == "deny") {
        oc.reason += "\n" + msg;
      }
      oc.feedback.push_back(msg);
      break;
    }
    case block_kind::feedback:
      oc.blocked = true;
      oc.feedback.push_back(hook_label(oc) + " hook blocking error from command: \"" + command + "\": " + detail);
      break;
    case block_kind::stop:
      oc.blocked = true;
      oc.feedback.push_back(oc.event + " hook feedback:\n" + detail);
      break;
    case block_kind::prompt:
      oc.blocked = true;
      oc.user_messages.push_back(oc.event + " operation blocked by hook:\n" + detail);
      break;
    case block_kind::action:
      oc.blocked = true;
      oc.feedback.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::change:
      oc.blocked = true;
      if (oc.event == "Elicitation" || oc.event == "ElicitationResult") oc.action = "decline";
      oc.user_messages.push_back(oc.event + " operation blocked by hook:\n" + detail);
      break;
    case block_kind::worktree:
      oc.blocked = true;
      oc.user_messages.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::none:
      oc.user_messages.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::ignored:
      break;
  }
}

/// The events whose hooks may answer with the top-level `decision: "block"`
/// (Claude Code's decision control table); TeammateIdle, TaskCreated and
/// TaskCompleted block by exit status 2 only.
inline bool reads_decision_block(const std::string& event) {
  for (const char* e : {"UserPromptSubmit", "UserPromptExpansion", "PostToolUse", "PostToolUseFailure", "Stop",
                        "SubagentStop", "PostToolBatch", "ConfigChange", "PreCompact"}) {
    if (event == e) return true;
  }
  return false;
}

inline void set_decision(outcome& oc, const std::string& d, const std::string& why) {
  if (rank(d) > rank(oc.decision)) {
    oc.decision = d;
    oc.reason = why;
  } else if (d == oc.decision && !why.empty()) {
    oc.reason = oc.reason.empty() ? why : oc.reason + "\n" + why;
  }
}

/// Applies one exit-0 JSON output.
inline void read_json_output(outcome& oc, const event_info& info, const hook_run& run, const nlohmann::json& o) {
  if (auto sm = str_of(o, "systemMessage"); !sm.empty()) oc.user_messages.push_back(sm);
  if (auto so = o.find("suppressOutput"); so != o.end() && so->is_boolean() && so->get<bool>()) oc.suppress_output = true;
  if (auto c = o.find("continue"); c != o.end() && c->is_boolean() && !c->get<bool>()) {
    if (!oc.stop) oc.stop_reason = str_of(o, "stopReason");
    oc.stop = true;
  }
  static const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* hso = &empty;
  if (auto it = o.find("hookSpecificOutput"); it != o.end() && it->is_object()) hso = &*it;
  if (auto ac = str_of(*hso, "additionalContext"); !ac.empty()) oc.context.push_back(ac);

  const std::string legacy = str_of(o, "decision");
  const std::string legacy_reason = str_of(o, "reason");
  bool denied_here = false;
  if (info.blocks == block_kind::tool_call) {
    std::string d = str_of(*hso, "permissionDecision");
    std::string why = str_of(*hso, "permissionDecisionReason");
    if (d.empty() && !legacy.empty()) {  // the deprecated top-level form
      d = legacy == "approve" ? "allow" : legacy == "block" ? "deny" : "";
      why = legacy_reason;
    }
    if (d == "deny") {
      add_blocking(oc, info, run.command, why, true);
      denied_here = true;
    } else if (d == "ask" || d == "allow") {
      set_decision(oc, d, why);
    }
  } else if (info.blocks == block_kind::permission) {
    if (auto dec = hso->find("decision"); dec != hso->end() && dec->is_object()) {
      const std::string behavior = str_of(*dec, "behavior");
      if (behavior == "deny") {
        const std::string msg = str_of(*dec, "message");
        add_blocking(oc, info, run.command, msg.empty() ? "Permission denied by hook" : msg, true);
        if (auto in = dec->find("interrupt"); in != dec->end() && in->is_boolean() && in->get<bool>()) oc.interrupt = true;
        denied_here = true;
      } else if (behavior == "allow") {
        set_decision(oc, "allow", {});
        if (auto ui = dec->find("updatedInput"); ui != dec->end() && ui->is_object()) oc.updated_input = *ui;
        if (auto up = dec->find("updatedPermissions"); up != dec->end() && !up->is_null()) oc.updated_permissions = *up;
      }
    }
  } else if (legacy == "block" && reads_decision_block(oc.event)) {
    if (info.blocks == block_kind::prompt) {
      oc.blocked = true;
      oc.user_messages.push_back(legacy_reason.empty() ? oc.event + " operation blocked by hook" : legacy_reason);
    } else {
      add_blocking(oc, info, run.command, legacy_reason, true);
    }
  }
  if (oc.event == "PermissionDenied") {
    if (auto r = hso->find("retry"); r != hso->end() && r->is_boolean() && r->get<bool>()) oc.retry = true;
  }
  if (info.blocks == block_kind::worktree) {
    if (auto wp = str_of(*hso, "worktreePath"); !wp.empty()) oc.worktree_path = wp;
  }
  if (oc.event == "CwdChanged" || oc.event == "FileChanged") {
    if (auto wp = hso->find("watchPaths"); wp != hso->end() && wp->is_array()) {
      for (const auto& w : *wp) {
        if (w.is_string()) oc.watch_paths.push_back(w.get<std::string>());
      }
    }
  }
  if (oc.event == "Elicitation" || oc.event == "ElicitationResult") {
    const std::string a = str_of(*hso, "action");
    if (a == "accept" || a == "decline" || a == "cancel") {
      oc.action = a;
      if (auto c = hso->find("content"); c != hso->end() && c->is_object()) oc.action_content = *c;
    }
  }
  if (info.blocks == block_kind::tool_call && !denied_here) {
    if (auto ui = hso->find("updatedInput"); ui != hso->end() && ui->is_object()) oc.updated_input = *ui;
  }
  if (info.blocks == block_kind::feedback) {
    if (auto mo = hso->find("updatedMCPToolOutput"); mo != hso->end() && !mo->is_null()) oc.updated_mcp_output = *mo;
  }
}

}  // namespace detail

/// Combines the runs of one event's hooks (in registration order).
[[nodiscard]] inline outcome combine(const event_info& info, const std::string& tool_name, std::vector<hook_run> runs) {
  outcome oc;
  oc.event = std::string(info.name);
  oc.tool_name = tool_name;
  if (info.blocks == block_kind::ignored) {  // StopFailure: output and exit status are ignored
    oc.runs = std::move(runs);
    return oc;
  }
  const bool fails_on_any_error = info.blocks == block_kind::worktree;
  // "onFailure": "block" is ignored on these events (Claude Code 2.1.332's schema).
  const bool failure_may_block = oc.event != "Stop" && oc.event != "SubagentStop" && oc.event != "TaskCompleted" &&
                                 oc.event != "TeammateIdle";
  for (const auto& r : runs) {
    const bool failed = !r.error.empty() || r.signaled || r.exit_code < 0 || (r.exit_code != 0 && r.exit_code != 2);
    if (failed && r.failure_blocks && failure_may_block) {  // counts as exit status 2, the failure as its text
      const std::string why = !r.error.empty() ? r.error
                              : r.exit_code > 0 ? "exited with status " + std::to_string(r.exit_code) +
                                                      (detail::trimmed(r.err).empty() ? std::string() : ": " + detail::trimmed(r.err))
                                                : std::string("did not finish");
      detail::add_blocking(oc, info, r.command, "hook failed (onFailure: block): " + why, false);
      continue;
    }
    if (!r.error.empty() || r.signaled || r.exit_code < 0) {
      const std::string msg = "[" + r.command + "]: " + (r.error.empty() ? std::string("did not finish") : r.error);
      if (fails_on_any_error) detail::add_blocking(oc, info, r.command, msg, true);
      else oc.user_messages.push_back(detail::hook_label(oc) + " hook error: " + msg);
      continue;
    }
    for (const auto& [k, v] : r.exported) oc.env[k] = v;
    if (!r.env_file.empty()) oc.env_script += r.env_file;
    if (r.exit_code == 2) {  // stdout (JSON or not) is ignored
      detail::add_blocking(oc, info, r.command, r.err, false);
      continue;
    }
    if (r.exit_code != 0) {
      const std::string err = detail::trimmed(r.err);
      const std::string msg = "[" + r.command + "]: Failed with non-blocking status code " + std::to_string(r.exit_code) +
                              (err.empty() ? std::string() : ": " + err);
      if (fails_on_any_error) detail::add_blocking(oc, info, r.command, msg, true);
      else oc.user_messages.push_back(detail::hook_label(oc) + " hook error: " + msg);
      continue;
    }
    const std::string out = detail::trimmed(r.out);
    if (out.empty()) continue;
    if (out.front() == '{') {
      nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
      if (j.is_object()) {
        detail::read_json_output(oc, info, r, j);
        continue;
      }
    }
    if (fails_on_any_error) {  // WorktreeCreate: the path is stdout's last line
      const auto nl = out.find_last_of('\n');
      oc.worktree_path = detail::trimmed(nl == std::string::npos ? out : out.substr(nl + 1));
      continue;
    }
    (info.stdout_is_context ? oc.context : oc.transcript).push_back(out);
  }
  if (fails_on_any_error && !oc.blocked && !runs.empty() && oc.worktree_path.empty()) {
    oc.blocked = true;
    oc.user_messages.push_back(oc.event + " hook error: no hook printed the new worktree's path");
  }
  if (info.blocks == block_kind::tool_call && oc.decision == "deny") oc.updated_input.reset();
  if (oc.stop && info.blocks == block_kind::stop) oc.blocked = false;  // continue:false wins over block
  oc.runs = std::move(runs);
  return oc;
}

}  // namespace aura::claude_code
