// aura/core/rotating_log.hpp - one append-only log file bounded by size-based
// rotation: FILE -> FILE.1 -> ... -> FILE.N, no file ever past the limit.
//
// One writer per file, shared by everything that appends to it (a plugin's
// stderr, read by the process adapter's reader thread or collected from a
// command, and its `host/log` lines): one mutex, one size policy. It sits in
// core, below both the adapters and the plugin layer, so both can hold it
// without either including the other. POSIX (open/write/rename).
#pragma once

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aura {

/// How big a rotating log may grow, and how many old files it keeps.
struct rotation_policy {
  std::uintmax_t max_bytes = 1u << 20;  ///< no file passes this many bytes (0: no limit, never rotated)
  unsigned generations = 1;             ///< rotated files kept, FILE.1 (newest) .. FILE.N; 0: none
};

/// FILE.k (k 0: FILE itself).
[[nodiscard]] inline std::filesystem::path log_generation(const std::filesystem::path& file, unsigned k) {
  return k == 0 ? file : std::filesystem::path(file.string() + "." + std::to_string(k));
}

/// An append-only file that rotates before a write would take it past
/// `policy.max_bytes`. Thread-safe. Keeps one descriptor (O_APPEND,
/// O_CLOEXEC), opened at the first write; a file moved or removed behind its
/// back is opened afresh at the next write. The size is the file's own
/// (fstat), so appends by others count too.
///
/// A write that does not fit is cut: what fits, up to its last newline, goes
/// to the current file; the file rotates; the rest continues in the new one.
/// Only a line longer than the whole limit is cut inside the line. So every
/// file holds at most max_bytes, and the files on disk at most
/// (generations + 1) x max_bytes.
class rotating_log {
 public:
  explicit rotating_log(std::filesystem::path file, rotation_policy policy = {})
      : file_(std::move(file)), policy_(policy) {}
  rotating_log(const rotating_log&) = delete;
  rotating_log& operator=(const rotating_log&) = delete;
  ~rotating_log() { close_locked(); }

  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
  [[nodiscard]] const rotation_policy& policy() const noexcept { return policy_; }

  /// Appends `bytes` as they are (a stream's chunk: it may end mid-line).
  /// False if the file could not be opened or written.
  bool write(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    return put_locked(bytes);
  }

  /// Appends one whole line (a newline is added when it lacks one). A line
  /// never starts in the middle of another: after a chunk that ended
  /// mid-line, a newline goes first.
  bool write_line(std::string_view line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!refresh_locked()) return false;
    std::string text;
    text.reserve(line.size() + 2);
    if (size_ > 0 && !at_line_start_) text.push_back('\n');
    text.append(line);
    if (text.empty() || text.back() != '\n') text.push_back('\n');
    return put_locked(text);
  }

  /// Rotates now if the file already holds max_bytes or more.
  void rotate_if_full() {
    std::lock_guard<std::mutex> lock(mu_);
    if (policy_.max_bytes == 0 || !refresh_locked()) return;
    if (size_ >= policy_.max_bytes) rotate_locked();
  }

  /// The current file's size (0 when it does not exist).
  [[nodiscard]] std::uintmax_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return refresh_locked() ? size_ : 0;
  }

 private:
  // Opens the file if needed (again, if it was moved or removed) and reads its size.
  bool refresh_locked() {
    struct stat path_st {};
    const bool exists = ::stat(file_.c_str(), &path_st) == 0;
    if (fd_ >= 0) {
      struct stat fd_st {};
      if (!exists || ::fstat(fd_, &fd_st) != 0 || fd_st.st_ino != path_st.st_ino || fd_st.st_dev != path_st.st_dev) {
        close_locked();
      } else {
        size_ = static_cast<std::uintmax_t>(fd_st.st_size);
        return true;
      }
    }
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return false;
    struct stat st {};
    size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uintmax_t>(st.st_size) : 0;
    if (size_ == 0) at_line_start_ = true;
    return true;
  }

  bool put_locked(std::string_view rest) {
    while (!rest.empty()) {
      if (!refresh_locked()) return false;
      const std::uintmax_t max = policy_.max_bytes;
      const std::uintmax_t room = max == 0 ? rest.size() : size_ >= max ? 0 : max - size_;
      if (rest.size() <= room) return append_locked(rest);
      const std::string_view fits = rest.substr(0, static_cast<std::size_t>(room));
      const auto nl = fits.rfind('\n');
      // up to the last newline that fits; a fresh file takes what fits of a longer line
      const std::size_t take = nl != std::string_view::npos ? nl + 1 : size_ == 0 ? fits.size() : 0;
      if (take > 0 && !append_locked(rest.substr(0, take))) return false;
      rest.remove_prefix(take);
      if (!rotate_locked()) return false;
    }
    return true;
  }

  bool append_locked(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    size_ += bytes.size();
    if (!bytes.empty()) at_line_start_ = bytes.back() == '\n';
    return true;
  }

  // FILE.N-1 -> FILE.N, ..., FILE -> FILE.1 (generations 0: FILE is removed).
  // False if FILE is still there (it could be neither moved nor removed).
  bool rotate_locked() {
    close_locked();
    std::error_code ec;
    if (policy_.generations > 0) {
      for (unsigned k = policy_.generations; k > 1; --k) {
        std::filesystem::rename(log_generation(file_, k - 1), log_generation(file_, k), ec);
      }
      std::filesystem::rename(file_, log_generation(file_, 1), ec);
    }
    if (policy_.generations == 0 || ec) std::filesystem::remove(file_, ec);
    size_ = 0;
    at_line_start_ = true;
    return !std::filesystem::exists(file_, ec);
  }

  void close_locked() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::filesystem::path file_;
  rotation_policy policy_;
  std::mutex mu_;
  int fd_ = -1;
  std::uintmax_t size_ = 0;
  bool at_line_start_ = true;
};

}  // namespace aura
