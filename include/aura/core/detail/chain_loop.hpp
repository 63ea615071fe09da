// aura/core/detail/chain_loop.hpp - chain<E>'s general dispatch loop, out of
// the class so that chain.hpp stays a readable size: the loop that records
// trails, counters and timings, evaluates gates and `once`, and settles
// denies, mutations, effects and failures. The straight-line allow path stays
// in the class (chain::run) and hands over here.
#pragma once

#include "aura/core/chain.hpp"

namespace aura {

// The general loop. `skip` hooks already answered a bare allow on the
// straight-line path; with `has_pending`, `pending` is the next one's answer.
template <class E>
AURA_NOINLINE outcome<E> chain<E>::run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
    context& ctx, tracing level, bool sample, std::size_t skip,
    detail::raw_decision pending, bool has_pending) const {
  outcome<E> out;
  std::optional<envelope<E>> copy;
  const envelope<E>* current = owned ? owned : &input;
  auto writable = [&]() -> envelope<E>& {
    if (owned) return *owned;
    if (!copy) copy.emplace(input);
    current = &*copy;
    return *copy;
  };
  // What this dispatch records (aura::tracing): `trail` the per-hook trail;
  // `counted` calls, skips and wire bytes, each weighing `weight` calls;
  // `timed` durations. Denies, mutations and errors are counted at every
  // level but off: they leave the fast path anyway.
  const bool trail = level == tracing::decisions || level == tracing::timings;
  const bool counted = trail || sample;
  const bool timed = level == tracing::timings || sample;
  const bool tallied = level != tracing::off;
  const std::uint64_t weight = sample ? tracing_sample_period : 1;
  if (trail) out.trail.reserve(s.hooks.size());
  bool mutated = false;
  detail::lazy_view json_view;  // typed events: made on first JSON hook

  // What one hook's answer does to the outcome; true stops the chain.
  // A failed call left its error in detail::hook_failure (per thread, so the
  // fast path builds no error on its stack); settle() empties it before the
  // next call.
  auto settle = [&](const entry& h, decision<E>& d, bool call_failed, std::chrono::nanoseconds took) {
    step_result step;
    bool stop = false;
    if (call_failed) {
      std::optional<error>& failure = detail::hook_failure;
      error e = failure ? std::move(*failure) : error{errc::hook_failed, "hook failed", h.opts.plugin, h.opts.name, {}};
      failure.reset();
      stop = apply_failure(h, std::move(e), out, step);
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
      if (!step.failed && d.has_effects()) {
        if (s.fold)
          (*s.fold)(out.effects, *std::as_const(d).effects());
        else
          fold_effects(out.effects, *std::as_const(d).effects());
      }
    }
    if (tallied) {
      auto& c = h.rt->counters;
      if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
    }
    record(h, took, counted, timed, weight);
    if (trail) out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
    return stop;
  };

  if (!counted && s.gated == 0) {
    // The fast path (no trail, no per-call counters, no gates, no `once`): a
    // hook answering a bare allow costs its call and one test.
    std::size_t index = 0;
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        if (index++ < skip) continue;
        const detail::raw_decision raw =
            std::exchange(has_pending, false) ? pending : invoke(fast, *current, ctx, json_view);
        if (AURA_LIKELY(raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(*fast.cold, d, raw.failed, std::chrono::nanoseconds{0})) goto done;
      }
    }
  } else {
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        const entry& h = *fast.cold;
        if (fast.gated && !h.gate->evaluate(ctx.facts())) {
          if (counted) h.rt->counters.skipped.fetch_add(weight, std::memory_order_relaxed);
          continue;
        }
        if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

        const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        if (counted) detail::current_call_bytes = {};
        const detail::raw_decision raw = invoke(fast, *current, ctx, json_view);
        std::chrono::nanoseconds took{0};
        if (timed) took = std::chrono::steady_clock::now() - start;
        if (AURA_LIKELY(!counted && raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(h, d, raw.failed, took)) goto done;
      }
    }
  }
done:
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

}  // namespace aura
