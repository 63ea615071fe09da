// aura/plugin/codineer_settings.hpp - Codineer's settings.json, the part of it
// that is the plugin system's:
//
//   {
//     "plugins": {
//       "enabled": {"devops-toolkit@external": true, "old@installed": false},
//       "installRoot": "/opt/codineer/plugins",     default ~/.codineer/plugins
//       "externalDirectories": [".codineer/plugins"],
//       "bundledRoot": "..."                         a root like the others
//     },
//     "permissions": {"defaultMode": "workspace-write"}
//   }
//
// `enabled` (and the older top-level `enabledPlugins`) switch plugins on and
// off by plugin ID (`name@source`, or the bare name): a Codineer plugin is off
// until it is enabled (defaultEnabled false). The install root replaces the
// default one; external directories are extra roots. Relative paths are
// relative to the project: the directory holding `.codineer/` when the file
// is `.codineer/settings.json`, else the file's directory. `defaultMode` (or
// the older `permissionMode`) is the most a tool may require
// (`requiredPermission`): read-only, workspace-write or danger-full-access,
// with their aliases default/plan, acceptEdits/auto and dontAsk.
//
// The other keys of settings.json (model, env, hooks, mcpServers, ...) belong
// to the Codineer application, not to its plugins, and are left alone; an
// unknown key inside `plugins` or a wrong type is an error at its JSON pointer.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/detail/util.hpp"

