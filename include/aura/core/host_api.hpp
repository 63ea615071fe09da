// aura/core/host_api.hpp - the host services a hook may reach through its context:
// logging, time, key-value storage and HTTP. Hosts implement them; the harness mocks them.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"

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

/// Storage in memory, thread-safe; the default and the harness's mock.
class memory_storage final : public storage {
 public:
  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    values_[std::string(key)] = std::string(value);
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
};

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client. aura ships none that touches the network: a host
/// plugs in its own; the harness provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
