// aura/plugin/tool_exec.hpp - plugin tools run through agent::run_tool_batch:
// a call's Paths asked of the tool's `paths` command, the call run with
// call_tool, sandboxed (tool_sandbox.hpp) when the batch says so.
//
//   aura::agent::file_times seen(workdir);
//   aura::agent::tool_batch_options o;  o.sandbox = true;  o.times = &seen;
//   auto results = aura::agent::run_tool_batch(registry, calls, plugin_tool_executor(tools, ctx),
//                                              plugin_tool_paths(tools), o);
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/tool_batch.hpp"
#include "aura/agent/tool_paths.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/tool_sandbox.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::plugin {

namespace detail {
[[nodiscard]] inline const plugin_tool* find_tool(const std::vector<plugin_tool>& tools, const std::string& name) {
  for (const auto& t : tools)
    if (t.name == name) return &t;
  return nullptr;
}
}  // namespace detail

/// A call's paths: the tool's `paths` command run in its plugin directory
/// with the arguments as JSON on stdin (exit 0 and a tool_paths object on
/// stdout); relative paths are made absolute against the plugin directory.
/// A tool without one declares no paths.
[[nodiscard]] inline result<agent::tool_paths> paths_of(const plugin_tool& tool, const nlohmann::json& args,
                                                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  if (tool.spec.paths.empty()) return agent::tool_paths{};
  auto r = run_with_json(tool.spec.paths, tool.dir, tool.env, args, timeout);
  if (!r) {
    error e = std::move(r.error());
    e.plugin = tool.plugin;
    return fail(std::move(e));
  }
  if (r->exit_code != 0) {
    return fail(error{errc::hook_failed,
                      "the paths command exited with status " + std::to_string(r->exit_code) +
                          (r->err.empty() ? "" : ": " + r->err),
                      tool.plugin, {}, tool.spec.where});
  }
  auto j = nlohmann::json::parse(r->out, nullptr, false);
  if (j.is_discarded()) {
    return fail(error{errc::protocol_error, "the paths command did not print JSON: " + r->out.substr(0, 200),
                      tool.plugin, {}, tool.spec.where});
  }
  auto p = agent::parse_tool_paths(j);
  if (!p) {
    error e = std::move(p.error());
    e.plugin = tool.plugin;
    return fail(std::move(e));
  }
  for (auto* list : {&p->read, &p->write, &p->record, &p->guard, &p->clear}) {
    for (auto& s : *list) {
      std::filesystem::path path(s);
      if (path.is_relative()) s = (tool.dir / path).lexically_normal().string();
    }
  }
  return p;
}

/// paths_of for the batch; a tool the batch names that is not in `tools` declares none.
[[nodiscard]] inline agent::tool_paths_fn plugin_tool_paths(std::shared_ptr<const std::vector<plugin_tool>> tools) {
  return [tools](const agent::tool_definition& def, const nlohmann::json& args) -> result<agent::tool_paths> {
    const plugin_tool* t = detail::find_tool(*tools, def.name);
    if (!t) return agent::tool_paths{};
    return paths_of(*t, args);
  };
}

/// How the executor calls plugin tools.
struct plugin_tool_call_options {
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::string max_permission = "danger-full-access";
  nlohmann::json context = nullptr;  ///< the SDK context (agent::host_state JSON) a plugin.yaml tool gets
  tool_sandbox_options sandbox;
  /// The task's env (idelchi/aura's task `env:`), given to every call through
  /// with_task_env: each tool sees the variables its plugin may read.
  std::map<std::string, std::string> task_env;
};

/// Runs a batch's call with call_tool: sandboxed ones inside a Landlock
/// ruleset built from the call's paths (refused where the kernel has none).
[[nodiscard]] inline agent::tool_executor plugin_tool_executor(std::shared_ptr<const std::vector<plugin_tool>> tools,
                                                               plugin_tool_call_options opts = {}) {
  return [tools, opts = std::move(opts)](const agent::tool_execution& x) -> result<nlohmann::json> {
    const plugin_tool* t = detail::find_tool(*tools, x.tool.name);
    if (!t) return fail(errc::not_found, "no plugin tool named \"" + x.tool.name + "\"");
    std::optional<plugin_tool> for_task;
    if (!opts.task_env.empty()) t = &for_task.emplace(with_task_env(*t, opts.task_env));
    if (!x.sandboxed) return call_tool(*t, x.call.args, opts.timeout, opts.max_permission, opts.context);
    auto rules = make_tool_ruleset(x.paths, t->dir, opts.sandbox);
    if (!rules) {
      error e = std::move(rules.error());
      e.plugin = t->plugin;
      e.message = "tool \"" + t->name + "\": " + e.message;
      return fail(std::move(e));
    }
    return call_tool(*t, x.call.args, opts.timeout, opts.max_permission, opts.context, rules->fd());
  };
}

}  // namespace aura::plugin
