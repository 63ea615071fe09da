// aura/mcp/server.hpp - an MCP server over a tool catalog, transport-free.
//
// A transport (stdio.hpp, streamable_http.hpp) opens one session per client
// and feeds it JSON-RPC messages; the session answers through the sender the
// transport gave it, naming the request a message belongs to so an HTTP
// transport can put it on that request's stream.
//
// Every tools/call goes through the agent tool pipeline first (the
// tool.before_execution hooks: veto, argument mutation re-validated against
// the tool's schema), then the tool runs on a worker thread (a long call
// does not hold up ping, cancellation or other calls), then
// tool.after_execution is emitted on the bus (its hooks observe the result
// and may rewrite the text the model gets).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/catalog.hpp"
#include "aura/agent/events.hpp"
#include "aura/agent/tool_pipeline.hpp"
#include "aura/core/bus.hpp"
#include "aura/core/version.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/tool_catalog.hpp"
#include "aura/mcp/tool_result.hpp"

namespace aura::mcp {

struct server_options {
  std::string name = "aura";
  std::string version = std::string(aura::version_string);
  std::string instructions;  ///< empty: none sent
  std::size_t page_size = 50;  ///< tools per tools/list page
  std::chrono::milliseconds call_timeout{30000};  ///< a tool's own timeout_ms wins
  /// How often a call whose request carries a progressToken reports that it
  /// is still running (the tool's own progress reports come as they happen).
  std::chrono::milliseconds progress_interval{1000};
  std::size_t max_calls = 16;  ///< tool calls in flight per session; more get an error
  /// Before notifications/cancelled or a close, a call gets this long to end.
  std::chrono::milliseconds close_grace{2000};
  log_level default_log_level = log_level::warning;  ///< until the client says logging/setLevel
};

class server;

/// One client's connection: its negotiated revision, its log level, its calls.
class session : public std::enable_shared_from_this<session> {
 public:
  /// `related` is the id of the request a message belongs to (its response,
  /// its progress), or null for a message of the session as a whole.
  using sender = std::function<void(const nlohmann::json& message, const nlohmann::json& related)>;

  session(server& srv, std::string id, sender send) : srv_(&srv), id_(std::move(id)), send_(std::move(send)) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { close(); }

  /// Handles one message's text. Never throws; a bad message gets a
  /// JSON-RPC error naming what was wrong (id null when it has none).
  ///
  /// `handoff`, when given, lets a call that may take a while run on the
  /// calling thread instead of a worker: it is called first and returns
  /// true when another thread has taken over reading the client's messages
  /// (stdio.hpp), false to use a worker after all. That saves the hop to a
  /// worker and its wake-up on every call.
  void receive(std::string_view text, const std::function<bool()>* handoff = nullptr) {
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) {
      out(rpc::error(nullptr, rpc::parse_error, "parse error: the message is not JSON"), nullptr);
      return;
    }
    receive(std::move(j), handoff);
  }
  void receive(nlohmann::json j, const std::function<bool()>* handoff = nullptr);
  // Exact matches for text, so a std::string or a literal is not ambiguous
  // between the string_view and the json overloads.
  void receive(const std::string& text, const std::function<bool()>* handoff = nullptr) {
    receive(std::string_view(text), handoff);
  }
  void receive(const char* text, const std::function<bool()>* handoff = nullptr) {
    receive(std::string_view(text), handoff);
  }

