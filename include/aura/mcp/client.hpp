// aura/mcp/client.hpp - aura as an MCP client: connects to an external MCP
// server (a stdio child process, or Streamable HTTP through the host's
// http_client, e.g. aura::net::curl_http_client) and exposes its tools in a
// tool catalog / registry as `mcp__<server>__<tool>`, the names Claude
// Code's hook matchers (`mcp__.*`) are written against, so aura's hooks
// apply to them like to any other tool. Over HTTP the client also holds the
// server's GET event stream open (its list_changed notifications and pings
// arrive there), and a cancelled call is abandoned and told to the server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/line_reader.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/mcp/detail/sse_reader.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/tool_catalog.hpp"

namespace aura::mcp {

struct client_options {
  std::string name;  ///< the server's name in tool names (mcp__<name>__<tool>)
  /// stdio: the server's command line (argv[0] the program; no shell).
  std::vector<std::string> command;
  std::optional<std::map<std::string, std::string>> env;  ///< the child's environment; none: the host's own
  /// HTTP: the endpoint URL and the client that sends (used when `url` is set).
  std::string url;
  std::shared_ptr<aura::http_client> http;
  std::chrono::milliseconds timeout{30000};  ///< per request, initialize included
  std::size_t max_message_bytes = 4u << 20;
  /// HTTP: how long the GET event stream waits before it is opened again
  /// after it ended or failed (a server that refuses it, 405, is not asked again).
  std::chrono::milliseconds reconnect_delay{1000};
};

/// `mcp__<server>__<tool>`, characters tool names may not hold made `_`.
[[nodiscard]] inline std::string mcp_tool_name(const std::string& server, const std::string& tool) {
  std::string out = "mcp__" + server + "__" + tool;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) c = '_';
  }
  return out;
}

class client {
 public:
  explicit client(client_options opts) : opts_(std::move(opts)) {}
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  ~client() { close(); }

  /// Starts the transport and runs the handshake (initialize, then
  /// notifications/initialized). An error names the server and what failed.
  result<void> connect() {
    if (opts_.url.empty()) {
      if (opts_.command.empty()) return fail(errc::invalid_argument, where() + "neither a command nor a URL to reach it by");
      posix::spawn_options so;
      so.argv = opts_.command;
      so.env = opts_.env ? *opts_.env : host_env();
      auto child = posix::spawn(so);
      if (!child) {
        error e = std::move(child.error());
        e.message = where() + e.message;
        return fail(std::move(e));
      }
      child_ = std::move(*child);
      reader_ = std::thread([this] { read_loop(); });
    } else if (!opts_.http) {
      return fail(errc::invalid_argument, where() + "an HTTP URL needs an http_client (client_options::http)");
    }
    nlohmann::json params{{"protocolVersion", latest_protocol_version},
                          {"capabilities", nlohmann::json::object()},
                          {"clientInfo", {{"name", "aura"}, {"version", "0.1.0"}}}};
    auto r = request("initialize", params, opts_.timeout);
    if (!r) return fail(std::move(r.error()));
    const std::string v = r->value("protocolVersion", "");
    if (!supports_version(v)) {
      close();
      return fail(errc::version_mismatch, where() + "it speaks MCP \"" + v + "\", which aura does not");
    }
    version_ = v;
    server_info_ = r->value("serverInfo", nlohmann::json::object());
    if (auto n = notify("notifications/initialized", nullptr); !n) return n;
    if (!opts_.url.empty()) events_ = std::thread([this] { event_stream_loop(); });
    return {};
  }

  /// Called (on the thread that read it) when the server says its tool list
  /// changed; set before connect(). It must not call back into this client
  /// on that thread: hand the work to another (aura::mcp::upstream does).
  void on_tools_changed(std::function<void()> f) { on_tools_changed_ = std::move(f); }

