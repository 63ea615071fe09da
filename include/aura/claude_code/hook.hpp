// aura/claude_code/hook.hpp - a profile's hooks on an aura chain or bus.
//
// make_hook(profile, event) is one json_hook that runs every Claude Code hook
// of `event` for an aura catalog event's data (input_from_aura) and answers
// with what Claude Code would do:
//   deny (PreToolUse / PermissionRequest deny, a blocked prompt, a Stop or
//   SubagentStop / TeammateIdle block: the agent goes on; a TaskCreated /
//   TaskCompleted / ConfigChange / Elicitation / WorktreeCreate refused)
//                                              -> deny, the text as reason
//   ask                                        -> the host's ask callback; none: deny (non-interactive)
//   defer (PreToolUse)                         -> the host's defer callback: true (honoured, as in -p
//                                                 with one tool call) or none: deny, "defer" in the
//                                                 effects; false: the other hooks' decision
//   updatedInput                               -> mutate: JSON Patch replacing the tool's arguments
//   otherwise                                  -> allow
// and effects: "inject_message" for the model's texts (PostToolUse / Stop
// feedback as role "user", additionalContext as role "system"), "notice"
// for what only the user sees (systemMessage, non-blocking errors), "stop"
// for `continue: false`, "end_turn" for a prompt hook's ok:false that ends
// the turn, "claude_env" for the variables SessionStart (Setup, CwdChanged,
// FileChanged) hooks exported, "claude_code_output" for an event's own
// outputs (retry, worktree_path, watch_paths, action, content, defer,
// updated_tool_output, display_content, session_title,
// initial_user_message, reload_skills, terminal_sequences,
// classifier_context).
// attach(bus, profile) adds one such hook per aura event the profile has hooks for.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/claude_code/dispatch.hpp"
#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/profile.hpp"
#include "aura/core/bus.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// The host's answer to an "ask": true runs the tool.
using ask_handler = std::function<bool(const envelope<dynamic_event>&, const std::string& reason)>;

/// The host's answer to a PreToolUse "defer": true pauses the call for later
/// (Claude Code does so only in -p mode with one tool call in the turn).
using defer_handler = std::function<bool(const envelope<dynamic_event>&, const std::string& reason)>;

/// The effects an outcome gives the host (see the table at the top).
[[nodiscard]] inline nlohmann::json effects_of(const outcome& oc) {
  nlohmann::json fx = nlohmann::json::object();
  nlohmann::json msgs = nlohmann::json::array();
  for (const auto& t : oc.feedback) {
    msgs.push_back({{"role", "user"}, {"content", t}, {"source", "claude_code"}, {"hook_event_name", oc.event}});
  }
  for (const auto& t : oc.context) {
    msgs.push_back({{"role", "system"}, {"content", t}, {"source", "claude_code"}, {"hook_event_name", oc.event}});
  }
  if (!msgs.empty()) fx["inject_message"] = std::move(msgs);
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& t : oc.user_messages) notes.push_back({{"message", t}, {"source", "claude_code"}});
  if (!notes.empty()) fx["notice"] = std::move(notes);
  if (oc.stop) fx["stop"] = {{"reason", oc.stop_reason.empty() ? std::string("stopped by a Claude Code hook") : oc.stop_reason}};
  if (oc.end_turn) fx["end_turn"] = {{"reason", oc.user_messages.empty() ? std::string("a Claude Code prompt hook ended the turn") : oc.user_messages.back()}};
  if (!oc.env.empty()) fx["claude_env"] = oc.env;
  nlohmann::json out = nlohmann::json::object();  // the event's own outputs
  if (oc.retry) out["retry"] = true;
  if (!oc.worktree_path.empty()) out["worktree_path"] = oc.worktree_path;
  if (!oc.watch_paths.empty()) out["watch_paths"] = oc.watch_paths;
  if (!oc.action.empty()) out["action"] = oc.action;
  if (oc.action_content) out["content"] = *oc.action_content;
  if (oc.decision == "defer") out["defer"] = {{"reason", oc.reason}};
  if (oc.updated_tool_output) out["updated_tool_output"] = *oc.updated_tool_output;
  if (oc.updated_mcp_output) out["updated_mcp_tool_output"] = *oc.updated_mcp_output;
  if (oc.display_content) out["display_content"] = *oc.display_content;
  if (!oc.session_title.empty()) out["session_title"] = oc.session_title;
  if (!oc.initial_user_message.empty()) out["initial_user_message"] = oc.initial_user_message;
  if (oc.reload_skills) out["reload_skills"] = true;
  if (!oc.terminal_sequences.empty()) out["terminal_sequences"] = oc.terminal_sequences;
  if (!oc.classifier_context.empty()) out["classifier_context"] = oc.classifier_context;  // for the host's auto mode classifier
  if (!out.empty()) fx["claude_code_output"] = std::move(out);
  return fx;
}