  /// Ends the session: calls in flight are cancelled (their answers dropped)
  /// and their workers joined. Idempotent.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      for (auto& [key, c] : calls_) c->ctl.cancelled->store(true);
    }
    cv_.notify_all();
    work_cv_.notify_all();
    if (ticker_.joinable()) {
      if (ticker_.get_id() == std::this_thread::get_id()) {
        ticker_.detach();
      } else {
        ticker_.join();
      }
    }
    std::list<worker> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      workers.swap(workers_);
    }
    for (auto& w : workers) {
      if (!w.thread.joinable()) continue;
      // A tool that closes its own session runs on a worker: that one
      // cannot join itself, and it ends when its call returns.
      if (w.thread.get_id() == std::this_thread::get_id()) {
        w.thread.detach();
      } else {
        w.thread.join();
      }
    }
  }

  /// Waits (up to `limit`) for the calls in flight to answer: a stdio
  /// client that sends its requests and closes its end still gets them.
  void drain(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, limit, [this] { return calls_.empty() || closed_; });
  }

  [[nodiscard]] const std::string& id() const noexcept { return id_; }
  [[nodiscard]] bool initialized() const {
    std::lock_guard<std::mutex> lock(mu_);
    return initialized_;
  }
  [[nodiscard]] std::string protocol_version() const {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }
  [[nodiscard]] std::size_t calls_in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }
  [[nodiscard]] bool is_closed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

  /// A log line for this client, if at or above its level.
  void log(log_level level, const std::string& logger, const std::string& text) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_ || !initialized_ || level < level_) return;
    }
    out(rpc::notification("notifications/message",
                          {{"level", to_string(level)}, {"logger", logger}, {"data", text}}),
        nullptr);
  }
  /// Tells the client the tool list changed.
  void tools_changed() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_ || !initialized_) return;
    }
    out(rpc::notification("notifications/tools/list_changed", nullptr), nullptr);
  }

 private:
  struct call {
    nlohmann::json id;
    nlohmann::json progress_token;  ///< null: the client asked for no progress
    std::string tool;
    call_control ctl;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    double reported = 0;  ///< progress must increase
    bool done = false;
  };

  struct worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
  };

  void out(const nlohmann::json& message, const nlohmann::json& related) {
    try {
      send_(message, related);
    } catch (...) {  // a transport that failed to send: the client is gone, nothing to tell
    }
  }
  void reply(const nlohmann::json& id, nlohmann::json result) { out(rpc::response(id, std::move(result)), id); }
  void reply_error(const nlohmann::json& id, int code, std::string message) {
    out(rpc::error(id, code, std::move(message)), id);
  }

  void on_request(const nlohmann::json& id, const std::string& method, const nlohmann::json& params,
                  const std::function<bool()>* handoff);
  void on_notification(const std::string& method, const nlohmann::json& params);
  void initialize(const nlohmann::json& id, const nlohmann::json& params);
  void list_tools(const nlohmann::json& id, const nlohmann::json& params);
  void call_tool(const nlohmann::json& id, const nlohmann::json& params, const std::function<bool()>* handoff);
  struct task;
  void dispatch_locked(task t);
  void work();
  void run_call(const std::shared_ptr<call>& c, tool_catalog::entry_ptr entry, nlohmann::json args);
  void progress(call& c, double value, std::optional<double> total, const std::string& message);
  void tick();

  [[nodiscard]] static std::string key_of(const nlohmann::json& id) { return id.dump(); }

  server* srv_;
  std::string id_;
  sender send_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool initialize_seen_ = false;
  bool initialized_ = false;
  bool closed_ = false;
  std::string version_;
  log_level level_ = log_level::warning;
  std::map<std::string, std::shared_ptr<call>> calls_;
  std::list<worker> workers_;
  struct task {
    std::shared_ptr<call> c;
    tool_catalog::entry_ptr entry;
    nlohmann::json args;
  };
  std::deque<task> tasks_;
  std::size_t idle_ = 0;
  std::condition_variable work_cv_;
  std::thread ticker_;
};

