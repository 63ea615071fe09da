// aura/adapters/posix/spawn.hpp - starting a child without a shell, and ending it.
//
// posix_spawn (vfork-fast on glibc) with: argv passed as is (no shell), the
// environment exactly as given, the working directory set in the child, stdio
// on close-on-exec pipes (every other descriptor of the host is close-on-exec,
// so the child inherits nothing else of aura's), signal mask emptied and
// dispositions reset to default (a host ignoring SIGPIPE does not pass that
// on), and the child leading its own process group so that a deadline can
// kill whatever it started too.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/fd.hpp"
#include "aura/core/error.hpp"
#include "aura/core/permissions.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace aura::posix {

struct spawn_options {
  std::vector<std::string> argv;                ///< argv[0] is the program; no shell
  std::filesystem::path workdir;                ///< empty = the host's working directory
  std::map<std::string, std::string> env;       ///< the child's whole environment
  bool pipe_stdin = true;                       ///< else /dev/null
  bool pipe_stdout = true;                      ///< else /dev/null
  bool pipe_stderr = true;                      ///< else /dev/null
  bool own_process_group = true;                ///< child leads a new process group
};

/// A started child: its pid and the host's ends of its pipes.
struct child_process {
  pid_t pid = -1;
  unique_fd in;   ///< write end of the child's stdin
  unique_fd out;  ///< read end of the child's stdout
  unique_fd err;  ///< read end of the child's stderr
};

/// How a child ended.
struct exit_status {
  bool exited = false;    ///< exited normally with `code`
  int code = 0;
  bool signaled = false;  ///< killed by `signal`
  int signal = 0;

  [[nodiscard]] static exit_status from_wait(int status) noexcept {
    exit_status s;
    if (WIFEXITED(status)) {
      s.exited = true;
      s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      s.signaled = true;
      s.signal = WTERMSIG(status);
    }
    return s;
  }
  [[nodiscard]] std::string describe() const {
    if (exited) return "exited with status " + std::to_string(code);
    if (signaled) return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "ended";
  }
};

namespace detail {
/// Argument and environment arrays that outlive the spawn call.
struct c_strings {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  explicit c_strings(std::vector<std::string> s) : storage(std::move(s)) {
    for (auto& x : storage) pointers.push_back(x.data());
    pointers.push_back(nullptr);
  }
};

struct spawn_attrs {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actions_ok = false;
  bool attr_ok = false;
  spawn_attrs() {
    actions_ok = posix_spawn_file_actions_init(&actions) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
  }
  ~spawn_attrs() {
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (attr_ok) posix_spawnattr_destroy(&attr);
  }
  spawn_attrs(const spawn_attrs&) = delete;
  spawn_attrs& operator=(const spawn_attrs&) = delete;
};
}  // namespace detail

