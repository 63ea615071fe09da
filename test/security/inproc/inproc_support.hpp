// Shared by the in-process adversarial tests: timing, resource counts, and
// the checks every attack ends with.
#pragma once

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/core/decision.hpp>
#include <aura/core/error.hpp>

#include "support/proc_counts.hpp"

namespace inproc {

/// The margin past a deadline within which an attacked call must have ended
/// (docs/security.md): generous, because CI runs this under ASan on 2 loaded cores.
inline constexpr std::chrono::milliseconds margin{1000};

/// Resident set size of this process in KiB.
inline long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  [[nodiscard]] std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }
};

/// What every attacked answer must satisfy: it is an error with `code`
/// naming `plugin` and `hook`, and it serialises as strict JSON.
template <class R>
void require_failure(const R& r, aura::errc code, const std::string& plugin, const std::string& hook) {
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().describe());
  CHECK(r.error().code == code);
  CHECK(r.error().plugin == plugin);
  CHECK(r.error().hook == hook);
  CHECK_NOTHROW(nlohmann::json(r.error().describe()).dump());
}

/// Any answer (decision or error) dumps as strict JSON (nlohmann throws on invalid UTF-8).
template <class R>
void require_serialises(const R& r) {
  if (!r) {
    CHECK_NOTHROW(nlohmann::json(r.error().describe()).dump());
    return;
  }
  CHECK_NOTHROW(nlohmann::json(r->reason()).dump());
  if (r->has_json_patch()) CHECK_NOTHROW(r->json_patch().dump());
  if (r->effects()) CHECK_NOTHROW(r->effects()->dump());
}

/// Descriptors and RSS before and after `reps` runs of `attack`: flat.
template <class F>
void require_flat(int reps, F&& attack) {
  attack();  // warm-up: states, pools and caches reach their steady size
  const int fds = aura_test::open_fds();
  const long rss = rss_kib();
  for (int i = 0; i < reps; ++i) attack();
  CHECK(aura_test::open_fds() == fds);
  // RSS moves with the allocator's caching; a leak of one state per call would be far past this.
  CHECK(rss_kib() - rss < 64 * 1024);
}

}  // namespace inproc
