// aura/adapters/posix/io.hpp - writing to a child without dying of SIGPIPE, under a deadline.
//
// SIGPIPE: a write to a pipe whose reader has gone raises SIGPIPE, whose
// default action kills the host. aura does not touch the process-wide
// disposition (that belongs to the host). Instead every write to a child
// runs with SIGPIPE blocked in the writing thread only; the signal a failed
// write raises is thread-directed, so it stays pending on that thread and is
// consumed with sigtimedwait() before the old mask comes back, unless it was
// already pending before (then it is the host's and is left alone). The
// write itself reports EPIPE, which the adapters turn into "the child closed
// its stdin".
#pragma once

#include <cerrno>
#include <csignal>
#include <ctime>
#include <string_view>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/fd.hpp"
#include "aura/core/error.hpp"

namespace aura::posix {

/// Blocks SIGPIPE in this thread for its lifetime; swallows the SIGPIPE a
/// failed write raised in between (see the file comment).
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_) == 0;
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;
  ~sigpipe_guard() {
    if (!blocked_) return;
    if (broke_ && !was_pending_) {
      const struct timespec zero {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  /// Called when a write returned EPIPE: a SIGPIPE is now pending to consume.
  void note_broken_pipe() noexcept { broke_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
  bool broke_ = false;
};

/// How a write ended when it did not write everything.
enum class write_failure { none, broken_pipe, timed_out, io };

/// Writes all of `bytes` to the non-blocking descriptor `fd` before `until`.
/// `written` reports how far it got (a partial line desynchronises a stream).
[[nodiscard]] inline write_failure write_all(int fd, std::string_view bytes, const deadline& until,
                                             std::size_t* written = nullptr, int* err = nullptr) {
  sigpipe_guard guard;
  std::size_t done = 0;
  write_failure outcome = write_failure::none;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      guard.note_broken_pipe();
      outcome = write_failure::broken_pipe;
      break;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd p {fd, POLLOUT, 0};
      const int ms = until.poll_ms();
      if (ms == 0) {
        outcome = write_failure::timed_out;
        break;
      }
      const int r = ::poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) {
        if (err) *err = errno;
        outcome = write_failure::io;
        break;
      }
      if (r > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT)) {
        // the reader is gone; the next write reports EPIPE
        continue;
      }
      continue;
    }
    if (err) *err = errno;
    outcome = write_failure::io;
    break;
  }
  if (written) *written = done;
  return outcome;
}

}  // namespace aura::posix
