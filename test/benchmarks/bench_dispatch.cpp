// Typed allow-chain dispatch beside the two obvious alternatives: a
// std::vector<std::function> loop and Boost.Signals2, with the same handlers.
#include <benchmark/benchmark.h>

#include <boost/signals2.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
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

// What users get: `aura::bus bus;` (tracing::sampled), typed emit.
void BM_aura_bus_default(benchmark::State& state) {
  aura::bus bus;
  dispatch_through(state, bus, [](auto& b, const auto& env, auto& ctx) { return b.emit(env, ctx); });
}

// ---- two dispatching threads (10 hooks), optionally a third editing ----------
// Each benchmark thread dispatches; thread 0 of the "edited" variants also runs
// an editor std::thread that adds and removes a hook every 100 us. Throughput
// is items/s summed over threads (UseRealTime: the threads run side by side).
aura::bus& shared_bus() {
  static aura::bus bus;
  static const bool ready = [] {
    for (int i = 0; i < 10; ++i) (void)bus.on<tick>({"h" + std::to_string(i), i}, [](const tick& t) { return aura_hook(t); });
    return true;
  }();
  (void)ready;
  return bus;
}

struct editor {
  std::atomic<bool> stop{false};
  std::thread worker;
  template <class Edit>
  explicit editor(Edit edit) : worker([this, edit]() mutable {
      for (int n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        edit(n);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    }) {}
  ~editor() {
    stop = true;
    worker.join();
  }
};

void BM_aura_bus_threads(benchmark::State& state) {
  aura::bus& bus = shared_bus();
  std::unique_ptr<editor> ed;
  if (state.thread_index() == 0 && state.range(0) == 1) {
    ed = std::make_unique<editor>([&bus](int n) {
      if (n % 2 == 0) {
        (void)bus.on<tick>({"edited", 5}, [](const tick& t) { return aura_hook(t); });
      } else {
        (void)bus.off(tick::name, "edited");
      }
    });
  }
  aura::context ctx;
  aura::envelope<tick> env;
  env.data.value = 1;
  for (auto _ : state) {
    auto out = bus.emit(env, ctx);
    benchmark::DoNotOptimize(out.verdict);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

boost::signals2::signal<bool(const tick&), first_deny>& shared_signal() {
  static boost::signals2::signal<bool(const tick&), first_deny> sig;
  static const bool ready = [] {
    for (int i = 0; i < 10; ++i) sig.connect(i, [](const tick& t) { return handler(t); });
    return true;
  }();
  (void)ready;
  return sig;
}

void BM_boost_signals2_threads(benchmark::State& state) {
  auto& sig = shared_signal();
  std::unique_ptr<editor> ed;
  boost::signals2::connection edited;
  if (state.thread_index() == 0 && state.range(0) == 1) {
    ed = std::make_unique<editor>([&sig, &edited](int n) {
      if (n % 2 == 0) {
        edited = sig.connect(5, [](const tick& t) { return handler(t); });
      } else {
        edited.disconnect();
      }
    });
  }
  tick t{1};
  for (auto _ : state) {
    bool ok = sig(t);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- registration -----------------------------------------------------------------
// 10,000 hooks added one by one to one chain; 10,000 event names declared.
void BM_aura_chain_add_10000(benchmark::State& state) {
  for (auto _ : state) {
    auto chain = std::make_unique<aura::chain<tick>>();
    for (int i = 0; i < 10000; ++i) {
      (void)chain->add({"h" + std::to_string(i), i % 100}, [](const tick& t) { return aura_hook(t); });
    }
    benchmark::DoNotOptimize(chain->size());
    state.PauseTiming();  // destruction is not registration
    chain.reset();
    state.ResumeTiming();
  }
}

void BM_boost_signals2_connect_10000(benchmark::State& state) {
  for (auto _ : state) {
    boost::signals2::signal<bool(const tick&), first_deny> sig;
    for (int i = 0; i < 10000; ++i) sig.connect(i % 100, [](const tick& t) { return handler(t); });
    benchmark::DoNotOptimize(sig.num_slots());
  }
}

void BM_aura_bus_declare_10000(benchmark::State& state) {
  std::vector<std::string> names;
  for (int i = 0; i < 10000; ++i) names.push_back("event." + std::to_string(i));
  for (auto _ : state) {
    auto bus = std::make_unique<aura::bus>();
    for (const auto& n : names) (void)bus->declare(n, aura::vetoable);
    benchmark::DoNotOptimize(bus->flags_of(names.back()));
    state.PauseTiming();
    bus.reset();
    state.ResumeTiming();
  }
}

// The map a user would keep instead: std::map<std::string, flags>.
void BM_std_map_insert_10000(benchmark::State& state) {
  std::vector<std::string> names;
  for (int i = 0; i < 10000; ++i) names.push_back("event." + std::to_string(i));
  for (auto _ : state) {
    std::map<std::string, aura::event_flags> m;
    for (const auto& n : names) m.emplace(n, aura::vetoable);
    benchmark::DoNotOptimize(m.size());
  }
}

// ---- patches in place and the dynamic chain ---------------------------------------
nlohmann::json payload_of(std::size_t bytes) {  // an object of 100-byte strings
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i * 100 < bytes; ++i) j["k" + std::to_string(i)] = std::string(90, 'x');
  return j;
}

using dyn_answer = aura::result<aura::decision<aura::dynamic_event>>;

// One hook answers a one-member merge patch on a 1 MB payload; the envelope is
// moved in and the outcome's payload moved back for the next dispatch.
void BM_aura_dynamic_merge_patch_1mb(benchmark::State& state) {
  aura::chain<aura::dynamic_event> chain;
  chain.set_flags(aura::patchable);
  (void)chain.add("flag", [](const aura::envelope<aura::dynamic_event>&, aura::context&) -> dyn_answer {
    return aura::decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"flag", true}}, aura::patch_format::merge));
  });
  aura::context ctx;
  aura::envelope<aura::dynamic_event> env;
  env.name = "bench.big";
  env.data = payload_of(1 << 20);
  for (auto _ : state) {
    auto out = chain.dispatch(std::move(env), ctx);
    benchmark::DoNotOptimize(out.verdict);
    env.data = std::move(out.data);
  }
}

