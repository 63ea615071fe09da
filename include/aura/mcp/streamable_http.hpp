// aura/mcp/streamable_http.hpp - the MCP Streamable HTTP transport: one
// endpoint; POST carries client messages (a request's answer comes back as
// JSON, or as an SSE stream for tools/call, with its progress on the way),
// GET opens the SSE stream of server notifications (list_changed, logs),
// DELETE ends the session. Sessions are named by Mcp-Session-Id, given in
// the answer to initialize; later requests carry MCP-Protocol-Version.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/mcp/http_server.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/server.hpp"

namespace aura::mcp {

struct http_transport_options {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0: a free port (http_transport::port says which)
  std::string path = "/mcp";
  http_limits limits;
  std::size_t max_sessions = 64;
  std::chrono::milliseconds keepalive{15000};  ///< an SSE comment this often keeps idle streams open
};

class http_transport {
 public:
  /// `srv` must outlive the transport.
  explicit http_transport(server& srv, http_transport_options opts = {})
      : srv_(srv), opts_(std::move(opts)), http_([this](const http_request& r, http_connection& c) { return handle(r, c); },
                                                 opts_.limits) {}
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;
  ~http_transport() { stop(); }

  result<void> start() { return http_.start(opts_.host, opts_.port); }
  [[nodiscard]] int port() const noexcept { return http_.port(); }

