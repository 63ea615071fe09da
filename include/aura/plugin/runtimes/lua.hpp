// aura/plugin/runtimes/lua.hpp - "lua" plugins through aura/adapters/lua.hpp
// (needs Lua 5.4: link aura::lua). `entrypoint` is the script in the plugin directory.
#pragma once

#include <memory>
#include <utility>

#include "aura/adapters/lua.hpp"
#include "aura/plugin/runtime.hpp"

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

/// The loader for "lua" plugins, with the sandbox's limits.
[[nodiscard]] inline runtime_loader lua_loader(lua_limits limits = {}) {
  return [limits](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    lua_options o;
    o.name = req.spec.name;
    o.limits = limits;
    o.ctx = req.ctx;
    auto p = lua_plugin::load(req.spec.dir / req.spec.runtime.entrypoint, std::move(o));
    if (!p) {
      error e = std::move(p.error());
      if (e.plugin.empty()) e.plugin = req.spec.name;
      return fail(std::move(e));
    }
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::lua_instance>(std::move(*p)));
  };
}

}  // namespace aura::plugin
