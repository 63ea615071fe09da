// Process plugins, variants of the classes: a grandchild that left the
// group and closed every pipe (the documented limit: nothing finds it, but
// it delays no verdict), and bytes that are not UTF-8 in answers and stderr.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include <aura/core/utf8.hpp>

#include "aura/adapters/process.hpp"
#include "guests.hpp"

using namespace iso_test;
using aura::errc;

namespace {

pid_t wait_pid(const fs::path& f) {
  for (int i = 0; i < 400; ++i) {
    std::ifstream in(f);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(5ms);
  }
  return 0;
}

std::shared_ptr<aura::process_plugin> start(const std::string& name, std::vector<std::string> argv) {
  aura::process_options o;
  o.name = name;
  o.argv = std::move(argv);
  o.env = {{"PATH", "/usr/bin:/bin"}};
  o.default_timeout = 3000ms;
  o.restart_backoff = 5ms;
  auto p = aura::process_plugin::start(std::move(o));
  if (!p) throw std::runtime_error(p.error().describe());
  return std::move(*p);
}

std::string serialise(const aura::result<aura::decision<aura::dynamic_event>>& r) {
  if (r) return aura::wire::encode(*r).dump();
  return nlohmann::json{{"error", r.error().describe()}, {"plugin", r.error().plugin}, {"hook", r.error().hook}}.dump();
}

}  // namespace

TEST_CASE("process variants: a detached grandchild that closed every pipe delays no verdict",
          "[security][process][linger]") {
  const auto pidfile = scratch() / "detached";
  SECTION("the plugin exits after detaching it: crashed at once") {
    fs::remove(pidfile);
    auto p = start("detach", {AURA_TEST_PYTHON, AURA_TEST_LINGER_PLUGIN, "detached", pidfile.string()});
    aura::context ctx;
    aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
    const auto took = timed([&] { r = p->call("on_event", event(), ctx); });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::crashed);
    CHECK(r.error().plugin == "detach");
    CHECK(r.error().hook == "on_event");
    CHECK(took < 3000ms);
    const pid_t g = wait_pid(pidfile);
    REQUIRE(g > 0);
    // docs/security.md: it left the group and holds no pipe, so the host
    // cannot find it (only a cgroup or a subreaper could); it does not hold
    // up the call either. The test cleans up after it.
    if (process_exists(g)) ::kill(g, SIGKILL);
  }
  SECTION("the plugin stays: the call answers, and stop does not wait for it") {
    fs::remove(pidfile);
    pid_t g = 0;
    std::chrono::milliseconds stopping{};
    {
      auto p = start("detach-stay", {AURA_TEST_PYTHON, AURA_TEST_LINGER_PLUGIN, "detached", pidfile.string()});
      aura::context ctx;
      auto r = p->call("on_stay", event(), ctx);
      REQUIRE(r);
      CHECK(r->is_allow());
      g = wait_pid(pidfile);
      REQUIRE(g > 0);
      stopping = timed([&] { (void)p->shutdown(); });
    }
    CHECK(stopping < 3000ms);
    if (g > 0 && process_exists(g)) ::kill(g, SIGKILL);
  }
}

TEST_CASE("process variants: bytes that are not UTF-8 from a process plugin always serialise",
          "[security][process][utf8]") {
  auto p = start("bytes", {AURA_TEST_PYTHON, AURA_TEST_BAD_BYTES_PLUGIN});
  for (const char* hook : {"on_raw", "on_surrogate", "on_crash"}) {
    DYNAMIC_SECTION(hook) {
      aura::context ctx;
      aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
      const auto took = timed([&] { r = p->call(hook, event(), ctx); });
      CHECK(took < 3000ms + slack);
      std::string text;
      REQUIRE_NOTHROW(text = serialise(r));
      CHECK(aura::is_valid_utf8(text.data(), text.size()));
      if (!r) {
        CHECK(r.error().plugin == "bytes");
        CHECK(r.error().hook == hook);
      }
      // the plugin still answers: restarted after its back-off (5 ms) if it was lost
      std::this_thread::sleep_for(100ms);
      auto ok = p->call("on_ok", event(), ctx);
      INFO((ok ? std::string("ok") : ok.error().describe()));
      CHECK(ok);
    }
  }
}
