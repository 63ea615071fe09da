// The CLI's side of the Claude Code profile (aura/claude_code/): a project's
// .claude/ settings plus the Claude Code plugins (.claude-plugin/plugin.json)
// found in aura's plugin roots, and how `aura plugin list`, `aura doctor`
// and `aura hooks` report what they loaded.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <aura/claude_code/claude_code.hpp>

#include "cli.hpp"

namespace aura_cli {

/// Claude Code plugins among the plugin roots: each root, and its direct sub-folders.
inline std::vector<fs::path> claude_plugin_dirs(const std::vector<aura::plugin::plugin_root>& roots) {
  std::vector<fs::path> out;
  for (const auto& r : roots) {
    const fs::path dir = aura::plugin::expand_home(r.dir);
    std::error_code ec;
    if (aura::claude_code::is_plugin_dir(dir)) {
      out.push_back(dir);
      continue;
    }
    std::vector<fs::path> children;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (aura::claude_code::is_plugin_dir(it->path())) children.push_back(it->path());
    }
    std::sort(children.begin(), children.end());
    out.insert(out.end(), children.begin(), children.end());
  }
  return out;
}

/// True when there is something Claude Code's to read for `project`.
inline bool has_claude_config(const fs::path& project, const std::vector<fs::path>& plugins) {
  std::error_code ec;
  return !plugins.empty() || fs::is_directory(project / ".claude", ec);
}

/// One line per file and plugin the profile read: what `aura` says it loaded.
inline std::vector<std::string> claude_loaded_lines(const aura::claude_code::profile& p) {
  std::vector<std::string> lines;
  for (const auto& f : p.settings_files()) {
    lines.push_back(f.path.string() + " (" + aura::claude_code::scope_name(f.from) + " settings): " +
                    std::to_string(f.hooks.size()) + " hook" + (f.hooks.size() == 1 ? "" : "s"));
  }
  for (const auto& pl : p.plugins()) {
    lines.push_back(pl.root.string() + " (Claude Code plugin " + pl.name + (pl.version.empty() ? "" : " " + pl.version) +
                    (p.plugin_enabled(pl.name) ? "" : ", disabled by enabledPlugins") + "): " +
                    std::to_string(pl.hooks.size()) + " hook" + (pl.hooks.size() == 1 ? "" : "s"));
  }
  if (p.hooks_disabled()) lines.push_back("disableAllHooks is set: no hook runs");
  if (p.managed_hooks_only()) lines.push_back("allowManagedHooksOnly is set: only managed hooks run");
  return lines;
}

/// The hooks by event, "  PreToolUse [Bash] <command>  (file#pointer)".
inline std::vector<std::string> claude_hook_lines(const aura::claude_code::profile& p) {
  std::vector<std::string> lines;
  for (const auto& r : p.registrations()) {
    lines.push_back(r.event + " -> " + r.aura_event + (r.matcher.empty() ? std::string() : " [" + r.matcher + "]") + "  " +
                    (r.hook->type == "command" ? r.hook->command : "(" + r.hook->type + " hook: not run by aura)"));
  }
  return lines;
}

}  // namespace aura_cli
