// aura/testing/logger.hpp - a logger that keeps every line for assertions.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/host_api.hpp"

namespace aura::testing {

/// One line a hook or plugin logged.
struct log_line {
  log_level level = log_level::info;
  std::string source;  ///< the plugin (context owner), or "host"
  std::string message;
};

/// Records log lines instead of printing them (set `echo(true)` to see them too).
class mock_logger final : public logger {
 public:
  void write(log_level level, std::string_view source, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(log_line{level, std::string(source), std::string(message)});
    if (echo_) {
      std::fprintf(stderr, "[%s] %.*s: %.*s\n", std::string(to_string(level)).c_str(), static_cast<int>(source.size()),
                   source.data(), static_cast<int>(message.size()), message.data());
    }
  }

  [[nodiscard]] std::vector<log_line> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_.size();
  }
  /// Whether some line contains `text` (at `level`, if given).
  [[nodiscard]] bool contains(std::string_view text, std::optional<log_level> level = std::nullopt) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& l : lines_) {
      if ((!level || l.level == *level) && l.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
  }
  void echo(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    echo_ = on;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<log_line> lines_;
  bool echo_ = false;
};

}  // namespace aura::testing
