#include <aura/adapters/wasm.hpp>   // link aura::wasm (needs libwabt)
#include <aura/aura.hpp>

aura::result<void> add_policy(aura::bus& bus, std::shared_ptr<aura::context> plugin_context) {
  auto report = [](const aura::error& e) { return aura::result<void>(tl::unexpect, e); };
  aura::wasm_options options;
  options.name = "policy";
  options.ctx = plugin_context;        // its permissions decide what gets linked
  auto plugin = aura::wasm_plugin::load("policy.wasm", options);
  if (!plugin) return report(plugin.error());        // names the export/import at fault
  return bus.on("tool.before", aura::hook_options("policy").with_policy(aura::fail_closed),
                (*plugin)->hook("on_tool_before"));
}
