// aura/plugin/runtime.hpp - how a manifest's runtime kind becomes callable hooks.
//
// A `runtime_loader` turns a manifest (plus the plugin's context and
// environment) into a `plugin_instance`: one loaded version of the plugin's
// code that hands out a json_hook per declared hook. The host keeps loaders
// in a `runtime_registry` by kind; a kind this build lacks (no WABT, no Lua)
// is simply not registered and loading such a plugin is a clear error.
//
// "native" plugins are C++ callables the host program itself registers, by
// entrypoint name, in a `native_registry` (see register_native).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "aura/adapters/isolated/options.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"
#include "aura/core/rotating_log.hpp"
#include "aura/plugin/manifest.hpp"

namespace aura::plugin {

/// One loaded version of a plugin's code.
class plugin_instance {
 public:
  virtual ~plugin_instance() = default;
  /// The callable for one declared hook.
  [[nodiscard]] virtual result<json_hook> hook(const hook_spec& spec) = 0;
  /// A request served by the plugin's own code: a Naridon Aura `command` or
  /// `tools/call` of a process plugin. Other runtimes have none. `cancel`
  /// (may be null): when it turns true the request ends as at its deadline.
  [[nodiscard]] virtual result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                                       std::chrono::milliseconds timeout,
                                                       const std::atomic<bool>* cancel = nullptr) {
    (void)params;
    (void)timeout;
    (void)cancel;
    return fail(errc::unsupported, "this runtime serves no \"" + method + "\" requests (only process plugins do)");
  }
  /// Stops the code: it gets up to `grace` to flush, then is stopped.
  virtual result<void> stop(std::chrono::milliseconds grace) {
    (void)grace;
    return {};
  }
};

/// What a loader gets.
struct load_request {
  const manifest& spec;
  std::shared_ptr<context> ctx;                  ///< the plugin's own context (owner, permissions, config, storage)
  std::map<std::string, std::string> env;        ///< already filtered by the env permission
  /// lua and wasm: where the code runs, as the host resolved it (host_default
  /// is taken as `process`, the safe choice).
  isolation_mode isolation = isolation_mode::host_default;
  std::filesystem::path worker;                  ///< the worker executable; empty: isolated::find_worker
  isolation_limits isolation_bounds;             ///< the worker's bounds
  std::filesystem::path stderr_log;              ///< the plugin's log file (empty: stderr not kept)
  /// The writer of stderr_log, shared with the plugin's `host/log` lines
  /// (one mutex, one size policy: host_options::log_max_bytes and
  /// log_generations). Loaders append the plugin's stderr through it.
  std::shared_ptr<rotating_log> log;
};

using runtime_loader = std::function<result<std::shared_ptr<plugin_instance>>(const load_request&)>;

/// Loaders by runtime kind.
class runtime_registry {
 public:
  runtime_registry& set(runtime_kind kind, runtime_loader loader) {
    loaders_[kind] = std::move(loader);
    return *this;
  }
  [[nodiscard]] bool has(runtime_kind kind) const { return loaders_.count(kind) != 0; }
  [[nodiscard]] result<std::shared_ptr<plugin_instance>> load(const load_request& req) const {
    auto it = loaders_.find(req.spec.runtime.kind);
    if (it == loaders_.end()) {
      error e{errc::unsupported,
              "runtime kind \"" + std::string(to_string(req.spec.runtime.kind)) + "\" is not available in this host",
              req.spec.name, {}, req.spec.file.string()};
      return fail(std::move(e));
    }
    auto inst = it->second(req);
    if (!inst) {
      error e = std::move(inst.error());
      if (e.plugin.empty()) e.plugin = req.spec.name;
      return fail(std::move(e));
    }
    return inst;
  }

 private:
  std::map<runtime_kind, runtime_loader> loaders_;
};

/// A native plugin's handlers, by handler name, and an optional flush at unload.
struct native_plugin {
  std::map<std::string, json_hook> handlers;
  std::function<void(std::chrono::milliseconds)> on_unload;
};

/// Makes a native plugin's handlers for one load (the context is the plugin's own).
using native_factory = std::function<result<native_plugin>(const manifest&, std::shared_ptr<context>)>;

/// Native factories by entrypoint name; thread-safe.
class native_registry {
 public:
  void add(std::string entrypoint, native_factory factory) {
    std::lock_guard<std::mutex> lock(mutex_);
    factories_[std::move(entrypoint)] = std::move(factory);
  }
  [[nodiscard]] std::optional<native_factory> find(const std::string& entrypoint) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = factories_.find(entrypoint);
    if (it == factories_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, native_factory> factories_;
};

namespace detail {

/// Reads a manifest's `runtime.limits` with `parse(json, defaults)`; an error
/// names the plugin and `<file> plugin.runtime.limits/<key>`.
template <class Limits, class Parse>
[[nodiscard]] result<Limits> manifest_limits(const manifest& m, const Limits& defaults, Parse&& parse) {
  auto merged = parse(m.runtime.limits, defaults);
  if (merged) return merged;
  error e = std::move(merged.error());
  e.plugin = m.name;
  e.where = m.file.string() + " plugin.runtime.limits" + e.where;
  return fail(std::move(e));
}

/// Names the plugin on an adapter's load error that does not already.
[[nodiscard]] inline error adapter_load_error(error e, const manifest& m) {
  if (e.plugin.empty()) e.plugin = m.name;
  return e;
}


class native_instance final : public plugin_instance {
 public:
  native_instance(std::string name, native_plugin p) : name_(std::move(name)), plugin_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    auto it = plugin_.handlers.find(spec.handler);
    if (it == plugin_.handlers.end()) {
      return fail(error{errc::not_found, "the native plugin has no handler \"" + spec.handler + "\"", name_,
                        spec.handler, spec.where});
    }
    return it->second;
  }
  result<void> stop(std::chrono::milliseconds grace) override {
    if (plugin_.on_unload) plugin_.on_unload(grace);
    return {};
  }

 private:
  std::string name_;
  native_plugin plugin_;
};

}  // namespace detail

/// The loader for "native" plugins: looks the entrypoint up in `natives`.
[[nodiscard]] inline runtime_loader native_loader(std::shared_ptr<native_registry> natives) {
  return [natives](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    auto factory = natives->find(req.spec.runtime.entrypoint);
    if (!factory) {
      return fail(error{errc::not_found,
                        "no native plugin \"" + req.spec.runtime.entrypoint + "\" is registered in this host program",
                        req.spec.name, {}, req.spec.file.string()});
    }
    auto made = (*factory)(req.spec, req.ctx);
    if (!made) return fail(std::move(made.error()));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::native_instance>(req.spec.name, std::move(*made)));
  };
}

}  // namespace aura::plugin
