// aura/claude_code/frontmatter.hpp - hooks declared in skills and subagents.
//
// A skill (.claude/skills/<name>/SKILL.md, a plugin's skills/<name>/SKILL.md)
// and a subagent (.claude/agents/<name>.md, a plugin's agents/<name>.md) may
// declare "hooks" in their YAML frontmatter (the text between the leading
// `---` lines), in the shape of settings' "hooks". Those hooks are active only
// while the skill or subagent runs (profile::enter_skill / enter_agent); a
// subagent's "Stop" hooks run as SubagentStop, as in Claude Code. Reading YAML
// needs yaml-cpp (aura::yaml); without it a frontmatter that has "hooks" is
// recorded as unreadable and entering it is an errc::unsupported error.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aura/claude_code/plugin.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/yaml.hpp"

namespace aura::claude_code {

enum class component_kind { skill, agent };

/// One skill or subagent that was found, with the hooks of its frontmatter.
struct scoped_component {
  component_kind kind = component_kind::skill;
  std::string name;              ///< frontmatter "name", else the folder (skill) or file stem (agent); plugins: "plugin:name"
  std::filesystem::path file;    ///< SKILL.md or <agent>.md
  scope from = scope::project;
  hook_config hooks;             ///< a subagent's Stop already as SubagentStop
  bool hooks_unreadable = false; ///< its frontmatter has "hooks" but this build reads no YAML
};

namespace detail {

/// The frontmatter of `text` (between a first line `---` and the next `---`
/// line) and the line of the file its first line is; false: none.
[[nodiscard]] inline bool split_frontmatter(const std::string& text, std::string& out, int& first_line) {
  std::size_t pos = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  auto line_at = [&](std::size_t p, std::size_t& next) {
    std::size_t e = text.find('\n', p);
    next = e == std::string::npos ? text.size() : e + 1;
    std::string l = text.substr(p, (e == std::string::npos ? text.size() : e) - p);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    return l;
  };
  std::size_t next = 0;
  if (line_at(pos, next) != "---") return false;
  const std::size_t begin = next;
  for (std::size_t p = begin; p < text.size(); p = next) {
    if (line_at(p, next) == "---") {
      out = text.substr(begin, p - begin);
      first_line = 2;
      return true;
    }
  }
  return false;  // no closing line: Claude Code reads no frontmatter either
}

/// "file:line:column" of `pointer` (or its nearest parent) in a frontmatter
/// that starts at `first_line` of `file`.
[[nodiscard]] inline std::string frontmatter_place(const plugin::yaml_document& doc, const std::filesystem::path& file,
                                                   std::string pointer, int first_line) {
  for (;;) {
    if (auto it = doc.marks.find(pointer); it != doc.marks.end()) {
      return file.string() + ":" + std::to_string(it->second.line + first_line - 1) + ":" + std::to_string(it->second.column);
    }
    if (pointer.empty()) return file.string();
    pointer.erase(pointer.rfind('/'));
  }
}

[[nodiscard]] inline bool has_hooks_key(const std::string& frontmatter) {
  std::istringstream in(frontmatter);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("hooks:", 0) == 0 || l.rfind("\"hooks\":", 0) == 0 || l.rfind("'hooks':", 0) == 0) return true;
  }
  return false;
}

}  // namespace detail

