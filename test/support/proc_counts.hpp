// Counting what a test must not leak: open descriptors and zombie children.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace aura_test {

/// Whether this binary is built with AddressSanitizer (GCC defines the macro,
/// Clang answers __has_feature), and whether resident memory means anything:
/// under ASan (and TSan) freed memory sits in a quarantine (up to 256 MiB), so
/// RSS grows without a leak; LeakSanitizer checks leaks at exit instead.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
inline constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool under_asan = true;
inline constexpr bool rss_is_meaningful = false;
#elif __has_feature(thread_sanitizer)
inline constexpr bool under_asan = false;
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool under_asan = false;
inline constexpr bool rss_is_meaningful = true;
#endif
#else
inline constexpr bool under_asan = false;
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

/// Children of this process, and how many of them are zombies.
struct children {
  int alive = 0;
  int zombies = 0;
};

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
      const std::string ppid = rest.substr(0, rest.find(' '));
      if (ppid != me) continue;
      if (state == 'Z') ++c.zombies; else ++c.alive;
    }
    closedir(d);
  }
  return c;
}

}  // namespace aura_test
