// aura/core/chain.hpp - hooks for one event type, run in (priority, name) order.
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
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/condition.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/effects.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"
#include "aura/core/hints.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/outcome.hpp"
#include "aura/core/patch.hpp"
#include "aura/core/snapshot.hpp"
#include "aura/core/stats.hpp"

namespace aura {

/// The context dispatch uses when the caller passes none: the host's own.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] context& host_context() {
  static context ctx;
  return ctx;
}

/// A hook over the JSON form of an event: what adapters (process, command,
/// WASM, Lua) and dynamic callers register.
using json_hook = std::function<result<decision<dynamic_event>>(const envelope<dynamic_event>&, context&)>;

/// Checks a payload after each mutation (a JSON Schema, usually): nullopt when
/// valid, else an error whose `where` is the JSON pointer at fault.
template <class E>
using payload_check = std::function<std::optional<error>(const payload_t<E>&)>;

namespace detail {

/// Whether a type converts to and from nlohmann::json (needed for JSON hooks).
template <class T, class = void>
struct json_convertible : std::false_type {};
template <class T>
struct json_convertible<T, std::void_t<decltype(nlohmann::json(std::declval<const T&>())),
                                       decltype(std::declval<const nlohmann::json&>().template get<T>())>>
    : std::true_type {};

/// Calls a native hook with whichever of (payload), (envelope), (payload, ctx),
/// (envelope, ctx) it accepts; returns its answer as it is.
template <class E, class F>
decltype(auto) call_hook(F& fn, const envelope<E>& env, context& ctx) {
  using payload = payload_t<E>;
  if constexpr (std::is_invocable_v<F&, const envelope<E>&, context&>) {
    return fn(env, ctx);
  } else if constexpr (std::is_invocable_v<F&, const payload&, context&>) {
    return fn(env.data, ctx);
  } else if constexpr (std::is_invocable_v<F&, const envelope<E>&>) {
    return fn(env);
  } else {
    static_assert(std::is_invocable_v<F&, const payload&>,
                  "a hook takes (const E&), (const aura::envelope<E>&), or either plus aura::context&");
    return fn(env.data);
  }
}

/// Whether a hook answers result<decision<E>> (may fail) rather than a decision.
template <class E, class R>
inline constexpr bool answers_result = std::is_same_v<std::decay_t<R>, result<decision<E>>>;

template <class E, class R>
inline constexpr void check_answer() {
  static_assert(answers_result<E, R> || std::is_convertible_v<R, decision<E>>,
                "a hook returns aura::allow(), aura::deny(...), aura::mutate(...), "
                "aura::decision<E> or aura::result<aura::decision<E>>");
}

/// Calls a native hook (see call_hook) and lifts its answer into result<decision<E>>.
template <class E, class F>
[[nodiscard]] result<decision<E>> call_native(F& fn, const envelope<E>& env, context& ctx) {
  decltype(auto) answer = call_hook<E>(fn, env, ctx);
  using R = decltype(answer);
  check_answer<E, R>();
  if constexpr (answers_result<E, R>) {
    return std::forward<R>(answer);
  } else {
    return decision<E>(std::forward<R>(answer));
  }
}

/// The error a hook's exception becomes (`ex` null: not a std::exception).
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] error thrown_error(const std::exception* ex) {
  if (ex) return error{errc::hook_failed, std::string("hook threw: ") + ex->what(), {}, {}, {}};
  return error{errc::hook_failed, "hook threw a non-standard exception", {}, {}, {}};
}

/// Parses a hook's `when` gate once, at registration; a missing name or a bad
/// expression is an error naming the hook. Shared by every hook runner.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] result<std::optional<condition>> parse_gate(const hook_options& opts, const predicate_registry* registry) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a hook needs a name");
  if (opts.when.empty()) return std::optional<condition>{};
  auto parsed = condition::parse(opts.when, registry);
  if (!parsed) {
    error e = std::move(parsed.error());
    e.hook = opts.name;
    e.plugin = opts.plugin;
    return fail(std::move(e));
  }
  return std::optional<condition>(std::move(*parsed));
}

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

