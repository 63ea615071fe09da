// aura/plugin/clawdius_config.hpp - Clawdius's plugin configuration: bare
// .wasm files listed in a host config file, with a hook -> plugin mapping.
//
//   [plugins]                    load: the .wasm files, relative to the config
//   load = ["./plugins/a.wasm"]        file's directory (or absolute), or
//                                      remote: "https://HOST/a.wasm#sha256=HEX"
//   [plugins.hooks]              hook name (catalog_clawdius.hpp) -> the
//   tool_before_execute = ["a"]        plugins (.wasm file stems) it runs
//
// Each listed module becomes a manifest of kind wasm whose hooks are the
// hooks mapped to it (handler = the hook name, which is the wire request's
// "hook" member), loaded through the wasm runtime. The module speaks aura's
// WASM ABI (docs/adapters/wasm.md). Clawdius's sandbox defaults hold: no
// storage, network or environment (permissions{}: log and config only).
// A remote entry is turned into a verified local file by the fetcher the
// caller gives (aura::distribution::wasm_cache_fetcher: a content-addressed
// cache, the hash checked on every read); without one it is an error.
// Reading the file needs toml++ (manifest_toml.hpp).
#pragma once

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/catalog_clawdius.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_toml.hpp"

namespace aura::plugin {

/// Turns a remote `load` entry (`http[s]://.../NAME.wasm#sha256=HEX`) into the
/// path of a local copy whose bytes hash to HEX, or an error naming the URL.
using remote_module_fetcher = std::function<result<std::filesystem::path>(const std::string& source)>;

/// The manifests a Clawdius config file describes, or the first problem
/// (naming the file and line of the entry at fault). Remote entries go
/// through `fetch` (none: such an entry is an error).
[[nodiscard]] inline result<std::vector<manifest>> read_clawdius_config(const std::filesystem::path& file,
                                                                         const remote_module_fetcher& fetch = {}) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  auto doc = parse_toml(*text, file.string());
  if (!doc) return fail(std::move(doc.error()));
  auto at = [&](const std::string& ptr) {
    for (std::string p = ptr;; p.erase(p.rfind('/'))) {
      if (auto it = doc->lines.find(p); it != doc->lines.end()) return file.string() + ":" + std::to_string(it->second);
      if (p.empty()) return file.string();
    }
  };
  auto bad = [&](errc code, const std::string& ptr, const std::string& message) {
    return fail(error{code, detail::field_name(ptr) + ": " + message, {}, {}, at(ptr)});
  };
  const nlohmann::json& root = doc->json;
  if (!root.contains("plugins") || !root["plugins"].is_object()) return bad(errc::invalid_argument, "/plugins", "missing [plugins] table");
  const nlohmann::json& p = root["plugins"];
  const nlohmann::json load = p.value("load", nlohmann::json::array());
  if (!load.is_array()) return bad(errc::invalid_argument, "/plugins/load", "must be an array of .wasm paths");
  std::error_code ec;
  const auto base = std::filesystem::absolute(file, ec).parent_path();
  std::vector<manifest> out;
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < load.size(); ++i) {
    const std::string ptr = "/plugins/load/" + std::to_string(i);
    if (!load[i].is_string()) return bad(errc::invalid_argument, ptr, "must be a path");
    const std::string entry = load[i].get<std::string>();
    const std::string url = entry.substr(0, entry.find('#'));
    std::filesystem::path wasm = entry;
    const bool remote = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    if (remote) {
      if (!fetch) {
        return bad(errc::unsupported, ptr, "\"" + url + "\" is a remote module, and this reader was given no fetcher "
                                           "(aura::distribution::wasm_cache_fetcher)");
      }
      if (url.size() < 5 || url.compare(url.size() - 5, 5, ".wasm") != 0) {
        return bad(errc::invalid_argument, ptr, "\"" + url + "\" is not a .wasm file");
      }
      auto local = fetch(entry);
      if (!local) return bad(local.error().code, ptr, local.error().message);
      wasm = *local;
    } else if (wasm.extension() != ".wasm") {
      return bad(errc::invalid_argument, ptr, "\"" + wasm.string() + "\" is not a .wasm file");
    }
    if (wasm.is_relative()) wasm = (base / wasm).lexically_normal();
    if (!std::filesystem::is_regular_file(wasm, ec)) return bad(errc::not_found, ptr, "no file \"" + wasm.string() + "\"");
    manifest m;
    m.name = remote ? std::filesystem::path(url).stem().string() : wasm.stem().string();  // by its URL, not its cache file
    m.version = "0.0.0";
    m.file = file;
    m.dir = wasm.parent_path();
    m.runtime.kind = runtime_kind::wasm;
    m.runtime.entrypoint = wasm.filename().string();
    m.perms.read_events.clear();
    if (!by_name.emplace(m.name, out.size()).second) return bad(errc::already_exists, ptr, "plugin \"" + m.name + "\" is loaded twice");
    out.push_back(std::move(m));
  }
  const nlohmann::json hooks = p.value("hooks", nlohmann::json::object());
  if (!hooks.is_object()) return bad(errc::invalid_argument, "/plugins/hooks", "must be a table of hook = [plugins]");
  for (auto it = hooks.begin(); it != hooks.end(); ++it) {
    const std::string ptr = "/plugins/hooks/" + detail::escape_pointer_token(it.key());
    const bool known = std::any_of(agent::clawdius_hooks.begin(), agent::clawdius_hooks.end(),
                                   [&](const agent::clawdius_hook& h) { return h.name == it.key(); });
    if (!known) return bad(errc::not_found, ptr, "\"" + it.key() + "\" is not a Clawdius hook");
    if (!it->is_array()) return bad(errc::invalid_argument, ptr, "must be an array of plugin names");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const nlohmann::json& name = (*it)[i];
      auto found = name.is_string() ? by_name.find(name.get<std::string>()) : by_name.end();
      if (found == by_name.end()) {
        return bad(errc::not_found, ptr + "/" + std::to_string(i),
                   "plugin " + name.dump() + " is not in plugins.load (names are the .wasm file stems)");
      }
      manifest& m = out[found->second];
      hook_spec h;
      h.event = it.key();
      h.handler = it.key();
      h.priority = static_cast<int>(i);  // the order listed is the order run (lower first)
      h.where = at(ptr + "/" + std::to_string(i));
      m.hooks.push_back(std::move(h));
      m.perms.read_events.push_back(it.key());
    }
  }
  return out;
}

}  // namespace aura::plugin
