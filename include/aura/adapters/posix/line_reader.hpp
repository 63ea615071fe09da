// aura/adapters/posix/line_reader.hpp - splits a byte stream into lines, bounded.
//
// A line longer than the limit is reported once as an overflow and then
// skipped up to its newline: the reader never holds more than `max_line`
// bytes, so a child printing 100 MiB without a newline costs the host at most
// the limit, not an out-of-memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aura::posix {

class line_reader {
 public:
  explicit line_reader(std::size_t max_line) : max_line_(max_line == 0 ? 1 : max_line) {}

  /// Feeds `bytes`. Calls `on_line(std::string_view)` for each complete line
  /// (newline and a trailing '\r' removed) and `on_overflow(std::size_t seen)`
  /// when a line passes the limit. A callback returning false stops the feed
  /// early (the rest of `bytes` is dropped); feed then returns false.
  template <class OnLine, class OnOverflow>
  bool feed(std::string_view bytes, OnLine&& on_line, OnOverflow&& on_overflow) {
    while (!bytes.empty()) {
      const std::size_t nl = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, nl);  // up to, not including, the newline
      if (discarding_) {
        skipped_ += piece.size();
        if (nl == std::string_view::npos) return true;
        discarding_ = false;
        bytes.remove_prefix(nl + 1);
        continue;
      }
      if (buffer_.size() + piece.size() > max_line_) {
        const std::size_t seen = buffer_.size() + piece.size();
        buffer_.clear();
        buffer_.shrink_to_fit();  // give the memory back: the next line is probably normal
        discarding_ = nl == std::string_view::npos;
        skipped_ = seen;
        const bool go_on = on_overflow(seen);
        if (nl != std::string_view::npos) bytes.remove_prefix(nl + 1); else bytes = {};
        if (!go_on) return false;
        continue;
      }
      if (nl == std::string_view::npos) {
        buffer_.append(piece);
        return true;
      }
      bool go_on;
      if (buffer_.empty()) {
        go_on = on_line(trim_cr(piece));  // the common case: no copy
      } else {
        buffer_.append(piece);
        go_on = on_line(trim_cr(std::string_view(buffer_)));
        buffer_.clear();
      }
      bytes.remove_prefix(nl + 1);
      if (!go_on) return false;
    }
    return true;
  }

  /// Bytes of an unterminated line held (0 while skipping an overlong one).
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size(); }
  /// An unterminated line is held: the stream ended mid-line if input stops now.
  [[nodiscard]] bool partial() const noexcept { return !buffer_.empty() || discarding_; }
  [[nodiscard]] std::string_view pending() const noexcept { return buffer_; }
  /// True while skipping the rest of an overlong line.
  [[nodiscard]] bool discarding() const noexcept { return discarding_; }
  [[nodiscard]] std::size_t max_line() const noexcept { return max_line_; }

 private:
  static std::string_view trim_cr(std::string_view s) noexcept {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;
  std::size_t skipped_ = 0;
};

}  // namespace aura::posix
