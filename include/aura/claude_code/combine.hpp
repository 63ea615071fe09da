// aura/claude_code/combine.hpp - reading the runs of one event's hooks into an outcome, as Claude Code does.
//
// Per run: a JSON object on stdout is read on every exit status (as Claude
// Code 2.1.332 does, measured: differential/run.py); on exit 0 other text is
// context for UserPromptSubmit, UserPromptExpansion, SessionStart and
// PostModelSwitch, transcript output otherwise; exit 2 is a blocking error
// whose stderr goes where the event sends it (events.hpp), unless the JSON
// itself blocked (its reason is the text then; stderr is dropped); any other
// exit, a signal, a timeout or a failure to start is a non-blocking error
// shown to the user, never to the model (MessageDisplay and DirectoryAdded:
// the debug log). WorktreeCreate fails on any failure and reads the new path
// from stdout; StopFailure ignores everything but terminalSequence; a
// PreModelSwitch hook that times out cancels the switch. A prompt or agent
// hook's ok:false acts per event and continueOnBlock (add_model_block).
// Across runs (Claude Code's precedence): deny > defer > ask > allow for
// PreToolUse (deny > ask > allow for PreModelSwitch); every blocking text,
// context and system message is kept in order; the last updatedInput of a
// hook that did not deny or defer applies; `continue: false` from any hook
// stops the session after the event. Texts that reach the context are
// capped at 10,000 characters (output_cap.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/outcome.hpp"
#include "aura/claude_code/output_cap.hpp"
#include "aura/claude_code/runner.hpp"
#include "aura/claude_code/terminal_sequence.hpp"

namespace aura::claude_code {

/// What combine needs besides the runs.
struct combine_options {
  std::filesystem::path output_dir;  ///< where texts over the 10,000-character cap are saved ("" : cut, not saved)
  std::string input_source;          ///< the input's "source" (SessionStart, DirectoryAdded route outputs by it)
  std::string input_prompt;          ///< UserPromptSubmit / UserPromptExpansion: the prompt a block message repeats
};

/// The auto mode classifier's budget for PostToolUse classifierContext, shared
/// by every hook of one call (UTF-16 code units; hooks reference).
inline constexpr std::size_t classifier_context_cap = 2000;

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

inline int rank(const std::string& d) {
  return d == "deny" ? 4 : d == "defer" ? 3 : d == "ask" ? 2 : d == "allow" ? 1 : 0;
}

/// The events whose hooks' systemMessage (and `continue`) Claude Code
/// discards (the hooks reference, each event's output section).
inline bool discards_system_message(const std::string& event) {
  for (const char* e : {"MessageDisplay", "Notification", "StopFailure", "Setup", "InstructionsLoaded", "ConfigChange",
                        "WorktreeCreate", "WorktreeRemove", "PreCompact", "PostCompact", "Elicitation",
                        "ElicitationResult", "SessionEnd"}) {
    if (event == e) return true;
  }
  return false;
}
inline bool discards_continue(const std::string& event) {
  return discards_system_message(event) || event == "DirectoryAdded" || event == "CwdChanged" ||
         event == "FileChanged" || event == "TaskCreated";
}

/// A non-blocking error: to the user, but on MessageDisplay and a
/// register_repo_root DirectoryAdded to the debug log only, and on a
/// slash_command DirectoryAdded a count in the transcript (the text in the
/// debug log).
inline void add_non_blocking(outcome& oc, const event_info& info, const combine_options& opts, const std::string& msg) {
  if (info.blocks == block_kind::display || info.blocks == block_kind::debug_only) {
    oc.debug_log.push_back(msg);
    if (info.blocks == block_kind::debug_only && opts.input_source != "register_repo_root") {
      oc.transcript.push_back("1 DirectoryAdded hook failed");
    }
    return;
  }
  oc.user_messages.push_back(msg);
}

/// A blocking text (exit 2 stderr, or a JSON deny / "block" reason) for the
/// event, worded as Claude Code 2.1.332 words it (measured with the real CLI,
/// test/compat/claude_code/differential/): `text` is the raw stderr (its
/// trailing newline kept) or the reason.
inline void add_blocking(outcome& oc, const event_info& info, const std::string& command, const std::string& text,
                         bool from_json, const std::string* original_prompt = nullptr) {
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
    case block_kind::prompt:  // the prompt is repeated unless the hook said suppressOriginalPrompt (2.1.332)
      oc.blocked = true;
      oc.user_messages.push_back(oc.event + " operation blocked by hook:\n" + detail +
                                 (original_prompt ? "\n\nOriginal prompt: " + *original_prompt : std::string()));
      break;
    case block_kind::action:
      oc.blocked = true;
      oc.feedback.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::change:
      oc.blocked = true;
      if (oc.event == "Elicitation" || oc.event == "ElicitationResult") oc.action = "decline";
      // ConfigChange: the current reference writes the block message to the debug log only.
      (oc.event == "ConfigChange" ? oc.debug_log : oc.user_messages).push_back(oc.event + " operation blocked by hook:\n" + detail);
      break;
    case block_kind::model_switch: {  // the switch is cancelled; the user is told why
      const std::string msg = oc.event + " operation blocked by hook:\n" + detail;
      if (oc.decision != "deny") oc.reason = msg;
      oc.decision = "deny";
      oc.blocked = true;
      oc.user_messages.push_back(msg);
      break;
    }
    case block_kind::worktree:
      oc.blocked = true;
      oc.user_messages.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::none:
      oc.user_messages.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::display:  // the original text is displayed
    case block_kind::debug_only:  // the directory is already added
      oc.debug_log.push_back(hook_label(oc) + " hook error: " + detail);
      break;
    case block_kind::ignored:
      break;
  }
}

