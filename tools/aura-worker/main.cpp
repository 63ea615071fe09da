// tools/aura-worker/main.cpp - the worker process of aura's isolated mode.
//
// Started by the host (aura/adapters/isolated/plugin.hpp) with an empty
// environment and stdio on pipes. It closes every other descriptor, reads
// the "init" line, reads the plugin file, sets its rlimits, installs its
// seccomp filter and only then loads the plugin (runs guest code). Then it
// answers "event" lines until stdin ends. The guest's capabilities go back
// to the host, which checks them against the plugin's permissions.
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/isolated/protocol.hpp"
#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/wire.hpp"
#if AURA_WORKER_LUA
#include "aura/adapters/lua.hpp"
#include "aura/plugin/runtimes/lua.hpp"
#endif
#if AURA_WORKER_WASM
#include "aura/adapters/wasm.hpp"
#endif

#include "channel.hpp"
#include "sandbox.hpp"
#if AURA_WORKER_ATTACKS
#include "attacks.hpp"
#endif

namespace {

using aura::errc;
using aura::error;

/// The loaded plugin, whichever runtime.
struct guest {
#if AURA_WORKER_LUA
  std::shared_ptr<aura::lua_plugin> lua;
#endif
#if AURA_WORKER_WASM
  std::shared_ptr<aura::wasm_plugin> wasm;
#endif
  std::vector<std::string> handlers;

  aura::result<aura::decision<aura::dynamic_event>> call(const std::string& hook,
                                                         const aura::envelope<aura::dynamic_event>& ev,
                                                         aura::context& ctx, std::chrono::milliseconds timeout) {
#if AURA_WORKER_LUA
    if (lua) return lua->call(hook, ev, ctx);
#endif
#if AURA_WORKER_WASM
    if (wasm) return wasm->call(hook, ev, ctx, timeout);
#endif
    (void)hook, (void)ev, (void)ctx, (void)timeout;
    return aura::fail(errc::unsupported, "no plugin loaded");
  }
};

aura::result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return aura::fail(errc::not_found, "the worker cannot open the plugin file", path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return aura::fail(errc::io_error, "the worker cannot read the plugin file", path);
  return text;
}

aura::result<guest> load(const nlohmann::json& p, std::string text, std::shared_ptr<aura::context> ctx) {
  guest g;
  const std::string runtime = p.value("runtime", "");
  const std::string name = p.value("name", "");
  const std::string file = p.value("file", "");
  const nlohmann::json& limits = p.contains("limits") ? p.at("limits") : nlohmann::json::object();
#if AURA_WORKER_LUA
  if (runtime == "lua") {
    auto lim = aura::plugin::lua_limits_from_json(limits);
    if (!lim) return aura::fail(std::move(lim.error()).with_where(file + " plugin.runtime.limits" + lim.error().where));
    aura::lua_options o{name, *lim, ctx};
    auto pl = aura::lua_plugin::load_source(std::move(text), file, std::move(o));
    if (!pl) return aura::fail(std::move(pl.error()));
    g.handlers = (*pl)->handlers();
    g.lua = std::move(*pl);
    return g;
  }
#endif
#if AURA_WORKER_WASM
  if (runtime == "wasm") {
    auto lim = aura::wasm_limits_from_json(limits);
    if (!lim) return aura::fail(std::move(lim.error()).with_where(file + " plugin.runtime.limits" + lim.error().where));
    aura::wasm_options o;
    o.name = name;
    o.limits = *lim;
    o.ctx = ctx;
    auto pl = aura::wasm_plugin::load_bytes(std::vector<std::uint8_t>(text.begin(), text.end()), std::move(o));
    if (!pl) {
      if (pl.error().where.empty()) pl.error().where = file;
      return aura::fail(std::move(pl.error()));
    }
    g.wasm = std::move(*pl);
    return g;
  }
#endif
  (void)name, (void)limits, (void)text, (void)ctx;
  return aura::fail(errc::unsupported, "this aura-worker has no \"" + runtime + "\" runtime");
}

std::string error_answer(const nlohmann::json& id, const error& e, bool restart = false) {
  const int code = e.code == errc::permission_denied ? aura::jsonrpc::permission_denied : aura::jsonrpc::host_error;
  nlohmann::json data{{"errc", aura::to_string(e.code)}, {"where", e.where}};
  if (restart) data["restart"] = true;
  return aura::jsonrpc::error_line(id, code, e.message, std::move(data));
}

}  // namespace

