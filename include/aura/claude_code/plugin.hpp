// aura/claude_code/plugin.hpp - Claude Code plugins: .claude-plugin/plugin.json + hooks.
//
// A Claude Code plugin is a directory with .claude-plugin/plugin.json (a
// "name" is required). Its hooks are in hooks/hooks.json ({"description":
// ..., "hooks": {<event>: [groups]}}) and/or named by the manifest's "hooks"
// member: a path relative to the plugin root ("./hooks/extra.json"), a list
// of such paths, or the hooks object inline. In a plugin's commands
// ${CLAUDE_PLUGIN_ROOT} is the plugin's directory (also set in the hook's
// environment as CLAUDE_PLUGIN_ROOT).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

struct plugin_info {
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path root;                 ///< CLAUDE_PLUGIN_ROOT
  std::string id;                             ///< "name@marketplace" when installed from a marketplace
  std::string found_by;                       ///< where it was found: "plugin_dirs" or installed_plugins.json#pointer
  std::vector<std::filesystem::path> hook_files;  ///< the hooks files read
  hook_config hooks;
};

/// True when `dir` looks like a Claude Code plugin.
[[nodiscard]] inline bool is_plugin_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / ".claude-plugin" / "plugin.json", ec);
}

/// Replaces every ${CLAUDE_PLUGIN_ROOT} in `command` with `root` (as Claude
/// Code does; a bare $CLAUDE_PLUGIN_ROOT is left to the shell, which finds it
/// in the hook's environment).
[[nodiscard]] inline std::string expand_plugin_root(std::string command, const std::string& root) {
  const std::string braced = "${CLAUDE_PLUGIN_ROOT}";
  for (auto p = command.find(braced); p != std::string::npos; p = command.find(braced, p + root.size())) {
    command.replace(p, braced.size(), root);
  }
  return command;
}

namespace detail {

/// Reads one hooks document: {"hooks": {...}} (hooks.json) or the events object itself.
[[nodiscard]] inline result<hook_config> read_plugin_hooks_doc(const nlohmann::json& doc, const std::filesystem::path& file,
                                                               const std::string& base) {
  if (!doc.is_object()) return bad(file, base, std::string("a hooks file must be a JSON object, got ") + doc.type_name());
  if (auto h = doc.find("hooks"); h != doc.end()) return read_hooks(*h, file, base + "/hooks", scope::plugin);
  nlohmann::json events = doc;
  events.erase("description");
  return read_hooks(events, file, base, scope::plugin);
}

}  // namespace detail

