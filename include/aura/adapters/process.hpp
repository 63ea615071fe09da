// aura/adapters/process.hpp - plugins as long-lived child processes speaking JSON-RPC 2.0.
//
// One compact JSON-RPC message per line on the child's stdin/stdout
// (docs/protocol.md is the specification). The host starts the child without
// a shell, in its plugin directory, with only the environment it declares;
// performs the `initialize` handshake; sends one `event` request per hook
// call (several may be in flight, told apart by id); serves the child's
// `host/*` calls through the plugin's context while an event is in flight;
// and ends it with `shutdown`, a grace period, SIGTERM, SIGKILL.
//
// Faults never reach the host: a deadline, a crash, garbage, an overlong line
// become an error the chain turns into the hook's failure policy. An
// unresponsive or misbehaving child is killed; the next call restarts it,
// with exponential back-off between consecutive failures (calls inside the
// back-off fail at once). A reader thread per child reads stdout and stderr
// and reaps the child, so no zombie outlives a dead child for long.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/process/options.hpp"
#include "aura/adapters/process/sdk_version.hpp"
#include "aura/adapters/process/session.hpp"
#include "aura/core/rotating_log.hpp"

namespace aura {

/// A plugin running as a child process. Thread-safe: several threads may
/// call hooks at once (their requests are in flight together on one child).
class process_plugin : public std::enable_shared_from_this<process_plugin> {
  struct private_tag {};

 public:
  process_plugin(private_tag, process_options opts)
      : opts_(std::move(opts)),
        log_(opts_.stderr_writer       ? opts_.stderr_writer
             : opts_.stderr_log.empty() ? nullptr
                                        : std::make_shared<rotating_log>(opts_.stderr_log, opts_.stderr_rotation)) {}
  process_plugin(const process_plugin&) = delete;
  process_plugin& operator=(const process_plugin&) = delete;
  ~process_plugin() { (void)shutdown(opts_.shutdown_grace); }

  /// Starts the child and performs the `initialize` handshake. Fails with
  /// errc::load_error (or version_mismatch) naming the plugin and the cause.
  [[nodiscard]] static result<std::shared_ptr<process_plugin>> start(process_options opts) {
    if (opts.name.empty()) return fail(errc::invalid_argument, "a process plugin needs a name");
    if (opts.argv.empty()) return fail(error{errc::invalid_argument, "no program to start (argv is empty)", opts.name, {}, {}});
    if (opts.default_timeout.count() <= 0 || opts.start_timeout.count() <= 0 || opts.max_line == 0) {
      return fail(error{errc::invalid_argument, "default_timeout, start_timeout and max_line must be positive",
                        opts.name, {}, {}});
    }
    auto plugin = std::make_shared<process_plugin>(private_tag{}, std::move(opts));
    auto s = plugin->start_session(true);
    if (!s) return fail(std::move(s.error()));
    std::lock_guard<std::mutex> lock(plugin->mu_);
    plugin->session_ = std::move(*s);
    return plugin;
  }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  /// The handlers the plugin stated in its handshake.
  [[nodiscard]] const std::vector<std::string>& hooks() const noexcept { return hooks_; }
  /// The SDK version the plugin stated.
  [[nodiscard]] const std::string& sdk_version() const noexcept { return sdk_; }
  [[nodiscard]] bool implements(std::string_view handler) const {
    return std::find(hooks_.begin(), hooks_.end(), handler) != hooks_.end();
  }

