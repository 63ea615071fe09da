// Process plugins: handshake, events, host calls, and every fault the issue lists.
#include <aura/adapters/process.hpp>
#include <aura/adapters/posix/run.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "support/proc_counts.hpp"

using namespace std::chrono_literals;
using aura::errc;
using json = nlohmann::json;

namespace {

/// A dynamic envelope (the four-argument overload: never the typed template).
inline aura::envelope<aura::dynamic_event> mk(std::string name, nlohmann::json data) {
  return aura::make_envelope(std::move(name), std::move(data), std::string(), std::string());
}

aura::process_options py(const std::string& mode = "normal") {
  aura::process_options o;
  o.name = "py";
  o.argv = {AURA_TEST_PYTHON, AURA_TEST_PY_PLUGIN, mode};
  o.workdir = AURA_TEST_PLUGIN_DIR;
  o.default_timeout = 2000ms;
  o.restart_backoff = 20ms;
  o.restart_backoff_max = 200ms;
  return o;
}

aura::process_options cpp(bool echo = false) {
  aura::process_options o;
  o.name = "cpp";
  o.argv = {AURA_TEST_CPP_PLUGIN};
  if (echo) o.argv.push_back("--echo");
  return o;
}

std::shared_ptr<aura::process_plugin> start(aura::process_options o) {
  auto p = aura::process_plugin::start(std::move(o));
  if (!p) FAIL("start failed: " << p.error().describe());
  return *p;
}

aura::envelope<aura::dynamic_event> ev(json data = json::object(), std::string name = "test.event") {
  return mk(std::move(name), std::move(data));
}

std::unique_ptr<aura::chain<aura::dynamic_event>> chain_of(const std::shared_ptr<aura::process_plugin>& p, const std::string& handler,
                                          aura::failure_policy policy = aura::fail_open,
                                          std::chrono::milliseconds timeout = {}) {
  auto c = std::make_unique<aura::chain<aura::dynamic_event>>();
  c->set_flags(aura::event_flags::vetoable | aura::event_flags::patchable);
  aura::hook_options ho(handler);
  ho.on_error = policy;
  REQUIRE(c->add_json(ho, p->hook(handler, timeout)));
  return c;
}

/// Waits (briefly) for the plugin's back-off to pass and the next call to work.
void settle(const std::shared_ptr<aura::process_plugin>& p, aura::context& ctx) {
  for (int i = 0; i < 200; ++i) {
    if (p->call("on_event", ev(), ctx)) return;
    std::this_thread::sleep_for(10ms);
  }
  FAIL("the plugin never came back");
}

}  // namespace

TEST_CASE("line_reader splits lines, keeps partial ones, bounds overlong ones", "[process][posix]") {
  aura::posix::line_reader r(8);
  std::vector<std::string> lines;
  std::vector<std::size_t> overflows;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); return true; };
  auto on_over = [&](std::size_t n) { overflows.push_back(n); return true; };
  CHECK(r.feed("ab\ncd", on_line, on_over));
  CHECK(lines == std::vector<std::string>{"ab"});
  CHECK(r.partial());
  CHECK(r.feed("e\r\n\n", on_line, on_over));
  CHECK(lines == std::vector<std::string>{"ab", "cde", ""});
  CHECK_FALSE(r.partial());
  // 20 bytes without a newline: reported once, never buffered past the limit
  CHECK(r.feed("0123456789", on_line, on_over));
  CHECK(r.buffered() <= 8);
  CHECK(r.feed("0123456789", on_line, on_over));
  CHECK(r.buffered() == 0);
  CHECK(r.discarding());
  CHECK(overflows.size() == 1);
  CHECK(r.feed("xx\nok\n", on_line, on_over));
  CHECK(lines.back() == "ok");
  CHECK(overflows.size() == 1);
  // a callback may stop the feed
  aura::posix::line_reader s(100);
  int seen = 0;
  CHECK_FALSE(s.feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; }, on_over));
  CHECK(seen == 2);
}

