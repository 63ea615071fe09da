// aura/agent/shell.hpp - a POSIX runner for the `bash:<cmd>` condition.
// Not included by agent.hpp (it needs POSIX): a host that turns `bash:` on
// includes it, or passes its own runner in condition_options::shell.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "aura/agent/conditions.hpp"

#if __has_include(<sys/wait.h>) && __has_include(<unistd.h>)
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define AURA_AGENT_HAS_POSIX_SHELL 1
#else
#define AURA_AGENT_HAS_POSIX_SHELL 0
#endif

namespace aura::agent {

#if AURA_AGENT_HAS_POSIX_SHELL
/// `/bin/sh -c command` with stdin, stdout and stderr on /dev/null, in its own
/// process group so a timeout kills its children too.
[[nodiscard]] inline shell_runner posix_shell() {
  return [](const std::string& command, const std::filesystem::path& workdir,
            std::chrono::milliseconds timeout) -> std::optional<int> {
    const std::string dir = workdir.string();
    const pid_t pid = ::fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      ::setpgid(0, 0);
      if (!dir.empty() && ::chdir(dir.c_str()) != 0) ::_exit(126);
      const int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0) return std::nullopt;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return std::nullopt;
      }
      const timespec nap{0, 1000000};  // 1 ms
      ::nanosleep(&nap, nullptr);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return std::nullopt;
  };
}
#endif

}  // namespace aura::agent