int main() {
  aura_worker::close_inherited_fds();
  aura_worker::channel chan;
  std::vector<std::string> notes;

  // 1. init: what to load and how to bound it
  auto first = chan.read_line();
  if (!first) return 0;
  auto init = aura::jsonrpc::decode(*first);
  if (!init || init->method != "init" || !init->params.is_object()) {
    chan.write_line(aura::jsonrpc::error_line(nullptr, aura::jsonrpc::invalid_request, "expected an init request"));
    return 2;
  }
  const nlohmann::json& p = init->params;
  const nlohmann::json id = init->id;
  if (p.value("protocol", 0) != aura::isolated::protocol_version) {
    chan.write_line(error_answer(id, error{errc::version_mismatch, "aura-worker speaks protocol " +
                                                                       std::to_string(aura::isolated::protocol_version),
                                           {}, {}, {}}));
    return 2;
  }
  auto perms = aura::isolated::permissions_from_wire(p.value("perms", nlohmann::json::object()));
  if (!perms) {
    chan.write_line(error_answer(id, perms.error()));
    return 2;
  }
  auto text = read_file(p.value("file", ""));
  if (!text) {
    chan.write_line(error_answer(id, text.error()));
    return 2;
  }
  if (auto env = p.find("env"); env != p.end() && env->is_object()) {
    for (auto it = env->begin(); it != env->end(); ++it) {
      if (it->is_string()) ::setenv(it.key().c_str(), it->get_ref<const std::string&>().c_str(), 1);
    }
  }
  ::tzset();  // os.time with a table reads the zone file: now, not under the filter

  // 2. bounds, then the filter; no guest code has run yet
  aura_worker::rlimit_request rl;
  if (auto r = p.find("rlimits"); r != p.end() && r->is_object()) {
    rl.address_space = r->value("address_space", std::uint64_t{0});
    rl.cpu_seconds = r->value("cpu_seconds", std::uint64_t{0});
    rl.open_files = r->value("open_files", std::uint64_t{0});
  }
  aura_worker::apply_rlimits(rl, notes);
  const bool filtered = aura_worker::install_seccomp(notes);

  // 3. the guest
  auto ctx = std::make_shared<aura::context>();
  auto clock = std::make_shared<aura_worker::relay_clock>();
  ctx->set_owner(p.value("name", ""))
      .set_permissions(*perms)
      .set_clock(clock)
      .set_logger(std::make_shared<aura_worker::forwarding_logger>(chan, perms->allows_api("log")))
      .set_storage(std::make_shared<aura_worker::forwarding_storage>(chan))
      .set_http(std::make_shared<aura_worker::forwarding_http>(chan));
  auto g = load(p, std::move(*text), ctx);
  if (!g) {
    chan.write_line(error_answer(id, g.error()));
    return 2;
  }
  chan.write_line(aura::jsonrpc::response_line(
      id, {{"handlers", g->handlers}, {"seccomp", filtered}, {"notes", notes}, {"pid", ::getpid()}}));

  // 4. events until the host closes our stdin
  for (;;) {
    auto line = chan.read_line();
    if (!line) break;
    // The host wrote this line: parsed without the per-token budget callback
    // that guards the host against plugins (the round trip's hot path).
    auto m = aura::jsonrpc::decode(nlohmann::json::parse(*line, nullptr, false), *line);
    if (!m || m->method != "event" || !m->params.is_object()) {
      chan.write_line(aura::jsonrpc::error_line(m ? m->id : nlohmann::json(), aura::jsonrpc::invalid_request,
                                                "expected an event request"));
      continue;
    }
    nlohmann::json& ep = m->params;
    const std::string hook = ep.value("hook", "");
    try {
#if AURA_WORKER_ATTACKS
      if (aura_worker::attack(hook, chan, m->id)) continue;
#endif
      static const nlohmann::json no_event = nlohmann::json::object();
      const auto event_it = ep.find("event");
      auto ev = aura::envelope_from_json(event_it != ep.end() ? *event_it : no_event);
      if (!ev) {
        chan.write_line(error_answer(m->id, ev.error()));
        continue;
      }
      if (auto config = ep.find("config"); config != ep.end() && config->is_object()) {
        ctx->set_config(std::move(*config));
      } else {
        ctx->set_config(nlohmann::json::object());
      }
      if (auto now = ep.find("now_ns"); now != ep.end() && now->is_number_integer()) {
        clock->set(aura::time_point(std::chrono::duration_cast<aura::time_point::duration>(
            std::chrono::nanoseconds(now->get<std::int64_t>()))));
      }
      std::map<std::string, std::string> task_env;  // what the guest's os.getenv sees first
      if (auto t = ep.find("task_env"); t != ep.end() && t->is_object()) {
        for (const auto& [k, v] : t->items()) {
          if (v.is_string()) task_env.emplace(k, v.get<std::string>());
        }
      }
      ctx->set_task_env(std::move(task_env));
      const auto timeout = std::chrono::milliseconds(ep.value("timeout_ms", std::int64_t{0}));
      auto d = g->call(hook, *ev, *ctx, timeout);
      if (!d) {
        // a C++ allocation failure inside the runtime: the worker hit its address-space cap
        const bool oom = d.error().message.find("bad_alloc") != std::string::npos;
        if (d.error().code == errc::limit_exceeded && d.error().message.find("memory cap of 0 bytes") == 0) {
          // Lua has no cap of its own here: the allocator failed at the worker's rlimit
          d.error().message = "out of memory at the worker's address-space limit (RLIMIT_AS)";
        }
        if (oom) {
          d.error().code = errc::limit_exceeded;
          d.error().message += " (the worker's address-space limit)";
        }
        chan.write_line(error_answer(m->id, d.error(), oom));
        continue;
      }
      chan.write_line(aura::jsonrpc::response_line(m->id, aura::wire::encode(*d)));
    } catch (const std::bad_alloc&) {
      chan.write_line(error_answer(
          m->id, error{errc::limit_exceeded, "the answer does not fit the worker's address-space limit", {}, {}, {}},
          true));
    } catch (const std::exception& ex) {
      chan.write_line(error_answer(m->id, error{errc::hook_failed, std::string("aura-worker: ") + ex.what(), {}, {}, {}},
                                   true));
    }
  }
  ::_exit(0);  // no atexit work (nor a leak checker's threads) under the filter
}
