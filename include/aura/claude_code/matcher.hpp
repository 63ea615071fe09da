// aura/claude_code/matcher.hpp - Claude Code's hook matcher semantics.
//
// A settings entry {"matcher": "...", "hooks": [...]} applies to an event
// when its matcher matches the event's match field (the tool name for tool
// events, `source` for SessionStart...). Claude Code's rules: an absent,
// empty or "*" matcher matches everything; a matcher made only of letters,
// digits, '_' and '|' is an exact name or a '|'-separated list of exact
// names; anything else is an ECMAScript regular expression searched in the
// value (so "mcp__.*" and "Notebook" both behave as in Claude Code); a
// regular expression that does not compile matches nothing. Events without a
// match field (UserPromptSubmit, Stop, TeammateIdle, TaskCreated,
// TaskCompleted, PostToolBatch, WorktreeCreate, WorktreeRemove, CwdChanged)
// ignore the matcher. FileChanged's matcher names files: it is tested
// as literal names against the file name of `file_path` (".envrc|.env").
#pragma once

#include <regex>
#include <string>
#include <string_view>

namespace aura::claude_code {

/// The input field an event's matcher is tested against; empty: the event
/// has no matcher (every entry applies).
[[nodiscard]] inline std::string_view matcher_field(std::string_view hook_event) noexcept {
  if (hook_event == "PreToolUse" || hook_event == "PostToolUse" || hook_event == "PostToolUseFailure" ||
      hook_event == "PermissionRequest" || hook_event == "PermissionDenied") {
    return "tool_name";
  }
  if (hook_event == "Notification") return "notification_type";
  if (hook_event == "PreCompact" || hook_event == "PostCompact" || hook_event == "Setup") return "trigger";
  if (hook_event == "SessionStart" || hook_event == "ConfigChange") return "source";
  if (hook_event == "SessionEnd") return "reason";
  if (hook_event == "SubagentStart" || hook_event == "SubagentStop") return "agent_type";
  if (hook_event == "StopFailure") return "error";
  if (hook_event == "InstructionsLoaded") return "load_reason";
  if (hook_event == "Elicitation" || hook_event == "ElicitationResult") return "mcp_server_name";
  if (hook_event == "UserPromptExpansion") return "command_name";
  if (hook_event == "FileChanged") return "file_path";  // its file name (the last path component) is matched
  return {};
}

namespace detail {
[[nodiscard]] inline bool is_plain_name_list(std::string_view m) noexcept {
  for (char c : m) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '|';
    if (!ok) return false;
  }
  return true;
}
[[nodiscard]] inline std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace detail

/// True when `matcher` (Claude Code syntax) selects `value`.
[[nodiscard]] inline bool matcher_matches(std::string_view matcher, std::string_view value) {
  if (matcher.empty() || matcher == "*") return true;
  if (detail::is_plain_name_list(matcher)) {
    while (true) {
      const auto bar = matcher.find('|');
      if (detail::trim_blanks(matcher.substr(0, bar)) == value) return true;
      if (bar == std::string_view::npos) return false;
      matcher.remove_prefix(bar + 1);
    }
  }
  try {
    const std::regex re(std::string(matcher), std::regex::ECMAScript);
    return std::regex_search(value.begin(), value.end(), re);
  } catch (const std::regex_error&) {
    return false;  // Claude Code: an invalid pattern matches nothing
  }
}

/// FileChanged's matcher: a '|'-separated list of literal file names
/// (".envrc|.env"), compared with the changed file's name; empty or "*": any.
[[nodiscard]] inline bool file_matcher_matches(std::string_view matcher, std::string_view file_name) {
  if (matcher.empty() || matcher == "*") return true;
  while (true) {
    const auto bar = matcher.find('|');
    if (detail::trim_blanks(matcher.substr(0, bar)) == file_name) return true;
    if (bar == std::string_view::npos) return false;
    matcher.remove_prefix(bar + 1);
  }
}

}  // namespace aura::claude_code
