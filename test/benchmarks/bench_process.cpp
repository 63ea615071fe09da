// Process adapters: what a hook call costs when the hook is another process.
//
//   process_round_trip     aura::process_plugin -> minimal C++ echo child -> decision
//   pipe_round_trip        baseline: the same child, a raw line written and read back
//                          on one thread (no JSON, no reader thread)
//   command_hook_true      aura::make_command_hook running /bin/true per event
//   spawn_true             baseline: posix_spawn("/bin/true") + waitpid
//
// Round trips report p50/p99 (µs) as counters; budgets in DESIGN §7.
#include <aura/adapters/command.hpp>
#include <aura/adapters/process.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

extern char** environ;  // NOLINT

namespace {

using clk = std::chrono::steady_clock;

void report_percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = us.back();
}

aura::envelope<aura::dynamic_event> small_event() {
  return aura::make_envelope(std::string("tool.before_execution"),
                             nlohmann::json{{"tool_name", "Bash"}, {"tool_input", {{"command", "ls -la"}}}},
                             std::string(), std::string("sess-1"));
}

void process_round_trip(benchmark::State& state) {
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
  const auto ev = small_event();
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
  report_percentiles(state, us);
  (void)(*p)->shutdown();
}
BENCHMARK(process_round_trip)->UseRealTime();

void pipe_round_trip(benchmark::State& state) {
  aura::posix::spawn_options so;
  so.argv = {AURA_BENCH_ECHO_CHILD, "--echo"};
  so.pipe_stderr = false;
  auto child = aura::posix::spawn(so);
  if (!child) {
    state.SkipWithError(child.error().describe().c_str());
    return;
  }
  const std::string line = aura::jsonrpc::request_line(1, "event", aura::wire::request("on_event", small_event(), {}));
  std::vector<double> us;
  us.reserve(1 << 20);
  char buf[4096];
  for (auto _ : state) {
    const auto t0 = clk::now();
    if (::write(child->in.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
    for (;;) {  // the answer is one short line
      const ssize_t n = ::read(child->out.get(), buf, sizeof buf);
      if (n <= 0 || buf[n - 1] == '\n') break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
  }
  report_percentiles(state, us);
  child->in.reset();
  aura::posix::reap(child->pid);
}
BENCHMARK(pipe_round_trip)->UseRealTime();

void command_hook_true(benchmark::State& state) {
  aura::command_options o;
  o.name = "true";
  o.argv = {"/bin/true"};
  auto hook = aura::make_command_hook(o);
  if (!hook) {
    state.SkipWithError(hook.error().describe().c_str());
    return;
  }
  aura::context ctx;
  const auto ev = small_event();
  for (auto _ : state) {
    auto d = (*hook)(ev, ctx);
    if (!d) {
      state.SkipWithError(d.error().describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(command_hook_true)->UseRealTime()->Unit(benchmark::kMicrosecond);

void spawn_true(benchmark::State& state) {
  char prog[] = "/bin/true";
  char* argv[] = {prog, nullptr};
  for (auto _ : state) {
    pid_t pid = -1;
    if (posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      break;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}
BENCHMARK(spawn_true)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
