// aura/mcp/upstream.hpp - an external MCP server's tools kept current in a
// tool catalog: exposed when it connects and again each time the server says
// its list changed (notifications/tools/list_changed, over stdio or on the
// HTTP event stream), so hooks and aura's own MCP clients see the new tools.
// The re-listing runs on a thread of its own: the client's reader, which
// hears the news, cannot wait for the answer it would have to read itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/mcp/client.hpp"
#include "aura/mcp/tool_catalog.hpp"

namespace aura::mcp {

class upstream {
 public:
  /// `catalog` must outlive this object; its tools of this server are removed
  /// when it is destroyed.
  upstream(tool_catalog& catalog, client_options opts) : catalog_(catalog), client_(std::move(opts)) {
    client_.on_tools_changed([this] {
      {
        std::lock_guard<std::mutex> lock(mu_);
        dirty_ = true;
      }
      cv_.notify_all();
    });
  }
  upstream(const upstream&) = delete;
  upstream& operator=(const upstream&) = delete;
  ~upstream() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (refresher_.joinable()) refresher_.join();
    client_.close();
    (void)catalog_.set_source(server_source(client_.name()), {});
  }

  /// Reports each problem of a later re-listing (the first is start()'s answer).
  void on_problem(std::function<void(const error&)> f) { on_problem_ = std::move(f); }

  /// Connects, runs the handshake and exposes the tools. The problems of
  /// exposing (a collision, a bad schema) are returned; a failed connection
  /// is the error.
  result<std::vector<error>> start() {
    if (auto r = client_.connect(); !r) return fail(std::move(r.error()));
    auto problems = expose(catalog_, client_);
    refresher_ = std::thread([this] { refresh_loop(); });
    return problems;
  }

  [[nodiscard]] client& connection() noexcept { return client_; }
  /// How many times the tools were listed again after a list_changed.
  [[nodiscard]] std::uint64_t refreshes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refreshes_;
  }

 private:
  void refresh_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || dirty_; });
      if (stop_) return;
      dirty_ = false;
      lock.unlock();
      const auto problems = expose(catalog_, client_);
      if (on_problem_) {
        for (const auto& e : problems) on_problem_(e);
      }
      lock.lock();
      ++refreshes_;
    }
  }

  tool_catalog& catalog_;
  client client_;
  std::function<void(const error&)> on_problem_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stop_ = false;
  std::uint64_t refreshes_ = 0;
  std::thread refresher_;
};

}  // namespace aura::mcp
