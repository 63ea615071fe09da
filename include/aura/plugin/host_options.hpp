// aura/plugin/host_options.hpp - what a plugin_host gives every plugin it
// loads (host_options), and how a loaded plugin is listed (plugin_status).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aura/core/context.hpp"
#include "aura/core/hook_sink.hpp"
#include "aura/core/host_api.hpp"
#include "aura/core/storage_limits.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/version_range.hpp"

namespace aura::plugin {

/// What the host gives every plugin it loads.
struct host_options {
  std::shared_ptr<logger> log = std::make_shared<stderr_logger>();
  std::shared_ptr<clock_source> clock = std::make_shared<system_clock_source>();
  /// none: plugins' HTTP calls get errc::unsupported. One line gives them
  /// aura's libcurl client (target aura::http):
  /// `opts.http = std::make_shared<aura::net::curl_http_client>();`
  std::shared_ptr<http_client> http;
  /// The most storage any plugin gets; a manifest's storage_quota may ask for
  /// less, and asking for more is a load error (core/storage_limits.hpp).
  storage_limits storage_caps;
  config_layers config;
  /// plugin_private storage lives in data_root/<name>; empty: <plugin dir>/.data
  std::filesystem::path data_root;
  /// repo_readonly / repo_readwrite storage root; empty: the current directory
  std::filesystem::path repo_root;
  /// The environment plugins' variables are taken from; empty: the host's own.
  std::optional<std::map<std::string, std::string>> environment;
  semver sdk = host_sdk();
  std::chrono::milliseconds unload_grace{1000};
  std::chrono::milliseconds lifecycle_timeout{5000};  ///< Codineer Init/Shutdown scripts
  /// Where the hooks of an event join instead of the bus, by event name: an
  /// agent host routes tool.before_execution and messages.transform to its
  /// pipelines (aura::agent::sink_for) so plugin hooks get their rules.
  std::map<std::string, std::shared_ptr<hook_sink>, std::less<>> sinks;
  /// `call_api` scopes this host defines beyond aura's own (log, config,
  /// storage, http, clock, env): Naridon Aura's `intents:read`... A manifest
  /// naming a scope the host knows neither here nor in `api_methods` fails to load.
  std::vector<std::string> api_scopes;
  /// The host's own APIs, each behind a scope (process plugins call `host/<name>`).
  std::shared_ptr<const host_method_table> api_methods;

  // ---- isolation of lua and wasm plugins (docs/security.md, docs/adapters/isolated.md)
  /// Where lua and wasm plugins run unless said otherwise: `process` (the
  /// default: aura-worker processes, bounded from outside) or `in_process`
  /// (the explicit opt-in for speed, for plugins the host trusts).
  isolation_mode isolation = isolation_mode::process;
  /// Per plugin name, over everything else (the host's word on one plugin).
  std::map<std::string, isolation_mode, std::less<>> isolation_for;
  /// Whether a manifest's `isolation = "none"` is honoured. Off by default: a
  /// plugin found on disk does not get to lower its own isolation (its
  /// `isolation = "process"` is always honoured).
  bool trust_manifest_isolation = false;
  /// The worker executable; empty: $AURA_WORKER, next to the program, ../libexec/aura.
  std::filesystem::path worker;
  /// The workers' bounds (rlimits, margins, pool size, back-off).
  isolation_limits isolation_bounds;

  // ---- distribution (docs/distribution.md)
  /// Run before every load, reload and upgrade, before any plugin code: an
  /// error refuses that load (the old version keeps running on upgrade).
  /// aura::distribution::load_verifier checks the plugin's files against its
  /// AURA-FILES and the signature against a trust store.
  std::function<result<void>(const manifest&)> verify_load;
  /// Each plugin's stderr (a process plugin's, read as it comes; each run's
  /// of a command plugin) and its `host/log` lines go to log_dir/<name>.log
  /// (empty: stderr kept as a tail only, log lines to `log`) through one
  /// writer per plugin (aura::rotating_log: one mutex, one size policy, one
  /// descriptor across restarts). Before a write would take the file past
  /// log_max_bytes it is rotated: <name>.log.K -> .K+1 up to
  /// log_generations, <name>.log -> <name>.log.1. A write too big is cut at
  /// the last newline that fits (a line longer than the limit, at the
  /// limit), so no file passes log_max_bytes and the log holds at most
  /// (log_generations + 1) x log_max_bytes. A full log is also rotated when
  /// the plugin starts. 0 bytes: no limit.
  std::filesystem::path log_dir;
  std::uintmax_t log_max_bytes = 1u << 20;
  unsigned log_generations = 1;
  /// With log_dir: every hook call's latency, input and output size go to
  /// log_dir/<name>.calls, a ring of this many records (128 bytes each;
  /// plugin/invocation_ring.hpp); `aura plugin stats` reads it. 0: none.
  std::uint32_t invocation_capacity = 4096;
};

/// The `call_api` scopes aura itself defines.
[[nodiscard]] inline const std::vector<std::string>& builtin_api_scopes() {
  static const std::vector<std::string> all{"*", "log", "config", "storage", "http", "clock", "env"};
  return all;
}

/// A loaded plugin, as listed.
struct plugin_status {
  std::string name;
  std::string version;
  runtime_kind kind = runtime_kind::native;
  std::filesystem::path dir;
  std::size_t hooks = 0;
  std::uint64_t generation = 0;  ///< 1 at load, +1 per reload or upgrade
};

/// What plugin_host::on_change reports: a plugin joined, left or was swapped
/// (reload and upgrade), after the change took effect.
struct plugin_change {
  enum class kind : std::uint8_t { loaded, unloaded, upgraded };
  kind what = kind::loaded;
  std::string name;
  std::string version;           ///< the version now loaded (the old one for `unloaded`)
  std::uint64_t generation = 0;
};

}  // namespace aura::plugin