TEST_CASE("jsonrpc decode classifies messages and quotes bad ones", "[process][jsonrpc]") {
  auto req = aura::jsonrpc::decode(R"({"jsonrpc":"2.0","id":3,"method":"event","params":{}})");
  REQUIRE(req);
  CHECK(req->kind == aura::jsonrpc::message_kind::request);
  auto note = aura::jsonrpc::decode(R"({"jsonrpc":"2.0","method":"host/log","params":{"message":"m"}})");
  REQUIRE(note);
  CHECK(note->kind == aura::jsonrpc::message_kind::notification);
  auto res = aura::jsonrpc::decode(R"({"jsonrpc":"2.0","id":3,"result":{"decision":"allow"}})");
  REQUIRE(res);
  CHECK(res->kind == aura::jsonrpc::message_kind::response);
  auto err = aura::jsonrpc::decode(R"({"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"x"}})");
  REQUIRE(err);
  CHECK(err->error_code == -1);
  for (const char* bad : {"nope", "[1]", R"({"id":1,"result":1})", R"({"jsonrpc":"2.0","id":1})",
                          R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})", R"({"jsonrpc":"2.0","id":[],"result":1})",
                          R"({"jsonrpc":"2.0","method":5})", R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})"}) {
    auto m = aura::jsonrpc::decode(bad);
    CHECK_FALSE(m);
    if (!m) {
      CHECK(m.error().code == errc::protocol_error);
    }
  }
}

TEST_CASE("spawn: no shell, exactly the declared environment, the working directory", "[process][posix]") {
  aura::posix::spawn_options so;
  so.argv = {"/bin/echo", "a;b $HOME"};
  auto r = aura::posix::run(so, "", aura::posix::deadline(5s));
  REQUIRE(r);
  CHECK(r->out == "a;b $HOME\n");
  so.argv = {"/usr/bin/env"};
  so.env = {{"ONLY", "this"}};
  r = aura::posix::run(so, "", aura::posix::deadline(5s));
  REQUIRE(r);
  CHECK(r->out == "ONLY=this\n");
  so.argv = {"/bin/pwd"};
  so.workdir = "/tmp";
  r = aura::posix::run(so, "", aura::posix::deadline(5s));
  REQUIRE(r);
  CHECK(r->out == "/tmp\n");
  so.argv = {"/no/such/program"};
  r = aura::posix::run(so, "", aura::posix::deadline(5s));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::load_error);
  CHECK_THAT(r.error().message, Catch::Contains("/no/such/program"));
  so.argv = {"/bin/true"};
  so.workdir = "/no/such/dir";
  r = aura::posix::run(so, "", aura::posix::deadline(5s));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::load_error);
  aura::permissions perms;
  perms.env = aura::env_access::listed;
  perms.env_vars = {"PATH"};
  auto inherited = aura::posix::inherited_environment(perms);
  CHECK(inherited.size() == (std::getenv("PATH") ? 1u : 0u));
  perms.env = aura::env_access::none;
  CHECK(aura::posix::inherited_environment(perms).empty());
}

TEST_CASE("process: Python plugin handshake, allow, deny, mutate through a chain", "[process]") {
  auto p = start(py());
  CHECK(p->sdk_version() == "0.1.0");
  CHECK(p->implements("on_event"));
  CHECK_FALSE(p->implements("on_nothing"));
  auto allow = chain_of(p, "on_event")->dispatch(ev({{"a", 1}}));
  CHECK(allow.verdict == aura::verdict::allow);
  CHECK(allow.diagnostics.empty());
  auto deny = chain_of(p, "on_event")->dispatch(ev({{"deny", "nope"}}));
  CHECK(deny.denied());
  CHECK(deny.reason == "denied by py: nope");
  auto mutate = chain_of(p, "on_mutate")->dispatch(ev({{"x", 41}}));
  CHECK(mutate.mutated());
  CHECK(mutate.data["x"] == 42);
  // a handler the plugin does not have, an error answer
  aura::context ctx;
  auto missing = p->call("on_nothing", ev(), ctx);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().plugin == "py");
  CHECK(missing.error().hook == "on_nothing");
  auto failed = p->call("on_error", ev(), ctx);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == errc::hook_failed);
  CHECK_THAT(failed.error().message, Catch::Contains("handler failed on purpose"));
  CHECK(p->call("on_event", ev(), ctx));  // still fine after a handler error
  CHECK(p->restarts() == 0);
  CHECK(p->shutdown(2000ms));
  auto after = p->call("on_event", ev(), ctx);
  REQUIRE_FALSE(after);
  CHECK(after.error().code == errc::crashed);
}

