// aura/plugin/runtimes/isolated.hpp - "lua" and "wasm" plugins run in
// aura-worker processes (aura/adapters/isolated/plugin.hpp). Needs no Lua or
// WABT in the host: the worker has them. lua_loader / wasm_loader hand over
// to this loader whenever a plugin's isolation resolves to `process`.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/adapters/isolated/plugin.hpp"
#include "aura/plugin/runtime.hpp"

namespace aura::plugin {

namespace detail {
class isolated_instance final : public plugin_instance {
 public:
  explicit isolated_instance(std::shared_ptr<isolated_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler, spec.timeout); }
  result<void> stop(std::chrono::milliseconds) override {
    p_->stop();
    return {};
  }
  [[nodiscard]] const std::shared_ptr<isolated_plugin>& plugin() const noexcept { return p_; }

 private:
  std::shared_ptr<isolated_plugin> p_;
};

/// `over` with `under`'s keys filled in where `over` has none (manifest over host).
[[nodiscard]] inline nlohmann::json overlay_limits(const nlohmann::json& under, const nlohmann::json& over) {
  nlohmann::json out = under.is_object() ? under : nlohmann::json::object();
  if (over.is_object()) {
    for (auto it = over.begin(); it != over.end(); ++it) out[it.key()] = it.value();
  } else if (!over.is_null()) {
    return over;  // not an object: the worker's parser reports it, with its pointer
  }
  return out;
}
}  // namespace detail

/// Whether `req` asks for the isolated mode (host_default counts as yes).
[[nodiscard]] inline bool wants_isolation(const load_request& req) noexcept {
  return req.isolation != isolation_mode::in_process;
}

/// The loader for isolated `kind` (lua or wasm) plugins; `host_limits` are
/// the host's defaults of the runtime's limits, in manifest form.
[[nodiscard]] inline runtime_loader isolated_loader(runtime_kind kind, nlohmann::json host_limits = {}) {
  return [kind, host_limits = std::move(host_limits)](const load_request& req)
             -> result<std::shared_ptr<plugin_instance>> {
    isolated_options o;
    o.name = req.spec.name;
    o.runtime = std::string(to_string(kind));
    o.file = req.spec.dir / req.spec.runtime.entrypoint;
    o.limits = detail::overlay_limits(host_limits, req.spec.runtime.limits);
    o.isolation = req.isolation_bounds;
    o.worker = req.worker;
    o.ctx = req.ctx;
    o.env = req.env;
    auto p = isolated_plugin::load(std::move(o));
    if (!p) {
      error e = detail::adapter_load_error(std::move(p.error()), req.spec);
      if (e.where.empty()) e.where = req.spec.file.string();
      return fail(std::move(e));
    }
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::isolated_instance>(std::move(*p)));
  };
}

/// A loader that runs `kind` plugins isolated, or in process with
/// `in_process` when the host resolved `in_process` for them (a null
/// `in_process`: this build has no in-process runtime of that kind).
[[nodiscard]] inline runtime_loader isolating_loader(runtime_kind kind, runtime_loader in_process,
                                                     nlohmann::json host_limits = {}) {
  auto isolated = isolated_loader(kind, std::move(host_limits));
  return [kind, in_process = std::move(in_process), isolated](const load_request& req)
             -> result<std::shared_ptr<plugin_instance>> {
    if (wants_isolation(req)) return isolated(req);
    if (!in_process) {
      return fail(error{errc::unsupported,
                        "in-process " + std::string(to_string(kind)) +
                            " plugins are not available in this host (built without the runtime); use isolation = "
                            "\"process\"",
                        req.spec.name, {}, req.spec.file.string()});
    }
    return in_process(req);
  };
}

}  // namespace aura::plugin
