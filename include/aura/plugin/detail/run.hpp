// aura/plugin/detail/run.hpp - runs one command to completion: input on stdin,
// output from stdout and stderr, a deadline, an exact environment. Used for
// plugin commands, MCP tools and Codineer lifecycle scripts (the hook path
// goes through the command adapter).
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aura/core/error.hpp"

namespace aura::plugin::detail {

struct run_result {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out, err;
};

/// Resolves argv[0]: a path relative to the plugin directory when such a file
/// exists there, else left for PATH lookup.
[[nodiscard]] inline std::vector<std::string> resolve_argv(std::vector<std::string> argv, const std::filesystem::path& dir) {
  if (!argv.empty() && argv[0].find('/') != std::string::npos && !std::filesystem::path(argv[0]).is_absolute()) {
    std::error_code ec;
    argv[0] = std::filesystem::absolute(dir / argv[0], ec).lexically_normal().string();
  }
  return argv;
}

/// Runs argv in `dir` with exactly `env`; kills it at the deadline. With a
/// Landlock ruleset (`landlock_ruleset` >= 0, plugin/tool_sandbox.hpp) the
/// child confines itself to it before exec (exit 126 if the kernel refuses).
/// When `cancel` turns true it is killed as at the deadline (seen within
/// 20 ms): errc::hook_failed, "cancelled".
[[nodiscard]] inline result<run_result> run_command(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                                                    const std::map<std::string, std::string>& env, const std::string& input,
                                                    std::chrono::milliseconds timeout, int landlock_ruleset = -1,
                                                    const std::atomic<bool>* cancel = nullptr) {
  if (argv.empty()) return fail(errc::invalid_argument, "an empty command line");
  // A child that exits before reading its input must not kill the host with SIGPIPE.
  static const bool sigpipe_ignored = [] {
    struct sigaction sa {};
    if (::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)sigpipe_ignored;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]);
    return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]); ::close(out[0]); ::close(out[1]);
    return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  const std::string workdir = dir.string();
  // PATH lookup uses the child's PATH, or the default one.
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (auto it = env.find("PATH"); it != env.end()) path = it->second;

  const pid_t pid = ::fork();
  if (pid < 0) return fail(errc::io_error, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: a deadline or a cancel kills what it started too
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) _exit(127);
#if defined(SYS_landlock_restrict_self)
    if (landlock_ruleset >= 0 && (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                                  ::syscall(SYS_landlock_restrict_self, landlock_ruleset, 0U) != 0)) {
      const char msg[] = "aura: the sandbox (Landlock) could not be entered\n";
      (void)!::write(2, msg, sizeof msg - 1);
      _exit(126);
    }
#else
    if (landlock_ruleset >= 0) _exit(126);
#endif
    if (std::strchr(args[0], '/')) {
      ::execve(args[0], args.data(), envp.data());
    } else {
      std::size_t start = 0;
      while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string cand = path.substr(start, end - start) + "/" + args[0];
        ::execve(cand.c_str(), args.data(), envp.data());
        start = end + 1;
      }
    }
    const char msg[] = "aura: cannot execute the command\n";
    (void)!::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  (void)::setpgid(pid, pid);  // as the child does: whichever runs first (EACCES after its exec is fine)
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  run_result r;
  std::size_t written = 0;
  int wfd = in[1];
  if (input.empty()) { ::close(wfd); wfd = -1; }
  bool out_open = true, err_open = true, timed_out = false, cancelled = false;
  char buf[8192];
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) { timed_out = true; break; }
    if (cancel && cancel->load(std::memory_order_relaxed)) { cancelled = true; break; }
    if (cancel) left = std::min(left, std::chrono::milliseconds(20));  // in slices: the flag is seen soon
    pollfd fds[3];
    int n = 0;
    int io = -1, ie = -1, iw = -1;
    if (out_open) { fds[n] = {out[0], POLLIN, 0}; io = n++; }
    if (err_open) { fds[n] = {err[0], POLLIN, 0}; ie = n++; }
    if (wfd >= 0) { fds[n] = {wfd, POLLOUT, 0}; iw = n++; }
    const int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (iw >= 0 && (fds[iw].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t k = ::write(wfd, input.data() + written, input.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) { ::close(wfd); wfd = -1; }
    }
    auto drain = [&](int idx, int fd, std::string& into, bool& open) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      const ssize_t k = ::read(fd, buf, sizeof buf);
      if (k > 0) into.append(buf, static_cast<std::size_t>(k));
      else if (k == 0 || errno != EINTR) open = false;
    };
    drain(io, out[0], r.out, out_open);
    drain(ie, err[0], r.err, err_open);
  }
  if (wfd >= 0) ::close(wfd);
  ::close(out[0]);
  ::close(err[0]);
  if (timed_out || cancelled) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cancelled) return fail(errc::hook_failed, "cancelled: \"" + argv[0] + "\" was killed");
  if (timed_out) {
    return fail(errc::timeout, "\"" + argv[0] + "\" did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace aura::plugin::detail
