// aura/claude_code/permission_rule.hpp - a hook's "if": a permission rule the tool call must match.
//
// Claude Code 2.1.332 runs a hook that has "if" only on the tool events
// (PreToolUse, PostToolUse, PostToolUseFailure, PermissionRequest,
// PermissionDenied, PreSkillShellCommand) and only when the call matches
// the rule, written as in `permissions.allow`:
//   Bash                 the tool, whatever its input
//   Bash(git *)          Bash commands matching the wildcard ('*' any text;
//                        "git *" also matches "git" alone); "npm:*" is the
//                        older prefix form; a compound command ("cd x && git
//                        push") matches when one of its commands does
//   Edit(src/**)         file tools: Edit(...) covers Edit, Write, MultiEdit and
//                        NotebookEdit, Read(...) covers Read, Grep and Glob;
//                        gitignore-style paths: "//abs", "~/home", "/from the
//                        project root", "rel" or "./rel" from the cwd
//   WebFetch(domain:x.com)  the URL's host (a "*." prefix: any subdomain)
//   mcp__srv / mcp__srv__* / mcp__srv__tool   MCP tools by server or name
//   Agent(Explore)       subagent_type (Task is Agent's older name)
// A rule with a pattern for a tool that has no pattern matching matches
// nothing (Claude Code's judge is the tool's own matcher). On any other
// event a hook with "if" does not run.
#pragma once

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aura::claude_code {

/// Whether Claude Code evaluates "if" on `event` (elsewhere a hook with "if" does not run).
[[nodiscard]] inline bool event_evaluates_if(std::string_view event) noexcept {
  return event == "PreToolUse" || event == "PostToolUse" || event == "PostToolUseFailure" ||
         event == "PermissionRequest" || event == "PermissionDenied" || event == "PreSkillShellCommand";
}

namespace detail {

/// '*' matches any run of characters (glob_star: also across '/').
[[nodiscard]] inline bool wildcard(std::string_view pat, std::string_view s, bool cross_slash = true) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, back = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      back = i;
    } else if (p < pat.size() && (pat[p] == s[i] || pat[p] == '?')) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos && (cross_slash || s[back] != '/')) {
      p = star + 1;
      i = ++back;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

inline std::string_view trim_ws(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

/// The simple commands of a command line, split at &&, ||, ;, | and line
/// breaks outside quotes, each without leading VAR=value assignments.
[[nodiscard]] inline std::vector<std::string> simple_commands(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  auto flush = [&] {
    std::string_view c = trim_ws(cur);
    while (true) {  // drop leading NAME=value words
      const auto sp = c.find(' ');
      const auto eq = c.find('=');
      if (eq == std::string_view::npos || eq == 0 || (sp != std::string_view::npos && eq > sp)) break;
      bool name = true;
      for (std::size_t k = 0; k < eq; ++k) name = name && (c[k] == '_' || std::isalnum(static_cast<unsigned char>(c[k])));
      if (!name || sp == std::string_view::npos) break;
      c = trim_ws(c.substr(sp + 1));
    }
    if (!c.empty()) out.emplace_back(c);
    cur.clear();
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quote) {
      if (ch == quote) quote = 0;
      cur += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      cur += ch;
    } else if (ch == ';' || ch == '\n' || ch == '|' || (ch == '&' && i + 1 < line.size() && line[i + 1] == '&')) {
      if ((ch == '|' || ch == '&') && i + 1 < line.size() && line[i + 1] == ch) ++i;
      flush();
    } else {
      cur += ch;
    }
  }
  flush();
  return out;
}

/// One Bash rule pattern against one simple command.
[[nodiscard]] inline bool bash_pattern_matches(std::string_view pat, std::string_view cmd) {
  if (pat.size() >= 2 && pat.substr(pat.size() - 2) == ":*") {  // the older prefix form
    const auto prefix = pat.substr(0, pat.size() - 2);
    return cmd == prefix || (cmd.size() > prefix.size() && cmd.substr(0, prefix.size()) == prefix && cmd[prefix.size()] == ' ');
  }
  if (wildcard(pat, cmd)) return true;
  // "git *" also matches "git" alone (the space before '*' is a word boundary).
  return pat.size() >= 2 && pat.substr(pat.size() - 2) == " *" && cmd == pat.substr(0, pat.size() - 2);
}

[[nodiscard]] inline std::vector<std::string> path_segments(const std::string& p) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : p) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

/// Segment-wise glob: "**" any number of segments, '*' within one.
[[nodiscard]] inline bool segments_match(const std::vector<std::string>& pat, std::size_t p,
                                         const std::vector<std::string>& path, std::size_t i) {
  if (p == pat.size()) return i == path.size();
  if (pat[p] == "**") {
    for (std::size_t k = i; k <= path.size(); ++k) {
      if (segments_match(pat, p + 1, path, k)) return true;
    }
    return false;
  }
  return i < path.size() && wildcard(pat[p], path[i], false) && segments_match(pat, p + 1, path, i + 1);
}

