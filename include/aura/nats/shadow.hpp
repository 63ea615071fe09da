// aura/nats/shadow.hpp - a candidate version of the plugins beside the live
// one, on live events, without touching the live outcome (issue 22's shadow
// upgrade, live; `aura replay` does the same from recorded traffic).
//
// The host keeps dispatching on its live bus; after each dispatch it hands the
// event (as it was before the dispatch) and the live outcome to `observe`,
// or dispatches with `emit_shadowed`. `observe` copies them into a bounded
// queue and returns: it never runs a candidate hook, never waits for one, and
// a full queue drops the observation (counted), so the live dispatch pays one
// copy of the event and outcome and a queue push, whatever the candidate does.
// One shadow thread dispatches each observed event on the candidate bus (the
// caller's, loaded with the candidate plugins), compares the two outcomes
// (verdict, reason, denier, final data so every patch, effects: the fields
// `aura replay` compares) and reports each comparison that differs: to a
// callback, and published on core NATS at `<prefix>.<event name>`.
// The candidate's failures, timeouts and exceptions stay on the shadow thread:
// they are its outcome (its failure policies decide), compared like any other.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/bus.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/outcome.hpp"
#include "aura/nats/connection.hpp"
#include "aura/nats/event_stream.hpp"
#include "aura/nats/replay.hpp"
#include "aura/nats/subjects.hpp"

namespace aura::nats {

/// One live dispatch, run again through the candidate.
struct shadow_report {
  envelope<dynamic_event> event;                  ///< as it was before the live dispatch
  nlohmann::json live;                            ///< the live outcome (outcome_record)
  nlohmann::json candidate;                       ///< the candidate's outcome (outcome_record)
  std::vector<outcome_difference> differences;    ///< empty: the candidate agrees
  std::chrono::nanoseconds candidate_took{0};
  std::string candidate_error;                    ///< the candidate threw (then `candidate` is null)
};

struct shadow_options {
  std::string label = "candidate";              ///< names the candidate version in every report
  std::size_t capacity = 1024;                  ///< observations queued; past it they are dropped (counted)
  std::shared_ptr<connection> publish_to;       ///< null: reports go to the callback only
  std::string subject_prefix = "aura.shadow";   ///< reports are published on <prefix>.<event name>
  bool report_agreements = false;               ///< also report (and publish) comparisons that agree
  std::function<void(const shadow_report&)> on_report;  ///< on the shadow thread; its exceptions are swallowed
};

struct shadow_stats {
  std::uint64_t observed = 0;   ///< live dispatches queued
  std::uint64_t dropped = 0;    ///< not queued: the queue was full (the candidate is behind)
  std::uint64_t compared = 0;   ///< run through the candidate and compared
  std::uint64_t differing = 0;  ///< compared and different (a candidate that threw counts here)
  std::uint64_t published = 0;  ///< reports published on NATS
  std::uint64_t publish_failures = 0;
  std::size_t queued = 0;       ///< waiting now
};

/// A report as published: {"aura":1,"shadow":label,"event":{…},"live":{…},"candidate":{…},
/// "differences":[{field, live, candidate}…],"candidate_ns":N}.
[[nodiscard]] inline nlohmann::json shadow_record(const shadow_report& r, const std::string& label) {
  nlohmann::json diffs = nlohmann::json::array();
  for (const auto& d : r.differences) {
    diffs.push_back({{"field", d.field}, {"live", d.recorded}, {"candidate", d.replayed}});
  }
  nlohmann::json j{{"aura", 1},          {"shadow", label},       {"event", r.event},
                   {"live", r.live},     {"candidate", r.candidate}, {"differences", std::move(diffs)},
                   {"candidate_ns", r.candidate_took.count()}};
  if (!r.candidate_error.empty()) j["candidate_error"] = r.candidate_error;
  return j;
}

class shadow {
 public:
  shadow(const shadow&) = delete;
  shadow& operator=(const shadow&) = delete;
  ~shadow() { stop(std::chrono::milliseconds(2000)); }

  /// Starts the shadow thread over `candidate`, which must outlive the shadow
  /// (stop() or destruction ends its use). The candidate bus declares the
  /// events it is given, as the live bus does.
  [[nodiscard]] static result<std::unique_ptr<shadow>> start(aura::bus& candidate, shadow_options o) {
    if (o.capacity == 0) return fail(errc::invalid_argument, "capacity must be at least 1", "shadow_options::capacity");
    if (o.subject_prefix.empty()) {
      return fail(errc::invalid_argument, "the subject prefix must not be empty", "shadow_options::subject_prefix");
    }
    std::unique_ptr<shadow> s(new shadow(candidate, std::move(o)));
    s->thread_ = std::thread([raw = s.get()] { raw->run(); });
    return s;
  }