  /// A hook calling `handler` in the child. `timeout` zero: the per-handler
  /// setting, else `default_timeout`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    auto self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& ev, context& ctx) {
      return self->call(handler, ev, ctx, timeout);
    };
  }

  /// One event call: the decision, or an error naming plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& ev,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.hook = handler;
      return fail(std::move(e));
    };
    if (!implements(handler)) {
      return named(error{errc::not_found, "the plugin does not implement this handler (its hooks: " +
                                              nlohmann::json(hooks_).dump() + ")", {}, {}, {}});
    }
    const auto budget = timeout_for(handler, timeout);
    const posix::deadline until(budget);
    auto s = acquire();
    if (!s) return named(std::move(s.error()));
    context& ctx = opts_.ctx ? *opts_.ctx : dispatch_ctx;
    const nlohmann::json& config = opts_.config.is_null() ? ctx.config() : opts_.config;
    nlohmann::json req = wire::request(handler, ev, config);
    // A task's env (idelchi/aura) cannot change a running child's environment:
    // it travels with the call, cut to what the plugin may read; the SDKs set it.
    if (!dispatch_ctx.task_env().empty()) {
      if (auto env = dispatch_ctx.task_env_for(ctx.perms()); !env.empty()) req["task_env"] = std::move(env);
    }
    auto answer = (*s)->call("event", std::move(req), until, &ctx, budget);
    if (!answer) {
      if (answer.error().code == errc::hook_failed) note_success();  // the child is fine; the handler failed
      result<decision<dynamic_event>> failed = named(std::move(answer.error()));
      aura::detail::check_plugin_answer(failed, ctx, opts_.name, handler);
      return failed;
    }
    note_success();
    auto d = wire::parse_decision(*answer);
    if (!d) d = named(std::move(d.error()));
    aura::detail::check_plugin_answer(d, ctx, opts_.name, handler);
    return d;
  }

  /// Any other request to the child (a Naridon Aura `command` or `tools/call`
  /// served in the plugin's own process): the `result`, or an error naming the
  /// plugin and the method. `host/*` calls made meanwhile go through the
  /// plugin's context. `timeout` zero: `default_timeout`. When `cancel` turns
  /// true the request is abandoned as at its deadline (the child is killed;
  /// the next request starts a new one at once).
  [[nodiscard]] result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout = {},
                                               const std::atomic<bool>* cancel = nullptr) {
    const auto budget = timeout.count() > 0 ? timeout : opts_.default_timeout;
    auto s = acquire();
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.message = method + ": " + e.message;
      return fail(std::move(e));
    };
    if (!s) return named(std::move(s.error()));
    auto answer = (*s)->call(method, params, posix::deadline(budget), opts_.ctx.get(), budget, cancel);
    if (!answer) return named(std::move(answer.error()));
    note_success();
    return answer;
  }

  /// Ends the child: `shutdown` request, stdin closed, `grace` to exit, then
  /// SIGTERM and SIGKILL. Later calls fail. Returns an error if the child had
  /// to be forced.
  result<void> shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
    std::shared_ptr<detail::process::session> s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return {};
      shut_down_ = true;
      s = std::move(session_);
    }
    if (!s) return {};
    const posix::deadline until(grace);
    bool polite = false;
    if (s->alive()) {
      auto r = s->call("shutdown", nlohmann::json::object(), until, opts_.ctx.get(), grace);
      s->close_stdin();
      polite = r.has_value() && s->wait_exit(until);
      if (!polite && !s->wait_exit(posix::deadline(std::chrono::milliseconds(0)))) {
        s->signal(SIGTERM);
        if (!s->wait_exit(posix::deadline(std::min(grace, std::chrono::milliseconds(500))))) s->signal(SIGKILL);
      }
    }
    s->stop();
    if (!polite && s->status().signaled) {
      return fail(error{errc::timeout, "the plugin process did not exit within " + std::to_string(grace.count()) +
                                           " ms of shutdown and was terminated", opts_.name, {}, {}});
    }
    return {};
  }

  /// The current child's pid (-1 when none runs).
  [[nodiscard]] pid_t pid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return session_ && session_->alive() ? session_->pid() : -1;
  }
  /// How many times the child was restarted after a failure.
  [[nodiscard]] std::size_t restarts() const noexcept { return restarts_.load(); }
  /// The last bytes the child wrote to stderr.
  [[nodiscard]] std::string stderr_tail() const { return tail_->text(); }

 private:
  [[nodiscard]] std::chrono::milliseconds timeout_for(const std::string& handler, std::chrono::milliseconds t) const {
    if (t.count() > 0) return t;
    if (auto it = opts_.hook_timeouts.find(handler); it != opts_.hook_timeouts.end() && it->second.count() > 0) {
      return it->second;
    }
    return opts_.default_timeout;
  }

  [[nodiscard]] std::chrono::milliseconds backoff(std::size_t failures) const {
    auto d = opts_.restart_backoff;
    for (std::size_t i = 1; i < failures && d < opts_.restart_backoff_max; ++i) d *= 2;
    return std::min(d, opts_.restart_backoff_max);
  }

  void note_success() { failures_.store(0, std::memory_order_relaxed); }

  /// The running session, restarting the child if its back-off has passed.
  [[nodiscard]] result<std::shared_ptr<detail::process::session>> acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return fail(error{errc::crashed, "the plugin has been shut down", opts_.name, {}, {}});
    if (session_ && session_->alive()) return session_;
    const auto now = detail::process::steady::now();
    if (session_ && session_->killed_on_purpose()) {  // a cancelled call's child: no failure, no back-off
      session_->stop();
      session_.reset();
    } else if (session_) {  // it died: count the failure, schedule the restart
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = session_->died_at() + backoff(n);
      last_failure_ = session_->death();
      session_->stop();
      session_.reset();
    }
    if (now < next_start_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_start_ - now);
      return fail(error{errc::crashed,
                        "the plugin process is down; restart in " + std::to_string(wait.count()) +
                            " ms (last failure: " + last_failure_.message + ")",
                        opts_.name, {}, {}});
    }
    auto s = start_session(false);
    if (!s) {
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = detail::process::steady::now() + backoff(n);
      last_failure_ = s.error();
      return fail(std::move(s.error()));
    }
    restarts_.fetch_add(1);
    session_ = std::move(*s);
    return session_;
  }

  [[nodiscard]] result<std::shared_ptr<detail::process::session>> start_session(bool first) {
    auto load_failure = [&](errc code, const std::string& what) {
      return fail(error{code, what, opts_.name, {}, {}});
    };
    posix::spawn_options so;
    so.argv = opts_.argv;
    so.workdir = opts_.workdir;
    so.env = opts_.env;
    auto child = posix::spawn(so);
    if (!child) return load_failure(errc::load_error, child.error().message);
    auto s = std::make_shared<detail::process::session>(opts_.name, std::move(*child), opts_.max_line, opts_.ctx,
                                                        tail_, log_, opts_.answer_budget);
    if (auto r = s->run(); !r) {
      s->kill(r.error());
      return load_failure(errc::load_error, r.error().message);
    }
    const nlohmann::json config = opts_.config.is_null() ? (opts_.ctx ? opts_.ctx->config() : nlohmann::json::object())
                                                         : opts_.config;
    const nlohmann::json params{{"aura", wire::version}, {"sdk", version_string}, {"plugin", opts_.name},
                                {"config", config.is_null() ? nlohmann::json::object() : config}};
    auto answer = s->call("initialize", params, posix::deadline(opts_.start_timeout), opts_.ctx.get(),
                          opts_.start_timeout);
    auto give_up = [&](errc code, const std::string& what) {
      s->kill(error{errc::load_error, what, opts_.name, {}, {}});
      s->stop();
      return load_failure(code, what);
    };
    if (!answer) return give_up(errc::load_error, "initialize handshake failed: " + answer.error().message);
    const nlohmann::json& a = *answer;
    const std::string shown = wire::quote(a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!a.is_object()) return give_up(errc::load_error, "initialize answer must be an object, got " + shown);
    if (auto v = a.find("aura"); v != a.end() && !(v->is_number_integer() && v->get<int>() == wire::version)) {
      return give_up(errc::version_mismatch, "the plugin speaks wire protocol " + v->dump() + ", this host speaks " +
                                                 std::to_string(wire::version));
    }
    auto sdk = a.find("sdk");
    if (sdk == a.end() || !sdk->is_string()) {
      return give_up(errc::load_error, "initialize answer lacks a string \"sdk\" version: " + shown);
    }
    const auto parsed = detail::process::parse_version(sdk->get<std::string>());
    if (!parsed) return give_up(errc::load_error, "initialize answer has an unreadable \"sdk\" version: " + shown);
    if (!detail::process::sdk_compatible(*parsed)) {
      return give_up(errc::version_mismatch, "the plugin was built for aura SDK " + sdk->get<std::string>() +
                                                 ", which this host (SDK " + std::string(version_string) +
                                                 ") cannot serve");
    }
    auto hooks = a.find("hooks");
    if (hooks == a.end() || !hooks->is_array() ||
        !std::all_of(hooks->begin(), hooks->end(), [](const nlohmann::json& h) { return h.is_string(); })) {
      return give_up(errc::load_error, "initialize answer lacks a \"hooks\" array of handler names: " + shown);
    }
    if (first) {
      sdk_ = sdk->get<std::string>();
      hooks_ = hooks->get<std::vector<std::string>>();
    }
    return s;
  }

  process_options opts_;
  std::vector<std::string> hooks_;  // fixed at start: read without a lock
  std::string sdk_;
  std::shared_ptr<detail::process::stderr_tail> tail_ = std::make_shared<detail::process::stderr_tail>();
  std::shared_ptr<rotating_log> log_;  // the stderr log, shared by every session (null: none)

  mutable std::mutex mu_;  // session_, shut_down_, next_start_, last_failure_
  std::shared_ptr<detail::process::session> session_;
  bool shut_down_ = false;
  detail::process::steady::time_point next_start_{};
  error last_failure_;
  std::atomic<std::size_t> failures_{0};
  std::atomic<std::size_t> restarts_{0};
};

}  // namespace aura
