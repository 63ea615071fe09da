// aura/mcp/stdio.hpp - the MCP stdio transport: one session, one JSON-RPC
// message per line on the input, answers and notifications one per line on
// the output (nothing else may be written there: logs go to stderr or to the
// client as notifications/message).
#pragma once

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/line_reader.hpp"
#include "aura/core/error.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/server.hpp"

namespace aura::mcp {

struct stdio_limits {
  /// A line longer than this is refused with an error (and skipped to its
  /// newline): a runaway client costs the server at most this much memory.
  std::size_t max_message_bytes = 4u << 20;
};

namespace detail {

/// The reading of one stdio client, passed between threads like a baton
/// (leader/follower): the holder reads and handles messages in order; before
/// a tool call that may take a while it hands the baton to a waiting thread
/// (or a new one) and runs the call itself. A call then costs a wake-up of
/// a thread that is not on its path, instead of a hop to a worker and that
/// worker's wake-up on it.
class stdio_reading {
 public:
  using send_fn = std::function<void(const nlohmann::json&, const nlohmann::json&)>;
  stdio_reading(int in_fd, session& s, send_fn send, stdio_limits limits)
      : fd_(in_fd), s_(&s), send_(std::move(send)), limits_(limits), reader_(limits.max_message_bytes) {}
  stdio_reading(const stdio_reading&) = delete;
  stdio_reading& operator=(const stdio_reading&) = delete;
  ~stdio_reading() { join(); }

  /// Takes part until the input has ended and its messages are handled
  /// (`stay`: the caller's thread), or until a call it ran is over and
  /// another thread is already waiting (a follower of its own).
  void take_part(bool stay) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++waiting_;
      cv_.wait(lock, [this] { return !held_ || ended_; });
      --waiting_;
      if (ended_) return;
      held_ = true;
      lock.unlock();
      const bool handed = hold();
      lock.lock();
      if (!handed) {  // the input ended: everyone leaves
        ended_ = true;
        held_ = false;
        cv_.notify_all();
        return;
      }
      if (!stay && waiting_ > 0) return;  // one follower waiting is enough
    }
  }

  /// Joins the followers (after the session has closed: their calls are over).
  void join() {
    std::list<follower> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& f : threads) {
      if (f.thread.joinable()) f.thread.join();
    }
  }

  [[nodiscard]] result<void> outcome() const { return outcome_; }

 private:
  struct item {
    std::string text;
    std::size_t overflow = 0;  ///< a refused message: the bytes seen of it
  };

  /// Handles messages while this thread holds the baton; true when it
  /// handed it over (and ran a call), false when the input has ended.
  bool hold() {
    for (;;) {
      if (items_.empty()) {
        if (eof_ || !read_more()) return false;
        continue;
      }
      item next = std::move(items_.front());
      items_.pop_front();
      if (next.overflow > 0) {
        send_(rpc::error(nullptr, rpc::invalid_request,
                         "invalid request: a message of more than " + std::to_string(limits_.max_message_bytes) +
                             " bytes (" + std::to_string(next.overflow) + " seen so far) is refused"),
              nullptr);
        continue;
      }
      bool handed = false;
      const std::function<bool()> handoff = [this, &handed] { return handed = hand_over(); };
      s_->receive(next.text, &handoff);
      if (handed) return true;
    }
  }

  /// One read; false when there is nothing more (the end, or an error kept in outcome_).
  bool read_more() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n == 0) {
        eof_ = true;
        if (reader_.partial() && !reader_.discarding()) {  // a last line without its newline
          items_.push_back(item{std::string(reader_.pending()), 0});
          return true;
        }
        return false;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        outcome_ = fail(errc::io_error, posix::errno_text("reading the MCP client's messages", errno));
        eof_ = true;
        return false;
      }
      reader_.feed(
          std::string_view(buf, static_cast<std::size_t>(n)),
          [this](std::string_view line) {
            if (!jsonrpc::is_blank(line)) items_.push_back(item{std::string(line), 0});
            return true;
          },
          [this](std::size_t seen) {
            items_.push_back(item{std::string(), seen});
            return true;
          });
      return true;
    }
  }

  /// Gives the baton to a waiting thread, or to a new one; false (keep it,
  /// use a worker) when no thread can start.
  bool hand_over() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    if (waiting_ > 0) {
      cv_.notify_one();
      return true;
    }
    // Followers that have left are joined here, so threads never pile up.
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->left->load()) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    try {
      follower f;
      auto left = f.left;
      f.thread = std::thread([this, left] {
        take_part(false);
        left->store(true);
      });
      threads_.push_back(std::move(f));
    } catch (...) {
      held_ = true;
      return false;
    }
    return true;
  }

  int fd_;
  session* s_;
  send_fn send_;
  stdio_limits limits_;
  // The holder's alone (the baton's hand-over under mu_ orders them):
  posix::line_reader reader_;
  std::deque<item> items_;
  bool eof_ = false;
  result<void> outcome_;
  // Shared:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool ended_ = false;
  std::size_t waiting_ = 0;
  struct follower {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> left = std::make_shared<std::atomic<bool>>(false);
  };
  std::list<follower> threads_;
};

}  // namespace detail

/// Serves one client on `in_fd`/`out_fd` until the input ends (the client's
/// way to close a stdio session), then closes the session: calls in flight
/// get their answers (up to the call timeout), then the session closes. An
/// error only when reading fails. Messages are handled in order; a tool call
/// runs on the thread that read it, which first hands the reading to another.
inline result<void> serve_stdio(server& srv, int in_fd = 0, int out_fd = 1, stdio_limits limits = {}) {
  std::mutex write_mu;
  bool out_broken = false;
  auto send = [&write_mu, &out_broken, out_fd](const nlohmann::json& message, const nlohmann::json&) {
    const std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard<std::mutex> lock(write_mu);
    if (out_broken) return;
    if (posix::write_all(out_fd, line, posix::deadline::never()) != posix::write_failure::none) out_broken = true;
  };
  auto s = srv.open("stdio", send);
  detail::stdio_reading reading(in_fd, *s, send, limits);
  reading.take_part(true);
  s->drain(srv.options().call_timeout + srv.options().close_grace);
  s->close();
  reading.join();
  return reading.outcome();
}

}  // namespace aura::mcp
