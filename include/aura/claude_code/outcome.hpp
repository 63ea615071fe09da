// aura/claude_code/outcome.hpp - what Claude Code does with an event's hooks: the result a host reads.
//
// `outcome` gathers, across every hook that ran for one event (combine.hpp
// reads them): the decision (PreToolUse, PermissionRequest, PreModelSwitch:
// deny > defer > ask > allow), the texts for the model, for its context, for
// the user and for the transcript, and each event's own outputs
// (updatedInput, updatedToolOutput, sessionTitle, displayContent, ...). The
// host applies them; `resolve_ask` and `resolve_defer` take its answer to a
// hook's "ask" or "defer".
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
  std::string decision;    ///< PreToolUse / PermissionRequest / PreModelSwitch: "" (no opinion), allow, deny, ask, defer (PreToolUse)
  std::string reason;      ///< deny: what the model sees; ask / allow: what the user sees
  bool blocked = false;    ///< the event was blocked (prompt erased, stop prevented, tool feedback given)
  std::vector<std::string> feedback;  ///< texts sent to the model (PreToolUse deny, PostToolUse, Stop...)
  std::vector<std::string> context;   ///< additionalContext / plain stdout added to the model's context
  std::vector<std::string> user_messages;  ///< systemMessage, non-blocking errors, user-only stderr
  std::vector<std::string> transcript;     ///< plain stdout of other events (shown in the transcript)
  std::vector<std::string> debug_log;      ///< what Claude Code writes to its debug log only (MessageDisplay failures, ...)
  std::optional<nlohmann::json> updated_input;       ///< the tool's new arguments
  std::optional<nlohmann::json> updated_mcp_output;  ///< PostToolUse on an MCP tool: updatedMCPToolOutput
  std::optional<nlohmann::json> updated_tool_output; ///< PostToolUse: updatedToolOutput, what the model sees instead of the result
  std::optional<nlohmann::json> updated_permissions; ///< PermissionRequest allow
  bool interrupt = false;  ///< PermissionRequest deny with interrupt: the model stops
  bool stop = false;       ///< `continue: false`: the session stops after this event
  bool end_turn = false;   ///< a prompt hook's ok:false without continueOnBlock: the turn ends, the reason a warning line
  std::string stop_reason;
  bool suppress_output = false;
  /// PostToolUse: hookSpecificOutput.classifierContext of the hooks, "\n"-joined
  /// and cut to 2,000 UTF-16 units: a note for the auto mode classifier, never the model.
  std::string classifier_context;
  std::map<std::string, std::string> env;  ///< SessionStart: variables the hooks exported (CLAUDE_ENV_FILE)
  std::string env_script;                  ///< what they wrote there (Claude Code sources it before each Bash call)
  bool retry = false;             ///< PermissionDenied: hookSpecificOutput.retry, the model may try the tool again
  std::string worktree_path;      ///< WorktreeCreate: the path the hooks created (stdout, or hookSpecificOutput.worktreePath)
  std::vector<std::string> watch_paths;  ///< CwdChanged / FileChanged: hookSpecificOutput.watchPaths
  std::string action;             ///< Elicitation / ElicitationResult: hookSpecificOutput.action (accept | decline | cancel)
  std::optional<nlohmann::json> action_content;  ///< its content (the form's answer)
  std::optional<std::string> display_content;    ///< MessageDisplay: the text shown instead of the delta (display only)
  std::string session_title;      ///< SessionStart (startup, resume, fork) / UserPromptSubmit: sessionTitle, as /rename
  std::string initial_user_message;  ///< SessionStart: initialUserMessage, the session's first user turn (-p mode)
  bool reload_skills = false;     ///< SessionStart: reloadSkills, re-scan the skill and command folders
  std::vector<std::string> terminal_sequences;  ///< terminalSequence values on the allowlist (terminal_sequence.hpp)
  std::vector<std::string> saved_outputs;       ///< files holding texts over the 10,000-character cap (output_cap.hpp)
  /// "defer" won: the decision and reason the other hooks gave (resolve_defer(false) restores them).
  std::string undeferred_decision;
  std::string undeferred_reason;
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
      if (event == "PreModelSwitch") {  // the switch is refused; the user is told
        blocked = true;
        user_messages.push_back(reason.empty() ? "The model switch was not confirmed" : reason);
        return;
      }
      if (reason.empty()) reason = "The user denied this operation";
      feedback.push_back(reason);
    }
  }

  /// Takes the host's answer to a PreToolUse "defer". Claude Code honours
  /// it only in non-interactive mode (-p) when the model made one tool call
  /// in the turn: the tool does not run, the run ends (stop_reason
  /// "tool_deferred") and is resumed later, when the hooks run again.
  /// `honoured` false (an interactive session, a batch of calls): Claude
  /// Code ignores the defer, with a warning, and the call goes through the
  /// normal permission flow: the other hooks' decision applies.
  void resolve_defer(bool honoured) {
    if (decision != "defer" || honoured) return;
    decision = undeferred_decision;
    reason = undeferred_reason;
    undeferred_decision.clear();
    undeferred_reason.clear();
    debug_log.push_back("PreToolUse: a hook's \"defer\" is ignored here; the call goes through the normal permission flow");
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
    if (updated_tool_output) j["updated_tool_output"] = *updated_tool_output;
    if (end_turn) j["end_turn"] = true;
    if (!debug_log.empty()) j["debug_log"] = debug_log;
    if (display_content) j["display_content"] = *display_content;
    if (!session_title.empty()) j["session_title"] = session_title;
    if (!initial_user_message.empty()) j["initial_user_message"] = initial_user_message;
    if (reload_skills) j["reload_skills"] = true;
    if (!terminal_sequences.empty()) j["terminal_sequences"] = terminal_sequences;
    if (!saved_outputs.empty()) j["saved_outputs"] = saved_outputs;
    if (updated_permissions) j["updated_permissions"] = *updated_permissions;
    if (interrupt) j["interrupt"] = true;
    if (!env_script.empty()) j["env_script"] = env_script;
    if (retry) j["retry"] = true;
    if (!classifier_context.empty()) j["classifier_context"] = classifier_context;
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

}  // namespace aura::claude_code
