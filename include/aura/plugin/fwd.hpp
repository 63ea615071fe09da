// aura/plugin/fwd.hpp - forward declarations of the plugin module.
#pragma once

namespace aura::plugin {
// version_range.hpp
struct semver;
class version_range;
// manifest.hpp
struct runtime_spec;
struct hook_spec;
struct command_spec;
struct api_spec;
struct manifest;
// manifest_toml.hpp
struct toml_document;
// config.hpp
struct config_layers;
struct selection;
struct host_settings;
// discovery.hpp
struct plugin_root;
struct discovered_plugin;
struct discovery;
// sandbox.hpp
class directory_storage;
// runtime.hpp
class plugin_instance;
struct load_request;
class runtime_registry;
struct native_plugin;
class native_registry;
// host_options.hpp
struct host_options;
struct plugin_status;
struct plugin_change;
// plugin_log.hpp
class plugin_file_logger;
class plugin_log_writers;
// host.hpp
class plugin_host;
// tools.hpp
struct plugin_tool;
// tool_sandbox.hpp, tool_exec.hpp
struct tool_sandbox_options;
class landlock_ruleset;
struct plugin_tool_call_options;
// idelchi_features.hpp
struct idelchi_features;
}  // namespace aura::plugin
