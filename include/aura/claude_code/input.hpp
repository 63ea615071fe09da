// aura/claude_code/input.hpp - the hook input Claude Code sends, per event.
//
// Every input carries session_id, transcript_path, cwd (the session's
// current directory) and hook_event_name, and all but SessionStart and
// SessionEnd permission_mode (as Claude Code 2.1.332 sends them); then per event:
//   PreToolUse          tool_name, tool_input, tool_use_id
//   PermissionRequest   tool_name, tool_input, permission_suggestions
//   PostToolUse         tool_name, tool_input, tool_response, tool_use_id, duration_ms
//   PostToolUseFailure  tool_name, tool_input, tool_use_id, error, is_interrupt
//   Notification        message, notification_type, title
//   UserPromptSubmit    prompt, prompt_id
//   Stop / SubagentStop stop_hook_active, last_assistant_message ("" when the host gives none)
//                       (+ agent_id, agent_type, agent_transcript_path)
//   SubagentStart       agent_id, agent_type
//   PreCompact          trigger (manual | auto), custom_instructions
//   SessionStart        source (startup | resume | clear | compact), model; on resume also
//                       seconds_since_last_response, context_tokens, prompt_cache_likely_expired,
//                       estimated_cache_write_usd (Claude Code 2.1.332, measured with --resume)
//   SessionEnd          reason (clear | logout | prompt_input_exit | other ...)
//   Setup               trigger (init | maintenance)
//   PostCompact         trigger, compact_summary
//   PermissionDenied    tool_name, tool_input, tool_use_id, reason
//   PostToolBatch       tool_calls (each: tool_name, tool_input, tool_use_id, tool_response)
//   StopFailure         error (rate_limit | server_error | ... | unknown), error_details, last_assistant_message
//   UserPromptExpansion expansion_type, command_name, command_args, command_source, prompt
//   TeammateIdle        teammate_name, team_name
//   TaskCreated / TaskCompleted  task_id, task_subject (+ task_description, teammate_name, team_name)
//   Elicitation         mcp_server_name, message, mode (+ url, elicitation_id, requested_schema)
//   ElicitationResult   mcp_server_name, action (accept | decline | cancel), mode (+ content, elicitation_id)
//   ConfigChange        source (user_settings | project_settings | local_settings | policy_settings | skills), file_path
//   WorktreeCreate      name;  WorktreeRemove  worktree_path
//   InstructionsLoaded  file_path, memory_type, load_reason (+ globs, trigger_file_path, parent_file_path)
//   CwdChanged          old_cwd, new_cwd;  FileChanged  file_path, event (change | add | unlink)
//   DirectoryAdded      directory, source (slash_command | register_repo_root)
//   MessageDisplay      turn_id, message_id, index, final, delta (non-interactive: one call, index 0,
//                       final true, delta the whole message)
//   PreModelSwitch / PostModelSwitch  from_model, to_model, requested_model (null: the default model),
//                       source (command | picker | sdk; PostModelSwitch also auto | resume), context_tokens,
//                       prompt_cache_warm, cache_ttl (5m | 1h), estimated_cache_write_usd, pricing
//                       (configured | catalog | default)
// The four events the reference added last (DirectoryAdded, MessageDisplay,
// PreModelSwitch, PostModelSwitch) get no permission_mode: their input
// examples in the reference have none.
// For Bash, tool_response is an object {stdout, stderr, interrupted, isImage, noOutputExpected}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"

