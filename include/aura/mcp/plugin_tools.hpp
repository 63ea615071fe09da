// aura/mcp/plugin_tools.hpp - a plugin host's tools in an MCP tool catalog,
// kept current as plugins load, reload, upgrade and unload.
//
// Routing: a tool with a `run` command runs as that command (command, WASM
// and Lua plugins declare their tools this way); a tool without one is
// served inside its process plugin's own JSON-RPC process (`tools/call` on
// the aura wire, plugin_host::tools sets that up). Both go through
// plugin::call_tool, so the permission check and the plugin's environment
// apply as they do for `aura tools --call`.
//
// plugin_host has no change observer (yet): plugin_sync is the small one
// this module needs. Route load/unload/reload/upgrade through it, or call
// refresh() after changing the host another way; either tells the catalog,
// which tells every MCP session (notifications/tools/list_changed) only
// when the listing really changed.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/tool_catalog.hpp"
#include "aura/plugin/host.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::mcp {

/// The catalog source name of a plugin's tools.
[[nodiscard]] inline std::string plugin_source(const std::string& plugin) { return "plugin:" + plugin; }

/// A plugin tool as a catalog entry. `max_permission` is the most a tool may
/// require (Codineer's levels); `context` reaches tools that take one.
[[nodiscard]] inline tool_entry entry_of(plugin::plugin_tool tool, std::string max_permission = "danger-full-access",
                                         nlohmann::json context = nullptr) {
  tool_entry e;
  e.name = tool.name;
  e.description = tool.spec.description;
  e.input_schema = tool.spec.input_schema.is_object() && !tool.spec.input_schema.empty()
                       ? tool.spec.input_schema
                       : nlohmann::json{{"type", "object"}};
  e.output_schema = tool.spec.output_schema;  // the manifest's: structuredContent is then checked against it
  if (!tool.spec.required_permission.empty()) {
    e.annotations = {{"readOnlyHint", plugin::tool_permission_level(tool.spec.required_permission) == 0}};
  }
  e.owner = tool.plugin;
  auto shared = std::make_shared<plugin::plugin_tool>(std::move(tool));
  e.call = [shared, max_permission = std::move(max_permission), context = std::move(context)](
               const nlohmann::json& args, const call_control& ctl) -> result<nlohmann::json> {
    return plugin::call_tool(*shared, args, ctl.timeout, max_permission, context, -1, ctl.cancelled.get());
  };
  return e;
}

/// Keeps a catalog in step with a plugin host.
class plugin_sync {
 public:
  /// Both must outlive this object.
  plugin_sync(plugin::plugin_host& host, tool_catalog& catalog, std::string max_permission = "danger-full-access")
      : host_(host), catalog_(catalog), max_permission_(std::move(max_permission)) {}

  /// Re-reads every loaded plugin's tools into the catalog and drops those
  /// of plugins no longer loaded. Returns the problems (a tool that did not
  /// list, a name collision): they are reported, the other tools stay.
  std::vector<error> refresh() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<error> problems;
    std::set<std::string> live;
    for (const auto& name : host_.names()) {
      live.insert(plugin_source(name));
      auto tools = host_.tools(name);
      if (!tools) {
        problems.push_back(std::move(tools.error()));
        continue;
      }
      std::vector<tool_entry> entries;
      entries.reserve(tools->size());
      for (auto& t : *tools) {
        if (t.spec.opt_in) continue;  // idelchi/aura opt-in tools: only when a host enables them by name
        entries.push_back(entry_of(std::move(t), max_permission_));
      }
      for (auto& e : catalog_.set_source(plugin_source(name), std::move(entries))) problems.push_back(std::move(e));
    }
    for (const auto& s : catalog_.sources()) {
      if (s.rfind("plugin:", 0) == 0 && !live.count(s)) catalog_.remove_source(s);
    }
    for (const auto& p : problems) {
      if (report_) report_(p);
    }
    return problems;
  }

  // The host's changes, each followed by a refresh.
  result<void> load(plugin::manifest m) { return then_refresh(host_.load(std::move(m))); }
  result<void> unload(const std::string& name) { return then_refresh(host_.unload(name)); }
  result<void> reload(const std::string& name) { return then_refresh(host_.reload(name)); }
  result<void> upgrade(plugin::manifest m) { return then_refresh(host_.upgrade(std::move(m))); }

  /// Where refresh problems go besides the return value (the server's log).
  void on_problem(std::function<void(const error&)> fn) { report_ = std::move(fn); }

  [[nodiscard]] plugin::plugin_host& host() noexcept { return host_; }

 private:
  result<void> then_refresh(result<void> r) {
    (void)refresh();  // a failed upgrade may still have changed nothing: refresh tells
    return r;
  }

  plugin::plugin_host& host_;
  tool_catalog& catalog_;
  std::string max_permission_;
  std::mutex mu_;
  std::function<void(const error&)> report_;
};

}  // namespace aura::mcp
