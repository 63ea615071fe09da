// aura/agent/tool_batch.hpp - running one model turn's tool calls with
// idelchi/aura's tool extras honoured:
//  - Parallel: consecutive calls of parallel tools run at once; a call of a
//    tool that is not parallel runs alone, after every call before it and
//    before any after it (results keep the calls' order);
//  - Sandboxable: with the host's sandbox on, a sandboxable tool's call is
//    run sandboxed (tool_execution::sandboxed), confined to its paths' read
//    and write lists; a tool that is not sandboxable runs as it is;
//  - a tool definition's condition (tool_extras::when): with the turn's facts
//    given, a call of a tool whose condition does not hold is refused;
//  - Paths: asked for per call (paths_fn); `guard` paths are checked against
//    file_times before the call runs, `record` and `clear` applied after it
//    ran without error.
// Running the tool itself is the executor's (a plugin tool: plugin/tool_exec.hpp).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/tool_paths.hpp"
#include "aura/agent/tool_registry.hpp"
#include "aura/core/error.hpp"

namespace aura::agent {

/// One call the model asked for.
struct tool_call {
  std::string call_id;
  std::string tool;
  nlohmann::json args = nlohmann::json::object();
};

/// What the executor is given for one call.
struct tool_execution {
  const tool_definition& tool;
  const tool_call& call;
  const tool_paths& paths;
  bool sandboxed = false;  ///< run it confined to `paths.read` / `paths.write`
};

/// Runs one call; the value is the tool's result (an MCP result for plugin tools).
using tool_executor = std::function<result<nlohmann::json>(const tool_execution&)>;
/// A call's paths (idelchi/aura's `Paths(args)`); empty when the tool declares none.
using tool_paths_fn = std::function<result<tool_paths>(const tool_definition&, const nlohmann::json& args)>;

struct tool_batch_options {
  bool sandbox = false;           ///< the host's sandbox is on (sdk FeatureState.Sandbox)
  file_times* times = nullptr;    ///< read-before-write tracking; null: off (FeatureState.ReadBeforeWrite)
  /// Per-tool Parallel overrides, by tool name (apply_tool_overrides sets a
  /// tool definition's `parallel` on the tool itself; this is per batch).
  std::map<std::string, bool, std::less<>> parallel;
  /// The turn's facts: a call of a tool whose condition (tool_extras::when)
  /// does not hold for them is refused. Null: conditions are not checked.
  const aura::facts* turn_facts = nullptr;
};

/// The result of one call, in the calls' order.
struct tool_call_result {
  std::string call_id;
  std::string tool;
  result<nlohmann::json> output = nlohmann::json(nullptr);  ///< the tool's result, or why it did not run / failed
  bool ran = false;        ///< the executor was called
  bool sandboxed = false;  ///< it ran sandboxed
  bool parallel = false;   ///< it ran beside other calls
  tool_paths paths;
};

/// Whether `def`'s calls may run beside others: the override, else its Parallel.
[[nodiscard]] inline bool runs_in_parallel(const tool_definition& def, const tool_batch_options& opts) {
  auto it = opts.parallel.find(def.name);
  return it != opts.parallel.end() ? it->second : def.extras.parallel;
}

namespace detail {

struct batch_item {
  tool_registry::definition_ptr def;
  bool parallel = false;
};

/// Runs one prepared call: guard, execute, record/clear. Never throws.
inline void run_one(const tool_definition& def, const tool_call& call, const tool_executor& exec,
                    const tool_batch_options& opts, tool_call_result& out) {
  if (opts.times) {
    for (const auto& g : out.paths.guard) {
      if (auto bad = opts.times->guard(g)) {
        bad->message = "tool \"" + def.name + "\": " + bad->message;
        bad->plugin = def.owner;
        out.output = fail(std::move(*bad));
        return;
      }
    }
  }
  out.sandboxed = opts.sandbox && def.extras.sandboxable;
  out.ran = true;
  try {
    out.output = exec(tool_execution{def, call, out.paths, out.sandboxed});
  } catch (const std::exception& ex) {
    out.output = fail(error{errc::hook_failed, "tool \"" + def.name + "\" threw: " + ex.what(), def.owner, {}, {}});
  } catch (...) {
    out.output = fail(error{errc::hook_failed, "tool \"" + def.name + "\" threw", def.owner, {}, {}});
  }
  // A tool that answered with an error (MCP isError) did not show the model the file.
  const bool ok = out.output && !(out.output->is_object() && out.output->value("isError", false));
  if (ok && opts.times) {
    for (const auto& r : out.paths.record) opts.times->record(r);
    for (const auto& c : out.paths.clear) opts.times->clear(c);
  }
}

}  // namespace detail

/// Runs `calls` (see the top of this file). An unknown tool, arguments that do
/// not fit its schema, a paths_fn error or a failed guard is that call's
/// error; the other calls still run.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] std::vector<tool_call_result> run_tool_batch(const tool_registry& tools, const std::vector<tool_call>& calls,
                                                           const tool_executor& exec, const tool_paths_fn& paths_of = {},
                                                           const tool_batch_options& opts = {}) {
  std::vector<tool_call_result> out(calls.size());
  std::vector<detail::batch_item> items(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    out[i].call_id = calls[i].call_id;
    out[i].tool = calls[i].tool;
    auto def = tools.lookup(calls[i].tool);
    if (!def) {
      out[i].output = fail(errc::not_found, "no tool named \"" + calls[i].tool + "\"");
      continue;
    }
    if (opts.turn_facts && !def->extras.offered(*opts.turn_facts)) {
      out[i].output = fail(error{errc::permission_denied,
                                 "tool \"" + def->name + "\" is not offered now: its condition \"" + def->extras.when->text() +
                                     "\" does not hold",
                                 def->owner, {}, {}});
      continue;
    }
    if (auto bad = def->check(calls[i].args)) {
      out[i].output = fail(std::move(*bad));
      continue;
    }
    if (paths_of) {
      auto p = paths_of(*def, calls[i].args);
      if (!p) {
        error e = std::move(p.error());
        e.message = "tool \"" + def->name + "\": its paths: " + e.message;
        if (e.plugin.empty()) e.plugin = def->owner;
        out[i].output = fail(std::move(e));
        continue;
      }
      out[i].paths = std::move(*p);
    }
    items[i].def = def;
    items[i].parallel = runs_in_parallel(*def, opts);
  }
  std::size_t i = 0;
  while (i < calls.size()) {
    if (!items[i].def) {
      ++i;
      continue;
    }
    // The run of consecutive parallel calls from i (failed calls do not break it).
    std::size_t end = i + 1;
    if (items[i].parallel) {
      while (end < calls.size() && (!items[end].def || items[end].parallel)) ++end;
    }
    std::vector<std::size_t> group;
    for (std::size_t k = i; k < end; ++k)
      if (items[k].def) group.push_back(k);
    if (group.size() == 1) {
      detail::run_one(*items[group[0]].def, calls[group[0]], exec, opts, out[group[0]]);
    } else {
      std::vector<std::thread> threads;
      threads.reserve(group.size());
      for (std::size_t k : group) {
        out[k].parallel = true;
        try {
          threads.emplace_back([&, k] { detail::run_one(*items[k].def, calls[k], exec, opts, out[k]); });
        } catch (const std::exception&) {  // no thread to be had: run it here, still within its group
          detail::run_one(*items[k].def, calls[k], exec, opts, out[k]);
        }
      }
      for (auto& t : threads) t.join();
    }
    i = end;
  }
  return out;
}

}  // namespace aura::agent
