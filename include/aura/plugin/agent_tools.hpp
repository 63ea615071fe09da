// aura/plugin/agent_tools.hpp - plugin tools joining the agent's tool registry.
//
// Each tool is added under its namespaced name (`plugin_<name>_<tool>`) with
// the plugin as owner (an idelchi/aura plugin.yaml tool under its own name,
// replacing a tool of that name when its plugin says `override`), so the agent's before_tool_execution pipeline checks
// its arguments against the tool's schema like any other tool; removing a
// plugin's tools is `registry.remove_owner(plugin)`.
#pragma once

#include <vector>

#include "aura/agent/tool_registry.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::plugin {

/// Adds the tools to `registry`; a name already taken is an error and the
/// tools added so far by this call are removed again.
inline result<void> register_tools(agent::tool_registry& registry, const std::vector<plugin_tool>& tools) {
  std::vector<std::string> added;
  for (const auto& t : tools) {
    agent::tool_spec spec;
    spec.name = t.name;
    spec.description = t.spec.description;
    spec.schema = t.spec.input_schema;
    spec.owner = t.plugin;
    spec.override_existing = t.spec.override_existing;
    agent::tool_extras extras;
    extras.usage = t.spec.usage;
    extras.examples = t.spec.examples;
    extras.opt_in = t.spec.opt_in;
    extras.parallel = t.spec.parallel;
    extras.sandboxable = t.spec.sandboxable;
    if (auto r = registry.add(std::move(spec), std::move(extras)); !r) {
      for (const auto& n : added) registry.remove(n);
      error e = std::move(r.error());
      if (e.plugin.empty()) e.plugin = t.plugin;
      return fail(std::move(e));
    }
    added.push_back(t.name);
  }
  return {};
}

}  // namespace aura::plugin