/// A prompt or agent hook's ok:false (`run.err` its reason), per event as
/// the reference's "Response schema" says: fed back to Claude (Stop,
/// SubagentStop; PreToolUse, PostToolUse and TeammateIdle with
/// continueOnBlock; PostToolUseFailure, TaskCreated, TaskCompleted always),
/// else the turn ends with the reason as a warning line to the user
/// (PreToolUse, which also denies the call; PostToolUse, TeammateIdle;
/// PostToolBatch, UserPromptSubmit and UserPromptExpansion, which block);
/// no effect on PermissionRequest and PermissionDenied. `impossible` on Stop
/// and SubagentStop lets the turn end.
inline void add_model_block(outcome& oc, const event_info& info, const hook_run& run) {
  const std::string& e = oc.event;
  const std::string warning = hook_label(oc) + " hook error: [" + run.command + "]: " + run.err;
  if (e == "PermissionRequest" || e == "PermissionDenied") {
    oc.debug_log.push_back(hook_label(oc) + ": a " + std::string(run.continue_on_block ? "hook's" : "prompt hook's") +
                           " ok:false has no effect on this event");
    return;
  }
  if (e == "Stop" || e == "SubagentStop") {
    if (run.impossible) {
      oc.debug_log.push_back(e + ": ok:false with impossible: true, the turn ends: " + run.err);
      return;
    }
    add_blocking(oc, info, run.command, run.err, false);
    return;
  }
  if (e == "PreToolUse") {
    if (run.continue_on_block) {  // as a command hook's permissionDecision "deny"
      add_blocking(oc, info, run.command, run.err, true);
      return;
    }
    if (oc.decision != "deny") oc.reason = warning;
    oc.decision = "deny";
    oc.end_turn = true;
    oc.user_messages.push_back(warning);
    return;
  }
  if ((e == "PostToolUse" || e == "TeammateIdle") && !run.continue_on_block) {
    oc.end_turn = true;
    oc.user_messages.push_back(warning);
    return;
  }
  if (e == "PostToolBatch" || e == "UserPromptSubmit" || e == "UserPromptExpansion") {
    oc.blocked = true;
    oc.end_turn = true;
    oc.user_messages.push_back(warning);
    return;
  }
  add_blocking(oc, info, run.command, run.err, false);  // to Claude, the turn goes on
}