/// The server: a catalog, a pipeline, a bus, and the sessions open on them.
class server {
 public:
  /// `catalog` (and `pipeline`, `bus` when given) must outlive the server.
  /// Without a pipeline the server runs its own (no hooks: schema checks only);
  /// without a bus, tool.after_execution is not emitted.
  explicit server(tool_catalog& catalog, server_options opts = {}, agent::tool_pipeline* pipeline = nullptr,
                  aura::bus* bus = nullptr)
      : catalog_(catalog), opts_(std::move(opts)), bus_(bus) {
    if (pipeline) {
      pipeline_ = pipeline;
    } else {
      own_pipeline_ = std::make_unique<agent::tool_pipeline>(catalog_.registry());
      pipeline_ = own_pipeline_.get();
    }
    listener_ = catalog_.subscribe([this] { broadcast([](session& s) { s.tools_changed(); }); });
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server() {
    catalog_.unsubscribe(listener_);
    std::vector<std::shared_ptr<session>> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& w : sessions_) {
        if (auto s = w.lock()) all.push_back(std::move(s));
      }
      sessions_.clear();
    }
    for (auto& s : all) s->close();
  }

  /// A new session; it lives as long as the transport holds it.
  [[nodiscard]] std::shared_ptr<session> open(std::string id, session::sender send) {
    auto s = std::make_shared<session>(*this, std::move(id), std::move(send));
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](const std::weak_ptr<session>& w) { return w.expired(); }),
                    sessions_.end());
    sessions_.push_back(s);
    return s;
  }

  /// Forwards a log line to every session whose level it reaches.
  void log(log_level level, const std::string& logger, const std::string& text) {
    broadcast([&](session& s) { s.log(level, logger, text); });
  }

  [[nodiscard]] tool_catalog& catalog() noexcept { return catalog_; }
  [[nodiscard]] const server_options& options() const noexcept { return opts_; }
  [[nodiscard]] agent::tool_pipeline& pipeline() noexcept { return *pipeline_; }
  [[nodiscard]] aura::bus* bus() noexcept { return bus_; }

 private:
  template <class F>
  void broadcast(F&& fn) {
    std::vector<std::shared_ptr<session>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& w : sessions_) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) fn(*s);
  }

  tool_catalog& catalog_;
  server_options opts_;
  aura::bus* bus_;
  agent::tool_pipeline* pipeline_ = nullptr;
  std::unique_ptr<agent::tool_pipeline> own_pipeline_;
  std::size_t listener_ = 0;
  std::mutex mu_;
  std::vector<std::weak_ptr<session>> sessions_;
};

// ---------------------------------------------------------------- session

inline void session::receive(nlohmann::json j, const std::function<bool()>* handoff) {
  try {
    if (j.is_array()) {
      out(rpc::error(nullptr, rpc::invalid_request, "invalid request: JSON-RPC batches are not part of MCP (send one message at a time)"),
          nullptr);
      return;
    }
    if (!j.is_object()) {
      out(rpc::error(nullptr, rpc::invalid_request, "invalid request: a message must be a JSON object"), nullptr);
      return;
    }
    const auto idp = j.find("id");
    const bool has_id = idp != j.end();
    const nlohmann::json id = has_id ? *idp : nlohmann::json();
    auto ver = j.find("jsonrpc");
    if (ver == j.end() || *ver != "2.0") {
      out(rpc::error(has_id ? id : nlohmann::json(), rpc::invalid_request, "invalid request: \"jsonrpc\" must be \"2.0\" (at /jsonrpc)"),
          nullptr);
      return;
    }
    auto m = j.find("method");
    if (m == j.end()) {
      if (j.contains("result") || j.contains("error")) return;  // an answer; this server sends no requests
      out(rpc::error(has_id ? id : nlohmann::json(), rpc::invalid_request, "invalid request: no \"method\" (at /method)"), nullptr);
      return;
    }
    if (!m->is_string()) {
      out(rpc::error(has_id ? id : nlohmann::json(), rpc::invalid_request, "invalid request: \"method\" must be a string (at /method)"),
          nullptr);
      return;
    }
    if (has_id && !id.is_string() && !id.is_number_integer()) {
      out(rpc::error(nullptr, rpc::invalid_request, "invalid request: \"id\" must be a string or an integer (at /id)"), nullptr);
      return;
    }
    const nlohmann::json params = j.value("params", nlohmann::json::object());
    if (!params.is_object()) {
      if (has_id) reply_error(id, rpc::invalid_params, "invalid params: \"params\" must be an object (at /params)");
      return;
    }
    if (has_id) {
      on_request(id, m->get<std::string>(), params, handoff);
    } else {
      on_notification(m->get<std::string>(), params);
    }
  } catch (const std::exception& e) {
    out(rpc::error(nullptr, rpc::internal_error, std::string("internal error: ") + e.what()), nullptr);
  }
}

