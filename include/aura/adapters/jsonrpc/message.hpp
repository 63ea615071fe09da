// aura/adapters/jsonrpc/message.hpp - JSON-RPC 2.0 messages, one compact JSON text per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"

namespace aura::jsonrpc {

// Error codes: JSON-RPC 2.0's own, then aura's (in the -32000..-32099 server range).
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int host_error = -32000;         ///< a host service failed (data.code says how)
inline constexpr int permission_denied = -32001;  ///< the plugin's permissions refuse the call

enum class message_kind : std::uint8_t { request, notification, response, error_response };

/// One decoded message. `id` is null for notifications.
struct message {
  message_kind kind = message_kind::notification;
  nlohmann::json id;
  std::string method;      ///< requests and notifications
  nlohmann::json params;   ///< requests and notifications (null when absent)
  nlohmann::json result;   ///< responses
  int error_code = 0;      ///< error responses
  std::string error_message;
  nlohmann::json error_data;

  [[nodiscard]] bool is_call() const noexcept {
    return kind == message_kind::request || kind == message_kind::notification;
  }
  [[nodiscard]] bool is_answer() const noexcept {
    return kind == message_kind::response || kind == message_kind::error_response;
  }
};

/// Classifies a parsed JSON value; `raw` is quoted in errors.
[[nodiscard]] inline result<message> decode(nlohmann::json j, std::string_view raw) {
  auto bad = [&](const std::string& what, std::string where = {}) {
    return fail(errc::protocol_error, "not a JSON-RPC 2.0 message: " + what + " in " + wire::quote(raw),
                std::move(where));
  };
  if (!j.is_object()) return bad("a message must be a JSON object");
  auto ver = j.find("jsonrpc");
  if (ver == j.end() || !ver->is_string() || ver->get_ref<const std::string&>() != "2.0") {
    return bad("\"jsonrpc\" must be \"2.0\"", "/jsonrpc");
  }
  message m;
  auto id = j.find("id");
  const bool has_id = id != j.end();
  if (has_id) {
    if (!id->is_null() && !id->is_string() && !id->is_number_integer() && !id->is_number_unsigned()) {
      return bad("\"id\" must be an integer, a string or null", "/id");
    }
    m.id = std::move(*id);
  }
  if (auto method = j.find("method"); method != j.end()) {
    if (!method->is_string()) return bad("\"method\" must be a string", "/method");
    m.method = method->get<std::string>();
    m.kind = has_id ? message_kind::request : message_kind::notification;
    if (auto p = j.find("params"); p != j.end()) {
      if (!p->is_object() && !p->is_array()) return bad("\"params\" must be an object or an array", "/params");
      m.params = std::move(*p);
    }
    return m;
  }
  if (!has_id) return bad("a response needs an \"id\"", "/id");
  const auto res = j.find("result");
  const auto err = j.find("error");
  if ((res != j.end()) == (err != j.end())) return bad("a response has exactly one of \"result\" and \"error\"");
  if (res != j.end()) {
    m.kind = message_kind::response;
    m.result = std::move(*res);
    return m;
  }
  if (!err->is_object()) return bad("\"error\" must be an object", "/error");
  auto code = err->find("code");
  auto text = err->find("message");
  if (code == err->end() || !code->is_number_integer()) return bad("\"error.code\" must be an integer", "/error/code");
  if (text == err->end() || !text->is_string()) return bad("\"error.message\" must be a string", "/error/message");
  m.kind = message_kind::error_response;
  m.error_code = code->get<int>();
  m.error_message = text->get<std::string>();
  if (auto d = err->find("data"); d != err->end()) m.error_data = std::move(*d);
  return m;
}

/// Parses and classifies one line.
/// The line's JSON is parsed within `budget` (errc::limit_exceeded past it).
[[nodiscard]] inline result<message> decode(std::string_view line, const json_budget& budget = {}) {
  auto j = parse_bounded(line, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "a line that is not JSON: " + wire::quote(line));
  }
  return decode(std::move(*j), line);
}

/// True for a line of blanks only (ignored on the wire).
[[nodiscard]] inline bool is_blank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

namespace detail {
inline std::string line_of(const nlohmann::json& j) {
  // Invalid UTF-8 in event data is replaced rather than thrown on.
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}
}  // namespace detail

[[nodiscard]] inline std::string request_line(const nlohmann::json& id, std::string_view method,
                                              const nlohmann::json& params) {
  // Spelled out rather than wrapped in another json object: the params (an
  // event) are dumped once, never copied.
  std::string s = "{\"jsonrpc\":\"2.0\",\"id\":";
  s += id.dump();
  s += ",\"method\":";
  s += nlohmann::json(method).dump();
  s += ",\"params\":";
  s += params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += "}\n";
  return s;
}
[[nodiscard]] inline std::string notification_line(std::string_view method, nlohmann::json params) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}
[[nodiscard]] inline std::string response_line(const nlohmann::json& id, nlohmann::json result) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, int code, std::string_view text,
                                            nlohmann::json data = nullptr) {
  nlohmann::json e{{"code", code}, {"message", text}};
  if (!data.is_null()) e["data"] = std::move(data);
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}});
}

/// The JSON-RPC error for an aura error a host service returned.
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, const error& e) {
  const int code = e.code == errc::permission_denied ? permission_denied : host_error;
  return error_line(id, code, e.describe(), nlohmann::json{{"code", to_string(e.code)}});
}

}  // namespace aura::jsonrpc
