// aura/testing/harness.hpp - drive hooks, chains and plugins with synthetic
// events against a mocked host (HTTP, storage, clock, logger), deterministically.
#pragma once

#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/bus.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"
#include "aura/core/facts.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/outcome.hpp"
#include "aura/core/patch.hpp"
#include "aura/core/permissions.hpp"
#include "aura/testing/clock.hpp"
#include "aura/testing/hook_answer.hpp"
#include "aura/testing/http.hpp"
#include "aura/testing/logger.hpp"
#include "aura/testing/storage.hpp"

// Adapters: each is compiled in when its header is present and not opted out
// (AURA_TESTING_NO_PROCESS, _NO_COMMAND, _NO_LUA, _NO_PLUGIN). These macros
// change the harness class: set them alike in every file of one program.
#if __has_include("aura/adapters/process.hpp") && !defined(AURA_TESTING_NO_PROCESS)
#include "aura/adapters/process.hpp"
#define AURA_TESTING_HAVE_PROCESS 1
#endif
#if __has_include("aura/adapters/command.hpp") && !defined(AURA_TESTING_NO_COMMAND)
#include "aura/adapters/command.hpp"
#define AURA_TESTING_HAVE_COMMAND 1
#endif
// WASM is opt-in: WABT's headers sit in a system directory whether or not the
// program links libwabt, so their presence proves nothing. Define
// AURA_TESTING_WASM=1 (or AURA_PLUGIN_WASM=1) when linking aura::wasm.
#if !defined(AURA_TESTING_WASM) && defined(AURA_PLUGIN_WASM)
#define AURA_TESTING_WASM AURA_PLUGIN_WASM
#endif
#if defined(AURA_TESTING_WASM) && AURA_TESTING_WASM && __has_include("aura/adapters/wasm.hpp")
#include "aura/adapters/wasm.hpp"
#define AURA_TESTING_HAVE_WASM 1
#endif
// Lua is found only when lua5.4's include directory is on the path, which
// linking aura::lua provides.
#if __has_include("aura/adapters/lua.hpp") && __has_include(<lua.hpp>) && !defined(AURA_TESTING_NO_LUA)
#include "aura/adapters/lua.hpp"
#define AURA_TESTING_HAVE_LUA 1
#endif
// Plugin directories load through the plugin module's own host, with every
// runtime the adapters above provide.
#if __has_include("aura/plugin/host.hpp") && defined(AURA_TESTING_HAVE_PROCESS) && defined(AURA_TESTING_HAVE_COMMAND) && \
    !defined(AURA_TESTING_NO_PLUGIN)
#include "aura/plugin/config.hpp"
#include "aura/plugin/host.hpp"
#include "aura/plugin/manifest_reader.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/runtimes/process.hpp"
#if defined(AURA_TESTING_HAVE_WASM)
#include "aura/plugin/runtimes/wasm.hpp"
#endif
#if defined(AURA_TESTING_HAVE_LUA)
#include "aura/plugin/runtimes/lua.hpp"
#endif
#define AURA_TESTING_HAVE_PLUGIN 1
#endif

