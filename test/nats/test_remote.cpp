// The fleet's remote plugin workers and the `nats` runtime, against a
// nats-server this test starts on a free loopback port.
#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <set>

#include "fleet_support.hpp"

using namespace fleet_test;

#define FLEET_SERVER(var, js)                                                    \
  auto var = nats_server::start(js);                                             \
  if (!var) {                                                                    \
    WARN("nats-server is not installed (Debian nats-server): test skipped");     \
    return;                                                                      \
  }

namespace {

const std::string check_hook =
    R"([{"event": "intent.before_log", "handler": "check", "timeout_ms": 5000, "on_error": "fail_closed"}])";

struct fleet {
  temp_dir tmp;
  fs::path plugins = tmp.path / "worker-plugins";
  fs::path marks = tmp.path / "marks";
  std::vector<std::unique_ptr<worker_proc>> workers;
  fleet() {
    write_worker_plugin(plugins);
    fs::create_directories(marks);
  }
  bool spawn(const std::string& url, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "w" + std::to_string(workers.size() + 1);
      workers.push_back(std::make_unique<worker_proc>(url, plugins, id, marks, tmp.path / (id + ".log")));
    }
    for (auto& w : workers) {
      if (!w->ready()) return false;
    }
    return true;
  }
};

}  // namespace

// Run by the tests below as a child process: serves the worker plugins until stdin ends.
TEST_CASE("fleet worker child", "[.fleet-worker]") {
  const char* url = std::getenv("AURA_FLEET_URL");
  if (url == nullptr) return;
  const std::string id = std::getenv("AURA_FLEET_ID");
  auto found = aura::plugin::discover({aura::plugin::plugin_root{std::getenv("AURA_FLEET_PLUGINS"), "global", true}});
  REQUIRE(found.errors.empty());
  std::vector<aura::plugin::manifest> manifests;
  for (auto& p : found.plugins) manifests.push_back(p.spec);
  aura::plugin::runtime_registry rr;
  rr.set(aura::plugin::runtime_kind::native, aura::plugin::native_loader(worker_natives(id, std::getenv("AURA_FLEET_MARKS"))));
  aura::nats::worker_options o;
  o.connection.servers = {url};
  o.id = id;
  o.queue = "fleet-test";
  o.heartbeat = std::chrono::milliseconds(50);  // 4 missed (200 ms) mean lost: room for a loaded CI machine
  std::vector<aura::error> errors;
  auto w = aura::nats::worker::start(o, manifests, std::move(rr), {}, &errors);
  REQUIRE(errors.empty());
  REQUIRE(w);
  REQUIRE((*w)->served().size() == 3);
  std::fputs("ready\n", stdout);
  std::fflush(stdout);
  char c = 0;
  while (::read(0, &c, 1) > 0) {
  }
  (*w)->stop();
}

TEST_CASE("hook subjects are derived from event, plugin and handler names", "[nats]") {
  CHECK(aura::nats::hook_subject("aura.hooks", "intent.before_log", "fleet-policy", "check") ==
        "aura.hooks.intent.before_log.fleet-policy.check");
  CHECK(aura::nats::hook_subject("p", "a..b", "x.y", "h *>") == "p.a._.b.x_y.h___");
  CHECK(aura::nats::event_subject("tool.before_execution") == "aura.events.tool.before_execution");
}