/// A gitignore-style path rule against an absolute file path.
[[nodiscard]] inline bool path_pattern_matches(std::string pat, const std::string& file, const std::string& cwd,
                                               const std::string& project_root) {
  if (pat.rfind("//", 0) == 0) {
    pat = pat.substr(1);
  } else if (pat.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    pat = std::string(home ? home : "") + pat.substr(1);
  } else if (pat.rfind("/", 0) == 0) {
    pat = project_root + pat;
  } else {
    if (pat.rfind("./", 0) == 0) pat = pat.substr(2);
    // A relative pattern without '/' matches at any depth below the cwd, as in .gitignore.
    pat = cwd + (pat.find('/') == std::string::npos ? "/**/" : "/") + pat;
  }
  auto segs = path_segments(pat);
  if (!pat.empty() && pat.back() == '/') segs.emplace_back("**");  // "dir/": everything below dir
  return segments_match(segs, 0, path_segments(file), 0);
}

[[nodiscard]] inline std::string str_field(const nlohmann::json& o, const char* k) {
  if (!o.is_object()) return {};
  auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace detail

/// True when the permission rule `rule` matches the call of `tool_name`
/// with `tool_input` (paths resolved from `cwd` and `project_root`).
[[nodiscard]] inline bool permission_rule_matches(std::string_view rule, const std::string& tool_name,
                                                  const nlohmann::json& tool_input, const std::string& cwd,
                                                  const std::string& project_root) {
  rule = detail::trim_ws(rule);
  std::string name(rule), content;
  bool has_content = false;
  if (const auto open = rule.find('('); open != std::string_view::npos && rule.back() == ')') {
    name = std::string(detail::trim_ws(rule.substr(0, open)));
    content = std::string(rule.substr(open + 1, rule.size() - open - 2));
    has_content = true;
  }
  if (has_content && (content.empty() || content == "*")) has_content = false;  // Bash() / Bash(*): the whole tool
  if (name.rfind("mcp__", 0) == 0) {  // by server (mcp__srv, mcp__srv__*) or by name
    if (name == tool_name) return true;
    std::string server = name;
    if (server.size() > 3 && server.compare(server.size() - 3, 3, "__*") == 0) server.resize(server.size() - 3);
    return server.find("__", 5) == std::string::npos && tool_name.rfind(server + "__", 0) == 0;
  }
  auto one_of = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) {
      if (tool_name == n) return true;
    }
    return false;
  };
  const bool edit_family = name == "Edit" && one_of({"Edit", "Write", "MultiEdit", "NotebookEdit"});
  const bool read_family = name == "Read" && one_of({"Read", "Grep", "Glob"});
  const bool agent_alias = (name == "Agent" || name == "Task") && one_of({"Agent", "Task"});
  if (name != tool_name && !(has_content && (edit_family || read_family)) && !agent_alias) return false;
  if (!has_content) return true;
  if (tool_name == "Bash" || tool_name == "PowerShell") {
    const std::string cmd = detail::str_field(tool_input, "command");
    if (detail::bash_pattern_matches(content, detail::trim_ws(cmd))) return true;
    for (const auto& c : detail::simple_commands(cmd)) {
      if (detail::bash_pattern_matches(content, c)) return true;
    }
    return false;
  }
  if (edit_family || read_family || name == tool_name) {
    std::string file;
    for (const char* k : {"file_path", "notebook_path", "path"}) {
      if (file.empty()) file = detail::str_field(tool_input, k);
    }
    if (!file.empty() && (edit_family || read_family || one_of({"Edit", "Write", "MultiEdit", "NotebookEdit", "Read", "Grep", "Glob"}))) {
      std::filesystem::path fp(file);
      if (fp.is_relative()) fp = std::filesystem::path(cwd) / fp;
      return detail::path_pattern_matches(content, fp.lexically_normal().string(), cwd, project_root);
    }
  }
  if (tool_name == "WebFetch" && content.rfind("domain:", 0) == 0) {
    std::string url = detail::str_field(tool_input, "url");
    const auto scheme = url.find("://");
    std::string host = scheme == std::string::npos ? url : url.substr(scheme + 3);
    host = host.substr(0, host.find_first_of("/:?#"));
    const std::string want = content.substr(7);
    if (want.rfind("*.", 0) == 0) return host.size() > want.size() - 1 && host.compare(host.size() - (want.size() - 1), want.size() - 1, want.substr(1)) == 0;
    return host == want;
  }
  if (agent_alias) return detail::str_field(tool_input, "subagent_type") == content;
  return false;  // this tool has no pattern matching: a rule with a pattern matches nothing
}

}  // namespace aura::claude_code