/// The events whose hooks may answer with the top-level `decision: "block"`
/// (Claude Code's decision control table); TeammateIdle and TaskCompleted
/// block by exit status 2 only.
inline bool reads_decision_block(const std::string& event) {
  for (const char* e : {"UserPromptSubmit", "UserPromptExpansion", "PostToolUse", "PostToolUseFailure", "Stop",
                        "SubagentStop", "PostToolBatch", "ConfigChange", "PreCompact", "PreModelSwitch"}) {
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

/// Bash's output shape (stdout, stderr, interrupted), which an
/// updatedToolOutput for Bash must have; other tools' values are passed on
/// (the host checks them against its tool's own output schema).
inline bool fits_tool_output(const std::string& tool, const nlohmann::json& v) {
  if (tool != "Bash") return true;
  if (!v.is_object()) return false;
  auto str = [&](const char* k) { return v.contains(k) && v[k].is_string(); };
  return str("stdout") && str("stderr") && v.contains("interrupted") && v["interrupted"].is_boolean();
}

/// The prompt a prompt event's block message repeats, or null when the
/// hook's hookSpecificOutput says suppressOriginalPrompt (or there is none).
inline const std::string* original_prompt(const event_info& info, const combine_options& opts, const nlohmann::json& o) {
  if (info.blocks != block_kind::prompt || opts.input_prompt.empty()) return nullptr;
  if (auto h = o.find("hookSpecificOutput"); o.is_object() && h != o.end() && h->is_object()) {
    if (auto s = h->find("suppressOriginalPrompt"); s != h->end() && s->is_boolean() && s->get<bool>()) return nullptr;
  }
  return &opts.input_prompt;
}

/// Appends a PostToolUse classifierContext within the shared 2,000-unit budget.
inline void add_classifier_context(outcome& oc, const std::string& text) {
  const std::string joined = oc.classifier_context.empty() ? text : oc.classifier_context + "\n" + text;
  if (utf16_length(joined) <= classifier_context_cap) {
    oc.classifier_context = joined;
    return;
  }
  oc.classifier_context = utf16_prefix(joined, classifier_context_cap);
  oc.debug_log.push_back("PostToolUse:" + oc.tool_name + ": classifierContext cut to " +
                         std::to_string(classifier_context_cap) + " characters (the budget of one call's hooks)");
}

/// Applies one JSON output (of any exit status); true when it denied or
/// blocked the event itself (on exit 2 its reason then replaces stderr).
inline bool read_json_output(outcome& oc, const event_info& info, const hook_run& run, const nlohmann::json& o,
                             const combine_options& opts) {
  const output_spill spill{opts.output_dir, &oc.saved_outputs};
  if (auto ts = str_of(o, "terminalSequence"); !ts.empty()) {
    if (terminal_sequence_allowed(ts)) oc.terminal_sequences.push_back(ts);
    else oc.debug_log.push_back(hook_label(oc) + ": terminalSequence ignored: it holds a sequence outside the allowlist");
  }
  if (auto sm = str_of(o, "systemMessage"); !sm.empty() && !discards_system_message(oc.event)) {
    if (oc.event == "DirectoryAdded") {  // slash_command: to Claude on the next turn; register_repo_root: debug log
      (opts.input_source == "register_repo_root" ? oc.debug_log : oc.context).push_back(cap_hook_output(sm, spill));
    } else {
      oc.user_messages.push_back(cap_hook_output(sm, spill));
    }
  }
  if (auto so = o.find("suppressOutput"); so != o.end() && so->is_boolean() && so->get<bool>()) oc.suppress_output = true;
  if (auto c = o.find("continue"); c != o.end() && c->is_boolean() && !c->get<bool>() && !discards_continue(oc.event)) {
    if (!oc.stop) oc.stop_reason = str_of(o, "stopReason");
    oc.stop = true;
  }
  static const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* hso = &empty;
  if (auto it = o.find("hookSpecificOutput"); it != o.end() && it->is_object()) hso = &*it;

  const std::string legacy = str_of(o, "decision");
  const std::string legacy_reason = str_of(o, "reason");
  bool denied_here = false, deferred_here = false, blocked_here = false;
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
    } else if (d == "defer") {  // its updatedInput and additionalContext are ignored; the reason goes to the debug log
      deferred_here = true;
      if (oc.undeferred_decision != "defer") oc.undeferred_reason = why;
      oc.undeferred_decision = "defer";  // a marker until combine settles it
      if (!why.empty()) oc.debug_log.push_back("PreToolUse: defer: " + why);
    } else if (d == "ask" || d == "allow") {
      set_decision(oc, d, why);
    }
  } else if (info.blocks == block_kind::model_switch) {
    const std::string d = str_of(*hso, "permissionDecision");
    const std::string why = str_of(*hso, "permissionDecisionReason");
    if (d == "deny") add_blocking(oc, info, run.command, why.empty() ? "the switch was denied" : why, true);
    else if (d == "ask" || d == "allow") set_decision(oc, d, d == "ask" ? why : std::string());
    if (legacy == "block") add_blocking(oc, info, run.command, legacy_reason, true);
    blocked_here = d == "deny" || legacy == "block";
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
    add_blocking(oc, info, run.command, legacy_reason, true, original_prompt(info, opts, o));
    blocked_here = true;
  }
  // PreModelSwitch takes no additionalContext; a deferring hook's is ignored.
  if (!deferred_here && info.blocks != block_kind::model_switch) {
    if (auto ac = str_of(*hso, "additionalContext"); !ac.empty()) oc.context.push_back(cap_hook_output(ac, spill));
  }
  if (oc.event == "PermissionDenied") {
    if (auto r = hso->find("retry"); r != hso->end() && r->is_boolean() && r->get<bool>()) oc.retry = true;
  }
  if (info.blocks == block_kind::worktree) {
    if (auto wp = str_of(*hso, "worktreePath"); !wp.empty()) oc.worktree_path = wp;
  }
  if (oc.event == "CwdChanged" || oc.event == "FileChanged" || oc.event == "SessionStart") {
    if (auto wp = hso->find("watchPaths"); wp != hso->end() && wp->is_array()) {
      for (const auto& w : *wp) {
        if (w.is_string()) oc.watch_paths.push_back(w.get<std::string>());
      }
    }
  }
  if (oc.event == "SessionStart" || oc.event == "UserPromptSubmit") {
    // SessionStart's title applies on startup, resume and fork; on clear and compact it is ignored.
    const bool applies = oc.event == "UserPromptSubmit" || (opts.input_source != "clear" && opts.input_source != "compact");
    if (auto t = str_of(*hso, "sessionTitle"); !t.empty() && applies) oc.session_title = t;
  }
  if (oc.event == "SessionStart") {
    if (auto m = str_of(*hso, "initialUserMessage"); !m.empty()) oc.initial_user_message = cap_hook_output(m, spill);
    if (auto r = hso->find("reloadSkills"); r != hso->end() && r->is_boolean() && r->get<bool>()) oc.reload_skills = true;
  }
  if (info.blocks == block_kind::display) {
    if (auto dc = hso->find("displayContent"); dc != hso->end() && dc->is_string()) oc.display_content = dc->get<std::string>();
  }
  if (oc.event == "Elicitation" || oc.event == "ElicitationResult") {
    const std::string a = str_of(*hso, "action");
    if (a == "accept" || a == "decline" || a == "cancel") {
      oc.action = a;
      if (auto c = hso->find("content"); c != hso->end() && c->is_object()) oc.action_content = *c;
    }
  }
  if (info.blocks == block_kind::tool_call && !denied_here && !deferred_here) {
    if (auto ui = hso->find("updatedInput"); ui != hso->end() && ui->is_object()) oc.updated_input = *ui;
  }
  if (oc.event == "PostToolUse") {
    if (auto to = hso->find("updatedToolOutput"); to != hso->end() && !to->is_null()) {
      if (fits_tool_output(oc.tool_name, *to)) oc.updated_tool_output = *to;  // the last hook's wins
      else oc.debug_log.push_back("PostToolUse:" + oc.tool_name + ": updatedToolOutput ignored: it does not have the tool's output shape");
    }
    if (auto mo = hso->find("updatedMCPToolOutput"); mo != hso->end() && !mo->is_null()) {
      if (oc.tool_name.rfind("mcp__", 0) == 0) oc.updated_mcp_output = *mo;
      else oc.debug_log.push_back("PostToolUse:" + oc.tool_name + ": updatedMCPToolOutput ignored: not an MCP tool");
    }
    // For the auto mode classifier, not the model.
    if (auto cc = str_of(*hso, "classifierContext"); !cc.empty()) add_classifier_context(oc, cc);
  }
  return denied_here || blocked_here;
}