TEST_CASE("a nats manifest's bad options are load errors naming the file and key", "[nats]") {
  temp_dir tmp;
  remote_host h("nats://127.0.0.1:1");
  auto file = write_host_manifest(tmp.path, "bad", R"({"bogus": 1})", check_hook);
  auto r = h.load(file);
  REQUIRE(!r);
  CHECK(r.error().plugin == "bad");
  CHECK(r.error().where.find("plugin.runtime.nats/bogus") != std::string::npos);
  CHECK(r.error().where.find(file.string()) != std::string::npos);
  auto file2 = write_host_manifest(tmp.path, "bad2", R"({"retries": -1})", check_hook);
  auto r2 = h.load(file2);
  REQUIRE(!r2);
  CHECK(r2.error().where.find("retries") != std::string::npos);
  // Nothing listens on port 1: the load fails, naming the server.
  auto file3 = write_host_manifest(tmp.path, "unreachable", R"({"servers": "nats://127.0.0.1:1", "connect_timeout_ms": 200, "max_reconnect": 0})", check_hook);
  auto r3 = h.load(file3);
  REQUIRE(!r3);
  CHECK(r3.error().message.find("cannot connect") != std::string::npos);
  CHECK(r3.error().where.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("three workers in a queue group share the calls of a remote hook", "[nats]") {
  FLEET_SERVER(server, false);
  fleet f;
  REQUIRE(f.spawn(server->url(), 3));
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(f.tmp.path / "host", "fleet-policy", "{}", check_hook)));

  std::map<std::string, int> by_worker;
  for (int i = 0; i < 60; ++i) {
    auto out = h.bus.emit("intent.before_log", json{{"ticket", "OPS-" + std::to_string(i)}});
    REQUIRE(out.mutated());
    by_worker[out.data.at("served_by").get<std::string>()]++;
    CHECK(out.data.at("ticket") == "OPS-" + std::to_string(i));
  }
  CHECK(by_worker.size() == 3);
  for (const auto& [id, n] : by_worker) CHECK(n > 0);

  auto no = h.bus.emit("intent.before_log", json::object());
  REQUIRE(no.denied());
  CHECK(no.denied_by == "fleet-policy:check");
  CHECK(no.reason.find("no ticket (checked by w") == 0);

  // The remote hook has the same stats as any hook of the chain.
  bool seen = false;
  for (const auto& s : h.bus.stats()) {
    if (s.hook != "fleet-policy:check") continue;
    seen = true;
    CHECK(s.calls == 61);
    CHECK(s.denies == 1);
    CHECK(s.mutations == 60);
  }
  CHECK(seen);
  auto rs = h.stats_of(".check");
  CHECK(rs.calls == 61);
  CHECK(rs.answered == 61);
  CHECK(rs.retries == 0);
}

TEST_CASE("a worker killed mid-call: the call completes on another within its deadline", "[nats]") {
  FLEET_SERVER(server, false);
  fleet f;
  REQUIRE(f.spawn(server->url(), 2));
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(f.tmp.path / "host", "fleet-policy", R"({"accept_timeout_ms": 2000})",
      R"([{"event": "intent.slow", "handler": "slow", "timeout_ms": 8000, "on_error": "fail_closed"}])")));

  auto call = std::async(std::launch::async, [&] { return h.bus.emit("intent.slow", json{{"sleep_ms", 500}}); });
  std::string first;
  REQUIRE(wait_for([&] {
    for (const auto& e : fs::directory_iterator(f.marks)) first = e.path().filename().string();
    return !first.empty();
  }));
  for (auto& w : f.workers) {
    if (w->id() == first) w->kill_now();
  }
  auto out = call.get();
  REQUIRE(out.mutated());
  const auto by = out.data.at("served_by").get<std::string>();
  CHECK(by != first);
  CHECK(fs::exists(f.marks / by));
  auto rs = h.stats_of(".slow");
  CHECK(rs.lost == 1);
  CHECK(rs.retries == 1);
  CHECK(rs.answered == 1);
}

