// Helpers for the MCP tests: a session wired to a recording sender, and
// native tools to serve.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/mcp/server.hpp>
#include <aura/mcp/tool_catalog.hpp>

namespace mcp_test {

using nlohmann::json;

/// What a session sent, with the request each message belongs to.
class recorder {
 public:
  aura::mcp::session::sender sender() {
    return [this](const json& m, const json& related) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        got_.push_back(m);
        related_.push_back(related);
      }
      cv_.notify_all();
    };
  }
  /// The first message matching `pred` (waiting up to `limit`); null if none came.
  json wait(const std::function<bool(const json&)>& pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    json found;
    cv_.wait_for(lock, limit, [&] {
      for (const auto& m : got_) {
        if (pred(m)) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  json response(const json& id, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return wait([&](const json& m) { return !m.contains("method") && m.value("id", json()) == id; }, limit);
  }
  json notification(const std::string& method, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return wait([&](const json& m) { return m.value("method", "") == method; }, limit);
  }
  std::size_t count(const std::function<bool(const json&)>& pred) {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const auto& m : got_) n += pred(m) ? 1 : 0;
    return n;
  }
  std::vector<json> related() {
    std::lock_guard<std::mutex> lock(mu_);
    return related_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<json> got_;
  std::vector<json> related_;
};

inline json request(const json& id, const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}
inline json notification(const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

/// Initializes a session (initialize + notifications/initialized).
inline void handshake(aura::mcp::session& s, recorder& r, const std::string& version = "2025-06-18") {
  s.receive(request("init", "initialize",
                    {{"protocolVersion", version}, {"capabilities", json::object()}, {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  (void)r.response("init");
  s.receive(notification("notifications/initialized"));
}

/// A native tool answering with `fn(args)` as text.
inline aura::mcp::tool_entry text_tool(const std::string& name, json schema, std::function<std::string(const json&)> fn) {
  aura::mcp::tool_entry e;
  e.name = name;
  e.description = "the " + name + " tool";
  e.input_schema = std::move(schema);
  e.call = [fn](const json& args, const aura::mcp::call_control&) -> aura::result<json> {
    return json{{"content", json::array({{{"type", "text"}, {"text", fn(args)}}})}, {"isError", false}};
  };
  return e;
}

inline json echo_schema() {
  return json{{"type", "object"},
              {"properties", {{"text", {{"type", "string"}}}, {"count", {{"type", "integer"}, {"minimum", 1}}}}},
              {"required", {"text"}},
              {"additionalProperties", false}};
}

}  // namespace mcp_test