/// The output's JSON object when stdout is one (starts with '{' and ends with
/// '}'), else null; `broken` is set when it looks like JSON but does not parse.
inline nlohmann::json json_output(const std::string& out, bool& broken) {
  broken = false;
  if (out.empty() || out.front() != '{' || out.back() != '}') return nullptr;
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_object()) return j;
  broken = true;
  return nullptr;
}

/// SessionEnd: Claude Code runs these hooks as it exits, outside the turn, and
/// reports each failed one on its own line (2.1.332's executeSessionEndHooks,
/// measured): `SessionEnd hook [<command>] failed: <output>`, the output being
/// `Hook cancelled` for a hook cut by its timeout or the shared budget, else
/// a JSON "block" reason, else stderr as written; a failure with no output,
/// and any exit 0, say nothing. Nothing else of the output is used, but
/// terminalSequence.
inline void session_end_report(outcome& oc, const std::vector<hook_run>& runs) {
  for (const auto& r : runs) {
    std::string output;
    if (r.timed_out) {
      output = "Hook cancelled";
    } else if (!r.error.empty() || r.signaled || r.exit_code < 0) {
      output = r.error.empty() ? std::string("did not finish") : r.error;
    } else {
      bool broken = false;
      const nlohmann::json j = json_output(trimmed(r.out), broken);
      if (auto ts = j.is_object() ? str_of(j, "terminalSequence") : std::string(); !ts.empty() && terminal_sequence_allowed(ts)) {
        oc.terminal_sequences.push_back(ts);
      }
      if (r.exit_code == 0) continue;
      const bool block = j.is_object() && str_of(j, "decision") == "block";
      output = block && !str_of(j, "reason").empty() ? str_of(j, "reason") : r.err;
    }
    if (!output.empty()) oc.user_messages.push_back("SessionEnd hook [" + r.command + "] failed: " + output);
  }
}

}  // namespace detail

