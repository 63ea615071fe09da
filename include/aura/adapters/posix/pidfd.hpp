// aura/adapters/posix/pidfd.hpp - seeing a child exit without waiting for EOF,
// and finding what it left holding its pipes.
//
// A pidfd (Linux >= 5.3) becomes readable when the process exits, so a
// poll() over the child's stdout and its pidfd reports the exit at once even
// while a grandchild keeps stdout open. Killing the child's process group
// ends the grandchildren that stayed in it; one that called setsid() has
// left the group, and is found instead by what it holds: every process with
// a descriptor on one of the child's pipes (kill_pipe_holders). A grandchild
// that left the group AND closed every pipe is not found (only a cgroup or a
// subreaper could): docs/security.md says so.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "aura/adapters/posix/fd.hpp"

namespace aura::posix {

/// A pidfd for `pid`, or an invalid fd where the kernel has none (callers
/// then poll waitpid on a short timer).
[[nodiscard]] inline unique_fd open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    (void)::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return unique_fd(static_cast<int>(fd));
  }
#else
  (void)pid;
#endif
  return unique_fd();
}

/// The names (`pipe:[inode]`, as /proc/<pid>/fd shows them) of the pipes
/// behind `fds`; taken while the descriptors are known to be open, so a later
/// kill_pipe_holders() never reads a descriptor another thread may close.
[[nodiscard]] inline std::vector<std::string> pipe_names(const std::vector<int>& fds) {
  std::vector<std::string> names;
  for (int fd : fds) {
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      names.push_back("pipe:[" + std::to_string(st.st_ino) + "]");
    }
  }
  return names;
}

/// SIGKILLs every other process of this user holding a descriptor on one of
/// the pipes named `targets` (pipe_names()); returns how many it signalled.
///
/// A child aura is spawning holds every descriptor of the host (close-on-exec
/// ones too) until its exec: the scan runs with spawn_window() held
/// exclusively, so such a sibling is never mistaken for a holder.
inline int kill_pipe_holders_named(const std::vector<std::string>& targets) noexcept {
  std::unique_lock<std::shared_mutex> no_spawn_in_flight(spawn_window());
  if (targets.empty()) return 0;
  int killed = 0;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid == self) continue;
    const std::string dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fdd = ::opendir(dir.c_str());
    if (fdd == nullptr) continue;  // not ours to see (another user) or gone
    bool holds = false;
    while (!holds) {
      dirent* f = ::readdir(fdd);
      if (f == nullptr) break;
      if (f->d_name[0] == '.') continue;
      char link[64];
      const std::string path = dir + "/" + f->d_name;
      const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
      if (n <= 0) continue;
      link[n] = '\0';
      for (const auto& t : targets) {
        if (t == link) holds = true;
      }
    }
    ::closedir(fdd);
    if (holds && ::kill(pid, SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

/// kill_pipe_holders_named() for the pipes behind `fds`, which must stay open
/// (no other thread may close them) during the call.
inline int kill_pipe_holders(const std::vector<int>& fds) noexcept {
  try {
    return kill_pipe_holders_named(pipe_names(fds));
  } catch (...) {  // out of memory naming the pipes: nothing more to do
    return 0;
  }
}

}  // namespace aura::posix
