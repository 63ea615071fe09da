// aura/plugin/rustant_config.hpp - Rustant's plugin configuration:
//
//   [plugins]
//   plugins_dir = "~/.config/rustant/plugins"   the .so/.dylib/.dll files
//   allowed_plugins = ["my-plugin"]             the names that may load
//
// Every shared object of plugins_dir is opened to read its metadata (its
// manifest, runtimes/shared_object.hpp); those whose name is allowed become
// manifests, the others are listed as skipped. `~/` is the HOME directory; a
// relative plugins_dir is relative to the config file. Needs toml++ and
// ${CMAKE_DL_LIBS}.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_toml.hpp"
#include "aura/plugin/runtimes/shared_object.hpp"

namespace aura::plugin {

/// What a Rustant config selects.
struct rustant_plugins {
  std::vector<manifest> allowed;       ///< to load, in file-name order
  std::vector<std::string> skipped;    ///< names found but not in allowed_plugins
};

[[nodiscard]] inline result<rustant_plugins> read_rustant_config(const std::filesystem::path& file,
                                                                 shared_object_options opts = {}) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  auto doc = parse_toml(*text, file.string());
  if (!doc) return fail(std::move(doc.error()));
  auto line = [&](const std::string& ptr) {
    auto it = doc->lines.find(ptr);
    return file.string() + (it == doc->lines.end() ? std::string() : ":" + std::to_string(it->second));
  };
  const nlohmann::json& root = doc->json;
  if (!root.contains("plugins") || !root["plugins"].is_object()) {
    return fail(error{errc::invalid_argument, "missing [plugins] table", {}, {}, file.string()});
  }
  const nlohmann::json& p = root["plugins"];
  if (!p.contains("plugins_dir") || !p["plugins_dir"].is_string()) {
    return fail(error{errc::invalid_argument, "plugins.plugins_dir: must be a path", {}, {}, line("/plugins")});
  }
  const auto allowed_json = p.value("allowed_plugins", nlohmann::json::array());
  if (!allowed_json.is_array() || !std::all_of(allowed_json.begin(), allowed_json.end(),
                                                [](const nlohmann::json& n) { return n.is_string(); })) {
    return fail(error{errc::invalid_argument, "plugins.allowed_plugins: must be an array of names", {}, {},
                      line("/plugins/allowed_plugins")});
  }
  const auto allowed = allowed_json.get<std::vector<std::string>>();
  std::string dir_text = p["plugins_dir"].get<std::string>();
  std::filesystem::path dir;
  if (dir_text.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    dir = std::filesystem::path(home ? home : "") / dir_text.substr(2);
  } else {
    dir = dir_text;
    if (dir.is_relative()) dir = file.parent_path() / dir;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(error{errc::not_found, "plugins.plugins_dir: no directory \"" + dir.string() + "\"", {}, {},
                      line("/plugins/plugins_dir")});
  }
  std::vector<std::filesystem::path> objects;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file(ec) && (ext == ".so" || ext == ".dylib" || ext == ".dll")) objects.push_back(entry.path());
  }
  std::sort(objects.begin(), objects.end());
  rustant_plugins out;
  for (const auto& so : objects) {
    auto m = manifest_of_shared_object(so, opts);
    if (!m) return fail(std::move(m.error()));
    if (std::find(allowed.begin(), allowed.end(), m->name) == allowed.end()) {
      out.skipped.push_back(m->name);
      continue;
    }
    out.allowed.push_back(std::move(*m));
  }
  return out;
}

}  // namespace aura::plugin
