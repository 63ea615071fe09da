// aura/mcp/tool_catalog.hpp - the tools an MCP server offers, by source.
//
// Tools come from sources (a plugin, an external MCP server, the host's own
// native tools); each source's list is replaced whole when it changes. The
// catalog mirrors every tool into an agent::tool_registry, so the agent's
// tool pipeline (tool.before_execution, re-validation after each hook)
// checks MCP calls exactly as it checks native ones. A name two sources
// claim stays with the first; the second is reported, not silently dropped.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/tool_registry.hpp"
#include "aura/core/error.hpp"
#include "aura/schema/compile.hpp"
#include "aura/schema/validator.hpp"

namespace aura::mcp {

/// What a running tool call can see of its caller.
struct call_control {
  /// Set when the client cancels the call (notifications/cancelled).
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  std::chrono::milliseconds timeout{30000};
  /// Reports progress to the client (a no-op when it asked for none).
  std::function<void(double progress, std::optional<double> total, const std::string& message)> progress;

  [[nodiscard]] bool is_cancelled() const noexcept { return cancelled && cancelled->load(); }
};

/// One tool: its MCP listing and how to call it.
struct tool_entry {
  std::string name;
  std::string title;
  std::string description;
  nlohmann::json input_schema = nlohmann::json{{"type", "object"}};
  nlohmann::json output_schema;  ///< null: none declared (no structuredContent required)
  nlohmann::json annotations;    ///< null: none
  std::string source;            ///< "plugin:<name>", "mcp:<server>", "host"
  std::string owner;             ///< the tool registry's owner (the plugin's name)
  /// The host promises the call answers at once (no I/O, no waiting: a
  /// native lookup or computation). It then runs, with the tool.before_execution
  /// hooks, on the thread that received the request, with no hop to a worker
  /// thread; meanwhile that session reads nothing else (no ping, no cancel),
  /// so a tool that may block must not say so. Plugin and upstream tools never do.
  bool quick = false;
  /// Runs the tool with arguments already validated and through the
  /// pipeline; answers an MCP CallToolResult ({content, isError, structuredContent?}).
  std::function<result<nlohmann::json>(const nlohmann::json& args, const call_control&)> call;
  std::shared_ptr<const schema::validator> output_check;  ///< compiled output_schema (set by the catalog)

  /// The tools/list entry.
  [[nodiscard]] nlohmann::json listing() const {
    nlohmann::json j{{"name", name}, {"inputSchema", input_schema}};
    if (!title.empty()) j["title"] = title;
    if (!description.empty()) j["description"] = description;
    if (!output_schema.is_null()) j["outputSchema"] = output_schema;
    if (!annotations.is_null()) j["annotations"] = annotations;
    return j;
  }
};

class tool_catalog {
 public:
  using entry_ptr = std::shared_ptr<const tool_entry>;
  using listener = std::function<void()>;

  tool_catalog() = default;
  tool_catalog(const tool_catalog&) = delete;
  tool_catalog& operator=(const tool_catalog&) = delete;

