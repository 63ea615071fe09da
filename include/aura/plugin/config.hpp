// aura/plugin/config.hpp - the host's plugin settings and the config layers a
// plugin sees: plugin defaults < global < per-plugin, merged into one object.
//
// The host settings file (aura.json) looks like:
//   {"plugin_dirs": ["plugins"], "include": ["*"], "exclude": ["experimental-*"],
//    "disabled": ["noisy"], "enabled": ["opt-in"],
//    "config": {"log_level": "info"},                 <- global layer, every plugin
//    "plugin_config": {"ticket-check": {"prefix": "OPS"}},  <- per-plugin layer
//    "logs": {"dir": "logs", "max_bytes": "4M", "generations": 3}}  <- plugin logs
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

/// Where plugin logs go and how big they grow (host_options::log_dir,
/// log_max_bytes, log_generations); what is unset keeps the host's value.
struct log_settings {
  std::filesystem::path dir;  ///< relative to the settings file's directory; empty: unset
  std::optional<std::uintmax_t> max_bytes;
  std::optional<unsigned> generations;
};

/// A byte count as people write one: `1048576`, `512K`, `4M`, `1G`
/// (binary multiples; `KiB`/`MiB`/`GiB` and `KB`/`MB`/`GB` spell the same).
/// Nothing when the text is not such a count or does not fit 64 bits.
[[nodiscard]] inline std::optional<std::uintmax_t> parse_byte_size(std::string_view text) noexcept {
  std::size_t i = 0;
  std::uintmax_t n = 0;
  constexpr std::uintmax_t max = std::numeric_limits<std::uintmax_t>::max();
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto d = static_cast<std::uintmax_t>(text[i] - '0');
    if (n > (max - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < text.size(); ++i) unit += static_cast<char>(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
  unsigned shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    shift = 10;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    shift = 20;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    shift = 30;
  } else {
    return std::nullopt;
  }
  if (shift != 0 && n > (max >> shift)) return std::nullopt;
  return n << shift;
}

/// The host's settings file, read.
struct host_settings {
  std::vector<std::filesystem::path> plugin_dirs;  ///< relative to the file's directory
  selection select;
  config_layers config;
  /// `call_api` scopes the host program defines (Naridon Aura's `intents:read`...): host_options::api_scopes.
  std::vector<std::string> api_scopes;
  log_settings logs;
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
    "plugin_config": {"type": "object", "additionalProperties": {"type": "object"}},
    "logs": {"type": "object", "additionalProperties": false, "properties": {
      "dir": {"type": "string", "minLength": 1},
      "max_bytes": {"anyOf": [{"type": "integer", "minimum": 0},
                              {"type": "string", "pattern": "^[0-9]+ ?([KkMmGg]([Ii]?[Bb])?|[Bb])?$"}]},
      "generations": {"type": "integer", "minimum": 0, "maximum": 1000}}}
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
  if (const auto logs = j.find("logs"); logs != j.end()) {
    if (const auto d = logs->find("dir"); d != logs->end()) {
      std::filesystem::path p(d->get<std::string>());
      s.logs.dir = p.is_absolute() ? p : file.parent_path() / p;
    }
    if (const auto m = logs->find("max_bytes"); m != logs->end()) {
      // A count past 64 bits reads as a double: not a count.
      std::string spelled = m->is_string() ? m->get<std::string>()
                          : m->is_number_unsigned() ? std::to_string(m->get<std::uintmax_t>()) : m->dump();
      spelled.erase(std::remove(spelled.begin(), spelled.end(), ' '), spelled.end());
      s.logs.max_bytes = parse_byte_size(spelled);
      if (!s.logs.max_bytes) {  // the schema took the spelling; only a count past 64 bits is left
        detail::json_line_map lines(*text);
        return fail(errc::validation_failed, "logs.max_bytes: \"" + spelled + "\" does not fit 64 bits",
                    file.string() + ":" + std::to_string(lines.line_of("/logs/max_bytes")));
      }
    }
    if (const auto g = logs->find("generations"); g != logs->end()) s.logs.generations = g->get<unsigned>();
  }
  return s;
}

}  // namespace aura::plugin
