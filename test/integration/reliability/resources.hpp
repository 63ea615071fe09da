// What a long run must not leak, measured from /proc: descriptors, children, memory.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace reliability {

// Under AddressSanitizer freed memory sits in a quarantine (up to 256 MiB), so
// resident memory grows without a leak; there LeakSanitizer checks leaks at exit
// instead, and the RSS figures are printed but not asserted.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif
#else
inline constexpr bool rss_is_meaningful = true;
#endif

inline int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
  }
  return n - 1;  // the directory stream's own descriptor
}

/// Resident set size in KiB.
inline long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct children {
  int alive = 0;
  int zombies = 0;
};

/// This process's children, by scanning /proc for our pid as parent.
inline children count_children() {
  children c;
  const std::string me = std::to_string(getpid());
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      const auto close = line.rfind(')');
      if (close == std::string::npos || close + 4 >= line.size()) continue;
      const char state = line[close + 2];
      const std::string rest = line.substr(close + 4);
      if (rest.substr(0, rest.find(' ')) != me) continue;
      if (state == 'Z') ++c.zombies; else ++c.alive;
    }
    closedir(d);
  }
  return c;
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
