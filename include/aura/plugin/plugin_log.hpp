// aura/plugin/plugin_log.hpp - a plugin's own log file: its stderr (appended
// by the process adapter) and its `host/log` lines, bounded by size-based
// rotation (<name>.log -> <name>.log.1, one generation kept), and the tail of
// it that `aura plugin logs` prints.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/host_api.hpp"

namespace aura::plugin {

/// log_dir/<name>.log
[[nodiscard]] inline std::filesystem::path plugin_log_file(const std::filesystem::path& log_dir, std::string_view name) {
  return log_dir / (std::string(name) + ".log");
}

/// Moves `file` to `file.1` (replacing it) when it holds `max_bytes` or more.
inline void rotate_log(const std::filesystem::path& file, std::uintmax_t max_bytes) noexcept {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size < max_bytes) return;
  std::filesystem::rename(file, file.string() + ".1", ec);
}

/// The last `n` lines of `file` (and of `file.1` before it when `file` has fewer).
[[nodiscard]] inline std::vector<std::string> log_tail(const std::filesystem::path& file, std::size_t n) {
  std::vector<std::string> lines;
  for (const auto& f : {std::filesystem::path(file.string() + ".1"), file}) {
    std::ifstream in(f);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
  return lines;
}

/// Writes each line to the plugin's log file (rotating it when full) and to
/// the host's own logger.
class plugin_file_logger final : public logger {
 public:
  plugin_file_logger(std::filesystem::path file, std::uintmax_t max_bytes, std::shared_ptr<logger> also)
      : file_(std::move(file)), max_(max_bytes), also_(std::move(also)) {}
  void write(log_level level, std::string_view source, std::string_view message) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      rotate_log(file_, max_);
      if (std::FILE* f = std::fopen(file_.c_str(), "a")) {
        const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        std::tm tm{};
        gmtime_r(&t, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        std::fprintf(f, "%s [%.*s] %.*s\n", stamp, static_cast<int>(to_string(level).size()), to_string(level).data(),
                     static_cast<int>(message.size()), message.data());
        std::fclose(f);
      }
    }
    if (also_) also_->write(level, source, message);
  }

 private:
  std::filesystem::path file_;
  std::uintmax_t max_;
  std::shared_ptr<logger> also_;
  std::mutex mu_;
};

}  // namespace aura::plugin