/// How placing a hook in a run-ordered list went.
enum class placement : std::uint8_t { placed, duplicate, missing };

/// Puts `e` into `hooks` in run order, all or nothing; with `replacing`, that
/// hook leaves in the same step, and `carry(old, e)` may keep its state.
/// Shared by every hook list (chains, the agent pipelines); `Entry` has `opts`.
template <class Entry, class Carry, class Order>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry,
                                   Order&& before) {
  auto named = [&](std::string_view name) {
    return std::find_if(hooks.begin(), hooks.end(), [&](const Entry& h) { return h.opts.name == name; });
  };
  auto old = replacing.empty() ? hooks.end() : named(replacing);
  if (!replacing.empty() && old == hooks.end()) return placement::missing;
  auto same = named(e.opts.name);
  if (same != hooks.end() && same != old) return placement::duplicate;
  if (old != hooks.end()) {
    carry(*old, e);
    hooks.erase(old);
  }
  auto pos = std::upper_bound(hooks.begin(), hooks.end(), e,
                              [&](const Entry& a, const Entry& b) { return before(a.opts, b.opts); });
  hooks.insert(pos, std::move(e));
  return placement::placed;
}

/// place_hook in the usual (priority, name) run order.
template <class Entry, class Carry>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry) {
  return place_hook(hooks, std::move(e), replacing, std::forward<Carry>(carry), runs_before);
}

/// A hook's failure under its policy: names the hook in `e`, and returns the
/// reason to stop with when the hook fails closed (nullopt: fail_open, go on).
[[nodiscard]] inline std::optional<std::string> failure_verdict(const hook_options& h, error& e) {
  e.hook = h.name;
  if (e.plugin.empty()) e.plugin = h.plugin;
  if (h.on_error != failure_policy::fail_closed) return std::nullopt;
  return "hook \"" + h.name + "\" failed: " + e.message;
}

/// Removes the hook named `name`; false if there is none.
template <class Entry>
bool remove_hook(std::vector<Entry>& hooks, std::string_view name) {
  auto it = std::find_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.name == name; });
  if (it == hooks.end()) return false;
  hooks.erase(it);
  return true;
}

/// Removes every hook `plugin` owns; returns how many.
template <class Entry>
std::size_t remove_plugin_hooks(std::vector<Entry>& hooks, std::string_view plugin) {
  auto keep = std::remove_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.plugin == plugin; });
  const auto n = static_cast<std::size_t>(hooks.end() - keep);
  hooks.erase(keep, hooks.end());
  return n;
}

/// The error for a placement that failed; `where` is "the chain for \"e\"" or the like.
[[nodiscard]] inline error placement_error(placement p, const hook_options& opts, std::string_view replacing,
                                           const std::string& where) {
  if (p == placement::missing) {
    return error{errc::not_found, "no hook named \"" + std::string(replacing) + "\" to replace in " + where,
                 opts.plugin, opts.name, {}};
  }
  return error{errc::already_exists, "a hook named \"" + opts.name + "\" is already in " + where, opts.plugin,
               opts.name, {}};
}

}  // namespace detail