  /// Queues one live dispatch for the candidate: `before` is the event as the
  /// live bus got it, `facts` the facts it dispatched with. Never blocks on
  /// the candidate; false when the queue is full (the observation is dropped).
  bool observe(envelope<dynamic_event> before, const outcome<dynamic_event>& live, aura::facts facts = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= o_.capacity) {
      ++stats_.dropped;
      return false;
    }
    queue_.push_back(item{std::move(before), live, std::move(facts)});
    ++stats_.observed;
    work_.notify_one();
    return true;
  }

  /// Waits until every observation so far is compared (and reported); false at `timeout`.
  bool drain(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool done = idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
    lock.unlock();
    if (done && o_.publish_to) (void)natsConnection_FlushTimeout(o_.publish_to->get(), timeout.count());
    return done;
  }

  /// Drains for up to `grace`, then stops; what is still queued is dropped (counted).
  void stop(std::chrono::milliseconds grace) {
    if (!thread_.joinable()) return;
    (void)drain(grace);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      stats_.dropped += queue_.size();
      queue_.clear();
    }
    work_.notify_all();
    thread_.join();
  }

  [[nodiscard]] shadow_stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    shadow_stats s = stats_;
    s.queued = queue_.size();
    return s;
  }
  [[nodiscard]] const shadow_options& options() const noexcept { return o_; }

 private:
  struct item {
    envelope<dynamic_event> event;
    outcome<dynamic_event> live;
    aura::facts facts;
  };

  shadow(aura::bus& candidate, shadow_options o) : candidate_(candidate), o_(std::move(o)) {}

  [[nodiscard]] shadow_report compare_one(item& it) {
    shadow_report r;
    r.event = it.event;
    r.live = outcome_record(it.live);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      context ctx;
      ctx.set_facts(std::move(it.facts));
      auto now = candidate_.emit(std::move(it.event), ctx);
      r.candidate_took = std::chrono::steady_clock::now() - t0;
      r.candidate = outcome_record(now);
      r.differences = compare(r.live, now, r.event.id, r.event.name, o_.label);
    } catch (const std::exception& e) {
      r.candidate_error = std::string("the candidate's dispatch threw: ") + e.what();
    } catch (...) {
      r.candidate_error = "the candidate's dispatch threw";
    }
    if (!r.candidate_error.empty()) r.candidate_took = std::chrono::steady_clock::now() - t0;
    return r;
  }

  void report(const shadow_report& r) {
    const bool differs = !r.differences.empty() || !r.candidate_error.empty();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.compared;
      if (differs) ++stats_.differing;
    }
    if (!differs && !o_.report_agreements) return;
    if (o_.on_report) {
      try {
        o_.on_report(r);
      } catch (...) {  // the callback's failure is not the shadow's
      }
    }
    if (!o_.publish_to) return;
    const std::string body =
        shadow_record(r, o_.label).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string subject = event_subject(r.event.name, o_.subject_prefix);
    const bool ok = natsConnection_Publish(o_.publish_to->get(), subject.c_str(), body.data(),
                                           static_cast<int>(body.size())) == NATS_OK;
    std::lock_guard<std::mutex> lock(mutex_);
    ++(ok ? stats_.published : stats_.publish_failures);
  }

  void run() {
    for (;;) {
      item it;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        busy_ = false;
        idle_.notify_all();
        work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        it = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      report(compare_one(it));
    }
  }

  aura::bus& candidate_;
  shadow_options o_;
  mutable std::mutex mutex_;
  std::condition_variable work_, idle_;
  std::deque<item> queue_;
  shadow_stats stats_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

/// Dispatches `env` on the live bus, returns its outcome unchanged, and hands
/// the dispatch to `s` for the candidate (aura::nats::shadow::observe).
inline outcome<dynamic_event> emit_shadowed(aura::bus& live, shadow& s, envelope<dynamic_event> env,
                                            context& ctx = host_context()) {
  envelope<dynamic_event> before = env;
  auto out = live.emit(std::move(env), ctx);
  (void)s.observe(std::move(before), out, ctx.facts());
  return out;
}

}  // namespace aura::nats
