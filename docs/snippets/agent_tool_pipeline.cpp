#include <string>

#include <aura/agent/agent.hpp>

namespace agent = aura::agent;

bool is_secret(const nlohmann::json& path) {
  const auto p = path.get<std::string>();
  return p.size() >= 4 && p.compare(p.size() - 4, 4, ".env") == 0;
}

// One write_file call from the model: run it, or tell the model why not.
std::string before_write(const agent::tool_registry& registry, const aura::json_hook& plugin_hook,
                         const agent::host_state& host, nlohmann::json args, aura::context& ctx) {
  agent::tool_pipeline tools_chain(registry);              // reject_call, check_input
  (void)tools_chain.add({"sandbox", 10}, [](const agent::tool_before_execution& e) {
    const std::string path = "workspace/" + e.args.value("path", std::string());
    return aura::mutate([path](agent::tool_before_execution& v) { v.args["path"] = path; });
  });
  (void)tools_chain.add({"guard", 20}, [](const agent::tool_before_execution& e) -> aura::decision<agent::tool_before_execution> {
    agent::turn_effects fx;
    fx.notices.push_back("blocked a write to " + e.args["path"].get<std::string>());
    if (is_secret(e.args["path"])) return aura::deny("writing .env files is not allowed").with(fx);
    return aura::allow();
  });
  (void)tools_chain.add_json({"plugin", 30}, plugin_hook);
  agent::tool_outcome out = tools_chain.run(agent::tool_before_execution{host, "write_file", "call_1", std::move(args)}, ctx);
  if (out.runs()) return "run write_file with " + out.args.dump(); else return out.reason;  // give it to the model
}
