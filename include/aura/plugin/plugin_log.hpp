// aura/plugin/plugin_log.hpp - a plugin's own log file: its stderr and its
// `host/log` lines through one aura::rotating_log (aura/core/rotating_log.hpp:
// <name>.log -> <name>.log.1 ... <name>.log.N, no file past the size limit),
// and the tail of it that `aura plugin logs` prints.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/core/host_api.hpp"
#include "aura/core/rotating_log.hpp"

namespace aura::plugin {

/// log_dir/<name>.log
[[nodiscard]] inline std::filesystem::path plugin_log_file(const std::filesystem::path& log_dir, std::string_view name) {
  return log_dir / (std::string(name) + ".log");
}

/// Rotates `file` (file.1 -> file.2 ... up to `generations`, file -> file.1)
/// when it holds `max_bytes` or more.
inline void rotate_log(const std::filesystem::path& file, std::uintmax_t max_bytes, unsigned generations = 1) {
  rotating_log(file, rotation_policy{max_bytes, generations}).rotate_if_full();
}

/// The files of a log that exist, oldest first: file.N ... file.1, file
/// (rotated generations are looked for from file.1 up until one is missing).
[[nodiscard]] inline std::vector<std::filesystem::path> log_generations(const std::filesystem::path& file) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (unsigned k = 1; k < 10000 && std::filesystem::exists(log_generation(file, k), ec); ++k) {
    out.insert(out.begin(), log_generation(file, k));
  }
  if (std::filesystem::exists(file, ec)) out.push_back(file);
  return out;
}

/// The last `n` lines of the log, across its rotated generations (read from
/// the newest file back, only as far as `n` lines reach).
[[nodiscard]] inline std::vector<std::string> log_tail(const std::filesystem::path& file, std::size_t n) {
  std::vector<std::string> lines;  // newest file's lines at the end
  const auto files = log_generations(file);
  for (auto f = files.rbegin(); f != files.rend() && lines.size() < n; ++f) {
    std::vector<std::string> these;
    std::ifstream in(*f, std::ios::binary);
    for (std::string line; std::getline(in, line);) these.push_back(std::move(line));
    lines.insert(lines.begin(), std::make_move_iterator(these.begin()), std::make_move_iterator(these.end()));
  }
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
  return lines;
}

/// One writer per plugin log file, for everything that writes it in this
/// process (a plugin's versions during an upgrade, its stderr and its log
/// lines): a writer lives while someone holds it. get() makes the directory.
class plugin_log_writers {
 public:
  [[nodiscard]] std::shared_ptr<rotating_log> get(const std::filesystem::path& file, rotation_policy policy) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = writers_.begin(); it != writers_.end();) it = it->second.expired() ? writers_.erase(it) : std::next(it);
    auto& slot = writers_[file.string()];
    auto w = slot.lock();
    if (!w) slot = w = std::make_shared<rotating_log>(file, policy);
    return w;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<rotating_log>> writers_;
};

/// Writes each line, stamped with its time and level, to the plugin's log
/// (the writer its stderr shares) and to the host's own logger.
class plugin_file_logger final : public logger {
 public:
  plugin_file_logger(std::shared_ptr<rotating_log> file, std::shared_ptr<logger> also)
      : file_(std::move(file)), also_(std::move(also)) {}
  /// A writer of its own for `file` (one generation kept).
  plugin_file_logger(std::filesystem::path file, std::uintmax_t max_bytes, std::shared_ptr<logger> also)
      : plugin_file_logger(std::make_shared<rotating_log>(std::move(file), rotation_policy{max_bytes, 1}),
                           std::move(also)) {}
  void write(log_level level, std::string_view source, std::string_view message) override {
    if (file_) {
      const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
      std::tm tm{};
      gmtime_r(&t, &tm);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
      std::string line = std::string(stamp) + " [" + std::string(to_string(level)) + "] ";
      line.append(message);
      (void)file_->write_line(line);
    }
    if (also_) also_->write(level, source, message);
  }
  [[nodiscard]] const std::shared_ptr<rotating_log>& file() const noexcept { return file_; }

 private:
  std::shared_ptr<rotating_log> file_;
  std::shared_ptr<logger> also_;
};

}  // namespace aura::plugin
