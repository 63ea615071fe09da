// aura/adapters/isolated/worker_process.hpp - the host's end of one worker
// process: start it (empty environment, own process group, stdio pipes),
// exchange lines under a deadline, see it die (pidfd, not only EOF), kill it.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/fd.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/line_reader.hpp"
#include "aura/adapters/posix/pidfd.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"

namespace aura::isolated {

/// Why a worker that ended did: the wording names seccomp and the rlimits,
/// and the code says which class of failure it was.
[[nodiscard]] inline error describe_death(const posix::exit_status& s) {
  if (s.signaled && s.signal == SIGSYS) {
    return error{errc::crashed, "the worker was killed by its seccomp filter (SIGSYS): the plugin tried a forbidden "
                                "system call", {}, {}, {}};
  }
  if (s.signaled && s.signal == SIGXCPU) {
    return error{errc::limit_exceeded, "the worker ran past its CPU-time limit (RLIMIT_CPU, SIGXCPU)", {}, {}, {}};
  }
  return error{errc::crashed, "the worker " + s.describe(), {}, {}, {}};
}

class worker_process {
 public:
  /// Starts `exe` with no environment, no arguments but its name, in its own
  /// process group. The worker closes every other descriptor itself.
  [[nodiscard]] static result<std::unique_ptr<worker_process>> start(const std::filesystem::path& exe,
                                                                     std::size_t max_line) {
    posix::spawn_options o;
    o.argv = {exe.string()};
    o.env = {};
    o.own_process_group = true;
    auto child = posix::spawn(o);
    if (!child) return fail(std::move(child.error()));
    std::unique_ptr<worker_process> w(new worker_process(std::move(*child), max_line));
    for (int fd : {w->child_.in.get(), w->child_.out.get(), w->child_.err.get()}) {
      if (auto r = posix::set_nonblocking(fd); !r) return fail(std::move(r.error()));
    }
    return w;
  }

  worker_process(const worker_process&) = delete;
  worker_process& operator=(const worker_process&) = delete;
  ~worker_process() { kill(); }

  [[nodiscard]] pid_t pid() const noexcept { return child_.pid; }
  [[nodiscard]] bool ended() const noexcept { return status_.has_value(); }
  [[nodiscard]] const std::optional<posix::exit_status>& status() const noexcept { return status_; }
  /// The last bytes the worker wrote to stderr (sanitizer reports, its own notes).
  [[nodiscard]] const std::string& stderr_tail() const noexcept { return err_tail_; }

  /// Writes one line (with its newline) before `until`.
  [[nodiscard]] result<void> send(std::string_view line, const posix::deadline& until) {
    if (ended() || !child_.in) return fail(errc::crashed, "the worker has ended");
    int err = 0;
    switch (posix::write_all(child_.in.get(), line, until, nullptr, &err)) {
      case posix::write_failure::none: return {};
      case posix::write_failure::broken_pipe: return fail(errc::crashed, "the worker closed its stdin");
      case posix::write_failure::timed_out: return fail(errc::timeout, "the worker stopped reading its stdin");
      case posix::write_failure::io: break;
    }
    return fail(errc::io_error, posix::errno_text("write to the worker", err));
  }

