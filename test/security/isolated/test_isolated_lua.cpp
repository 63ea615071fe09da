// The isolated mode against hostile Lua guests: every call returns by its
// deadline + margin, the failure names plugin and hook, the host survives.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "guests.hpp"
#include "support/proc_counts.hpp"

using namespace iso_test;
using aura::errc;

namespace {

/// Calls `hook` with a `timeout` and checks it fails with `code` in time.
aura::error expect_failure(aura::isolated_plugin& p, const std::string& hook, std::chrono::milliseconds timeout,
                           errc code) {
  aura::context dispatch;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p.call(hook, event(), dispatch, timeout); });
  INFO("took " << took.count() << " ms");
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().code == code);
  CHECK(r.error().plugin == p.name());
  CHECK(r.error().hook == hook);
  CHECK(took < timeout + 50ms + slack);
  return r.error();
}

const char* const loops = R"(
function plain(e, c) while true do end end
function in_handler(e, c) xpcall(function() error("x") end, function() while true do end end) return aura.allow() end
function in_gc(e, c)
  setmetatable({}, {__gc = function() while true do end end})
  for i = 1, 1e8 do local t = {i} end
  return aura.allow()
end
function backtrack(e, c) string.find(("a"):rep(400), ".-.-.-.-b") return aura.allow() end
function move(e, c) table.move({}, 1, math.maxinteger - 1, 1, {}) return aura.allow() end
function ok(e, c) return aura.allow() end
function deny(e, c) return aura.deny("no " .. e.data.tool) end
function mutate(e, c) return aura.mutate({command = "ls -l"}) end
function bomb(e, c) local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1048576) .. i end end
function expand(e, c) local t = {"x"} for i = 1, 26 do t = {t, t} end return aura.mutate({x = t}) end
function flood(e, c) for i = 1, 1e7 do aura.log("x") end return aura.allow() end
function boom(e, c) error("guest failed on purpose") end
)";

}  // namespace

TEST_CASE("isolated lua: an allowed, denied and mutated event round-trips", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("rt", loops));
  CHECK(p->seccomp());
  CHECK(p->handlers().size() >= 10);
  aura::context ctx;
  auto a = p->call("ok", event(), ctx);
  REQUIRE(a);
  CHECK(a->is_allow());
  auto d = p->call("deny", event(), ctx);
  REQUIRE(d);
  CHECK(d->reason() == "no bash");
  auto m = p->call("mutate", event(), ctx);
  REQUIRE(m);
  CHECK(m->is_mutate());
  CHECK(m->json_patch() == nlohmann::json{{"command", "ls -l"}});
}

TEST_CASE("isolated lua: a guest error keeps its message and the worker", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("err", loops));
  aura::context ctx;
  auto r = p->call("boom", event(), ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("guest failed on purpose") != std::string::npos);
  CHECK(r.error().plugin == "err");
  CHECK(p->call("ok", event(), ctx));
  CHECK(p->workers_lost() == 0);
}

TEST_CASE("isolated lua: a syntax error is a load error naming file and line", "[isolated][lua]") {
  auto r = aura::isolated_plugin::load(lua_guest("syntax", "function f(\n  return 1 end"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::load_error);
  CHECK(r.error().plugin == "syntax");
  CHECK(r.error().message.find("syntax.lua:2") != std::string::npos);
}

TEST_CASE("isolated lua: infinite loops end at the deadline, from outside", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("loops", loops));
  for (const char* hook : {"plain", "in_handler"}) {
    DYNAMIC_SECTION(hook) {
      auto e = expect_failure(*p, hook, 300ms, errc::timeout);
      CHECK(e.message.find("the worker was killed") != std::string::npos);
    }
  }
}

TEST_CASE("isolated lua: a __gc finalizer is refused in the worker too", "[isolated][lua]") {
  // finalizers run where no hook can stop them, so the runtime refuses them
  // in every mode; the worker keeps serving
  auto p = load_or_die(lua_guest("gc", loops));
  auto e = expect_failure(*p, "in_gc", 300ms, errc::hook_failed);
  CHECK(e.message.find("__gc finalizers are not available") != std::string::npos);
  aura::context ctx;
  CHECK(p->call("ok", event(), ctx));
  CHECK(p->workers_lost() == 0);
}

TEST_CASE("isolated lua: C-level long loops end at the deadline", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("cloops", loops));
  for (const char* hook : {"backtrack", "move"}) {
    DYNAMIC_SECTION(hook) { (void)expect_failure(*p, hook, 300ms, errc::timeout); }
  }
}