TEST_CASE("process: C++ plugin built in the test tree", "[process]") {
  auto p = start(cpp());
  CHECK(p->hooks() == std::vector<std::string>{"on_event", "on_count"});
  CHECK(chain_of(p, "on_event")->dispatch(ev({{"ok", true}})).allowed());
  auto d = chain_of(p, "on_event")->dispatch(ev({{"forbidden", "x"}}));
  CHECK(d.denied());
  CHECK_THAT(d.reason, Catch::Contains("cpp plugin forbids"));
  auto m = chain_of(p, "on_count")->dispatch(ev({{"n", 1}}));
  CHECK(m.data["n"] == 2);
  CHECK(p->shutdown());
}

TEST_CASE("process: several requests in flight on one child, answered out of order", "[process]") {
  auto p = start(py());
  std::mutex mu;
  std::vector<int> finished;
  std::vector<std::thread> threads;
  for (int n : {0, 1, 2, 3}) {
    threads.emplace_back([&, n] {
      aura::context ctx;
      auto r = p->call("on_slow", ev({{"ms", (3 - n) * 150}, {"n", n}}), ctx);
      std::lock_guard<std::mutex> lock(mu);
      finished.push_back(r ? r->effects().value()["order"][0].get<int>() : -1);
    });
    std::this_thread::sleep_for(20ms);  // sent in order 0..3
  }
  for (auto& t : threads) t.join();
  CHECK(finished == std::vector<int>{3, 2, 1, 0});
}

TEST_CASE("process: host calls go through the context and its permissions", "[process]") {
  struct fake_http : aura::http_client {
    aura::result<aura::http_response> send(const aura::http_request& r) override {
      return aura::http_response{200, {{"x-url", r.url}}, "pong"};
    }
  };
  struct capture_log : aura::logger {
    std::vector<std::string> lines;
    void write(aura::log_level, std::string_view src, std::string_view msg) override {
      lines.push_back(std::string(src) + ": " + std::string(msg));
    }
  };
  auto ctx = std::make_shared<aura::context>();
  auto log = std::make_shared<capture_log>();
  aura::permissions perms;
  perms.network = {"api.example.com"};
  perms.storage = aura::storage_scope::plugin_private;
  perms.call_api = {"log", "storage", "http"};
  ctx->set_owner("py").set_permissions(perms).set_http(std::make_shared<fake_http>()).set_logger(log);
  auto o = py();
  o.ctx = ctx;
  auto p = start(o);
  aura::context unused;
  auto r = p->call("on_host", ev({{"value", "stored"}}), unused);
  REQUIRE(r);
  const json host = (*r->effects())["host"];
  CHECK(host["log"] == json::object());
  CHECK(host["get"]["value"] == "stored");
  CHECK(host["del"]["removed"] == true);
  CHECK(host["http"]["status"] == 200);
  CHECK(host["http"]["body"] == "pong");
  CHECK(host["nope"]["code"] == aura::jsonrpc::method_not_found);
  REQUIRE(log->lines.size() == 1);
  CHECK(log->lines[0] == "py: hello from py");
  // a host outside the network permission
  r = p->call("on_host", ev({{"url", "https://evil.example.org/"}}), unused);
  REQUIRE(r);
  const json denied = (*r->effects())["host"]["http"];
  CHECK(denied["code"] == aura::jsonrpc::permission_denied);
  CHECK_THAT(denied["message"].get<std::string>(), Catch::Contains("evil.example.org"));
  // without the storage permission
  perms.storage = aura::storage_scope::none;
  ctx->set_permissions(perms);
  r = p->call("on_host", ev(), unused);
  REQUIRE(r);
  CHECK((*r->effects())["host"]["set"]["code"] == aura::jsonrpc::permission_denied);
}