inline void session::on_request(const nlohmann::json& id, const std::string& method, const nlohmann::json& params,
                                const std::function<bool()>* handoff) {
  if (method == "ping") return reply(id, nlohmann::json::object());
  if (method == "initialize") return initialize(id, params);
  bool ready = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready = initialize_seen_;
  }
  if (!ready) {
    return reply_error(id, rpc::invalid_request, "the session is not initialized: the first request must be \"initialize\"");
  }
  if (method == "tools/list") return list_tools(id, params);
  if (method == "tools/call") return call_tool(id, params, handoff);
  if (method == "logging/setLevel") {
    auto l = params.find("level");
    auto level = l != params.end() && l->is_string() ? parse_log_level(l->get<std::string>()) : std::nullopt;
    if (!level) {
      return reply_error(id, rpc::invalid_params,
                         "invalid params: \"level\" must be one of debug, info, notice, warning, error, critical, "
                         "alert, emergency (at /params/level)");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      level_ = *level;
    }
    return reply(id, nlohmann::json::object());
  }
  reply_error(id, rpc::method_not_found, "method not found: \"" + method + "\" (this server offers tools and logging)");
}

inline void session::on_notification(const std::string& method, const nlohmann::json& params) {
  if (method == "notifications/initialized") {
    std::lock_guard<std::mutex> lock(mu_);
    if (initialize_seen_) initialized_ = true;
    return;
  }
  if (method == "notifications/cancelled") {
    auto rid = params.find("requestId");
    if (rid == params.end()) return;
    std::shared_ptr<call> c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = calls_.find(key_of(*rid));
      if (it == calls_.end()) return;  // finished already, or never ours: ignored, as the spec says
      c = it->second;
      // Cancelled: the call's answer is never sent, and its slot is free at once.
      c->ctl.cancelled->store(true);
      calls_.erase(it);
    }
    cv_.notify_all();
    return;
  }
  // Other notifications (roots/list_changed, progress of our nothing) need no answer.
}

inline void session::initialize(const nlohmann::json& id, const nlohmann::json& params) {
  auto pv = params.find("protocolVersion");
  if (pv == params.end() || !pv->is_string()) {
    return reply_error(id, rpc::invalid_params, "invalid params: \"protocolVersion\" must be a string (at /params/protocolVersion)");
  }
  std::string version = negotiate_version(pv->get<std::string>());
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (initialize_seen_) {
      lock.unlock();
      return reply_error(id, rpc::invalid_request, "the session is already initialized (initialize is sent once)");
    }
    initialize_seen_ = true;
    version_ = version;
    level_ = srv_->options().default_log_level;
  }
  nlohmann::json result{{"protocolVersion", version},
                        {"capabilities", {{"tools", {{"listChanged", true}}}, {"logging", nlohmann::json::object()}}},
                        {"serverInfo", {{"name", srv_->options().name}, {"version", srv_->options().version}}}};
  if (!srv_->options().instructions.empty()) result["instructions"] = srv_->options().instructions;
  reply(id, std::move(result));
}


