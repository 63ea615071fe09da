// Soak (issue: reliability): two threads dispatch through a mixed chain —
// native, process (Python), WASM and Lua hooks — while a third reloads and
// upgrades the plugins every 10 ms. Every event must get an outcome, every
// outcome must show each of the four hooks exactly once (a dispatch sees the
// old version or the new, never neither or both), and nothing may crash.
#include <catch2/catch.hpp>

#define AURA_PLUGIN_WASM 1
#define AURA_PLUGIN_LUA 1
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/runtimes/defaults.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "resources.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// A plugin directory with an aura-plugin.json manifest.
fs::path write_plugin(const fs::path& root, const std::string& name, const std::string& kind,
                      const fs::path& file, const std::string& entrypoint) {
  const fs::path dir = root / name;
  fs::create_directories(dir);
  fs::copy_file(file, dir / file.filename());
  const json manifest = {{"plugin",
                          {{"name", name},
                           {"version", "1.0.0"},
                           {"runtime", {{"kind", kind}, {"entrypoint", entrypoint}}},
                           {"hooks", {{{"event", "soak.tick"}, {"handler", "on_tick"}}}}}}};
  std::ofstream(dir / "aura-plugin.json") << manifest.dump(2);
  return dir;
}

aura::plugin::manifest read(const fs::path& dir) {
  auto m = aura::plugin::read_plugin_dir(dir);
  if (!m) FAIL(m.error().describe());
  return *m;
}

}  // namespace

TEST_CASE("soak: mixed chain under reload and upgrade every 10 ms", "[soak][concurrency]") {
  const fs::path root = fs::temp_directory_path() / ("aura-soak-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  const fs::path plugins = AURA_RELIABILITY_PLUGINS;
  const fs::path dirs[] = {
      write_plugin(root, "soak-process", "process", plugins / "soak_process.py", "/usr/bin/python3 soak_process.py"),
      write_plugin(root, "soak-wasm", "wasm", AURA_RELIABILITY_WASM, "soak.wasm"),
      write_plugin(root, "soak-lua", "lua", plugins / "soak.lua", "soak.lua"),
  };

  aura::bus bus{aura::tracing::decisions};  // the soak reads trails
  REQUIRE(bus.declare("soak.tick", aura::vetoable | aura::patchable));
  std::atomic<long> native_calls{0};
  REQUIRE(bus.on("soak.tick", {"native", -1},
                 [&](const aura::envelope<aura::dynamic_event>&, aura::context&)
                     -> aura::result<aura::decision<aura::dynamic_event>> {
                   native_calls.fetch_add(1, std::memory_order_relaxed);
                   return aura::decision<aura::dynamic_event>(aura::allow());
                 }));
  const auto start = reliability::sample::now();
  {
    aura::plugin::host_options opts;
    opts.unload_grace = std::chrono::milliseconds(2000);
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), opts);
    for (const auto& d : dirs) REQUIRE(host.load(read(d)));
    REQUIRE(bus.hooks("soak.tick").size() == 4);

    constexpr long per_thread = 4000;
    std::atomic<long> outcomes{0}, complete{0}, diagnostics{0};
    std::atomic<bool> dispatching{true};
    std::atomic<long> swaps{0}, swap_failures{0};

    auto dispatcher = [&] {
      for (long i = 0; i < per_thread; ++i) {
        auto out = bus.emit("soak.tick", json{{"i", i}});
        outcomes.fetch_add(1);
        if (out.allowed() && out.trail.size() == 4) complete.fetch_add(1);
        diagnostics.fetch_add(static_cast<long>(out.diagnostics.size()));
        if (!out.diagnostics.empty() && diagnostics.load() < 5) {
          std::printf("soak diagnostic: %s\n", out.diagnostics.front().describe().c_str());
        }
      }
    };
    std::thread lifecycle([&] {
      long n = 0;
      while (dispatching.load()) {
        const auto& dir = dirs[n % 3];
        const std::string name = dir.filename().string();
        auto r = (n / 3) % 2 == 0 ? host.reload(name) : host.upgrade(read(dir));
        if (r) {
          swaps.fetch_add(1);
        } else {
          swap_failures.fetch_add(1);
          std::printf("soak swap failed: %s\n", r.error().describe().c_str());
        }
        ++n;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    std::thread a(dispatcher), b(dispatcher);
    a.join();
    b.join();
    dispatching = false;
    lifecycle.join();

    std::printf("soak: %ld events, %ld outcomes, %ld complete (4 hooks each), %ld reloads/upgrades, %ld failed swaps, "
                "%ld diagnostics\n",
                2 * per_thread, outcomes.load(), complete.load(), swaps.load(), swap_failures.load(),
                diagnostics.load());
    CHECK(outcomes.load() == 2 * per_thread);
    CHECK(complete.load() == 2 * per_thread);
    CHECK(native_calls.load() == 2 * per_thread);
    CHECK(diagnostics.load() == 0);
    CHECK(swap_failures.load() == 0);
    CHECK(swaps.load() > 10);
  }
  const auto end = reliability::sample::now();
  reliability::print("soak (after unload)", 0, start, end);
  CHECK(end.kids.alive == start.kids.alive);
  CHECK(end.kids.zombies == 0);
  CHECK(end.fds == start.fds);
  fs::remove_all(root);
}
