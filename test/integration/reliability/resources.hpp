// What a long run must not leak, measured from /proc: descriptors, children, memory.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "support/proc_counts.hpp"

namespace reliability {

using aura_test::children;
using aura_test::count_children;
using aura_test::open_fds;

using aura_test::rss_is_meaningful;

/// Resident set size in KiB.
inline long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/// One before/after measurement, printed into the test output.
struct sample {
  int fds;
  long rss;
  children kids;
  static sample now() { return {open_fds(), rss_kib(), count_children()}; }
};

inline void print(const char* what, long calls, const sample& a, const sample& b) {
  std::printf("leak check %s: %ld calls, fds %d -> %d, children %d -> %d (zombies %d), rss %.1f MiB -> %.1f MiB\n",
              what, calls, a.fds, b.fds, a.kids.alive, b.kids.alive, b.kids.zombies, a.rss / 1024.0,
              b.rss / 1024.0);
  std::fflush(stdout);
}

}  // namespace reliability
