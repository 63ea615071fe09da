// aura/plugin/runtimes/lua.hpp - "lua" plugins through aura/adapters/lua.hpp
// (needs Lua 5.4: link aura::lua). `entrypoint` is the script in the plugin directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <utility>

#include "aura/adapters/lua.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/runtimes/isolated.hpp"

namespace aura::plugin {

namespace detail {
class lua_instance final : public plugin_instance {
 public:
  explicit lua_instance(std::shared_ptr<lua_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler); }

 private:
  std::shared_ptr<lua_plugin> p_;
};
}  // namespace detail

/// Reads `[plugin.runtime.limits]` for a Lua plugin over the host's defaults:
/// instructions, memory_bytes, max_depth, timeout_ms, max_states (non-negative integers).
[[nodiscard]] inline result<lua_limits> lua_limits_from_json(const nlohmann::json& j, lua_limits out = {}) {
  if (j.is_null()) return out;
  if (!j.is_object()) return fail(errc::invalid_argument, "lua limits must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      return fail(errc::invalid_argument, "lua limit \"" + key + "\" must be a non-negative integer", "/" + key);
    }
    const auto n = v.get<std::uint64_t>();
    if (key == "instructions") {
      out.instructions = n;
    } else if (key == "memory_bytes") {
      out.memory = static_cast<std::size_t>(n);
    } else if (key == "max_depth") {
      out.max_depth = static_cast<std::size_t>(n);
    } else if (key == "timeout_ms") {
      out.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(n));
    } else if (key == "max_states") {
      if (n == 0) return fail(errc::invalid_argument, "lua limit \"max_states\" must be at least 1", "/" + key);
      out.max_states = static_cast<std::size_t>(n);
    } else {
      return fail(errc::invalid_argument,
                  "unknown lua limit \"" + key + "\" (instructions, memory_bytes, max_depth, timeout_ms, max_states)",
                  "/" + key);
    }
  }
  return out;
}

/// `limits` in manifest form (what lua_limits_from_json reads back).
[[nodiscard]] inline nlohmann::json lua_limits_to_json(const lua_limits& l) {
  return nlohmann::json{{"instructions", l.instructions},
                        {"memory_bytes", l.memory},
                        {"max_depth", l.max_depth},
                        {"timeout_ms", l.timeout.count()},
                        {"max_states", l.max_states}};
}

/// The loader for "lua" plugins in the host process only, whatever the isolation asked.
[[nodiscard]] inline runtime_loader lua_in_process_loader(lua_limits limits) {
  return [limits](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    lua_options o;
    o.name = req.spec.name;
    // the manifest's limits over the host's
    auto merged = detail::manifest_limits(req.spec, limits, [](const nlohmann::json& j, const lua_limits& d) {
      return lua_limits_from_json(j, d);
    });
    if (!merged) return fail(std::move(merged.error()));
    o.limits = *merged;
    o.ctx = req.ctx;
    auto p = lua_plugin::load(req.spec.dir / req.spec.runtime.entrypoint, std::move(o));
    if (!p) return fail(detail::adapter_load_error(std::move(p.error()), req.spec));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::lua_instance>(std::move(*p)));
  };
}

/// The loader for "lua" plugins, with the sandbox's limits: in process when
/// the host resolved `in_process` for the plugin, else isolated (the default).
[[nodiscard]] inline runtime_loader lua_loader(lua_limits limits = {}) {
  return isolating_loader(runtime_kind::lua, lua_in_process_loader(limits), lua_limits_to_json(limits));
}

}  // namespace aura::plugin
