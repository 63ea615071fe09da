// aura/nats/worker.hpp - serves plugins' hooks to hosts over NATS: the heart
// of `aura worker`.
//
// A worker loads its plugins exactly as a host does - a plugin_host over the
// same runtimes, manifests, permissions and isolation - except that each
// hook, instead of joining a chain, is caught by a sink and served on its
// subject (`<prefix>.<event>.<plugin>.<handler>`, aura/nats/subjects.hpp) in
// a queue group, so N workers share the load. The plugin's host capabilities
// (log, storage, http, config) are the worker's plugin_host's, under the
// plugin's own permissions: a remote plugin's storage lives where its worker runs.
//
// A request is queued for one of `threads` threads; the heartbeat thread
// sends its accept at its next tick and heartbeats it while it is queued or
// runs (aura/nats/call.hpp says why). A call answered before that tick costs
// one message back, not two: the host needs the accept only to tell a slow
// hook from a lost worker, which a call that is already answered never is.
//
// A quick hook - its last run took less than `inline_below` - runs instead on
// the subscription's own delivery thread: waking a pool thread is one more
// scheduler wake-up on the round trip (tens of µs on a loaded VM, a large share
// of a loopback call). The heartbeat thread covers it like any running call.
// What this costs: calls on the same subject that arrive meanwhile wait for it
// unaccepted, so a hook that was quick and suddenly blocks delays them by that
// run (past the host's accept_timeout they count as lost and are retried); its
// next calls go to the pool until a run is quick again.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/bus.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/hook_sink.hpp"
#include "aura/core/wire.hpp"
#include "aura/nats/call.hpp"
#include "aura/nats/connection.hpp"
#include "aura/nats/subjects.hpp"
#include "aura/nats/subscription.hpp"
#include "aura/plugin/host.hpp"

namespace aura::nats {

struct worker_options {
  connection_options connection;
  std::string prefix = "aura.hooks";    ///< as the hosts' remote_options::prefix
  std::string queue = "aura-workers";   ///< the queue group: workers in one group share each subject's calls
  std::string id;                       ///< named in answers and errors; empty: <hostname>-<pid>
  unsigned threads = 4;                 ///< hook calls run at once
  std::chrono::milliseconds heartbeat{100};
  /// A hook whose last run was shorter runs on the delivery thread (see above); 0: always the pool.
  std::chrono::microseconds inline_below{1000};
};

/// One served hook.
struct served_hook {
  std::string subject;
  std::string event;
  std::string plugin;
  std::string handler;
};

class worker {
 public:
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker() { stop(); }

  /// Loads `plugins` and serves their hooks. A plugin that fails to load is
  /// reported in `load_errors` (when given) and left out; a worker that can
  /// serve nothing, or cannot connect, is an error.
  [[nodiscard]] static result<std::unique_ptr<worker>> start(worker_options o, std::vector<plugin::manifest> plugins,
                                                             plugin::runtime_registry runtimes,
                                                             plugin::host_options host,
                                                             std::vector<error>* load_errors = nullptr) {
    if (o.id.empty()) o.id = default_id();
    if (o.threads == 0) o.threads = 1;
    std::unique_ptr<worker> w(new worker(o));
    for (const auto& m : plugins) {
      for (const auto& h : m.hooks) {
        if (!w->sinks_.count(h.event)) w->sinks_[h.event] = std::make_shared<capture_sink>(h.event);
      }
    }
    for (auto& [event, sink] : w->sinks_) host.sinks[event] = sink;
    w->host_ = std::make_unique<plugin::plugin_host>(w->bus_, std::move(runtimes), std::move(host));
    for (auto& m : plugins) {
      if (auto r = w->host_->load(std::move(m)); !r && load_errors) load_errors->push_back(std::move(r.error()));
    }
    auto conn = connection::open(o.connection);
    if (!conn) return fail(std::move(conn.error()));
    w->conn_ = std::move(*conn);
    for (const auto& [event, sink] : w->sinks_) {
      for (const auto& [name, plugin] : sink->names()) {
        const std::string handler = name.substr(name.find(':') == std::string::npos ? 0 : name.find(':') + 1);
        served_hook s{hook_subject(o.prefix, event, plugin, handler), event, plugin, handler};
        worker* raw = w.get();
        auto pace = std::make_shared<hook_pace>();
        auto sub = subscription::open(w->conn_, s.subject, o.queue, [raw, sink = sink, name = name, pace](natsMsg* m) {
          raw->accept(sink, name, pace, m);
        });
        if (!sub) return fail(std::move(sub.error()));
        w->subs_.push_back(std::move(*sub));
        w->served_.push_back(std::move(s));
      }
    }
    if (w->served_.empty()) {
      return fail(errc::not_found, "no hook to serve: no plugin with hooks loaded", o.connection.servers.front());
    }
    if (natsConnection_Flush(w->conn_->get()) != NATS_OK) {
      return fail(errc::io_error, "the subscriptions did not reach the NATS server", o.connection.servers.front());
    }
    for (unsigned i = 0; i < o.threads; ++i) w->pool_.emplace_back([raw = w.get()] { raw->run_jobs(); });
    w->beats_ = std::thread([raw = w.get()] { raw->run_heartbeats(); });
    return w;
  }