namespace aura::testing {

template <class T>
struct is_chain : std::false_type {};
template <class E>
struct is_chain<aura::chain<E>> : std::true_type {};

/// The config layers a plugin sees merged, lowest first (DESIGN §6).
enum class config_layer : unsigned char {
  defaults,  ///< the plugin's own defaults (its manifest)
  global,    ///< the host's global config
  plugin     ///< the host's config for this plugin
};

/// A synthetic host for unit tests of hooks and plugins.
///
/// It owns a real `aura::context` wired to recording mocks, so every
/// permission check a hook meets is the host's own. The context starts with
/// the permissions a plugin gets when it declares none (`aura::permissions{}`:
/// log and config only): grant what the plugin's manifest would grant with
/// `permissions()`, `allow_network()` and `allow_storage()`.
///
/// Events made by `synth_event` / `synth<E>` get ids `ev-test-000001`,
/// `ev-test-000002`... the mock clock's time and the harness's session, so a
/// test sees the same envelope on every run.
class harness {
 public:
  /// `plugin` is the owner name the context (and its refusals) report.
  explicit harness(std::string plugin = "plugin-under-test")
      : http_(std::make_shared<mock_http>()),
        storage_(std::make_shared<mock_storage>()),
        clock_(std::make_shared<mock_clock>()),
        logger_(std::make_shared<mock_logger>()),
        ctx_(std::make_shared<context>()),
        bus_(std::make_unique<aura::bus>(tracing::decisions)) {
    ctx_->set_owner(std::move(plugin))
        .set_permissions(aura::permissions{})
        .set_http(http_)
        .set_storage(storage_)
        .set_clock(clock_)
        .set_logger(logger_);
  }
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;
  harness(harness&&) = delete;
  harness& operator=(harness&&) = delete;
  ~harness() {
#if defined(AURA_TESTING_HAVE_PLUGIN)
    plugins_.reset();  // unloads: its hooks leave the bus, its code stops
#endif
    shutdown_plugins();
  }

  // ---- the mocked host -----------------------------------------------------------

  [[nodiscard]] mock_http& http() noexcept { return *http_; }
  [[nodiscard]] mock_storage& storage() noexcept { return *storage_; }
  [[nodiscard]] mock_clock& clock() noexcept { return *clock_; }
  [[nodiscard]] mock_logger& log() noexcept { return *logger_; }
  /// The context hooks run with: a real aura::context over the mocks.
  [[nodiscard]] context& ctx() noexcept { return *ctx_; }
  /// The same context, shared: what adapters take as their plugin context.
  [[nodiscard]] const std::shared_ptr<context>& shared_ctx() const noexcept { return ctx_; }
  /// The bus loaded plugins register on; `emit` dispatches through it.
  [[nodiscard]] aura::bus& bus() noexcept { return *bus_; }

  // ---- set-up ----------------------------------------------------------------------

  harness& owner(std::string plugin) {
    ctx_->set_owner(std::move(plugin));
    return *this;
  }
  harness& permissions(aura::permissions p) {
    ctx_->set_permissions(std::move(p));
    return *this;
  }
  /// Grants network access to hosts matching `host_glob` (and the `http` API scope).
  harness& allow_network(std::string host_glob) {
    aura::permissions p = ctx_->perms();
    p.network.push_back(std::move(host_glob));
    grant_api(p, "http");
    ctx_->set_permissions(std::move(p));
    return *this;
  }
  /// Grants storage (private read-write unless told otherwise) and the `storage` API scope.
  harness& allow_storage(storage_scope scope = storage_scope::plugin_private) {
    aura::permissions p = ctx_->perms();
    p.storage = scope;
    grant_api(p, "storage");
    ctx_->set_permissions(std::move(p));
    return *this;
  }

  /// Sets one config layer; the context sees the layers merged (RFC 7396:
  /// objects merge key by key, a later layer wins, `null` removes a key).
  harness& config(config_layer layer, nlohmann::json value) {
    layers_[layer] = std::move(value);
    nlohmann::json merged = nlohmann::json::object();
    for (const auto& [l, v] : layers_) {
      (void)l;
      if (v.is_object()) {
        merged = apply_merge_patch(std::move(merged), v);
      } else if (!v.is_null()) {
        merged = v;
      }
    }
    ctx_->set_config(std::move(merged));
#if defined(AURA_TESTING_HAVE_PLUGIN)
    refresh_plugin_config();
#endif
    return *this;
  }
  /// The per-plugin layer: what most tests set.
  harness& config(nlohmann::json value) { return config(config_layer::plugin, std::move(value)); }

