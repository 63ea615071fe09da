// aura/plugin/idelchi_features.hpp - idelchi/aura's host settings file,
// .aura/config/features/plugins.yaml, read into aura's host_settings:
//
//   plugins:
//     dir: ""            plugin directory, relative to the config home that
//                        declares it (.aura/); empty: "plugins/"
//     unsafe: false      idelchi/aura: allow os/exec in Yaegi plugins
//     include: []        only these plugins (name globs); empty: all
//     exclude: []        skip these (applied after include)
//     config:
//       global: {}       every plugin's PluginConfig layer
//       local: {name: {}}  one plugin's layer, over the global one
//
// `unsafe` is read and reported but changes nothing: aura runs no Go
// interpreter whose imports it could widen; a plugin is a process, a Lua
// script or a WASM module, each with its own sandbox. Unknown fields are
// errors with the nearest known name; every problem is at file:line:column.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/idelchi_yaml.hpp"

namespace aura::plugin {

/// Where idelchi/aura keeps the file, under a project (or home) directory.
inline constexpr std::string_view idelchi_features_path = ".aura/config/features/plugins.yaml";

/// The file, read.
struct idelchi_features {
  host_settings settings;  ///< plugin_dirs (the dir), select (include/exclude), config (global/local)
  bool unsafe = false;     ///< read, without effect in aura (see the top of this file)
  std::filesystem::path home;  ///< the config home `dir` resolves against
};

/// The config home of a features file: `<home>/config/features/plugins.yaml`
/// gives <home>; a file elsewhere resolves against its own directory.
[[nodiscard]] inline std::filesystem::path idelchi_config_home(const std::filesystem::path& file) {
  const auto features = file.parent_path();
  const auto config = features.parent_path();
  if (features.filename() == "features" && config.filename() == "config") return config.parent_path();
  return features;
}

/// Reads idelchi/aura's features/plugins.yaml; every problem is returned
/// (the first one as the error), each naming the field and its place.
[[nodiscard]] inline result<idelchi_features> read_idelchi_features(const std::filesystem::path& file) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  auto parsed = parse_yaml(*text, file.string());
  if (!parsed) return fail(std::move(parsed.error()));
  detail::idelchi_reader r(*parsed, file.string());
  idelchi_features out;
  out.home = idelchi_config_home(file);
  out.settings.file = file;
  const nlohmann::json& d = parsed->json;
  std::filesystem::path dir = "plugins";
  if (d.is_null()) {
    // An empty file: every default.
  } else if (!d.is_object()) {
    r.add(errc::invalid_argument, "", "the features file must be a mapping, not " + detail::idelchi_reader::kind(d));
  } else {
    r.known(d, "", {"plugins"});
    if (const nlohmann::json* p = r.mapping(d, "", "plugins")) {
      r.known(*p, "/plugins", {"dir", "unsafe", "include", "exclude", "config"});
      if (auto given = r.string(*p, "/plugins", "dir"); given && !given->empty()) dir = *given;
      out.unsafe = r.boolean(*p, "/plugins", "unsafe", false);
      out.settings.select.include = r.strings(*p, "/plugins", "include");
      out.settings.select.exclude = r.strings(*p, "/plugins", "exclude");
      if (const nlohmann::json* c = r.mapping(*p, "/plugins", "config")) {
        r.known(*c, "/plugins/config", {"global", "local"});
        if (const nlohmann::json* g = r.mapping(*c, "/plugins/config", "global")) out.settings.config.global = *g;
        if (const nlohmann::json* l = r.mapping(*c, "/plugins/config", "local")) {
          for (auto it = l->begin(); it != l->end(); ++it) {
            if (!it->is_object()) {
              r.add(errc::invalid_argument, "/plugins/config/local/" + detail::escape_pointer_token(it.key()),
                    "must be a mapping of config values, not " + detail::idelchi_reader::kind(*it));
            } else {
              out.settings.config.per_plugin[it.key()] = *it;
            }
          }
        }
      }
    }
  }
  if (!r.errors().empty()) return fail(std::move(r.errors().front()));
  out.settings.plugin_dirs.push_back(dir.is_absolute() ? dir : out.home / dir);
  return out;
}

/// `layer` over `base`: its directories after base's, its globs added, its
/// config merged over base's (so a features file and aura.json combine).
inline void add_settings(host_settings& base, const host_settings& layer) {
  for (const auto& d : layer.plugin_dirs)
    if (std::find(base.plugin_dirs.begin(), base.plugin_dirs.end(), d) == base.plugin_dirs.end()) base.plugin_dirs.push_back(d);
  auto append = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(base.select.include, layer.select.include);
  append(base.select.exclude, layer.select.exclude);
  append(base.select.disabled, layer.select.disabled);
  append(base.select.enabled, layer.select.enabled);
  base.config.global = merge_layer(base.config.global, layer.config.global);
  for (const auto& [name, cfg] : layer.config.per_plugin) {
    auto& slot = base.config.per_plugin[name];
    slot = merge_layer(slot.is_object() ? slot : nlohmann::json::object(), cfg);
  }
  append(base.api_scopes, layer.api_scopes);
}

}  // namespace aura::plugin
