// The language SDKs' process plugins (sdk/): one small event's round trip
// through aura::process_plugin, beside the minimal C++ echo child.
//
//   sdk_round_trip/cpp_echo   baseline: test/adapters/process/plugins/cpp_plugin.cpp
//   sdk_round_trip/<lang>     the SDK's example plugin (hook "check"); its command line
//                             comes from AURA_BENCH_SDK_<LANG> (python, node, go, rust),
//                             split on blanks; skipped when unset
//
// Budgets (issue #21): p50 <= 2x the C++ child's for Go and Rust, <= 5x for Python and Node.
#include <aura/adapters/process.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

using clk = std::chrono::steady_clock;

std::vector<std::string> words(const char* text) {
  std::vector<std::string> out;
  std::istringstream in(text ? text : "");
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void sdk_round_trip(benchmark::State& state, std::vector<std::string> argv, const std::string& hook_name) {
  if (argv.empty()) {
    state.SkipWithError("no command line: set AURA_BENCH_SDK_<LANG>");
    return;
  }
  aura::process_options o;
  o.name = "bench";
  o.argv = std::move(argv);
  for (const char* var : {"PATH", "PYTHONPATH", "HOME"}) {
    if (const char* v = std::getenv(var)) o.env[var] = v;
  }
  auto p = aura::process_plugin::start(o);
  if (!p) {
    state.SkipWithError(p.error().describe().c_str());
    return;
  }
  auto hook = (*p)->hook(hook_name);
  aura::context ctx;
  const auto ev = aura::make_envelope(std::string("tool.before_execution"),
                                      nlohmann::json{{"tool", "bash"}, {"args", {{"command", "ls -la"}}}},
                                      std::string(), std::string("sess-1"));
  std::vector<double> us;
  us.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = clk::now();
    auto d = hook(ev, ctx);
    us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    if (!d) {
      state.SkipWithError(d.error().describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(d);
  }
  if (!us.empty()) {
    std::sort(us.begin(), us.end());
    auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }
  (void)(*p)->shutdown();
}

void cpp_echo(benchmark::State& state) { sdk_round_trip(state, {AURA_BENCH_ECHO_CHILD, "--echo"}, "on_event"); }
void python(benchmark::State& state) { sdk_round_trip(state, words(std::getenv("AURA_BENCH_SDK_PYTHON")), "check"); }
void node(benchmark::State& state) { sdk_round_trip(state, words(std::getenv("AURA_BENCH_SDK_NODE")), "check"); }
void go(benchmark::State& state) { sdk_round_trip(state, words(std::getenv("AURA_BENCH_SDK_GO")), "check"); }
void rust(benchmark::State& state) { sdk_round_trip(state, words(std::getenv("AURA_BENCH_SDK_RUST")), "check"); }

}  // namespace

BENCHMARK(cpp_echo)->Name("sdk_round_trip/cpp_echo")->UseRealTime();
BENCHMARK(python)->Name("sdk_round_trip/python")->UseRealTime();
BENCHMARK(node)->Name("sdk_round_trip/node")->UseRealTime();
BENCHMARK(go)->Name("sdk_round_trip/go")->UseRealTime();
BENCHMARK(rust)->Name("sdk_round_trip/rust")->UseRealTime();
BENCHMARK_MAIN();
