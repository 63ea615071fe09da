// aura/adapters/isolated/plugin.hpp - a Lua or WASM plugin run in worker
// processes (aura-worker) instead of in the host: the host enforces every
// deadline from outside and every capability the guest asks for.
//
//   aura::isolated_options o{"guard", "lua", "plugins/guard/guard.lua"};
//   o.ctx = ctx;
//   auto plugin = aura::isolated_plugin::load(std::move(o));
//   bus.on("intent.before_log", "guard", (*plugin)->hook("on_intent"));
//
// Each call goes to one worker of a small pool (isolation_limits::max_workers;
// further concurrent calls wait for a worker until their deadline). A call
// returns by its deadline + isolation_limits::kill_margin (+ the time to
// SIGKILL and reap) whatever the guest does; a worker that missed it, died,
// wrote garbage or an overlong line, or flooded the host is killed and a new
// one started on the next call after a back-off. docs/adapters/isolated.md.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/isolated/options.hpp"
#include "aura/adapters/isolated/protocol.hpp"
#include "aura/adapters/isolated/worker_process.hpp"
#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/adapters/wasm/request.hpp"  // JSON only: no WABT (the host side needs no runtime)
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/core/wire.hpp"

namespace aura {

/// How an isolated plugin is loaded.
struct isolated_options {
  std::string name;                 ///< the plugin's name (errors, logs)
  std::string runtime;              ///< "lua" or "wasm"
  std::filesystem::path file;       ///< the script or module
  nlohmann::json limits;            ///< the runtime's limits (as in a manifest's runtime.limits); null = defaults
  isolation_limits isolation;       ///< the worker's bounds
  std::filesystem::path worker;     ///< the worker executable; empty: see isolated::find_worker
  std::shared_ptr<context> ctx;     ///< the plugin's own context; null: the context passed at dispatch
  std::map<std::string, std::string> env;    ///< variables the guest's os.getenv may see
  std::shared_ptr<logger> log = std::make_shared<stderr_logger>();  ///< the host's notes (no seccomp, ...)
};

class isolated_plugin : public std::enable_shared_from_this<isolated_plugin> {
 public:
  /// Starts one worker and loads the plugin in it: a script that does not
  /// compile, a missing worker or a worker that cannot start is a load error here.
  [[nodiscard]] static result<std::shared_ptr<isolated_plugin>> load(isolated_options o) {
    if (o.runtime != "lua" && o.runtime != "wasm") {
      return fail(error{errc::invalid_argument, "isolated runtime must be \"lua\" or \"wasm\", not \"" + o.runtime + "\"",
                        o.name, {}, {}});
    }
    auto exe = isolated::find_worker(o.worker);
    if (!exe) return fail(std::move(exe.error()).with_plugin(o.name));
    std::error_code ec;
    auto abs = std::filesystem::absolute(o.file, ec);
    if (!ec) o.file = abs;
    if (o.name.empty()) o.name = o.file.stem().string();
    std::shared_ptr<isolated_plugin> self(new isolated_plugin(std::move(o), std::move(*exe)));
    const posix::deadline until(self->opts_.isolation.load_timeout);
    auto first = self->start_worker(until);
    if (!first) return fail(std::move(first.error()).with_plugin(self->opts_.name));
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->idle_.push_back(std::move(*first));
      self->live_ = 1;
    }
    if (!self->seccomp_) {
      self->opts_.log->write(log_level::warn, self->opts_.name,
                             "isolated worker runs WITHOUT a seccomp syscall filter (aura-worker was built without "
                             "libseccomp): only rlimits bound it");
    }
    return self;
  }

