// The isolated mode against a worker that misbehaves: the test build of the
// worker (aura-worker-attacks) acts, on hooks named attack_*, as a guest that
// escaped its interpreter. The seccomp filter kills it on a forbidden system
// call; the host survives garbage, overlong or deep lines, a closed stdout,
// floods and capability calls that bypass the worker's own checks.
#include <catch2/catch.hpp>

#include "guests.hpp"
#include "support/proc_counts.hpp"

using namespace iso_test;
using aura::errc;

namespace {

const char* const script = "function ok(e, c) return aura.allow() end\n";

std::shared_ptr<aura::isolated_plugin> attacker(std::shared_ptr<aura::context> ctx = nullptr) {
  auto o = lua_guest("attacker", script, std::move(ctx), true);
  o.isolation.max_line = 1 << 20;
  return load_or_die(std::move(o));
}

aura::error attack(aura::isolated_plugin& p, const std::string& hook, errc code,
                   std::chrono::milliseconds timeout = 2000ms) {
  aura::context ctx;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p.call(hook, event(), ctx, timeout); });
  INFO("took " << took.count() << " ms");
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().code == code);
  CHECK(r.error().plugin == "attacker");
  CHECK(r.error().hook == hook);
  CHECK(took < timeout + 50ms + slack);
  // and the plugin serves the next event with a new worker
  auto next = p.call("ok", event(), ctx, 3000ms);
  CHECK(next);
  return r.error();
}

}  // namespace

