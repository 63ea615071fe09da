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
// One subscription per connection (`<inbox>.*`) serves every call in flight.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/nats/connection.hpp"
#include "aura/nats/subscription.hpp"

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

class reply_inbox {
 public:
  reply_inbox(const reply_inbox&) = delete;
  reply_inbox& operator=(const reply_inbox&) = delete;

  [[nodiscard]] static result<std::shared_ptr<reply_inbox>> open(std::shared_ptr<connection> conn) {
    natsInbox* inbox = nullptr;
    if (auto s = natsInbox_Create(&inbox); s != NATS_OK) return fail(nats_failure(s, "natsInbox_Create"));
    std::shared_ptr<reply_inbox> self(new reply_inbox(conn, inbox));
    natsInbox_Destroy(inbox);
    auto sub = subscription::open(conn, self->prefix_ + ".*", "", [raw = self.get()](natsMsg* m) { raw->deliver(m); });
    if (!sub) return fail(std::move(sub.error()));
    self->sub_ = std::move(*sub);
    return self;
  }
  ~reply_inbox() { sub_.reset(); }  // the handler has returned for the last time before members go

  /// One attempt: publishes `payload` on `subject` and waits for the final
  /// answer until `deadline`. Before an accept arrives the worker has
  /// `accept_wait`; after it, `misses` heartbeats may be missed.
  [[nodiscard]] call_reply call(const std::string& subject, const std::string& payload,
                                std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds accept_wait,
                                unsigned misses = 4) {
    using clock = std::chrono::steady_clock;
    const std::uint64_t token = next_.fetch_add(1, std::memory_order_relaxed);
    auto p = std::make_shared<pending>();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.emplace(token, p);
    }
    struct unregister {
      reply_inbox* self;
      std::uint64_t token;
      ~unregister() {
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->calls_.erase(token);
      }
    } guard{this, token};
    const std::string reply = prefix_ + "." + std::to_string(token);
    call_reply out;
    if (natsConnection_PublishRequest(conn_->get(), subject.c_str(), reply.c_str(), payload.data(),
                                      static_cast<int>(payload.size())) != NATS_OK) {
      out.how = call_end::lost;  // closed connection: as good as a lost worker (the caller may retry)
      return out;
    }
    auto live_until = std::min(deadline, clock::now() + accept_wait);
    std::chrono::milliseconds beat{0};
    std::unique_lock<std::mutex> lock(p->mutex);
    for (;;) {
      p->cv.wait_until(lock, std::min(deadline, live_until), [&] { return !p->messages.empty() || p->no_responders; });
      if (p->no_responders) {
        out.how = call_end::no_responders;
        return out;
      }
      while (!p->messages.empty()) {
        std::string m = std::move(p->messages.front());
        p->messages.pop_front();
        if (m.compare(0, control_prefix.size(), control_prefix) != 0) {
          out.how = call_end::answer;
          out.body = std::move(m);
          return out;
        }
        auto ctl = nlohmann::json::parse(m, nullptr, false);
        if (!ctl.is_object()) continue;
        if (ctl.value("aura_ctl", "") == "error") {
          out.how = call_end::answer;
          out.body = std::move(m);
          return out;
        }
        if (out.worker.empty()) out.worker = ctl.value("worker", "");
        if (auto hb = ctl.find("heartbeat_ms"); hb != ctl.end() && hb->is_number_integer()) {
          beat = std::chrono::milliseconds(std::max<long long>(1, hb->get<long long>()));
        }
        if (beat.count() > 0) live_until = clock::now() + beat * misses;
      }
      const auto now = clock::now();
      if (now >= deadline) {
        out.how = call_end::timeout;
        return out;
      }
      if (now >= live_until) {
        out.how = call_end::lost;
        return out;
      }
    }
  }

 private:
  struct pending {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> messages;
    bool no_responders = false;
  };

  reply_inbox(std::shared_ptr<connection> conn, const char* inbox) : conn_(std::move(conn)), prefix_(inbox) {}

  void deliver(natsMsg* m) {
    const char* subj = natsMsg_GetSubject(m);
    const std::string_view s = subj != nullptr ? subj : "";
    if (s.size() <= prefix_.size() + 1) return;
    std::uint64_t token = 0;
    for (char c : s.substr(prefix_.size() + 1)) {
      if (c < '0' || c > '9') return;
      token = token * 10 + static_cast<std::uint64_t>(c - '0');
    }
    std::shared_ptr<pending> p;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = calls_.find(token);
      if (it == calls_.end()) return;  // a late answer to a call that gave up
      p = it->second;
    }
    std::lock_guard<std::mutex> lock(p->mutex);
    if (natsMsg_IsNoResponders(m)) {
      p->no_responders = true;
    } else {
      const char* data = natsMsg_GetData(m);
      p->messages.emplace_back(data != nullptr ? data : "", static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    }
    p->cv.notify_all();
  }

  std::shared_ptr<connection> conn_;
  std::string prefix_;
  std::unique_ptr<subscription> sub_;
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<pending>> calls_;
  std::atomic<std::uint64_t> next_{1};
};

}  // namespace aura::nats
