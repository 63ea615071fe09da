// `aura plugin update` and `aura plugin upgrade`: install again from each
// plugin's aura.lock source, newest version in range, swapped into place; the
// new version is loaded (and verified) before the old one is replaced.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int update_plugins(setup& s, const parsed& p, const std::string& only) {
  auto o = cli_install_options(p);
  auto r = aura::distribution::update(o, only);
  if (!r) {
    print_error(r.error());
    return 1;
  }
  // A plugin that no longer loads after the swap is reported (its files stay verified).
  aura::bus bus;
  declare_agent_vocabulary(bus);
  aura::plugin::plugin_host host(bus, cli_runtimes(), s.host_opts());
  int failed = 0;
  for (const auto& ip : *r) {
    auto m = aura::distribution::manifest_in(ip.dir);
    if (!m) {
      print_error(m.error());
      ++failed;
      continue;
    }
    if (m->runtime.kind == aura::plugin::runtime_kind::native) continue;
    if (auto l = host.load(*m); !l) {
      print_error(l.error());
      ++failed;
    } else {
      (void)host.unload(m->name);
    }
  }
  print_installed(*r, "updated");
  return failed ? 1 : 0;
}

int run_update(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--registry"}, {"--global", "--all"});
  if (p.positional.size() > 1 || (p.positional.empty() && !p.has("--all"))) throw cli_error{"update needs NAME or --all"};
  return update_plugins(s, p, p.positional.empty() ? std::string() : p.positional[0]);
}

int run_upgrade(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--registry"}, {"--global"});
  if (p.positional.size() != 1) throw cli_error{"upgrade needs one plugin NAME"};
  return update_plugins(s, p, p.positional[0]);
}

}  // namespace

extern const command update_command{"update", "plugin", "plugin update [NAME|--all]", "install newer versions from aura.lock's sources",
    "usage: aura plugin update NAME|--all [--global] [--registry DIR|URL]\n\n"
    "Installs each plugin again from its aura.lock source: the newest version in its\n"
    "range (registry), the branch's new commit (git), the file's new bytes. The new\n"
    "version is checked in staging, swapped into place, and loaded once to verify it.\n",
    &run_update};

extern const command upgrade_command{"upgrade", "plugin", "plugin upgrade NAME", "update one plugin (atomic swap)",
    "usage: aura plugin upgrade NAME [--global] [--registry DIR|URL]\n\n"
    "`update NAME`. In a running host (plugin_host::upgrade) the swap is atomic:\n"
    "calls in flight finish on the old version, the next ones run the new.\n",
    &run_upgrade};

}  // namespace aura_cli
