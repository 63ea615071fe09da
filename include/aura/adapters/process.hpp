// aura/adapters/process.hpp - plugins as long-lived child processes speaking JSON-RPC 2.0.
//
// One compact JSON-RPC message per line on the child's stdin/stdout
// (docs/protocol.md is the specification). The host starts the child without
// a shell, in its plugin directory, with only the environment it declares;
// performs the `initialize` handshake; sends one `event` request per hook
// call (several may be in flight, told apart by id); serves the child's
// `host/*` calls through the plugin's context while an event is in flight;
// and ends it with `shutdown`, a grace period, SIGTERM, SIGKILL.
//
// Faults never reach the host: a deadline, a crash, garbage, an overlong line
// become an error the chain turns into the hook's failure policy. An
// unresponsive or misbehaving child is killed; the next call restarts it,
// with exponential back-off between consecutive failures (calls inside the
// back-off fail at once). A reader thread per child reads stdout and stderr
// and reaps the child, so no zombie outlives a dead child for long.
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
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/version.hpp"
#include "aura/core/wire.hpp"

namespace aura {

/// How to start and talk to a process plugin.
struct process_options {
  std::string name;                          ///< the plugin's name (errors, logs)
  std::vector<std::string> argv;             ///< program and arguments; no shell
  std::filesystem::path workdir;             ///< the plugin directory; the child runs there
  std::map<std::string, std::string> env;    ///< the child's whole environment
  std::chrono::milliseconds default_timeout{2000};  ///< per event call, unless the hook says otherwise
  std::map<std::string, std::chrono::milliseconds> hook_timeouts;  ///< per handler name
  std::size_t max_line = 16u << 20;          ///< longest line the child may print (bytes)
  std::filesystem::path stderr_log;          ///< the child's stderr is appended here (empty: kept as a tail only)
  std::shared_ptr<context> ctx;              ///< the plugin's context; null: the dispatch context
  std::chrono::milliseconds start_timeout{5000};      ///< spawn + `initialize`
  std::chrono::milliseconds restart_backoff{50};      ///< wait before the first restart after a failure
  std::chrono::milliseconds restart_backoff_max{5000};  ///< back-off doubles up to this
  std::chrono::milliseconds shutdown_grace{1000};     ///< used when the plugin is destroyed running
  nlohmann::json config;                     ///< sent with `initialize` and each event; null: ctx's config
};

namespace detail::process {

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

/// Serves one `host/*` call through a context.
[[nodiscard]] inline result<nlohmann::json> serve_host_call(const std::string& method, const nlohmann::json& params,
                                                            context& ctx, const posix::deadline& until) {
  auto bad = [&](const std::string& what) {
    return fail(errc::invalid_argument, method + ": " + what);
  };
  if (!params.is_object()) return bad("params must be an object");
  auto text = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it != params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (method == "host/log") {
    const std::string* message = text("message");
    if (!message) return bad("needs a string \"message\"");
    log_level level = log_level::info;
    if (const std::string* l = text("level")) {
      if (*l == "debug") level = log_level::debug;
      else if (*l == "info") level = log_level::info;
      else if (*l == "warn" || *l == "warning") level = log_level::warn;
      else if (*l == "error") level = log_level::error;
      else return bad("\"level\" is debug, info, warn or error");
    }
    auto r = ctx.log(level, *message);
    if (!r) return fail(r.error());
    return nlohmann::json::object();
  }
  if (method == "host/http") {
    const std::string* url = text("url");
    if (!url) return bad("needs a string \"url\"");
    http_request req;
    req.url = *url;
    if (const std::string* m = text("method")) req.method = *m;
    if (const std::string* b = text("body")) req.body = *b;
    if (auto h = params.find("headers"); h != params.end() && h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
      }
    }
    if (auto t = params.find("timeout_ms"); t != params.end() && t->is_number_unsigned()) {
      req.timeout = std::chrono::milliseconds(t->get<std::uint64_t>());
    }
    // The request may not outlive the event call that made it.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
    req.timeout = std::min(req.timeout, left);
    auto r = ctx.http(req);
    if (!r) return fail(r.error());
    return nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
  }
  if (method == "host/storage/get" || method == "host/storage/set" || method == "host/storage/delete") {
    const std::string* key = text("key");
    if (!key) return bad("needs a string \"key\"");
    if (method == "host/storage/get") {
      auto r = ctx.storage_get(*key);
      if (!r) return fail(r.error());
      return nlohmann::json{{"value", *r ? nlohmann::json(**r) : nlohmann::json()}};
    }
    if (method == "host/storage/set") {
      const std::string* value = text("value");
      if (!value) return bad("needs a string \"value\"");
      auto r = ctx.storage_set(*key, *value);
      if (!r) return fail(r.error());
      return nlohmann::json::object();
    }
    auto r = ctx.storage_remove(*key);
    if (!r) return fail(r.error());
    return nlohmann::json{{"removed", *r}};
  }
  return fail(errc::not_found, "no host method \"" + method + "\"");
}

/// The JSON-RPC answer to a host call that failed.
[[nodiscard]] inline std::string host_error_line(const nlohmann::json& id, const error& e) {
  if (e.code == errc::not_found && e.message.rfind("no host method", 0) == 0) {
    return jsonrpc::error_line(id, jsonrpc::method_not_found, e.message);
  }
  if (e.code == errc::invalid_argument) return jsonrpc::error_line(id, jsonrpc::invalid_params, e.message);
  return jsonrpc::error_line(id, e);
}

/// One running child: its pipes, its reader thread, its requests in flight.
class session {
 public:

