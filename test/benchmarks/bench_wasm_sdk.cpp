// The WASM guest SDKs' example guard ("check" hook) beside hand-written WAT,
// each dispatched the same small event through the wasm adapter's hook:
//   wat_allow   allow.wat: answers at once (the adapter's floor)
//   wat_policy  policy.wat: scans the request for its handler and rm -rf / sudo
//   wat_guard   guard.wat: the guard's logic by hand (the exact baseline)
//   c, rust, as the guard built by each SDK's toolchain (left out when missing)
// allow: {"command":"ls -la"}; deny: {"command":"rm -rf /"}. Metered (default
// fuel, as users run it) and unmetered. Counters: wasm_bytes (module size) and
// fuel (guest instructions charged per call, metered runs).
// Run: bench_wasm_sdk --benchmark_min_time=1
#include <aura/adapters/wasm.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

struct guest {
  const char* name;
  const char* path;
  const char* handler;
  bool guard;         // logs the command and denies rm -rf
  const char* deny;   // the reason of its deny, or null when it never denies
};
constexpr const char* guard_reason = "guard: rm -rf is not allowed";

std::vector<guest> guests() {
  std::vector<guest> g = {{"wat_allow", AURA_BENCH_WAT_ALLOW, "on_event", false, nullptr},
                          {"wat_policy", AURA_BENCH_WAT_POLICY, "policy", false, "rm -rf is not allowed"},
                          {"wat_guard", AURA_BENCH_WAT_GUARD, "check", true, guard_reason}};
#ifdef AURA_BENCH_GUARD_C
  g.push_back({"c", AURA_BENCH_GUARD_C, "check", true, guard_reason});
#endif
#ifdef AURA_BENCH_GUARD_RS
  g.push_back({"rust", AURA_BENCH_GUARD_RS, "check", true, guard_reason});
#endif
#ifdef AURA_BENCH_GUARD_AS
  g.push_back({"as", AURA_BENCH_GUARD_AS, "check", true, guard_reason});
#endif
  return g;
}

// Counts the guest's log lines and keeps the last: the guard must have found
// the command, and nothing reaches the terminal inside the timed loop.
class counting_logger final : public aura::logger {
 public:
  void write(aura::log_level, std::string_view, std::string_view message) override {
    ++lines;
    last.assign(message);
  }
  std::uint64_t lines = 0;
  std::string last;
};

std::shared_ptr<aura::wasm_plugin> load(const guest& g, bool metered) {
  aura::wasm_options o;
  o.name = g.name;
  o.limits.metering = metered;
  auto p = aura::wasm_plugin::load(g.path, o);
  if (!p) {
    std::fprintf(stderr, "%s\n", p.error().describe().c_str());
    std::abort();
  }
  return *p;
}

void dispatch(benchmark::State& state, const guest& g, bool metered, bool deny) {
  auto p = load(g, metered);
  auto hook = p->hook(g.handler);
  auto log = std::make_shared<counting_logger>();
  aura::context ctx;
  ctx.set_logger(log);
  const std::string command = deny ? "rm -rf /" : "ls -la";
  auto env = aura::make_envelope(std::string("tool.before_execution"), nlohmann::json{{"command", command}});
  for (auto _ : state) {
    auto d = hook(env, ctx);
    const bool ok = d && (deny ? d->is_deny() && d->reason() == g.deny : d->is_allow());
    if (!ok) {
      state.SkipWithError(d ? "unexpected decision" : d.error().describe().c_str());
      return;
    }
    benchmark::DoNotOptimize(d);
  }
  if (g.guard && (log->lines != static_cast<std::uint64_t>(state.iterations()) || log->last != command)) {
    state.SkipWithError("the guard did not log the command once per call");
  }
  state.counters["wasm_bytes"] = static_cast<double>(std::filesystem::file_size(g.path));
  if (metered) state.counters["fuel"] = static_cast<double>(p->stats().last_fuel_used);
}

// A guard must refuse a handler it does not have: checked once, so guard.wat
// answers like the SDKs do and no guest benchmarks a no-op by mistake.
bool refuses_unknown_hook(const guest& g) {
  auto p = load(g, true);
  aura::context ctx;
  ctx.set_logger(std::make_shared<counting_logger>());
  auto d = p->hook("nope")(aura::make_envelope(std::string("tool.before_execution"),
                                               nlohmann::json{{"command", "ls"}}),
                           ctx);
  return !d;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const guest& g : guests()) {
    if (g.guard && !refuses_unknown_hook(g)) {
      std::fprintf(stderr, "%s: the guard answered a hook it does not have\n", g.name);
      return 1;
    }
    const std::string n = g.name;
    benchmark::RegisterBenchmark(("allow/" + n + "/metered").c_str(),
                                 [g](benchmark::State& s) { dispatch(s, g, true, false); });
    benchmark::RegisterBenchmark(("allow/" + n + "/unmetered").c_str(),
                                 [g](benchmark::State& s) { dispatch(s, g, false, false); });
    if (g.deny) {
      benchmark::RegisterBenchmark(("deny/" + n + "/metered").c_str(),
                                   [g](benchmark::State& s) { dispatch(s, g, true, true); });
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