namespace detail {

/// Reads the hooks a manifest-like object names (`doc` at `base` in
/// `doc_file`: plugin.json, or a marketplace entry): its "hooks" (a path,
/// a list of paths, or inline), and hooks/hooks.json when `default_file`.
[[nodiscard]] inline result<void> read_plugin_components(plugin_info& p, const nlohmann::json& doc,
                                                         const std::filesystem::path& doc_file, const std::string& base,
                                                         bool default_file) {
  std::error_code ec;
  std::set<std::filesystem::path> seen;
  for (const auto& f : p.hook_files) seen.insert(std::filesystem::weakly_canonical(f, ec));
  auto add_file = [&](const std::filesystem::path& file, const std::string& named_at) -> result<void> {
    const auto canon = std::filesystem::weakly_canonical(file, ec);
    if (!seen.insert(canon.empty() ? file : canon).second) return {};
    if (!std::filesystem::is_regular_file(file, ec)) {
      return bad(doc_file, named_at, "names " + file.string() + ", which does not exist", errc::not_found);
    }
    auto hd = parse_json_file(file);
    if (!hd) return fail(std::move(hd.error()));
    auto cfg = read_plugin_hooks_doc(*hd, file, "");
    if (!cfg) return fail(std::move(cfg.error()));
    p.hook_files.push_back(file);
    p.hooks.merge(std::move(*cfg));
    return {};
  };
  auto path_in_root = [&](const nlohmann::json& v, const std::string& ptr) -> result<std::filesystem::path> {
    if (!v.is_string()) return bad(doc_file, ptr, std::string("must be a path (a string), got ") + v.type_name());
    std::filesystem::path rel = expand_plugin_root(v.get<std::string>(), p.root.string());
    return rel.is_absolute() ? rel : p.root / rel;
  };
  const auto default_path = p.root / "hooks" / "hooks.json";
  if (default_file && std::filesystem::is_regular_file(default_path, ec)) {
    if (auto r = add_file(default_path, base); !r) return fail(std::move(r.error()));
  }
  auto h = doc.find("hooks");
  if (h == doc.end() || h->is_null()) return {};
  const std::string at = base + "/hooks";
  if (h->is_string()) {
    auto f = path_in_root(*h, at);
    if (!f) return fail(std::move(f.error()));
    return add_file(*f, at);
  }
  if (h->is_array()) {
    for (std::size_t i = 0; i < h->size(); ++i) {
      const std::string ptr = at + "/" + std::to_string(i);
      auto f = path_in_root((*h)[i], ptr);
      if (!f) return fail(std::move(f.error()));
      if (auto r = add_file(*f, ptr); !r) return fail(std::move(r.error()));
    }
    return {};
  }
  if (h->is_object()) {
    auto cfg = read_plugin_hooks_doc(*h, doc_file, at);
    if (!cfg) return fail(std::move(cfg.error()));
    p.hooks.merge(std::move(*cfg));
    return {};
  }
  return bad(doc_file, at, std::string("must be a path, a list of paths or an object, got ") + h->type_name());
}

/// Reads "name" (required), "version" and "description" of a manifest-like object.
[[nodiscard]] inline result<void> read_plugin_identity(plugin_info& p, const nlohmann::json& doc,
                                                       const std::filesystem::path& file, const std::string& base) {
  if (!doc.is_object()) return bad(file, base, std::string("a plugin manifest must be a JSON object, got ") + doc.type_name());
  auto name = doc.find("name");
  if (name == doc.end()) return bad(file, base, file.filename().string() + " needs \"name\"");
  if (!name->is_string() || name->get_ref<const std::string&>().empty()) return bad(file, base + "/name", "must be a non-empty string");
  p.name = name->get<std::string>();
  for (auto [key, into] : {std::pair<const char*, std::string*>{"version", &p.version}, {"description", &p.description}}) {
    if (auto it = doc.find(key); it != doc.end() && !it->is_null()) {
      if (!it->is_string()) return bad(file, base + "/" + key, std::string("must be a string, got ") + it->type_name());
      *into = it->get<std::string>();
    }
  }
  return {};
}

/// Ties every hook to its plugin and expands ${CLAUDE_PLUGIN_ROOT} in commands.
inline void finish_plugin(plugin_info& p) {
  for (auto& [ev, groups] : p.hooks.events) {
    for (auto& g : groups) {
      for (auto& hc : g.hooks) {
        hc.plugin = p.name;
        hc.plugin_root = p.root;
        hc.command = expand_plugin_root(hc.command, p.root.string());
      }
    }
  }
}

[[nodiscard]] inline std::filesystem::path plugin_root_of(const std::filesystem::path& dir) {
  std::error_code ec;
  auto root = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  return root.empty() ? dir : root;
}

}  // namespace detail

/// Reads the plugin at `dir`: its manifest and every hooks file it names.
[[nodiscard]] inline result<plugin_info> load_plugin(const std::filesystem::path& dir) {
  using detail::bad;
  std::error_code ec;
  plugin_info p;
  p.root = detail::plugin_root_of(dir);
  const auto manifest_path = p.root / ".claude-plugin" / "plugin.json";
  if (!std::filesystem::is_regular_file(manifest_path, ec)) {
    return fail(errc::not_found, manifest_path.string() + ": no Claude Code plugin manifest here", manifest_path.string());
  }
  auto doc = parse_json_file(manifest_path);
  if (!doc) return fail(std::move(doc.error()));
  if (!doc->is_object()) return bad(manifest_path, "", std::string("plugin.json must be a JSON object, got ") + doc->type_name());
  if (auto r = detail::read_plugin_identity(p, *doc, manifest_path, ""); !r) return fail(std::move(r.error()));
  if (auto r = detail::read_plugin_components(p, *doc, manifest_path, "", true); !r) return fail(std::move(r.error()));
  detail::finish_plugin(p);
  return p;
}

}  // namespace aura::claude_code
