// aura/claude_code/installed.hpp - plugins installed from marketplaces (~/.claude/plugins/).
//
// `claude plugin install name@marketplace` clones the marketplace into
// ~/.claude/plugins/marketplaces/<marketplace>/ (known_marketplaces.json
// lists them), copies the plugin to ~/.claude/plugins/cache/<marketplace>/
// <name>/<version>/ and records it in ~/.claude/plugins/installed_plugins.json:
//   version 2: {"version": 2, "plugins": {"name@mkt": [{"scope": "user" | "project" | "local",
//               "projectPath": "...", "installPath": "...", "version": "..."}, ...]}}
//   version 1: {"version": 1, "plugins": {"name@mkt": {"installPath": "...", "version": "..."}}}
// An installation of scope project or local belongs to its projectPath only.
// Whether an installed plugin runs is the settings' enabledPlugins
// ("name@mkt": true), by settings precedence; one not enabled is not loaded.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// One installation found in installed_plugins.json.
struct installed_plugin {
  std::string id;           ///< "name@marketplace"
  std::string name;
  std::string marketplace;
  std::string install_scope = "user";  ///< user | project | local | managed
  std::filesystem::path project_path;  ///< project / local installations: their project
  std::filesystem::path install_path;  ///< the plugin's directory (in cache/ or marketplaces/)
  std::string version;
  std::string source;       ///< "installed_plugins.json#/plugins/<id>/<i>"
};

namespace detail {

[[nodiscard]] inline std::filesystem::path expand_tilde(const std::string& p, const std::filesystem::path& home) {
  if (p == "~") return home;
  if (p.rfind("~/", 0) == 0) return home / p.substr(2);
  return p;
}

}  // namespace detail

/// Reads `<home>/.claude/plugins/installed_plugins.json`; none there: no plugins.
/// Every installation is returned (the caller picks those of its project).
[[nodiscard]] inline result<std::vector<installed_plugin>> read_installed_plugins(const std::filesystem::path& home) {
  using detail::bad;
  std::vector<installed_plugin> out;
  const auto file = home / ".claude" / "plugins" / "installed_plugins.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  auto doc = parse_json_file(file);
  if (!doc) return fail(std::move(doc.error()));
  if (!doc->is_object()) return bad(file, "", std::string("must be a JSON object, got ") + doc->type_name());
  int version = 1;
  if (auto v = doc->find("version"); v != doc->end() && !v->is_null()) {
    if (!v->is_number_integer() || (v->get<int>() != 1 && v->get<int>() != 2)) {
      return bad(file, "/version", "must be 1 or 2 (the layouts aura knows), got " + v->dump());
    }
    version = v->get<int>();
  }
  auto plugins = doc->find("plugins");
  if (plugins == doc->end() || plugins->is_null()) return out;
  if (!plugins->is_object()) return bad(file, "/plugins", std::string("must be an object, got ") + plugins->type_name());
  for (auto it = plugins->begin(); it != plugins->end(); ++it) {
    const std::string id = it.key();
    const std::string id_ptr = "/plugins/" + detail::escape_pointer(id);
    const auto at = id.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == id.size()) {
      return bad(file, id_ptr, "a plugin id is \"name@marketplace\", got \"" + id + "\"");
    }
    std::vector<std::pair<const nlohmann::json*, std::string>> entries;
    if (version == 2) {
      if (!it->is_array()) return bad(file, id_ptr, std::string("must be an array of installations, got ") + it->type_name());
      for (std::size_t i = 0; i < it->size(); ++i) entries.emplace_back(&(*it)[i], id_ptr + "/" + std::to_string(i));
    } else {
      entries.emplace_back(&*it, id_ptr);
    }
    for (const auto& entry : entries) {
      // Named copies, not a structured binding: C++17 lambdas cannot capture those.
      const nlohmann::json* const e = entry.first;
      const std::string& ptr = entry.second;
      if (!e->is_object()) return bad(file, ptr, std::string("an installation must be an object, got ") + e->type_name());
      installed_plugin p;
      p.id = id;
      p.name = id.substr(0, at);
      p.marketplace = id.substr(at + 1);
      p.source = file.string() + "#" + ptr;
      auto str = [&](const char* key, bool required) -> result<std::optional<std::string>> {
        auto f = e->find(key);
        if (f == e->end() || f->is_null()) {
          if (required) return bad(file, ptr, std::string("an installation needs \"") + key + "\" (a string)");
          return std::optional<std::string>{};
        }
        if (!f->is_string()) return bad(file, ptr + "/" + key, std::string("must be a string, got ") + f->type_name());
        return std::optional<std::string>(f->get<std::string>());
      };
      auto install = str("installPath", true);
      if (!install) return fail(std::move(install.error()));
      p.install_path = detail::expand_tilde(**install, home);
      auto sc = str("scope", false);
      if (!sc) return fail(std::move(sc.error()));
      if (*sc) {
        p.install_scope = **sc;
        if (p.install_scope != "user" && p.install_scope != "project" && p.install_scope != "local" && p.install_scope != "managed") {
          return bad(file, ptr + "/scope", "must be user, project, local or managed, got \"" + p.install_scope + "\"");
        }
      }
      auto pp = str("projectPath", false);
      if (!pp) return fail(std::move(pp.error()));
      if (*pp) p.project_path = detail::expand_tilde(**pp, home);
      if ((p.install_scope == "project" || p.install_scope == "local") && p.project_path.empty()) {
        return bad(file, ptr, "a " + p.install_scope + " installation needs \"projectPath\"");
      }
      auto ver = str("version", false);
      if (!ver) return fail(std::move(ver.error()));
      if (*ver) p.version = **ver;
      out.push_back(std::move(p));
    }
  }
  return out;
}

/// True when the installation `p` belongs to `project` (user and managed ones belong to every project).
[[nodiscard]] inline bool installed_for(const installed_plugin& p, const std::filesystem::path& project) {
  if (p.project_path.empty()) return true;
  std::error_code ec;
  const auto a = std::filesystem::weakly_canonical(p.project_path, ec);
  const auto b = std::filesystem::weakly_canonical(project, ec);
  return a == b;
}

}  // namespace aura::claude_code