  /// Ends every stream and session and stops listening.
  void stop() {
    std::map<std::string, std::shared_ptr<http_session>> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      all = sessions_;
    }
    for (auto& [id, hs] : all) hs->shut();
    http_.stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_.clear();
    }
    for (auto& [id, hs] : all) hs->s->close();
  }

  [[nodiscard]] std::size_t sessions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.size();
  }

 private:
  /// Messages on their way to one HTTP stream.
  struct channel {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<nlohmann::json> queue;
    bool closed = false;
    void push(nlohmann::json m) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (closed) return;
        queue.push_back(std::move(m));
      }
      cv.notify_all();
    }
    void close() {
      {
        std::lock_guard<std::mutex> lock(mu);
        closed = true;
      }
      cv.notify_all();
    }
  };
  struct http_session {
    std::shared_ptr<session> s;
    std::mutex mu;
    std::map<std::string, std::shared_ptr<channel>> requests;  ///< by request id (dumped)
    std::shared_ptr<channel> events;  ///< the GET stream, if open
    void route(const nlohmann::json& m, const nlohmann::json& related) {
      std::shared_ptr<channel> to;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!related.is_null()) {
          // A request's answer and progress go on its own stream only: when
          // the client left it, they are dropped (the GET stream carries no answers).
          auto it = requests.find(related.dump());
          if (it == requests.end()) return;
          to = it->second;
        } else {
          to = events;
        }
      }
      if (to) to->push(m);  // no GET stream open: a session notification has nowhere to go and is dropped
    }
    void shut() {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [k, c] : requests) c->close();
      if (events) events->close();
    }
  };

  using headers = std::map<std::string, std::string>;

  [[nodiscard]] static std::string new_session_id() {
    unsigned char bytes[16];
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
      std::random_device rd;
      for (auto& b : bytes) b = static_cast<unsigned char>(rd());
    }
    std::string out;
    char hex[3];
    for (unsigned char b : bytes) {
      std::snprintf(hex, sizeof hex, "%02x", b);
      out += hex;
    }
    return out;
  }

  static bool json_error(http_connection& c, int status, int code, const std::string& message, headers h = {}) {
    h["Content-Type"] = "application/json";
    return c.respond(status, h, rpc::error(nullptr, code, message).dump() + "\n");
  }

  /// DNS rebinding: a browser page may POST to localhost; only a local
  /// Origin (or none: not a browser) is let in.
  [[nodiscard]] static bool origin_ok(const std::string& origin) {
    if (origin.empty()) return true;
    for (const char* ok : {"http://localhost", "http://127.0.0.1", "http://[::1]", "https://localhost", "https://127.0.0.1"}) {
      const std::string p(ok);
      if (origin.compare(0, p.size(), p) == 0 && (origin.size() == p.size() || origin[p.size()] == ':')) return true;
    }
    return false;
  }

  bool handle(const http_request& r, http_connection& c) {
    if (r.path() != opts_.path) {
      return c.respond(404, {{"Content-Type", "text/plain"}}, "no MCP endpoint at " + r.path() + " (it is " + opts_.path + ")\n");
    }
    if (!origin_ok(r.header("origin"))) {
      return c.respond(403, {{"Content-Type", "text/plain"}}, "Origin " + r.header("origin") + " is not allowed\n");
    }
    if (r.method == "POST") return post(r, c);
    if (r.method == "GET") return get(r, c);
    if (r.method == "DELETE") return remove(r, c);
    return c.respond(405, {{"Allow", "GET, POST, DELETE"}, {"Content-Type", "text/plain"}},
                     "method " + r.method + " is not served on the MCP endpoint\n");
  }

  /// The session a request names; answers the error itself when there is none.
  std::shared_ptr<http_session> session_of(const http_request& r, http_connection& c, bool& answered) {
    answered = true;
    const std::string id = r.header("mcp-session-id");
    if (id.empty()) {
      (void)json_error(c, 400, rpc::invalid_request, "bad request: no Mcp-Session-Id header (initialize first)");
      return nullptr;
    }
    std::shared_ptr<http_session> hs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = sessions_.find(id);
      if (it != sessions_.end()) hs = it->second;
    }
    if (!hs) {
      (void)json_error(c, 404, rpc::invalid_request, "session " + id + " not found (it ended, or never was)");
      return nullptr;
    }
    const std::string v = r.header("mcp-protocol-version");
    if (!v.empty() && !supports_version(v)) {
      (void)json_error(c, 400, rpc::invalid_request, "bad request: MCP-Protocol-Version \"" + v + "\" is not supported");
      return nullptr;
    }
    answered = false;
    return hs;
  }

  bool post(const http_request& r, http_connection& c) {
    const std::string ct = r.header("content-type");
    if (ct.rfind("application/json", 0) != 0) {
      return json_error(c, 415, rpc::invalid_request, "unsupported media type: POST application/json (got \"" + ct + "\")");
    }
    const std::string accept = r.header("accept");
    const bool sse_ok = accept.empty() || accept.find("text/event-stream") != std::string::npos || accept.find("*/*") != std::string::npos;
    const bool json_ok = accept.empty() || accept.find("application/json") != std::string::npos || accept.find("*/*") != std::string::npos;
    if (!sse_ok && !json_ok) {
      return json_error(c, 406, rpc::invalid_request, "not acceptable: Accept must list application/json and text/event-stream");
    }
    nlohmann::json msg = nlohmann::json::parse(r.body, nullptr, false);
    if (msg.is_discarded()) return json_error(c, 400, rpc::parse_error, "parse error: the body is not JSON");
    if (!msg.is_object()) {
      return json_error(c, 400, rpc::invalid_request, "invalid request: one JSON-RPC message per POST (batches are not part of MCP)");
    }
    const bool is_request = msg.contains("method") && msg.contains("id");
    if (is_request && !msg["id"].is_string() && !msg["id"].is_number_integer()) {
      return json_error(c, 400, rpc::invalid_request, "invalid request: \"id\" must be a string or an integer (at /id)");
    }
    std::shared_ptr<http_session> hs;
    headers extra;
    if (is_request && msg["method"] == "initialize") {
      if (!r.header("mcp-session-id").empty()) {
        return json_error(c, 400, rpc::invalid_request, "bad request: initialize starts a session; do not send Mcp-Session-Id with it");
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return json_error(c, 503, rpc::internal_error, "the server is stopping");
      if (sessions_.size() >= opts_.max_sessions) {
        return json_error(c, 503, rpc::internal_error,
                          "too many sessions (the limit is " + std::to_string(opts_.max_sessions) + "); DELETE one first");
      }
      hs = std::make_shared<http_session>();
      const std::string id = new_session_id();
      std::weak_ptr<http_session> weak = hs;
      hs->s = srv_.open(id, [weak](const nlohmann::json& m, const nlohmann::json& related) {
        if (auto h = weak.lock()) h->route(m, related);
      });
      sessions_.emplace(id, hs);
      extra["Mcp-Session-Id"] = id;
    } else {
      bool answered = false;
      hs = session_of(r, c, answered);
      if (!hs) return answered && !c.broken();
    }
    if (!is_request) {  // a notification or a response: accepted, no body
      hs->s->receive(std::move(msg));
      return c.respond(202, {}, "");
    }
    const nlohmann::json id = msg["id"];
    const bool stream = msg["method"] == "tools/call" && sse_ok;
    auto ch = std::make_shared<channel>();
    {
      std::lock_guard<std::mutex> lock(hs->mu);
      hs->requests[id.dump()] = ch;
    }
    hs->s->receive(std::move(msg));
    bool keep = stream ? stream_answer(*hs, *ch, id, c, extra) : whole_answer(*hs, *ch, id, c, extra);
    {
      std::lock_guard<std::mutex> lock(hs->mu);
      hs->requests.erase(id.dump());
    }
    return keep;
  }

  [[nodiscard]] static bool is_answer_to(const nlohmann::json& m, const nlohmann::json& id) {
    return !m.contains("method") && m.contains("id") && m["id"] == id;
  }

  /// Waits for the next message on `ch`; false when the stream must end
  /// (closed, the transport stopping, the session gone, the peer gone).
  bool next(http_session& hs, channel& ch, http_connection& c, nlohmann::json& m, bool& idle) {
    std::unique_lock<std::mutex> lock(ch.mu);
    idle = false;
    if (!ch.cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return !ch.queue.empty() || ch.closed; })) {
      lock.unlock();
      idle = true;
      return !(stopping() || hs.s->is_closed() || c.peer_closed());
    }
    if (ch.queue.empty()) return false;
    m = std::move(ch.queue.front());
    ch.queue.pop_front();
    return true;
  }

  bool whole_answer(http_session& hs, channel& ch, const nlohmann::json& id, http_connection& c, headers extra) {
    nlohmann::json m;
    bool idle = false;
    while (next(hs, ch, c, m, idle)) {
      if (idle || !is_answer_to(m, id)) continue;  // progress has no place in a JSON answer
      extra["Content-Type"] = "application/json";
      return c.respond(200, extra, m.dump() + "\n");
    }
    return false;  // the session ended or the client left before the answer
  }

  bool stream_answer(http_session& hs, channel& ch, const nlohmann::json& id, http_connection& c, headers extra) {
    extra["Content-Type"] = "text/event-stream";
    extra["Cache-Control"] = "no-cache";
    if (!c.start_stream(200, extra)) return false;
    nlohmann::json m;
    bool idle = false;
    auto last = std::chrono::steady_clock::now();
    while (next(hs, ch, c, m, idle)) {
      if (idle) {
        if (std::chrono::steady_clock::now() - last >= opts_.keepalive) {
          if (!c.chunk(": keepalive\n\n")) return false;
          last = std::chrono::steady_clock::now();
        }
        continue;
      }
      if (!c.chunk("event: message\ndata: " + m.dump() + "\n\n")) return false;  // the client left mid-call
      last = std::chrono::steady_clock::now();
      if (is_answer_to(m, id)) return c.end_stream();
    }
    (void)c.end_stream();
    return false;
  }

  bool get(const http_request& r, http_connection& c) {
    if (r.header("accept").find("text/event-stream") == std::string::npos) {
      return c.respond(405, {{"Allow", "GET, POST, DELETE"}, {"Content-Type", "text/plain"}},
                       "GET opens the server's event stream: Accept must list text/event-stream\n");
    }
    bool answered = false;
    auto hs = session_of(r, c, answered);
    if (!hs) return answered && !c.broken();
    auto ch = std::make_shared<channel>();
    {
      std::lock_guard<std::mutex> lock(hs->mu);
      if (hs->events) return json_error(c, 409, rpc::invalid_request, "the session's event stream is already open");
      hs->events = ch;
    }
    bool ok = c.start_stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
    nlohmann::json m;
    bool idle = false;
    auto last = std::chrono::steady_clock::now();
    while (ok && next(*hs, *ch, c, m, idle)) {
      if (idle) {
        if (std::chrono::steady_clock::now() - last >= opts_.keepalive) {
          ok = c.chunk(": keepalive\n\n");
          last = std::chrono::steady_clock::now();
        }
        continue;
      }
      ok = c.chunk("event: message\ndata: " + m.dump() + "\n\n");
      last = std::chrono::steady_clock::now();
    }
    {
      std::lock_guard<std::mutex> lock(hs->mu);
      if (hs->events == ch) hs->events = nullptr;
    }
    if (ok) (void)c.end_stream();
    return false;
  }

  bool remove(const http_request& r, http_connection& c) {
    bool answered = false;
    auto hs = session_of(r, c, answered);
    if (!hs) return answered && !c.broken();
    {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_.erase(r.header("mcp-session-id"));
    }
    hs->shut();
    hs->s->close();
    return c.respond(200, {{"Content-Type", "text/plain"}}, "session ended\n");
  }

  [[nodiscard]] bool stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

  server& srv_;
  http_transport_options opts_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<http_session>> sessions_;
  bool stopped_ = false;
  http_server http_;
};

}  // namespace aura::mcp
