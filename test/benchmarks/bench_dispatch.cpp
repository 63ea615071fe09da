// Typed allow-chain dispatch beside the two obvious alternatives: a
// std::vector<std::function> loop and Boost.Signals2, with the same handlers.
#include <benchmark/benchmark.h>

#include <boost/signals2.hpp>

#include <functional>
#include <type_traits>
#include <vector>

#include <aura/core/core.hpp>

#include "alloc_counter.hpp"

namespace {

struct tick {
  static constexpr std::string_view name = "bench.tick";
  static constexpr aura::event_flags flags = aura::vetoable;
  int value = 0;
};

// The handler every contender runs: reads the event, allows it.
inline bool handler(const tick& t) { return t.value >= 0; }

void report(benchmark::State& state, unsigned long long allocs, int hooks) {
  state.counters["allocs/dispatch"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
  state.counters["ns/hook"] = benchmark::Counter(static_cast<double>(state.iterations()) * hooks,
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The hook every aura contender registers: the shared handler, and a deny
// path as real hooks have.
aura::decision<tick> aura_hook(const tick& t) {
  if (!handler(t)) return aura::deny("negative");
  return aura::allow();
}

// Registers `hooks` hooks on `target` (a chain or a bus), then dispatches with `send`.
template <class Target, class Send>
void dispatch_through(benchmark::State& state, Target& target, Send send) {
  const int hooks = static_cast<int>(state.range(0));
  for (int i = 0; i < hooks; ++i) {
    if constexpr (std::is_same_v<Target, aura::bus>) {
      (void)target.template on<tick>({"h" + std::to_string(i), i}, [](const tick& t) { return aura_hook(t); });
    } else {
      (void)target.add({"h" + std::to_string(i), i}, [](const tick& t) { return aura_hook(t); });
    }
  }
  aura::context ctx;
  aura::envelope<tick> env;
  env.data.value = 1;
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    auto out = send(target, env, ctx);
    benchmark::DoNotOptimize(out.verdict);
  }
  report(state, bench::allocations.load() - before, hooks);
}

void aura_chain(benchmark::State& state, aura::tracing trace) {
  aura::chain<tick> chain(trace);
  dispatch_through(state, chain, [](auto& c, const auto& env, auto& ctx) { return c.dispatch(env, ctx); });
}

void BM_aura_chain_untraced(benchmark::State& state) { aura_chain(state, aura::tracing::off); }
void BM_aura_chain_decisions(benchmark::State& state) { aura_chain(state, aura::tracing::decisions); }
void BM_aura_chain_timings(benchmark::State& state) { aura_chain(state, aura::tracing::timings); }

void BM_std_function_loop(benchmark::State& state) {
  const int hooks = static_cast<int>(state.range(0));
  std::vector<std::function<bool(const tick&)>> fns;
  for (int i = 0; i < hooks; ++i) fns.emplace_back([](const tick& t) { return handler(t); });
  tick t{1};
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    bool ok = true;
    for (auto& f : fns) {
      if (!f(t)) {
        ok = false;
        break;
      }
    }
    benchmark::DoNotOptimize(ok);
  }
  report(state, bench::allocations.load() - before, hooks);
}

// Signals2 with a combiner that stops at the first "deny", like a chain.
struct first_deny {
  using result_type = bool;
  template <class It>
  bool operator()(It first, It last) const {
    for (; first != last; ++first)
      if (!*first) return false;
    return true;
  }
};

void BM_boost_signals2(benchmark::State& state) {
  const int hooks = static_cast<int>(state.range(0));
  boost::signals2::signal<bool(const tick&), first_deny> sig;
  for (int i = 0; i < hooks; ++i) sig.connect(i, [](const tick& t) { return handler(t); });
  tick t{1};
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    bool ok = sig(t);
    benchmark::DoNotOptimize(ok);
  }
  report(state, bench::allocations.load() - before, hooks);
}

// The bus adds a name lookup and the snapshot of its event map.
void BM_aura_bus_emit_untraced(benchmark::State& state) {
  aura::bus bus(aura::tracing::off);
  dispatch_through(state, bus, [](auto& b, const auto& env, auto& ctx) { return b.emit(env, ctx); });
}

}  // namespace

BENCHMARK(BM_aura_chain_untraced)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_aura_chain_decisions)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_aura_chain_timings)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_aura_bus_emit_untraced)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_std_function_loop)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_boost_signals2)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK_MAIN();
