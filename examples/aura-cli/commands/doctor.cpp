// `aura doctor`: manifest errors and permission violations.
#include <iostream>
#include <map>
#include <set>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/idelchi_tool_definitions.hpp>

#include "../claude.hpp"
#include "../cli.hpp"
#if defined(AURA_CLI_DISTRIBUTION)
#include "../distribution.hpp"
#endif

namespace aura_cli {

using namespace aura::plugin;

namespace {

// The manifest a problem is about: the file of its `where` ("file:line" or "file").
std::string manifest_of(const aura::error& e) {
  std::string w = e.where;
  if (const auto colon = w.rfind(':'); colon != std::string::npos &&
      w.find_first_not_of("0123456789", colon + 1) == std::string::npos && colon + 1 < w.size()) {
    w.resize(colon);
  }
  return w.empty() ? e.plugin : w;
}

int run_doctor(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--fact"}, {"--json"});
  s.discover_all();
  std::vector<aura::error> problems = s.found->errors;
  std::set<std::string> checked, failing;  // manifests, by file (and plugin name)
  for (const auto& e : problems) checked.insert(manifest_of(e)), failing.insert(manifest_of(e));
  std::vector<std::string> ok;
  aura::bus bus;
  std::vector<std::string> fact_names;  // facts the host sets beyond the agent vocabulary
  for (auto it = p.opts.lower_bound("--fact"); it != p.opts.upper_bound("--fact"); ++it)
    fact_names.push_back(it->second.substr(0, it->second.find('=')));
  declare_agent_vocabulary(bus, fact_names);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  // A host config file (Clawdius's, Rustant's) describes several plugins: count each.
  std::map<std::string, int> per_file;
  for (const auto& d : s.found->plugins) ++per_file[d.spec.file.string()];
  auto key_of = [&](const manifest& m) {
    const std::string f = m.file.string();
    return per_file[f] > 1 ? f + "\n" + m.name : f;
  };
  auto report = [&](const manifest& m, aura::error e) {
    if (e.plugin.empty()) e.plugin = m.name;
    failing.insert(key_of(m));
    problems.push_back(std::move(e));
  };
  // Checks that need no loading; true when the manifest passed them.
  auto static_checks = [&](const manifest& m) {
    checked.insert(key_of(m));
    auto found = host.check(m);
    for (auto& e : found) report(m, std::move(e));
    if (!found.empty()) return false;
    if (auto t = tools_of(m, {}); !t) {
      report(m, std::move(t.error()));
      return false;
    }
    return true;
  };
  for (const auto& d : s.found->plugins) {
    if (!static_checks(d.spec)) continue;
    if (!d.enabled) {
      ok.push_back(d.spec.name + " (disabled, not loaded)");
      continue;
    }
    if (d.spec.runtime.kind == runtime_kind::native) {
      ok.push_back(d.spec.name + " (native: loads in its host program)");
      continue;
    }
    if (auto r = host.load(d.spec); !r) {
      report(d.spec, std::move(r.error()));
      continue;
    }
    (void)host.unload(d.spec.name);
    ok.push_back(d.spec.name);
  }
  // Plugins that share a name are not listed, but their own problems still count.
  for (const auto& m : s.found->unlisted) (void)static_checks(m);
  // Claude Code's settings and plugins: read them as Claude Code would.
  std::vector<std::string> cc_loaded;
  if (const auto cc_plugins = claude_plugin_dirs(s.roots); has_claude_config(".", cc_plugins)) {
    aura::claude_code::profile_options o;
    o.plugin_dirs = cc_plugins;
    auto prof = aura::claude_code::profile::load(o);
    if (prof) {
      for (auto& line : claude_loaded_lines(*prof)) cc_loaded.push_back("Claude Code: " + line);
    } else {
      checked.insert("claude-code"), failing.insert("claude-code");
      problems.push_back(std::move(prof.error()));
    }
  }
  std::vector<std::string> notes;  // signatures under the host policy, aura.lock drift
#if defined(AURA_CLI_DISTRIBUTION)
  notes = distribution_notes(*s.found);
#endif
  // idelchi/aura's tool definitions: read, conditions against the vocabulary, keys against the plugins' tools.
  if (std::error_code ec; fs::is_directory(std::string(idelchi_tools_path), ec)) {
    const std::string key = std::string(idelchi_tools_path);
    checked.insert(key);
    auto defs = read_idelchi_tool_definitions(key);
    for (auto& e : defs.errors) failing.insert(key), problems.push_back(std::move(e));
    std::set<std::string> tool_names;
    for (const auto& d : s.found->plugins)
      for (const auto& t : d.spec.tools) tool_names.insert(registered_tool_name(d.spec, t));
    for (const auto& d : defs.overrides.entries) {
      if (!d.condition.empty()) {
        if (auto c = aura::condition::parse(d.condition, &bus.predicates()); !c) {
          aura::error e = std::move(c.error());
          e.message = "tool definition of \"" + d.tool + "\": condition: " + e.message;
          e.where = d.where;
          failing.insert(key), problems.push_back(std::move(e));
        }
      }
      bool known = false;
      for (const auto& n : tool_names) known = known || aura::agent::same_name_ignoring_case(n, d.tool);
      if (!known) notes.push_back(d.where + ": tool definition of \"" + d.tool + "\": no plugin offers such a tool");
    }
  }
  const std::size_t n = checked.size();
  const std::size_t bad = failing.size();
  const std::string summary = std::to_string(problems.size()) + " problem" + (problems.size() == 1 ? "" : "s") +
                              " in " + std::to_string(bad) + " of " + std::to_string(n) + " plugin" + (n == 1 ? "" : "s");
  if (p.has("--json")) {
    json errs = json::array();
    for (const auto& e : problems) {
      errs.push_back({{"code", std::string(aura::to_string(e.code))}, {"message", e.message}, {"plugin", e.plugin},
                      {"hook", e.hook}, {"where", e.where}});
    }
    std::cout << json{{"ok", ok}, {"errors", errs}, {"plugins", n}, {"plugins_with_problems", bad},
                      {"claude_code", cc_loaded}, {"notes", notes}}.dump(2) << "\n";
  } else {
    for (const auto& name : ok) std::cout << paint("ok", "32") << "     " << name << "\n";
    for (const auto& line : cc_loaded) std::cout << paint("ok", "32") << "     " << line << "\n";
    for (const auto& line : notes) std::cout << paint("note", "33") << "   " << line << "\n";
    for (const auto& e : problems) std::cout << paint("error", "31") << "  " << e.describe() << "\n";
    std::cout << summary << "\n";
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

extern const command doctor_command{"doctor", "", "doctor", "manifest errors and permission violations (exit 1 if any)",
    "usage: aura doctor [--json] [--fact NAME]...\n\nChecks every manifest (schema, fields), duplicate names, SDK ranges and\n"
               "permissions (hooks outside read_events), then loads each enabled plugin once.\n"
               "A .claude/ folder in the current directory is read as Claude Code reads it.\n"
               "idelchi/aura's tool definitions (.aura/config/tools/**/*.yaml) are checked too.\n"
               "Conditions may name the agent vocabulary and the facts given with --fact;\n"
               "any other name is a problem (with a \"did you mean\" suggestion).\n"
               "Exit status 1 when anything is wrong.\n",
    &run_doctor};

}  // namespace aura_cli
