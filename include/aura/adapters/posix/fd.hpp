// aura/adapters/posix/fd.hpp - an owned file descriptor and close-on-exec pipes.
#pragma once

#include <cerrno>
#include <cstring>
#include <shared_mutex>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "aura/core/error.hpp"

namespace aura::posix {

/// Held shared while aura spawns a child (between fork and exec the child
/// holds every descriptor of the host) and exclusively while it looks for the
/// processes that hold a plugin's pipes, so that scan never meets such a child.
[[nodiscard]] inline std::shared_mutex& spawn_window() noexcept {
  static std::shared_mutex m;
  return m;
}

/// "what: strerror(errno)" for an io_error.
[[nodiscard]] inline std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

/// Owns one file descriptor; closes it once. Move-only.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    // close() is not retried on EINTR: on Linux the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Moves a descriptor off 0..2 so that dup2() onto a child's stdio never
/// meets itself (dup2(fd, fd) would keep close-on-exec set).
[[nodiscard]] inline result<unique_fd> above_stdio(unique_fd fd) {
  if (fd.get() > 2) return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return fail(errc::io_error, errno_text("fcntl(F_DUPFD_CLOEXEC)", errno));
  return unique_fd(moved);
}

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

/// A pipe whose both ends are close-on-exec (and above 0..2).
[[nodiscard]] inline result<pipe_ends> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errc::io_error, errno_text("pipe2", errno));
  pipe_ends p{unique_fd(fds[0]), unique_fd(fds[1])};
  auto r = above_stdio(std::move(p.read));
  if (!r) return fail(r.error());
  auto w = above_stdio(std::move(p.write));
  if (!w) return fail(w.error());
  return pipe_ends{std::move(*r), std::move(*w)};
}

[[nodiscard]] inline result<void> set_nonblocking(int fd, bool on = true) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return fail(errc::io_error, errno_text("fcntl(F_GETFL)", errno));
  const int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) < 0) {
    return fail(errc::io_error, errno_text("fcntl(F_SETFL)", errno));
  }
  return {};
}

}  // namespace aura::posix