TEST_CASE("no responder: the hook's failure policy decides, at once", "[nats]") {
  FLEET_SERVER(server, false);
  temp_dir tmp;
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(tmp.path, "closed-policy", "{}", check_hook)));
  const auto t0 = std::chrono::steady_clock::now();
  auto out = h.bus.emit("intent.before_log", json{{"ticket", "OPS-1"}});
  REQUIRE(out.denied());
  CHECK(out.denied_by == "closed-policy:check");
  REQUIRE(!out.diagnostics.empty());
  CHECK(out.diagnostics.front().message.find("no worker serves this hook") != std::string::npos);
  CHECK(out.diagnostics.front().code == aura::errc::not_found);
  // Well inside the 5 s deadline: the server says at once that nobody listens.
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  CHECK(h.stats_of(".check").no_responders == 1);

  REQUIRE(h.load(write_host_manifest(tmp.path, "open-policy", "{}",
      R"([{"event": "intent.fail", "handler": "fail", "timeout_ms": 5000, "on_error": "fail_open"}])")));
  auto open = h.bus.emit("intent.fail", json::object());
  CHECK(open.allowed());
  CHECK(!open.diagnostics.empty());
}

TEST_CASE("a hook past its deadline fails by its policy although its worker is alive", "[nats]") {
  FLEET_SERVER(server, false);
  fleet f;
  REQUIRE(f.spawn(server->url(), 1));
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(f.tmp.path / "host", "fleet-policy", "{}",
      R"([{"event": "intent.slow", "handler": "slow", "timeout_ms": 200, "on_error": "fail_closed"}])")));
  auto out = h.bus.emit("intent.slow", json{{"sleep_ms", 600}});
  REQUIRE(out.denied());
  REQUIRE(!out.diagnostics.empty());
  CHECK(out.diagnostics.front().code == aura::errc::timeout);
  CHECK(out.diagnostics.front().message.find("deadline of 200 ms") != std::string::npos);
  auto rs = h.stats_of(".slow");
  CHECK(rs.timeouts == 1);
  CHECK(rs.retries == 0);  // heartbeats went on: the worker was not lost
}

TEST_CASE("a hook's own failure on the worker is its failure policy's, not a lost worker", "[nats]") {
  FLEET_SERVER(server, false);
  fleet f;
  REQUIRE(f.spawn(server->url(), 1));
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(f.tmp.path / "host", "fleet-policy", "{}",
      R"([{"event": "intent.fail", "handler": "fail", "timeout_ms": 5000, "on_error": "fail_closed"}])")));
  auto out = h.bus.emit("intent.fail", json::object());
  REQUIRE(out.denied());
  REQUIRE(!out.diagnostics.empty());
  CHECK(out.diagnostics.front().message.find("on worker w1") != std::string::npos);
  CHECK(out.diagnostics.front().message.find("the fail hook always fails") != std::string::npos);
  auto rs = h.stats_of(".fail");
  CHECK(rs.retries == 0);
  CHECK(rs.breaker == aura::nats::breaker_state::closed);
}

TEST_CASE("the circuit breaker opens after failures in a row, then lets one trial call through", "[nats]") {
  FLEET_SERVER(server, false);
  fleet f;
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(f.tmp.path / "host", "fleet-policy",
      R"({"breaker": {"failure_threshold": 3, "cooldown_ms": 300}})", check_hook)));
  for (int i = 0; i < 3; ++i) CHECK(h.bus.emit("intent.before_log", json{{"ticket", "x"}}).denied());
  auto rs = h.stats_of(".check");
  CHECK(rs.no_responders == 3);
  CHECK(rs.breaker == aura::nats::breaker_state::open);
  CHECK(rs.breaker_opened == 1);

  auto refused = h.bus.emit("intent.before_log", json{{"ticket", "x"}});
  CHECK(refused.denied());
  REQUIRE(!refused.diagnostics.empty());
  CHECK(refused.diagnostics.front().message.find("circuit breaker") != std::string::npos);
  CHECK(h.stats_of(".check").short_circuited == 1);
  CHECK(h.stats_of(".check").no_responders == 3);  // no request went out

  // A worker comes; after the cooldown the trial call succeeds and closes the breaker.
  REQUIRE(f.spawn(server->url(), 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // the cooldown itself is what is tested
  auto ok = h.bus.emit("intent.before_log", json{{"ticket", "x"}});
  CHECK(ok.mutated());
  CHECK(h.stats_of(".check").breaker == aura::nats::breaker_state::closed);
}
