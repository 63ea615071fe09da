// aura/claude_code/marketplace.hpp - Claude Code marketplaces: known_marketplaces.json + marketplace.json.
//
// `claude plugin marketplace add <source>` records the marketplace in
// ~/.claude/plugins/known_marketplaces.json: {"<name>": {"source": {...},
// "installLocation": "<dir>", "lastUpdated": "..."}} (a directory source's
// installLocation is that directory; a git one's a clone under
// ~/.claude/plugins/marketplaces/). The marketplace's catalog is
// <installLocation>/.claude-plugin/marketplace.json: {"name", "owner",
// "plugins": [{"name", "source", "version", "strict", "hooks", ...}]}.
// An entry with "strict": false is the plugin's whole manifest: the plugin
// needs no .claude-plugin/plugin.json and its hooks are the entry's
// ("hooks": inline, a path or paths relative to the plugin) besides its
// hooks/hooks.json; a strict entry (the default) adds its hooks to the
// plugin's own manifest, which must exist. Checked against what Claude Code
// 2.1.332 writes when it installs from a local directory marketplace.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/installed.hpp"
#include "aura/claude_code/plugin.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// One marketplace of known_marketplaces.json.
struct known_marketplace {
  std::string name;
  std::filesystem::path install_location;  ///< where its .claude-plugin/marketplace.json is
  std::string source;                      ///< known_marketplaces.json#/<name>
};

/// One plugin entry of a marketplace.json.
struct marketplace_entry {
  std::string name;
  bool strict = true;
  nlohmann::json entry;           ///< the entry as written
  std::filesystem::path file;     ///< its marketplace.json
  std::string pointer;            ///< "/plugins/<i>"
};

/// Reads `<home>/.claude/plugins/known_marketplaces.json`; none there: no marketplaces.
[[nodiscard]] inline result<std::map<std::string, known_marketplace>> read_known_marketplaces(const std::filesystem::path& home) {
  using detail::bad;
  std::map<std::string, known_marketplace> out;
  const auto file = home / ".claude" / "plugins" / "known_marketplaces.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  auto doc = parse_json_file(file);
  if (!doc) return fail(std::move(doc.error()));
  if (!doc->is_object()) return bad(file, "", std::string("must be a JSON object, got ") + doc->type_name());
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    const std::string ptr = "/" + detail::escape_pointer(it.key());
    if (!it->is_object()) return bad(file, ptr, std::string("a marketplace must be an object, got ") + it->type_name());
    auto loc = it->find("installLocation");
    if (loc == it->end() || !loc->is_string() || loc->get_ref<const std::string&>().empty()) {
      return bad(file, ptr + "/installLocation", "a marketplace needs \"installLocation\" (a directory)");
    }
    out[it.key()] = {it.key(), detail::expand_tilde(loc->get<std::string>(), home), file.string() + "#" + ptr};
  }
  return out;
}

/// Reads the plugin entries of the marketplace at `dir` (.claude-plugin/marketplace.json).
[[nodiscard]] inline result<std::vector<marketplace_entry>> read_marketplace(const std::filesystem::path& dir) {
  using detail::bad;
  std::vector<marketplace_entry> out;
  const auto file = dir / ".claude-plugin" / "marketplace.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return fail(errc::not_found, file.string() + ": no marketplace catalog here", file.string());
  auto doc = parse_json_file(file);
  if (!doc) return fail(std::move(doc.error()));
  if (!doc->is_object()) return bad(file, "", std::string("marketplace.json must be a JSON object, got ") + doc->type_name());
  auto plugins = doc->find("plugins");
  if (plugins == doc->end() || !plugins->is_array()) return bad(file, "/plugins", "a marketplace needs \"plugins\" (an array)");
  for (std::size_t i = 0; i < plugins->size(); ++i) {
    const auto& e = (*plugins)[i];
    const std::string ptr = "/plugins/" + std::to_string(i);
    if (!e.is_object()) return bad(file, ptr, std::string("a plugin entry must be an object, got ") + e.type_name());
    auto name = e.find("name");
    if (name == e.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      return bad(file, ptr + "/name", "a plugin entry needs \"name\" (a non-empty string)");
    }
    marketplace_entry me{name->get<std::string>(), true, e, file, ptr};
    if (auto st = e.find("strict"); st != e.end() && !st->is_null()) {
      if (!st->is_boolean()) return bad(file, ptr + "/strict", std::string("must be true or false, got ") + st->type_name());
      me.strict = st->get<bool>();
    }
    out.push_back(std::move(me));
  }
  return out;
}

/// The plugin at `dir` as the marketplace entry `me` defines it: with
/// "strict": false the entry is its manifest; otherwise its own
/// .claude-plugin/plugin.json, plus the entry's hooks.
[[nodiscard]] inline result<plugin_info> load_marketplace_plugin(const std::filesystem::path& dir, const marketplace_entry& me) {
  plugin_info p;
  if (me.strict) {
    auto own = load_plugin(dir);
    if (!own) return fail(std::move(own.error()));
    p = std::move(*own);
  } else {
    p.root = detail::plugin_root_of(dir);
    if (auto r = detail::read_plugin_identity(p, me.entry, me.file, me.pointer); !r) return fail(std::move(r.error()));
  }
  if (auto r = detail::read_plugin_components(p, me.entry, me.file, me.pointer, !me.strict); !r) return fail(std::move(r.error()));
  detail::finish_plugin(p);
  return p;
}

}  // namespace aura::claude_code
