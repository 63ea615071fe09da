// aura/nats/call.hpp - one remote hook call over NATS, caller side, and the
// control messages a worker sends while it serves one.
//
// The caller publishes the wire request (docs/protocol.md's `event` params:
// {"aura": 1, "hook", "event", "config"}) on the hook's subject with a reply
// subject of its own inbox. The worker that takes it (one of the queue group)
// answers at once `{"aura_ctl":"accepted","worker":ID,"heartbeat_ms":N}`,
// then `{"aura_ctl":"working",...}` every N ms while the hook runs, then the
// final answer: a wire decision, or `{"aura_ctl":"error","code":..,"message":..}`
// when the hook failed there. So the caller tells apart:
//   - no responder (the server says so at once: nobody subscribes the subject),
//   - a lost worker (no accept, or heartbeats stop: it died or was cut off),
//   - a slow hook (heartbeats go on: the call's deadline decides).
// The caller reads its answers on a synchronous subscription of its own (a
// lane of reply_inbox), borrowed for the call.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/nats/connection.hpp"

namespace aura::nats {

/// What a control message starts with (the final answer never does).
inline constexpr std::string_view control_prefix = "{\"aura_ctl\":";

/// How one attempt of a call ended.
enum class call_end : std::uint8_t { answer, no_responders, timeout, lost };

struct call_reply {
  call_end how = call_end::answer;
  std::string body;    ///< the final answer (call_end::answer)
  std::string worker;  ///< the worker that accepted it, if one did
};

/// The caller's side of remote calls on one connection. Each call borrows a
/// lane: a synchronous subscription on `<inbox>.<lane>.*` that the calling
/// thread reads itself, so an answer goes from libnats' reader thread straight
/// to the caller (an asynchronous subscription would add a delivery thread and
/// a hand-off between them: a measurable share of a loopback round trip). A
/// lane serves one call at a time; there are as many as calls ever in flight
/// at once, and each call's reply subject carries its own token, so a late
/// answer to an earlier call on the lane is recognised and dropped.
class reply_inbox {
 public:
  reply_inbox(const reply_inbox&) = delete;
  reply_inbox& operator=(const reply_inbox&) = delete;

  [[nodiscard]] static result<std::shared_ptr<reply_inbox>> open(std::shared_ptr<connection> conn) {
    natsInbox* inbox = nullptr;
    if (auto s = natsInbox_Create(&inbox); s != NATS_OK) return fail(nats_failure(s, "natsInbox_Create"));
    std::shared_ptr<reply_inbox> self(new reply_inbox(std::move(conn), inbox));
    natsInbox_Destroy(inbox);
    auto first = self->new_lane();  // fails here, not at the first call, when the server refuses it
    if (!first) return fail(std::move(first.error()));
    self->free_.push_back(std::move(*first));
    return self;
  }
  ~reply_inbox() {
    for (auto& l : free_) l.close();
  }

