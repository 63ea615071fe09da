// aura/plugin/config.hpp - the host's plugin settings and the config layers a
// plugin sees: plugin defaults < global < per-plugin, merged into one object.
//
// The host settings file (aura.json) looks like:
//   {"plugin_dirs": ["plugins"], "include": ["*"], "exclude": ["experimental-*"],
//    "disabled": ["noisy"], "enabled": ["opt-in"],
//    "config": {"log_level": "info"},                 <- global layer, every plugin
//    "plugin_config": {"ticket-check": {"prefix": "OPS"}}}  <- per-plugin layer
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/schema/schema.hpp"

namespace aura::plugin {

/// Deep merge: objects merge key by key, anything else is replaced; a null
/// removes the key (JSON Merge Patch, RFC 7396).
[[nodiscard]] inline nlohmann::json merge_layer(nlohmann::json base, const nlohmann::json& layer) {
  if (!layer.is_object()) return layer.is_null() ? base : layer;
  if (!base.is_object()) base = nlohmann::json::object();
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    if (it->is_null()) {
      base.erase(it.key());
    } else {
      base[it.key()] = merge_layer(base.contains(it.key()) ? base[it.key()] : nlohmann::json(), *it);
    }
  }
  return base;
}

/// The two host layers above a plugin's own defaults.
struct config_layers {
  nlohmann::json global = nlohmann::json::object();
  std::map<std::string, nlohmann::json> per_plugin;

  /// What plugin `name` with defaults `defaults` sees.
  [[nodiscard]] nlohmann::json merged(const std::string& name, const nlohmann::json& defaults) const {
    nlohmann::json out = merge_layer(defaults.is_object() ? defaults : nlohmann::json::object(), global);
    if (auto it = per_plugin.find(name); it != per_plugin.end()) out = merge_layer(std::move(out), it->second);
    return out;
  }
};

/// Which plugins discovery lists and which of those load.
struct selection {
  std::vector<std::string> include;   ///< name globs; empty = all
  std::vector<std::string> exclude;   ///< name globs never listed
  std::vector<std::string> disabled;  ///< name globs listed but not loaded
  std::vector<std::string> enabled;   ///< name globs loaded even if the manifest disables them
};

/// The host's settings file, read.
struct host_settings {
  std::vector<std::filesystem::path> plugin_dirs;  ///< relative to the file's directory
  selection select;
  config_layers config;
  /// `call_api` scopes the host program defines (Naridon Aura's `intents:read`...): host_options::api_scopes.
  std::vector<std::string> api_scopes;
  std::filesystem::path file;
};

inline constexpr std::string_view host_settings_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "plugin_dirs": {"type": "array", "items": {"type": "string"}},
    "include": {"type": "array", "items": {"type": "string"}},
    "exclude": {"type": "array", "items": {"type": "string"}},
    "disabled": {"type": "array", "items": {"type": "string"}},
    "enabled": {"type": "array", "items": {"type": "string"}},
    "config": {"type": "object"},
    "api_scopes": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$"}},
    "plugin_config": {"type": "object", "additionalProperties": {"type": "object"}}
  }
})json";

/// Reads and checks a host settings file.
[[nodiscard]] inline result<host_settings> read_host_settings(const std::filesystem::path& file) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(errc::parse_error, "settings file is not valid JSON", file.string());
  static const result<schema::validator> v = schema::compile(nlohmann::json::parse(host_settings_schema));
  if (!v) return fail(errc::schema_error, "the settings schema did not compile: " + v.error().describe());
  auto problems = v->check(j);
  if (!problems.empty()) {
    detail::json_line_map lines(*text);
    const auto& p = problems.front();
    return fail(errc::validation_failed, detail::field_name(p.instance_location) + ": " + p.message,
                file.string() + ":" + std::to_string(lines.line_of(p.instance_location)));
  }
  host_settings s;
  s.file = file;
  for (const auto& d : j.value("plugin_dirs", std::vector<std::string>{})) {
    std::filesystem::path p(d);
    s.plugin_dirs.push_back(p.is_absolute() ? p : file.parent_path() / p);
  }
  s.select.include = j.value("include", std::vector<std::string>{});
  s.select.exclude = j.value("exclude", std::vector<std::string>{});
  s.select.disabled = j.value("disabled", std::vector<std::string>{});
  s.select.enabled = j.value("enabled", std::vector<std::string>{});
  s.config.global = j.value("config", nlohmann::json::object());
  s.api_scopes = j.value("api_scopes", std::vector<std::string>{});
  const nlohmann::json per_plugin = j.value("plugin_config", nlohmann::json::object());
  for (auto it = per_plugin.begin(); it != per_plugin.end(); ++it) s.config.per_plugin[it.key()] = *it;
  return s;
}

}  // namespace aura::plugin
