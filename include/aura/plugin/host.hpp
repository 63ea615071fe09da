// aura/plugin/host.hpp - loads plugins into a bus and manages their life:
// load, unload (bounded flush), reload and upgrade, while other threads dispatch.
//
// How a swap stays atomic: each declared hook joins the bus once, as a small
// stable hook that looks up the plugin's *current version* (an immutable
// object published lock-free) when it runs and calls that version's code,
// holding a reference to it for the whole call. An upgrade builds the new
// version beside the old one, then publishes it with one atomic store: a
// dispatch sees the old version or the new, never neither, and a call that
// started on the old version finishes on it. The old version is stopped only
// when the last such call has returned (bounded by the unload grace).
//
// `once` state lives in the stable hook's slot, so it survives reload and
// upgrade. A hook whose registration changes (priority, condition, failure
// policy, timeout) is replaced in its chain in one step (bus::replace): every
// dispatch runs it exactly once, under the old registration or the new.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/bus.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"
#include "aura/core/hook_sink.hpp"
#include "aura/core/host_api.hpp"
#include "aura/core/snapshot.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/host_options.hpp"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/invocation_ring.hpp"
#include "aura/plugin/lifecycle_script.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_reader.hpp"
#include "aura/plugin/plugin_log.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/runtime_tools.hpp"
#include "aura/plugin/sandbox.hpp"
#include "aura/plugin/tools.hpp"
#include "aura/plugin/version_range.hpp"

namespace aura::plugin {

class plugin_host {
 public:
  plugin_host(aura::bus& bus, runtime_registry runtimes, host_options opts = {})
      : bus_(bus), runtimes_(std::move(runtimes)), opts_(std::move(opts)) {}
  plugin_host(const plugin_host&) = delete;
  plugin_host& operator=(const plugin_host&) = delete;
  ~plugin_host() {
    for (const auto& name : names()) (void)unload(name);
  }

  /// The checks a load makes before running any plugin code: SDK range,
  /// minimum aura version, hooks inside read_events. Every problem is returned.
  [[nodiscard]] std::vector<error> check(const manifest& m) const {
    std::vector<error> out;
    if (m.api.sdk) {
      if (auto ok = check_sdk(m.name, *m.api.sdk, opts_.sdk); !ok) {
        error e = std::move(ok.error());
        e.where = m.file.string();
        out.push_back(std::move(e));
      }
    }
    if (m.api.min_aura_version && opts_.sdk < *m.api.min_aura_version) {
      out.push_back(error{errc::version_mismatch,
                          "plugin requires aura >= " + m.api.min_aura_version->str() + ", host has " + opts_.sdk.str(),
                          m.name, {}, m.file.string()});
    }
    for (auto& e : check_hook_events(m)) out.push_back(std::move(e));
    for (auto& e : check_api_scopes(m)) out.push_back(std::move(e));
    for (auto& e : check_network_permissions(m)) out.push_back(std::move(e));
    if (auto granted = grant_storage(m.perms.storage_quota, opts_.storage_caps); !granted) {
      out.push_back(error{errc::load_error, granted.error().message, m.name, {}, m.file.string()});
    }
    return out;
  }

  /// Every scope of the manifest's call_api must be one this host knows (a
  /// glob such as `intents:*` must match at least one).
  [[nodiscard]] std::vector<error> check_api_scopes(const manifest& m) const {
    std::vector<std::string> known = builtin_api_scopes();
    known.insert(known.end(), opts_.api_scopes.begin(), opts_.api_scopes.end());
    if (opts_.api_methods) {
      for (const auto& kv : *opts_.api_methods) known.push_back(kv.second.scope);
    }
    std::vector<error> out;
    for (const auto& scope : m.perms.call_api) {
      const bool ok = std::any_of(known.begin(), known.end(),
                                  [&](const std::string& k) { return k == scope || glob_match(scope, k); });
      if (ok) continue;
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      out.push_back(error{errc::invalid_argument,
                          "plugin.permissions.call_api: scope \"" + scope + "\" is not one this host declares (it knows " +
                              list + ")",
                          m.name, {}, m.file.string()});
    }
    return out;
  }

