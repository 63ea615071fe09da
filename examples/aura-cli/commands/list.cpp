// `aura plugin list`: the plugins found, with scope and state.
#include <cstdio>
#include <iostream>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_list(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  if (p.has("--json")) {
    json out = json::array();
    for (const auto& d : s.found->plugins) {
      out.push_back({{"name", d.spec.name}, {"version", d.spec.version}, {"runtime", to_string(d.spec.runtime.kind)},
                     {"scope", d.scope}, {"enabled", d.enabled}, {"dir", d.spec.dir.string()}, {"note", d.note}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    if (s.found->plugins.empty()) {
      std::string where;
      for (const auto& r : s.roots) where += (where.empty() ? "" : ", ") + aura::plugin::expand_home(r.dir).string();
      std::cerr << "aura: no plugins found (looked in " << where << ")\n";
    } else {
      std::printf("%s\n", paint(std::string("NAME                 VERSION  RUNTIME  SCOPE   STATE     DIRECTORY"), "1").c_str());
    }
    for (const auto& d : s.found->plugins) {
      std::printf("%-20s %-8s %-8s %-7s %-9s %s%s\n", d.spec.name.c_str(), d.spec.version.c_str(),
                  std::string(to_string(d.spec.runtime.kind)).c_str(), d.scope.c_str(),
                  d.enabled ? "enabled" : "disabled", d.spec.dir.string().c_str(),
                  d.note.empty() ? "" : ("  (" + d.note + ")").c_str());
    }
  }
  return s.found->errors.empty() ? 0 : 1;
}

}  // namespace

extern const command list_command{"list", "plugin", "plugin list", "plugins found, with scope and state",
    "usage: aura plugin list [--json]\n\nLists discovered plugins: name, version, runtime, scope, state.\n",
    &run_list};

}  // namespace aura_cli