TEST_CASE("isolated lua: the next call after a kill gets a fresh worker", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("fresh", loops));
  (void)expect_failure(*p, "plain", 200ms, errc::timeout);
  aura::context ctx;
  auto ok = p->call("ok", event(), ctx, 3000ms);
  REQUIRE(ok);
  CHECK(p->workers_started() == 2);
  CHECK(p->workers_lost() == 1);
}

TEST_CASE("isolated lua: the deadline + margin holds every time", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("every", loops));
  for (int i = 0; i < 6; ++i) (void)expect_failure(*p, i % 2 ? "plain" : "backtrack", 150ms, errc::timeout);
  CHECK(p->workers_lost() == 6);
}

TEST_CASE("isolated lua: a memory bomb hits the worker's address-space cap", "[isolated][lua]") {
  auto o = lua_guest("bomb", loops);
  o.isolation.address_space = std::uint64_t{192} << 20;
  auto p = load_or_die(std::move(o));
  aura::context ctx;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p->call("bomb", event(), ctx, 4000ms); });
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK(r.error().plugin == "bomb");
  CHECK(r.error().hook == "bomb");
  CHECK(took < 4000ms + slack);
#if !defined(__SANITIZE_ADDRESS__)
  // without a sanitizer the cap (not the deadline) ends it: Lua's allocator fails
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK(r.error().message.find("RLIMIT_AS") != std::string::npos);
#endif
  CHECK(p->call("ok", event(), ctx));
}

TEST_CASE("isolated lua: an answer that expands past memory fails in the worker, not the host", "[isolated][lua]") {
  auto o = lua_guest("expand", loops);
  o.isolation.address_space = std::uint64_t{512} << 20;
  auto p = load_or_die(std::move(o));
  aura::context ctx;
  auto r = p->call("expand", event(), ctx, 5000ms);
  REQUIRE_FALSE(r);
  INFO(r.error().describe());
  CHECK((r.error().code == errc::limit_exceeded || r.error().code == errc::timeout ||
         r.error().code == errc::hook_failed || r.error().code == errc::crashed));
  CHECK(r.error().hook == "expand");
  CHECK(p->call("ok", event(), ctx, 3000ms));
}

TEST_CASE("isolated lua: a host-call flood is cut at max_host_calls", "[isolated][lua]") {
  auto o = lua_guest("flood", loops);
  o.isolation.max_host_calls = 500;
  auto p = load_or_die(std::move(o));
  auto e = expect_failure(*p, "flood", 5000ms, errc::limit_exceeded);
  CHECK(e.message.find("500 host calls") != std::string::npos);
}