  /// Sets a fact that `when` conditions read.
  template <class V>
  harness& fact(std::string name, V&& value) {
    ctx_->mutable_facts().set(std::move(name), std::forward<V>(value));
    return *this;
  }
  [[nodiscard]] aura::facts& facts() noexcept { return ctx_->mutable_facts(); }

  /// The session id synthetic events carry ("test-session" by default).
  harness& session(std::string id) {
    session_ = std::move(id);
    return *this;
  }

  /// Declares a dynamic event's flags. Undeclared dynamic events are treated
  /// as vetoable and patchable, so a hook under test may answer anything;
  /// declare the event to check a hook against its real flags.
  harness& declare(const std::string& name, event_flags flags) {
    declared_[name] = flags;
    (void)bus_->declare(name, flags);
    return *this;
  }
  /// Takes every event the bus has now as declared, as it is (flags, payload
  /// check, effects fold): call it after declaring a catalog on bus() whose
  /// reports have no flags, so the harness never re-declares them.
  harness& adopt_bus_events() {
    for (const auto& name : bus_->events()) {
      if (auto f = bus_->flags_of(name)) declared_[name] = *f;
    }
    return *this;
  }
  [[nodiscard]] event_flags flags_of(const std::string& name) const {
    auto it = declared_.find(name);
    return it == declared_.end() ? (vetoable | patchable) : it->second;
  }

  // ---- synthetic events ------------------------------------------------------------

  /// A dynamic event `name` with JSON `data`.
  [[nodiscard]] envelope<dynamic_event> synth_event(std::string name, nlohmann::json data = nlohmann::json::object()) {
    envelope<dynamic_event> env;
    env.name = std::move(name);
    env.data = std::move(data);
    stamp(env);
    return env;
  }

  /// A typed event: `synth<E>(fields...)` builds `E{fields...}`; `synth<E>(e)` wraps `e`.
  template <class E, class... Args>
  [[nodiscard]] envelope<E> synth(Args&&... args) {
    static_assert(!event_traits<E>::is_dynamic, "use synth_event(name, json) for dynamic events");
    envelope<E> env;
    if constexpr (sizeof...(Args) == 1 && (std::is_same_v<std::decay_t<Args>, E> && ...)) {
      env.data = E(std::forward<Args>(args)...);
    } else {
      // Fields left out take their defaults: that is the point, not a slip.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
      env.data = E{std::forward<Args>(args)...};
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    }
    stamp(env);
    return env;
  }

  // ---- running hooks ---------------------------------------------------------------

  /// Runs one hook (any callable a chain accepts, or an aura::json_hook) on
  /// `env` through a one-hook chain with the harness context: failure
  /// policy, event flags and patch application are the chain's own.
  template <class E, class F, class = std::enable_if_t<!is_chain<std::decay_t<F>>::value>>
  [[nodiscard]] outcome<E> run(F&& hook, envelope<E> env, hook_options opts = hook_options("hook-under-test")) {
    aura::chain<E> c(tracing::decisions);
    if constexpr (event_traits<E>::is_dynamic) c.set_flags(flags_of(env.name));
    if (opts.plugin.empty()) opts.plugin = ctx_->owner();
    if (auto added = c.add(opts, std::forward<F>(hook)); !added) return refused<E>(std::move(env), added.error());
    return c.dispatch(std::move(env), *ctx_);
  }

  /// Dispatches `env` through a whole chain with the harness context.
  template <class E>
  [[nodiscard]] outcome<E> run(const aura::chain<E>& c, envelope<E> env) {
    return c.dispatch(std::move(env), *ctx_);
  }