  session(std::string plugin, posix::child_process child, std::size_t max_line, std::shared_ptr<context> ctx,
          std::shared_ptr<stderr_tail> tail, posix::unique_fd log)
      : plugin_(std::move(plugin)),
        pid_(child.pid),
        in_(std::move(child.in)),
        out_(std::move(child.out)),
        err_(std::move(child.err)),
        max_line_(max_line),
        ctx_(std::move(ctx)),
        tail_(std::move(tail)),
        log_(std::move(log)),
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
  [[nodiscard]] error death() const {
    std::lock_guard<std::mutex> lock(mu_);
    return death_;
  }

  /// Sends a request and waits for its answer, serving the child's host calls
  /// made on its behalf meanwhile (on this thread, through `ctx`).
  [[nodiscard]] result<nlohmann::json> call(std::string_view method, const nlohmann::json& params,
                                            const posix::deadline& until, context* ctx,
                                            std::chrono::milliseconds budget) {
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
      lock.unlock();
      read_directly(*p, until);
      lock.lock();
      if (p->done || !p->host_calls.empty()) continue;
      if (!p->cv.wait_until(lock, until.at(), [&] { return p->done || !p->host_calls.empty(); })) {
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
    if (log_) {
      std::size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(log_.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
    }
  }

  enum class pumped { data, idle, eof, stop };

  /// Reads what stdout holds now and feeds it to the line reader; needs read_mu_.
  pumped read_stdout_locked() {
    if (out_stopped_) return pumped::stop;
    const ssize_t n = ::read(out_.get(), out_buf_.data(), out_buf_.size());
    if (n > 0) {
      auto on_line = [&](std::string_view line) {
        if (jsonrpc::is_blank(line)) return true;
        auto m = jsonrpc::decode(line);
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
      struct pollfd pf {out_.get(), POLLIN, 0};
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
      const struct timespec ts {static_cast<time_t>(secs.count()),
                                static_cast<long>((left - secs).count())};
      if (::ppoll(&pf, 1, &ts, nullptr) < 0 && errno != EINTR) break;
    }
    caller_reading_.store(false, std::memory_order_relaxed);
  }

  void read_loop() {
    std::vector<char> buf(64 * 1024);
    bool stop_requested = false, eof = false;
    struct pollfd fds[3] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}, {wake_r_.get(), POLLIN, 0}};
    while (!stop_requested && !eof) {
      // While a caller reads stdout, leave it alone and look back every ms.
      const bool caller = caller_reading_.load(std::memory_order_relaxed);
      fds[0].fd = caller ? -1 : out_.get();
      const int r = ::poll(fds, 3, caller ? 1 : -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        kill(error{errc::io_error, posix::errno_text("poll", errno), plugin_, {}, {}});
        break;
      }
      if (fds[2].revents) {
        stop_requested = true;
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
    if (eof && !stop_requested) st = posix::reap_until(pid_, posix::deadline(std::chrono::milliseconds(100)));
    {
      std::lock_guard<std::mutex> lock(proc_mu_);
      posix::signal_child(pid_, SIGKILL);  // its group: whatever it left behind
      if (!st) st = posix::reap(pid_);
      status_ = *st;
      reaped_ = true;
    }
    exit_cv_.notify_all();
    drain_stderr(buf);
    std::string why = "the plugin process " + st->describe();
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      if (eof && lines_.partial()) why += " after printing half a line " + wire::quote(lines_.pending());
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

  std::string plugin_;
  pid_t pid_;
  posix::unique_fd in_, out_, err_, wake_r_, wake_w_;
  std::size_t max_line_;
  std::shared_ptr<context> ctx_;
  std::shared_ptr<stderr_tail> tail_;
  posix::unique_fd log_;
  std::thread reader_;
  std::atomic<std::int64_t> next_id_{1};

  mutable std::mutex mu_;  // pending_, dead_, death_, died_at_
  std::unordered_map<std::int64_t, std::shared_ptr<pending>> pending_;
  bool dead_ = false;
  error death_;
  steady::time_point died_at_{};

  std::mutex write_mu_;  // in_ and the order of bytes on it

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

/// "MAJOR.MINOR.PATCH" (trailing parts optional) -> numbers.
[[nodiscard]] inline std::optional<std::array<int, 3>> parse_version(std::string_view text) {
  std::array<int, 3> v{0, 0, 0};
  std::size_t part = 0;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (v[part] > 100000) return std::nullopt;
      v[part] = v[part] * 10 + (c - '0');
      digit = true;
    } else if (c == '.' && digit && part < 2) {
      ++part;
      digit = false;
    } else if ((c == '-' || c == '+') && digit) {
      break;  // pre-release or build suffix: ignored
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return v;
}

/// Whether this host can serve a plugin built against SDK `plugin`: the
/// manifest's rule for a bare version (a tilde range, plugin/version_range.hpp):
/// the same major and minor, and a patch not newer than ours.
[[nodiscard]] inline bool sdk_compatible(const std::array<int, 3>& plugin) noexcept {
  return plugin[0] == version_major && plugin[1] == version_minor && plugin[2] <= version_patch;
}

}  // namespace detail::process

/// A plugin running as a child process. Thread-safe: several threads may
/// call hooks at once (their requests are in flight together on one child).
class process_plugin : public std::enable_shared_from_this<process_plugin> {
  struct private_tag {};

 public:
  process_plugin(private_tag, process_options opts) : opts_(std::move(opts)) {}
  process_plugin(const process_plugin&) = delete;
  process_plugin& operator=(const process_plugin&) = delete;
  ~process_plugin() { (void)shutdown(opts_.shutdown_grace); }

  /// Starts the child and performs the `initialize` handshake. Fails with
  /// errc::load_error (or version_mismatch) naming the plugin and the cause.
  [[nodiscard]] static result<std::shared_ptr<process_plugin>> start(process_options opts) {
    if (opts.name.empty()) return fail(errc::invalid_argument, "a process plugin needs a name");
    if (opts.argv.empty()) return fail(error{errc::invalid_argument, "no program to start (argv is empty)", opts.name, {}, {}});
    if (opts.default_timeout.count() <= 0 || opts.start_timeout.count() <= 0 || opts.max_line == 0) {
      return fail(error{errc::invalid_argument, "default_timeout, start_timeout and max_line must be positive",
                        opts.name, {}, {}});
    }
    auto plugin = std::make_shared<process_plugin>(private_tag{}, std::move(opts));
    auto s = plugin->start_session(true);
    if (!s) return fail(std::move(s.error()));
    std::lock_guard<std::mutex> lock(plugin->mu_);
    plugin->session_ = std::move(*s);
    return plugin;
  }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  /// The handlers the plugin stated in its handshake.
  [[nodiscard]] const std::vector<std::string>& hooks() const noexcept { return hooks_; }
  /// The SDK version the plugin stated.
  [[nodiscard]] const std::string& sdk_version() const noexcept { return sdk_; }
  [[nodiscard]] bool implements(std::string_view handler) const {
    return std::find(hooks_.begin(), hooks_.end(), handler) != hooks_.end();
  }

  /// A hook calling `handler` in the child. `timeout` zero: the per-handler
  /// setting, else `default_timeout`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    auto self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& ev, context& ctx) {
      return self->call(handler, ev, ctx, timeout);
    };
  }

  /// One event call: the decision, or an error naming plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& ev,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.hook = handler;
      return fail(std::move(e));
    };
    if (!implements(handler)) {
      return named(error{errc::not_found, "the plugin does not implement this handler (its hooks: " +
                                              nlohmann::json(hooks_).dump() + ")", {}, {}, {}});
    }
    const auto budget = timeout_for(handler, timeout);
    const posix::deadline until(budget);
    auto s = acquire();
    if (!s) return named(std::move(s.error()));
    context& ctx = opts_.ctx ? *opts_.ctx : dispatch_ctx;
    const nlohmann::json& config = opts_.config.is_null() ? ctx.config() : opts_.config;
    auto answer = (*s)->call("event", wire::request(handler, ev, config), until, &ctx, budget);
    if (!answer) {
      if (answer.error().code == errc::hook_failed) note_success();  // the child is fine; the handler failed
      return named(std::move(answer.error()));
    }
    note_success();
    auto d = wire::parse_decision(*answer);
    if (!d) return named(std::move(d.error()));
    return d;
  }