  /// The tools of a loaded plugin, namespaced; those without a `run` entry are
  /// served by the plugin's own code through this host: a process plugin's
  /// process (`tools/call`), a Lua or WASM plugin's handler (runtime_tools.hpp).
  [[nodiscard]] result<std::vector<plugin_tool>> tools(const std::string& name) const {
    auto v = current_of(name);
    if (!v) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
    auto list = tools_of(v->spec, environment_for(v->spec.perms, opts_.environment ? *opts_.environment : host_environment()));
    if (!list) return list;
    std::weak_ptr<plugin_instance> inst = v->inst;
    const bool by_handler = v->spec.runtime.kind == runtime_kind::lua || v->spec.runtime.kind == runtime_kind::wasm;
    for (auto& t : *list) {
      if (t.takes_context) t.config = opts_.config.merged(v->spec.name, v->spec.config);  // PluginConfig's layers
      if (!t.spec.in_process()) continue;
      if (by_handler) {
        t.serve = runtime_tool_server(inst, v->ctx, t.spec);
        continue;
      }
      t.serve = [inst](const std::string& method, const nlohmann::json& params, std::chrono::milliseconds timeout,
                       const std::atomic<bool>* cancel) -> result<nlohmann::json> {
        auto i = inst.lock();
        if (!i) return fail(errc::not_found, "the plugin was unloaded");
        return i->request(method, params, timeout, cancel);
      };
    }
    return list;
  }

  /// Runs a plugin command: one with `run` as its own process (args as JSON
  /// on stdin, stdout the answer); one without in the plugin's process as the
  /// JSON-RPC request `command` {name, args}, whose result is the answer.
  [[nodiscard]] result<std::string> run_command(const std::string& name, const std::string& command,
                                                const nlohmann::json& args,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    auto v = current_of(name);
    if (!v) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
    for (const auto& c : v->spec.commands) {
      if (c.name != command) continue;
      const auto budget = c.timeout.count() > 0 ? c.timeout : timeout;
      if (!c.in_process()) return run_plugin_command(v->spec, command, args, environment_of(v->spec), budget);
      auto r = v->inst->request("command", nlohmann::json{{"name", command}, {"args", args}}, budget);
      if (!r) {
        error e = std::move(r.error());
        e.plugin = name;
        return fail(std::move(e));
      }
      if (r->is_string()) return r->get<std::string>();
      if (r->is_object() && r->contains("output") && (*r)["output"].is_string()) return (*r)["output"].get<std::string>();
      return r->dump();
    }
    return fail(error{errc::not_found, "the plugin has no command \"" + command + "\"", name, {}, {}});
  }

  /// Loads a plugin: its hooks join the bus. Nothing is left behind on failure.
  result<void> load(manifest m) {
    std::lock_guard<std::mutex> lock(admin_);
    if (slots_.count(m.name)) {
      return fail(error{errc::already_exists, "a plugin of this name is already loaded", m.name, {}, m.file.string()});
    }
    auto s = std::make_shared<slot>();
    s->name = m.name;
    auto v = build(std::move(m), 1);
    if (!v) return fail(std::move(v.error()));
    if (auto r = install(s, *v); !r) {
      (void)stop_version(**v, opts_.unload_grace);
      return r;
    }
    slots_.emplace(s->name, s);
    notify({plugin_change::kind::loaded, s->name, (*v)->spec.version, 1});
    return {};
  }

  /// Calls `fn` after every load, unload, reload and upgrade (from the thread
  /// that made the change, outside the host's lock): an MCP server sends
  /// `tools/list_changed` from here. Observers are never removed.
  void on_change(std::function<void(const plugin_change&)> fn) {
    std::lock_guard<std::mutex> lock(observers_mu_);
    observers_.push_back(std::move(fn));
  }

