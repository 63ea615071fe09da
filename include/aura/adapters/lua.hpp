// aura/adapters/lua.hpp - plugins written in Lua 5.4, run in a sandboxed,
// bounded state inside the host process (DESIGN §5 "lua").
//
//   auto plugin = aura::lua_plugin::load("guard.lua", {"guard", {}, ctx});
//   bus.on("intent.before_log", "guard", (*plugin)->hook("on_intent"));
//
// A script defines global functions named after its handlers. Each gets the
// event (the wire "event" object as a table) and a context table
// {hook=, plugin=, config=}, and returns aura.allow(), aura.deny(reason) or
// aura.mutate(patch [, format]) (each with optional effects). The plugin
// author's guide is docs/adapters/lua.md.
#pragma once

#include <cstddef>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "aura/adapters/detail/answer_check.hpp"
#include "aura/adapters/detail/plugin_file.hpp"
#include "aura/adapters/lua/call.hpp"
#include "aura/adapters/lua/fwd.hpp"
#include "aura/adapters/lua/host_api.hpp"
#include "aura/adapters/lua/json.hpp"
#include "aura/adapters/lua/limits.hpp"
#include "aura/adapters/lua/sandbox.hpp"
#include "aura/adapters/lua/state.hpp"
#include "aura/adapters/lua/state_pool.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"

namespace aura {

/// How a Lua plugin is loaded.
struct lua_options {
  std::string name;              ///< the plugin's name (errors, logs); default: the file stem or chunk name
  lua_limits limits;             ///< instructions, memory, depth, time, states
  std::shared_ptr<context> ctx;  ///< the plugin's own context; null: the context passed at dispatch
};

/// A loaded Lua script. Thread-safe: concurrent calls run on separate states
/// from a pool (see lua_limits::max_states).
class lua_plugin : public std::enable_shared_from_this<lua_plugin> {
 public:
  /// Loads a script file. A syntax error or an error in the script's top
  /// level is an errc::load_error whose `where` is "file:line".
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> load(const std::filesystem::path& path,
                                                                lua_options options) {
    auto text = detail::read_plugin_file(path, "Lua script", options.name);
    if (!text) return fail(std::move(text.error()));
    if (options.name.empty()) options.name = path.stem().string();
    return make(std::move(*text), "@" + path.string(), path.string(), std::move(options));
  }

  /// Loads a script from memory; `chunk_name` names it in messages ("name:line:").
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> load_source(std::string source, std::string chunk_name,
                                                                       lua_options options) {
    if (chunk_name.empty()) chunk_name = options.name.empty() ? "script" : options.name;
    if (options.name.empty()) options.name = chunk_name;
    return make(std::move(source), "=" + chunk_name, chunk_name, std::move(options));
  }

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const lua_limits& limits() const noexcept { return options_.limits; }

  /// The global functions the script defined at load, sorted: its handlers.
  [[nodiscard]] const std::vector<std::string>& handlers() const noexcept { return handlers_; }
  [[nodiscard]] bool has_handler(std::string_view handler) const noexcept {
    for (const auto& h : handlers_) {
      if (h == handler) return true;
    }
    return false;
  }

  /// A json_hook calling global function `handler`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler) {
    return [self = shared_from_this(), handler = std::move(handler)](const envelope<dynamic_event>& event,
                                                                     context& ctx) {
      return self->call(handler, event, ctx);
    };
  }

