// aura/adapters/process/session.hpp - one running child of a process plugin:
// its pipes, its reader thread, its requests in flight, its exit.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/fd.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/line_reader.hpp"
#include "aura/adapters/posix/pidfd.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/version.hpp"
#include "aura/adapters/detail/answer_check.hpp"
#include "aura/core/json_budget.hpp"
#include "aura/core/rotating_log.hpp"
#include "aura/core/wire.hpp"
#include "aura/adapters/process/host_calls.hpp"
#include "aura/adapters/process/options.hpp"

namespace aura::detail::process {

using steady = std::chrono::steady_clock;

/// The last bytes of a child's stderr, shared by its successive sessions.
class stderr_tail {
 public:
  static constexpr std::size_t limit = 4096;
  void append(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(bytes);
    if (text_.size() > limit) text_.erase(0, text_.size() - limit);
  }
  [[nodiscard]] std::string text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

/// One request waiting for its answer. Guarded by its session's mutex.
struct pending {
  bool done = false;
  std::atomic<bool> ready{false};  ///< `done` or a host call, readable without the lock (the waiter spins on it)
  result<nlohmann::json> answer = nlohmann::json();
  std::deque<jsonrpc::message> host_calls;  ///< the child's calls made on behalf of this request
  std::condition_variable cv;
};


/// One running child: its pipes, its reader thread, its requests in flight.
class session {
 public:

  session(std::string plugin, posix::child_process child, std::size_t max_line, std::shared_ptr<context> ctx,
          std::shared_ptr<stderr_tail> tail, std::shared_ptr<rotating_log> log, json_budget budget = {})
      : budget_(budget),
        plugin_(std::move(plugin)),
        pid_(child.pid),
        in_(std::move(child.in)),
        out_(std::move(child.out)),
        err_(std::move(child.err)),
        max_line_(max_line),
        ctx_(std::move(ctx)),
        tail_(std::move(tail)),
        log_(std::move(log)),
        pipes_(posix::pipe_names({out_.get(), err_.get(), in_.get()})),
        lines_(max_line) {}

  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { stop(); }

  /// Starts the reader thread.
  [[nodiscard]] result<void> run() {
    auto wake = posix::make_pipe();
    if (!wake) return fail(wake.error());
    wake_r_ = std::move(wake->read);
    wake_w_ = std::move(wake->write);
    if (auto r = posix::set_nonblocking(in_.get()); !r) return r;
    if (auto r = posix::set_nonblocking(out_.get()); !r) return r;
    pidfd_ = posix::open_pidfd(pid_);  // exit seen at once, even while a grandchild holds stdout
    try {
      reader_ = std::thread([this] { read_loop(); });
    } catch (const std::system_error& e) {
      return fail(errc::io_error, std::string("cannot start the reader thread: ") + e.what());
    }
    return {};
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool alive() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !dead_;
  }
  [[nodiscard]] steady::time_point died_at() const {
    std::lock_guard<std::mutex> lock(mu_);
    return died_at_;
  }
  /// Whether the child was killed because a call was cancelled (not a failure).
  [[nodiscard]] bool killed_on_purpose() const noexcept { return on_purpose_.load(); }
  [[nodiscard]] error death() const {
    std::lock_guard<std::mutex> lock(mu_);
    return death_;
  }

