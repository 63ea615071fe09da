// Process plugins that leave grandchildren behind: the exit is seen through a
// pidfd (not the EOF a grandchild holding stdout withholds), the verdict is
// `crashed` at once, and no grandchild outlives the plugin's stop, whether it
// stayed in the plugin's process group or left it with setsid().
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "aura/adapters/isolated/worker_process.hpp"
#include "aura/adapters/process.hpp"
#include "guests.hpp"
#include "support/proc_counts.hpp"

using namespace iso_test;
using aura::errc;

namespace {

pid_t read_pid(const fs::path& f) {
  for (int i = 0; i < 400; ++i) {
    std::ifstream in(f);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(5ms);
  }
  return 0;
}

/// Gone (or a zombie about to be reaped by init) within `wait`.
bool ends_within(pid_t pid, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::shared_ptr<aura::process_plugin> linger(const std::string& mode, const fs::path& pidfile) {
  aura::process_options o;
  o.name = "linger-" + mode;
  o.argv = {AURA_TEST_PYTHON, AURA_TEST_LINGER_PLUGIN, mode, pidfile.string()};
  o.env = {{"PATH", "/usr/bin:/bin"}};
  o.default_timeout = 8000ms;
  auto p = aura::process_plugin::start(std::move(o));
  if (!p) throw std::runtime_error(p.error().describe());
  return std::move(*p);
}

}  // namespace

TEST_CASE("process plugin: exit with a background grandchild on stdout is crashed at once", "[process][linger]") {
  for (const std::string mode : {"background", "setsid"}) {
    DYNAMIC_SECTION(mode) {
      const auto pidfile = scratch() / ("grandchild-" + mode);
      fs::remove(pidfile);
      auto p = linger(mode, pidfile);
      aura::context ctx;
      aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
      const auto took = timed([&] { r = p->call("on_event", event(), ctx); });
      REQUIRE_FALSE(r);
      INFO(r.error().describe());
      CHECK(r.error().code == errc::crashed);
      CHECK(took < 4000ms);  // far from the 8 s timeout
      const pid_t grandchild = read_pid(pidfile);
      REQUIRE(grandchild > 0);
      CHECK(ends_within(grandchild, 3000ms));
    }
  }
}

TEST_CASE("process plugin: no grandchild outlives the plugin's stop", "[process][linger]") {
  for (const std::string mode : {"background", "setsid"}) {
    DYNAMIC_SECTION(mode) {
      const auto pidfile = scratch() / ("stay-" + mode);
      fs::remove(pidfile);
      pid_t grandchild = 0;
      {
        auto p = linger(mode, pidfile);
        aura::context ctx;
        REQUIRE(p->call("on_stay", event(), ctx));
        grandchild = read_pid(pidfile);
        REQUIRE(grandchild > 0);
        CHECK(process_exists(grandchild));
      }  // destroyed: stopped
      CHECK(ends_within(grandchild, 3000ms));
      CHECK(aura_test::count_children().zombies == 0);
    }
  }
}

TEST_CASE("worker_process: a child that closes stdout and lives on is crashed and killed", "[process][linger]") {
  const auto exe = write_guest("closes-stdout.sh", "#!/bin/sh\nexec 1>&-\nexec sleep 60\n");
  fs::permissions(exe, fs::perms::owner_all);
  auto w = aura::isolated::worker_process::start(exe, 1024);
  REQUIRE(w);
  const pid_t pid = (*w)->pid();
  aura::result<std::string> line = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { line = (*w)->next_line(aura::posix::deadline(10000ms)); });
  REQUIRE_FALSE(line);
  CHECK(line.error().code == errc::crashed);
  CHECK(line.error().message.find("closed its stdout") != std::string::npos);
  CHECK(took < 5000ms);
  CHECK_FALSE(process_exists(pid));
}

TEST_CASE("worker_process: exit is seen while a grandchild holds stdout", "[process][linger]") {
  const auto pidfile = scratch() / "worker-grandchild";
  fs::remove(pidfile);
  const auto exe = write_guest("exits.sh", "#!/bin/sh\nsetsid sh -c 'echo $$ > " + pidfile.string() +
                                               "; exec sleep 60' &\nexit 5\n");
  fs::permissions(exe, fs::perms::owner_all);
  auto w = aura::isolated::worker_process::start(exe, 1024);
  REQUIRE(w);
  aura::result<std::string> line = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { line = (*w)->next_line(aura::posix::deadline(10000ms)); });
  REQUIRE_FALSE(line);
  CHECK(line.error().code == errc::crashed);
  CHECK(line.error().message.find("status 5") != std::string::npos);
  CHECK(took < 5000ms);
  const pid_t grandchild = read_pid(pidfile);
  REQUIRE(grandchild > 0);
  (*w)->kill();
  CHECK(ends_within(grandchild, 3000ms));
}