/// The member of aura event data holding the tool's arguments.
[[nodiscard]] inline std::string arguments_member(const nlohmann::json& data) {
  if (data.is_object()) {
    for (const char* k : {"tool_input", "arguments", "input", "args"}) {
      if (data.contains(k)) return k;
    }
  }
  return "tool_input";
}

/// The aura decision for an outcome (see the table at the top).
[[nodiscard]] inline decision<dynamic_event> decision_of(outcome oc, const envelope<dynamic_event>& ev, const ask_handler& ask,
                                                       const defer_handler& defer = {}) {
  if (oc.decision == "defer") oc.resolve_defer(!defer || defer(ev, oc.reason));
  if (oc.decision == "ask") {
    if (ask) oc.resolve_ask(ask(ev, oc.reason));
    else {
      oc.resolve_ask(false);
      oc.reason += " (no one to ask: the tool does not run, as in non-interactive Claude Code)";
    }
  }
  nlohmann::json fx = effects_of(oc);
  auto with_fx = [&](decision<dynamic_event> d) {
    if (!fx.empty()) d.set_effects(fx);
    return d;
  };
  const event_info* info = find_event(oc.event);
  // PostToolUse's "block" is feedback on a tool that ran; every other blocked event is refused.
  const bool refused = info && oc.blocked && info->blocks != block_kind::feedback;
  if (oc.decision == "deny" || oc.decision == "defer" || refused) {
    std::string reason = oc.decision == "defer" ? "deferred by a Claude Code hook (PreToolUse \"defer\"): the call waits for the host" +
                                                      (oc.reason.empty() ? std::string() : ": " + oc.reason)
                                                : oc.reason;
    if (reason.empty() && !oc.feedback.empty()) reason = oc.feedback.front();
    if (reason.empty() && !oc.user_messages.empty()) reason = oc.user_messages.front();
    if (reason.empty()) reason = "blocked by a Claude Code hook";
    return with_fx(decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge));
  }
  if (oc.updated_input) {
    nlohmann::json patch = nlohmann::json::array(
        {{{"op", "add"}, {"path", "/" + arguments_member(ev.data)}, {"value", *oc.updated_input}}});
    return with_fx(decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch), patch_format::json_patch));
  }
  return with_fx(decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge));
}

/// One json_hook running `event`'s Claude Code hooks (Claude Code's event name).
[[nodiscard]] inline result<json_hook> make_hook(std::shared_ptr<const profile> p, const std::string& event,
                                                 ask_handler ask = {}, defer_handler defer = {}) {
  if (!p) return fail(errc::invalid_argument, "make_hook needs a profile");
  const event_info* info = find_event(event);
  if (!info) return fail(errc::not_found, "unknown Claude Code hook event \"" + event + "\" (events: " + event_names() + ")");
  return json_hook([p = std::move(p), info, ask = std::move(ask), defer = std::move(defer)](
                       const envelope<dynamic_event>& ev, context&) -> result<decision<dynamic_event>> {
    nlohmann::json input = input_from_aura(*info, ev.data);
    if (!ev.session.empty()) input["session_id"] = ev.session;
    auto oc = run_event(*p, std::string(info->name), std::move(input));
    if (!oc) return fail(std::move(oc.error()));
    return decision_of(std::move(*oc), ev, ask, defer);
  });
}

/// Adds one hook named "claude_code" per aura event the profile has hooks
/// for (tool.before_execution, chat.before, ...), or its skills and subagents
/// have hooks for (enter_skill on the shared profile turns those on). The hooks share the
/// profile; the host may call set_cwd on it between dispatches, not during one.
inline result<void> attach(bus& b, std::shared_ptr<const profile> p, ask_handler ask = {}, defer_handler defer = {}) {
  if (!p) return fail(errc::invalid_argument, "attach needs a profile");
  // The events of skill and subagent hooks too: they may be entered later.
  std::set<std::string> events;
  for (const auto& [event, groups] : p->hooks().events) {
    if (!groups.empty()) events.insert(event);
  }
  for (const auto& c : p->components()) {
    for (const auto& [event, groups] : c.hooks.events) {
      if (!groups.empty()) events.insert(event);
    }
  }
  for (const auto& event : events) {
    const event_info* info = find_event(event);
    auto h = make_hook(p, event, ask, defer);
    if (!h) return fail(std::move(h.error()));
    hook_options o("claude_code");
    o.plugin = "claude_code";
    if (auto r = b.on(std::string(info->aura_event), o, std::move(*h)); !r) return r;
  }
  return {};
}

}  // namespace aura::claude_code