  /// Calls one hook directly and returns its raw answer with the input: no
  /// chain rule applies (a deny on a non-vetoable event is returned as is).
  /// A thrown exception becomes an `errc::hook_failed` error, as in a chain.
  template <class E, class F>
  [[nodiscard]] hook_answer<E> decide(F&& hook, envelope<E> env) {
    hook_answer<E> out{std::move(env), decision<E>{}};
    try {
      out.answer = aura::detail::call_native<E>(hook, out.input, *ctx_);
    } catch (const std::exception& ex) {
      out.answer = fail(errc::hook_failed, std::string("hook threw: ") + ex.what());
    } catch (...) {
      out.answer = fail(errc::hook_failed, "hook threw a non-standard exception");
    }
    return out;
  }

  // ---- plugins on the harness bus ----------------------------------------------------

  /// Registers a JSON hook (what every adapter produces) for event `event`.
  result<void> on(const std::string& event, hook_options opts, json_hook fn) {
    if (opts.plugin.empty()) opts.plugin = ctx_->owner();
    // An event the bus already knows (agent::declare_catalog(h.bus())) keeps
    // its flags and its effects fold: re-declaring would reset the fold.
    if (!declared_.count(event) && !bus_->flags_of(event)) (void)bus_->declare(event, flags_of(event));
    return bus_->on(event, std::move(opts), std::move(fn));
  }
  /// Registers a typed native hook on the harness bus.
  template <class E, class F>
  result<void> on(hook_options opts, F&& fn) {
    return bus_->on<E>(std::move(opts), std::forward<F>(fn));
  }

  /// Dispatches through the harness bus (every plugin and hook registered on it).
  [[nodiscard]] outcome<dynamic_event> emit(envelope<dynamic_event> env) {
    // Hooks a plugin host registered made the event's chain with no flags:
    // give it the harness's (declared, or vetoable | patchable). An event
    // declared on the bus itself with flags (agent::declare_catalog(h.bus()))
    // keeps them and its effects fold; adopt_bus_events() keeps the rest too.
    if (!declared_.count(env.name)) {
      const auto flags = bus_->flags_of(env.name);
      if (flags && *flags != event_flags::none) {
        declared_[env.name] = *flags;
      } else if (flags) {
        declare(env.name, flags_of(env.name));
      }
    }
    return bus_->emit(std::move(env), *ctx_);
  }
  [[nodiscard]] outcome<dynamic_event> emit(std::string name, nlohmann::json data = nlohmann::json::object()) {
    return emit(synth_event(std::move(name), std::move(data)));
  }
  template <class E>
  [[nodiscard]] outcome<E> emit(envelope<E> env) {
    return bus_->emit(std::move(env), *ctx_);
  }

