// aura/agent/tool_paths.hpp - the paths a tool call touches (idelchi/aura's
// sdk.ToolPaths) and read-before-write tracking over them ("filetime").
//
// Five lists, because reading is not seeing: `read`/`write` are what the
// sandbox lets the call open; `record` marks "the model has now seen this
// file's content" after the call ran; `guard` requires that mark (and an
// unchanged file) before the call runs; `clear` drops the mark after the call
// (a deleted file cannot be patched from memory).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"

namespace aura::agent {

/// What one tool call declares it touches (idelchi/aura's `Paths(args)`).
struct tool_paths {
  std::vector<std::string> read;    ///< sandbox: may read
  std::vector<std::string> write;   ///< sandbox: may write (a path not there yet: its directory)
  std::vector<std::string> record;  ///< after the call: content seen by the model
  std::vector<std::string> guard;   ///< before the call: content must have been seen, file unchanged since
  std::vector<std::string> clear;   ///< after the call: content no longer counts as seen

  [[nodiscard]] bool empty() const noexcept {
    return read.empty() && write.empty() && record.empty() && guard.empty() && clear.empty();
  }
};

/// Reads {"read": [..], "write": [..], "record": [..], "guard": [..], "clear": [..]}
/// (each optional; null is no paths). Anything else is an error naming the member.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] result<tool_paths> parse_tool_paths(const nlohmann::json& j) {
  tool_paths p;
  if (j.is_null()) return p;
  if (!j.is_object()) return fail(errc::protocol_error, "tool paths must be an object of string lists, got " + j.dump());
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::vector<std::string>* list = it.key() == "read"     ? &p.read
                                     : it.key() == "write"  ? &p.write
                                     : it.key() == "record" ? &p.record
                                     : it.key() == "guard"  ? &p.guard
                                     : it.key() == "clear"  ? &p.clear
                                                            : nullptr;
    if (!list) {
      return fail(error{errc::protocol_error,
                        "tool paths: unknown list \"" + it.key() + "\" (known: read, write, record, guard, clear)",
                        {}, {}, "/" + it.key()});
    }
    if (it->is_null()) continue;
    if (!it->is_array()) return fail(error{errc::protocol_error, "tool paths: " + it.key() + " must be a list", {}, {}, "/" + it.key()});
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& v = (*it)[i];
      if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
        return fail(error{errc::protocol_error, "tool paths: " + it.key() + " holds " + v.dump() + ", not a path", {}, {},
                          "/" + it.key() + "/" + std::to_string(i)});
      }
      list->push_back(v.get<std::string>());
    }
  }
  return p;
}

/// Which files the model has seen, and as they were then: a guarded write to
/// a file it has not read, or that changed after it read it, is refused.
/// Paths are made absolute against `workdir` and normalised, so "./a" and "a"
/// are one file. Thread-safe: a batch's parallel calls record at once.
class file_times {
 public:
  explicit file_times(std::filesystem::path workdir = std::filesystem::current_path()) : workdir_(std::move(workdir)) {}

  /// Marks `path` as seen as it is now (a missing file: seen as absent).
  void record(const std::string& path) {
    const auto key = normal(path);
    std::lock_guard<std::mutex> lock(mu_);
    seen_[key] = stamp(key);
  }
  /// Drops the mark of `path`.
  void clear(const std::string& path) {
    const auto key = normal(path);
    std::lock_guard<std::mutex> lock(mu_);
    seen_.erase(key);
  }
  /// Forgets every mark (a new session, or the host's own reset).
  void clear_all() {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.clear();
  }
  [[nodiscard]] bool seen(const std::string& path) const {
    const auto key = normal(path);
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.count(key) != 0;
  }

  /// nullopt when the call may write `path`: the file does not exist (nothing
  /// to overwrite unseen), or it was recorded and has not changed since.
  [[nodiscard]] std::optional<error> guard(const std::string& path) const {
    const auto key = normal(path);
    const auto now = stamp(key);
    if (!now) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = seen_.find(key);
    if (it == seen_.end()) {
      return error{errc::permission_denied, "\"" + path + "\" has not been read: read it before writing it", {}, {},
                   key.string()};
    }
    if (it->second != now) {
      return error{errc::permission_denied, "\"" + path + "\" changed since it was read: read it again before writing it",
                   {}, {}, key.string()};
    }
    return std::nullopt;
  }

  /// The normalised absolute form a path is tracked under.
  [[nodiscard]] std::filesystem::path normal(const std::string& path) const {
    std::filesystem::path p(path);
    if (p.is_relative()) p = workdir_ / p;
    std::error_code ec;
    auto w = std::filesystem::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : w;
  }

 private:
  // A file's last write time and size, or nullopt when it is absent.
  using mark = std::optional<std::pair<std::filesystem::file_time_type, std::uintmax_t>>;
  [[nodiscard]] static mark stamp(const std::filesystem::path& p) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(p, ec);
    if (ec) return std::nullopt;
    auto size = std::filesystem::is_regular_file(p, ec) ? std::filesystem::file_size(p, ec) : 0;
    return std::make_pair(t, ec ? std::uintmax_t{0} : size);
  }

  std::filesystem::path workdir_;
  mutable std::mutex mu_;
  std::map<std::filesystem::path, mark> seen_;
};

}  // namespace aura::agent