inline void session::list_tools(const nlohmann::json& id, const nlohmann::json& params) {
  std::string after;
  if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    auto name = c->is_string() ? decode_cursor(c->get<std::string>()) : std::nullopt;
    if (!name) return reply_error(id, rpc::invalid_params, "invalid params: the cursor is not one this server gave (at /params/cursor)");
    after = *name;
  }
  const auto all = srv_->catalog().list();  // by name
  const std::size_t page = srv_->options().page_size == 0 ? all.size() : srv_->options().page_size;
  nlohmann::json tools = nlohmann::json::array();
  std::size_t i = 0;
  while (i < all.size() && !after.empty() && all[i]->name <= after) ++i;
  for (; i < all.size() && tools.size() < page; ++i) tools.push_back(all[i]->listing());
  nlohmann::json result{{"tools", std::move(tools)}};
  if (i < all.size()) result["nextCursor"] = encode_cursor(all[i - 1]->name);
  reply(id, std::move(result));
}

inline void session::call_tool(const nlohmann::json& id, const nlohmann::json& params,
                               const std::function<bool()>* handoff) {
  auto n = params.find("name");
  if (n == params.end() || !n->is_string()) {
    return reply_error(id, rpc::invalid_params, "invalid params: \"name\" must be a string (at /params/name)");
  }
  nlohmann::json args = params.value("arguments", nlohmann::json::object());
  if (!args.is_object()) {
    return reply_error(id, rpc::invalid_params, "invalid params: \"arguments\" must be an object (at /params/arguments)");
  }
  auto entry = srv_->catalog().find(n->get<std::string>());
  if (!entry) return reply_error(id, rpc::invalid_params, "unknown tool: \"" + n->get<std::string>() + "\"");
  auto c = std::make_shared<call>();
  c->id = id;
  c->tool = entry->name;
  c->ctl.timeout = srv_->options().call_timeout;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto t = meta->find("progressToken"); t != meta->end() && (t->is_string() || t->is_number_integer())) {
      c->progress_token = *t;
    }
  }
  std::weak_ptr<session> weak = weak_from_this();
  call* raw = c.get();
  c->ctl.progress = [weak, raw](double value, std::optional<double> total, const std::string& message) {
    if (auto s = weak.lock()) s->progress(*raw, value, total, message);
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    if (calls_.count(key_of(id))) {
      return reply_error(id, rpc::invalid_request, "request id " + id.dump() + " is already in use by a call in flight");
    }
    if (calls_.size() >= srv_->options().max_calls) {
      return reply_error(id, rpc::internal_error,
                         "too many tool calls in flight (" + std::to_string(calls_.size()) + "; the limit is " +
                             std::to_string(srv_->options().max_calls) + ")");
    }
    calls_.emplace(key_of(id), c);
    if (!c->progress_token.is_null() && !ticker_.joinable()) ticker_ = std::thread([this] { tick(); });
    // A quick tool answers at once: it runs here (below, unlocked), as a
    // worker's wake-up would cost more than the call. Another runs here too
    // once the transport has handed its reading to another thread.
    if ((!entry->quick || !c->progress_token.is_null()) && handoff == nullptr) {
      dispatch_locked(task{c, std::move(entry), std::move(args)});
      return;
    }
  }
  if ((!entry->quick || !c->progress_token.is_null()) && !(*handoff)()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    dispatch_locked(task{c, std::move(entry), std::move(args)});
    return;
  }
  run_call(c, std::move(entry), std::move(args));
}

/// Queues a call for the workers (mu_ held): an idle one takes it, else a new one starts.
inline void session::dispatch_locked(task t) {
  tasks_.push_back(std::move(t));
  if (idle_ > 0) {
    work_cv_.notify_one();  // a worker is waiting: no thread to start
    return;
  }
  // Finished workers are joined here, so threads never pile up.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  worker w;
  auto finished = w.finished;
  w.thread = std::thread([this, finished] {
    work();
    finished->store(true);
  });
  workers_.push_back(std::move(w));
}

}  // namespace aura::mcp

#include "aura/mcp/detail/session_calls.hpp"  // session::work, run_call, progress, tick
