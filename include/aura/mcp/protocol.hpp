// aura/mcp/protocol.hpp - the MCP revisions aura speaks, its log levels and
// the JSON-RPC messages it builds.
//
// MCP is JSON-RPC 2.0; aura's wire (adapters/jsonrpc) already has the error
// codes and line builders, so the MCP module uses them and adds only what is
// MCP's own: protocol revisions, log levels, the tool-error result.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/core/host_api.hpp"

namespace aura::mcp {

/// The revisions this server and client speak, newest first. 2025-11-25 is
/// the current one; older clients (2024-11-05: no structuredContent, no
/// protocol version header) are served in their own revision.
inline constexpr std::array<std::string_view, 4> protocol_versions{"2025-11-25", "2025-06-18", "2025-03-26",
                                                                   "2024-11-05"};
inline constexpr std::string_view latest_protocol_version = protocol_versions[0];

[[nodiscard]] inline bool supports_version(std::string_view v) noexcept {
  return std::find(protocol_versions.begin(), protocol_versions.end(), v) != protocol_versions.end();
}

/// Version negotiation: the client's revision when aura speaks it, else
/// aura's latest (the client then decides whether to go on or disconnect).
[[nodiscard]] inline std::string negotiate_version(std::string_view requested) {
  return std::string(supports_version(requested) ? requested : latest_protocol_version);
}

/// MCP's log levels (RFC 5424 severities), least severe first.
enum class log_level : int { debug, info, notice, warning, error, critical, alert, emergency };

[[nodiscard]] constexpr std::string_view to_string(log_level l) noexcept {
  constexpr std::array<std::string_view, 8> names{"debug", "info", "notice", "warning",
                                                  "error", "critical", "alert", "emergency"};
  return names[static_cast<std::size_t>(l)];
}

[[nodiscard]] inline std::optional<log_level> parse_log_level(std::string_view s) noexcept {
  for (int i = 0; i <= static_cast<int>(log_level::emergency); ++i) {
    if (to_string(static_cast<log_level>(i)) == s) return static_cast<log_level>(i);
  }
  return std::nullopt;
}

/// An aura log level as MCP names it.
[[nodiscard]] constexpr log_level from_aura(aura::log_level l) noexcept {
  switch (l) {
    case aura::log_level::debug: return log_level::debug;
    case aura::log_level::info: return log_level::info;
    case aura::log_level::warn: return log_level::warning;
    case aura::log_level::error: return log_level::error;
  }
  return log_level::info;
}

namespace rpc {
using namespace aura::jsonrpc;  // parse_error, invalid_request, method_not_found, invalid_params, internal_error

[[nodiscard]] inline nlohmann::json response(const nlohmann::json& id, nlohmann::json result) {
  return nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}
[[nodiscard]] inline nlohmann::json error(const nlohmann::json& id, int code, std::string message,
                                          nlohmann::json data = nullptr) {
  nlohmann::json e{{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) e["data"] = std::move(data);
  return nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}
[[nodiscard]] inline nlohmann::json notification(std::string_view method, nlohmann::json params) {
  nlohmann::json n{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}
[[nodiscard]] inline nlohmann::json request(const nlohmann::json& id, std::string_view method, nlohmann::json params) {
  nlohmann::json n{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}
}  // namespace rpc

/// A tool result that is an error the model should see (MCP puts tool
/// failures in the result, not in a JSON-RPC error, so the model can react).
[[nodiscard]] inline nlohmann::json tool_error(std::string text) {
  return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", std::move(text)}}})},
                        {"isError", true}};
}

/// The text of a tool result's text blocks, joined by newlines.
[[nodiscard]] inline std::string result_text(const nlohmann::json& result) {
  std::string out;
  auto c = result.find("content");
  if (c == result.end() || !c->is_array()) return out;
  for (const auto& block : *c) {
    if (!block.is_object() || block.value("type", "") != "text") continue;
    auto t = block.find("text");
    if (t == block.end() || !t->is_string()) continue;
    if (!out.empty()) out += '\n';
    out += t->get<std::string>();
  }
  return out;
}

/// Cursors are opaque to clients: the hex of the last name listed, so a page
/// stays right when tools come and go between pages.
[[nodiscard]] inline std::string encode_cursor(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}
[[nodiscard]] inline std::optional<std::string> decode_cursor(const std::string& s) {
  if (s.size() % 2 != 0 || s.empty()) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = val(s[i]), lo = val(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace aura::mcp