  /// Ends the child: `shutdown` request, stdin closed, `grace` to exit, then
  /// SIGTERM and SIGKILL. Later calls fail. Returns an error if the child had
  /// to be forced.
  result<void> shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
    std::shared_ptr<detail::process::session> s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return {};
      shut_down_ = true;
      s = std::move(session_);
    }
    if (!s) return {};
    const posix::deadline until(grace);
    bool polite = false;
    if (s->alive()) {
      auto r = s->call("shutdown", nlohmann::json::object(), until, opts_.ctx.get(), grace);
      s->close_stdin();
      polite = r.has_value() && s->wait_exit(until);
      if (!polite && !s->wait_exit(posix::deadline(std::chrono::milliseconds(0)))) {
        s->signal(SIGTERM);
        if (!s->wait_exit(posix::deadline(std::min(grace, std::chrono::milliseconds(500))))) s->signal(SIGKILL);
      }
    }
    s->stop();
    if (!polite && s->status().signaled) {
      return fail(error{errc::timeout, "the plugin process did not exit within " + std::to_string(grace.count()) +
                                           " ms of shutdown and was terminated", opts_.name, {}, {}});
    }
    return {};
  }

  /// The current child's pid (-1 when none runs).
  [[nodiscard]] pid_t pid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return session_ && session_->alive() ? session_->pid() : -1;
  }
  /// How many times the child was restarted after a failure.
  [[nodiscard]] std::size_t restarts() const noexcept { return restarts_.load(); }
  /// The last bytes the child wrote to stderr.
  [[nodiscard]] std::string stderr_tail() const { return tail_->text(); }

 private:
  [[nodiscard]] std::chrono::milliseconds timeout_for(const std::string& handler, std::chrono::milliseconds t) const {
    if (t.count() > 0) return t;
    if (auto it = opts_.hook_timeouts.find(handler); it != opts_.hook_timeouts.end() && it->second.count() > 0) {
      return it->second;
    }
    return opts_.default_timeout;
  }

  [[nodiscard]] std::chrono::milliseconds backoff(std::size_t failures) const {
    auto d = opts_.restart_backoff;
    for (std::size_t i = 1; i < failures && d < opts_.restart_backoff_max; ++i) d *= 2;
    return std::min(d, opts_.restart_backoff_max);
  }

  void note_success() { failures_.store(0, std::memory_order_relaxed); }

  /// The running session, restarting the child if its back-off has passed.
  [[nodiscard]] result<std::shared_ptr<detail::process::session>> acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return fail(error{errc::crashed, "the plugin has been shut down", opts_.name, {}, {}});
    if (session_ && session_->alive()) return session_;
    const auto now = detail::process::steady::now();
    if (session_) {  // it died: count the failure, schedule the restart
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = session_->died_at() + backoff(n);
      last_failure_ = session_->death();
      session_->stop();
      session_.reset();
    }
    if (now < next_start_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_start_ - now);
      return fail(error{errc::crashed,
                        "the plugin process is down; restart in " + std::to_string(wait.count()) +
                            " ms (last failure: " + last_failure_.message + ")",
                        opts_.name, {}, {}});
    }
    auto s = start_session(false);
    if (!s) {
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = detail::process::steady::now() + backoff(n);
      last_failure_ = s.error();
      return fail(std::move(s.error()));
    }
    restarts_.fetch_add(1);
    session_ = std::move(*s);
    return session_;
  }

  [[nodiscard]] result<std::shared_ptr<detail::process::session>> start_session(bool first) {
    auto load_failure = [&](errc code, const std::string& what) {
      return fail(error{code, what, opts_.name, {}, {}});
    };
    posix::spawn_options so;
    so.argv = opts_.argv;
    so.workdir = opts_.workdir;
    so.env = opts_.env;
    auto child = posix::spawn(so);
    if (!child) return load_failure(errc::load_error, child.error().message);
    posix::unique_fd log;
    if (!opts_.stderr_log.empty()) {
      log.reset(::open(opts_.stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    }
    auto s = std::make_shared<detail::process::session>(opts_.name, std::move(*child), opts_.max_line, opts_.ctx,
                                                        tail_, std::move(log));
    if (auto r = s->run(); !r) {
      s->kill(r.error());
      return load_failure(errc::load_error, r.error().message);
    }
    const nlohmann::json config = opts_.config.is_null() ? (opts_.ctx ? opts_.ctx->config() : nlohmann::json::object())
                                                         : opts_.config;
    const nlohmann::json params{{"aura", wire::version}, {"sdk", version_string}, {"plugin", opts_.name},
                                {"config", config.is_null() ? nlohmann::json::object() : config}};
    auto answer = s->call("initialize", params, posix::deadline(opts_.start_timeout), opts_.ctx.get(),
                          opts_.start_timeout);
    auto give_up = [&](errc code, const std::string& what) {
      s->kill(error{errc::load_error, what, opts_.name, {}, {}});
      s->stop();
      return load_failure(code, what);
    };
    if (!answer) return give_up(errc::load_error, "initialize handshake failed: " + answer.error().message);
    const nlohmann::json& a = *answer;
    const std::string shown = wire::quote(a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!a.is_object()) return give_up(errc::load_error, "initialize answer must be an object, got " + shown);
    if (auto v = a.find("aura"); v != a.end() && !(v->is_number_integer() && v->get<int>() == wire::version)) {
      return give_up(errc::version_mismatch, "the plugin speaks wire protocol " + v->dump() + ", this host speaks " +
                                                 std::to_string(wire::version));
    }
    auto sdk = a.find("sdk");
    if (sdk == a.end() || !sdk->is_string()) {
      return give_up(errc::load_error, "initialize answer lacks a string \"sdk\" version: " + shown);
    }
    const auto parsed = detail::process::parse_version(sdk->get<std::string>());
    if (!parsed) return give_up(errc::load_error, "initialize answer has an unreadable \"sdk\" version: " + shown);
    if (!detail::process::sdk_compatible(*parsed)) {
      return give_up(errc::version_mismatch, "the plugin was built for aura SDK " + sdk->get<std::string>() +
                                                 ", which this host (SDK " + std::string(version_string) +
                                                 ") cannot serve");
    }
    auto hooks = a.find("hooks");
    if (hooks == a.end() || !hooks->is_array() ||
        !std::all_of(hooks->begin(), hooks->end(), [](const nlohmann::json& h) { return h.is_string(); })) {
      return give_up(errc::load_error, "initialize answer lacks a \"hooks\" array of handler names: " + shown);
    }
    if (first) {
      sdk_ = sdk->get<std::string>();
      hooks_ = hooks->get<std::vector<std::string>>();
    }
    return s;
  }

  process_options opts_;
  std::vector<std::string> hooks_;  // fixed at start: read without a lock
  std::string sdk_;
  std::shared_ptr<detail::process::stderr_tail> tail_ = std::make_shared<detail::process::stderr_tail>();

  mutable std::mutex mu_;  // session_, shut_down_, next_start_, last_failure_
  std::shared_ptr<detail::process::session> session_;
  bool shut_down_ = false;
  detail::process::steady::time_point next_start_{};
  error last_failure_;
  std::atomic<std::size_t> failures_{0};
  std::atomic<std::size_t> restarts_{0};
};

}  // namespace aura
