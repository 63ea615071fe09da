// Lua adapter: a small-event hook round trip (event and ctx tables built,
// handler run under the instruction hook and memory cap, answer read back as
// a decision) beside the floor: a protected call of an empty Lua function on
// the same kind of state. Budget (DESIGN §7): round trip <= 3 us.
//
// The isolated modes beside it, each with p50 / p99 counters (µs):
//   lua_inprocess_allow_pct   the in-process round trip, timed per call
//   lua_isolated_allow        the same plugin in an aura-worker process
//   process_allow             the process adapter (C++ echo child), the baseline
// Budget: isolated p50 <= 30 us.
// Run: bench_lua --benchmark_min_time=1 (AURA_WORKER overrides the worker)
#include <aura/adapters/lua.hpp>
#include <aura/core/bus.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "round_trip.hpp"

#include <benchmark/benchmark.h>

namespace {

const char* const script = R"lua(
function empty() end
function on_allow(event, ctx) return aura.allow() end
function on_check(event, ctx)
  for _, t in ipairs(event.data.tickets) do
    if t:match("^OPS%-%d+$") then return aura.allow() end
  end
  return aura.deny("Intent must reference an OPS-### ticket.")
end
function on_mutate(event, ctx)
  return aura.mutate({ summary = event.data.summary .. " [checked]" })
end
)lua";

std::shared_ptr<aura::lua_plugin> plugin(bool bounded) {
  aura::lua_options o;
  o.name = "bench";
  if (!bounded) {
    o.limits.instructions = 0;
    o.limits.memory = 0;
  }
  auto p = aura::lua_plugin::load_source(script, "bench", o);
  if (!p) {
    std::fprintf(stderr, "%s\n", p.error().describe().c_str());
    std::abort();
  }
  return *p;
}

aura::envelope<aura::dynamic_event> small_event() {
  return aura::make_envelope(std::string("intent.before_log"),
                             nlohmann::json{{"summary", "fix login redirect"}, {"tickets", {"OPS-123"}}}, "bench",
                             "s-1");
}

// The floor: lua_pcall of an empty global function on a sandboxed, hooked,
// capped state (what any call costs before aura does anything).
void BM_lua_empty_call(benchmark::State& state) {
  aura::lua_limits limits;
  auto s = aura::lua::state::create(limits);
  lua_State* L = s->L();
  luaL_loadstring(L, "function empty() end");
  lua_pcall(L, 0, 0, 0);
  for (auto _ : state) {
    s->begin_call();
    lua_getglobal(L, "empty");
    const int status = lua_pcall(L, 0, 0, 0);
    benchmark::DoNotOptimize(status);
  }
}
BENCHMARK(BM_lua_empty_call);

// Host side of the wire, for scale: request JSON built, decision parsed.
void BM_wire_only(benchmark::State& state) {
  auto env = small_event();
  const nlohmann::json config = nlohmann::json::object();
  const std::string answer = R"({"decision":"allow"})";
  for (auto _ : state) {
    auto req = aura::wire::request("on_allow", env, config);
    benchmark::DoNotOptimize(req);
    auto d = aura::wire::parse_decision(std::string_view(answer));
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_wire_only);

void round_trip(benchmark::State& state, const char* handler, bool bounded) {
  auto p = plugin(bounded);
  auto hook = p->hook(handler);
  auto env = small_event();
  aura::context ctx;
  for (auto _ : state) {
    auto d = hook(env, ctx);
    if (!d) {
      state.SkipWithError(d.error().describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(d);
  }
}
// The handler only answers: the adapter's own cost.
void BM_lua_round_trip_allow(benchmark::State& s) { round_trip(s, "on_allow", true); }
// Same without instruction hook and memory cap: what the bounds cost.
void BM_lua_round_trip_allow_unbounded(benchmark::State& s) { round_trip(s, "on_allow", false); }
// A realistic small policy: a loop and a pattern match over the event.
void BM_lua_round_trip_check(benchmark::State& s) { round_trip(s, "on_check", true); }
// A mutation: the patch table converted back to JSON.
void BM_lua_round_trip_mutate(benchmark::State& s) { round_trip(s, "on_mutate", true); }
BENCHMARK(BM_lua_round_trip_allow);
BENCHMARK(BM_lua_round_trip_allow_unbounded);
BENCHMARK(BM_lua_round_trip_check);
BENCHMARK(BM_lua_round_trip_mutate);

// Through a bus chain of one Lua hook (dispatch, trail and stats included).
void BM_lua_bus_emit(benchmark::State& state) {
  auto p = plugin(true);
  aura::bus bus;
  (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  (void)bus.on("intent.before_log", aura::hook_options("check"), p->hook("on_check"));
  auto env = small_event();
  for (auto _ : state) {
    auto out = bus.emit(env);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_lua_bus_emit);

// Per-call timing of the in-process round trip, for the percentiles beside
// the isolated one.
void lua_inprocess_allow_pct(benchmark::State& state) {
  auto p = plugin(true);
  auto hook = p->hook("on_allow");
  auto env = small_event();
  aura::context ctx;
  bench::timed_calls(state, hook, env, ctx);
}
BENCHMARK(lua_inprocess_allow_pct)->UseRealTime();

// The same script and handler in an aura-worker: request line over a pipe,
// the worker's in-process Lua call, answer line back, decision parsed.
void lua_isolated_allow(benchmark::State& state) {
  const auto file = std::filesystem::temp_directory_path() / ("aura-bench-" + std::to_string(::getpid()) + ".lua");
  std::ofstream(file) << script;
  auto p = bench::isolated(state, "lua", file.string());
  if (p) {
    auto hook = p->hook("on_allow");
    auto env = small_event();
    aura::context ctx;
    bench::timed_calls(state, hook, env, ctx);
    p->stop();
  }
  std::filesystem::remove(file);
}
BENCHMARK(lua_isolated_allow)->UseRealTime();

void process_allow(benchmark::State& state) { bench::process_round_trip(state, small_event()); }
BENCHMARK(process_allow)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
