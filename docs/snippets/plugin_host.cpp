#include <iostream>

#include <aura/agent/agent.hpp>
#include <aura/plugin/plugin.hpp>

void report(const aura::error& e) { std::cerr << e.describe() << "\n"; }

// Loads every enabled plugin and runs one event through them.
bool load_and_check_ls() {
  aura::bus bus;
  aura::agent::declare_catalog(bus);                       // event flags (vetoable, patchable)
  auto natives = std::make_shared<aura::plugin::native_registry>();
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(natives));
  auto found = aura::plugin::discover({{"~/.aura/plugins", "global"}, {".aura/plugins", "repo"}});
  for (auto& e : found.errors) report(e);                  // manifest errors, duplicates
  for (auto& p : found.plugins)
    if (p.enabled) if (auto r = host.load(p.spec); !r) report(r.error());
  auto out = bus.emit("tool.before_execution", {{"tool", "bash"}, {"args", {{"command", "ls"}}}});
  return out.verdict != aura::verdict::deny;
}
