#include <iostream>

#include <aura/adapters/lua.hpp>
#include <aura/aura.hpp>

// Loads ticket_guard.lua as the plugin "ticket-guard" and hooks it into the bus.
int add_ticket_guard(aura::bus& bus, const aura::permissions& perms, const nlohmann::json& config) {
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("ticket-guard").set_permissions(perms).set_config(config);

  auto plugin = aura::lua_plugin::load("ticket_guard.lua", {"ticket-guard", {}, ctx});
  if (!plugin) { std::cerr << plugin.error().describe() << "\n"; return 1; }

  bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  (void)bus.on("intent.before_log", aura::hook_options("ticket-guard").owned_by("ticket-guard"),
               (*plugin)->hook("on_intent"));
  return 0;
}