TEST_CASE("isolated lua: storage goes through the host's context and its permissions", "[isolated][lua]") {
  auto store = std::make_shared<aura::memory_storage>();
  aura::permissions perms;
  perms.storage = aura::storage_scope::plugin_private;
  perms.call_api = {"log", "config", "storage"};
  auto p = load_or_die(lua_guest("store", R"(
function put(e, c) aura.storage.set("k", "v1") return aura.deny(aura.storage.get("k")) end
)", context_with(perms, store)));
  aura::context ctx;
  auto r = p->call("put", event(), ctx);
  REQUIRE(r);
  CHECK(r->reason() == "v1");
  CHECK(store->contents().at("k") == "v1");
}

TEST_CASE("isolated lua: a capability the plugin lacks is refused with its reason", "[isolated][lua]") {
  auto store = std::make_shared<aura::memory_storage>();
  auto p = load_or_die(lua_guest("nostore", R"(
function put(e, c) aura.storage.set("k", "v1") return aura.allow() end
function fetch(e, c) aura.http({url = "https://evil.example/"}) return aura.allow() end
)", context_with(aura::permissions{}, store)));
  aura::context ctx;
  auto r = p->call("put", event(), ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("storage") != std::string::npos);
  auto h = p->call("fetch", event(), ctx);
  REQUIRE_FALSE(h);
  CHECK(h.error().message.find("http") != std::string::npos);
  CHECK(store->contents().empty());
}

TEST_CASE("isolated lua: config and env reach the guest only as permitted", "[isolated][lua]") {
  aura::permissions perms;
  perms.env = aura::env_access::listed;
  perms.env_vars = {"AURA_ISO_SEEN"};
  auto ctx = context_with(perms);
  ctx->set_config({{"limit", 3}});
  auto o = lua_guest("cfg", R"(
function show(e, c) return aura.deny(tostring(aura.config().limit) .. " " .. tostring(os.getenv("AURA_ISO_SEEN"))) end
function hidden(e, c) return aura.deny(tostring(os.getenv("HOME"))) end
)", ctx);
  o.env = {{"AURA_ISO_SEEN", "yes"}};
  auto p = load_or_die(std::move(o));
  aura::context dispatch;
  auto r = p->call("show", event(), dispatch);
  REQUIRE(r);
  CHECK(r->reason() == "3 yes");
  auto h = p->call("hidden", event(), dispatch);
  REQUIRE_FALSE(h);
  CHECK(h.error().message.find("HOME") != std::string::npos);
}

TEST_CASE("isolated lua: log lines reach the host's logger under the plugin's name", "[isolated][lua]") {
  struct capture final : aura::logger {
    std::vector<std::string> lines;
    void write(aura::log_level, std::string_view source, std::string_view message) override {
      lines.push_back(std::string(source) + ": " + std::string(message));
    }
  };
  auto log = std::make_shared<capture>();
  auto ctx = context_with(aura::permissions{});
  ctx->set_logger(log);
  auto p = load_or_die(lua_guest("logs", R"(function say(e, c) aura.log("warn", "hello") return aura.allow() end)", ctx));
  aura::context dispatch;
  REQUIRE(p->call("say", event(), dispatch));
  REQUIRE(log->lines.size() == 1);
  CHECK(log->lines[0] == "guest: hello");
}

TEST_CASE("isolated lua: concurrent calls share a small pool", "[isolated][lua]") {
  auto o = lua_guest("pool", loops);
  o.isolation.max_workers = 2;
  auto p = load_or_die(std::move(o));
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      aura::context ctx;
      for (int i = 0; i < 25; ++i) {
        if (p->call("ok", event(), ctx, 5000ms)) ++ok;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(ok == 100);
  CHECK(p->workers_started() <= 2);
}

TEST_CASE("isolated lua: a missing worker is a load error naming where it looked", "[isolated][lua]") {
  auto o = lua_guest("noworker", loops);
  o.worker = scratch() / "no-such-aura-worker";
  auto r = aura::isolated_plugin::load(std::move(o));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::not_found);
  CHECK(r.error().plugin == "noworker");
  CHECK(r.error().message.find("no-such-aura-worker") != std::string::npos);
}

TEST_CASE("isolated lua: the worker is found through $AURA_WORKER, else next to the program", "[isolated][lua]") {
  const char* old = std::getenv(aura::isolated::worker_env);
  const std::string saved = old ? old : "";
  ::setenv(aura::isolated::worker_env, AURA_TEST_WORKER, 1);
  auto found = aura::isolated::find_worker({});
  REQUIRE(found);
  CHECK(found->string() == AURA_TEST_WORKER);
  ::unsetenv(aura::isolated::worker_env);
  auto where = aura::isolated::worker_candidates({});
  REQUIRE(where.size() == 2);
  CHECK(where[0].filename() == "aura-worker");
  CHECK(where[1].parent_path().filename() == "aura");
  if (old) ::setenv(aura::isolated::worker_env, saved.c_str(), 1);
}

TEST_CASE("isolated lua: fds, children and RSS stay flat over hundreds of calls", "[isolated][lua]") {
  auto p = load_or_die(lua_guest("flat", loops));
  aura::context ctx;
  for (int i = 0; i < 20; ++i) REQUIRE(p->call("ok", event(), ctx));
  (void)expect_failure(*p, "plain", 100ms, errc::timeout);  // one restart in the warm-up too
  REQUIRE(p->call("ok", event(), ctx, 3000ms));
  const int fds = aura_test::open_fds();
  const auto kids = aura_test::count_children();
  const long rss = rss_kb();
  for (int i = 0; i < 400; ++i) {
    auto r = p->call(i % 2 ? "ok" : "deny", event(), ctx);
    REQUIRE(r);
  }
  CHECK(aura_test::open_fds() == fds);
  const auto after = aura_test::count_children();
  CHECK(after.alive == kids.alive);
  CHECK(after.zombies == 0);
  CHECK(rss_kb() - rss < 8 * 1024);
}

TEST_CASE("isolated lua: no worker outlives its plugin, none is left a zombie", "[isolated][lua]") {
  std::vector<pid_t> pids;
  {
    auto o = lua_guest("gone", loops);
    o.isolation.max_workers = 2;
    auto p = load_or_die(std::move(o));
    aura::context ctx;
    std::thread t([&] { (void)p->call("plain", event(), ctx, 300ms); });
    REQUIRE(p->call("ok", event(), ctx));
    t.join();
    // The spin may have taken the worker "ok" left idle (and had it killed):
    // one more call leaves a live idle worker whichever way the two raced.
    REQUIRE(p->call("ok", event(), ctx));
    pids = p->worker_pids();
    REQUIRE_FALSE(pids.empty());
  }
  for (pid_t pid : pids) CHECK_FALSE(process_exists(pid));
  CHECK(aura_test::count_children().zombies == 0);
}