/// Starts `opts.argv` as a child. A program that cannot be executed (missing,
/// not executable, bad working directory) is an error here, not a dead child.
[[nodiscard]] inline result<child_process> spawn(const spawn_options& opts) {
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(errc::invalid_argument, "no program to start (argv is empty)");
  }
  child_process child;
  unique_fd child_in, child_out, child_err;
  auto open_pipe = [](unique_fd& host_end, unique_fd& child_end, bool host_writes) -> result<void> {
    auto p = make_pipe();
    if (!p) return fail(p.error());
    if (host_writes) {
      host_end = std::move(p->write);
      child_end = std::move(p->read);
    } else {
      host_end = std::move(p->read);
      child_end = std::move(p->write);
    }
    return {};
  };
  if (opts.pipe_stdin) {
    if (auto r = open_pipe(child.in, child_in, true); !r) return fail(r.error());
  }
  if (opts.pipe_stdout) {
    if (auto r = open_pipe(child.out, child_out, false); !r) return fail(r.error());
  }
  if (opts.pipe_stderr) {
    if (auto r = open_pipe(child.err, child_err, false); !r) return fail(r.error());
  }

  detail::spawn_attrs sa;
  if (!sa.actions_ok || !sa.attr_ok) return fail(errc::io_error, "posix_spawn attributes could not be set up");
  auto* fa = &sa.actions;
  int rc = 0;
  auto wire = [&](const unique_fd& end, int target, int flags) {
    if (rc != 0) return;
    rc = end.valid() ? posix_spawn_file_actions_adddup2(fa, end.get(), target)
                     : posix_spawn_file_actions_addopen(fa, target, "/dev/null", flags, 0);
  };
  wire(child_in, STDIN_FILENO, O_RDONLY);
  wire(child_out, STDOUT_FILENO, O_WRONLY);
  wire(child_err, STDERR_FILENO, O_WRONLY);
  if (rc == 0 && !opts.workdir.empty()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    rc = posix_spawn_file_actions_addchdir_np(fa, opts.workdir.c_str());
#else
    return fail(errc::unsupported, "setting a child's working directory needs glibc 2.29 or later");
#endif
  }
  if (rc != 0) return fail(errc::io_error, errno_text("posix_spawn_file_actions", rc));

  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) sigaddset(&defaults, s);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (opts.own_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &defaults);
  if (opts.own_process_group) posix_spawnattr_setpgroup(&sa.attr, 0);
  posix_spawnattr_setflags(&sa.attr, flags);

  detail::c_strings argv(opts.argv);
  std::vector<std::string> env_lines;
  env_lines.reserve(opts.env.size());
  for (const auto& [k, v] : opts.env) env_lines.push_back(k + "=" + v);
  detail::c_strings envp(std::move(env_lines));

  pid_t pid = -1;
  const bool search = opts.argv.front().find('/') == std::string::npos;
  // glibc's posix_spawn returns once the child has exec'd (or failed): while
  // this is held, no half-started child holds the host's descriptors
  std::shared_lock<std::shared_mutex> spawning(spawn_window());
  rc = search ? posix_spawnp(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data())
              : posix_spawn(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data());
  if (rc != 0) {
    std::string where = opts.workdir.empty() ? std::string() : " in " + opts.workdir.string();
    return fail(errc::load_error, "cannot start \"" + opts.argv.front() + "\"" + where + ": " + std::strerror(rc));
  }
  child.pid = pid;
  return child;  // the child's pipe ends close here, in the host
}

/// Sends `sig` to the child's process group (or to the child alone).
inline void signal_child(pid_t pid, int sig, bool group = true) noexcept {
  if (pid <= 0) return;
  if (!group || ::kill(-pid, sig) != 0) ::kill(pid, sig);
}

/// Reaps `pid` if it has ended; never blocks.
[[nodiscard]] inline std::optional<exit_status> try_reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return exit_status::from_wait(status);
  if (r < 0) return exit_status{};  // ECHILD: someone else reaped it; it is gone
  return std::nullopt;
}

/// Reaps `pid`, blocking.
inline exit_status reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid ? exit_status::from_wait(status) : exit_status{};
}

/// Waits for `pid` to end until `until`, polling waitpid with a short,
/// growing sleep (SIGCHLD belongs to the host, so aura does not wait on it).
[[nodiscard]] inline std::optional<exit_status> reap_until(pid_t pid, const deadline& until) {
  auto nap = std::chrono::microseconds(10);
  for (;;) {
    if (auto s = try_reap(pid)) return s;
    if (until.expired()) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(nap, until.remaining()));
    nap = std::min(nap * 2, std::chrono::microseconds(5000));
  }
}

/// Ends a child: SIGTERM to its group, `grace` to exit, then SIGKILL; reaps it.
inline exit_status terminate(pid_t pid, std::chrono::milliseconds grace, bool group = true) {
  signal_child(pid, SIGTERM, group);
  if (auto s = reap_until(pid, deadline(grace))) {
    signal_child(pid, SIGKILL, group);  // leftovers of its group
    return *s;
  }
  signal_child(pid, SIGKILL, group);
  return reap(pid);
}

/// The host variables a plugin's permissions let it see: none, the listed
/// names, or all (to merge under the variables a plugin declares itself).
[[nodiscard]] inline std::map<std::string, std::string> inherited_environment(const permissions& perms) {
  std::map<std::string, std::string> out;
  if (perms.env == env_access::none) return out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view line(*e);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name(line.substr(0, eq));
    if (perms.allows_env(name)) out.emplace(name, std::string(line.substr(eq + 1)));
  }
  return out;
}

}  // namespace aura::posix
