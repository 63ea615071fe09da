// `aura plugin list`: the plugins found, with scope and state.
#include <cstdio>
#include <iostream>

#include "../claude.hpp"
#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_list(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  // A project's .claude/ (and Claude Code plugins in the plugin folders): say what was read.
  const auto cc_plugins = claude_plugin_dirs(s.roots);
  std::optional<aura::claude_code::profile> cc;
  bool cc_failed = false;
  if (has_claude_config(".", cc_plugins)) {
    aura::claude_code::profile_options o;
    o.plugin_dirs = cc_plugins;
    auto prof = aura::claude_code::profile::load(o);
    if (prof) cc = std::move(*prof);
    else print_error(prof.error()), cc_failed = true;
  }
  if (p.has("--json")) {
    json out = json::array();
    for (const auto& d : s.found->plugins) {
      out.push_back({{"name", d.spec.name}, {"version", d.spec.version}, {"runtime", to_string(d.spec.runtime.kind)},
                     {"scope", d.scope}, {"enabled", d.enabled}, {"dir", d.spec.dir.string()}, {"note", d.note}});
    }
    json doc = out;
    if (cc) {
      json plugins = json::array();
      for (const auto& pl : cc->plugins()) {
        plugins.push_back({{"name", pl.name}, {"version", pl.version}, {"dir", pl.root.string()},
                           {"enabled", cc->plugin_enabled(pl)}, {"hooks", pl.hooks.size()}});
        if (!pl.id.empty()) {
          plugins.back()["id"] = pl.id;
          plugins.back()["found_by"] = pl.found_by;
        }
      }
      for (const auto& sk : cc->skipped_plugins()) {
        plugins.push_back({{"id", sk.id}, {"dir", sk.path.string()}, {"enabled", false}, {"found_by", sk.found_by}, {"not_loaded", sk.why}});
      }
      doc = {{"plugins", out}, {"claude_code", {{"loaded", claude_loaded_lines(*cc)}, {"plugins", plugins},
                                                {"hooks", cc->hooks().size()}}}};
    }
    std::cout << doc.dump(2) << "\n";
  } else {
    if (cc) {
      std::printf("%s\n", paint(std::string("Claude Code hooks (aura hooks list shows them, aura hooks run runs them)"), "1").c_str());
      for (const auto& line : claude_loaded_lines(*cc)) std::printf("  %s\n", line.c_str());
    }
    if (s.found->plugins.empty() && !cc) {
      std::string where;
      for (const auto& r : s.roots) where += (where.empty() ? "" : ", ") + aura::plugin::expand_home(r.dir).string();
      std::cerr << "aura: no plugins found (looked in " << where << ")\n";
    } else if (!s.found->plugins.empty()) {
      std::printf("%s\n", paint(std::string("NAME                 VERSION  RUNTIME  SCOPE   STATE     DIRECTORY"), "1").c_str());
    }
    for (const auto& d : s.found->plugins) {
      std::printf("%-20s %-8s %-8s %-7s %-9s %s%s\n", d.spec.name.c_str(), d.spec.version.c_str(),
                  std::string(to_string(d.spec.runtime.kind)).c_str(), d.scope.c_str(),
                  d.enabled ? "enabled" : "disabled", d.spec.dir.string().c_str(),
                  d.note.empty() ? "" : ("  (" + d.note + ")").c_str());
    }
  }
  return s.found->errors.empty() && !cc_failed ? 0 : 1;
}

}  // namespace

extern const command list_command{"list", "plugin", "plugin list", "plugins found, with scope and state",
    "usage: aura plugin list [--json]\n\nLists discovered plugins: name, version, runtime, scope, state; and, when the\n"
    "current directory has a .claude/ folder (or the plugin folders hold Claude Code\n"
    "plugins), the Claude Code settings files and plugins read.\n",
    &run_list};

}  // namespace aura_cli
