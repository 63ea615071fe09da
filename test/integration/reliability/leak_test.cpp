// Leak checks over many adapter calls (issue: reliability): descriptors,
// children and memory stay flat. Figures go to the test output.
#include <catch2/catch.hpp>

#include <aura/adapters/lua.hpp>
#include <aura/adapters/process.hpp>
#include <aura/adapters/wasm.hpp>

#include "resources.hpp"

namespace {

using dyn = aura::dynamic_event;

aura::envelope<dyn> tick(long i) { return aura::make_envelope("soak.tick", nlohmann::json{{"i", i}}); }

/// Calls `hook` n times after a warm-up; every call must allow.
void hammer(const aura::json_hook& hook, long n, long& allowed) {
  aura::context ctx;
  for (long i = 0; i < n; ++i) {
    auto d = hook(tick(i), ctx);
    if (d && d->is_allow()) ++allowed;
  }
}

// Memory may move by allocator noise, never by a per-call leak: 100,000 calls
// leaking even 64 bytes each would add 6 MiB.
constexpr long rss_slack_kib = 4 * 1024;

// 100,000 calls through an in-process runtime's hook, after a warm-up: every
// call answered, descriptors equal, resident memory flat.
void check_in_process(const char* what, const aura::json_hook& hook) {
  long allowed = 0;
  hammer(hook, 2000, allowed);
  const auto before = reliability::sample::now();
  hammer(hook, 100000, allowed);
  const auto after = reliability::sample::now();
  reliability::print(what, 100000, before, after);
  CHECK(allowed == 102000);
  CHECK(after.fds == before.fds);
  if (reliability::rss_is_meaningful) CHECK(after.rss - before.rss < rss_slack_kib);
}

}  // namespace

TEST_CASE("lua: 100,000 calls leak nothing", "[leak][lua]") {
  auto plugin = aura::lua_plugin::load(AURA_RELIABILITY_PLUGINS "/soak.lua", {});
  REQUIRE(plugin);
  check_in_process("lua", (*plugin)->hook("on_tick"));
}

TEST_CASE("wasm: 100,000 calls leak nothing", "[leak][wasm]") {
  auto plugin = aura::wasm_plugin::load(AURA_RELIABILITY_WASM, {});
  REQUIRE(plugin);
  check_in_process("wasm", (*plugin)->hook("on_tick"));
}

TEST_CASE("process: 10,000 calls leak nothing, and shutdown reaps the child", "[leak][process]") {
  const auto start = reliability::sample::now();
  {
    aura::process_options opts;
    opts.name = "soak-process";
    opts.argv = {"/usr/bin/python3", AURA_RELIABILITY_PLUGINS "/soak_process.py"};
    opts.workdir = AURA_RELIABILITY_PLUGINS;
    auto plugin = aura::process_plugin::start(opts);
    REQUIRE(plugin);
    auto hook = (*plugin)->hook("on_tick");
    long allowed = 0;
    hammer(hook, 500, allowed);
    const auto before = reliability::sample::now();
    hammer(hook, 10000, allowed);
    const auto after = reliability::sample::now();
    reliability::print("process", 10000, before, after);
    CHECK(allowed == 10500);
    CHECK(after.fds == before.fds);
    CHECK(after.kids.alive == before.kids.alive);
    CHECK(after.kids.zombies == 0);
    if (reliability::rss_is_meaningful) CHECK(after.rss - before.rss < rss_slack_kib);
    REQUIRE((*plugin)->shutdown());
  }
  const auto end = reliability::sample::now();
  reliability::print("process (after shutdown)", 0, start, end);
  CHECK(end.kids.alive == start.kids.alive);
  CHECK(end.kids.zombies == 0);
  CHECK(end.fds == start.fds);
}
