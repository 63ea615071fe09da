// `aura plugin reload`: installs packs dropped into a plugin root (the
// air-gapped path: copy NAME-VERSION.tar.gz into ~/.aura/plugins, then reload)
// and loads every plugin again, verifying each one's files and signature.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int run_reload(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {});
  int failed = 0;
  for (const bool global : {true, false}) {
    parsed scope;
    if (global) scope.opts.emplace("--global", "");
    auto o = cli_install_options(scope);
    std::error_code ec;
    std::vector<fs::path> packs;
    for (auto it = fs::directory_iterator(o.root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string n = it->path().filename().string();
      if (n.size() > 7 && n.compare(n.size() - 7, 7, ".tar.gz") == 0) packs.push_back(it->path());
    }
    std::sort(packs.begin(), packs.end());
    for (const auto& pack : packs) {
      o.replace = true;
      auto r = aura::distribution::install(pack.string(), o);
      if (!r) {
        print_error(r.error());
        ++failed;
        continue;
      }
      print_installed(*r, "installed");
      fs::remove(pack, ec);
    }
  }
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e), ++failed;
  aura::bus bus;
  declare_agent_vocabulary(bus);
  aura::plugin::plugin_host host(bus, cli_runtimes(), s.host_opts());
  for (const auto& d : s.found->plugins) {
    if (!d.enabled || d.spec.runtime.kind == aura::plugin::runtime_kind::native) continue;
    if (!p.positional.empty() && std::find(p.positional.begin(), p.positional.end(), d.spec.name) == p.positional.end()) continue;
    if (auto r = host.load(d.spec); !r) {
      print_error(r.error());
      ++failed;
      continue;
    }
    std::cout << "reloaded " << d.spec.name << " " << d.spec.version << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

extern const command reload_command{"reload", "plugin", "plugin reload [NAME]...", "install dropped packs, load and verify plugins",
    "usage: aura plugin reload [NAME]...\n\n"
    "Installs every NAME-VERSION.tar.gz found at the top of a plugin root (and removes\n"
    "the tarball), then loads each plugin (or the NAMEs) once, verifying its files\n"
    "against AURA-FILES and its signature against the trust store.\n",
    &run_reload};

}  // namespace aura_cli