  // ---- adapter plugins, loaded directly --------------------------------------------
  // Each gets the harness context as its plugin context (unless the options
  // carry one), so its host calls meet the mocks and the harness permissions;
  // the harness shuts it down when it goes. Register its hooks with `on`, or
  // run one with `run(plugin->hook("handler"), event)`.

#if defined(AURA_TESTING_HAVE_PROCESS)
  /// Starts a JSON-RPC process plugin (e.g. argv {"python3", "plugin.py"}).
  [[nodiscard]] result<std::shared_ptr<process_plugin>> load_process(process_options opts) {
    if (opts.name.empty()) opts.name = ctx_->owner();
    if (!opts.ctx) opts.ctx = ctx_;
    auto p = process_plugin::start(std::move(opts));
    if (!p) return p;
    std::weak_ptr<process_plugin> weak = *p;
    cleanups_.emplace_back([weak] {
      if (auto live = weak.lock()) (void)live->shutdown(std::chrono::milliseconds(500));
    });
    return p;
  }
  [[nodiscard]] result<std::shared_ptr<process_plugin>> load_process(std::vector<std::string> argv,
                                                                     std::filesystem::path workdir = {}) {
    process_options opts;
    opts.argv = std::move(argv);
    opts.workdir = std::move(workdir);
    return load_process(std::move(opts));
  }
#endif

#if defined(AURA_TESTING_HAVE_COMMAND)
  /// A command hook: one process per event (aura or Claude Code convention).
  [[nodiscard]] result<json_hook> load_command(command_options opts) {
    if (opts.name.empty()) opts.name = ctx_->owner();
    if (!opts.ctx) opts.ctx = ctx_;
    return make_command_hook(std::move(opts));
  }
  [[nodiscard]] result<json_hook> load_command(std::vector<std::string> argv,
                                               command_protocol protocol = command_protocol::aura) {
    command_options opts;
    opts.argv = std::move(argv);
    opts.protocol = protocol;
    return load_command(std::move(opts));
  }
#endif

#if defined(AURA_TESTING_HAVE_PLUGIN)
  /// Loads a plugin directory (its manifest: aura-plugin.toml / .json or a
  /// Codineer plugin.json) through the plugin module's host, with any runtime
  /// this build has; its hooks join the harness bus, so `emit` runs them.
  ///
  /// The plugin gets the context a real host would build from its manifest
  /// (owner, declared permissions: `allow_network` and friends do not apply
  /// to it), wired to the harness's mock HTTP, clock, logger and storage. Its
  /// config is the manifest's defaults under the harness's layers, and follows
  /// later `config(...)` calls. Returns the plugin's name.
  [[nodiscard]] result<std::string> load_plugin(const std::filesystem::path& dir) {
    auto m = aura::plugin::read_plugin_dir(dir);
    if (!m) return fail(std::move(m.error()));
    const std::string name = m->name;
    for (const auto& hook : m->hooks) {
      if (!declared_.count(hook.event) && !bus_->flags_of(hook.event)) declare(hook.event, flags_of(hook.event));
    }
    if (auto loaded = plugins().load(std::move(*m)); !loaded) return fail(std::move(loaded.error()));
    if (auto c = plugins_->context_of(name)) c->set_storage(storage_);
    refresh_plugin_config();
    return name;
  }

  /// The plugin module's host behind load_plugin (reload, upgrade, unload, list).
  [[nodiscard]] aura::plugin::plugin_host& plugins() {
    if (!plugins_) {
      aura::plugin::runtime_registry runtimes;
      runtimes.set(aura::plugin::runtime_kind::native, aura::plugin::native_loader(natives_))
          .set(aura::plugin::runtime_kind::process, aura::plugin::process_loader())
          .set(aura::plugin::runtime_kind::command, aura::plugin::command_loader());
#if defined(AURA_TESTING_HAVE_WASM)
      runtimes.set(aura::plugin::runtime_kind::wasm, aura::plugin::wasm_loader());
#endif
#if defined(AURA_TESTING_HAVE_LUA)
      runtimes.set(aura::plugin::runtime_kind::lua, aura::plugin::lua_loader());
#endif
      aura::plugin::host_options opts;
      opts.log = logger_;
      opts.clock = clock_;
      opts.http = http_;
      opts.config = config_layers_for({});
      std::error_code ec;
      opts.data_root = std::filesystem::temp_directory_path(ec) / "aura-testing-unused";  // storage is the mock
      plugins_ = std::make_unique<aura::plugin::plugin_host>(*bus_, std::move(runtimes), std::move(opts));
    }
    return *plugins_;
  }

