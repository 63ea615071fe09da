// aura/agent/tool_pipeline.hpp - the before-tool-execution chain, with per-tool
// schema re-validation after every hook.
//
// Why a dedicated runner rather than chain<tool_before_execution>: the schema
// depends on the tool named in the payload, an invalid patch follows the
// pipeline's policy (reject the call, or discard the patch) rather than the
// hook's crash policy, and messages must be held back until the call is known
// to survive. Hooks, ordering (priority, name), `when` gates, `once`, failure
// policies, decisions, trail entries and JSON hooks are core's own types.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/effects.hpp"
#include "aura/agent/events.hpp"
#include "aura/agent/tool_registry.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/outcome.hpp"
#include "aura/core/patch.hpp"
#include "aura/core/snapshot.hpp"

namespace aura::agent {

/// What happens when a hook's changed arguments do not fit the tool's schema.
enum class invalid_args_policy : std::uint8_t {
  reject_call,   ///< the tool does not run; the reason names the hook and the JSON pointer
  discard_patch  ///< the change is dropped with a diagnostic; the next hook sees the previous arguments
};

[[nodiscard]] constexpr std::string_view to_string(invalid_args_policy p) noexcept {
  return p == invalid_args_policy::reject_call ? "reject_call" : "discard_patch";
}

struct tool_pipeline_options {
  invalid_args_policy on_invalid = invalid_args_policy::reject_call;
  /// Validate the model's own arguments before any hook runs (an invalid call
  /// is rejected without running hooks). Off: hooks may repair them (each
  /// change is still validated), and unchanged arguments are checked last.
  bool check_input = true;
  tracing trace = tracing::decisions;
};

/// Whether the tool runs.
enum class tool_status : std::uint8_t {
  run,      ///< run with `tool_outcome::args`
  blocked,  ///< a hook blocked it
  rejected  ///< invalid arguments, unknown tool, or a hook failing closed
};

[[nodiscard]] constexpr std::string_view to_string(tool_status s) noexcept {
  switch (s) {
    case tool_status::run: return "run";
    case tool_status::blocked: return "blocked";
    case tool_status::rejected: return "rejected";
  }
  return "unknown";
}

/// The result of running a tool call through the pipeline.
struct tool_outcome {
  tool_status status = tool_status::run;
  nlohmann::json args;     ///< the arguments to run with (every change applied and valid)
  std::string reason;      ///< why the tool does not run; give it to the model as the tool result
  std::string decided_by;  ///< the hook that blocked, failed closed, or gave rejected arguments
  bool modified = false;   ///< some hook changed the arguments
  turn_effects effects;    ///< folded; `messages` stays empty unless the tool runs
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;

  [[nodiscard]] bool runs() const noexcept { return status == tool_status::run; }
  explicit operator bool() const noexcept { return runs(); }
};

/// Runs tool.before_execution hooks over a call:
///  1. hooks run in (priority, name) order; each sees the previous one's arguments;
///  2. a hook may answer allow, deny (block) or mutate (new arguments: a new
///     value, an edit `void(tool_before_execution&)`, or a JSON patch over the
///     event's JSON form), each optionally `.with(turn_effects)`;
///  3. changed arguments are validated against the tool's schema at once;
///     an invalid change follows `on_invalid`;
///  4. the first block stops the chain; its reason and its messages are folded
///     into `tool_outcome::reason`;
///  5. injected messages are kept only when the call runs.
/// Only `args` may change: a hook that changes `tool` or `call_id` is reverted
/// with a protocol_violation diagnostic.
///
/// A class template only so that its code is compiled where it is used
/// (aura.hpp stays cheap to include); `tool_pipeline` is the one to use.
template <class E>
class basic_tool_pipeline {
 public:
  using event_type = E;
  using native_hook = std::function<result<decision<E>>(const envelope<E>&, context&)>;

  /// `tools` must outlive the pipeline.
  explicit basic_tool_pipeline(const tool_registry& tools, tool_pipeline_options opts = {})
      : tools_(&tools), state_(settings{{}, opts}) {}
  basic_tool_pipeline(const basic_tool_pipeline&) = delete;
  basic_tool_pipeline& operator=(const basic_tool_pipeline&) = delete;

