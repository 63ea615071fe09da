#include <iostream>

#include <aura/adapters/isolated.hpp>
#include <aura/agent/agent.hpp>
#include <aura/plugin/plugin.hpp>

// A host that runs plugins found on disk in aura-worker processes (the
// default), except one it trusts, which runs in process for speed.
void load_with_isolation(aura::bus& bus, aura::plugin::manifest m) {
  aura::plugin::host_options opts;
  opts.isolation = aura::plugin::isolation_mode::process;  // the default, said out loud
  opts.isolation_for["ticket-guard"] = aura::plugin::isolation_mode::in_process;
  opts.isolation_bounds.kill_margin = std::chrono::milliseconds(50);
  opts.isolation_bounds.address_space = std::uint64_t{512} << 20;
  // opts.worker = "/opt/acme/libexec/aura/aura-worker";  // else $AURA_WORKER, next to the program, ../libexec/aura
  auto natives = std::make_shared<aura::plugin::native_registry>();
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(natives), opts);
  if (auto r = host.load(std::move(m)); !r) std::cerr << r.error().describe() << "\n";
}

// The isolated adapter on its own, without a plugin host.
int hook_isolated_guard(aura::bus& bus, const std::shared_ptr<aura::context>& ctx) {
  aura::isolated_options o;
  o.name = "guard";
  o.runtime = "lua";
  o.file = "plugins/guard/guard.lua";
  o.limits = {{"timeout_ms", 500}};  // the runtime's limits, as in a manifest
  o.ctx = ctx;                       // storage, http, log: checked here, in the host
  auto plugin = aura::isolated_plugin::load(std::move(o));
  if (!plugin) { std::cerr << plugin.error().describe() << "\n"; return 1; }
  (void)bus.on("intent.before_log", aura::hook_options("guard").owned_by("guard"), (*plugin)->hook("on_intent"));
  return 0;
}