  /// Every tool the server lists (all pages).
  result<std::vector<nlohmann::json>> list_tools() {
    std::vector<nlohmann::json> out;
    nlohmann::json cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      nlohmann::json params = nlohmann::json::object();
      if (!cursor.is_null()) params["cursor"] = cursor;
      auto r = request("tools/list", params, opts_.timeout);
      if (!r) return fail(std::move(r.error()));
      for (const auto& t : r->value("tools", nlohmann::json::array())) out.push_back(t);
      cursor = r->value("nextCursor", nlohmann::json());
      if (cursor.is_null() || (cursor.is_string() && cursor.get<std::string>().empty())) return out;
    }
    return fail(errc::limit_exceeded, where() + "tools/list gave more than 1000 pages");
  }

  /// Calls a tool; `cancelled` set meanwhile sends notifications/cancelled
  /// and ends the wait.
  result<nlohmann::json> call_tool(const std::string& name, const nlohmann::json& args,
                                   std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                                   const std::atomic<bool>* cancelled = nullptr) {
    return request("tools/call", {{"name", name}, {"arguments", args}}, timeout.value_or(opts_.timeout), cancelled);
  }

  /// One request and its result; a JSON-RPC error is an error carrying its message.
  result<nlohmann::json> request(const std::string& method, const nlohmann::json& params, std::chrono::milliseconds timeout,
                                 const std::atomic<bool>* cancelled = nullptr) {
    const std::int64_t id = next_id_++;
    nlohmann::json msg = rpc::request(id, method, params);
    if (!opts_.url.empty()) return http_request_(msg, id, timeout, cancelled);
    auto slot = std::make_shared<pending>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dead_) return fail(errc::crashed, where() + dead_why_);
      pending_[id] = slot;
    }
    if (auto w = write_line(msg); !w) {
      forget(id);
      return fail(std::move(w.error()));
    }
    const posix::deadline until(timeout);
    std::unique_lock<std::mutex> lock(mu_);
    while (!slot->done) {
      if (until.expired()) {
        pending_.erase(id);
        lock.unlock();
        (void)notify("notifications/cancelled", {{"requestId", id}, {"reason", "timed out"}});
        return fail(errc::timeout, where() + "no answer to \"" + method + "\" within " + std::to_string(timeout.count()) + " ms");
      }
      if (cancelled && cancelled->load()) {
        pending_.erase(id);
        lock.unlock();
        (void)notify("notifications/cancelled", {{"requestId", id}, {"reason", "cancelled by aura's caller"}});
        return fail(errc::timeout, where() + "\"" + method + "\" was cancelled");
      }
      slot->cv.wait_for(lock, std::chrono::milliseconds(50));
    }
    pending_.erase(id);
    return answer_of(slot->message, method);
  }

  result<void> notify(const std::string& method, nlohmann::json params) {
    nlohmann::json msg = rpc::notification(method, std::move(params));
    if (!opts_.url.empty()) {
      auto r = http_post(msg, opts_.timeout);
      if (!r) return fail(std::move(r.error()));
      return {};
    }
    return write_line(msg);
  }

  /// Ends the connection: stdin closed (the stdio way to say goodbye), the
  /// child given a moment, then stopped; an HTTP session is DELETEd.
  void close() {
    if (!opts_.url.empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);  // under mu_: the stream's wait cannot miss it
        closing_ = true;
      }
      stream_cv_.notify_all();
      if (!session_.empty() && opts_.http) {
        aura::http_request req;
        req.method = "DELETE";
        req.url = opts_.url;
        req.headers["Mcp-Session-Id"] = session_;
        req.timeout = std::chrono::milliseconds(2000);
        (void)opts_.http->send(req);
      }
      if (events_.joinable()) events_.join();
      session_.clear();
      return;
    }
    if (child_.pid <= 0) return;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      child_.in.reset();
    }
    if (!posix::reap_until(child_.pid, posix::deadline(std::chrono::milliseconds(1000)))) {
      (void)posix::terminate(child_.pid, std::chrono::milliseconds(500));
    }
    if (reader_.joinable()) reader_.join();
    child_.pid = -1;
  }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  [[nodiscard]] const std::string& protocol_version() const noexcept { return version_; }
  [[nodiscard]] const nlohmann::json& server_info() const noexcept { return server_info_; }
  /// Set when the server said notifications/tools/list_changed: expose() again.
  [[nodiscard]] bool tools_changed() const noexcept { return tools_changed_.load(); }

 private:
  struct pending {
    std::condition_variable cv;
    nlohmann::json message;
    bool done = false;
  };

  [[nodiscard]] std::string where() const { return "MCP server \"" + opts_.name + "\": "; }

  [[nodiscard]] static std::map<std::string, std::string> host_env() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
      const std::string kv(*e);
      const auto eq = kv.find('=');
      if (eq != std::string::npos) out.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return out;
  }

  result<nlohmann::json> answer_of(const nlohmann::json& m, const std::string& method) const {
    if (auto e = m.find("error"); e != m.end()) {
      return fail(errc::hook_failed, where() + "\"" + method + "\" failed: " + e->value("message", e->dump()));
    }
    if (!m.contains("result")) return fail(errc::protocol_error, where() + "an answer to \"" + method + "\" without a result");
    return m["result"];
  }

  void forget(std::int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
  }

  result<void> write_line(const nlohmann::json& msg) {
    const std::string line = msg.dump() + "\n";
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!child_.in) return fail(errc::crashed, where() + "its stdin is closed");
    if (posix::write_all(child_.in.get(), line, posix::deadline(opts_.timeout)) != posix::write_failure::none) {
      return fail(errc::crashed, where() + "it stopped reading its stdin");
    }
    return {};
  }

  /// The reader: answers to their waiters, list_changed noted, the rest dropped.
  void read_loop() {
    posix::line_reader lines(opts_.max_message_bytes);
    char buf[65536];
    std::string why = "it exited";
    for (;;) {
      struct pollfd p[2] = {{child_.out.get(), POLLIN, 0}, {child_.err ? child_.err.get() : -1, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        why = "polling its output failed";
        break;
      }
      if (p[1].revents & (POLLIN | POLLHUP)) {
        const ssize_t n = ::read(p[1].fd, buf, sizeof buf);  // its stderr: drained, kept out of the protocol
        if (n <= 0) child_.err.reset();
      }
      if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(p[0].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      lines.feed(std::string_view(buf, static_cast<std::size_t>(n)), [&](std::string_view line) {
        on_message(line);
        return true;
      }, [&](std::size_t) { return true; });
    }
    std::lock_guard<std::mutex> lock(mu_);
    dead_ = true;
    dead_why_ = why;
    for (auto& [id, p] : pending_) {
      p->message = rpc::error(id, rpc::internal_error, "the server's connection ended (" + why + ") before it answered");
      p->done = true;
      p->cv.notify_all();
    }
  }

  void on_message(std::string_view line) {
    nlohmann::json m = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (m.is_discarded() || !m.is_object()) return;
    if (m.contains("method")) {
      on_server_message(m);
      return;
    }
    auto id = m.find("id");
    if (id == m.end() || !id->is_number_integer()) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id->get<std::int64_t>());
    if (it == pending_.end()) return;  // late: its waiter gave up
    it->second->message = std::move(m);
    it->second->done = true;
    it->second->cv.notify_all();
  }

  /// A notification or request from the server, on whichever transport it came.
  void on_server_message(const nlohmann::json& m) {
    const std::string method = m.value("method", "");
    if (method == "notifications/tools/list_changed") {
      tools_changed_ = true;
      if (on_tools_changed_) on_tools_changed_();
    }
    if (!m.contains("id")) return;
    const nlohmann::json answer = method == "ping" ? rpc::response(m["id"], nlohmann::json::object())
                                                   : rpc::error(m["id"], rpc::method_not_found, "aura's MCP client serves no \"" + method + "\"");
    if (opts_.url.empty()) {
      (void)write_line(answer);
    } else {
      (void)http_post(answer, opts_.timeout);
    }
  }

  /// HTTP: the GET event stream, held open while the client lives and opened
  /// again when it ends; a server without one (405) is not asked again.
  void event_stream_loop() {
    for (;;) {
      std::string session;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (closing_.load()) return;
        session = session_;
      }
      aura::http_request req;
      req.method = "GET";
      req.url = opts_.url;
      req.timeout = std::chrono::hours(24);  // the client's own cap ends it sooner; then it is opened again
      req.max_redirects = 0;
      req.cancel = &closing_;
      req.headers["Accept"] = "text/event-stream";
      if (!session.empty()) req.headers["Mcp-Session-Id"] = session;
      if (!version_.empty()) req.headers["MCP-Protocol-Version"] = version_;
      detail::sse_reader events(opts_.max_message_bytes);
      req.on_body = [&](std::string_view bytes) {
        return events.feed(bytes, [&](std::string_view data) { on_message(data); }) && !closing_.load();
      };
      auto r = opts_.http->send(req);
      if (r && (r->status == 405 || r->status == 404)) return;  // no stream at this server (or no session any more)
      std::unique_lock<std::mutex> lock(mu_);
      if (stream_cv_.wait_for(lock, opts_.reconnect_delay, [this] { return closing_.load(); })) return;
    }
  }

  result<aura::http_response> http_post(const nlohmann::json& msg, std::chrono::milliseconds timeout,
                                        const std::atomic<bool>* cancelled = nullptr) {
    aura::http_request req;
    req.cancel = cancelled;
    req.method = "POST";
    req.url = opts_.url;
    req.body = msg.dump();
    req.timeout = timeout;
    req.max_redirects = 0;
    req.headers["Content-Type"] = "application/json";
    req.headers["Accept"] = "application/json, text/event-stream";
    if (!session_.empty()) req.headers["Mcp-Session-Id"] = session_;
    if (!version_.empty()) req.headers["MCP-Protocol-Version"] = version_;
    auto r = opts_.http->send(req);
    if (!r) {
      error e = std::move(r.error());
      e.message = where() + e.message;
      return fail(std::move(e));
    }
    if (r->status >= 400) {
      return fail(errc::io_error, where() + "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300));
    }
    return r;
  }

  result<nlohmann::json> http_request_(const nlohmann::json& msg, std::int64_t id, std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancelled) {
    const std::string method = msg.value("method", "");
    auto r = http_post(msg, timeout, cancelled);
    if (!r) {
      // Abandoned (cancelled or out of time): the server is told, as over stdio.
      if (r.error().code == errc::timeout && method != "initialize") {
        const bool by_caller = cancelled && cancelled->load();
        (void)notify("notifications/cancelled",
                     {{"requestId", id}, {"reason", by_caller ? "cancelled by aura's caller" : "timed out"}});
        if (by_caller) return fail(errc::timeout, where() + "\"" + method + "\" was cancelled");
      }
      return fail(std::move(r.error()));
    }
    for (const auto& [k, v] : r->headers) {
      std::string lower = k;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "mcp-session-id" && session_.empty()) session_ = v;
    }
    // A JSON body, or an SSE stream whose events carry messages: the server's
    // notifications and requests on the way, then the answer.
    std::vector<nlohmann::json> messages;
    auto whole = nlohmann::json::parse(r->body, nullptr, false);
    if (!whole.is_discarded()) {
      messages.push_back(std::move(whole));
    } else {
      detail::sse_reader events(opts_.max_message_bytes);
      (void)events.feed(r->body + "\n\n", [&](std::string_view data) {
        auto j = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
        if (!j.is_discarded()) messages.push_back(std::move(j));
      });
    }
    std::optional<nlohmann::json> answer;
    for (const auto& m : messages) {
      if (!m.is_object()) continue;
      if (m.contains("method")) {
        on_server_message(m);
      } else if (!answer && m.value("id", nlohmann::json()) == id) {
        answer = m;
      }
    }
    if (answer) return answer_of(*answer, method);
    return fail(errc::protocol_error, where() + "the HTTP answer to \"" + method + "\" held no response to it");
  }



  client_options opts_;
  posix::child_process child_;
  std::thread reader_;
  std::mutex mu_;
  std::mutex write_mu_;
  std::map<std::int64_t, std::shared_ptr<pending>> pending_;
  std::atomic<std::int64_t> next_id_{1};
  bool dead_ = false;
  std::string dead_why_;
  std::string version_;
  std::string session_;
  nlohmann::json server_info_;
  std::atomic<bool> tools_changed_{false};
  std::function<void()> on_tools_changed_;
  std::thread events_;  ///< HTTP: the GET event stream
  std::condition_variable stream_cv_;
  /// Set once by close(), under mu_; also the event stream's cancel flag.
  std::atomic<bool> closing_{false};
};

