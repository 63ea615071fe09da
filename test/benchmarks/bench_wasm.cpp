// WASM adapter: a small-event round trip (request JSON in, decision out)
// beside the floor (a call of an empty export), metered and unmetered, plus a
// loop-heavy export to show what the fuel counter costs per loop iteration.
//
// The isolated modes beside it, each with p50 / p99 counters (µs):
//   wasm_inprocess_allow_pct  the in-process round trip (allow.wasm), timed per call
//   wasm_isolated_allow       the same module in an aura-worker process
//   process_allow             the process adapter (C++ echo child), the baseline
// Budget: in-process <= 5 us, isolated p50 <= 30 us.
// Run: bench_wasm --benchmark_min_time=1 (AURA_WORKER overrides the worker)
#include <aura/adapters/wasm.hpp>

#include "round_trip.hpp"

#include <cstdlib>
#include <string>

#include <benchmark/benchmark.h>

namespace {

std::shared_ptr<aura::wasm_plugin> plugin(const char* path, bool metered) {
  aura::wasm_options o;
  o.name = "bench";
  o.limits.metering = metered;
  auto p = aura::wasm_plugin::load(path, o);
  if (!p) {
    std::fprintf(stderr, "%s\n", p.error().describe().c_str());
    std::abort();
  }
  return *p;
}

// Host side only, as core's wire module does it: build the request as JSON,
// serialise it, parse a fixed answer.
void BM_wire_only(benchmark::State& state) {
  auto env = aura::make_envelope(std::string("tool.before"), nlohmann::json{{"command", "ls -la"}});
  const nlohmann::json config = nlohmann::json::object();
  const std::string answer = R"({"decision":"allow"})";
  for (auto _ : state) {
    std::string req = aura::wire::request("policy", env, config).dump();
    benchmark::DoNotOptimize(req);
    auto d = aura::wire::parse_decision(std::string_view(answer));
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_wire_only);

// The same host work as the adapter does it: the request written straight
// into a reused string (no JSON tree built for it), fixed answer parsed.
void BM_request_writer(benchmark::State& state) {
  auto env = aura::make_envelope(std::string("tool.before"), nlohmann::json{{"command", "ls -la"}});
  const nlohmann::json config = nlohmann::json::object();
  const std::string answer = R"({"decision":"allow"})";
  std::string req;
  for (auto _ : state) {
    aura::wasm::write_request(req, "policy", env, config);
    benchmark::DoNotOptimize(req);
    auto d = aura::wire::parse_decision(std::string_view(answer));
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_request_writer);

// The floor: one call of an exported empty function on a leased instance.
void empty_export(benchmark::State& state, bool metered) {
  auto p = plugin(AURA_BENCH_WASM_ALLOW, metered);
  auto inst = p->lease_instance();
  for (auto _ : state) {
    auto r = (*inst)->call_void("nop", nullptr);
    benchmark::DoNotOptimize(r);
  }
}
void BM_empty_export_metered(benchmark::State& s) { empty_export(s, true); }
void BM_empty_export_unmetered(benchmark::State& s) { empty_export(s, false); }
BENCHMARK(BM_empty_export_metered);
BENCHMARK(BM_empty_export_unmetered);

// A full round trip through the json_hook: request built and written into the
// guest, aura_alloc + aura_on_event + aura.output_set, decision parsed.
// allow.wasm answers at once (the adapter's cost); policy.wasm scans the
// request byte by byte for its handler name and for "rm -rf" / "sudo " (the
// interpreter's cost on ~250 bytes of guest work).
void round_trip(benchmark::State& state, bool metered, const char* path, const char* handler) {
  auto p = plugin(path, metered);
  auto hook = p->hook(handler);
  aura::context ctx;
  auto env = aura::make_envelope(std::string("tool.before"), nlohmann::json{{"command", "ls -la"}});
  for (auto _ : state) {
    auto d = hook(env, ctx);
    if (!d || !d->is_allow()) state.SkipWithError("unexpected answer");
    benchmark::DoNotOptimize(d);
  }
}
void BM_round_trip_metered(benchmark::State& s) { round_trip(s, true, AURA_BENCH_WASM_ALLOW, "on_event"); }
void BM_round_trip_unmetered(benchmark::State& s) { round_trip(s, false, AURA_BENCH_WASM_ALLOW, "on_event"); }
void BM_round_trip_policy_metered(benchmark::State& s) { round_trip(s, true, AURA_BENCH_WASM_POLICY, "policy"); }
void BM_round_trip_policy_unmetered(benchmark::State& s) { round_trip(s, false, AURA_BENCH_WASM_POLICY, "policy"); }
BENCHMARK(BM_round_trip_metered);
BENCHMARK(BM_round_trip_unmetered);
BENCHMARK(BM_round_trip_policy_metered);
BENCHMARK(BM_round_trip_policy_unmetered);

// 10 000 iterations of a 9-instruction loop: the metering's cost per loop head.
void spin(benchmark::State& state, bool metered) {
  auto p = plugin(AURA_BENCH_WASM_POLICY, metered);
  auto inst = p->lease_instance();
  for (auto _ : state) {
    auto r = (*inst)->call_void("spin", nullptr);
    benchmark::DoNotOptimize(r);
  }
  state.counters["ns_per_iteration"] =
      benchmark::Counter(10000.0 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
void BM_spin_10k_metered(benchmark::State& s) { spin(s, true); }
void BM_spin_10k_unmetered(benchmark::State& s) { spin(s, false); }
BENCHMARK(BM_spin_10k_metered);
BENCHMARK(BM_spin_10k_unmetered);

aura::envelope<aura::dynamic_event> small_event() {
  return aura::make_envelope(std::string("tool.before"), nlohmann::json{{"command", "ls -la"}});
}

void wasm_inprocess_allow_pct(benchmark::State& state) {
  auto p = plugin(AURA_BENCH_WASM_ALLOW, true);
  auto hook = p->hook("on_event");
  aura::context ctx;
  bench::timed_calls(state, hook, small_event(), ctx);
}
BENCHMARK(wasm_inprocess_allow_pct)->UseRealTime();

void wasm_isolated_allow(benchmark::State& state) {
  auto p = bench::isolated(state, "wasm", AURA_BENCH_WASM_ALLOW);
  if (!p) return;
  auto hook = p->hook("on_event");
  aura::context ctx;
  bench::timed_calls(state, hook, small_event(), ctx);
  p->stop();
}
BENCHMARK(wasm_isolated_allow)->UseRealTime();

void process_allow(benchmark::State& state) { bench::process_round_trip(state, small_event()); }
BENCHMARK(process_allow)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
