// aura/plugin/agent_tools.hpp - plugin tools joining the agent's tool registry.
//
// Each tool is added under its namespaced name (`plugin_<name>_<tool>`) with
// the plugin as owner (an idelchi/aura plugin.yaml tool under its own name,
// replacing a tool of that name when its plugin says `override`), so the agent's before_tool_execution pipeline checks
// its arguments against the tool's schema like any other tool; removing a
// plugin's tools is `registry.remove_owner(plugin)`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aura/agent/tool_overrides.hpp"
#include "aura/agent/tool_registry.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::plugin {

/// Adds the tools to `registry`; a name already taken is an error and the
/// tools added so far by this call are removed again.
/// With `defs` (idelchi/aura's tool definitions): a disabled tool is not
/// added, and a definition's `override` lets the tool replace one of its
/// name; apply_tool_overrides applies the rest once every tool is in.
inline result<void> register_tools(agent::tool_registry& registry, const std::vector<plugin_tool>& tools,
                                   const agent::tool_overrides* defs = nullptr) {
  std::vector<std::string> added;
  for (const auto& t : tools) {
    const agent::tool_override* d = defs ? defs->find(t.name) : nullptr;
    if (d && d->disabled) continue;
    agent::tool_spec spec;
    spec.name = t.name;
    spec.description = t.spec.description;
    spec.schema = t.spec.input_schema;
    spec.owner = t.plugin;
    spec.override_existing = t.spec.override_existing || (d && d->override_existing);
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

namespace aura::plugin {

/// idelchi/aura's tool definitions over a plugin tool list (what `aura
/// tools` lists and calls): a disabled tool is dropped, so is one whose
/// condition does not hold for `f` (its grammar and names checked against
/// `preds`; a bad one is a problem and drops the tool), and the texts and
/// parallel replace the tool's own. Definitions no tool matches are the
/// report's `unmatched`.
inline agent::tool_overrides_report apply_tool_overrides(std::vector<plugin_tool>& tools, const agent::tool_overrides& defs,
                                                         const facts& f, const predicate_registry* preds = nullptr) {
  agent::tool_overrides_report out;
  std::vector<bool> used(defs.entries.size(), false);
  std::vector<plugin_tool> kept;
  for (auto& t : tools) {
    const agent::tool_override* d = defs.find(t.name);
    if (!d) {
      kept.push_back(std::move(t));
      continue;
    }
    used[static_cast<std::size_t>(d - defs.entries.data())] = true;
    if (d->disabled) {
      out.removed.push_back(t.name);
      continue;
    }
    if (!d->condition.empty()) {
      auto c = condition::parse(d->condition, preds);
      if (!c) {
        error e = std::move(c.error());
        e.message = "tool definition of \"" + d->tool + "\": condition: " + e.message;
        e.where = d->where;
        out.problems.push_back(std::move(e));
        out.removed.push_back(t.name);
        continue;
      }
      if (!c->evaluate(f)) {
        out.removed.push_back(t.name);
        continue;
      }
    }
    if (!d->description.empty()) t.spec.description = d->description;
    if (!d->usage.empty()) t.spec.usage = d->usage;
    if (!d->examples.empty()) t.spec.examples = d->examples;
    if (d->parallel) t.spec.parallel = *d->parallel;
    out.revised.push_back(t.name);
    kept.push_back(std::move(t));
  }
  std::vector<std::string> names;
  for (const auto& t : tools) names.push_back(t.name);
  tools = std::move(kept);
  for (std::size_t i = 0; i < defs.entries.size(); ++i) {
    if (used[i]) continue;
    const std::string best = agent::nearest_tool_name(defs.entries[i].tool, names);
    out.unmatched.push_back(error{errc::not_found,
                                  "tool definition of \"" + defs.entries[i].tool + "\": no such tool" +
                                      (best.empty() ? std::string() : " (did you mean \"" + best + "\"?)"),
                                  {}, {}, defs.entries[i].where});
  }
  return out;
}

}  // namespace aura::plugin
