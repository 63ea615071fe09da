// aura/core/host_api.hpp - the host services a hook may reach through its context:
// logging, time, key-value storage and HTTP. Hosts implement them; the harness mocks them.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/storage_limits.hpp"

namespace aura {

enum class log_level { debug, info, warn, error };

[[nodiscard]] constexpr std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

/// Receives log lines from hooks and plugins.
class logger {
 public:
  virtual ~logger() = default;
  virtual void write(log_level level, std::string_view source, std::string_view message) = 0;
};

/// The default logger: one line per message on stderr.
class stderr_logger final : public logger {
 public:
  void write(log_level level, std::string_view source, std::string_view message) override {
    std::fprintf(stderr, "[%.*s] %.*s: %.*s\n", static_cast<int>(to_string(level).size()), to_string(level).data(),
                 static_cast<int>(source.size()), source.data(), static_cast<int>(message.size()), message.data());
  }
};

/// The time a hook sees; the harness controls it.
class clock_source {
 public:
  virtual ~clock_source() = default;
  [[nodiscard]] virtual time_point now() = 0;
};

class system_clock_source final : public clock_source {
 public:
  [[nodiscard]] time_point now() override { return clock_type::now(); }
};

/// A plugin's private key-value storage.
class storage {
 public:
  virtual ~storage() = default;
  [[nodiscard]] virtual result<std::optional<std::string>> get(std::string_view key) = 0;
  [[nodiscard]] virtual result<void> set(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual result<bool> remove(std::string_view key) = 0;
};

/// The `limit_exceeded` error a storage returns when a write would break a quota.
[[nodiscard]] inline error storage_quota_error(std::string_view key, const std::string& what) {
  return error{errc::limit_exceeded, "storing key \"" + std::string(key.substr(0, 64)) + "\" " + what, {}, {}, {}};
}

/// Checks one write against `limits`: `old_size` is the replaced value's size
/// (nullopt for a new key), `used_bytes` / `used_keys` the storage's totals.
[[nodiscard]] inline result<void> check_storage_quota(std::string_view key, std::size_t value_size,
                                                      std::optional<std::uint64_t> old_size, std::uint64_t used_bytes,
                                                      std::uint64_t used_keys, const storage_limits& limits) {
  if (value_size > limits.max_value_bytes) {
    return fail(storage_quota_error(key, "would hold " + std::to_string(value_size) + " bytes, above the " +
                                             std::to_string(limits.max_value_bytes) + "-byte value limit"));
  }
  if (!old_size && used_keys + 1 > limits.max_keys) {
    return fail(storage_quota_error(key, "would be key " + std::to_string(used_keys + 1) + ", above the limit of " +
                                             std::to_string(limits.max_keys) + " keys"));
  }
  // Saturating: another storage over the same directory may have replaced the
  // old value since this one counted (the totals are then an estimate).
  const std::uint64_t kept = used_bytes - std::min(used_bytes, old_size.value_or(0));
  const std::uint64_t after = kept + value_size;
  if (after > limits.max_bytes) {
    return fail(storage_quota_error(key, "would bring the plugin's storage to " + std::to_string(after) +
                                             " bytes, above its " + std::to_string(limits.max_bytes) + "-byte quota"));
  }
  return {};
}

/// Storage in memory, thread-safe, under `storage_limits` quotas; the default
/// and the harness's mock.
class memory_storage final : public storage {
 public:
  memory_storage() = default;
  explicit memory_storage(storage_limits limits) : limits_(limits) {}

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    const auto old = it == values_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.size());
    if (auto ok = check_storage_quota(key, value.size(), old, bytes_, values_.size(), limits_); !ok) return ok;
    bytes_ = bytes_ - old.value_or(0) + value.size();
    if (it == values_.end()) values_.emplace(std::string(key), std::string(value));
    else it->second.assign(value.data(), value.size());
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    bytes_ -= it->second.size();
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  storage_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
  std::uint64_t bytes_ = 0;
};

/// Redirect hops aura follows at most, whatever a request asks.
inline constexpr int max_http_redirects = 10;

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  ///< for the whole request, redirects included
  /// Redirects context::http follows (each re-checked against the permissions);
  /// 0 returns the 3xx itself. Clients never follow redirects on their own.
  int max_redirects = 5;
  /// Set: the body is handed over piece by piece as it arrives and not kept
  /// in the response (a long-lived stream: server-sent events); returning
  /// false ends the transfer, which then succeeds with what came. Clients that
  /// cannot stream hand the whole body over once, at the end.
  std::function<bool(std::string_view)> on_body{};
  /// Set: watched while the transfer runs; once true the transfer is abandoned
  /// and the request fails with errc::timeout ("cancelled"). Must outlive send().
  const std::atomic<bool>* cancel = nullptr;
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client: it sends one request as given and never follows a
/// redirect (aura::context does, re-checking each hop). aura ships one on
/// libcurl (aura/net/curl_http_client.hpp, target aura::http); the harness
/// provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