  /// Sends a request and waits for its answer, serving the child's host calls
  /// made on its behalf meanwhile (on this thread, through `ctx`). When
  /// `cancel` turns true the call ends as at its deadline, within a slice of
  /// 20 ms: the child is killed (it may be busy with the request for long;
  /// the next call starts a new one, with no back-off: killed_on_purpose()).
  [[nodiscard]] result<nlohmann::json> call(std::string_view method, const nlohmann::json& params,
                                            const posix::deadline& until, context* ctx,
                                            std::chrono::milliseconds budget,
                                            const std::atomic<bool>* cancel = nullptr) {
    const std::int64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    auto p = std::make_shared<pending>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dead_) return fail(death_);
      pending_.emplace(id, p);
    }
    const std::string line = jsonrpc::request_line(id, method, params);
    if (auto w = send(line, until); !w) {
      forget(id);
      return fail(std::move(w.error()));
    }
    // The caller reads stdout itself while it waits (if no other caller
    // does): the answer then goes child -> caller with no thread in between.
    // The reader thread stands by for stderr, deaths and any caller-less time.
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!p->host_calls.empty()) {
        jsonrpc::message m = std::move(p->host_calls.front());
        p->host_calls.pop_front();
        if (p->host_calls.empty() && !p->done) p->ready.store(false, std::memory_order_relaxed);
        lock.unlock();
        serve(m, ctx, until);
        lock.lock();
        continue;
      }
      if (p->done) {
        pending_.erase(id);
        return std::move(p->answer);
      }
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        pending_.erase(id);
        lock.unlock();
        on_purpose_.store(true);
        kill(error{errc::crashed, "killed: \"" + std::string(method) + "\" was cancelled by its caller", plugin_, {}, {}});
        return fail(error{errc::hook_failed, "cancelled: \"" + std::string(method) + "\" was abandoned and the plugin process killed",
                          plugin_, {}, {}});
      }
      // A cancellable call waits in slices, so it sees its flag soon.
      const posix::deadline wait = cancel ? until.min(posix::deadline(std::chrono::milliseconds(20))) : until;
      lock.unlock();
      read_directly(*p, wait);
      lock.lock();
      if (p->done || !p->host_calls.empty()) continue;
      if (!p->cv.wait_until(lock, wait.at(), [&] { return p->done || !p->host_calls.empty(); })) {
        if (!until.expired()) continue;  // only a slice ended
        pending_.erase(id);
        lock.unlock();
        error e{errc::timeout,
                "no answer to \"" + std::string(method) + "\" within " + std::to_string(budget.count()) +
                    " ms; the plugin process is killed",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed after a deadline passed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
    }
  }

  /// Sends a notification (no answer expected).
  [[nodiscard]] result<void> notify(std::string_view method, nlohmann::json params, const posix::deadline& until) {
    return send(jsonrpc::notification_line(method, std::move(params)), until);
  }

  /// Closes the child's stdin: the polite "no more requests".
  void close_stdin() {
    std::lock_guard<std::mutex> lock(write_mu_);
    in_.reset();
  }

  /// Marks the session dead with `why` (failing every request in flight) and
  /// kills the child's process group; the reader thread reaps it.
  void kill(error why) {
    fail_all(std::move(why));
    signal(SIGKILL);
  }

  void signal(int sig) {
    std::lock_guard<std::mutex> lock(proc_mu_);
    if (!reaped_) posix::signal_child(pid_, sig);
  }

  /// Waits until the reader has reaped the child, up to `until`.
  [[nodiscard]] bool wait_exit(const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(proc_mu_);
    return exit_cv_.wait_until(lock, until.at(), [&] { return reaped_; });
  }
  [[nodiscard]] posix::exit_status status() const {
    std::lock_guard<std::mutex> lock(proc_mu_);
    return status_;
  }

  /// Stops the reader thread (which kills and reaps the child if it still runs).
  void stop() {
    if (!reader_.joinable()) return;
    if (wake_w_) {
      const char c = 'x';
      posix::sigpipe_guard guard;
      [[maybe_unused]] ssize_t n = ::write(wake_w_.get(), &c, 1);
    }
    reader_.join();
  }

 private:
  [[nodiscard]] result<void> send(const std::string& line, const posix::deadline& until) {
    posix::write_failure failure;
    std::size_t written = 0;
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      if (!in_) return fail(error{errc::crashed, "the plugin's stdin is closed", plugin_, {}, {}});
      failure = posix::write_all(in_.get(), line, until, &written, &err);
    }
    switch (failure) {
      case posix::write_failure::none: return {};
      case posix::write_failure::broken_pipe: {
        error e{errc::crashed, "the plugin process closed its stdin", plugin_, {}, {}};
        kill(e);
        return fail(std::move(e));
      }
      case posix::write_failure::timed_out: {
        error e{errc::timeout, "the plugin process did not read its stdin before the deadline (" +
                                   std::to_string(written) + " of " + std::to_string(line.size()) + " bytes written)",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
      case posix::write_failure::io: break;
    }
    error e{errc::io_error, posix::errno_text("write to the plugin's stdin", err), plugin_, {}, {}};
    kill(e);
    return fail(std::move(e));
  }

  void forget(std::int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
  }

  void fail_all(error why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (dead_) return;
    dead_ = true;
    died_at_ = steady::now();
    death_ = std::move(why);
    for (auto& [id, p] : pending_) {
      if (p->done) continue;
      p->done = true;
      p->answer = fail(death_);
      p->ready.store(true, std::memory_order_release);
      p->cv.notify_all();
    }
  }

  void serve(const jsonrpc::message& m, context* ctx, const posix::deadline& until) {
    result<nlohmann::json> r = ctx ? serve_host_call(m.method, m.params, *ctx, until)
                                   : result<nlohmann::json>(fail(errc::unsupported, "no context for host calls"));
    if (m.kind != jsonrpc::message_kind::request) return;
    const std::string line = r ? jsonrpc::response_line(m.id, std::move(*r)) : host_error_line(m.id, r.error());
    // Past the event's deadline the answer still gets a short moment to go out.
    (void)send(line, until.expired() ? posix::deadline(std::chrono::milliseconds(100)) : until);
  }

  void on_message(jsonrpc::message m) {
    if (m.is_answer()) {
      if (!m.id.is_number_integer()) return;  // not one of ours: ignored
      const auto id = m.id.get<std::int64_t>();
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(id);
      if (it == pending_.end() || it->second->done) return;  // a late answer to an abandoned request
      auto& p = *it->second;
      p.done = true;
      if (m.kind == jsonrpc::message_kind::response) {
        p.answer = std::move(m.result);
      } else {
        std::string text = "the plugin answered with error " + std::to_string(m.error_code) + ": " + m.error_message;
        if (!m.error_data.is_null()) text += " " + wire::quote(m.error_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        p.answer = fail(error{errc::hook_failed, std::move(text), plugin_, {}, {}});
      }
      p.ready.store(true, std::memory_order_release);
      p.cv.notify_all();
      return;
    }
    // A host call: route it to the event request it serves ("call" member,
    // or the only request in flight); that request's thread runs it.
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::shared_ptr<pending> target;
      if (m.params.is_object()) {
        if (auto c = m.params.find("call"); c != m.params.end() && c->is_number_integer()) {
          if (auto it = pending_.find(c->get<std::int64_t>()); it != pending_.end()) target = it->second;
        }
      }
      if (!target && pending_.size() == 1) target = pending_.begin()->second;
      if (target && !target->done) {
        target->host_calls.push_back(std::move(m));
        target->ready.store(true, std::memory_order_release);
        target->cv.notify_all();
        return;
      }
    }
    // Outside any event: only the plugin's own context can serve it.
    if (ctx_) {
      serve(m, ctx_.get(), posix::deadline(std::chrono::seconds(1)));
    } else if (m.kind == jsonrpc::message_kind::request) {
      (void)send(jsonrpc::error_line(m.id, jsonrpc::invalid_request,
                                     "host call outside an event: put the event request's id in params.call"),
                 posix::deadline(std::chrono::seconds(1)));
    }
  }

  void on_stderr(std::string_view bytes) {
    tail_->append(bytes);
    if (log_) (void)log_->write(bytes);  // bounded: it rotates before passing its limit
  }

  enum class pumped { data, idle, eof, stop };

  /// Reads what stdout holds now and feeds it to the line reader; needs read_mu_.
  pumped read_stdout_locked() {
    if (out_stopped_) return pumped::stop;
    const ssize_t n = ::read(out_.get(), out_buf_.data(), out_buf_.size());
    if (n > 0) {
      auto on_line = [&](std::string_view line) {
        if (jsonrpc::is_blank(line)) return true;
        auto m = jsonrpc::decode(line, budget_);
        if (!m) {
          kill(error{errc::protocol_error, "the plugin broke the protocol: " + m.error().message, plugin_, {}, {}});
          return false;
        }
        on_message(std::move(*m));
        return true;
      };
      auto on_overflow = [&](std::size_t seen) {
        kill(error{errc::protocol_error,
                   "the plugin printed a line longer than the limit of " + std::to_string(max_line_) + " bytes (" +
                       std::to_string(seen) + " bytes without a newline)",
                   plugin_, {}, {}});
        return false;
      };
      if (!lines_.feed(std::string_view(out_buf_.data(), static_cast<std::size_t>(n)), on_line, on_overflow)) {
        out_stopped_ = true;
        return pumped::stop;
      }
      return pumped::data;
    }
    if (n == 0) return pumped::eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return pumped::idle;
    return pumped::eof;
  }

  /// A waiting caller reads stdout until its request is ready, the deadline
  /// passes, or stdout ends; returns at once if another thread is reading.
  void read_directly(pending& p, const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    caller_reading_.store(true, std::memory_order_relaxed);
    while (!p.ready.load(std::memory_order_acquire)) {
      const pumped r = read_stdout_locked();
      if (r == pumped::data) continue;
      if (r != pumped::idle) break;  // end or protocol error: the reader thread takes over
      const auto left = until.remaining();
      if (left.count() <= 0) break;
      struct pollfd pf[2] = {{out_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
      const struct timespec ts {static_cast<time_t>(secs.count()),
                                static_cast<long>((left - secs).count())};
      if (::ppoll(pf, pidfd_ ? 2 : 1, &ts, nullptr) < 0 && errno != EINTR) break;
      if (pf[1].revents & POLLIN) break;  // it exited: the reader thread reports it
    }
    caller_reading_.store(false, std::memory_order_relaxed);
  }

  void read_loop() {
    std::vector<char> buf(64 * 1024);
    bool stop_requested = false, eof = false, exited = false;
    struct pollfd fds[4] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}, {wake_r_.get(), POLLIN, 0},
                            {pidfd_ ? pidfd_.get() : -1, POLLIN, 0}};
    while (!stop_requested && !eof && !exited) {
      // While a caller reads stdout, leave it alone and look back every ms.
      const bool caller = caller_reading_.load(std::memory_order_relaxed);
      fds[0].fd = caller ? -1 : out_.get();
      const int r = ::poll(fds, 4, caller ? 1 : -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        kill(error{errc::io_error, posix::errno_text("poll", errno), plugin_, {}, {}});
        break;
      }
      if (fds[2].revents) {
        stop_requested = true;
        break;
      }
      if (fds[3].revents & POLLIN) {
        // The child exited (its grandchildren may still hold stdout open):
        // take what it wrote before, then report it, not wait for EOF.
        std::unique_lock<std::mutex> lock(read_mu_);
        while (read_stdout_locked() == pumped::data) {
        }
        exited = true;
        break;
      }
      if (fds[1].revents) {
        const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
        if (n > 0) on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fds[1].fd = -1;  // stderr closed: stop polling it
      }
      if (fds[0].fd >= 0 && fds[0].revents) {
        std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
        if (!lock.owns_lock()) continue;  // a caller is reading it
        pumped got;
        do {
          got = read_stdout_locked();
        } while (got == pumped::data);
        if (got == pumped::stop) break;
        if (got == pumped::eof) eof = true;
      }
    }
    // The child is done with (or for): give it a moment to exit on its own
    // after closing stdout, then kill its group and reap it.
    std::optional<posix::exit_status> st;
    if ((eof || exited) && !stop_requested) {
      st = posix::reap_until(pid_, posix::deadline(std::chrono::milliseconds(100)));
    }
    {
      std::lock_guard<std::mutex> lock(proc_mu_);
      posix::signal_child(pid_, SIGKILL);  // its group: whatever it left behind
      if (!st) st = posix::reap(pid_);
      // and what left the group (setsid) but still holds one of its pipes
      (void)posix::kill_pipe_holders_named(pipes_);
      status_ = *st;
      reaped_ = true;
    }
    exit_cv_.notify_all();
    drain_stderr(buf);
    std::string why = "the plugin process " + st->describe();
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      if ((eof || exited) && lines_.partial()) why += " after printing half a line " + wire::quote(lines_.pending());
    }
    const std::string tail = tail_->text();
    if (!tail.empty()) why += "; stderr ends with " + wire::quote(tail.size() > 512 ? std::string_view(tail).substr(tail.size() - 512) : std::string_view(tail));
    fail_all(error{errc::crashed, std::move(why), plugin_, {}, {}});
  }

  void drain_stderr(std::vector<char>& buf) {
    if (!err_) return;
    (void)posix::set_nonblocking(err_.get());
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
  }

  json_budget budget_;
  std::string plugin_;
  pid_t pid_;
  posix::unique_fd in_, out_, err_, wake_r_, wake_w_, pidfd_;
  std::size_t max_line_;
  std::shared_ptr<context> ctx_;
  std::shared_ptr<stderr_tail> tail_;
  std::shared_ptr<rotating_log> log_;  // the plugin's log, shared with its other sessions
  std::thread reader_;
  std::atomic<std::int64_t> next_id_{1};
  std::atomic<bool> on_purpose_{false};

  mutable std::mutex mu_;  // pending_, dead_, death_, died_at_
  std::unordered_map<std::int64_t, std::shared_ptr<pending>> pending_;
  bool dead_ = false;
  error death_;
  steady::time_point died_at_{};

  std::mutex write_mu_;  // in_ and the order of bytes on it
  // The child's pipes by name, taken at the start: close_stdin() may close in_
  // while the reader looks for processes still holding them.
  std::vector<std::string> pipes_;

  std::mutex read_mu_;  // out_, lines_, out_buf_, out_stopped_: whoever reads stdout
  posix::line_reader lines_;
  std::vector<char> out_buf_ = std::vector<char>(64 * 1024);
  bool out_stopped_ = false;
  std::atomic<bool> caller_reading_{false};

  mutable std::mutex proc_mu_;  // signals vs. reaping: never signal a reaped pid
  std::condition_variable exit_cv_;
  bool reaped_ = false;
  posix::exit_status status_;
};

}  // namespace aura::detail::process
