// aura/nats/subscription.hpp - an asynchronous NATS subscription whose handler
// is a std::function, and whose end waits until the handler has returned for
// the last time (natsSubscription_SetOnCompleteCB): what the handler uses may
// be freed as soon as the subscription is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <nats/nats.h>

#include "aura/core/error.hpp"
#include "aura/nats/connection.hpp"

namespace aura::nats {

/// Gets each message; the message is destroyed after the handler returns.
using message_handler = std::function<void(natsMsg*)>;

class subscription {
 public:
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { close(); }

  /// Subscribes `subject` (in `queue`'s group when not empty).
  [[nodiscard]] static result<std::unique_ptr<subscription>> open(std::shared_ptr<connection> conn,
                                                                  const std::string& subject, const std::string& queue,
                                                                  message_handler handler) {
    std::unique_ptr<subscription> s(new subscription(std::move(conn), std::move(handler)));
    natsStatus st = queue.empty()
        ? natsConnection_Subscribe(&s->sub_, s->conn_->get(), subject.c_str(), &subscription::deliver, s.get())
        : natsConnection_QueueSubscribe(&s->sub_, s->conn_->get(), subject.c_str(), queue.c_str(),
                                        &subscription::deliver, s.get());
    if (st != NATS_OK) {
      error e = nats_failure(st, "cannot subscribe");
      e.where = subject;
      s->sub_ = nullptr;
      return fail(std::move(e));
    }
    (void)natsSubscription_SetOnCompleteCB(s->sub_, &subscription::completed, s.get());
    // A subscription nobody drains must not hold the whole backlog: past these
    // limits the library drops and counts (dropped()).
    (void)natsSubscription_SetPendingLimits(s->sub_, 65536, 64 * 1024 * 1024);
    return s;
  }

  /// How much may wait for the handler (messages, bytes) before the library
  /// drops what arrives and counts it: a smaller bound for a consumer that
  /// would rather lose messages than memory.
  [[nodiscard]] bool limit_pending(int messages, int bytes) {
    return sub_ != nullptr && natsSubscription_SetPendingLimits(sub_, messages, bytes) == NATS_OK;
  }

  /// Messages the library dropped because the handler fell behind (a slow consumer).
  [[nodiscard]] std::int64_t dropped() const {
    std::int64_t n = 0;
    if (sub_ != nullptr) (void)natsSubscription_GetDropped(sub_, &n);
    return n;
  }

  /// Unsubscribes and waits (bounded) for the handler's last return.
  void close() {
    if (sub_ == nullptr) return;
    awaiting_ = natsSubscription_Unsubscribe(sub_) == NATS_OK;
    (void)wait_done(std::chrono::seconds(5));
    natsSubscription_Destroy(sub_);
    sub_ = nullptr;
  }

  /// After close(): waits up to `limit` for the handler's last return; true
  /// once it has returned (or nothing is owed). Whoever frees the subscription
  /// after a handler that outlived close()'s wait asks this first.
  [[nodiscard]] bool wait_done(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !awaiting_ || cv_.wait_for(lock, limit, [&] { return done_; });
  }

 private:
  subscription(std::shared_ptr<connection> conn, message_handler handler)
      : conn_(std::move(conn)), handler_(std::move(handler)) {}

  static void deliver(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<subscription*>(closure);
    try {
      self->handler_(msg);
    } catch (...) {  // a handler's failure must not unwind into libnats' thread
    }
    natsMsg_Destroy(msg);
  }
  static void completed(void* closure) {
    auto* self = static_cast<subscription*>(closure);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->done_ = true;
    self->cv_.notify_all();
  }

  std::shared_ptr<connection> conn_;
  message_handler handler_;
  natsSubscription* sub_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool awaiting_ = false;  ///< unsubscribed while open: libnats owes the completion callback
};

}  // namespace aura::nats