  /// One attempt: publishes `payload` on `subject` and waits for the final
  /// answer until `deadline`. Before an accept arrives the worker has
  /// `accept_wait`; after it, `misses` heartbeats may be missed.
  [[nodiscard]] call_reply call(const std::string& subject, const std::string& payload,
                                std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds accept_wait,
                                unsigned misses = 4) {
    using clock = std::chrono::steady_clock;
    call_reply out;
    lane l = borrow();
    struct give_back {
      reply_inbox* self;
      lane& l;
      ~give_back() { self->give(std::move(l)); }
    } guard{this, l};
    if (l.sub == nullptr) {
      out.how = call_end::lost;  // no subscription to be had (connection closed): the caller may retry
      return out;
    }
    const std::uint64_t token = ++l.token;
    char reply[160];
    std::snprintf(reply, sizeof reply, "%s.%llu", l.prefix.c_str(), static_cast<unsigned long long>(token));
    if (natsConnection_PublishRequest(conn_->get(), subject.c_str(), reply, payload.data(),
                                      static_cast<int>(payload.size())) != NATS_OK) {
      out.how = call_end::lost;  // closed connection: as good as a lost worker (the caller may retry)
      return out;
    }
    auto live_until = std::min(deadline, clock::now() + accept_wait);
    std::chrono::milliseconds beat{0};
    for (;;) {
      const auto now = clock::now();
      if (now >= deadline) {
        out.how = call_end::timeout;
        return out;
      }
      if (now >= live_until) {
        out.how = call_end::lost;
        return out;
      }
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(std::min(deadline, live_until) - now);
      natsMsg* raw = nullptr;
      const natsStatus st = natsSubscription_NextMsg(&raw, l.sub, std::max<std::int64_t>(1, wait.count()));
      if (st == NATS_TIMEOUT || st == NATS_SLOW_CONSUMER) continue;  // (dropped messages are counted, not fatal)
      if (st == NATS_NO_RESPONDERS) {  // a sync subscription reports the server's 503 status as a status
        out.how = call_end::no_responders;
        return out;
      }
      if (st != NATS_OK) {
        out.how = call_end::lost;
        return out;
      }
      std::unique_ptr<natsMsg, void (*)(natsMsg*)> m(raw, natsMsg_Destroy);
      if (!for_token(natsMsg_GetSubject(raw), l.prefix, token)) continue;  // a late answer to an earlier call
      if (natsMsg_IsNoResponders(raw)) {
        out.how = call_end::no_responders;
        return out;
      }
      const char* data = natsMsg_GetData(raw);
      std::string_view body(data != nullptr ? data : "", static_cast<std::size_t>(natsMsg_GetDataLength(raw)));
      if (body.compare(0, control_prefix.size(), control_prefix) != 0) {
        out.how = call_end::answer;
        out.body.assign(body.data(), body.size());
        return out;
      }
      auto ctl = nlohmann::json::parse(body, nullptr, false);
      if (!ctl.is_object()) continue;
      if (ctl.value("aura_ctl", "") == "error") {
        out.how = call_end::answer;
        out.body.assign(body.data(), body.size());
        return out;
      }
      if (out.worker.empty()) out.worker = ctl.value("worker", "");
      if (auto hb = ctl.find("heartbeat_ms"); hb != ctl.end() && hb->is_number_integer()) {
        beat = std::chrono::milliseconds(std::max<long long>(1, hb->get<long long>()));
      }
      if (beat.count() > 0) live_until = clock::now() + beat * misses;
    }
  }

 private:
  struct lane {
    natsSubscription* sub = nullptr;
    std::string prefix;  ///< <inbox>.<lane number>
    std::uint64_t token = 0;
    void close() {
      if (sub == nullptr) return;
      (void)natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
      sub = nullptr;
    }
  };

  reply_inbox(std::shared_ptr<connection> conn, const char* inbox) : conn_(std::move(conn)), prefix_(inbox) {}

  [[nodiscard]] result<lane> new_lane() {
    lane l;
    l.prefix = prefix_ + "." + std::to_string(lanes_.fetch_add(1, std::memory_order_relaxed));
    const std::string subject = l.prefix + ".*";
    if (auto st = natsConnection_SubscribeSync(&l.sub, conn_->get(), subject.c_str()); st != NATS_OK) {
      error e = nats_failure(st, "cannot subscribe the reply inbox");
      e.where = subject;
      return fail(std::move(e));
    }
    return l;
  }
  [[nodiscard]] lane borrow() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        lane l = std::move(free_.back());
        free_.pop_back();
        return l;
      }
    }
    auto l = new_lane();
    return l ? std::move(*l) : lane{};
  }
  void give(lane l) {
    if (l.sub == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(l));
  }
  [[nodiscard]] static bool for_token(const char* subject, const std::string& prefix, std::uint64_t token) {
    const std::string_view s = subject != nullptr ? subject : "";
    if (s.size() <= prefix.size() + 1 || s.compare(0, prefix.size(), prefix) != 0 || s[prefix.size()] != '.') {
      return false;
    }
    std::uint64_t n = 0;
    for (char c : s.substr(prefix.size() + 1)) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n == token;
  }

  std::shared_ptr<connection> conn_;
  std::string prefix_;
  std::mutex mutex_;
  std::vector<lane> free_;
  std::atomic<std::uint64_t> lanes_{0};
};

}  // namespace aura::nats