  /// The next line the worker writes, before `until`. Errors: timeout (the
  /// deadline passed), crashed (it died or closed its stdout), limit_exceeded
  /// (a line longer than max_line). After any error the worker must be killed.
  [[nodiscard]] result<std::string> next_line(const posix::deadline& until) {
    for (;;) {
      if (!lines_.empty()) {
        std::string l = std::move(lines_.front());
        lines_.pop_front();
        return l;
      }
      if (overflow_) return fail(errc::limit_exceeded, "the worker wrote a line longer than " +
                                                           std::to_string(reader_.max_line()) + " bytes");
      if (out_eof_ || ended()) return fail(died());
      if (until.expired()) return fail(errc::timeout, "no answer from the worker by the deadline");

      struct pollfd p[3] = {{child_.out.get(), POLLIN, 0}, {err_eof_ ? -1 : child_.err.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
      const nfds_t n = pidfd_ ? 3 : 2;
      int ms = until.poll_ms();
      if (!pidfd_ && (ms < 0 || ms > 20)) ms = 20;  // no pidfd: look at waitpid now and then
      const int r = ::poll(p, n, ms);
      if (r < 0 && errno != EINTR) return fail(errc::io_error, posix::errno_text("poll on the worker", errno));
      if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) drain_stderr();
      if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) read_stdout();
      if (!lines_.empty() || overflow_) continue;
      if ((n == 3 && r > 0 && (p[2].revents & POLLIN)) || (!pidfd_ && r == 0)) {
        if (auto s = posix::try_reap(child_.pid)) {
          status_ = *s;
          read_stdout();  // an answer written just before it exited still counts
          drain_stderr();
        }
      }
    }
  }

  /// SIGKILL to the worker's process group (also after the worker itself
  /// exited: what it left in its group dies too), then reaps it. Idempotent.
  void kill() noexcept {
    if (child_.pid <= 0 || group_killed_) return;
    group_killed_ = true;
    // The group id cannot be reused while any member lives, and the leader is
    // not reaped before this signal unless it exited on its own.
    (void)::kill(-child_.pid, SIGKILL);
    if (!status_) status_ = posix::reap(child_.pid);
    // (a worker cannot fork under its filter; without libseccomp it could:
    // whatever holds its pipes goes too)
    (void)posix::kill_pipe_holders({child_.out.get(), child_.err.get(), child_.in.get()});
  }

 private:
  worker_process(posix::child_process c, std::size_t max_line)
      : child_(std::move(c)), pidfd_(posix::open_pidfd(child_.pid)), reader_(max_line) {}

  [[nodiscard]] error died() {
    if (!status_ && out_eof_) {
      // EOF first: it is exiting (then say how it ended), or it closed its
      // stdout and lives on, useless either way.
      if (auto s = posix::reap_until(child_.pid, posix::deadline(std::chrono::milliseconds(50)))) {
        status_ = *s;
      } else {
        kill();
        return error{errc::crashed, "the worker closed its stdout", {}, {}, {}};
      }
    }
    error e = describe_death(status_ ? *status_ : posix::exit_status{});
    if (!err_tail_.empty()) {
      const std::string_view tail(err_tail_);
      e.message += "; its stderr ends with " + wire::quote(tail.size() > 400 ? tail.substr(tail.size() - 400) : tail);
    }
    return e;
  }

  void read_stdout() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(child_.out.get(), buf, sizeof buf);
      if (n > 0) {
        reader_.feed(
            std::string_view(buf, static_cast<std::size_t>(n)),
            [&](std::string_view l) {
              lines_.emplace_back(l);
              return true;
            },
            [&](std::size_t) {
              overflow_ = true;
              return false;
            });
        if (overflow_) return;
        // A short read took all there was: poll says when more comes (a
        // read that would only answer EAGAIN costs the round trip a syscall).
        if (static_cast<std::size_t>(n) < sizeof buf) return;
        continue;
      }
      if (n == 0) out_eof_ = true;
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  }

  void drain_stderr() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(child_.err.get(), buf, sizeof buf);
      if (n > 0) {
        err_tail_.append(buf, static_cast<std::size_t>(n));
        if (err_tail_.size() > 8192) err_tail_.erase(0, err_tail_.size() - 4096);
        continue;
      }
      if (n == 0) err_eof_ = true;
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  }

  posix::child_process child_;
  posix::unique_fd pidfd_;
  posix::line_reader reader_;
  std::deque<std::string> lines_;
  std::string err_tail_;
  bool out_eof_ = false;
  bool err_eof_ = false;
  bool group_killed_ = false;
  bool overflow_ = false;
  std::optional<posix::exit_status> status_;
};

}  // namespace aura::isolated