// The floor: setting the member in place by hand.
void BM_json_set_member_1mb(benchmark::State& state) {
  nlohmann::json data = payload_of(1 << 20);
  for (auto _ : state) {
    data["flag"] = true;
    benchmark::DoNotOptimize(data);
  }
}

// Dynamic chain, 1 KB payload, one allow hook, envelope moved in; beside the
// typed chain with one hook (same default tracing).
void BM_aura_dynamic_allow_1kb(benchmark::State& state) {
  aura::chain<aura::dynamic_event> chain;
  (void)chain.add("ok", [](const aura::envelope<aura::dynamic_event>& e, aura::context&) -> dyn_answer {
    if (e.data.is_null()) return aura::decision<aura::dynamic_event>(aura::deny("empty"));
    return aura::decision<aura::dynamic_event>(aura::allow());
  });
  aura::context ctx;
  aura::envelope<aura::dynamic_event> env;
  env.name = "bench.small";
  env.data = payload_of(1024);
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    auto out = chain.dispatch(std::move(env), ctx);
    benchmark::DoNotOptimize(out.verdict);
    env.data = std::move(out.data);
  }
  report(state, bench::allocations.load() - before, 1);
}

void BM_aura_typed_allow_1(benchmark::State& state) {
  aura::chain<tick> chain;
  dispatch_through(state, chain, [](auto& c, const auto& env, auto& ctx) { return c.dispatch(env, ctx); });
}

}  // namespace

BENCHMARK(BM_aura_bus_default)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_boost_signals2)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_std_function_loop)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_aura_chain_untraced)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_aura_bus_emit_untraced)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_aura_chain_decisions)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_aura_chain_timings)->Arg(1)->Arg(10)->Arg(100);
// Arg 0: dispatching threads only; Arg 1: plus an editor every 100 us.
BENCHMARK(BM_aura_bus_threads)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_boost_signals2_threads)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_aura_chain_add_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_boost_signals2_connect_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_aura_bus_declare_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_std_map_insert_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_aura_dynamic_merge_patch_1mb)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_json_set_member_1mb)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_aura_dynamic_allow_1kb);
BENCHMARK(BM_aura_typed_allow_1)->Arg(1);
BENCHMARK_MAIN();
