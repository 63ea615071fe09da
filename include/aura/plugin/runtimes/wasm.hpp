// aura/plugin/runtimes/wasm.hpp - "wasm" plugins through aura/adapters/wasm.hpp
// (needs WABT: link aura::wasm). `entrypoint` is the .wasm file in the plugin directory.
#pragma once

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/adapters/wasm.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/runtimes/isolated.hpp"

namespace aura::plugin {

namespace detail {
class wasm_instance final : public plugin_instance {
 public:
  explicit wasm_instance(std::shared_ptr<wasm_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler, spec.timeout); }

 private:
  std::shared_ptr<wasm_plugin> p_;
};
}  // namespace detail

/// `limits` in manifest form (what wasm_limits_from_json reads back).
[[nodiscard]] inline nlohmann::json wasm_limits_to_json(const wasm_limits& l) {
  return nlohmann::json{{"memory_pages", l.memory_pages}, {"input_bytes", l.input_bytes},
                        {"output_bytes", l.output_bytes}, {"fuel", l.fuel},
                        {"deadline_ms", l.deadline.count()}, {"fuel_slice", l.fuel_slice},
                        {"max_instances", l.max_instances}, {"module_bytes", l.module_bytes}};
}

/// The loader for "wasm" plugins in the host process only, whatever the isolation asked.
[[nodiscard]] inline runtime_loader wasm_in_process_loader(wasm_limits limits) {
  return [limits](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    wasm_options o;
    o.name = req.spec.name;
    // the manifest's limits over the host's
    auto merged = detail::manifest_limits(req.spec, limits, [](const nlohmann::json& j, const wasm_limits& d) {
      return wasm_limits_from_json(j, d);
    });
    if (!merged) return fail(std::move(merged.error()));
    o.limits = *merged;
    o.ctx = req.ctx;
    auto p = wasm_plugin::load(req.spec.dir / req.spec.runtime.entrypoint, std::move(o));
    if (!p) return fail(detail::adapter_load_error(std::move(p.error()), req.spec));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::wasm_instance>(std::move(*p)));
  };
}

/// The loader for "wasm" plugins, with the sandbox's limits: in process when
/// the host resolved `in_process` for the plugin, else isolated (the default).
[[nodiscard]] inline runtime_loader wasm_loader(wasm_limits limits = {}) {
  return isolating_loader(runtime_kind::wasm, wasm_in_process_loader(limits), wasm_limits_to_json(limits));
}

}  // namespace aura::plugin