/// Reads one SKILL.md or agent file. `pl` is its plugin (nullptr: none): its
/// hooks get ${CLAUDE_PLUGIN_ROOT} and the plugin's name. Errors name the
/// file, the line and column, and the JSON pointer of the member at fault.
[[nodiscard]] inline result<scoped_component> read_component(const std::filesystem::path& file, component_kind kind,
                                                             scope from, const plugin_info* pl = nullptr) {
  scoped_component c;
  c.kind = kind;
  c.file = file;
  c.from = pl ? scope::plugin : from;
  c.name = kind == component_kind::skill ? file.parent_path().filename().string() : file.stem().string();
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(errc::io_error, file.string() + ": cannot be read", file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string fm;
  int first_line = 0;
  if (detail::split_frontmatter(ss.str(), fm, first_line)) {
    if (!plugin::yaml_supported) {
      c.hooks_unreadable = detail::has_hooks_key(fm);
    } else {
      auto doc = plugin::parse_yaml(fm, file.string());
      if (!doc) {
        error e = std::move(doc.error());
        // parse_yaml counts lines from the frontmatter's first line.
        const std::string prefix = file.string() + ":";
        if (e.where.rfind(prefix, 0) == 0) {
          const std::string rest = e.where.substr(prefix.size());
          const int line = std::atoi(rest.c_str());
          e.where = prefix + std::to_string(line + first_line - 1) + rest.substr(rest.find(':') == std::string::npos ? rest.size() : rest.find(':'));
        }
        e.message = file.string() + ": frontmatter: " + e.message;
        return fail(std::move(e));
      }
      const nlohmann::json& j = doc->json;
      if (!j.is_object()) {
        return fail(errc::validation_failed, file.string() + ": /: the frontmatter must be a mapping, got " + j.type_name(),
                    detail::frontmatter_place(*doc, file, "", first_line) + "#");
      }
      if (auto n = j.find("name"); n != j.end() && n->is_string() && !n->get<std::string>().empty()) c.name = n->get<std::string>();
      if (auto h = j.find("hooks"); h != j.end() && !h->is_null()) {
        auto cfg = read_hooks(*h, file, "/hooks", c.from);
        if (!cfg) {
          error e = std::move(cfg.error());
          const auto hash = e.where.rfind('#');
          const std::string pointer = hash == std::string::npos ? std::string("/hooks") : e.where.substr(hash + 1);
          e.where = detail::frontmatter_place(*doc, file, pointer, first_line) + "#" + pointer;
          return fail(std::move(e));
        }
        c.hooks = std::move(*cfg);
      }
    }
  }
  if (pl) {
    c.name = pl->name + ":" + c.name;  // Claude Code namespaces plugin skills and agents
    for (auto& [ev, groups] : c.hooks.events) {
      for (auto& g : groups) {
        for (auto& hc : g.hooks) {
          hc.plugin = pl->name;
          hc.plugin_root = pl->root;
          hc.command = expand_plugin_root(hc.command, pl->root.string());
        }
      }
    }
  }
  if (kind == component_kind::skill) {  // Claude Code honours "once" in skill frontmatter only
    for (auto& [ev, groups] : c.hooks.events) {
      for (auto& g : groups) {
        for (auto& hc : g.hooks) hc.in_skill = true;
      }
    }
  }
  if (kind == component_kind::agent) {  // a subagent's Stop is its SubagentStop
    if (auto it = c.hooks.events.find("Stop"); it != c.hooks.events.end()) {
      auto groups = std::move(it->second);
      c.hooks.events.erase(it);
      auto& into = c.hooks.events["SubagentStop"];
      for (auto& g : groups) into.push_back(std::move(g));
    }
  }
  return c;
}

/// The skills (<dir>/skills/*/SKILL.md) and subagents (<dir>/agents/*.md)
/// under `dir` (a .claude folder or a plugin root), sorted by file name.
[[nodiscard]] inline result<std::vector<scoped_component>> read_components(const std::filesystem::path& dir, scope from,
                                                                           const plugin_info* pl = nullptr) {
  std::vector<scoped_component> out;
  std::error_code ec;
  std::vector<std::filesystem::path> skills, agents;
  if (std::filesystem::is_directory(dir / "skills", ec)) {
    for (const auto& e : std::filesystem::directory_iterator(dir / "skills", ec)) {
      if (std::filesystem::is_regular_file(e.path() / "SKILL.md", ec)) skills.push_back(e.path() / "SKILL.md");
    }
  }
  if (std::filesystem::is_directory(dir / "agents", ec)) {
    for (const auto& e : std::filesystem::directory_iterator(dir / "agents", ec)) {
      if (e.path().extension() == ".md" && std::filesystem::is_regular_file(e.path(), ec)) agents.push_back(e.path());
    }
  }
  std::sort(skills.begin(), skills.end());
  std::sort(agents.begin(), agents.end());
  for (const auto& f : skills) {
    auto c = read_component(f, component_kind::skill, from, pl);
    if (!c) return fail(std::move(c.error()));
    out.push_back(std::move(*c));
  }
  for (const auto& f : agents) {
    auto c = read_component(f, component_kind::agent, from, pl);
    if (!c) return fail(std::move(c.error()));
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace aura::claude_code