  /// Replaces the tools of `source`. Returns the problems: a bad schema, a
  /// name another source holds (that tool is left out, the rest go in).
  /// Listeners hear of it only when the listing actually changed.
  std::vector<error> set_source(const std::string& source, std::vector<tool_entry> tools) {
    std::vector<error> problems;
    bool changed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::vector<entry_ptr> kept;
      for (auto& t : tools) {
        t.source = source;
        auto holder = by_name_.find(t.name);
        if (holder != by_name_.end() && holder->second->source != source) {
          problems.push_back(error{errc::already_exists,
                                   "tool \"" + t.name + "\" of " + describe_source(source) + " collides with the tool of " +
                                       describe_source(holder->second->source) + " (the first keeps the name)",
                                   t.owner, {}, {}});
          continue;
        }
        if (std::any_of(kept.begin(), kept.end(), [&](const entry_ptr& k) { return k->name == t.name; })) {
          problems.push_back(error{errc::already_exists,
                                   "tool \"" + t.name + "\" is offered twice by " + describe_source(source), t.owner, {}, {}});
          continue;
        }
        if (!t.output_schema.is_null()) {
          auto v = schema::compile(t.output_schema);
          if (!v) {
            error e = std::move(v.error());
            e.message = "outputSchema of tool \"" + t.name + "\": " + e.message;
            e.plugin = t.owner;
            problems.push_back(std::move(e));
            continue;
          }
          t.output_check = std::make_shared<const schema::validator>(std::move(*v));
        }
        kept.push_back(std::make_shared<const tool_entry>(std::move(t)));
      }
      auto& old = sources_[source];
      changed = !same_listing(old, kept);
      // The registry first (the pipeline looks tools up there), then the listing.
      for (const auto& e : old) registry_.remove(e->name);
      std::vector<entry_ptr> registered;
      for (auto& e : kept) {
        agent::tool_spec spec{e->name, e->description, e->input_schema, true, e->owner};
        if (auto r = registry_.add(std::move(spec)); !r) {
          error err = std::move(r.error());
          if (err.plugin.empty()) err.plugin = e->owner;
          problems.push_back(std::move(err));
          changed = true;
          continue;
        }
        registered.push_back(std::move(e));
      }
      for (const auto& e : old) by_name_.erase(e->name);
      for (const auto& e : registered) by_name_[e->name] = e;
      if (registered.empty()) {
        sources_.erase(source);
      } else {
        old = std::move(registered);
      }
      if (changed) ++revision_;
    }
    if (changed) notify();
    return problems;
  }

  /// Removes a source's tools (a plugin unloaded, a server disconnected).
  void remove_source(const std::string& source) { (void)set_source(source, {}); }

  [[nodiscard]] std::vector<std::string> sources() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& kv : sources_) out.push_back(kv.first);
    return out;
  }

  /// Every tool, by name.
  [[nodiscard]] std::vector<entry_ptr> list() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<entry_ptr> out;
    out.reserve(by_name_.size());
    for (const auto& kv : by_name_) out.push_back(kv.second);
    return out;
  }

  [[nodiscard]] entry_ptr find(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

  [[nodiscard]] std::uint64_t revision() const {
    std::lock_guard<std::mutex> lock(mu_);
    return revision_;
  }

  /// The registry the agent's tool pipeline checks calls against.
  [[nodiscard]] const agent::tool_registry& registry() const noexcept { return registry_; }

  /// Called (on the changing thread) after the listing changed. Returns an id for unsubscribe.
  std::size_t subscribe(listener fn) {
    std::lock_guard<std::mutex> lock(listen_mu_);
    listeners_.emplace(++next_listener_, std::move(fn));
    return next_listener_;
  }
  void unsubscribe(std::size_t id) {
    std::lock_guard<std::mutex> lock(listen_mu_);
    listeners_.erase(id);
  }

 private:
  [[nodiscard]] static std::string describe_source(const std::string& s) {
    if (s.rfind("plugin:", 0) == 0) return "plugin \"" + s.substr(7) + "\"";
    if (s.rfind("mcp:", 0) == 0) return "MCP server \"" + s.substr(4) + "\"";
    return s == "host" ? std::string("the host") : "\"" + s + "\"";
  }
  [[nodiscard]] static bool same_listing(const std::vector<entry_ptr>& a, const std::vector<entry_ptr>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i]->listing() != b[i]->listing()) return false;
    }
    return true;
  }
  void notify() {
    std::vector<listener> copy;
    {
      std::lock_guard<std::mutex> lock(listen_mu_);
      for (const auto& kv : listeners_) copy.push_back(kv.second);
    }
    for (const auto& fn : copy) fn();
  }

  mutable std::mutex mu_;
  std::map<std::string, std::vector<entry_ptr>> sources_;
  std::map<std::string, entry_ptr> by_name_;
  std::uint64_t revision_ = 0;
  agent::tool_registry registry_;
  std::mutex listen_mu_;
  std::map<std::size_t, listener> listeners_;
  std::size_t next_listener_ = 0;
};

}  // namespace aura::mcp
