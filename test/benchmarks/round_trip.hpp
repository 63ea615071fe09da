// Shared by bench_lua and bench_wasm: per-iteration timing reported as p50 /
// p99 counters, the aura-worker the isolated benchmarks start, and the
// process-adapter round trip they are shown beside (the same minimal C++ echo
// child bench_process uses).
#pragma once

#include <aura/adapters/isolated.hpp>
#include <aura/adapters/process.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace bench {

using clk = std::chrono::steady_clock;

/// Microseconds of each iteration, read back as p50 / p99 / max counters.
class percentiles {
 public:
  percentiles() { us_.reserve(1 << 20); }
  template <class F>
  decltype(auto) time(F&& f) {
    const auto t0 = clk::now();
    struct stop {
      percentiles* self;
      clk::time_point t0;
      ~stop() { self->us_.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count()); }
    } s{this, t0};
    return f();
  }
  void report(benchmark::State& state) {
    if (us_.empty()) return;
    std::sort(us_.begin(), us_.end());
    auto at = [&](double q) {
      return us_[std::min(us_.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us_.size())))];
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
    state.counters["max_us"] = us_.back();
  }

 private:
  std::vector<double> us_;
};

/// The worker: $AURA_WORKER when set, else the one this build made.
inline std::string worker() {
  if (const char* env = std::getenv("AURA_WORKER"); env != nullptr && *env != '\0') return env;
  return AURA_BENCH_WORKER;
}

/// Calls `hook` with `event` once per iteration, timing each call.
template <class Hook, class Event>
void timed_calls(benchmark::State& state, Hook& hook, const Event& event, aura::context& ctx) {
  percentiles pct;
  for (auto _ : state) {
    auto d = pct.time([&] { return hook(event, ctx); });
    if (!d) {
      state.SkipWithError(d.error().describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(d);
  }
  pct.report(state);
}

/// An isolated plugin of `runtime` loaded from `file`, one worker.
inline std::shared_ptr<aura::isolated_plugin> isolated(benchmark::State& state, const char* runtime,
                                                       const std::string& file) {
  aura::isolated_options o;
  o.name = "bench";
  o.runtime = runtime;
  o.file = file;
  o.worker = worker();
  o.isolation.max_workers = 1;
  auto p = aura::isolated_plugin::load(std::move(o));
  if (!p) {
    state.SkipWithError(p.error().describe().c_str());
    return nullptr;
  }
  return std::move(*p);
}

/// The baseline: the same kind of event through aura::process_plugin to a
/// persistent C++ child that answers allow.
template <class Event>
void process_round_trip(benchmark::State& state, const Event& event) {
  aura::process_options o;
  o.name = "echo";
  o.argv = {AURA_BENCH_ECHO_CHILD, "--echo"};
  auto p = aura::process_plugin::start(o);
  if (!p) {
    state.SkipWithError(p.error().describe().c_str());
    return;
  }
  auto hook = (*p)->hook("on_event");
  aura::context ctx;
  timed_calls(state, hook, event, ctx);
  (void)(*p)->shutdown();
}

}  // namespace bench
