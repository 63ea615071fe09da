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
//   SessionStart        source (startup | resume | clear | compact), model
//   SessionEnd          reason (clear | logout | prompt_input_exit | other ...)
// For Bash, tool_response is an object {stdout, stderr, interrupted, isImage, noOutputExpected}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"

namespace aura::claude_code {

/// Adds the common fields `input` lacks (and sets hook_event_name).
inline void complete_input(nlohmann::json& input, const std::string& event, const std::string& session_id,
                           const std::string& transcript_path, const std::string& cwd, const std::string& permission_mode) {
  if (!input.is_object()) input = nlohmann::json::object();
  input["hook_event_name"] = event;
  input.emplace("session_id", session_id);
  input.emplace("transcript_path", transcript_path);
  input.emplace("cwd", cwd);
  if (event != "SessionStart" && event != "SessionEnd") input.emplace("permission_mode", permission_mode);
  if (event == "PreToolUse" || event == "PostToolUse" || event == "PermissionRequest" || event == "PostToolUseFailure") {
    input.emplace("tool_input", nlohmann::json::object());
  }
  if (event == "Stop" || event == "SubagentStop") {
    input.emplace("stop_hook_active", false);
    input.emplace("last_assistant_message", "");
  }
  if (event == "SessionStart") input.emplace("source", "startup");
  if (event == "SessionEnd") input.emplace("reason", "other");
  if (event == "PreCompact") {
    input.emplace("trigger", "manual");
    input.emplace("custom_instructions", "");
  }
  if (event == "UserPromptSubmit") input.emplace("prompt", "");
  if (event == "PostToolUseFailure") input.emplace("is_interrupt", false);
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
