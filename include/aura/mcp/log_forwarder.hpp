// aura/mcp/log_forwarder.hpp - plugin logs to MCP clients.
//
// Give it to the plugin host as its logger (host_options::log): every line a
// plugin logs (a process plugin's host/log call, a Lua or WASM log) goes to
// the inner logger as before and to each MCP session as notifications/message,
// filtered by the level that client set with logging/setLevel.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "aura/core/host_api.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/server.hpp"

namespace aura::mcp {

class log_forwarder final : public aura::logger {
 public:
  /// `inner` may be null (MCP clients only).
  explicit log_forwarder(std::shared_ptr<aura::logger> inner = nullptr) : inner_(std::move(inner)) {}

  /// The server to forward to; null stops forwarding. Set it once the server
  /// exists (the host, and so this logger, is made first).
  void attach(server* srv) noexcept { srv_.store(srv); }

  void write(aura::log_level level, std::string_view source, std::string_view message) override {
    if (inner_) inner_->write(level, source, message);
    if (server* s = srv_.load()) s->log(from_aura(level), std::string(source), std::string(message));
  }

 private:
  std::shared_ptr<aura::logger> inner_;
  std::atomic<server*> srv_{nullptr};
};

}  // namespace aura::mcp
