// `aura doctor`: manifest errors and permission violations.
#include <iostream>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_doctor(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  s.discover_all();
  std::vector<aura::error> problems = s.found->errors;
  std::vector<std::string> ok;
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  for (const auto& d : s.found->plugins) {
    auto found = host.check(d.spec);
    if (!found.empty()) {
      for (auto& e : found) problems.push_back(std::move(e));
      continue;
    }
    if (!d.enabled) {
      ok.push_back(d.spec.name + " (disabled, not loaded)");
      continue;
    }
    if (d.spec.runtime.kind == runtime_kind::native) {
      ok.push_back(d.spec.name + " (native: loads in its host program)");
      continue;
    }
    if (auto t = tools_of(d.spec, {}); !t) {
      problems.push_back(t.error());
      continue;
    }
    if (auto r = host.load(d.spec); !r) {
      problems.push_back(r.error());
      continue;
    }
    (void)host.unload(d.spec.name);
    ok.push_back(d.spec.name);
  }
  if (p.has("--json")) {
    json errs = json::array();
    for (const auto& e : problems) {
      errs.push_back({{"code", std::string(aura::to_string(e.code))}, {"message", e.message}, {"plugin", e.plugin},
                      {"hook", e.hook}, {"where", e.where}});
    }
    std::cout << json{{"ok", ok}, {"errors", errs}}.dump(2) << "\n";
  } else {
    for (const auto& n : ok) std::cout << "ok     " << n << "\n";
    for (const auto& e : problems) std::cout << "error  " << e.describe() << "\n";
    std::cout << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " in " << s.found->plugins.size()
              << " plugin" << (s.found->plugins.size() == 1 ? "" : "s") << "\n";
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

extern const command doctor_command{"doctor", "", "doctor", "manifest errors and permission violations (exit 1 if any)",
    "usage: aura doctor [--json]\n\nChecks every manifest (schema, fields), duplicate names, SDK ranges and\n"
               "permissions (hooks outside read_events), then loads each enabled plugin once.\n"
               "Exit status 1 when anything is wrong.\n",
    &run_doctor};

}  // namespace aura_cli
