// Plugin load and unload at scale (issue 15): 1,000 native plugins, one hook
// each on one event, loaded into a plugin_host and unloaded again, beside the
// floor of registering the same 1,000 hooks on the bus directly.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <aura/plugin/host.hpp>
#include <aura/plugin/runtime.hpp>

namespace {

using answer = aura::result<aura::decision<aura::dynamic_event>>;

constexpr int plugins = 1000;

answer allow_all(const aura::envelope<aura::dynamic_event>&, aura::context&) { return aura::decision<aura::dynamic_event>(aura::allow()); }

std::shared_ptr<aura::plugin::native_registry> natives() {
  auto r = std::make_shared<aura::plugin::native_registry>();
  r->add("bench", [](const aura::plugin::manifest&, std::shared_ptr<aura::context>) -> aura::result<aura::plugin::native_plugin> {
    aura::plugin::native_plugin p;
    p.handlers["check"] = allow_all;
    return p;
  });
  return r;
}

std::vector<aura::plugin::manifest> manifests() {
  std::vector<aura::plugin::manifest> out;
  for (int i = 0; i < plugins; ++i) {
    aura::plugin::manifest m;
    m.name = "p" + std::to_string(i);
    m.version = "1.0.0";
    m.runtime.kind = aura::plugin::runtime_kind::native;
    m.runtime.entrypoint = "bench";
    aura::plugin::hook_spec h;
    h.event = "intent.before_log";
    h.handler = "check";
    m.hooks.push_back(h);
    out.push_back(std::move(m));
  }
  return out;
}

aura::plugin::runtime_registry runtimes(const std::shared_ptr<aura::plugin::native_registry>& reg) {
  aura::plugin::runtime_registry r;
  r.set(aura::plugin::runtime_kind::native, aura::plugin::native_loader(reg));
  return r;
}

aura::plugin::host_options quiet() {
  aura::plugin::host_options o;
  o.unload_grace = std::chrono::milliseconds(0);
  return o;
}

void BM_plugin_host_load_1000(benchmark::State& state) {
  const auto list = manifests();
  const auto reg = natives();
  for (auto _ : state) {
    state.PauseTiming();
    aura::bus bus;
    (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
    auto host = std::make_unique<aura::plugin::plugin_host>(bus, runtimes(reg), quiet());
    auto copies = list;
    state.ResumeTiming();
    for (auto& m : copies) {
      if (!host->load(std::move(m))) state.SkipWithError("load failed");
    }
    benchmark::DoNotOptimize(bus.hooks("intent.before_log").size());
    state.PauseTiming();
    host.reset();
    state.ResumeTiming();
  }
}

void BM_plugin_host_unload_1000(benchmark::State& state) {
  const auto list = manifests();
  const auto reg = natives();
  for (auto _ : state) {
    state.PauseTiming();
    aura::bus bus;
    (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
    aura::plugin::plugin_host host(bus, runtimes(reg), quiet());
    for (auto m : list) (void)host.load(std::move(m));
    state.ResumeTiming();
    for (int i = 0; i < plugins; ++i) {
      if (!host.unload("p" + std::to_string(i))) state.SkipWithError("unload failed");
    }
    benchmark::DoNotOptimize(bus.hooks("intent.before_log").size());
  }
}

// The floor: the same 1,000 hooks put on the bus and taken off by hand.
void BM_bus_on_off_1000(benchmark::State& state) {
  for (auto _ : state) {
    aura::bus bus;
    (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
    for (int i = 0; i < plugins; ++i) (void)bus.on("intent.before_log", {"p" + std::to_string(i) + ":check"}, allow_all);
    for (int i = 0; i < plugins; ++i) (void)bus.off("intent.before_log", "p" + std::to_string(i) + ":check");
    benchmark::DoNotOptimize(bus.hooks("intent.before_log").size());
  }
}

}  // namespace

BENCHMARK(BM_plugin_host_load_1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_plugin_host_unload_1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_bus_on_off_1000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