  isolated_plugin(const isolated_plugin&) = delete;
  isolated_plugin& operator=(const isolated_plugin&) = delete;
  ~isolated_plugin() { stop(); }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  [[nodiscard]] const std::filesystem::path& worker_path() const noexcept { return exe_; }
  /// The Lua script's handlers (sorted); empty for WASM.
  [[nodiscard]] const std::vector<std::string>& handlers() const noexcept { return handlers_; }
  /// Whether the worker installed its seccomp filter.
  [[nodiscard]] bool seccomp() const noexcept { return seccomp_; }
  /// Workers started so far, including the first (restarts = this - 1 - pool growth).
  [[nodiscard]] std::uint64_t workers_started() const noexcept { return started_.load(); }
  /// Workers the host killed or found dead.
  [[nodiscard]] std::uint64_t workers_lost() const noexcept { return lost_.load(); }
  /// Process ids of the workers alive now (tests look for orphans).
  [[nodiscard]] std::vector<pid_t> worker_pids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<pid_t> out;
    for (const auto& w : idle_) out.push_back(w->pid());
    return out;
  }

  /// A json_hook calling `handler`; `timeout` (a hook's timeout_ms) replaces
  /// the runtime's own when not zero. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    return [self = shared_from_this(), handler = std::move(handler), timeout](const envelope<dynamic_event>& event,
                                                                              context& ctx) {
      return self->call(handler, event, ctx, timeout);
    };
  }

  /// Runs `handler` in a worker. Never throws; every failure names plugin and hook.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx,
                                                     std::chrono::milliseconds timeout = {}) noexcept {
    try {
      auto r = call_unnamed(handler, event, opts_.ctx ? *opts_.ctx : dispatch_ctx, timeout, &dispatch_ctx.task_env());
      if (!r) return fail(std::move(r.error()).with_plugin(opts_.name).with_hook(handler));
      return r;
    } catch (const std::exception& ex) {
      return fail(error{errc::hook_failed, std::string("isolated adapter: ") + ex.what(), opts_.name, handler, {}});
    } catch (...) {
      return fail(error{errc::hook_failed, "isolated adapter: unknown exception", opts_.name, handler, {}});
    }
  }

  /// Kills every idle worker now and any busy one when its call returns.
  void stop() noexcept {
    std::vector<std::unique_ptr<isolated::worker_process>> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      doomed.swap(idle_);
      live_ -= doomed.size();
    }
    cv_.notify_all();
    for (auto& w : doomed) w->kill();
  }

  /// The deadline a call of this plugin gets when its hook gives none.
  [[nodiscard]] std::chrono::milliseconds runtime_timeout() const noexcept { return runtime_timeout_; }

 private:
  using worker_ptr = std::unique_ptr<isolated::worker_process>;

  isolated_plugin(isolated_options o, std::filesystem::path exe) : opts_(std::move(o)), exe_(std::move(exe)) {
    const char* key = opts_.runtime == "lua" ? "timeout_ms" : "deadline_ms";
    // the runtimes' own defaults (lua_limits::timeout and wasm_limits::deadline:
    // 2 s each), so the host's deadline is the one the worker applies inside
    std::int64_t ms = 2000;
    if (opts_.limits.is_object()) {
      if (auto it = opts_.limits.find(key); it != opts_.limits.end() && it->is_number_integer() && *it >= 0) {
        ms = it->get<std::int64_t>();
      }
    }
    runtime_timeout_ = ms > 0 ? std::chrono::milliseconds(ms) : opts_.isolation.default_timeout;
  }

  /// One worker, started and initialised (the plugin loaded in it).
  [[nodiscard]] result<worker_ptr> start_worker(const posix::deadline& until) {
    auto w = isolated::worker_process::start(exe_, opts_.isolation.max_line);
    if (!w) return fail(std::move(w.error()));
    started_.fetch_add(1);
    const auto& iso = opts_.isolation;
    nlohmann::json params{{"protocol", isolated::protocol_version},
                          {"runtime", opts_.runtime},
                          {"name", opts_.name},
                          {"file", opts_.file.string()},
                          {"limits", opts_.limits.is_null() ? nlohmann::json::object() : opts_.limits},
                          {"perms", isolated::to_wire(opts_.ctx ? opts_.ctx->perms() : permissions{})},
                          {"env", opts_.env},
                          {"rlimits",
                           {{"address_space", iso.address_space},
                            {"cpu_seconds", iso.cpu_seconds},
                            {"open_files", iso.open_files}}}};
    if (auto s = (*w)->send(jsonrpc::request_line(0, "init", params), until); !s) return fail(worker_failure(**w, s.error()));
    auto line = (*w)->next_line(until);
    if (!line) return fail(worker_failure(**w, line.error()));
    auto m = decode_line(*line);
    if (!m) return fail(std::move(m.error()));
    if (m->kind == jsonrpc::message_kind::error_response) {
      error e = isolated::error_from(*m);
      if (e.code == errc::hook_failed) e.code = errc::load_error;
      return fail(std::move(e));
    }
    if (m->kind != jsonrpc::message_kind::response || !m->result.is_object()) {
      return fail(errc::protocol_error, "the worker answered init with " + wire::quote(*line));
    }
    const bool filtered = m->result.value("seccomp", false);
    std::lock_guard<std::mutex> lock(mutex_);
    seccomp_ = filtered;
    if (handlers_.empty()) {
      if (auto h = m->result.find("handlers"); h != m->result.end() && h->is_array()) {
        for (const auto& x : *h) {
          if (x.is_string()) handlers_.push_back(x.get<std::string>());
        }
      }
    }
    return std::move(*w);
  }

  /// A worker failure, with its stderr tail when it died.
  [[nodiscard]] static error worker_failure(isolated::worker_process& w, error e) {
    if (e.code != errc::crashed) w.kill();
    return e;
  }

  [[nodiscard]] result<jsonrpc::message> decode_line(const std::string& line) const {
    if (isolated::json_nesting(line) > opts_.isolation.max_json_depth) {
      return fail(errc::limit_exceeded, "the worker wrote JSON nested deeper than " +
                                            std::to_string(opts_.isolation.max_json_depth) + " levels");
    }
    auto m = jsonrpc::decode(line);
    if (!m) return fail(errc::protocol_error, "the worker broke the protocol: " + m.error().message);
    return m;
  }

  /// An idle worker, a new one (after the back-off), or one another call
  /// returns before `until`.
  [[nodiscard]] result<worker_ptr> acquire(const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (stopping_) return fail(errc::unsupported, "the plugin is stopped");
      if (!idle_.empty()) {
        worker_ptr w = std::move(idle_.back());
        idle_.pop_back();
        return w;
      }
      if (live_ < std::max<std::size_t>(1, opts_.isolation.max_workers)) {
        const auto now = posix::deadline::clock::now();
        if (backoff_until_ > now) {
          if (backoff_until_ >= until.at()) {
            return fail(errc::crashed, "the plugin's worker is restarting (back-off after " +
                                           std::to_string(failures_) + " consecutive failures) past the deadline");
          }
          cv_.wait_until(lock, backoff_until_);
          continue;
        }
        ++live_;
        lock.unlock();
        auto w = start_worker(until);
        lock.lock();
        if (!w) {
          --live_;
          note_failure_locked();
          return fail(std::move(w.error()));
        }
        return std::move(*w);
      }
      if (cv_.wait_until(lock, until.at()) == std::cv_status::timeout && idle_.empty()) {
        return fail(errc::timeout, "every worker of the plugin stayed busy until the deadline");
      }
    }
  }

  void note_failure_locked() {
    ++failures_;
    lost_.fetch_add(1);
    auto backoff = opts_.isolation.restart_backoff;
    for (std::size_t i = 1; i < failures_ && backoff < opts_.isolation.max_backoff; ++i) backoff *= 2;
    backoff = std::min(backoff, opts_.isolation.max_backoff);
    backoff_until_ = posix::deadline::clock::now() + backoff;
  }

  /// Gives a worker back (healthy) or kills it and starts the back-off.
  void release(worker_ptr w, bool healthy) {
    if (!healthy || w->ended()) w->kill();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (healthy && !w->ended() && !stopping_) {
        failures_ = 0;
        idle_.push_back(std::move(w));
      } else {
        --live_;
        if (!healthy) note_failure_locked();
      }
    }
    cv_.notify_one();
  }

  [[nodiscard]] result<decision<dynamic_event>> call_unnamed(
      const std::string& handler, const envelope<dynamic_event>& event, context& ctx,
      std::chrono::milliseconds hook_timeout, const std::map<std::string, std::string>* task_env = nullptr) {
    const auto budget = hook_timeout.count() > 0 ? hook_timeout : runtime_timeout_;
    const posix::deadline hard(budget + opts_.isolation.kill_margin);
    auto lease = acquire(hard);
    if (!lease) return fail(std::move(lease.error()));
    worker_ptr w = std::move(*lease);

    const std::uint64_t id = ++next_id_;
    const auto& env = task_env != nullptr ? *task_env : ctx.task_env();
    auto outcome = exchange(*w, id, event_line(id, handler, event, ctx, budget, env), ctx, hard, budget);
    const bool healthy = outcome.second;
    release(std::move(w), healthy);
    return std::move(outcome.first);
  }

  /// The "event" request line: the wire request (written straight into the
  /// string, as the WASM adapter does, without a JSON tree of the event)
  /// with the call's timeout_ms, its clock and a task's env added to its params.
  [[nodiscard]] static std::string event_line(std::uint64_t id, const std::string& handler,
                                              const envelope<dynamic_event>& event, context& ctx,
                                              std::chrono::milliseconds budget,
                                              const std::map<std::string, std::string>& task_env) {
    static const nlohmann::json no_config = nlohmann::json::object();
    std::string request;
    wasm::write_request(request, handler, event, ctx.perms().allows_api("config") ? ctx.config() : no_config);
    std::string line = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) + ",\"method\":\"event\",\"params\":";
    line.reserve(line.size() + request.size() + 32);
    line.append(request, 0, request.size() - 1);  // without its closing brace
    line += ",\"timeout_ms\":";
    line += std::to_string(budget.count());
    line += ",\"now_ns\":";  // the context's clock (a harness may fake it): the guest's realtime
    line += std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(ctx.now().time_since_epoch()).count());
    if (!task_env.empty()) {  // a task's env (idelchi/aura), cut to what the plugin may read
      nlohmann::json env = nlohmann::json::object();
      for (const auto& [k, v] : task_env) {
        if (ctx.perms().allows_env(k)) env[k] = v;
      }
      if (!env.empty()) line += ",\"task_env\":" + env.dump();
    }
    line += "}}\n";
    return line;
  }

  /// Sends the event, serves capability calls, reads the answer. The bool
  /// says whether the worker may serve another call.
  std::pair<result<decision<dynamic_event>>, bool> exchange(isolated::worker_process& w, std::uint64_t id,
                                                            const std::string& request, context& ctx,
                                                            const posix::deadline& hard,
                                                            std::chrono::milliseconds budget) {
    auto lost = [&](error e) -> std::pair<result<decision<dynamic_event>>, bool> {
      if (e.code == errc::timeout) {
        e.message = "no answer within " + std::to_string(budget.count()) + " ms (+" +
                    std::to_string(opts_.isolation.kill_margin.count()) + " ms margin); the worker was killed";
      }
      w.kill();
      return {fail(std::move(e)), false};
    };
    if (auto s = w.send(request, hard); !s) return lost(std::move(s.error()));
    std::size_t host_calls = 0;
    for (;;) {
      auto line = w.next_line(hard);
      if (!line) return lost(std::move(line.error()));
      if (jsonrpc::is_blank(*line)) continue;
      auto m = decode_line(*line);
      if (!m) return lost(std::move(m.error()));
      if (m->is_call()) {
        if (++host_calls > opts_.isolation.max_host_calls) {
          return lost(error{errc::limit_exceeded,
                            "the plugin made more than " + std::to_string(opts_.isolation.max_host_calls) +
                                " host calls in one event",
                            {}, {}, {}});
        }
        std::string answer = serve(*m, ctx, hard);
        if (m->kind == jsonrpc::message_kind::request) {
          if (auto s = w.send(answer, hard); !s) return lost(std::move(s.error()));
        }
        continue;
      }
      if (!(m->id.is_number_unsigned() && m->id.get<std::uint64_t>() == id)) {
        return lost(error{errc::protocol_error, "the worker answered an unknown id in " + wire::quote(*line), {}, {}, {}});
      }
      if (m->kind == jsonrpc::message_kind::error_response) {
        // "restart": the worker's own state is not trusted after this failure (it ran out of memory)
        const bool restart = m->error_data.is_object() && m->error_data.value("restart", false);
        if (restart) w.kill();
        return {fail(isolated::error_from(*m)), !restart};
      }
      auto d = wire::parse_decision(m->result, *line);
      if (!d) return {fail(std::move(d.error())), true};
      return {std::move(*d), true};
    }
  }

  /// One capability call, answered with the plugin's context: the host
  /// enforces the permissions exactly as it does for in-process plugins.
  [[nodiscard]] static std::string serve(const jsonrpc::message& m, context& ctx, const posix::deadline& hard) {
    const nlohmann::json& p = m.params;
    auto str = [&](const char* key) -> result<std::string> {
      if (!p.is_object()) return fail(errc::invalid_argument, "params must be an object");
      auto it = p.find(key);
      if (it == p.end() || !it->is_string()) return fail(errc::invalid_argument, std::string("\"") + key + "\" must be a string");
      return it->get<std::string>();
    };
    auto bad = [&](const error& e) { return isolated::error_line(m.id, e); };
    auto level = [&] {  // 0..3; anything else (a string, a float) is info
      auto it = p.find("level");
      const std::int64_t l = it != p.end() && it->is_number_integer() ? it->get<std::int64_t>() : 1;
      return static_cast<log_level>(std::clamp<std::int64_t>(l, 0, 3));
    };
    if (m.method == "log") {
      auto msg = str("message");
      if (!msg) return bad(msg.error());
      auto r = ctx.log(level(), *msg);
      return r ? jsonrpc::response_line(m.id, nlohmann::json::object()) : bad(r.error());
    }
    if (m.method == "diagnose") {  // a host diagnostic the worker made (a WASI refusal...): no scope needed
      auto msg = str("message");
      if (!msg) return bad(msg.error());
      ctx.diagnose(level(), *msg);
      return jsonrpc::response_line(m.id, nlohmann::json::object());
    }
    if (m.method == "storage.get") {
      auto key = str("key");
      if (!key) return bad(key.error());
      auto r = ctx.storage_get(*key);
      if (!r) return bad(r.error());
      return jsonrpc::response_line(m.id, {{"value", *r ? nlohmann::json(**r) : nlohmann::json(nullptr)}});
    }
    if (m.method == "storage.set") {
      auto key = str("key");
      auto value = str("value");
      if (!key) return bad(key.error());
      if (!value) return bad(value.error());
      auto r = ctx.storage_set(*key, *value);
      return r ? jsonrpc::response_line(m.id, nlohmann::json::object()) : bad(r.error());
    }
    if (m.method == "storage.remove") {
      auto key = str("key");
      if (!key) return bad(key.error());
      auto r = ctx.storage_remove(*key);
      return r ? jsonrpc::response_line(m.id, {{"removed", *r}}) : bad(r.error());
    }
    if (m.method == "http") {
      http_request req;
      auto url = str("url");
      if (!url) return bad(url.error());
      req.url = std::move(*url);
      req.method = p.value("method", "GET");
      req.body = p.value("body", "");
      if (auto h = p.find("headers"); h != p.end() && h->is_object()) {
        for (auto it = h->begin(); it != h->end(); ++it) {
          if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
        }
      }
      // never longer than what is left of the call
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(hard.remaining());
      req.timeout = std::min(std::chrono::milliseconds(p.value("timeout_ms", std::int64_t{5000})), left);
      auto r = ctx.http(req);
      if (!r) return bad(r.error());
      return jsonrpc::response_line(m.id, {{"status", r->status}, {"headers", r->headers}, {"body", r->body}});
    }
    return jsonrpc::error_line(m.id, jsonrpc::method_not_found, "unknown host call \"" + m.method + "\"");
  }

  isolated_options opts_;
  std::filesystem::path exe_;
  std::chrono::milliseconds runtime_timeout_{0};
  std::vector<std::string> handlers_;
  bool seccomp_ = false;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<worker_ptr> idle_;
  std::size_t live_ = 0;
  std::size_t failures_ = 0;
  posix::deadline::clock::time_point backoff_until_{};
  bool stopping_ = false;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> lost_{0};
};

}  // namespace aura
