#include <aura/plugin/plugin.hpp>

void register_natives(const std::shared_ptr<aura::plugin::native_registry>& natives) {
  natives->add("ticket-check", [](const aura::plugin::manifest&, std::shared_ptr<aura::context> ctx)
                                   -> aura::result<aura::plugin::native_plugin> {
    (void)ctx;  // the plugin's own context, for code that runs outside a hook
    aura::plugin::native_plugin p;
    p.handlers["require_ticket"] = [](const aura::envelope<aura::dynamic_event>& ev, aura::context& c)
        -> aura::result<aura::decision<aura::dynamic_event>> {
      if (ev.data.value("summary", "").find(c.config().value("project", "OPS") + "-") == std::string::npos)
        return aura::deny("Intent must reference an OPS-### ticket.");
      return aura::allow();
    };
    return p;
  });
}
