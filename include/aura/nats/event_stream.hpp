// aura/nats/event_stream.hpp - every event and its outcome, published to
// JetStream for the systems that watch the fleet.
//
// A host hands each dispatch to `record` (or dispatches with `emit_recorded`):
// the envelope and the outcome (verdict, reason, denied_by, final data,
// effects, trail with timings, diagnostics) are queued, and one publisher
// thread serialises them and publishes each on `aura.events.<event name>`
// with the event id as `Nats-Msg-Id`, so JetStream stores each id once within
// the stream's duplicate window however often a retry sends it.
//
// Publishing is asynchronous and batched (js_PublishAsync, then one wait for
// the batch's acks). A batch that is not acknowledged in full - the server
// restarted, the connection is reconnecting - is sent again, whole, until it
// is: the ids make the resend harmless. The buffer is bounded (`capacity`);
// when it is full `when_full` decides:
//   block - record() waits for room, at most `block_timeout`, then drops (counted);
//   drop  - the new record is dropped and counted (stats().dropped);
//   spill - the record is appended to `spill_file` (one JSON line each) and
//           published from there once the buffer has drained; a spill file
//           left by an earlier run is published at start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/bus.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/outcome.hpp"
#include "aura/nats/connection.hpp"
#include "aura/nats/subjects.hpp"

namespace aura::nats {

enum class full_policy : std::uint8_t { block, drop, spill };

[[nodiscard]] constexpr std::string_view to_string(full_policy p) noexcept {
  switch (p) {
    case full_policy::block: return "block";
    case full_policy::drop: return "drop";
    case full_policy::spill: return "spill";
  }
  return "drop";
}

struct stream_options {
  connection_options connection;
  std::string stream = "AURA_EVENTS";          ///< the JetStream stream (made when missing)
  std::string subject_prefix = "aura.events";  ///< subjects are <prefix>.<event name>
  bool create_stream = true;                   ///< add the stream (file storage) when it is missing
  std::chrono::milliseconds duplicate_window{120000};
  std::size_t capacity = 65536;                ///< records buffered in memory
  full_policy when_full = full_policy::drop;
  std::chrono::milliseconds block_timeout{1000};  ///< full_policy::block: the longest record() waits
  std::filesystem::path spill_file;            ///< full_policy::spill: required
  std::size_t batch = 512;                     ///< records per batch
  std::chrono::milliseconds ack_wait{2000};    ///< a batch's acks, before it is sent again
  bool autostart = true;                       ///< false: nothing is published until start()
};

struct stream_stats {
  std::uint64_t recorded = 0;    ///< records accepted (buffered or spilled)
  std::uint64_t published = 0;   ///< acknowledged by JetStream as new
  std::uint64_t duplicates = 0;  ///< acknowledged as duplicates (a resend, or an id seen before)
  std::uint64_t dropped = 0;     ///< refused: buffer full (drop, or block past its timeout)
  std::uint64_t spilled = 0;     ///< written to the spill file
  std::uint64_t resent = 0;      ///< batches sent again after a failure
  std::size_t buffered = 0;      ///< in memory now
};

/// An outcome as the stream publishes it (the record's "outcome" object).
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json outcome_record(const outcome<dynamic_event>& out) {
  Json trail = Json::array();
  for (const auto& t : out.trail) {
    trail.push_back(Json{{"hook", t.hook}, {"plugin", t.plugin}, {"decision", to_string(t.kind)},
                         {"failed", t.failed}, {"duration_ns", t.duration.count()}});
  }
  Json diagnostics = Json::array();
  for (const auto& d : out.diagnostics) diagnostics.push_back(d.describe());
  return Json{{"verdict", to_string(out.verdict)},
              {"reason", out.reason},
              {"denied_by", out.denied_by},
              {"data", out.data},
              {"effects", out.effects},
              {"trail", std::move(trail)},
              {"diagnostics", std::move(diagnostics)}};
}

/// The record of one dispatch, as published.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json event_record(const envelope<dynamic_event>& env, const outcome<dynamic_event>& out,
                                          std::chrono::nanoseconds took = {}) {
  return Json{{"aura", 1},
              {"event", env},
              {"outcome", outcome_record<Json>(out)},
              {"timings", {{"dispatch_ns", took.count()}}}};
}

