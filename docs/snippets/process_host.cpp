#include <aura/adapters/process.hpp>
#include <aura/aura.hpp>

using namespace std::chrono_literals;

aura::result<void> run_ticket_guard(aura::bus& bus, std::shared_ptr<aura::context> plugin_context) {
  auto report = [](const aura::error& e) { return aura::result<void>(tl::unexpect, e); };
  aura::process_options o;
  o.name = "ticket-guard";
  o.argv = {"./guard.py"};                 // no shell; relative to workdir
  o.workdir = "/opt/plugins/ticket-guard"; // the child runs here
  o.env = {{"PYTHONUNBUFFERED", "1"}};     // its whole environment
  o.ctx = plugin_context;                  // permissions, storage, http, logger
  auto plugin = aura::process_plugin::start(o);
  if (!plugin) return report(plugin.error());        // load_error / version_mismatch
  (void)bus.on("intent.before_log", aura::hook_options("ticket-guard").with_policy(aura::fail_closed),
               (*plugin)->hook("on_intent_before_log"));
  (void)bus.emit("intent.before_log", {{"summary", "OPS-1: ship"}});
  (void)(*plugin)->shutdown(1000ms);
  return {};
}