  /// Native plugins' factories by entrypoint: add one before loading a
  /// directory whose manifest says `runtime.kind = "native"`.
  [[nodiscard]] aura::plugin::native_registry& natives() noexcept { return *natives_; }
#endif

#if defined(AURA_TESTING_HAVE_WASM)
  /// Loads a WASM module; its capability imports are linked by the harness
  /// permissions, so grant them before loading.
  [[nodiscard]] result<std::shared_ptr<wasm_plugin>> load_wasm(const std::filesystem::path& file,
                                                               wasm_options opts = {}) {
    if (opts.name.empty()) opts.name = ctx_->owner();
    if (!opts.ctx) opts.ctx = ctx_;
    return wasm_plugin::load(file, std::move(opts));
  }
#endif

#if defined(AURA_TESTING_HAVE_LUA)
  /// Loads a Lua script file.
  [[nodiscard]] result<std::shared_ptr<lua_plugin>> load_lua(const std::filesystem::path& file,
                                                             lua_options opts = {}) {
    if (opts.name.empty()) opts.name = ctx_->owner();
    if (!opts.ctx) opts.ctx = ctx_;
    return lua_plugin::load(file, std::move(opts));
  }
  /// Loads a Lua script from text (`chunk` names it in errors).
  [[nodiscard]] result<std::shared_ptr<lua_plugin>> load_lua_source(std::string source, std::string chunk = "test.lua",
                                                                    lua_options opts = {}) {
    if (opts.name.empty()) opts.name = ctx_->owner();
    if (!opts.ctx) opts.ctx = ctx_;
    return lua_plugin::load_source(std::move(source), std::move(chunk), std::move(opts));
  }
#endif

 private:
  static void grant_api(aura::permissions& p, const char* scope) {
    if (!p.allows_api(scope)) p.call_api.emplace_back(scope);
  }

  template <class Env>
  void stamp(Env& env) {
    char id[32];
    std::snprintf(id, sizeof id, "ev-test-%06u", ++event_counter_);
    env.id = id;
    env.time = clock_->peek();
    env.source = "aura.testing";
    env.session = session_;
  }

  template <class E>
  [[nodiscard]] static outcome<E> refused(envelope<E> env, const error& why) {
    outcome<E> out;
    out.verdict = verdict::deny;
    out.reason = "the harness could not add the hook: " + why.describe();
    out.data = std::move(env.data);
    out.diagnostics.push_back(why);
    return out;
  }

#if defined(AURA_TESTING_HAVE_PLUGIN)
  /// The harness's layers as the plugin module's: defaults and global as its
  /// global layer (the manifest's defaults lie below), the plugin layer for `name`.
  [[nodiscard]] aura::plugin::config_layers config_layers_for(const std::string& name) const {
    aura::plugin::config_layers cl;
    for (auto l : {config_layer::defaults, config_layer::global}) {
      auto it = layers_.find(l);
      if (it != layers_.end() && it->second.is_object()) cl.global = apply_merge_patch(std::move(cl.global), it->second);
    }
    if (auto it = layers_.find(config_layer::plugin); it != layers_.end() && !name.empty()) {
      cl.per_plugin[name] = it->second;
    }
    return cl;
  }
  void refresh_plugin_config() {
    if (!plugins_) return;
    for (const auto& name : plugins_->names()) {
      auto spec = plugins_->find(name);
      auto c = plugins_->context_of(name);
      if (spec && c) c->set_config(config_layers_for(name).merged(name, spec->config));
    }
  }
#endif

  void shutdown_plugins() noexcept {
    for (auto it = cleanups_.rbegin(); it != cleanups_.rend(); ++it) {
      try {
        (*it)();
      } catch (...) {
        // a plugin that fails to stop must not take the test down with it
      }
    }
    cleanups_.clear();
  }

  std::shared_ptr<mock_http> http_;
  std::shared_ptr<mock_storage> storage_;
  std::shared_ptr<mock_clock> clock_;
  std::shared_ptr<mock_logger> logger_;
  std::shared_ptr<context> ctx_;
  std::unique_ptr<aura::bus> bus_;
  std::map<config_layer, nlohmann::json> layers_;
  std::map<std::string, event_flags, std::less<>> declared_;
  std::string session_ = "test-session";
  unsigned event_counter_ = 0;
  std::vector<std::function<void()>> cleanups_;
#if defined(AURA_TESTING_HAVE_PLUGIN)
  std::shared_ptr<aura::plugin::native_registry> natives_ = std::make_shared<aura::plugin::native_registry>();
  std::unique_ptr<aura::plugin::plugin_host> plugins_;  // after bus_: it unregisters from it when it goes
#endif
};

}  // namespace aura::testing
