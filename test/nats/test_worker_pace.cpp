// Where a worker runs a call: a hook whose last run was quick runs on the
// subscription's delivery thread (no hand-off to the pool), any other on the
// pool; a quick hook that blocks is still heartbeated, and goes back to the pool.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>
#include <vector>

#include "fleet_support.hpp"

using namespace fleet_test;

namespace {

/// A worker in this process whose one hook records the thread it ran on and sleeps data.sleep_ms.
struct paced_worker {
  std::mutex mutex;
  std::vector<std::thread::id> ran_on;
  std::unique_ptr<aura::nats::worker> w;

  paced_worker(const std::string& url, std::chrono::microseconds inline_below) {
    auto natives = std::make_shared<aura::plugin::native_registry>();
    natives->add("fleet-policy", [this](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                                     -> aura::result<aura::plugin::native_plugin> {
      aura::plugin::native_plugin p;
      p.handlers["check"] = [this](const aura::envelope<aura::dynamic_event>& e,
                                   aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
        {
          std::lock_guard<std::mutex> lock(mutex);
          ran_on.push_back(std::this_thread::get_id());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(e.data.value("sleep_ms", 0)));
        return aura::allow();
      };
      return p;
    });
    aura::plugin::manifest m;
    m.name = "fleet-policy";
    m.version = "1.0.0";
    m.runtime.kind = aura::plugin::runtime_kind::native;
    m.runtime.entrypoint = "fleet-policy";
    aura::plugin::hook_spec h;
    h.event = "intent.before_log";
    h.handler = "check";
    m.hooks.push_back(h);
    aura::plugin::runtime_registry rr;
    rr.set(aura::plugin::runtime_kind::native, aura::plugin::native_loader(natives));
    aura::nats::worker_options o;
    o.connection.servers = {url};
    o.id = "paced";
    o.queue = "fleet-pace";
    o.threads = 1;  // one pool thread: every pool run is on the same thread
    o.heartbeat = std::chrono::milliseconds(50);
    o.inline_below = inline_below;
    auto started = aura::nats::worker::start(o, {m}, std::move(rr), {});
    if (started) w = std::move(*started);
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex);
    return ran_on;
  }
};

const std::string hooks = R"([{"event": "intent.before_log", "handler": "check", "timeout_ms": 5000, "on_error": "fail_closed"}])";

}  // namespace

TEST_CASE("a quick hook runs on the delivery thread; one that blocked goes back to the pool, heartbeated", "[nats]") {
  auto server = nats_server::start(false);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  paced_worker pw(server->url(), std::chrono::microseconds(50'000));
  REQUIRE(pw.w);
  temp_dir tmp;
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(tmp.path / "host", "fleet-policy", "{}", hooks)));

  for (int i = 0; i < 3; ++i) REQUIRE(h.bus.emit("intent.before_log", json{{"n", i}}).allowed());
  // The first run is on the pool (nothing known of the hook yet); it was quick, so the next ran inline.
  // This run is inline too and blocks past the host's accept_timeout (1 s): only the heartbeat thread's
  // accept and beats for it (4 missed of 50 ms mean lost) keep it from counting as a lost worker.
  auto slow = h.bus.emit("intent.before_log", json{{"sleep_ms", 1500}});
  CHECK(slow.allowed());
  // That run was slow: the next is the pool's again.
  REQUIRE(h.bus.emit("intent.before_log", json{{"n", 5}}).allowed());

  const auto t = pw.threads();
  REQUIRE(t.size() == 5);
  const auto pool = t[0];
  CHECK(t[1] != pool);
  CHECK(t[2] == t[1]);
  CHECK(t[3] == t[1]);
  CHECK(t[4] == pool);
  auto rs = h.stats_of(".check");
  CHECK(rs.lost == 0);  // the inline run that blocked was not taken for a lost worker
  CHECK(rs.retries == 0);
  CHECK(rs.answered == 5);
}

TEST_CASE("inline_below 0: every call runs on the pool", "[nats]") {
  auto server = nats_server::start(false);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  paced_worker pw(server->url(), std::chrono::microseconds(0));
  REQUIRE(pw.w);
  temp_dir tmp;
  remote_host h(server->url());
  REQUIRE(h.load(write_host_manifest(tmp.path / "host", "fleet-policy", "{}", hooks)));
  for (int i = 0; i < 4; ++i) REQUIRE(h.bus.emit("intent.before_log", json{{"n", i}}).allowed());
  const auto t = pw.threads();
  REQUIRE(t.size() == 4);
  for (const auto& id : t) CHECK(id == t[0]);
}