  [[nodiscard]] const std::vector<served_hook>& served() const noexcept { return served_; }
  [[nodiscard]] const std::string& id() const noexcept { return o_.id; }
  /// Calls answered (with a decision or the hook's error).
  [[nodiscard]] std::uint64_t answered() const noexcept { return answered_.load(); }
  [[nodiscard]] plugin::plugin_host& host() noexcept { return *host_; }

  /// Stops taking calls, answers those already taken, unloads the plugins.
  void stop() {
    for (auto& s : subs_) s->close();  // each waits (bounded) for its handler's last return
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : pool_) {
      if (t.joinable()) t.join();
    }
    if (beats_.joinable()) beats_.join();  // (it waits for inflight_ to empty: inline runs included)
    // The handlers only now: an inline run that outlived close()'s wait still
    // used one. One whose handler has still not returned is left allocated
    // (a bounded leak at stop) rather than freed under libnats' thread.
    for (auto& s : subs_) {
      if (!s->wait_done(std::chrono::seconds(5))) (void)s.release();
    }
    subs_.clear();
    if (conn_) (void)natsConnection_FlushTimeout(conn_->get(), 1000);
    host_.reset();
  }

 private:
  /// Catches the hooks the plugin_host would add to an event's chain.
  class capture_sink final : public hook_sink {
   public:
    explicit capture_sink(std::string event) : event_(std::move(event)) {}
    result<void> add(hook_options opts, json_hook fn) override {
      std::lock_guard<std::mutex> lock(mutex_);
      hooks_[opts.name] = entry{opts.plugin, std::move(fn)};
      return {};
    }
    result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) override {
      std::lock_guard<std::mutex> lock(mutex_);
      hooks_.erase(std::string(old_name));
      hooks_[opts.name] = entry{opts.plugin, std::move(fn)};
      return {};
    }
    bool remove(std::string_view name) override {
      std::lock_guard<std::mutex> lock(mutex_);
      return hooks_.erase(std::string(name)) != 0;
    }
    [[nodiscard]] std::optional<json_hook> find(const std::string& name) const {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = hooks_.find(name);
      if (it == hooks_.end()) return std::nullopt;
      return it->second.fn;
    }
    /// (chain name, plugin) of every hook caught.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> names() const {
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& [n, e] : hooks_) out.emplace_back(n, e.plugin);
      return out;
    }

   private:
    struct entry {
      std::string plugin;
      json_hook fn;
    };
    std::string event_;
    mutable std::mutex mutex_;
    std::map<std::string, entry> hooks_;
  };

  /// How long one served hook's last run took: whether the next runs inline.
  struct hook_pace {
    std::atomic<std::int64_t> last_us{-1};  ///< -1: never run (the first run goes to the pool)
  };

  struct job {
    std::shared_ptr<capture_sink> sink;
    std::string name;
    std::shared_ptr<hook_pace> pace;
    std::string reply;
    std::string body;
    bool accepted = false;  ///< the heartbeat thread has sent its accept
  };

  explicit worker(worker_options o) : o_(std::move(o)) {}

  [[nodiscard]] static std::string default_id() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string(host[0] ? host : "worker") + "-" + std::to_string(static_cast<long>(getpid()));
  }

  void publish(const std::string& subject, const std::string& body) {
    (void)natsConnection_Publish(conn_->get(), subject.c_str(), body.data(), static_cast<int>(body.size()));
  }

  // On libnats' delivery thread: a quick hook runs here, any other is queued for the pool.
  void accept(const std::shared_ptr<capture_sink>& sink, const std::string& name,
              const std::shared_ptr<hook_pace>& pace, natsMsg* m) {
    const char* reply = natsMsg_GetReply(m);
    if (reply == nullptr || *reply == '\0') return;  // a publish, not a request: nobody to answer
    const char* data = natsMsg_GetData(m);
    job j{sink, name, pace, reply,
          std::string(data ? data : "", static_cast<std::size_t>(natsMsg_GetDataLength(m)))};
    const std::int64_t last = pace->last_us.load(std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (last < 0 || last >= o_.inline_below.count()) {
        jobs_.push_back(std::move(j));
        cv_.notify_one();
        return;
      }
      inflight_[j.reply] = false;  // heartbeats cover it should it block after all
    }
    finish(j);
  }

  void run_jobs() {
    for (;;) {
      job j;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and every accepted call answered
        j = std::move(jobs_.front());
        jobs_.pop_front();
        inflight_[j.reply] = j.accepted;
      }
      finish(j);
    }
  }

  // Runs a call that is in inflight_, times it, answers it.
  void finish(const job& j) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string answer = serve(j);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    j.pace->last_us.store(took.count(), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      inflight_.erase(j.reply);
    }
    publish(j.reply, answer);
    answered_.fetch_add(1, std::memory_order_relaxed);
  }

  [[nodiscard]] std::string failure(errc code, const std::string& message) const {
    return nlohmann::json{{"aura_ctl", "error"}, {"worker", o_.id}, {"code", to_string(code)}, {"message", message}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  [[nodiscard]] std::string serve(const job& j) const {
    auto req = nlohmann::json::parse(j.body, nullptr, false);
    if (!req.is_object() || !req.contains("event")) {
      return failure(errc::protocol_error, "the request is not an aura wire request: " + wire::quote(j.body));
    }
    auto env = envelope_from_json(req["event"]);
    if (!env) return failure(errc::protocol_error, "the request's event: " + env.error().describe());
    auto fn = j.sink->find(j.name);
    if (!fn) return failure(errc::not_found, "hook " + j.name + " is not loaded on this worker");
    try {
      context dispatch_ctx;
      auto d = (*fn)(*env, dispatch_ctx);
      if (!d) return failure(d.error().code, d.error().describe());
      return wire::encode(*d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
      return failure(errc::hook_failed, std::string("the hook threw: ") + e.what());
    } catch (...) {
      return failure(errc::hook_failed, "the hook threw");
    }
  }

  void run_heartbeats() {
    const std::string accept = nlohmann::json{{"aura_ctl", "accepted"}, {"worker", o_.id},
                                              {"heartbeat_ms", o_.heartbeat.count()}}.dump();
    const std::string beat = nlohmann::json{{"aura_ctl", "working"}, {"worker", o_.id}}.dump();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_ || !inflight_.empty() || !jobs_.empty()) {
      beat_cv_.wait_for(lock, o_.heartbeat);
      std::vector<std::pair<std::string, bool>> to;  // (reply, accepted before)
      for (auto& [reply, accepted] : inflight_) to.emplace_back(reply, std::exchange(accepted, true));
      for (auto& j : jobs_) to.emplace_back(j.reply, std::exchange(j.accepted, true));
      lock.unlock();
      for (const auto& [reply, accepted] : to) publish(reply, accepted ? beat : accept);
      lock.lock();
      if (stopping_ && inflight_.empty() && jobs_.empty()) break;
    }
  }

  worker_options o_;
  aura::bus bus_;
  std::map<std::string, std::shared_ptr<capture_sink>> sinks_;
  std::unique_ptr<plugin::plugin_host> host_;
  std::shared_ptr<connection> conn_;
  std::vector<std::unique_ptr<subscription>> subs_;
  std::vector<served_hook> served_;
  std::mutex mutex_;
  std::condition_variable cv_, beat_cv_;
  std::deque<job> jobs_;
  std::map<std::string, bool> inflight_;  ///< reply subject -> its accept was sent
  bool stopping_ = false;
  std::vector<std::thread> pool_;
  std::thread beats_;
  std::atomic<std::uint64_t> answered_{0};
};

}  // namespace aura::nats
