// aura/core/chain.hpp - hooks for one event type, run in (priority, name) order.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
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
#include "aura/core/hook_call.hpp"
#include "aura/core/hook_list.hpp"
#include "aura/core/hook_placement.hpp"
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

/// How a chain folds one hook's effects into the accumulated ones. Empty: the
/// effects type's own rule (fold_effects). Dynamic events get theirs from the
/// catalog that declares them (bus::declare), so a JSON chain folds by the
/// same documented rules as a typed one without the core knowing the catalog.
template <class E>
using effects_fold = std::function<void(effects_t<E>&, const effects_t<E>&)>;


/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot, so it finishes on the hooks it
/// started with. Hook edits are published by the next reader (the first
/// dispatch after an edit takes the edit lock once; the others take none).
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  /// `trace`: what each dispatch records (see aura::tracing; the default
  /// costs next to nothing and builds no trail).
  explicit chain(tracing trace = tracing::sampled) : state_(snapshot{}) {
    edit([&](snapshot& n) {
      n.trace = trace;
      n.flags = traits::flags;
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
    std::lock_guard<std::mutex> lock(edits_);
    const auto* found = index_.find(name);
    if (!found) return false;
    const std::shared_ptr<const entry> victim = *found;  // the index's copy goes in unindex()
    unindex(draft_, *victim);
    mark_dirty();
    return true;
  }

  /// Removes every hook a plugin owns; returns how many (one new version).
  std::size_t remove_plugin(std::string_view plugin) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto names = index_.owned_by(plugin);
    if (names.empty()) return 0;
    for (const auto& name : names) {
      const std::shared_ptr<const entry> victim = *index_.find(name);
      unindex(draft_, *victim);
    }
    mark_dirty();
    return names.size();
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = current();
    std::vector<std::pair<hook_options, json_hook>> out;
    snap->hooks.for_each([&](const entry& h) {
      if (h.json) out.emplace_back(h.opts, h.json);
    });
    return out;
  }

  [[nodiscard]] std::size_t size() const { return current()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = current();
    std::vector<std::string> out;
    out.reserve(snap->hooks.size());
    snap->hooks.for_each([&](const entry& h) { out.push_back(h.opts.name); });
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) {
    auto shared = check ? std::make_shared<const payload_check<E>>(std::move(check)) : nullptr;
    edit([&](snapshot& s) { s.check = std::move(shared); });
  }
  /// The rule folding hooks' effects (see effects_fold); empty restores the default.
  void set_effects_fold(effects_fold<E> fold) {
    auto shared = fold ? std::make_shared<const effects_fold<E>>(std::move(fold)) : nullptr;
    edit([&](snapshot& s) { s.fold = std::move(shared); });
  }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return current()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, snap->trace);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  /// A mutation edits the envelope in place (it is the dispatch's own).
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, snap->trace);
  }

  /// The same, recording at `level` for this call only (e.g. tracing::decisions
  /// for one dispatch's trail on a chain that records none by default).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, level);
  }
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, level);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = current();
    std::vector<hook_stats> out;
    snap->hooks.for_each([&](const entry& h) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    });
    return out;
  }

 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) with `failed` set when the call
  /// failed (error answer, exception), whose error it leaves in
  /// detail::hook_failure: the allow path constructs, destroys and touches no
  /// thread-local.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx);

  AURA_COLD static detail::raw_decision failed(error e) {
    detail::hook_failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
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
    [[nodiscard]] static hot of(const entry& e) noexcept {
      return hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once};
    }
  };
  /// One version of the chain; hooks are shared with the versions before and
  /// after it (see detail::hook_list), so an edit costs O(N/64 + 64).
  struct snapshot {
    detail::hook_list<entry, hot> hooks;
    std::size_t gated = 0;  // hooks with a `when` gate or `once`: none lets the fast path run
    tracing trace = tracing::sampled;
    event_flags flags = event_flags::none;
    std::shared_ptr<const payload_check<E>> check;
    std::shared_ptr<const effects_fold<E>> fold;
  };

  /// Edits the settings of the draft and publishes it at once (with any
  /// hook edits still pending).
  template <class Edit>
  void edit(Edit&& fn) {
    std::lock_guard<std::mutex> lock(edits_);
    fn(draft_);
    publish_locked();
  }

  // Hook edits change the writers' draft in place (only the chunk they touch
  // is copied, and only if a published version shares it) and mark it dirty;
  // the next reader (a dispatch, size(), names(), stats()) publishes it. So
  // 10,000 adds in a row publish one version, not 10,000, while every edit is
  // still seen by every dispatch that starts after it returned.
  void mark_dirty() noexcept { dirty_.store(true, std::memory_order_release); }
  void publish_locked() const {
    state_.store(snapshot(draft_));
    dirty_.store(false, std::memory_order_release);
  }
  /// The current version, publishing pending hook edits first.
  [[nodiscard]] auto current() const {
    if (dirty_.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(edits_);
      if (dirty_.load(std::memory_order_relaxed)) publish_locked();
    }
    return state_.acquire();
  }

  /// Takes `e` out of version `n` and of the index (edits_ held).
  void unindex(snapshot& n, const entry& e) {
    if (n.hooks.erase(e) && (e.gate || e.opts.once)) --n.gated;
    index_.drop(e);
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
    std::lock_guard<std::mutex> lock(edits_);
    std::shared_ptr<const entry> old;
    if (!replacing.empty()) {
      const auto* found = index_.find(replacing);
      if (!found) return fail(detail::placement_error(detail::placement::missing, opts, replacing, chain_label()));
      old = *found;
    }
    if (const auto* same = index_.find(opts.name); same && *same != old) {
      return fail(detail::placement_error(detail::placement::duplicate, opts, replacing, chain_label()));
    }
    auto e = std::make_shared<entry>(
        entry{std::move(opts), std::move(*parsed_gate), call, std::move(target), std::move(json), nullptr});
    // Re-registered under its own name: it keeps its stats and `once`.
    e->rt = old && old->opts.name == e->opts.name ? old->rt : std::make_shared<runtime>();
    if (old) unindex(draft_, *old);
    if (e->gate || e->opts.once) ++draft_.gated;
    index_.add(e);
    draft_.hooks.insert(std::move(e));
    mark_dirty();
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx,
                               tracing level) const {
    const bool trail = level == tracing::decisions || level == tracing::timings;
    const bool sample = level == tracing::sampled && detail::take_sample();
    if (AURA_LIKELY(!trail && !sample && s.gated == 0)) {
      // The straight-line path (what a default chain runs 255 times in 256):
      // no trail, no counters, no gates, no `once`, no JSON view. A hook
      // answering a bare allow costs its call and one test; the first other
      // answer (or a JSON hook on a typed chain) hands over to run_slow(),
      // which resumes at that hook.
      const envelope<E>& env = owned ? *owned : input;
      std::size_t before = 0;  // hooks in the chunks already run
      for (const auto& chunk : s.hooks.chunks()) {
        const hot* const first = chunk->hot.data();
        const hot* const last = first + chunk->hot.size();
        for (const hot* fast = first; fast != last; ++fast) {
          // The hook's index is worked out only when handing over (a counter
          // kept across the call would live on the stack).
          if (AURA_UNLIKELY(fast->call == nullptr)) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), {}, false);
          }
          const detail::raw_decision raw = fast->call(fast->target, env, ctx);
          // raw goes by value: its address taken would keep it on the stack.
          if (AURA_UNLIKELY(!raw.is_bare_allow())) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), raw, true);
          }
        }
        before += chunk->hot.size();
      }
      return allowed(input, owned);
    }
    return run_slow(s, input, owned, ctx, level, sample, 0, {}, false);
  }

  /// The outcome of a chain every hook allowed (one return: built in place).
  [[nodiscard]] static outcome<E> allowed(const envelope<E>& input, envelope<E>* owned) {
    outcome<E> out;
    if (owned) {
      out.data = std::move(owned->data);
    } else {
      out.data = input.data;
    }
    return out;
  }

  /// The general loop. `skip` hooks already answered a bare allow on the
  /// straight-line path; with `has_pending`, `pending` is the next one's answer.
  [[nodiscard]] AURA_NOINLINE outcome<E> run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
                                                  context& ctx, tracing level, bool sample, std::size_t skip,
                                                  detail::raw_decision pending, bool has_pending) const;

  /// A recorded call's figures: `weight` calls (a sample stands for its period).
  static void record(const entry& h, std::chrono::nanoseconds took, bool counted, bool timed, std::uint64_t weight) {
    if (!counted) return;
    auto& c = h.rt->counters;
    c.calls.fetch_add(weight, std::memory_order_relaxed);
    if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
    if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
      c.bytes_in.fetch_add(bytes.in * weight, std::memory_order_relaxed);
      c.bytes_out.fetch_add(bytes.out * weight, std::memory_order_relaxed);
    }
  }

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            detail::lazy_view& json_view) const {
    if (fast.call) return fast.call(fast.target, env, ctx);
    return invoke_json(*fast.cold, env, ctx, json_view);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 detail::lazy_view& json_view) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
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
                                                    detail::lazy_view& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
      if constexpr (traits::is_dynamic) {
        // `env` is the dispatch's own (the caller's moved-in envelope, or the
        // copy writable() made): a merge patch cannot fail, so with no check
        // to pass it is applied in place, touching only the members it names.
        if (d.json_patch_format() == patch_format::merge && !s.check) {
          env.data.merge_patch(d.json_patch());
          return std::nullopt;
        }
      }
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
          if (auto bad = (*s.check)(*patched)) return bad;
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
          if (auto bad = (*s.check)(next)) return bad;
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
        if (auto bad = (*s.check)(next)) return bad;
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
  // Writers only; a dispatch takes it once after hook edits, to publish them.
  mutable std::mutex edits_;
  snapshot draft_;                         // under edits_: the next version
  mutable std::atomic<bool> dirty_{false};  // draft_ has hook edits not yet published
  detail::hook_names<entry> index_;        // under edits_
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura

#include "aura/core/detail/chain_loop.hpp"  // chain<E>::run_slow

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): the dynamic (JSON) chain and the
// host's default context are compiled once, in the library.
namespace aura {
extern template context& host_context<0>();
extern template class chain<dynamic_event>;
}  // namespace aura
#endif
