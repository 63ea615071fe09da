// Shared by the isolated-mode security tests: temporary guest files, timing
// and resource readings, plugins made with generous test bounds.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <signal.h>
#include <unistd.h>

#include "aura/adapters/isolated.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "support/proc_counts.hpp"

namespace iso_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// A directory removed at exit, for guest scripts.
inline const fs::path& scratch() {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("aura-iso-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

inline fs::path write_guest(const std::string& name, const std::string& text) {
  auto p = scratch() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

/// Slack on top of deadline + kill margin for a loaded CI box; instrumented
/// (ASan) code runs several times slower, so it gets twice as much.
inline constexpr auto slack = aura_test::under_asan ? 3000ms : 1500ms;

inline aura::envelope<aura::dynamic_event> event(const std::string& name = "tool.before_execution") {
  aura::envelope<aura::dynamic_event> e;
  e.id = "e1";
  e.name = name;
  e.source = "test";
  e.data = {{"tool", "bash"}, {"command", "ls"}};
  return e;
}

/// Drops log lines (floods would fill the test log).
struct quiet_logger final : aura::logger {
  void write(aura::log_level, std::string_view, std::string_view) override {}
};

inline std::shared_ptr<aura::context> context_with(aura::permissions p, std::shared_ptr<aura::storage> s = nullptr) {
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("guest").set_permissions(std::move(p)).set_logger(std::make_shared<quiet_logger>());
  if (s) ctx->set_storage(std::move(s));
  return ctx;
}

/// Options for a Lua guest with the in-worker limits off, so that the host's
/// outside bounds are what is tested.
inline aura::isolated_options lua_guest(const std::string& name, const std::string& source,
                                        std::shared_ptr<aura::context> ctx = nullptr, bool attacks = false) {
  aura::isolated_options o;
  o.name = name;
  o.runtime = "lua";
  o.file = write_guest(name + ".lua", source);
  o.limits = {{"instructions", 0}, {"memory_bytes", 0}};
  o.worker = attacks ? AURA_TEST_ATTACK_WORKER : AURA_TEST_WORKER;
  o.ctx = ctx ? std::move(ctx) : context_with(aura::permissions{});
  o.isolation.address_space = std::uint64_t{512} << 20;
  o.isolation.restart_backoff = 5ms;
  o.isolation.max_backoff = 100ms;
  return o;
}

inline std::shared_ptr<aura::isolated_plugin> load_or_die(aura::isolated_options o) {
  auto p = aura::isolated_plugin::load(std::move(o));
  if (!p) throw std::runtime_error("load failed: " + p.error().describe());
  return std::move(*p);
}

/// Resident set of this process, kB.
inline long rss_kb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

inline bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

template <class F>
std::chrono::milliseconds timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

}  // namespace iso_test