/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot without a lock, so it finishes on the
/// hooks it started with.
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  explicit chain(tracing trace = tracing::timings) : state_(snapshot{}) {
    state_.update([&](const snapshot& s) {
      snapshot n = s;
      n.trace = trace;
      n.flags = traits::flags;
      return n;
    });
  }

  /// Adds a native hook. `fn` takes (const E&), (const envelope<E>&), or either
  /// plus context&, and returns a decision (or result<decision<E>>).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    if constexpr (traits::is_dynamic && std::is_convertible_v<F, json_hook>) {
      return add_json(std::move(opts), json_hook(std::forward<F>(fn)));
    } else {
      using fn_type = std::decay_t<F>;
      auto target = std::make_shared<fn_type>(std::forward<F>(fn));
      return insert(std::move(opts), &thunk<fn_type>, std::move(target), nullptr);
    }
  }

  /// Adds a hook over the event's JSON form (plugins). On a typed chain the
  /// payload is serialised once per dispatch, only if such a hook runs.
  result<void> add_json(hook_options opts, json_hook fn) { return insert_json(std::move(opts), std::move(fn), {}); }

  /// Replaces hook `old_name` with a JSON hook in one step: a dispatch sees the
  /// old hook or the new one, never both and never neither (plugin upgrades).
  /// The new hook may keep the old name. not_found if there is no `old_name`.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert_json(std::move(opts), std::move(fn), old_name);
  }

  /// Removes a hook by name; false if there is none.
  bool remove(std::string_view name) {
    bool found = false;
    edit([&](snapshot& n) { found = detail::remove_hook(n.hooks, name); });
    return found;
  }

  /// Removes every hook a plugin owns; returns how many.
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t count = 0;
    edit([&](snapshot& n) { count = detail::remove_plugin_hooks(n.hooks, plugin); });
    return count;
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = state_.acquire();
    std::vector<std::pair<hook_options, json_hook>> out;
    for (const auto& h : snap->hooks) {
      if (h.json) out.emplace_back(h.opts, h.json);
    }
    return out;
  }

  [[nodiscard]] std::size_t size() const { return state_.acquire()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = state_.acquire();
    std::vector<std::string> out;
    for (const auto& h : snap->hooks) out.push_back(h.opts.name);
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) { edit([&](snapshot& s) { s.check = std::move(check); }); }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return state_.acquire()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = state_.acquire();
    return run(*snap, env, nullptr, ctx);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = state_.acquire();
    return run(*snap, env, &env, ctx);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = state_.acquire();
    std::vector<hook_stats> out;
    for (const auto& h : snap->hooks) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    }
    return out;
  }



 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) and puts a failure (error answer,
  /// exception) in `failure`: the allow path constructs and destroys nothing.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx,
                                           std::optional<error>& failure);

  static detail::raw_decision failed(std::optional<error>& failure, error e) {
    failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx,
                                    std::optional<error>& failure) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(failure, std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
    }
  }

  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    call_fn call = nullptr;          // native (or a dynamic chain's JSON) hook
    std::shared_ptr<void> target;    // what `call` calls
    json_hook json;                  // a JSON hook (for typed chains: called through a JSON view)
    std::shared_ptr<runtime> rt;
  };
  /// The dispatch loop's compact view of one hook (hot data only).
  struct hot {
    call_fn call;
    void* target;
    const entry* cold;
    bool gated;
    bool once;
  };
  struct snapshot {
    std::vector<entry> hooks;
    std::vector<hot> order;  // rebuilt after every edit
    bool ungated = true;     // no hook has a `when` gate or `once`: the fast path may run
    tracing trace = tracing::timings;
    event_flags flags = event_flags::none;
    payload_check<E> check;

    snapshot() = default;
    snapshot(const snapshot& o) : hooks(o.hooks), trace(o.trace), flags(o.flags), check(o.check) { reindex(); }
    snapshot(snapshot&& o) noexcept = default;  // vectors keep their buffers: `order` stays valid
    snapshot& operator=(const snapshot&) = delete;
    snapshot& operator=(snapshot&&) = delete;
    void reindex() {
      order.clear();
      order.reserve(hooks.size());
      ungated = true;
      for (const entry& e : hooks) {
        order.push_back(hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once});
        if (e.gate || e.opts.once) ungated = false;
      }
    }
  };

  template <class Edit>
  void edit(Edit&& fn) {
    state_.update([&](const snapshot& s) {
      snapshot n = s;
      fn(n);
      n.reindex();
      return n;
    });
  }

  /// "the chain for \"E\"" for a typed chain; a dynamic chain does not know
  /// its name (the bus's errors add it).
  [[nodiscard]] static std::string chain_label() {
    if constexpr (traits::is_dynamic) return "the chain";
    return "the chain for \"" + std::string(traits::name) + "\"";
  }

  /// A JSON hook: a dynamic chain calls it directly; a typed one through the
  /// event's JSON view (no `call`).
  result<void> insert_json(hook_options opts, json_hook fn, std::string_view replacing) {
    static_assert(detail::json_convertible<payload_type>::value,
                  "JSON hooks on a typed event need to_json/from_json for it (NLOHMANN_DEFINE_TYPE_...)");
    if constexpr (traits::is_dynamic) {
      auto target = std::make_shared<json_hook>(fn);
      return insert(std::move(opts), &thunk<json_hook>, std::move(target), std::move(fn), replacing);
    } else {
      return insert(std::move(opts), nullptr, nullptr, std::move(fn), replacing);
    }
  }

  /// Adds a hook; with `replacing`, removes that hook in the same snapshot.
  result<void> insert(hook_options opts, call_fn call, std::shared_ptr<void> target, json_hook json,
                      std::string_view replacing = {}) {
    auto parsed_gate = detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    auto outcome_of = detail::placement::placed;
    edit([&](snapshot& n) {  // place_hook changes nothing when it fails
      entry e{opts, std::move(*parsed_gate), call, std::move(target), std::move(json), std::make_shared<runtime>()};
      outcome_of = detail::place_hook(n.hooks, std::move(e), replacing, [](const entry& old, entry& fresh) {
        if (old.opts.name == fresh.opts.name) fresh.rt = old.rt;  // re-registered: keep its stats and `once`
      });
    });
    if (outcome_of != detail::placement::placed) {
      return fail(detail::placement_error(outcome_of, opts, replacing, chain_label()));
    }
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx) const {
    outcome<E> out;
    std::optional<envelope<E>> copy;
    const envelope<E>* current = owned ? owned : &input;
    auto writable = [&]() -> envelope<E>& {
      if (owned) return *owned;
      if (!copy) copy.emplace(input);
      current = &*copy;
      return *copy;
    };
    const bool trace = s.trace != tracing::off;
    const bool timed = s.trace == tracing::timings;
    if (trace) out.trail.reserve(s.hooks.size());
    bool mutated = false;
    std::optional<envelope<dynamic_event>> json_view;  // typed events: made on first JSON hook

    // What one hook's answer does to the outcome; true stops the chain.
    std::optional<error> failure;  // set by a hook call that failed
    auto settle = [&](const entry& h, decision<E>& d, std::chrono::nanoseconds took) {
      step_result step;
      bool stop = false;
      if (failure) {
        stop = apply_failure(h, std::move(*failure), out, step);
        failure.reset();
      } else {
        step.kind = d.kind();
        if (d.is_deny()) {
          if (!has_flag(s.flags, event_flags::vetoable)) {
            violation(h, "denied an event that is not vetoable; the decision is ignored", out);
            step.kind = decision_kind::allow;
          } else {
            out.verdict = verdict::deny;
            out.reason = d.reason();
            out.denied_by = h.opts.name;
            stop = true;
          }
        } else if (d.is_mutate()) {
          if (!has_flag(s.flags, event_flags::patchable)) {
            violation(h, "mutated an event that is not patchable; the decision is ignored", out);
            step.kind = decision_kind::allow;
          } else if (auto failure = apply_mutation(s, d, writable(), json_view)) {
            stop = apply_failure(h, std::move(*failure), out, step);
          } else {
            mutated = true;
          }
        }
        if (!step.failed && d.has_effects()) fold_effects(out.effects, *std::as_const(d).effects());
      }
      if (trace) {
        auto& c = h.rt->counters;
        c.calls.fetch_add(1, std::memory_order_relaxed);
        if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
        if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
        if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
          c.bytes_in.fetch_add(bytes.in, std::memory_order_relaxed);
          c.bytes_out.fetch_add(bytes.out, std::memory_order_relaxed);
        }
        out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
      }
      return stop;
    };

    if (!trace && s.ungated) {
      // The fast path (no trail, no counters, no gates, no `once`): a hook
      // answering a bare allow costs its call and one test.
      for (const hot& fast : s.order) {
        const detail::raw_decision raw = invoke(fast, *current, ctx, json_view, failure);
        if (AURA_LIKELY(raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(*fast.cold, d, std::chrono::nanoseconds{0})) break;
      }
    } else {
      for (const hot& fast : s.order) {
        const entry& h = *fast.cold;
        if (fast.gated && !h.gate->evaluate(ctx.facts())) {
          if (trace) h.rt->counters.skipped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

        const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        if (trace) detail::current_call_bytes = {};
        decision<E> d = decision<E>::adopt_raw(invoke(fast, *current, ctx, json_view, failure));
        std::chrono::nanoseconds took{0};
        if (timed) took = std::chrono::steady_clock::now() - start;
        if (settle(h, d, took)) break;
      }
    }
    if (out.verdict != verdict::deny && mutated) out.verdict = verdict::mutate;
    if (owned) {
      out.data = std::move(owned->data);
    } else if (copy) {
      out.data = std::move(copy->data);
    } else {
      out.data = input.data;
    }
    return out;
  }

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            std::optional<envelope<dynamic_event>>& json_view,
                                            std::optional<error>& failure) const {
    if (fast.call) return fast.call(fast.target, env, ctx, failure);
    return invoke_json(*fast.cold, env, ctx, json_view, failure);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 std::optional<envelope<dynamic_event>>& json_view,
                                                 std::optional<error>& failure) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(failure, std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(failure, std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(failure, error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
    }
  }

  /// A JSON hook's decision on a typed event: kind, reason and JSON patch carry
  /// over; its effects are converted from JSON to E::effects.
  [[nodiscard]] static result<decision<E>> lift_json_decision(decision<dynamic_event> d) {
    decision<E> out = decision<E>::from_wire(d.kind(), d.reason(), d.json_patch(), d.json_patch_format());
    if (d.effects()) {
      if constexpr (!detail::json_convertible<effects_t<E>>::value) {
        return fail(errc::protocol_error, "the event's effects type cannot be read from JSON");
      } else try {
        out.set_effects(d.effects()->template get<effects_t<E>>());
      } catch (const std::exception& ex) {
        return fail(errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what());
      }
    }
    return out;
  }

  /// Applies a mutation to the working copy; an error leaves it untouched.
  [[nodiscard]] std::optional<error> apply_mutation(const snapshot& s, decision<E>& d, envelope<E>& env,
                                                    std::optional<envelope<dynamic_event>>& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
      const nlohmann::json& base = [&]() -> const nlohmann::json& {
        if constexpr (traits::is_dynamic) {
          return env.data;
        } else {
          if (!json_view) json_view = to_dynamic(env);
          return json_view->data;
        }
      }();
      auto patched = apply_patch(base, d.json_patch(), d.json_patch_format());
      if (!patched) return std::move(patched.error());
      if constexpr (traits::is_dynamic) {
        if (s.check) {
          if (auto bad = s.check(*patched)) return bad;
        }
        env.data = std::move(*patched);
      } else {
        payload_type next;
        try {
          next = patched->template get<payload_type>();
        } catch (const std::exception& ex) {
          return error{errc::validation_failed, std::string("patched payload does not fit the event type: ") + ex.what(),
                       {}, {}, {}};
        }
        if (s.check) {
          if (auto bad = s.check(next)) return bad;
        }
        env.data = std::move(next);
        json_view->data = std::move(*patched);
      }
      return std::nullopt;
    }
    if constexpr (!traits::is_dynamic) {
      if (s.check) {
        payload_type next = env.data;
        d.apply_to(next);
        if (auto bad = s.check(next)) return bad;
        env.data = std::move(next);
      } else {
        d.apply_to(env.data);
      }
      if constexpr (detail::json_convertible<payload_type>::value) {
        if (json_view) json_view->data = nlohmann::json(env.data);
      }
    }
    return std::nullopt;
  }

  /// Records a failure; the hook's policy answers. Returns true to stop the chain.
  /// What one hook's run came to (a trail entry is made of it only when tracing).
  struct step_result {
    decision_kind kind = decision_kind::allow;
    bool failed = false;
  };

  static bool apply_failure(const entry& h, error e, outcome<E>& out, step_result& step) {
    step.failed = true;
    auto stop = detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.verdict = verdict::deny;
      out.reason = std::move(*stop);
      out.denied_by = h.opts.name;
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  static void violation(const entry& h, std::string what, outcome<E>& out) {
    out.diagnostics.push_back(
        error{errc::protocol_violation, "hook " + std::move(what), h.opts.plugin, h.opts.name, {}});
  }

  mutable detail::published<snapshot> state_;
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura
