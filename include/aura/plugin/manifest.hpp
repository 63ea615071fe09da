// aura/plugin/manifest.hpp - what a plugin declares about itself, in one model
// for every manifest format (aura-plugin.toml, aura-plugin.json, Codineer
// plugin.json, idelchi/aura plugin.yaml).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/hook.hpp"
#include "aura/core/permissions.hpp"
#include "aura/plugin/version_range.hpp"

namespace aura::plugin {

/// How a plugin's hooks run.
/// `shared_object`: a .so loaded with dlopen through the C ABI of
/// aura/plugin/c_abi.h (runtimes/shared_object.hpp); it runs in the host's process.
/// `nats`: served by `aura worker` processes over NATS (aura/nats/runtime.hpp).
enum class runtime_kind : std::uint8_t { native, process, command, wasm, lua, shared_object, nats };

[[nodiscard]] constexpr std::string_view to_string(runtime_kind k) noexcept {
  switch (k) {
    case runtime_kind::native: return "native";
    case runtime_kind::process: return "process";
    case runtime_kind::command: return "command";
    case runtime_kind::wasm: return "wasm";
    case runtime_kind::lua: return "lua";
    case runtime_kind::shared_object: return "shared_object";
    case runtime_kind::nats: return "nats";
  }
  return "native";
}

[[nodiscard]] inline std::optional<runtime_kind> runtime_kind_from(std::string_view s) noexcept {
  for (auto k : {runtime_kind::native, runtime_kind::process, runtime_kind::command, runtime_kind::wasm,
                 runtime_kind::lua, runtime_kind::shared_object, runtime_kind::nats}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

/// Where a Lua or WASM plugin's code runs (`isolation` in `[plugin.runtime]`
/// and in host_options). docs/security.md says what each guarantees.
enum class isolation_mode : std::uint8_t {
  host_default,  ///< not said: the host's choice (host_options::isolation, by default `process`)
  in_process,    ///< "none" / "in-process": in the host, bounded by the runtime's own limits
  process,       ///< "process": in aura-worker processes, bounded from outside
};

[[nodiscard]] constexpr std::string_view to_string(isolation_mode m) noexcept {
  switch (m) {
    case isolation_mode::host_default: return "host_default";
    case isolation_mode::in_process: return "in-process";
    case isolation_mode::process: return "process";
  }
  return "host_default";
}

/// "process", "none" or "in-process"; anything else is nullopt.
[[nodiscard]] inline std::optional<isolation_mode> isolation_mode_from(std::string_view s) noexcept {
  if (s == "process") return isolation_mode::process;
  if (s == "none" || s == "in-process") return isolation_mode::in_process;
  return std::nullopt;
}

/// Which file a manifest came from.
enum class manifest_format : std::uint8_t { toml, json, codineer, idelchi };

[[nodiscard]] constexpr std::string_view to_string(manifest_format f) noexcept {
  switch (f) {
    case manifest_format::toml: return "aura-plugin.toml";
    case manifest_format::json: return "aura-plugin.json";
    case manifest_format::codineer: return "plugin.json";
    case manifest_format::idelchi: return "plugin.yaml";
  }
  return "aura-plugin.json";
}

/// `[plugin.runtime]`: the kind and what to start. For process/command the
/// entrypoint is a command line (split on spaces, or `args` for the rest);
/// for wasm/lua a file relative to the plugin directory; for native the name
/// a host registered a factory under (see native_registry).
struct runtime_spec {
  runtime_kind kind = runtime_kind::process;
  std::string entrypoint;
  std::vector<std::string> args;
  /// command runtime: "aura" (the wire format) or "claude_code" (Claude Code hook I/O).
  std::string protocol = "aura";
  /// Sandbox limits of wasm and lua plugins (`[plugin.runtime.limits]`); null = the host's defaults.
  nlohmann::json limits;
  /// The kind as the manifest wrote it when it is one of Naridon Aura's
  /// language kinds (rust, node, python, binary), all run by the process
  /// runtime; empty otherwise. `interpreter` is what starts the entrypoint
  /// ("node", "python3"; empty: the entrypoint is the executable).
  std::string language;
  std::string interpreter;
  /// wasm and lua: where the code runs (`isolation = "process" | "none"`).
  isolation_mode isolation = isolation_mode::host_default;
};

/// One `[[plugin.hooks]]` entry.
struct hook_spec {
  std::string event;
  std::string handler;
  int priority = 0;
  std::chrono::milliseconds timeout{0};
  std::string condition;
  bool once = false;
  failure_policy on_error = failure_policy::fail_open;
  /// Codineer hooks each run their own script: the command line, relative to the plugin.
  std::vector<std::string> command;
  std::string where;  ///< "file:line" of the entry, for load errors
};

/// Codineer's tool permission levels, lowest first.
[[nodiscard]] inline int tool_permission_level(const std::string& p) {
  if (p == "danger-full-access") return 2;
  if (p == "workspace-write") return 1;
  return 0;  // read-only (and unset)
}

/// A command line tool or command the plugin offers: arguments as JSON on
/// stdin, the answer on stdout.
struct command_spec {
  std::string name;
  std::string description;
  std::vector<std::string> run;      ///< argv; [0] relative to the plugin directory if it names a file there
  nlohmann::json input_schema = nlohmann::json::object();  ///< JSON Schema of the arguments
  std::string schema_file;           ///< `schema` of an mcp_tools entry (relative path), already loaded
  /// A tool's `outputSchema` (JSON Schema of its structured result); null:
  /// none declared. An MCP server then answers structuredContent checked against it.
  nlohmann::json output_schema;
  std::chrono::milliseconds timeout{0};  ///< `timeout_ms`; 0: the caller's default
  std::string required_permission;   ///< Codineer: read-only | workspace-write | danger-full-access
  /// idelchi/aura's tool schema extras (`Usage`, `Examples`) and tool
  /// properties: `Parallel()` (safe to run beside other tools, default true),
  /// `Sandboxable()` (default true); plugin.yaml's `override` and `opt_in`.
  std::string usage;
  std::string examples;
  bool parallel = true;
  bool sandboxable = true;
  bool override_existing = false;  ///< replace a tool of the same name (plugin.yaml `override`)
  bool opt_in = false;             ///< listed only when enabled by name (plugin.yaml `opt_in`)
  /// idelchi/aura's `Available()`: a command line run (in the plugin
  /// directory, with the plugin's environment) before the tool is listed;
  /// a non-zero exit leaves the tool out. Empty: always available.
  std::vector<std::string> available;
  /// idelchi/aura's `Paths(args)`: a command line given the arguments as JSON
  /// on stdin, answering {read, write, record, guard, clear} (agent/tool_paths.hpp)
  /// on stdout. Empty: the tool declares no paths.
  std::vector<std::string> paths;
  /// idelchi/aura's command schema extras: tab-completion hint labels, the
  /// output forwarded to the model as a user message, the output not shown.
  std::vector<std::string> hints;
  bool forward = false;
  bool silent = false;
  /// A tool without `run` of a Lua or WASM plugin: the handler serving it
  /// (empty: the tool's name), called with the event plugin::tool_call_event.
  std::string handler;
  /// No `run`: a process plugin serves it in its own JSON-RPC process
  /// (methods `command` and `tools/call`, docs/protocol.md); a Lua or WASM
  /// plugin's tool, in its runtime (`handler`).
  [[nodiscard]] bool in_process() const noexcept { return run.empty(); }
  std::string where;
};

/// `[plugin.api]`.
struct api_spec {
  std::optional<semver> min_aura_version;
  std::optional<version_range> sdk;
};

/// A parsed, validated manifest.
struct manifest {
  std::string name;
  std::string version;
  std::string description;
  std::vector<std::string> authors;
  std::string license;
  runtime_spec runtime;
  api_spec api;
  std::vector<hook_spec> hooks;
  std::vector<command_spec> commands;
  std::vector<command_spec> tools;
  nlohmann::json config = nlohmann::json::object();  ///< `[plugin.config]` defaults
  permissions perms;
  bool default_enabled = true;
  /// Rustant capabilities the plugin declares (ToolRegistration, HookRegistration,
  /// FileSystemAccess, NetworkAccess, ShellExecution, SecretAccess).
  std::vector<std::string> capabilities;
  /// Codineer lifecycle scripts: run at load (Init) and unload (Shutdown).
  std::vector<std::vector<std::string>> on_init, on_shutdown;

  manifest_format format = manifest_format::json;
  std::filesystem::path file;  ///< the manifest file
  std::filesystem::path dir;   ///< the plugin directory (file's parent)
  nlohmann::json source;       ///< the document as read (TOML converted to JSON)
};

}  // namespace aura::plugin