/// The catalog source name of an MCP server's tools.
[[nodiscard]] inline std::string server_source(const std::string& server) { return "mcp:" + server; }

/// Lists the server's tools into the catalog as `mcp__<server>__<tool>`
/// (replacing what it had of them). `c` must outlive the catalog's use of them.
/// Returns the problems (the list failing, a collision, a bad schema).
inline std::vector<error> expose(tool_catalog& catalog, client& c) {
  auto tools = c.list_tools();
  if (!tools) return {tools.error()};
  std::vector<tool_entry> entries;
  for (const auto& t : *tools) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    const std::string original = t["name"].get<std::string>();
    tool_entry e;
    e.name = mcp_tool_name(c.name(), original);
    e.title = t.value("title", "");
    e.description = t.value("description", "");
    e.input_schema = t.value("inputSchema", nlohmann::json{{"type", "object"}});
    e.output_schema = t.value("outputSchema", nlohmann::json());
    e.annotations = t.value("annotations", nlohmann::json());
    e.owner = server_source(c.name());
    client* cp = &c;
    e.call = [cp, original](const nlohmann::json& args, const call_control& ctl) {
      return cp->call_tool(original, args, ctl.timeout, ctl.cancelled.get());
    };
    entries.push_back(std::move(e));
  }
  return catalog.set_source(server_source(c.name()), std::move(entries));
}

}  // namespace aura::mcp