/// Combines the runs of one event's hooks (in registration order).
[[nodiscard]] inline outcome combine(const event_info& info, const std::string& tool_name, std::vector<hook_run> runs,
                                     const combine_options& opts = {}) {
  outcome oc;
  oc.event = std::string(info.name);
  oc.tool_name = tool_name;
  if (info.blocks == block_kind::ignored) {  // StopFailure: output and exit status are ignored, but terminalSequence
    for (const auto& r : runs) {
      bool broken = false;
      nlohmann::json j = r.exit_code == 0 ? detail::json_output(detail::trimmed(r.out), broken) : nlohmann::json();
      if (auto ts = j.is_object() ? detail::str_of(j, "terminalSequence") : std::string(); !ts.empty() && terminal_sequence_allowed(ts)) {
        oc.terminal_sequences.push_back(ts);
      }
    }
    oc.runs = std::move(runs);
    return oc;
  }
  if (oc.event == "SessionEnd") {
    detail::session_end_report(oc, runs);
    oc.runs = std::move(runs);
    return oc;
  }
  const output_spill spill{opts.output_dir, &oc.saved_outputs};
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
      detail::add_blocking(oc, info, r.command, "hook failed (onFailure: block): " + why, false,
                           detail::original_prompt(info, opts, nlohmann::json::object()));
      continue;
    }
    if (!r.error.empty() || r.signaled || r.exit_code < 0) {
      const std::string msg = "[" + r.command + "]: " + (r.error.empty() ? std::string("did not finish") : r.error);
      if (fails_on_any_error || (info.blocks == block_kind::model_switch && r.timed_out)) {
        detail::add_blocking(oc, info, r.command, msg, true);  // WorktreeCreate fails; a PreModelSwitch timeout cancels
      } else {
        detail::add_non_blocking(oc, info, opts, detail::hook_label(oc) + " hook error: " + msg);
      }
      continue;
    }
    for (const auto& [k, v] : r.exported) oc.env[k] = v;
    if (!r.env_file.empty()) oc.env_script += r.env_file;
    bool broken = false;
    const std::string out = detail::trimmed(r.out);
    const nlohmann::json j = detail::json_output(out, broken);
    if (r.exit_code == 2) {  // a JSON object on stdout is read too; plain stdout is ignored
      if (r.model_verdict) {
        detail::add_model_block(oc, info, r);
        continue;
      }
      if (j.is_object() && detail::read_json_output(oc, info, r, j, opts)) continue;  // its reason, not stderr
      if (oc.event == "PermissionRequest" || oc.event == "Notification") {
        // The current reference: exit 2 leaves the permission flow as it was
        // (the text to the user, as a non-blocking error); Notification ignores it.
        const std::string msg = detail::hook_label(oc) + " hook error: [" + r.command + "]: " +
                                (detail::trimmed(r.err).empty() ? std::string("No stderr output") : r.err);
        (oc.event == "Notification" ? oc.debug_log : oc.user_messages).push_back(msg);
        continue;
      }
      detail::add_blocking(oc, info, r.command, r.err, false, detail::original_prompt(info, opts, j));
      continue;
    }
    if (r.exit_code != 0) {
      if (j.is_object()) detail::read_json_output(oc, info, r, j, opts);  // Claude Code applies it, and reports the exit
      const std::string err = detail::trimmed(r.err);
      const std::string msg = "[" + r.command + "]: Failed with non-blocking status code " + std::to_string(r.exit_code) +
                              (err.empty() ? std::string() : ": " + err);
      if (fails_on_any_error) detail::add_blocking(oc, info, r.command, msg, true);
      else detail::add_non_blocking(oc, info, opts, detail::hook_label(oc) + " hook error: " + msg);
      continue;
    }
    if (out.empty()) continue;
    if (j.is_object()) {
      detail::read_json_output(oc, info, r, j, opts);
      continue;
    }
    if (fails_on_any_error) {  // WorktreeCreate: the path is stdout's last line
      const auto nl = out.find_last_of('\n');
      oc.worktree_path = detail::trimmed(nl == std::string::npos ? out : out.substr(nl + 1));
      continue;
    }
    if (broken) {  // looks like JSON, does not parse: a non-blocking error, the text goes nowhere
      detail::add_non_blocking(oc, info, opts, detail::hook_label(oc) + " hook error: [" + r.command +
                                                   "]: its output starts with '{' and ends with '}' but is not valid JSON");
      continue;
    }
    if (info.blocks == block_kind::display || info.blocks == block_kind::debug_only) {
      oc.debug_log.push_back(out);  // plain stdout of these events: debug log only
      continue;
    }
    (info.stdout_is_context ? oc.context : oc.transcript).push_back(cap_hook_output(out, spill));
  }
  if (fails_on_any_error && !oc.blocked && !runs.empty() && oc.worktree_path.empty()) {
    oc.blocked = true;
    oc.user_messages.push_back(oc.event + " hook error: no hook printed the new worktree's path");
  }
  if (info.blocks == block_kind::tool_call && oc.decision == "deny") oc.updated_input.reset();
  if (info.blocks == block_kind::tool_call && oc.undeferred_decision == "defer") {
    if (oc.decision == "deny") {  // deny > defer
      oc.undeferred_decision.clear();
      oc.undeferred_reason.clear();
    } else {  // defer > ask > allow: what the other hooks said is kept for resolve_defer(false)
      const std::string why = oc.undeferred_reason;
      oc.undeferred_decision = oc.decision;
      oc.undeferred_reason = oc.reason;
      oc.decision = "defer";
      oc.reason = why;
    }
  }
  if (oc.stop && info.blocks == block_kind::stop) oc.blocked = false;  // continue:false wins over block
  oc.runs = std::move(runs);
  return oc;
}

}  // namespace aura::claude_code