namespace aura::claude_code {

namespace detail {
/// The event's own fields with the value Claude Code sends when nothing
/// more is known (an enum's usual value, an empty string or list); the
/// host's input overrides each.
inline nlohmann::json event_defaults(const std::string& event, const std::string& cwd) {
  using nlohmann::json;
  if (event == "PreToolUse" || event == "PermissionRequest") return {{"tool_input", json::object()}};
  if (event == "PostToolUse") return {{"tool_input", json::object()}};
  if (event == "PostToolUseFailure") return {{"tool_input", json::object()}, {"is_interrupt", false}};
  if (event == "PermissionDenied") return {{"tool_input", json::object()}, {"reason", ""}};
  if (event == "PostToolBatch") return {{"tool_calls", json::array()}};
  if (event == "Stop" || event == "SubagentStop") return {{"stop_hook_active", false}, {"last_assistant_message", ""}};
  if (event == "StopFailure") return {{"error", "unknown"}, {"last_assistant_message", ""}};
  if (event == "SessionStart") return {{"source", "startup"}};
  if (event == "SessionEnd") return {{"reason", "other"}};
  if (event == "Setup") return {{"trigger", "init"}};
  if (event == "PreCompact") return {{"trigger", "manual"}, {"custom_instructions", ""}};
  if (event == "PostCompact") return {{"trigger", "manual"}, {"compact_summary", ""}};
  if (event == "UserPromptSubmit") return {{"prompt", ""}};
  if (event == "UserPromptExpansion") {
    return {{"expansion_type", "slash_command"}, {"command_name", ""}, {"command_args", ""}, {"command_source", "builtin"}, {"prompt", ""}};
  }
  if (event == "TeammateIdle") return {{"teammate_name", ""}, {"team_name", ""}};
  if (event == "TaskCreated" || event == "TaskCompleted") return {{"task_id", ""}, {"task_subject", ""}};
  if (event == "Elicitation") return {{"mcp_server_name", ""}, {"message", ""}, {"mode", "form"}};
  if (event == "ElicitationResult") return {{"mcp_server_name", ""}, {"action", "accept"}, {"mode", "form"}};
  if (event == "ConfigChange") return {{"source", "project_settings"}, {"file_path", ""}};
  if (event == "WorktreeCreate") return {{"name", ""}};
  if (event == "WorktreeRemove") return {{"worktree_path", ""}};
  if (event == "InstructionsLoaded") return {{"file_path", ""}, {"memory_type", "Project"}, {"load_reason", "session_start"}};
  if (event == "CwdChanged") return {{"old_cwd", cwd}, {"new_cwd", cwd}};
  if (event == "FileChanged") return {{"file_path", ""}, {"event", "change"}};
  if (event == "DirectoryAdded") return {{"directory", ""}, {"source", "slash_command"}};
  if (event == "MessageDisplay") {
    return {{"turn_id", ""}, {"message_id", ""}, {"index", 0}, {"final", true}, {"delta", ""}};
  }
  if (event == "PreModelSwitch" || event == "PostModelSwitch") {
    return {{"from_model", ""},       {"to_model", ""},           {"requested_model", nullptr},
            {"source", "command"},    {"context_tokens", 0},      {"prompt_cache_warm", false},
            {"cache_ttl", "5m"},      {"estimated_cache_write_usd", 0.0}, {"pricing", "catalog"}};
  }
  return json::object();
}
}  // namespace detail

/// Whether Claude Code's input for `event` carries permission_mode.
[[nodiscard]] inline bool sends_permission_mode(const std::string& event) {
  for (const char* e : {"SessionStart", "SessionEnd", "DirectoryAdded", "MessageDisplay", "PreModelSwitch", "PostModelSwitch"}) {
    if (event == e) return false;
  }
  return true;
}

/// Adds the common fields `input` lacks (and sets hook_event_name), and the
/// event's own fields it lacks with their usual values (detail::event_defaults).
inline void complete_input(nlohmann::json& input, const std::string& event, const std::string& session_id,
                           const std::string& transcript_path, const std::string& cwd, const std::string& permission_mode) {
  if (!input.is_object()) input = nlohmann::json::object();
  input["hook_event_name"] = event;
  input.emplace("session_id", session_id);
  input.emplace("transcript_path", transcript_path);
  input.emplace("cwd", cwd);
  if (sends_permission_mode(event)) input.emplace("permission_mode", permission_mode);
  const nlohmann::json defaults = detail::event_defaults(event, cwd);
  for (auto it = defaults.begin(); it != defaults.end(); ++it) input.emplace(it.key(), *it);
  // A resumed session's cost fields: a script reads them without a fallback,
  // so they are there even when the host knows nothing (nothing spent, the
  // cache not known to be cold).
  if (event == "SessionStart" && input.value("source", nlohmann::json()) == "resume") {
    input.emplace("seconds_since_last_response", 0);
    input.emplace("context_tokens", 0);
    input.emplace("prompt_cache_likely_expired", false);
    input.emplace("estimated_cache_write_usd", 0.0);
  }
}

/// The tool_response Claude Code sends for a tool's result: Bash's is an
/// object; a string result of another tool stays a string.
[[nodiscard]] inline nlohmann::json tool_response_for(const std::string& tool_name, const nlohmann::json& result) {
  if (tool_name != "Bash" || result.is_object()) return result;
  return {{"stdout", result.is_string() ? result.get<std::string>() : result.dump()},
          {"stderr", ""},
          {"interrupted", false},
          {"isImage", false},
          {"noOutputExpected", false}};
}

/// Claude Code's input for an aura catalog event's data (tool.before_execution
/// {tool_name|tool, tool_input|arguments, tool_call_id}, tool.after_execution
/// {..., result|output}, chat.before {prompt|message}, ...). Members the
/// event does not map are passed through.
[[nodiscard]] inline nlohmann::json input_from_aura(const event_info& info, const nlohmann::json& data) {
  nlohmann::json in = nlohmann::json::object();
  if (data.is_object()) in = data;
  auto move_first = [&](const char* to, std::initializer_list<const char*> from) {
    if (in.contains(to)) return;
    for (const char* k : from) {
      if (auto it = in.find(k); it != in.end()) {
        nlohmann::json v = *it;
        in.erase(k);
        in[to] = std::move(v);
        return;
      }
    }
  };
  move_first("tool_name", {"tool", "name"});
  move_first("tool_input", {"arguments", "input", "args"});
  move_first("tool_use_id", {"tool_call_id", "call_id"});
  if (info.name == "PostToolUse") {
    move_first("tool_response", {"result", "output", "response"});
    if (auto it = in.find("tool_response"); it != in.end() && in.contains("tool_name") && in["tool_name"].is_string()) {
      *it = tool_response_for(in["tool_name"].get<std::string>(), *it);
    }
  }
  if (info.name == "UserPromptSubmit") {
    move_first("prompt", {"message", "content", "text"});
    if (auto it = in.find("prompt"); it != in.end() && it->is_object()) {
      nlohmann::json text = it->value("content", it->value("text", nlohmann::json("")));
      *it = text;
    }
  }
  if (info.name == "SessionStart") move_first("source", {"reason"});
  return in;
}

}  // namespace aura::claude_code
