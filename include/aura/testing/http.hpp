// aura/testing/http.hpp - an HTTP client with a route table and a record of every request.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/glob.hpp"
#include "aura/core/host_api.hpp"

namespace aura::testing {

/// One entry of the mock's route table: which requests it answers and how.
/// Made by `mock_http::on_get(url)` and friends; configure it before dispatching.
class http_route {
 public:
  using responder = std::function<result<http_response>(const http_request&)>;

  http_route(std::string method, std::string url) : method_(std::move(method)), url_(std::move(url)) {}

  /// Answers with `status` and `body`.
  http_route& respond(int status, std::string body = {}) {
    response_.status = status;
    response_.body = std::move(body);
    custom_ = nullptr;
    failure_.reset();
    return *this;
  }
  /// Answers with a JSON body and `content-type: application/json`.
  http_route& respond_json(int status, const nlohmann::json& body) {
    respond(status, body.dump());
    response_.headers["content-type"] = "application/json";
    return *this;
  }
  /// Adds a response header.
  http_route& header(std::string name, std::string value) {
    response_.headers[std::move(name)] = std::move(value);
    return *this;
  }
  /// Computes the answer from the request (echo, counters, slow servers...).
  http_route& respond_with(responder fn) {
    custom_ = std::move(fn);
    failure_.reset();
    return *this;
  }
  /// Fails at the transport level (no response at all): a timeout, a refused connection.
  http_route& fail_with(errc code, std::string message) {
    failure_ = error{code, std::move(message), {}, {}, {}};
    custom_ = nullptr;
    return *this;
  }

  [[nodiscard]] const std::string& method() const noexcept { return method_; }
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  /// How many requests this route answered.
  [[nodiscard]] std::size_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }

  /// Whether the route answers `request`: same method (or "*") and the URL
  /// equal to, or matching the `*`/`?` pattern of, the route's.
  [[nodiscard]] bool matches(const http_request& request) const noexcept {
    return (method_ == "*" || method_ == request.method) && glob_match(url_, request.url);
  }
  /// A route without wildcards is exact and wins over any pattern.
  [[nodiscard]] bool exact() const noexcept { return url_.find_first_of("*?") == std::string::npos; }

 private:
  friend class mock_http;
  [[nodiscard]] result<http_response> answer(const http_request& request) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    if (failure_) return fail(*failure_);
    if (custom_) return custom_(request);
    return response_;
  }

  std::string method_;
  std::string url_;
  http_response response_{200, {}, {}};
  responder custom_;
  std::optional<error> failure_;
  std::atomic<std::size_t> hits_{0};
};

/// The harness's HTTP client. Requests reach it only after the context's
/// permission check (the real one), so a plugin that calls a host outside its
/// `network` permission is refused before anything is recorded here.
///
/// Routing: an exact URL route wins over a pattern; among equals the route
/// added last wins (so a test can override a default). A request no route
/// answers fails with `errc::not_found` naming it, and is still recorded.
class mock_http final : public http_client {
 public:
  http_route& on(std::string method, std::string url) {
    std::lock_guard<std::mutex> lock(mutex_);
    routes_.push_back(std::make_unique<http_route>(std::move(method), std::move(url)));
    return *routes_.back();
  }
  http_route& on_get(std::string url) { return on("GET", std::move(url)); }
  http_route& on_post(std::string url) { return on("POST", std::move(url)); }
  http_route& on_put(std::string url) { return on("PUT", std::move(url)); }
  http_route& on_delete(std::string url) { return on("DELETE", std::move(url)); }
  /// Any method.
  http_route& on_any(std::string url) { return on("*", std::move(url)); }

  [[nodiscard]] result<http_response> send(const http_request& request) override {
    http_route* chosen = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
        http_route& r = **it;
        if (!r.matches(request)) continue;
        if (r.exact()) {
          chosen = &r;
          break;
        }
        if (!chosen) chosen = &r;
      }
    }
    if (!chosen) {
      return fail(errc::not_found, "mock HTTP: no route for " + request.method + " " + request.url +
                                       " (add one with http().on_" + lower(request.method) + "(url))");
    }
    if (request.cancel && request.cancel->load()) {
      return fail(errc::timeout, "mock HTTP: " + request.method + " " + request.url + " was cancelled");
    }
    auto answer = chosen->answer(request);
    if (answer && request.on_body) {  // a stream: the whole body at once, as a client that cannot stream does
      (void)request.on_body(answer->body);
      answer->body.clear();
    }
    return answer;
  }

  /// Every request that reached the client, in order.
  [[nodiscard]] std::vector<http_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  /// How many requests had `method` (or "*") and a URL matching `url` (a pattern).
  [[nodiscard]] std::size_t count(std::string_view method, std::string_view url = "*") const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_) {
      if ((method == "*" || method == r.method) && glob_match(url, r.url)) ++n;
    }
    return n;
  }
  /// Forgets the recorded requests (routes stay).
  void clear_requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.clear();
  }

 private:
  [[nodiscard]] static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
  }

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<http_route>> routes_;
  std::vector<http_request> requests_;
};

}  // namespace aura::testing