TEST_CASE("process: the child gets only its declared environment and runs in its directory", "[process]") {
  auto o = py();
  o.env = {{"PLUGIN_TOKEN", "t0k"}};
  auto p = start(o);
  aura::context ctx;
  auto r = p->call("on_env", ev(), ctx);
  REQUIRE(r);
  json env = (*r->effects())["env"];
  env.erase("LC_CTYPE");  // Python may set this itself (PEP 538)
  CHECK(env == json{{"PLUGIN_TOKEN", "t0k"}});
  CHECK((*r->effects())["cwd"] == std::filesystem::canonical(AURA_TEST_PLUGIN_DIR).string());
}

TEST_CASE("process faults: a crash mid-request, then restart with back-off", "[process][faults]") {
  auto p = start(py());
  const pid_t first = p->pid();
  auto c = chain_of(p, "on_crash", aura::fail_closed);
  auto o = c->dispatch(ev());
  CHECK(o.denied());  // fail_closed answered
  REQUIRE(o.diagnostics.size() == 1);
  CHECK(o.diagnostics[0].code == errc::crashed);
  CHECK_THAT(o.diagnostics[0].message, Catch::Contains("status 3"));
  CHECK_THAT(o.diagnostics[0].message, Catch::Contains("crashing on purpose"));
  aura::context ctx;
  auto fast = p->call("on_event", ev(), ctx);  // inside the back-off: fails at once
  REQUIRE_FALSE(fast);
  CHECK(fast.error().code == errc::crashed);
  CHECK_THAT(fast.error().message, Catch::Contains("restart in"));
  settle(p, ctx);
  CHECK(p->restarts() == 1);
  CHECK(p->pid() != first);
  CHECK_THAT(p->stderr_tail(), Catch::Contains("crashing on purpose"));
}

TEST_CASE("process faults: a hang hits the deadline, the child is killed and restarted", "[process][faults]") {
  auto o = py();
  o.hook_timeouts["on_hang"] = 200ms;
  auto p = start(o);
  const pid_t first = p->pid();
  auto c = chain_of(p, "on_hang", aura::fail_open);
  auto out = c->dispatch(ev());
  CHECK(out.allowed());  // fail_open answered
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == errc::timeout);
  CHECK_THAT(out.diagnostics[0].message, Catch::Contains("200 ms"));
  // a per-hook timeout given to hook() wins over the per-handler setting
  aura::context ctx;
  settle(p, ctx);
  CHECK(p->pid() != first);
  CHECK(::kill(first, 0) != 0);  // the old child is gone (killed and reaped)
  auto c2 = chain_of(p, "on_hang", aura::fail_closed, 100ms);
  auto out2 = c2->dispatch(ev());
  CHECK(out2.denied());
  REQUIRE(out2.diagnostics.size() == 1);
  CHECK_THAT(out2.diagnostics[0].message, Catch::Contains("100 ms"));
}

TEST_CASE("process faults: garbage on stdout is a protocol error quoting it", "[process][faults]") {
  auto p = start(py());
  aura::context ctx;
  auto r = p->call("on_garbage", ev(), ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::protocol_error);
  CHECK_THAT(r.error().message, Catch::Contains("this is not json at all"));
  settle(p, ctx);
}

TEST_CASE("process faults: a 100 MiB line is rejected at the 16 MiB limit", "[process][faults]") {
  auto p = start(py());  // default max_line: 16 MiB
  aura::context ctx;
  auto r = p->call("on_bigline", ev({{"mib", 100}}), ctx, 5000ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::protocol_error);
  CHECK_THAT(r.error().message, Catch::Contains("limit of 16777216 bytes"));
  settle(p, ctx);
  // a small limit applies to any line, even an answer
  auto o = py();
  o.max_line = 4096;
  auto small = start(o);
  auto big = small->call("on_bigline", ev({{"mib", 1}}), ctx);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == errc::protocol_error);
}

TEST_CASE("process faults: half a line, then exit", "[process][faults]") {
  auto p = start(py());
  aura::context ctx;
  auto r = p->call("on_halfline", ev(), ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::crashed);
  CHECK_THAT(r.error().message, Catch::Contains("half a line"));
  settle(p, ctx);
}