  /// Runs `handler` on `event`. `dispatch_ctx` is used when the plugin has no
  /// context of its own. Never throws; every failure names plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler,
                                                     const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx) noexcept {
    try {
      context& ctx = options_.ctx ? *options_.ctx : dispatch_ctx;
      auto r = call_unnamed(handler, event, ctx, &dispatch_ctx.task_env());
      if (!r) {
        r.error().plugin = options_.name;
        r.error().hook = handler;
      }
      aura::detail::check_plugin_answer(r, ctx, options_.name, handler);
      return r;
    } catch (const std::exception& ex) {
      return fail(error{errc::hook_failed, std::string("Lua adapter: ") + ex.what(), options_.name, handler, {}});
    } catch (...) {
      return fail(error{errc::hook_failed, "Lua adapter: unknown exception", options_.name, handler, {}});
    }
  }

  /// States made after load (each replacing one that hit a bound, or serving
  /// one more concurrent caller).
  [[nodiscard]] std::size_t states_created() const { return pool_->created(); }

 private:
  // make_shared needs a public constructor; only lua_plugin can make a key
  // (explicit: `{}` from outside does not convert).
  struct key {
    explicit key() = default;
  };

 public:
  lua_plugin(key, std::string source, std::string chunk_name, std::string display_name, lua_options options)
      : source_(std::move(source)),
        chunk_name_(std::move(chunk_name)),
        display_name_(std::move(display_name)),
        options_(std::move(options)) {}

 private:
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> make(std::string source, std::string chunk_name,
                                                                std::string display_name, lua_options options) {
    auto plugin = std::make_shared<lua_plugin>(key{}, std::move(source), std::move(chunk_name),
                                               std::move(display_name), std::move(options));
    auto first = plugin->make_state(&plugin->handlers_);
    if (!first) {
      first.error().plugin = plugin->options_.name;
      return fail(std::move(first.error()));
    }
    lua_plugin* raw = plugin.get();  // the pool lives inside the plugin: a raw pointer cannot dangle
    plugin->pool_ = std::make_unique<lua::state_pool>([raw] { return raw->make_state(nullptr); },
                                                      plugin->options_.limits.max_states);
    plugin->pool_->adopt(std::move(*first));
    return plugin;
  }

  static int open_libraries(lua_State* L) {
    lua::open_plugin_environment(L);
    return 0;
  }

  /// Global names, to tell the script's functions from the library's.
  [[nodiscard]] static std::set<std::string> global_functions(lua_State* L) {
    std::set<std::string> names;
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TFUNCTION) names.emplace(lua_tostring(L, -2));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return names;
  }

  /// A state with the sandbox, the `aura` table and the script run.
  [[nodiscard]] result<std::unique_ptr<lua::state>> make_state(std::vector<std::string>* handlers_out) {
    std::unique_ptr<lua::state> s = lua::state::create(options_.limits);
    if (!s) return fail(errc::load_error, "cannot allocate a Lua state (memory cap too small?)");
    s->plugin = options_.name;
    lua_State* L = s->L();

    lua_pushcfunction(L, &open_libraries);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
      std::string text = lua::error_text(L);
      return fail(errc::load_error, "cannot set up the Lua sandbox: " + text);
    }
    std::set<std::string> library;
    if (handlers_out != nullptr) library = global_functions(L);

    int status = luaL_loadbufferx(L, source_.data(), source_.size(), chunk_name_.c_str(), "t");
    if (status != LUA_OK) {
      std::string text = lua::error_text(L);
      std::string where = lua::error_position(text);
      return fail(errc::load_error, (status == LUA_ERRSYNTAX ? "syntax error: " : "cannot load script: ") + text,
                  where.empty() ? display_name_ : where);
    }
    // The top level runs under the same bounds as a call, with the plugin's
    // own context (if any) for aura.log and friends.
    s->ctx = options_.ctx.get();
    s->begin_call();
    status = lua_pcall(L, 0, 0, 0);
    s->end_call();
    s->ctx = nullptr;
    if (status != LUA_OK) {
      error e = lua::call_failure(*s, status, false);
      e.message = "error running the script: " + e.message;
      e.code = errc::load_error;
      if (e.where.empty()) e.where = display_name_;
      return fail(std::move(e));
    }
    if (s->hit_limit()) {
      return fail(errc::load_error, "the script's top level ran into the memory cap", display_name_);
    }
    if (handlers_out != nullptr) {
      for (auto& name : global_functions(L)) {
        if (library.count(name) == 0) handlers_out->push_back(name);
      }
    }
    return s;
  }

  [[nodiscard]] result<decision<dynamic_event>> call_unnamed(
      const std::string& handler, const envelope<dynamic_event>& event, context& ctx,
      const std::map<std::string, std::string>* task_env = nullptr) {
    auto lease = pool_->acquire();
    if (!lease) return fail(std::move(lease.error()));
    lua::state& s = **lease;
    lua_State* L = s.L();

    const std::string time_text = lua::format_event_time(event.time);
    lua::call_request req;
    req.handler = &handler;
    req.event = &event;
    req.time_text = &time_text;
    req.config = &ctx.config();

    s.ctx = &ctx;
    s.task_env = task_env != nullptr ? task_env : &ctx.task_env();
    s.begin_call();
    lua_pushcfunction(L, &lua::run_handler);
    lua_pushlightuserdata(L, &req);
    const int status = lua_pcall(L, 1, 1, 0);
    s.end_call();
    s.ctx = nullptr;
    s.task_env = nullptr;
    if (status != LUA_OK) {
      error e = lua::call_failure(s, status, req.missing_handler);
      lua_settop(L, 0);
      if (s.hit_limit() || status == LUA_ERRMEM) lease->discard();
      return fail(std::move(e));
    }
    if (s.hit_limit()) {
      // The script caught the limit error with pcall and answered anyway:
      // the call still failed, and the state is not trusted again.
      error e = lua::call_failure(s, LUA_ERRMEM, false);
      lua_settop(L, 0);
      lease->discard();
      return fail(std::move(e));
    }
    auto d = lua::read_decision(L, -1, s.json());
    lua_settop(L, 0);
    return d;
  }

  std::string source_;
  std::string chunk_name_;    // "@path" or "=name", as Lua wants it
  std::string display_name_;  // path or name, for `where`
  lua_options options_;
  std::vector<std::string> handlers_;
  std::unique_ptr<lua::state_pool> pool_;
};

}  // namespace aura
