// aura/claude_code/matcher.hpp - Claude Code's hook matcher semantics.
//
// A settings entry {"matcher": "...", "hooks": [...]} applies to an event
// when its matcher matches the event's match field (the tool name for tool
// events, `source` for SessionStart...). Claude Code's rules: an absent,
// empty or "*" matcher matches everything; a matcher made only of letters,
// digits, '_', '-', spaces, ',' and '|' is an exact name or a list of exact
// names separated by '|' or ',' (blanks around each ignored); anything else
// is an ECMAScript regular expression searched in the value (so "mcp__.*"
// and "^Notebook" behave as in Claude Code); a regular expression that does
// not compile matches nothing. FileChanged and StopFailure keep the narrower
// exact set (letters, digits, '_' and '|' only: a '-', space or ',' makes
// the matcher a regular expression). Events without a match field
// (UserPromptSubmit, Stop, TeammateIdle, TaskCreated, TaskCompleted,
// PostToolBatch, WorktreeCreate, WorktreeRemove, CwdChanged, MessageDisplay)
// ignore the matcher. FileChanged's matcher names files: it is tested as
// literal names against the file name of `file_path` (".envrc|.env").
// PreModelSwitch and PostModelSwitch match the canonical name of `to_model`
// (canonical_model_name). A tool Claude Code renamed answers to its old
// names too (a "Task" matcher selects the Agent tool).
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <utility>

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
  if (hook_event == "DirectoryAdded") return "source";
  if (hook_event == "PreModelSwitch" || hook_event == "PostModelSwitch") return "to_model";  // its canonical name
  return {};
}

namespace detail {
[[nodiscard]] inline bool is_plain_name_list(std::string_view m, bool narrow) noexcept {
  for (char c : m) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '|';
    if (!narrow) ok = ok || c == '-' || c == ' ' || c == ',';
    if (!ok) return false;
  }
  return true;
}
/// Tools Claude Code renamed, old name first ("Task" is now "Agent"):
/// matchers written with the old names still select the tool (2.1.332's
/// alias table, read from its bundle).
inline constexpr std::pair<std::string_view, std::string_view> renamed_tools[] = {
    {"Task", "Agent"},
    {"KillShell", "TaskStop"},
    {"KillBash", "TaskStop"},
    {"ListPeers", "ListAgents"},
    {"Brief", "SendUserMessage"},
    {"ListMcpResources", "ListMcpResourcesTool"},
    {"ReadMcpResource", "ReadMcpResourceTool"},
    {"ReadMcpResourceDir", "ReadMcpResourceDirTool"},
    {"ProposeGoal", "SetGoal"}};
[[nodiscard]] inline std::string_view current_tool_name(std::string_view name) noexcept {
  for (const auto& [old_name, now] : renamed_tools) {
    if (name == old_name) return now;
  }
  return name;
}
[[nodiscard]] inline std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace detail

/// True when `matcher` (Claude Code syntax) selects `value`. `narrow`: the
/// exact-name set of FileChanged and StopFailure (no '-', space or ',').
[[nodiscard]] inline bool matcher_matches(std::string_view matcher, std::string_view value, bool narrow = false) {
  if (matcher.empty() || matcher == "*") return true;
  if (detail::is_plain_name_list(matcher, narrow)) {
    const char* separators = narrow ? "|" : "|,";
    while (true) {
      const auto sep = matcher.find_first_of(separators);
      const std::string_view name = detail::trim_blanks(matcher.substr(0, sep));
      if (name == value || detail::current_tool_name(name) == value) return true;
      if (sep == std::string_view::npos) return false;
      matcher.remove_prefix(sep + 1);
    }
  }
  try {
    const std::regex re(std::string(matcher), std::regex::ECMAScript);
    if (std::regex_search(value.begin(), value.end(), re)) return true;
    for (const auto& [old_name, now] : detail::renamed_tools) {  // a renamed tool answers to its old names too
      if (now == value && std::regex_search(old_name.begin(), old_name.end(), re)) return true;
    }
    return false;
  } catch (const std::regex_error&) {
    return false;  // Claude Code: an invalid pattern matches nothing
  }
}

/// The canonical name of a model id, what PreModelSwitch / PostModelSwitch
/// matchers are compared with: the id without a "[1m]" suffix, a date
/// ("-20251101", "@20250514"), a Bedrock prefix ("us.anthropic.") or version
/// ("-v1:0"). "" when it is not a Claude model id aura can name (an alias
/// such as "opus", a gateway's own id): Claude Code then runs every hook of
/// the event whatever its matcher, and so does aura. Claude Code resolves
/// aliases with its own model table; aura has none (the host may put the
/// canonical id in `to_model`).
[[nodiscard]] inline std::string canonical_model_name(std::string_view id) {
  std::string s(detail::trim_blanks(id));
  if (s.size() >= 4 && s.compare(s.size() - 4, 4, "[1m]") == 0) s.resize(s.size() - 4);
  if (auto a = s.find("anthropic."); a != std::string::npos) s.erase(0, a + 10);  // Bedrock: [region.]anthropic.<id>
  if (auto v = s.rfind("-v"); v != std::string::npos && s.find(':', v) != std::string::npos) s.resize(v);  // -v1:0
  if (auto at = s.find('@'); at != std::string::npos) s.resize(at);                                          // Vertex: <id>@<date>
  auto all_digits = [](std::string_view t) {
    for (char c : t) {
      if (c < '0' || c > '9') return false;
    }
    return !t.empty();
  };
  if (auto d = s.rfind('-'); d != std::string::npos && s.size() - d - 1 == 8 && all_digits(std::string_view(s).substr(d + 1))) {
    s.resize(d);  // a dated id: claude-opus-4-5-20251101
  }
  if (s.rfind("claude-", 0) != 0) return {};
  return s;
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