TEST_CASE("process faults: the child closes its stdin", "[process][faults]") {
  auto p = start(py());
  aura::context ctx;
  REQUIRE(p->call("on_close_stdin", ev(), ctx));
  std::this_thread::sleep_for(100ms);  // let it close fd 0
  auto r = p->call("on_event", ev(), ctx, 300ms);
  REQUIRE_FALSE(r);
  CHECK((r.error().code == errc::crashed || r.error().code == errc::timeout));
  settle(p, ctx);
}

TEST_CASE("process faults: handshake failures are clear load errors", "[process][faults]") {
  const int fds_before = aura_test::open_fds();
  SECTION("writes before the handshake") {
    auto r = aura::process_plugin::start(py("prehandshake"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::load_error);
    CHECK(r.error().plugin == "py");
    CHECK_THAT(r.error().message, Catch::Contains("hello, I am chatty"));
  }
  SECTION("exits during the handshake") {
    auto r = aura::process_plugin::start(py("exit_handshake"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::load_error);
    CHECK_THAT(r.error().message, Catch::Contains("status 4"));
    CHECK_THAT(r.error().message, Catch::Contains("giving up during initialize"));
  }
  SECTION("hangs in the handshake") {
    auto o = py("hang_handshake");
    o.start_timeout = 300ms;
    auto r = aura::process_plugin::start(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::load_error);
    CHECK_THAT(r.error().message, Catch::Contains("initialize"));
  }
  SECTION("states an SDK version the host cannot serve") {
    auto r = aura::process_plugin::start(py("bad_version"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::version_mismatch);
    CHECK_THAT(r.error().message, Catch::Contains("9.0.0"));
  }
  SECTION("a program that does not exist") {
    auto o = py();
    o.argv = {"./no-such-plugin"};
    auto r = aura::process_plugin::start(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::load_error);
    CHECK_THAT(r.error().message, Catch::Contains("no-such-plugin"));
  }
  const auto kids = aura_test::count_children();
  CHECK(kids.zombies == 0);
  CHECK(kids.alive == 0);
  CHECK(aura_test::open_fds() == fds_before);
}

TEST_CASE("process faults: a fork-and-exit storm; the restart back-off holds", "[process][faults]") {
  auto o = py("storm");  // every child forks, exits right after its handshake
  o.restart_backoff = 20ms;
  o.restart_backoff_max = 160ms;
  auto p = start(o);
  aura::context ctx;
  int outcomes = 0, fast_failures = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 1500ms) {
    auto r = p->call("on_event", ev(), ctx, 300ms);
    ++outcomes;
    if (!r && r.error().message.find("restart in") != std::string::npos) ++fast_failures;
    std::this_thread::sleep_for(2ms);
  }
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // The most restarts the back-off (20, 40, 80, 160, 160... ms) allows in that
  // time; load on the machine only makes it fewer.
  std::size_t bound = 1;
  auto spent = std::chrono::milliseconds(0), step = 20ms;
  while ((spent += step) <= elapsed) {
    ++bound;
    step = std::min<std::chrono::milliseconds>(step * 2, 160ms);
  }
  INFO("restarts " << p->restarts() << ", bound " << bound << ", outcomes " << outcomes);
  CHECK(p->restarts() <= bound);
  CHECK(p->restarts() >= 2);
  CHECK(fast_failures > 0);
  CHECK(outcomes > static_cast<int>(p->restarts()));
  (void)p->shutdown(200ms);
  std::this_thread::sleep_for(50ms);
  CHECK(aura_test::count_children().zombies == 0);
}

TEST_CASE("process: shutdown is graceful, or forced after the grace period", "[process]") {
  auto p = start(py());
  const pid_t pid = p->pid();
  CHECK(p->shutdown(2000ms));
  CHECK(::kill(pid, 0) != 0);
  auto s = start(py("stubborn"));
  const pid_t spid = s->pid();
  auto r = s->shutdown(200ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::timeout);
  CHECK(::kill(spid, 0) != 0);
  CHECK(s->shutdown());  // twice is fine
}

TEST_CASE("process: stderr goes to the per-plugin log", "[process]") {
  const auto log = std::filesystem::temp_directory_path() / ("aura-process-stderr-" + std::to_string(getpid()) + ".log");
  std::filesystem::remove(log);
  auto o = py();
  o.stderr_log = log;
  auto p = start(o);
  aura::context ctx;
  (void)p->call("on_crash", ev(), ctx);
  settle(p, ctx);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("crashing on purpose"));
  std::filesystem::remove(log);
}

TEST_CASE("process: 1,000 calls with crashes in between leak no descriptor and no zombie", "[process][leaks]") {
  const int fds_before = aura_test::open_fds();
  {
    auto o = py();
    o.restart_backoff = 1ms;
    auto p = start(o);
    aura::context ctx;
    int ok = 0, failed = 0;
    for (int i = 0; i < 1000; ++i) {
      const bool crash = i % 100 == 50;
      auto r = p->call(crash ? "on_crash" : "on_event", ev({{"i", i}}), ctx);
      if (r) ++ok; else ++failed;
      if (crash) std::this_thread::sleep_for(5ms);
    }
    CHECK(ok + failed == 1000);
    CHECK(ok >= 970);
    CHECK(p->restarts() >= 10);
    auto c = start(cpp());
    for (int i = 0; i < 1000; ++i) REQUIRE(c->call("on_event", ev({{"i", i}}), ctx));
    CHECK(p->shutdown());
    CHECK(c->shutdown());
  }
  CHECK(aura_test::open_fds() == fds_before);
  const auto kids = aura_test::count_children();
  CHECK(kids.zombies == 0);
  CHECK(kids.alive == 0);
}

TEST_CASE("process: SDK version compatibility rule", "[process]") {
  using aura::detail::process::parse_version;
  using aura::detail::process::sdk_compatible;
  CHECK(parse_version("0.1.0") == std::array<int, 3>{0, 1, 0});
  CHECK(parse_version("1.2") == std::array<int, 3>{1, 2, 0});
  CHECK(parse_version("0.1.0-rc1") == std::array<int, 3>{0, 1, 0});
  CHECK_FALSE(parse_version("x.1"));
  CHECK_FALSE(parse_version(""));
  CHECK_FALSE(parse_version("1..2"));
  // The manifest's rule for a bare version: ~MAJOR.MINOR.PATCH must hold the host.
  CHECK(sdk_compatible({aura::version_major, aura::version_minor, aura::version_patch}));
  CHECK(sdk_compatible({aura::version_major, aura::version_minor, 0}));
  CHECK_FALSE(sdk_compatible({aura::version_major, aura::version_minor, aura::version_patch + 1}));
  CHECK_FALSE(sdk_compatible({aura::version_major + 1, 0, 0}));
  CHECK_FALSE(sdk_compatible({aura::version_major, aura::version_minor + 1, 0}));
  if (aura::version_minor > 0) CHECK_FALSE(sdk_compatible({aura::version_major, aura::version_minor - 1, 0}));
}

TEST_CASE("process: bad options", "[process]") {
  aura::process_options o;
  auto r = aura::process_plugin::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_argument);
  o.name = "x";
  r = aura::process_plugin::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_argument);
  CHECK(r.error().plugin == "x");
  o.argv = {"/bin/true"};
  o.default_timeout = 0ms;
  r = aura::process_plugin::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_argument);
}

TEST_CASE("process: threads calling while the child crashes and restarts", "[process][faults]") {
  auto o = py();
  o.restart_backoff = 5ms;
  o.restart_backoff_max = 20ms;
  o.default_timeout = 1000ms;
  auto p = start(o);
  std::atomic<int> outcomes{0}, ok{0}, unexpected{0};  // no CHECK in threads: Catch2 v2 is not thread-safe
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      aura::context ctx;
      for (int i = 0; i < 100; ++i) {
        const bool crash = t == 0 && i % 25 == 10;
        auto r = p->call(crash ? "on_crash" : "on_event", ev({{"t", t}, {"i", i}}), ctx);
        ++outcomes;
        if (r) ++ok;
        else if (r.error().code != errc::crashed && r.error().code != errc::load_error) ++unexpected;
        std::this_thread::sleep_for(1ms);  // spread the calls over the restarts
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(outcomes == 400);
  CHECK(unexpected == 0);
  CHECK(ok > 100);
  CHECK(p->restarts() >= 1);
  CHECK(p->shutdown());
  CHECK(aura_test::count_children().zombies == 0);
}