  /// Adds a native hook: (const tool_before_execution&), (const envelope&), or
  /// either plus context&, answering allow / deny / mutate (optionally with effects).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(fn));
    native_hook call = [shared](const envelope<E>& env, context& ctx) {
      return aura::detail::call_native<E>(*shared, env, ctx);
    };
    return insert(std::move(opts), std::move(call), nullptr);
  }

  /// Adds a JSON hook (plugin): it sees {"host", "tool", "call_id", "args"} and
  /// may patch it (only "/args" counts) or deny; effects are turn_effects JSON.
  result<void> add_json(hook_options opts, json_hook fn) { return insert(std::move(opts), nullptr, std::move(fn)); }

  /// Replaces JSON hook `old_name` in one step: a concurrent run sees one of the two.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert(std::move(opts), nullptr, std::move(fn), old_name);
  }

  bool remove(std::string_view name) {
    bool found = false;
    edit([&](settings& s) { found = aura::detail::remove_hook(s.hooks, name); });
    return found;
  }
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    edit([&](settings& s) { n = aura::detail::remove_plugin_hooks(s.hooks, plugin); });
    return n;
  }
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = state_.acquire();
    std::vector<std::string> out;
    for (const auto& h : snap->hooks) out.push_back(h.opts.name);
    return out;
  }
  [[nodiscard]] std::size_t size() const { return state_.acquire()->hooks.size(); }

  void set_options(tool_pipeline_options opts) {
    edit([&](settings& s) { s.opts = opts; });
  }
  [[nodiscard]] tool_pipeline_options options() const { return state_.acquire()->opts; }
  /// The predicates `when` gates may name (agent::register_predicates); must outlive the pipeline.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }

  /// Runs the hooks over a call (a fresh envelope id and time).
  [[nodiscard]] tool_outcome run(E call, context& ctx = host_context()) const {
    return run(make_envelope(std::move(call)), ctx);
  }

  /// Runs the hooks over a call. Never throws for a hook's failure.
  [[nodiscard]] tool_outcome run(envelope<E> env, context& ctx) const {
    tool_outcome out;
    auto snap = state_.acquire();
    const settings& s = *snap;
    auto def = tools_->lookup(env.data.tool);
    if (!def) {
      out.status = tool_status::rejected;
      out.reason = "no tool named \"" + env.data.tool + "\"";
      out.diagnostics.push_back(error{errc::not_found, out.reason, {}, {}, {}});
      out.args = std::move(env.data.args);
      return out;
    }
    if (s.opts.check_input) {
      if (auto bad = def->check(env.data.args)) {
        out.status = tool_status::rejected;
        out.reason = "arguments for tool \"" + def->name + "\" do not fit its schema: " + bad->message + " (at " +
                     pointer_text(bad->where) + ")";
        out.diagnostics.push_back(std::move(*bad));
        out.args = std::move(env.data.args);
        return out;
      }
    }
    const bool trace = s.opts.trace != tracing::off;
    const bool timed = s.opts.trace == tracing::timings;
    if (trace) out.trail.reserve(s.hooks.size());
    const std::string call_id = env.data.call_id;
    std::optional<envelope<dynamic_event>> view;  // made on the first JSON hook

    for (const entry& h : s.hooks) {
      if (h.gate && !h.gate->evaluate(ctx.facts())) continue;
      if (h.opts.once && h.fired->exchange(true, std::memory_order_acq_rel)) continue;
      const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      result<decision<E>> answer = invoke(h, env, ctx, view);

      trail_entry step;
      bool stop = false;
      if (!answer) {
        stop = hook_failed(h, std::move(answer.error()), out, step);
      } else {
        decision<E>& d = *answer;
        step.kind = d.kind();
        bool keep_effects = true;
        if (d.is_deny()) {
          out.status = tool_status::blocked;
          out.decided_by = h.opts.name;
          out.reason = "blocked by hook \"" + h.opts.name + "\"";
          if (!d.reason().empty()) out.reason += ": " + d.reason();
          if (d.effects()) {
            for (const auto& m : d.effects()->messages) out.reason += "\n" + m.text();
          }
          stop = true;
        } else if (d.is_mutate()) {
          if (auto bad = apply_args(s, *def, call_id, h, d, env, view, out)) {
            keep_effects = false;
            if (bad->code != errc::validation_failed) {
              stop = hook_failed(h, std::move(*bad), out, step);
            } else if (s.opts.on_invalid == invalid_args_policy::reject_call) {
              out.status = tool_status::rejected;
              out.decided_by = h.opts.name;
              out.reason = "hook \"" + h.opts.name + "\" gave invalid arguments for tool \"" + def->name +
                           "\": " + bad->message + " (at " + pointer_text(bad->where) + ")";
              step.failed = true;
              step.kind = decision_kind::deny;
              out.diagnostics.push_back(std::move(*bad));
              stop = true;
            } else {
              bad->message = "invalid arguments discarded: " + bad->message;
              step.failed = true;
              step.kind = decision_kind::allow;
              out.diagnostics.push_back(std::move(*bad));
            }
          } else {
            out.modified = true;
          }
        }
        if (keep_effects && !step.failed && d.effects()) out.effects.fold(*d.effects());
      }
      if (trace) {
        step.hook = h.opts.name;
        step.plugin = h.opts.plugin;
        if (timed) step.duration = std::chrono::steady_clock::now() - start;
        out.trail.push_back(std::move(step));
      }
      if (stop) break;
    }
    // Input checking deferred (check_input off) and no hook changed anything:
    // the model's arguments still have to fit before the tool runs.
    if (out.status == tool_status::run && !out.modified && !s.opts.check_input) {
      if (auto bad = def->check(env.data.args)) {
        out.status = tool_status::rejected;
        out.reason = "arguments for tool \"" + def->name + "\" do not fit its schema: " + bad->message + " (at " +
                     pointer_text(bad->where) + ")";
        out.diagnostics.push_back(std::move(*bad));
      }
    }
    // Messages reach the model only for a call that runs.
    if (out.status != tool_status::run) out.effects.messages.clear();
    out.args = std::move(env.data.args);
    return out;
  }

 private:
  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    native_hook native;  // exactly one of native / json is set
    json_hook json;
    std::shared_ptr<std::atomic<bool>> fired;
  };
  struct settings {
    std::vector<entry> hooks;
    tool_pipeline_options opts;
  };

  template <class Edit>
  void edit(Edit&& fn) {
    state_.update([&](const settings& cur) {
      settings next = cur;
      fn(next);
      return next;
    });
  }

  /// Adds a hook; with `replacing`, that hook leaves in the same snapshot.
  result<void> insert(hook_options opts, native_hook native, json_hook json, std::string_view replacing = {}) {
    auto parsed_gate = aura::detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    auto placed = aura::detail::placement::placed;
    edit([&](settings& s) {
      entry e{opts, std::move(*parsed_gate), std::move(native), std::move(json), std::make_shared<std::atomic<bool>>(false)};
      placed = aura::detail::place_hook(s.hooks, std::move(e), replacing, [](const entry& old, entry& fresh) {
        if (old.opts.name == fresh.opts.name) fresh.fired = old.fired;  // re-registered: `once` holds
      });
    });
    if (placed != aura::detail::placement::placed) {
      return fail(aura::detail::placement_error(placed, opts, replacing, "the tool.before_execution pipeline"));
    }
    return {};
  }

  [[nodiscard]] static envelope<dynamic_event> make_view(const envelope<E>& env) { return to_dynamic(env); }

  /// Calls one hook; exceptions and malformed answers become errors.
  [[nodiscard]] static result<decision<E>> invoke(const entry& h, const envelope<E>& env, context& ctx,
                                                  std::optional<envelope<dynamic_event>>& view) {
    try {
      if (h.native) return h.native(env, ctx);
      if (!view) view = make_view(env);
      result<decision<dynamic_event>> r = h.json(*view, ctx);
      if (!r) return fail(std::move(r.error()));
      decision<E> out = decision<E>::from_wire(r->kind(), r->reason(), r->json_patch(), r->json_patch_format());
      if (r->effects() && !r->effects()->is_null()) {
        try {
          out.set_effects(r->effects()->template get<typename decision<E>::effects_type>());
        } catch (const std::exception& ex) {
          return fail(errc::protocol_error, std::string("effects do not fit tool.before_execution: ") + ex.what());
        }
      }
      return out;
    } catch (const std::exception& ex) {
      return fail(errc::hook_failed, std::string("hook threw: ") + ex.what());
    } catch (...) {
      return fail(errc::hook_failed, "hook threw a non-standard exception");
    }
  }

  /// Applies a hook's argument change; on an error (validation_failed with the
  /// JSON pointer in `where`, or a malformed patch) the arguments are as before.
  [[nodiscard]] static std::optional<error> apply_args(const settings& s, const tool_definition& def,
                                                       const std::string& call_id, const entry& h, decision<E>& d,
                                                       envelope<E>& env, std::optional<envelope<dynamic_event>>& view,
                                                       tool_outcome& out) {
    auto tag = [&](error e) {
      e.hook = h.opts.name;
      e.plugin = h.opts.plugin;
      return e;
    };
    if (d.has_json_patch()) {
      if (!view) view = make_view(env);
      const nlohmann::json& patch = d.json_patch();
      if (d.json_patch_format() == patch_format::merge && patch.is_object() && patch.size() == 1 &&
          patch.contains("args")) {
        // The common plugin answer {"args": {...}}: merge into the arguments
        // alone instead of copying the whole event (host state included).
        nlohmann::json next = apply_merge_patch(env.data.args, patch["args"]);
        if (auto bad = def.check(next)) return tag(std::move(*bad));
        env.data.args = next;
        view->data["args"] = std::move(next);
        return std::nullopt;
      }
      auto patched = apply_patch(view->data, patch, d.json_patch_format());
      if (!patched) return tag(std::move(patched.error()));
      if (!patched->is_object()) return tag(error{errc::patch_failed, "the patch replaced the whole event", {}, {}, "/"});
      if (patched->value("tool", std::string()) != def.name || patched->value("call_id", std::string()) != call_id) {
        (*patched)["tool"] = def.name;
        (*patched)["call_id"] = call_id;
        out.diagnostics.push_back(tag(error{errc::protocol_violation,
                                            "hook changed the tool name or call id; only the arguments may change "
                                            "(reverted)", {}, {}, "/tool"}));
      }
      auto it = patched->find("args");
      const nlohmann::json none;
      const nlohmann::json& next = it == patched->end() ? none : *it;
      if (auto bad = def.check(next)) {
        return tag(std::move(*bad));
      }
      env.data.args = next;
      view->data = std::move(*patched);
      return std::nullopt;
    }
    nlohmann::json saved;
    const bool keep_old = s.opts.on_invalid == invalid_args_policy::discard_patch;
    if (keep_old) saved = env.data.args;
    d.apply_to(env.data);
    if (env.data.tool != def.name || env.data.call_id != call_id) {
      env.data.tool = def.name;
      env.data.call_id = call_id;
      out.diagnostics.push_back(tag(error{errc::protocol_violation,
                                          "hook changed the tool name or call id; only the arguments may change "
                                          "(reverted)", {}, {}, "/tool"}));
    }
    if (auto bad = def.check(env.data.args)) {
      if (keep_old) env.data.args = std::move(saved);
      return tag(std::move(*bad));
    }
    if (view) view->data["args"] = env.data.args;
    return std::nullopt;
  }

  /// A hook's failure under its policy: fail_open goes on, fail_closed rejects the call.
  static bool hook_failed(const entry& h, error e, tool_outcome& out, trail_entry& step) {
    step.failed = true;
    auto stop = aura::detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.status = tool_status::rejected;
      out.decided_by = h.opts.name;
      out.reason = std::move(*stop);
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  const tool_registry* tools_;
  mutable aura::detail::published<settings> state_;
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

/// The before-tool-execution pipeline.
using tool_pipeline = basic_tool_pipeline<tool_before_execution>;

}  // namespace aura::agent
