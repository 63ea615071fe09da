// The isolated mode with WASM guests: the deadline holds from outside (also
// where fuel does not grow with the work, memory.fill), memory is bounded,
// the worker is replaced after each kill.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "guests.hpp"
#include "support/proc_counts.hpp"

using namespace iso_test;
using aura::errc;

namespace {

std::shared_ptr<aura::isolated_plugin> wasm_guest(const std::string& name, const char* file,
                                                  nlohmann::json limits = nlohmann::json::object()) {
  aura::isolated_options o;
  o.name = name;
  o.runtime = "wasm";
  o.file = file;
  o.limits = std::move(limits);
  o.worker = AURA_TEST_WORKER;
  o.ctx = context_with(aura::permissions{});
  o.isolation.restart_backoff = 5ms;
  o.isolation.max_backoff = 100ms;
  return load_or_die(std::move(o));
}

void expect_timeout(aura::isolated_plugin& p, const std::string& hook, std::chrono::milliseconds timeout) {
  aura::context ctx;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p.call(hook, event(), ctx, timeout); });
  INFO("took " << took.count() << " ms");
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().code == errc::timeout);
  CHECK(r.error().plugin == p.name());
  CHECK(r.error().hook == hook);
  CHECK(took < timeout + 50ms + slack);
}

}  // namespace

TEST_CASE("isolated wasm: a small event round-trips", "[isolated][wasm]") {
  auto p = wasm_guest("allow", AURA_TEST_WASM_ALLOW);
  aura::context ctx;
  for (int i = 0; i < 3; ++i) {
    auto r = p->call("on_event", event(), ctx);
    REQUIRE(r);
    CHECK(r->is_allow());
  }
}

TEST_CASE("isolated wasm: a module that is not WASM is a load error", "[isolated][wasm]") {
  aura::isolated_options o;
  o.name = "notwasm";
  o.runtime = "wasm";
  o.file = write_guest("notwasm.wasm", "definitely not a module");
  o.worker = AURA_TEST_WORKER;
  auto r = aura::isolated_plugin::load(std::move(o));
  REQUIRE_FALSE(r);
  CHECK(r.error().plugin == "notwasm");
  CHECK(r.error().code == errc::load_error);
}

TEST_CASE("isolated wasm: an infinite loop with unbounded fuel ends at the deadline", "[isolated][wasm]") {
  auto p = wasm_guest("spin", AURA_TEST_WASM_SPIN, {{"fuel", 1000000000000000ULL}, {"deadline_ms", 600000}});
  expect_timeout(*p, "on_event", 300ms);
  expect_timeout(*p, "on_event", 300ms);
  // The worker gets the same 300 ms as its own WASM deadline (checked at each
  // fuel slice): when its answer beats the 50 ms margin it is kept, else it is
  // killed. Both are in time; what may not happen is more kills than calls.
  CHECK(p->workers_lost() <= 2);
}

TEST_CASE("isolated wasm: bulk memory.fill cannot outrun the deadline", "[isolated][wasm]") {
  // Fuel now grows with the bytes filled (docs/security.md); with fuel and
  // the runtime's deadline out of the way, only the host's bound is left.
  auto p = wasm_guest("fill", AURA_TEST_WASM_FILL,
                      {{"memory_pages", 512}, {"fuel", 1000000000000000000ULL}, {"deadline_ms", 600000}});
  expect_timeout(*p, "on_event", 400ms);
}

TEST_CASE("isolated wasm: the runtime's own deadline is the default", "[isolated][wasm]") {
  auto p = wasm_guest("spin_default", AURA_TEST_WASM_SPIN, {{"fuel", 1000000000000000ULL}, {"deadline_ms", 300}});
  CHECK(p->runtime_timeout() == 300ms);
  expect_timeout(*p, "on_event", 0ms);
}

TEST_CASE("isolated wasm: memory growth is bounded and the worker replaced", "[isolated][wasm]") {
  auto p = wasm_guest("grow", AURA_TEST_WASM_GROW, {{"memory_pages", 4096}});
  aura::context ctx;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p->call("on_event", event(), ctx, 5000ms); });
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().plugin == "grow");
  CHECK(took < 5000ms + slack);
}

TEST_CASE("isolated wasm: fds and children stay flat over hundreds of calls", "[isolated][wasm]") {
  auto p = wasm_guest("flat", AURA_TEST_WASM_ALLOW);
  aura::context ctx;
  for (int i = 0; i < 10; ++i) REQUIRE(p->call("on_event", event(), ctx));
  const int fds = aura_test::open_fds();
  const auto kids = aura_test::count_children();
  const long rss = rss_kb();
  for (int i = 0; i < 300; ++i) REQUIRE(p->call("on_event", event(), ctx));
  CHECK(aura_test::open_fds() == fds);
  CHECK(aura_test::count_children().alive == kids.alive);
  CHECK(aura_test::count_children().zombies == 0);
  CHECK(rss_kb() - rss < 8 * 1024);
}

namespace {
struct fake_clock final : aura::clock_source {
  std::atomic<bool> fake{true};
  aura::time_point now() override {
    return fake ? aura::time_point(std::chrono::seconds(1'000'000'000)) : aura::clock_type::now();
  }
};
struct lines_logger final : aura::logger {
  std::mutex m;
  std::vector<std::string> lines;
  void write(aura::log_level, std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> lock(m);
    lines.emplace_back(message);
  }
};
}  // namespace

TEST_CASE("isolated wasm: WASI realtime is the host context's clock; WASI diagnostics need no log scope",
          "[isolated][wasm]") {
  auto logger = std::make_shared<lines_logger>();
  auto clock = std::make_shared<fake_clock>();
  auto ctx = std::make_shared<aura::context>();  // the plugin's context, as the plugin host gives it
  ctx->set_owner("clock").set_permissions(aura::permissions{}).set_clock(clock).set_logger(logger);  // no "log" scope
  aura::isolated_options o;
  o.name = "clock";
  o.runtime = "wasm";
  o.file = AURA_TEST_WASM_CLOCK;
  o.worker = AURA_TEST_WORKER;
  o.ctx = ctx;
  auto p = load_or_die(std::move(o));
  aura::context unused;
  auto r = p->call("on_event", event(), unused);
  REQUIRE(r);
  CHECK(r->is_allow());  // the guest read 1,000,000,000 s: the fake clock, not the worker's own
  clock->fake = false;    // the system clock: the guest sees today
  auto d = p->call("on_event", event(), unused);
  REQUIRE(d);
  CHECK(d->is_deny());
  std::lock_guard<std::mutex> lock(logger->m);
  REQUIRE_FALSE(logger->lines.empty());
  CHECK_THAT(logger->lines.front(), Catch::Contains("fd_write: refused") && Catch::Contains("no file descriptor 7"));
}