TEST_CASE("isolated attacks: forbidden system calls are killed by seccomp", "[isolated][seccomp]") {
  auto p = attacker();
  REQUIRE(p->seccomp());
  for (const char* hook : {"attack_open", "attack_socket", "attack_fork", "attack_exec"}) {
    DYNAMIC_SECTION(hook) {
      auto e = attack(*p, hook, errc::crashed);
      CHECK(e.message.find("seccomp") != std::string::npos);
      CHECK(e.describe().find("plugin \"attacker\": hook \"" + std::string(hook) + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("isolated attacks: a fork attempt leaves no child behind", "[isolated][seccomp]") {
  auto p = attacker();
  const auto before = aura_test::count_children();
  (void)attack(*p, "attack_fork", errc::crashed);
  const auto after = aura_test::count_children();
  CHECK(after.alive == before.alive);
  CHECK(after.zombies == 0);
}

TEST_CASE("isolated attacks: garbage on stdout is a protocol error", "[isolated][wire]") {
  auto p = attacker();
  auto e = attack(*p, "attack_garbage", errc::protocol_error);
  CHECK(e.message.find("not JSON") != std::string::npos);
}

TEST_CASE("isolated attacks: an overlong line is limit_exceeded, never buffered whole", "[isolated][wire]") {
  auto p = attacker();
  const long rss = rss_kb();
  auto e = attack(*p, "attack_huge", errc::limit_exceeded);
  CHECK(e.message.find("longer than") != std::string::npos);
  CHECK(rss_kb() - rss < 32 * 1024);
}

TEST_CASE("isolated attacks: JSON nested past the cap is refused before parsing", "[isolated][wire]") {
  auto p = attacker();
  auto e = attack(*p, "attack_deep", errc::limit_exceeded);
  CHECK(e.message.find("nested deeper") != std::string::npos);
}

TEST_CASE("isolated attacks: an answer to another id is a protocol error", "[isolated][wire]") {
  auto p = attacker();
  (void)attack(*p, "attack_wrong_id", errc::protocol_error);
}

// Under the filter close(1) itself is a forbidden call; either way the call
// ends at once as crashed (worker_process's EOF path is tested on its own below).
TEST_CASE("isolated attacks: a worker that closes stdout and spins is crashed at once", "[isolated][wire]") {
  auto p = attacker();
  aura::context ctx;
  const auto took = timed([&] {
    auto r = p->call("attack_close_stdout", event(), ctx, 10000ms);
    REQUIRE_FALSE(r);
    INFO(r.error().describe());
    CHECK(r.error().code == errc::crashed);
    CHECK((r.error().message.find("closed its stdout") != std::string::npos ||
           r.error().message.find("seccomp") != std::string::npos));
  });
  CHECK(took < 10000ms);  // well before the deadline: EOF is seen, not waited out
}

TEST_CASE("isolated attacks: a spinning worker is killed at the deadline", "[isolated][wire]") {
  auto p = attacker();
  (void)attack(*p, "attack_spin", errc::timeout, 300ms);
}

TEST_CASE("isolated attacks: a worker that exits is crashed with its status", "[isolated][wire]") {
  auto p = attacker();
  auto e = attack(*p, "attack_exit", errc::crashed, 10000ms);
  CHECK(e.message.find("status 7") != std::string::npos);
}

TEST_CASE("isolated attacks: crash, then restart with back-off", "[isolated][restart]") {
  auto o = lua_guest("attacker", script, nullptr, true);
  o.isolation.restart_backoff = 300ms;
  o.isolation.max_backoff = 1000ms;
  auto p = load_or_die(std::move(o));
  aura::context ctx;
  REQUIRE_FALSE(p->call("attack_exit", event(), ctx, 2000ms));
  // a call whose deadline ends inside the back-off fails at once, says why
  auto soon = p->call("ok", event(), ctx, 5ms);
  REQUIRE_FALSE(soon);
  CHECK(soon.error().code == errc::crashed);
  CHECK(soon.error().message.find("back-off") != std::string::npos);
  // consecutive failures double it; a success resets it
  const auto took = timed([&] { REQUIRE(p->call("ok", event(), ctx, 3000ms)); });
  CHECK(took >= 150ms);
  CHECK(p->workers_started() == 2);
}

TEST_CASE("isolated attacks: a log flood from the worker is cut", "[isolated][wire]") {
  auto o = lua_guest("attacker", script, nullptr, true);
  o.isolation.max_host_calls = 1000;
  auto p = load_or_die(std::move(o));
  auto e = attack(*p, "attack_flood", errc::limit_exceeded, 5000ms);
  CHECK(e.message.find("1000 host calls") != std::string::npos);
}

TEST_CASE("isolated attacks: capability calls past the worker's checks meet the host's", "[isolated][perms]") {
  auto store = std::make_shared<aura::memory_storage>();
  auto p = attacker(context_with(aura::permissions{}, store));
  aura::context ctx;
  auto s = p->call("attack_storage", event(), ctx);
  REQUIRE(s);
  CHECK(s->reason().find("host refused: permission_denied") != std::string::npos);
  CHECK(store->contents().empty());
  auto h = p->call("attack_http", event(), ctx);
  REQUIRE(h);
  CHECK(h->reason().find("host refused: permission_denied") != std::string::npos);
  auto u = p->call("attack_unknown_call", event(), ctx);
  REQUIRE(u);
  CHECK(u->reason().find("unknown host call") != std::string::npos);
}

TEST_CASE("isolated attacks: fds and children stay flat over repeated kills", "[isolated][restart]") {
  auto o = lua_guest("attacker", script, nullptr, true);
  o.isolation.restart_backoff = 1ms;
  o.isolation.max_backoff = 2ms;
  auto p = load_or_die(std::move(o));
  aura::context ctx;
  REQUIRE_FALSE(p->call("attack_garbage", event(), ctx));
  REQUIRE(p->call("ok", event(), ctx, 3000ms));
  const int fds = aura_test::open_fds();
  const auto kids = aura_test::count_children();
  for (int i = 0; i < 100; ++i) {
    REQUIRE_FALSE(p->call(i % 2 ? "attack_garbage" : "attack_exit", event(), ctx, 3000ms));
    REQUIRE(p->call("ok", event(), ctx, 3000ms));
  }
  CHECK(aura_test::open_fds() == fds);
  CHECK(aura_test::count_children().alive == kids.alive);
  CHECK(aura_test::count_children().zombies == 0);
}