  /// Unloads a plugin: its hooks leave the bus at once; calls in flight get up
  /// to `grace` to finish, then the plugin is stopped (and gets `grace` to flush).
  result<void> unload(const std::string& name, std::optional<std::chrono::milliseconds> grace = std::nullopt) {
    const auto g = grace.value_or(opts_.unload_grace);
    std::shared_ptr<slot> s;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
      s = it->second;
      slots_.erase(it);
    }
    bus_.remove_plugin(name);
    for (const auto& [key, reg] : s->registered) {
      if (auto* sink = sink_of(reg.event)) (void)sink->remove(reg.opts.name);
    }
    auto old = current(*s);
    s->current.store(nullptr);
    if (!old) return {};
    drain(old, g);
    auto stopped = stop_version(*old, g);
    notify({plugin_change::kind::unloaded, name, old->spec.version, old->generation});
    return stopped;
  }

  /// Reads the plugin's manifest from disk again and upgrades to it.
  result<void> reload(const std::string& name) {
    std::filesystem::path file;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
      auto v = current(*it->second);
      if (!v) return fail(error{errc::not_found, "the plugin is being unloaded", name, {}, {}});
      file = v->spec.file;
    }
    auto m = read_manifest(file);
    if (!m) return fail(std::move(m.error()));
    if (m->name != name) {
      return fail(error{errc::invalid_argument, "the manifest now names the plugin \"" + m->name + "\"", name, {},
                        file.string()});
    }
    return upgrade(std::move(*m));
  }

  /// Swaps a loaded plugin for another version atomically: dispatches see the
  /// old version or the new one; calls in flight finish on the old one.
  result<void> upgrade(manifest m) {
    std::shared_ptr<slot> s;
    std::shared_ptr<const version> old;
    std::shared_ptr<const version> fresh;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(m.name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", m.name, {}, {}});
      s = it->second;
      old = current(*s);
      auto v = build(std::move(m), old ? old->generation + 1 : 1);
      if (!v) return fail(std::move(v.error()));
      if (auto r = install(s, *v); !r) {
        (void)stop_version(**v, opts_.unload_grace);
        return r;
      }
      fresh = *v;
    }
    if (old) {
      drain(old, opts_.unload_grace);
      (void)stop_version(*old, opts_.unload_grace);
    }
    notify({plugin_change::kind::upgraded, fresh->spec.name, fresh->spec.version, fresh->generation});
    return {};
  }

  [[nodiscard]] bool loaded(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    return slots_.count(name) != 0;
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(admin_);
    std::vector<std::string> out;
    for (const auto& kv : slots_) out.push_back(kv.first);
    return out;
  }

  /// The manifest of the current version of a loaded plugin.
  [[nodiscard]] std::optional<manifest> find(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return std::nullopt;
    auto v = current(*it->second);
    if (!v) return std::nullopt;
    return v->spec;
  }

  /// The plugin's own context (owner, permissions, merged config, storage).
  [[nodiscard]] std::shared_ptr<context> context_of(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return nullptr;
    auto v = current(*it->second);
    return v ? v->ctx : nullptr;
  }

  /// The environment a loaded plugin's commands and tools receive.
  [[nodiscard]] std::map<std::string, std::string> environment_of(const manifest& m) const {
    return environment_for(m.perms, opts_.environment ? *opts_.environment : host_environment());
  }

  [[nodiscard]] std::vector<plugin_status> list() const {
    std::lock_guard<std::mutex> lock(admin_);
    std::vector<plugin_status> out;
    for (const auto& [name, s] : slots_) {
      auto v = current(*s);
      if (!v) continue;
      out.push_back(plugin_status{name, v->spec.version, v->spec.runtime.kind, v->spec.dir, v->spec.hooks.size(),
                                  v->generation});
    }
    return out;
  }

  [[nodiscard]] const host_options& options() const noexcept { return opts_; }
  [[nodiscard]] aura::bus& bus() noexcept { return bus_; }

 private:
  struct bound_hook {
    hook_spec spec;
    json_hook fn;
  };
  struct version {
    manifest spec;
    std::shared_ptr<context> ctx;
    std::shared_ptr<plugin_instance> inst;
    std::map<std::string, bound_hook> hooks;  ///< by key (event, handler)
    std::uint64_t generation = 0;
    std::shared_ptr<invocation_ring> calls;   ///< log_dir/<name>.calls, or none
    std::shared_ptr<rotating_log> log;        ///< the plugin's log (stderr, host/log, lifecycle scripts), or none
  };
  struct registration {
    std::string event;
    hook_options opts;  ///< as registered; `opts.name` is the name in the chain
  };
  struct slot {
    std::string name;
    ::aura::detail::counted_published<std::shared_ptr<const version>> current{nullptr};  // prompt release: drain() waits on it
    std::map<std::string, std::shared_ptr<std::atomic<bool>>> once;  ///< by key; survives versions
    std::map<std::string, registration> registered;                  ///< by key
  };

  [[nodiscard]] std::shared_ptr<const version> current_of(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    return it == slots_.end() ? nullptr : current(*it->second);
  }
  [[nodiscard]] static std::string key_of(const hook_spec& h) { return h.event + '\x1f' + h.handler; }
  [[nodiscard]] static std::shared_ptr<const version> current(slot& s) {
    auto g = s.current.acquire();
    return *g;
  }
  [[nodiscard]] static bool same_registration(const hook_options& a, const hook_options& b) {
    return a.priority == b.priority && a.when == b.when && a.on_error == b.on_error && a.timeout == b.timeout;
  }

  [[nodiscard]] std::shared_ptr<aura::storage> storage_for(const manifest& m, const storage_limits& limits) const {
    switch (m.perms.storage) {
      case storage_scope::plugin_private: {
        auto root = opts_.data_root.empty() ? m.dir / ".data" : opts_.data_root / m.name;
        return std::make_shared<directory_storage>(root, m.name, false, limits, true);
      }
      case storage_scope::repo_readonly:
      case storage_scope::repo_readwrite: {
        std::error_code ec;
        auto root = opts_.repo_root.empty() ? std::filesystem::current_path(ec) : opts_.repo_root;
        return std::make_shared<directory_storage>(root, m.name, m.perms.storage == storage_scope::repo_readonly, limits,
                                                   false);
      }
      case storage_scope::none: break;
    }
    return std::make_shared<memory_storage>(limits);  // unreachable through the context: it refuses first
  }

  /// Makes a new version: checks, context, code, hooks. Runs no dispatch.
  /// The host's override, else the manifest's (its "none" only when trusted), else the host's default.
  [[nodiscard]] isolation_mode isolation_of(const manifest& m) const {
    if (auto it = opts_.isolation_for.find(m.name); it != opts_.isolation_for.end()) return it->second;
    if (m.runtime.isolation == isolation_mode::process) return isolation_mode::process;
    if (m.runtime.isolation == isolation_mode::in_process && opts_.trust_manifest_isolation) {
      return isolation_mode::in_process;
    }
    return opts_.isolation == isolation_mode::host_default ? isolation_mode::process : opts_.isolation;
  }

  result<std::shared_ptr<const version>> build(manifest m, std::uint64_t generation) {
    if (opts_.verify_load) {
      if (auto ok = opts_.verify_load(m); !ok) {
        error e = std::move(ok.error());
        if (e.plugin.empty()) e.plugin = m.name;
        if (e.where.empty()) e.where = m.file.string();
        return fail(std::move(e));
      }
    }
    auto problems = check(m);
    if (!problems.empty()) {
      error first = std::move(problems.front());
      for (std::size_t i = 1; i < problems.size(); ++i) first.message += "; " + problems[i].describe();
      return fail(std::move(first));
    }
    const storage_limits limits = grant_storage(m.perms.storage_quota, opts_.storage_caps).value_or(opts_.storage_caps);
    auto v = std::make_shared<version>();
    v->generation = generation;
    std::shared_ptr<rotating_log> log;  // the plugin's stderr and host/log lines, one writer
    if (!opts_.log_dir.empty()) {
      log = log_writers_.get(plugin_log_file(opts_.log_dir, m.name), {opts_.log_max_bytes, opts_.log_generations});
      log->rotate_if_full();  // a full log starts afresh with the plugin
    }
    v->log = log;
    v->ctx = std::make_shared<context>();
    v->ctx->set_owner(m.name)
        .set_permissions(m.perms)
        .set_logger(!log ? opts_.log : std::make_shared<plugin_file_logger>(log, opts_.log))
        .set_clock(opts_.clock)
        .set_storage(storage_for(m, limits))
        .set_storage_limits(limits)
        .set_config(opts_.config.merged(m.name, m.config));
    if (opts_.api_methods) v->ctx->set_host_methods(opts_.api_methods);
    if (opts_.http) v->ctx->set_http(opts_.http);
    const auto env = environment_of(m);
    for (const auto& script : m.on_init) {
      if (auto r = run_lifecycle_script(m, script, env, "Init", log.get(), opts_); !r) return fail(std::move(r.error()));
    }
    load_request req{m, v->ctx, env, isolation_of(m), opts_.worker, opts_.isolation_bounds, {}, log};
    if (log) {
      req.stderr_log = log->file();
      v->calls = open_invocation_ring(opts_.log_dir, m.name, opts_.invocation_capacity, *opts_.log);
    }
    auto inst = runtimes_.load(req);
    if (!inst) return fail(std::move(inst.error()));
    v->inst = *inst;
    for (const auto& h : m.hooks) {
      auto fn = v->inst->hook(h);
      if (!fn) {
        (void)v->inst->stop(opts_.unload_grace);
        error e = std::move(fn.error());
        if (e.plugin.empty()) e.plugin = m.name;
        if (e.hook.empty()) e.hook = h.handler;
        if (e.where.empty()) e.where = h.where;
        return fail(std::move(e));
      }
      v->hooks[key_of(h)] = bound_hook{h, std::move(*fn)};
    }
    v->spec = std::move(m);
    return std::shared_ptr<const version>(std::move(v));
  }

  /// Joins the version's hooks to the bus, publishes it, then retires the
  /// registrations the new version no longer uses. A hook whose registration
  /// changed is replaced in its chain in one step (bus::replace), so every
  /// dispatch runs it exactly once, under the old registration or the new.
  result<void> install(const std::shared_ptr<slot>& sp, const std::shared_ptr<const version>& v) {
    slot& s = *sp;
    struct change {
      std::string key;
      std::optional<registration> previous;  ///< replaced, or nothing: added
    };
    std::vector<change> changes;
    std::map<std::string, registration> now;
    auto undo = [&] {  // a later hook failed to join: put the bus back as it was
      for (auto c = changes.rbegin(); c != changes.rend(); ++c) {
        const registration& added = now[c->key];
        if (c->previous) {
          (void)rejoin(added.event, added.opts.name, c->previous->opts, stable_hook(sp, c->key, s.once[c->key]));
        } else {
          leave(added.event, added.opts.name);
        }
      }
    };
    for (const auto& [key, bound] : v->hooks) {
      hook_options o(s.name + ":" + bound.spec.handler);
      o.priority = bound.spec.priority;
      o.when = bound.spec.condition;
      o.on_error = bound.spec.on_error;
      o.timeout = bound.spec.timeout;
      o.plugin = s.name;
      auto it = s.registered.find(key);
      if (it != s.registered.end() && same_registration(it->second.opts, o)) {
        now[key] = it->second;
        continue;
      }
      registration reg;
      reg.event = bound.spec.event;
      reg.opts = o;
      auto& fired = s.once[key];
      if (!fired) fired = std::make_shared<std::atomic<bool>>(false);
      std::optional<registration> previous;
      if (it != s.registered.end()) previous = it->second;
      auto r = previous ? rejoin(reg.event, previous->opts.name, o, stable_hook(sp, key, fired))
                        : join(reg.event, o, stable_hook(sp, key, fired));
      if (!r) {
        undo();
        error e = std::move(r.error());
        e.plugin = s.name;
        e.hook = bound.spec.handler;
        if (e.where.empty()) e.where = bound.spec.where;
        return fail(std::move(e));
      }
      changes.push_back(change{key, std::move(previous)});
      now[key] = reg;
    }
    s.current.store(v);
    for (const auto& [key, reg] : s.registered) {
      if (!now.count(key)) leave(reg.event, reg.opts.name);
    }
    s.registered = std::move(now);
    return {};
  }

  // Where an event's hooks join: its sink if the host routed it, else the bus.
  [[nodiscard]] hook_sink* sink_of(std::string_view event) const {
    auto it = opts_.sinks.find(event);
    return it == opts_.sinks.end() ? nullptr : it->second.get();
  }
  result<void> join(const std::string& event, const hook_options& o, json_hook fn) {
    if (auto* sink = sink_of(event)) return sink->add(o, std::move(fn));
    return bus_.on(event, o, std::move(fn));
  }
  result<void> rejoin(const std::string& event, const std::string& old_name, const hook_options& o, json_hook fn) {
    if (auto* sink = sink_of(event)) return sink->replace(old_name, o, std::move(fn));
    return bus_.replace(event, old_name, o, std::move(fn));
  }
  void leave(const std::string& event, const std::string& name) {
    if (auto* sink = sink_of(event)) {
      (void)sink->remove(name);
    } else {
      bus_.off(event, name);
    }
  }

  /// The bus-side hook: runs the current version's code for one key. A chain
  /// holds one entry per key at any moment, so no version check is needed.
  [[nodiscard]] static json_hook stable_hook(std::shared_ptr<slot> sp, std::string key,
                                             std::shared_ptr<std::atomic<bool>> fired) {
    return [sp = std::move(sp), key = std::move(key), fired = std::move(fired)](
               const envelope<dynamic_event>& env, context& dispatch_ctx) -> result<decision<dynamic_event>> {
      std::shared_ptr<const version> v = current(*sp);
      if (!v) return allow();  // unloading
      auto it = v->hooks.find(key);
      if (it == v->hooks.end()) return allow();  // the new version dropped it; its entry leaves after the swap
      if (it->second.spec.once && fired->exchange(true, std::memory_order_acq_rel)) return allow();
      // The plugin's own context; a dispatch for a task carries the task's env
      // into a copy of it (context::task_env; the plugin's permission filters it).
      context* use = v->ctx.get();
      std::optional<context> with_task;
      if (!dispatch_ctx.task_env().empty()) {
        with_task.emplace(*v->ctx);
        with_task->set_task_env(dispatch_ctx.task_env());
        use = &*with_task;
      }
      if (!v->calls) return it->second.fn(env, *use);
      return recorded_call(*v->calls, it->second.spec.handler, env, [&] { return it->second.fn(env, *use); });
    };
  }

  /// Waits (bounded) until no call holds the old version any more.
  static void drain(const std::shared_ptr<const version>& old, std::chrono::milliseconds grace) {
    const auto until = std::chrono::steady_clock::now() + grace;
    while (old.use_count() > 1 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  result<void> stop_version(const version& v, std::chrono::milliseconds grace) const {
    result<void> out;
    const auto env = environment_for(v.spec.perms, opts_.environment ? *opts_.environment : host_environment());
    for (const auto& script : v.spec.on_shutdown) {
      if (auto r = run_lifecycle_script(v.spec, script, env, "Shutdown", v.log.get(), opts_); !r && out) out = fail(std::move(r.error()));
    }
    if (v.inst) {
      if (auto r = v.inst->stop(grace); !r && out) out = fail(std::move(r.error()));
    }
    return out;
  }

  aura::bus& bus_;
  runtime_registry runtimes_;
  host_options opts_;
  mutable std::mutex admin_;
  std::map<std::string, std::shared_ptr<slot>> slots_;
  plugin_log_writers log_writers_;
  std::mutex observers_mu_;
  std::vector<std::function<void(const plugin_change&)>> observers_;

  void notify(const plugin_change& c) {
    std::vector<std::function<void(const plugin_change&)>> now;
    {
      std::lock_guard<std::mutex> lock(observers_mu_);
      now = observers_;
    }
    for (const auto& fn : now) fn(c);
  }
};

}  // namespace aura::plugin