namespace detail {

/// `text` as a JSON string: copied as it is when it is plain printable ASCII
/// (ids, names, most reasons), else through nlohmann (escapes, invalid UTF-8 replaced).
inline void append_json_string(std::string& out, std::string_view text) {
  bool plain = true;
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}
inline void append_json(std::string& out, const nlohmann::json& j) {
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace detail

/// event_record(env, out, took) as published, written straight to text: the
/// publisher's hot path. Building the nlohmann tree first (a node and a key
/// per member, copies of data and effects) cost most of the publisher's time.
[[nodiscard]] inline std::string event_record_text(const envelope<dynamic_event>& env,
                                                   const outcome<dynamic_event>& out,
                                                   std::chrono::nanoseconds took = {}) {
  using detail::append_json;
  using detail::append_json_string;
  std::string s;
  s.reserve(384 + env.data.size() * 16);
  s += "{\"aura\":1,\"event\":{\"id\":";
  append_json_string(s, env.id);
  s += ",\"name\":";
  append_json_string(s, env.name);
  s += ",\"time\":";
  append_json_string(s, format_time(env.time));
  s += ",\"source\":";
  append_json_string(s, env.source);
  s += ",\"session\":";
  append_json_string(s, env.session);
  s += ",\"data\":";
  append_json(s, env.data);
  s += ",\"meta\":";
  if (env.meta.is_null()) s += "{}";
  else append_json(s, env.meta);
  s += "},\"outcome\":{\"verdict\":";
  append_json_string(s, to_string(out.verdict));
  s += ",\"reason\":";
  append_json_string(s, out.reason);
  s += ",\"denied_by\":";
  append_json_string(s, out.denied_by);
  s += ",\"data\":";
  append_json(s, out.data);
  s += ",\"effects\":";
  append_json(s, out.effects);
  s += ",\"trail\":[";
  for (std::size_t i = 0; i < out.trail.size(); ++i) {
    const auto& t = out.trail[i];
    s += i ? ",{\"hook\":" : "{\"hook\":";
    append_json_string(s, t.hook);
    s += ",\"plugin\":";
    append_json_string(s, t.plugin);
    s += ",\"decision\":";
    append_json_string(s, to_string(t.kind));
    s += t.failed ? ",\"failed\":true,\"duration_ns\":" : ",\"failed\":false,\"duration_ns\":";
    s += std::to_string(t.duration.count());
    s += '}';
  }
  s += "],\"diagnostics\":[";
  for (std::size_t i = 0; i < out.diagnostics.size(); ++i) {
    if (i) s += ',';
    append_json_string(s, out.diagnostics[i].describe());
  }
  s += "]},\"timings\":{\"dispatch_ns\":";
  s += std::to_string(took.count());
  s += "}}";
  return s;
}

class event_stream {
 public:
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;
  ~event_stream() { stop(std::chrono::milliseconds(2000)); }

  /// Connects, makes the stream if asked, starts publishing (unless !autostart).
  [[nodiscard]] static result<std::unique_ptr<event_stream>> open(stream_options o) {
    if (o.when_full == full_policy::spill && o.spill_file.empty()) {
      return fail(errc::invalid_argument, "the spill policy needs a spill_file", "stream_options::spill_file");
    }
    if (o.capacity == 0) return fail(errc::invalid_argument, "capacity must be at least 1", "stream_options::capacity");
    if (o.batch == 0) o.batch = 1;
    std::unique_ptr<event_stream> s(new event_stream(std::move(o)));
    connection_options batched = s->o_.connection;
    batched.send_asap = false;  // the publisher batches; libnats' flusher may too
    auto conn = connection::open(batched);
    if (!conn) return fail(std::move(conn.error()));
    s->conn_ = std::move(*conn);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = s->o_.ack_wait.count();
    jo.PublishAsync.MaxPending = static_cast<int64_t>(s->o_.batch) * 2;
    jo.PublishAsync.AckHandler = &event_stream::acked;
    jo.PublishAsync.AckHandlerClosure = s.get();
    if (auto st = natsConnection_JetStream(&s->js_, s->conn_->get(), &jo); st != NATS_OK) {
      return fail(nats_failure(st, "cannot open a JetStream context"));
    }
    if (s->o_.create_stream) {
      if (auto r = s->ensure_stream(); !r) return fail(std::move(r.error()));
    }
    if (s->o_.autostart) s->start();
    return s;
  }

  /// Queues one dispatch; false if it was dropped (the buffer full).
  bool record(envelope<dynamic_event> env, outcome<dynamic_event> out, std::chrono::nanoseconds took = {}) {
    item it{std::move(env), std::move(out), took};
    std::unique_lock<std::mutex> lock(mutex_);
    if (queue_.size() >= o_.capacity) {
      switch (o_.when_full) {
        case full_policy::drop:
          ++stats_.dropped;
          return false;
        case full_policy::block:
          if (!room_.wait_for(lock, o_.block_timeout, [&] { return queue_.size() < o_.capacity || stopping_; }) ||
              stopping_) {
            ++stats_.dropped;
            return false;
          }
          break;
        case full_policy::spill: {
          const std::string line = event_record_text(it.env, it.out, it.took);
          std::lock_guard<std::mutex> spill_lock(spill_mutex_);
          std::ofstream f(o_.spill_file, std::ios::app);
          f << line << '\n';
          if (!f) {
            ++stats_.dropped;
            return false;
          }
          ++stats_.spilled;
          ++stats_.recorded;
          spill_pending_ = true;
          work_.notify_one();
          return true;
        }
      }
    }
    queue_.push_back(std::move(it));
    ++stats_.recorded;
    work_.notify_one();
    return true;
  }

  /// Starts the publisher (once).
  void start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (publisher_.joinable() || stopping_) return;
    std::error_code ec;
    if (!o_.spill_file.empty() && std::filesystem::exists(o_.spill_file, ec)) spill_pending_ = true;
    publisher_ = std::thread([this] { run(); });
  }

  /// Waits until everything recorded so far is acknowledged; false at `timeout`.
  bool flush(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !spill_pending_ && !busy_; });
  }

  /// Flushes for up to `grace`, then stops the publisher (what is left stays in the spill file, if any).
  void stop(std::chrono::milliseconds grace) {
    if (publisher_.joinable()) (void)flush(grace);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
    room_.notify_all();
    if (publisher_.joinable()) publisher_.join();
    if (!o_.spill_file.empty()) {  // what is still buffered waits in the spill file for the next run
      std::lock_guard<std::mutex> lock(mutex_);
      std::ofstream f(o_.spill_file, std::ios::app);
      for (const auto& it : queue_) {
        f << event_record_text(it.env, it.out, it.took) << '\n';
      }
      queue_.clear();
    }
    if (js_ != nullptr) {
      jsCtx_Destroy(js_);
      js_ = nullptr;
    }
  }

  [[nodiscard]] stream_stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    stream_stats s = stats_;
    s.buffered = queue_.size();
    s.published = published_.load();
    s.duplicates = duplicates_.load();
    return s;
  }
  [[nodiscard]] const stream_options& options() const noexcept { return o_; }
  [[nodiscard]] const std::shared_ptr<connection>& conn() const noexcept { return conn_; }

 private:
  struct item {
    envelope<dynamic_event> env;
    outcome<dynamic_event> out;
    std::chrono::nanoseconds took{0};
  };
  struct wire_item {
    std::string subject;
    std::string id;
    std::string body;
  };

  explicit event_stream(stream_options o) : o_(std::move(o)) {}

  result<void> ensure_stream() {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    if (js_GetStreamInfo(&si, js_, o_.stream.c_str(), nullptr, &jerr) == NATS_OK) {
      jsStreamInfo_Destroy(si);
      return {};
    }
    const std::string subjects = o_.subject_prefix + ".>";
    const char* list[] = {subjects.c_str()};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = o_.stream.c_str();
    cfg.Subjects = list;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(o_.duplicate_window).count();
    if (auto st = js_AddStream(&si, js_, &cfg, nullptr, &jerr); st != NATS_OK) {
      error e = nats_failure(st, "cannot create the JetStream stream " + o_.stream + " (is JetStream enabled: -js?)");
      e.where = subjects;
      return fail(std::move(e));
    }
    jsStreamInfo_Destroy(si);
    return {};
  }

  static void acked(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<event_stream*>(closure);
    if (pa != nullptr && pae == nullptr) {
      (pa->Duplicate ? self->duplicates_ : self->published_).fetch_add(1, std::memory_order_relaxed);
    } else {
      self->batch_errors_.fetch_add(1, std::memory_order_relaxed);
    }
    natsMsg_Destroy(msg);
    std::lock_guard<std::mutex> lock(self->ack_mutex_);
    ++self->batch_acks_;
    self->ack_cv_.notify_all();
  }

  [[nodiscard]] static wire_item to_wire(const item& it, const std::string& prefix) {
    return wire_item{event_subject(it.env.name, prefix), it.env.id, event_record_text(it.env, it.out, it.took)};
  }

  /// Publishes one batch asynchronously (js_PublishAsync); returns how many went out.
  std::size_t publish_batch(const std::vector<wire_item>& batch) {
    {
      std::lock_guard<std::mutex> lock(ack_mutex_);
      batch_acks_ = 0;
    }
    batch_errors_.store(0);
    std::size_t sent = 0;
    for (const auto& w : batch) {
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = w.id.c_str();
      if (js_PublishAsync(js_, w.subject.c_str(), w.body.data(), static_cast<int>(w.body.size()), &po) != NATS_OK) {
        break;
      }
      ++sent;
    }
    return sent;
  }

  /// Waits for the acks of the batch in flight; true when JetStream took all of it.
  bool settled(const std::vector<wire_item>& batch, std::size_t sent) {
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = o_.ack_wait.count();
    const bool complete = js_PublishAsyncComplete(js_, &wait) == NATS_OK;
    if (!complete) {  // what is still pending will be sent again, not waited for again
      natsMsgList pending{nullptr, 0};
      if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) natsMsgList_Destroy(&pending);
    }
    std::unique_lock<std::mutex> lock(ack_mutex_);
    // The ack handler may run just after the completion wait returns.
    const bool all = ack_cv_.wait_for(lock, std::chrono::milliseconds(complete ? 500 : 0),
                                      [&] { return batch_acks_ >= sent; });
    return complete && all && sent == batch.size() && batch_errors_.load() == 0;
  }

  /// Sends `batch` again until JetStream acknowledges all of it (or stopping).
  void confirm(const std::vector<wire_item>& batch, std::size_t sent) {
    while (!settled(batch, sent)) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.resent;
        if (stopping_) return;  // stop() gave up waiting: the batch is lost, not spilled twice
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // back off before a resend
      sent = publish_batch(batch);
    }
  }

  void send(const std::vector<wire_item>& batch) { confirm(batch, publish_batch(batch)); }

  void publish_spill() {
    std::filesystem::path sending = o_.spill_file;
    sending += ".sending";
    {
      std::lock_guard<std::mutex> state(mutex_);  // the order record() takes them in
      std::lock_guard<std::mutex> lock(spill_mutex_);
      std::error_code ec;
      if (!std::filesystem::exists(sending, ec)) std::filesystem::rename(o_.spill_file, sending, ec);
      spill_pending_ = false;
    }
    std::ifstream in(sending);
    std::vector<wire_item> batch;
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("event") || !j["event"].is_object()) continue;  // a torn last line
      const auto& ev = j["event"];
      batch.push_back(wire_item{event_subject(ev.value("name", "unnamed"), o_.subject_prefix), ev.value("id", ""),
                                std::move(line)});
      if (batch.size() >= o_.batch) {
        send(batch);
        batch.clear();
      }
    }
    if (!batch.empty()) send(batch);
    in.close();
    std::lock_guard<std::mutex> state(mutex_);
    if (!stopping_) {
      std::error_code ec;
      std::filesystem::remove(sending, ec);
    }
  }

  // One batch is in flight while the next is taken and serialised: the
  // server stores one while the publisher prepares the other (on a machine
  // of few cores, the difference between waiting and working). Its acks are
  // confirmed before the next goes out, so a resend is always of one batch.
  void run() {
    std::vector<item> taken;
    std::vector<wire_item> next, inflight;
    std::size_t inflight_sent = 0;
    for (;;) {
      bool spill = false;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (inflight.empty()) {
          busy_ = false;
          idle_.notify_all();
          work_.wait(lock, [&] { return stopping_ || !queue_.empty() || spill_pending_; });
        }
        if (stopping_) return;
        busy_ = true;
        taken.clear();
        while (!queue_.empty() && taken.size() < o_.batch) {
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        spill = taken.empty() && spill_pending_;
      }
      room_.notify_all();
      next.clear();
      for (const auto& it : taken) next.push_back(to_wire(it, o_.subject_prefix));
      if (!inflight.empty()) {
        confirm(inflight, inflight_sent);
        inflight.clear();
      }
      if (spill) {
        publish_spill();
        continue;
      }
      if (!next.empty()) {
        std::swap(inflight, next);
        inflight_sent = publish_batch(inflight);
      }
    }
  }

  stream_options o_;
  std::shared_ptr<connection> conn_;
  jsCtx* js_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable work_, room_, idle_;
  std::deque<item> queue_;
  stream_stats stats_;
  bool stopping_ = false;
  bool busy_ = false;
  bool spill_pending_ = false;
  std::mutex spill_mutex_;
  std::thread publisher_;
  std::mutex ack_mutex_;
  std::condition_variable ack_cv_;
  std::size_t batch_acks_ = 0;
  std::atomic<std::uint64_t> batch_errors_{0}, published_{0}, duplicates_{0};
};

/// Dispatches `env` on `bus` and records the dispatch in `stream`: the bus
/// with its event stream. The outcome is returned as the bus gave it.
inline outcome<dynamic_event> emit_recorded(aura::bus& bus, event_stream& stream, envelope<dynamic_event> env,
                                            context& ctx = host_context()) {
  const auto t0 = std::chrono::steady_clock::now();
  envelope<dynamic_event> copy = env;
  auto out = bus.emit(std::move(env), ctx);
  const auto took = std::chrono::steady_clock::now() - t0;
  (void)stream.record(std::move(copy), out, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
  return out;
}

}  // namespace aura::nats
