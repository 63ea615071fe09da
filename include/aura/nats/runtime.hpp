// aura/nats/runtime.hpp - the `nats` runtime: a plugin whose hooks are served
// by `aura worker` processes elsewhere, joining the host's chains like any hook.
//
// A host registers it beside the other runtimes:
//   auto remote = std::make_shared<aura::nats::remote_runtime>(defaults);
//   runtimes.set(aura::plugin::runtime_kind::nats, remote->loader());
// and a manifest says `runtime.kind = "nats"`, with `entrypoint` the name the
// workers load the plugin under (default: the manifest's name) and an
// optional `runtime.nats` table over the host's defaults: connection keys
// (servers, credentials, tls, name, ...) and `prefix`, `retries`,
// `accept_timeout_ms`, `heartbeat_misses`, `breaker` {failure_threshold, cooldown_ms}.
//
// Each call: the hook's `timeout_ms` (else `default_timeout`) is its deadline
// over every attempt; no responder, a deadline passed, a lost worker or an
// open breaker are hook failures, so the hook's failure policy answers. A
// worker lost mid-call (no accept, or its heartbeats stop) is retried on
// another worker, `retries` times, within the same deadline: the event id
// makes the call the same call (docs/fleet.md says which hooks may be retried).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"
#include "aura/nats/call.hpp"
#include "aura/nats/circuit_breaker.hpp"
#include "aura/nats/connection.hpp"
#include "aura/nats/subjects.hpp"
#include "aura/plugin/runtime.hpp"

namespace aura::nats {

/// The host's defaults for remote plugins (a manifest's `runtime.nats` overrides them).
struct remote_options {
  connection_options connection;
  std::string prefix = "aura.hooks";                ///< the hook subjects' prefix (same on the workers)
  std::chrono::milliseconds default_timeout{5000};  ///< a hook without timeout_ms
  std::chrono::milliseconds accept_timeout{1000};   ///< how long a worker has to accept a request
  unsigned heartbeat_misses = 4;                    ///< missed heartbeats before a worker counts as lost
  unsigned retries = 1;                             ///< attempts on another worker after a lost one; 0: none
  breaker_options breaker;
};

/// One remote hook's figures, beyond the chain's own stats (calls, errors, latency).
struct remote_hook_stats {
  std::string subject;
  std::uint64_t calls = 0;            ///< calls that reached the runtime
  std::uint64_t answered = 0;         ///< a worker answered (any decision, or the hook's own error)
  std::uint64_t retries = 0;          ///< attempts after a lost worker
  std::uint64_t lost = 0;             ///< attempts whose worker was lost
  std::uint64_t timeouts = 0;         ///< calls past their deadline
  std::uint64_t no_responders = 0;    ///< calls nobody serves
  std::uint64_t short_circuited = 0;  ///< calls the open breaker refused
  std::uint64_t breaker_opened = 0;
  breaker_state breaker = breaker_state::closed;
};

/// Reads a manifest's `runtime.nats` table over `base`; errors name `where`.
template <class Json = nlohmann::json>
[[nodiscard]] result<remote_options> read_remote_options(const nlohmann::json& in, const std::string& where,
                                                         remote_options base, bool* own_connection = nullptr) {
  const Json& j = in;
  if (j.is_null()) return base;
  if (!j.is_object()) return fail(errc::invalid_argument, "runtime.nats must be an object", where);
  Json conn = Json::object();
  auto positive = [&](const Json& v, const std::string& key) -> result<long long> {
    if (!v.is_number_integer() || v.template get<long long>() < 0) {
      return fail(errc::invalid_argument, "\"" + key + "\" must be a non-negative integer", where + "/" + key);
    }
    return v.template get<long long>();
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "prefix") {
      if (!v.is_string() || v.template get<std::string>().empty()) {
        return fail(errc::invalid_argument, "\"prefix\" must be a non-empty string", where + "/prefix");
      }
      base.prefix = v.template get<std::string>();
    } else if (k == "retries" || k == "accept_timeout_ms" || k == "heartbeat_misses") {
      auto n = positive(v, k);
      if (!n) return fail(std::move(n.error()));
      if (k == "retries") base.retries = static_cast<unsigned>(*n);
      if (k == "accept_timeout_ms") base.accept_timeout = std::chrono::milliseconds(std::max(1LL, *n));
      if (k == "heartbeat_misses") base.heartbeat_misses = static_cast<unsigned>(std::max(1LL, *n));
    } else if (k == "breaker") {
      if (!v.is_object()) return fail(errc::invalid_argument, "\"breaker\" must be an object", where + "/breaker");
      for (auto b = v.begin(); b != v.end(); ++b) {
        if (b.key() != "failure_threshold" && b.key() != "cooldown_ms") {
          return fail(errc::invalid_argument, "unknown breaker option (failure_threshold, cooldown_ms)",
                      where + "/breaker/" + b.key());
        }
        auto n = positive(b.value(), "breaker/" + b.key());
        if (!n) return fail(std::move(n.error()));
        if (b.key() == "failure_threshold") base.breaker.failure_threshold = static_cast<unsigned>(*n);
        if (b.key() == "cooldown_ms") base.breaker.cooldown = std::chrono::milliseconds(*n);
      }
    } else {
      conn[k] = v;
    }
  }
  if (!conn.empty()) {
    auto c = read_connection_options<Json>(conn, where, base.connection);
    if (!c) return fail(std::move(c.error()));
    base.connection = std::move(*c);
    if (own_connection) *own_connection = true;
  }
  return base;
}