namespace aura::plugin {

/// Where aura looks for Codineer's settings in a project.
inline constexpr std::string_view codineer_settings_path = ".codineer/settings.json";

/// What Codineer's settings.json says about plugins.
struct codineer_settings {
  host_settings settings;                            ///< plugin roots and the enabled / disabled names
  std::string max_permission = "danger-full-access"; ///< the most a tool may require
  std::map<std::string, bool> enabled;               ///< as written: plugin ID -> on/off
};

/// A permission mode (or its alias) as a tool permission level name; empty
/// when it is none of them.
[[nodiscard]] inline std::string codineer_permission_mode(const std::string& mode) {
  if (mode == "read-only" || mode == "default" || mode == "plan") return "read-only";
  if (mode == "workspace-write" || mode == "acceptEdits" || mode == "auto") return "workspace-write";
  if (mode == "danger-full-access" || mode == "dontAsk") return "danger-full-access";
  return {};
}

[[nodiscard]] inline result<codineer_settings> read_codineer_settings(const std::filesystem::path& file) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  const std::string shown = file.string();
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) return fail(errc::parse_error, "settings.json is not valid JSON", shown);
  if (doc.is_null()) doc = nlohmann::json::object();  // Codineer reads an empty file as {}
  auto bad = [&](const std::string& ptr, const std::string& what) {
    return fail(error{errc::invalid_argument, ptr.empty() ? what : ptr + ": " + what, {}, {}, shown + "#" + ptr});
  };
  if (!doc.is_object()) return bad("", "settings.json must hold a JSON object");

  std::error_code ec;
  const auto abs = std::filesystem::absolute(file, ec);
  const auto parent = abs.parent_path();
  const auto project = parent.filename() == ".codineer" ? parent.parent_path() : parent;
  auto place = [&](const std::string& p) {
    if (p.rfind("~/", 0) == 0) {
      const char* home = std::getenv("HOME");
      return std::filesystem::path(home ? home : "") / p.substr(2);
    }
    std::filesystem::path d(p);
    return d.is_absolute() ? d : project / d;
  };

  codineer_settings out;
  out.settings.file = file;
  auto read_enabled = [&](const nlohmann::json& map, const std::string& ptr) -> result<void> {
    if (!map.is_object()) return bad(ptr, "must map plugin IDs to true or false");
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->is_boolean()) return bad(ptr + "/" + it.key(), "must be true or false");
      out.enabled[it.key()] = it->get<bool>();
    }
    return {};
  };
  if (auto e = doc.find("enabledPlugins"); e != doc.end()) {  // the older spelling; plugins.enabled wins
    if (auto r = read_enabled(*e, "/enabledPlugins"); !r) return fail(std::move(r.error()));
  }
  std::filesystem::path install;
  if (auto p = doc.find("plugins"); p != doc.end()) {
    if (!p->is_object()) return bad("/plugins", "must be an object");
    static const std::vector<std::string> known{"enabled",      "installRoot", "externalDirectories",
                                                "bundledRoot",  "registryPath", "maxOutputTokens"};
    for (auto it = p->begin(); it != p->end(); ++it) {
      if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
        predicate_registry near;  // core's "did you mean" (condition.hpp)
        for (const auto& k : known) near.add(k, nullptr);
        const std::string hint = near.suggest(it.key());
        return bad("/plugins/" + it.key(),
                   "unknown key" + (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
      }
    }
    if (auto e = p->find("enabled"); e != p->end()) {
      if (auto r = read_enabled(*e, "/plugins/enabled"); !r) return fail(std::move(r.error()));
    }
    auto path_of = [&](const char* key, std::filesystem::path& into) -> result<void> {
      auto it = p->find(key);
      if (it == p->end() || it->is_null()) return {};
      if (!it->is_string() || it->get<std::string>().empty()) return bad(std::string("/plugins/") + key, "must be a path");
      into = place(it->get<std::string>());
      return {};
    };
    if (auto r = path_of("installRoot", install); !r) return fail(std::move(r.error()));
    std::filesystem::path bundled;
    if (auto r = path_of("bundledRoot", bundled); !r) return fail(std::move(r.error()));
    if (!bundled.empty()) out.settings.plugin_dirs.push_back(bundled);
    if (auto ext = p->find("externalDirectories"); ext != p->end()) {
      if (!ext->is_array()) return bad("/plugins/externalDirectories", "must be an array of paths");
      for (std::size_t i = 0; i < ext->size(); ++i) {
        const auto& d = (*ext)[i];
        if (!d.is_string() || d.get<std::string>().empty()) {
          return bad("/plugins/externalDirectories/" + std::to_string(i), "must be a path");
        }
        out.settings.plugin_dirs.push_back(place(d.get<std::string>()));
      }
    }
  }
  // The install root: the setting, else ~/.codineer/plugins when there is one.
  if (install.empty()) {
    const auto fallback = place("~/.codineer/plugins");
    if (std::filesystem::is_directory(fallback, ec)) install = fallback;
  }
  if (!install.empty()) out.settings.plugin_dirs.insert(out.settings.plugin_dirs.begin(), install);

  auto read_mode = [&](const nlohmann::json& v, const std::string& ptr) -> result<void> {
    const std::string level = v.is_string() ? codineer_permission_mode(v.get<std::string>()) : std::string();
    if (level.empty()) {
      return bad(ptr, "must be read-only, workspace-write or danger-full-access (or default, plan, acceptEdits, "
                      "auto, dontAsk)");
    }
    out.max_permission = level;
    return {};
  };
  if (auto perms = doc.find("permissions"); perms != doc.end()) {
    if (!perms->is_object()) return bad("/permissions", "must be an object");
    if (auto m = perms->find("defaultMode"); m != perms->end()) {
      if (auto r = read_mode(*m, "/permissions/defaultMode"); !r) return fail(std::move(r.error()));
    }
  }
  if (auto m = doc.find("permissionMode"); m != doc.end()) {  // the older spelling wins when both are given
    if (auto r = read_mode(*m, "/permissionMode"); !r) return fail(std::move(r.error()));
  }

  for (const auto& [id, on] : out.enabled) {
    const std::string name = id.substr(0, id.find('@'));
    (on ? out.settings.select.enabled : out.settings.select.disabled).push_back(name);
  }
  return out;
}

}  // namespace aura::plugin
