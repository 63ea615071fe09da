// aura/adapters/posix/run.hpp - run a child to completion: feed stdin, collect stdout/stderr, under a deadline.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <unistd.h>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/fd.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/pidfd.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/error.hpp"

namespace aura::posix {

/// What a finished child left.
struct run_output {
  exit_status status;
  std::string out;
  std::string err;
};

/// Spawns `opts`, writes `input` to its stdin (then closes it), collects
/// stdout and stderr (each capped at `max_output` bytes) until the child has
/// exited and closed them. At the deadline the child's process group is
/// killed and reaped: errc::timeout. Output past the cap: errc::limit_exceeded.
/// A child that exits while something it started still holds its stdout gets
/// `linger` more to close it; then aura stops reading (it does not wait for
/// the leftovers, nor kill them). When `cancel` turns true the child is
/// killed and reaped as at the deadline (errc::hook_failed, "cancelled").
/// `on_stderr`, when set, also gets each chunk of stderr as it is read
/// (a plugin's log), the chunks past the cap included.
[[nodiscard]] inline result<run_output> run(const spawn_options& opts, std::string_view input, const deadline& until,
                                            std::size_t max_output = 16u << 20,
                                            std::chrono::milliseconds linger = std::chrono::milliseconds(50),
                                            const std::atomic<bool>* cancel = nullptr,
                                            const std::function<void(std::string_view)>& on_stderr = {}) {
  auto child = spawn(opts);
  if (!child) return fail(child.error());
  run_output res;
  sigpipe_guard guard;
  if (child->in) (void)set_nonblocking(child->in.get());
  std::size_t sent = 0;
  if (input.empty()) child->in.reset();
  std::optional<exit_status> exited;
  std::optional<deadline> linger_until;
  auto kill_and_reap = [&] {
    if (!exited) {
      signal_child(child->pid, SIGKILL);
      exited = reap(child->pid);
    }
    // what left the group (setsid) but still holds its output
    (void)kill_pipe_holders({child->out.get(), child->err.get(), child->in.get()});
  };
  char buf[16384];
  for (;;) {
    struct pollfd fds[3] = {{child->in ? child->in.get() : -1, POLLOUT, 0},
                            {child->out ? child->out.get() : -1, POLLIN, 0},
                            {child->err ? child->err.get() : -1, POLLIN, 0}};
    if (!child->in && !child->out && !child->err) break;
    if (until.expired()) {
      kill_and_reap();
      return fail(errc::timeout, "the command did not finish within its deadline and was killed");
    }
    if (cancel && cancel->load()) {
      kill_and_reap();
      return fail(errc::hook_failed, "cancelled: the command was killed");
    }
    if (linger_until && linger_until->expired()) break;
    int ms = until.poll_ms();
    // Until the child is reaped, look at it every few ms: a child that exits
    // while its leftovers keep stdout open must not cost the whole deadline.
    if (!exited) ms = ms < 0 || ms > 5 ? 5 : ms;
    else if (linger_until) ms = std::min(ms < 0 ? 1000 : ms, linger_until->poll_ms());
    const int r = ::poll(fds, 3, ms);
    if (r < 0 && errno != EINTR) {
      const int e = errno;
      kill_and_reap();
      return fail(errc::io_error, errno_text("poll", e));
    }
    if (r > 0 && fds[0].revents) {
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        child->in.reset();  // it will not read (more): fine
      } else {
        const ssize_t n = ::write(child->in.get(), input.data() + sent, input.size() - sent);
        if (n > 0) sent += static_cast<std::size_t>(n);
        else if (n < 0 && errno == EPIPE) guard.note_broken_pipe();
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) child->in.reset();
      }
    }
    for (int i = 1; i <= 2; ++i) {
      if (r <= 0 || !fds[i].revents) continue;
      unique_fd& fd = i == 1 ? child->out : child->err;
      std::string& sink = i == 1 ? res.out : res.err;
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        if (i == 2 && on_stderr) on_stderr(std::string_view(buf, static_cast<std::size_t>(n)));
        if (sink.size() + static_cast<std::size_t>(n) > max_output) {
          kill_and_reap();
          return fail(errc::limit_exceeded, std::string("the command wrote more than ") + std::to_string(max_output) +
                                                " bytes to " + (i == 1 ? "stdout" : "stderr"));
        }
        sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    }
    if (!exited) {
      exited = try_reap(child->pid);
      if (exited) linger_until = deadline(linger);
    }
  }
  if (!exited) {
    // in slices when it may be cancelled, so a cancel is seen within ~20 ms
    for (;;) {
      exited = reap_until(child->pid, cancel ? until.min(deadline(std::chrono::milliseconds(20))) : until);
      if (exited || until.expired() || !cancel || cancel->load()) break;
    }
    if (!exited && cancel && cancel->load() && !until.expired()) {
      kill_and_reap();
      return fail(errc::hook_failed, "cancelled: the command was killed");
    }
    if (!exited) {
      kill_and_reap();
      return fail(errc::timeout, "the command closed its output but did not exit within its deadline; killed");
    }
  }
  res.status = *exited;
  return res;
}

}  // namespace aura::posix
