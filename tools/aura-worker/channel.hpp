// tools/aura-worker/channel.hpp - the worker's end of the line protocol
// (aura/adapters/isolated/protocol.hpp): blocking lines on fds 0 and 1, and
// the capabilities (log, storage, http) forwarded to the host.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/isolated/protocol.hpp"
#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/core/host_api.hpp"

namespace aura_worker {

/// Lines on stdin/stdout. Any failure of the pipe ends the worker: the host
/// is gone or has given up on it.
class channel {
 public:
  /// The next line from the host; nullopt at EOF.
  [[nodiscard]] std::optional<std::string> read_line() {
    for (;;) {
      const auto nl = buf_.find('\n', scanned_);
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        scanned_ = 0;
        return line;
      }
      scanned_ = buf_.size();
      char tmp[65536];
      const ssize_t n = ::read(0, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

  void write_line(std::string_view line) {
    while (!line.empty()) {
      const ssize_t n = ::write(1, line.data(), line.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(3);  // the host closed our stdout
      line.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// A capability call: sends the request, waits for its answer.
  [[nodiscard]] aura::result<nlohmann::json> ask(std::string_view method, const nlohmann::json& params) {
    const std::string id = "c" + std::to_string(++calls_);
    write_line(aura::jsonrpc::request_line(id, method, params));
    auto line = read_line();
    if (!line) ::_exit(0);  // the host is gone
    auto m = aura::jsonrpc::decode(*line);
    if (!m || !m->is_answer() || m->id != id) {
      return aura::fail(aura::errc::protocol_error, "the host answered a capability call out of turn");
    }
    if (m->kind == aura::jsonrpc::message_kind::error_response) return aura::fail(aura::isolated::error_from(*m));
    return std::move(m->result);
  }

  void notify(std::string_view method, nlohmann::json params) {
    write_line(aura::jsonrpc::notification_line(method, std::move(params)));
  }

 private:
  std::string buf_;
  std::size_t scanned_ = 0;
  std::uint64_t calls_ = 0;
};

/// Log lines go to the host's logger through the host's context (which
/// drops them, or not, by the plugin's "log" scope). Without that scope the
/// worker's context has refused every log call already, so whatever still
/// reaches this logger is a host diagnostic (a WASI refusal, output cut):
/// sent as "diagnose", which the host records without the scope, as it does
/// for a plugin in process.
class forwarding_logger final : public aura::logger {
 public:
  forwarding_logger(channel& c, bool may_log) : c_(c), method_(may_log ? "log" : "diagnose") {}
  void write(aura::log_level level, std::string_view, std::string_view message) override {
    c_.notify(method_, {{"level", static_cast<int>(level)}, {"message", message}});
  }

 private:
  channel& c_;
  const char* method_;
};

/// The host's clock as the worker sees it: each event carries the host
/// context's now (a test harness's fake clock included); the worker's clock
/// reads it plus the time since that event arrived.
class relay_clock final : public aura::clock_source {
 public:
  void set(aura::time_point host_now) {
    base_ = host_now;
    at_ = std::chrono::steady_clock::now();
  }
  [[nodiscard]] aura::time_point now() override {
    if (base_ == aura::time_point{}) return aura::clock_type::now();  // no event yet (instantiation)
    return base_ + std::chrono::duration_cast<aura::time_point::duration>(std::chrono::steady_clock::now() - at_);
  }

 private:
  aura::time_point base_{};
  std::chrono::steady_clock::time_point at_{};
};

class forwarding_storage final : public aura::storage {
 public:
  explicit forwarding_storage(channel& c) : c_(c) {}
  [[nodiscard]] aura::result<std::optional<std::string>> get(std::string_view key) override {
    auto r = c_.ask("storage.get", {{"key", key}});
    if (!r) return aura::fail(std::move(r.error()));
    auto v = r->find("value");
    if (v == r->end() || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) return aura::fail(aura::errc::protocol_error, "storage.get answered a non-string");
    return std::optional<std::string>{v->get<std::string>()};
  }
  [[nodiscard]] aura::result<void> set(std::string_view key, std::string_view value) override {
    auto r = c_.ask("storage.set", {{"key", key}, {"value", value}});
    if (!r) return aura::fail(std::move(r.error()));
    return {};
  }
  [[nodiscard]] aura::result<bool> remove(std::string_view key) override {
    auto r = c_.ask("storage.remove", {{"key", key}});
    if (!r) return aura::fail(std::move(r.error()));
    return r->value("removed", false);
  }

 private:
  channel& c_;
};

class forwarding_http final : public aura::http_client {
 public:
  explicit forwarding_http(channel& c) : c_(c) {}
  [[nodiscard]] aura::result<aura::http_response> send(const aura::http_request& q) override {
    auto r = c_.ask("http", {{"method", q.method},
                             {"url", q.url},
                             {"headers", q.headers},
                             {"body", q.body},
                             {"timeout_ms", q.timeout.count()}});
    if (!r) return aura::fail(std::move(r.error()));
    aura::http_response out;
    try {
      out.status = r->value("status", 0);
      out.body = r->value("body", "");
      out.headers = r->value("headers", std::map<std::string, std::string>{});
    } catch (const std::exception& ex) {
      return aura::fail(aura::errc::protocol_error, std::string("bad http answer from the host: ") + ex.what());
    }
    return out;
  }

 private:
  channel& c_;
};

}  // namespace aura_worker