class remote_runtime : public std::enable_shared_from_this<remote_runtime> {
 public:
  explicit remote_runtime(remote_options defaults = {}) : defaults_(std::move(defaults)) {}

  /// The loader to register under runtime_kind::nats. It keeps this runtime alive.
  [[nodiscard]] plugin::runtime_loader loader() {
    std::shared_ptr<remote_runtime> self = shared_from_this();
    return [self](const plugin::load_request& req) { return self->load(req); };
  }

  /// Every remote hook this runtime has served, by subject.
  [[nodiscard]] std::vector<remote_hook_stats> stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<remote_hook_stats> out;
    for (const auto& [subject, h] : hooks_) {
      remote_hook_stats s;
      s.subject = subject;
      s.calls = h->calls.load();
      s.answered = h->answered.load();
      s.retries = h->retries.load();
      s.lost = h->lost.load();
      s.timeouts = h->timeouts.load();
      s.no_responders = h->no_responders.load();
      s.short_circuited = h->short_circuited.load();
      s.breaker_opened = h->breaker.times_opened();
      s.breaker = h->breaker.state();
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  struct hook_state {
    explicit hook_state(breaker_options b) : breaker(b) {}
    circuit_breaker breaker;
    std::atomic<std::uint64_t> calls{0}, answered{0}, retries{0}, lost{0}, timeouts{0}, no_responders{0},
        short_circuited{0};
  };
  struct link {
    std::shared_ptr<connection> conn;
    std::shared_ptr<reply_inbox> inbox;
  };

  class instance final : public plugin::plugin_instance {
   public:
    instance(std::shared_ptr<remote_runtime> rt, std::string plugin, std::string remote, remote_options o, link l)
        : rt_(std::move(rt)), plugin_(std::move(plugin)), remote_(std::move(remote)), o_(std::move(o)),
          link_(std::move(l)) {}
    [[nodiscard]] result<json_hook> hook(const plugin::hook_spec& spec) override {
      const std::string subject = hook_subject(o_.prefix, spec.event, remote_, spec.handler);
      auto state = rt_->state_of(subject, o_.breaker);
      const auto budget = spec.timeout.count() > 0 ? spec.timeout : o_.default_timeout;
      return json_hook([subject, state, budget, handler = spec.handler, plugin = plugin_, o = o_, link = link_](
                           const envelope<dynamic_event>& env, context&) -> result<decision<dynamic_event>> {
        return call(subject, *state, budget, handler, plugin, o, link, env);
      });
    }

   private:
    std::shared_ptr<remote_runtime> rt_;
    std::string plugin_, remote_;
    remote_options o_;
    link link_;
  };

  static result<decision<dynamic_event>> call(const std::string& subject, hook_state& st,
                                               std::chrono::milliseconds budget, const std::string& handler,
                                               const std::string& plugin, const remote_options& o, const link& l,
                                               const envelope<dynamic_event>& env) {
    st.calls.fetch_add(1, std::memory_order_relaxed);
    auto failure = [&](errc code, std::string what) {
      return fail(error{code, std::move(what), plugin, handler, subject});
    };
    if (!st.breaker.allow()) {
      st.short_circuited.fetch_add(1, std::memory_order_relaxed);
      return failure(errc::hook_failed, "the circuit breaker of this remote hook is open (its last calls failed)");
    }
    const std::string payload = wire::request(handler, env, nlohmann::json::object()).dump();
    const auto deadline = std::chrono::steady_clock::now() + budget;
    for (unsigned attempt = 0;; ++attempt) {
      call_reply r = l.inbox->call(subject, payload, deadline, o.accept_timeout, o.heartbeat_misses);
      switch (r.how) {
        case call_end::answer: {
          st.answered.fetch_add(1, std::memory_order_relaxed);
          if (r.body.compare(0, control_prefix.size(), control_prefix) == 0) {
            st.breaker.neutral();
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            const std::string msg = j.is_object() ? j.value("message", r.body) : r.body;
            // (an error answered before the worker's first heartbeat is the only message that names it)
            const std::string by = j.is_object() ? j.value("worker", r.worker) : r.worker;
            return failure(errc::hook_failed, "on worker " + by + ": " + msg);
          }
          st.breaker.success();
          auto d = wire::parse_decision(std::string_view(r.body));
          if (!d) {
            error e = std::move(d.error());
            e.plugin = plugin;
            e.hook = handler;
            return fail(std::move(e));
          }
          return d;
        }
        case call_end::no_responders:
          st.no_responders.fetch_add(1, std::memory_order_relaxed);
          st.breaker.failure();
          return failure(errc::not_found, "no worker serves this hook (no responder on the subject)");
        case call_end::timeout:
          st.timeouts.fetch_add(1, std::memory_order_relaxed);
          st.breaker.failure();
          return failure(errc::timeout, "no answer within the hook's deadline of " + std::to_string(budget.count()) +
                                            " ms" + (r.worker.empty() ? "" : " (worker " + r.worker + ")"));
        case call_end::lost:
          st.lost.fetch_add(1, std::memory_order_relaxed);
          if (attempt < o.retries && std::chrono::steady_clock::now() < deadline) {
            st.retries.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          st.breaker.failure();
          return failure(errc::crashed, r.worker.empty() ? "no worker accepted the call"
                                                         : "worker " + r.worker + " was lost mid-call");
      }
    }
  }

  [[nodiscard]] std::shared_ptr<hook_state> state_of(const std::string& subject, breaker_options b) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& h = hooks_[subject];
    if (!h) h = std::make_shared<hook_state>(b);
    return h;
  }

  [[nodiscard]] result<link> shared_link() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shared_.inbox) return shared_;
    auto l = open_link(defaults_.connection);
    if (l) shared_ = *l;
    return l;
  }
  [[nodiscard]] static result<link> open_link(const connection_options& c) {
    auto conn = connection::open(c);
    if (!conn) return fail(std::move(conn.error()));
    auto inbox = reply_inbox::open(*conn);
    if (!inbox) return fail(std::move(inbox.error()));
    return link{std::move(*conn), std::move(*inbox)};
  }

  result<std::shared_ptr<plugin::plugin_instance>> load(const plugin::load_request& req) {
    const plugin::manifest& m = req.spec;
    nlohmann::json table;
    if (m.source.is_object()) {
      const nlohmann::json* p = &m.source;
      if (auto it = p->find("plugin"); it != p->end()) p = &*it;
      if (auto rt = p->find("runtime"); rt != p->end() && rt->is_object()) {
        if (auto n = rt->find("nats"); n != rt->end()) table = *n;
      }
    }
    bool own = false;
    auto o = read_remote_options(table, m.file.string() + " plugin.runtime.nats", defaults_, &own);
    if (!o) return fail(plugin::detail::adapter_load_error(std::move(o.error()), m));
    auto l = own ? open_link(o->connection) : shared_link();
    if (!l) return fail(plugin::detail::adapter_load_error(std::move(l.error()), m));
    const std::string remote = m.runtime.entrypoint.empty() ? m.name : m.runtime.entrypoint;
    return std::shared_ptr<plugin::plugin_instance>(
        std::make_shared<instance>(shared_from_this(), m.name, remote, std::move(*o), std::move(*l)));
  }

  remote_options defaults_;
  mutable std::mutex mutex_;
  link shared_;
  std::map<std::string, std::shared_ptr<hook_state>> hooks_;
};

}  // namespace aura::nats
