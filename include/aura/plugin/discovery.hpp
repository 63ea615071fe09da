// aura/plugin/discovery.hpp - finds plugins in directory trees.
//
// Rules: a walk stops at a directory holding a manifest (a plugin's own
// sub-directories are its business); hidden directories and `vendor/` are
// skipped; two plugins with one name in the same root are an error naming
// both paths (and neither is listed); a plugin in a later root (per-repo)
// overrides one of the same name in an earlier root (global); include and
// exclude globs choose what is listed; disabled plugins are listed, not loaded.
// A root spelled `~` or `~/...` is under $HOME. A root that is not there is
// skipped and listed in `missing` (well-known places need not exist), unless it
// is `required`, when it is an error; a root that is a file is always an error.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/permissions.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_reader.hpp"

namespace aura::plugin {

/// A directory to search, and what to call plugins found there.
struct plugin_root {
  std::filesystem::path dir;
  std::string scope = "global";  ///< "global", "repo", ...: shown by `aura plugin list`
  bool required = false;         ///< a missing directory is an error, not skipped
};

/// `~` and `~/x` under $HOME (other paths unchanged; `~user` is not expanded).
[[nodiscard]] inline std::filesystem::path expand_home(const std::filesystem::path& p) {
  const std::string s = p.string();
  if (s.empty() || s[0] != '~' || (s.size() > 1 && s[1] != '/')) return p;
  const char* home = std::getenv("HOME");
  if (!home || !*home) return p;
  return std::filesystem::path(home) / (s.size() > 2 ? s.substr(2) : std::string());
}

/// One listed plugin.
struct discovered_plugin {
  manifest spec;
  std::string scope;
  bool enabled = true;
  std::string note;  ///< why it is disabled, or which plugin it overrides
};

/// What a discovery found: plugins sorted by name, and every problem met.
struct discovery {
  std::vector<discovered_plugin> plugins;
  std::vector<error> errors;
  std::vector<std::filesystem::path> missing;  ///< roots that were not there (skipped), ~ expanded
  std::vector<manifest> unlisted;  ///< read but not listed: plugins whose name another one shares

  [[nodiscard]] const discovered_plugin* find(std::string_view name) const {
    for (const auto& p : plugins) {
      if (p.spec.name == name) return &p;
    }
    return nullptr;
  }
};

namespace detail {

inline void walk(const std::filesystem::path& dir, int depth, std::vector<std::filesystem::path>& manifests,
                 std::vector<error>& errors) {
  if (depth > 16) return;
  auto found = find_manifest(dir);
  if (!found) {
    errors.push_back(std::move(found.error()));
    return;
  }
  if (*found) {
    manifests.push_back(**found);
    return;  // a plugin's directory: do not look inside
  }
  std::error_code ec;
  std::vector<std::filesystem::path> children;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name == "vendor") continue;
    std::error_code dec;
    if (it->is_directory(dec)) children.push_back(it->path());
  }
  std::sort(children.begin(), children.end());
  for (const auto& c : children) walk(c, depth + 1, manifests, errors);
}

}  // namespace detail

/// Walks `roots` in order (later roots override earlier ones) and applies `sel`.
[[nodiscard]] inline discovery discover(const std::vector<plugin_root>& roots, const selection& sel = {}) {
  discovery out;
  std::map<std::string, discovered_plugin> chosen;
  for (const auto& root : roots) {
    const auto dir = expand_home(root.dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      if (std::filesystem::exists(dir, ec)) {
        out.errors.push_back(error{errc::invalid_argument, "plugin directory \"" + dir.string() + "\" is not a directory",
                                   {}, {}, dir.string()});
      } else if (root.required) {
        out.errors.push_back(error{errc::not_found, "plugin directory \"" + dir.string() + "\" does not exist", {}, {},
                                   dir.string()});
      } else {
        out.missing.push_back(dir);
      }
      continue;
    }
    std::vector<std::filesystem::path> manifests;
    detail::walk(dir, 0, manifests, out.errors);
    std::map<std::string, discovered_plugin> here;
    std::map<std::string, bool> duplicate;
    for (const auto& file : manifests) {
      auto [m, problems] = read_manifest_checked(file);
      if (!m) {  // every problem on its own, each with its own location
        for (auto& e : problems) out.errors.push_back(std::move(e));
        continue;
      }
      const std::string name = m->name;
      auto it = here.find(name);
      if (it != here.end()) {
        error e{errc::already_exists,
                "two plugins are named \"" + name + "\": \"" + it->second.spec.file.string() + "\" and \"" +
                    file.string() + "\"",
                name, {}, file.string()};
        out.errors.push_back(std::move(e));
        duplicate[name] = true;
        out.unlisted.push_back(std::move(*m));
        continue;
      }
      here.emplace(name, discovered_plugin{std::move(*m), root.scope, true, {}});
    }
    for (auto& [name, p] : here) {
      if (duplicate.count(name)) {
        out.unlisted.push_back(std::move(p.spec));
        continue;
      }
      if (auto prev = chosen.find(name); prev != chosen.end()) {
        p.note = "overrides " + prev->second.scope + " plugin at " + prev->second.spec.dir.string();
        prev->second = std::move(p);
      } else {
        chosen.emplace(name, std::move(p));
      }
    }
  }
  for (auto& [name, p] : chosen) {
    if (!sel.include.empty() && !permissions::any_match(sel.include, name)) continue;
    if (permissions::any_match(sel.exclude, name)) continue;
    if (permissions::any_match(sel.disabled, name)) {
      p.enabled = false;
      p.note = p.note.empty() ? "disabled by the host settings" : p.note + "; disabled by the host settings";
    } else if (!p.spec.default_enabled) {
      p.enabled = permissions::any_match(sel.enabled, name);
      if (!p.enabled) p.note = "disabled by its manifest";
    }
    out.plugins.push_back(std::move(p));
  }
  return out;
}

}  // namespace aura::plugin
