// aura/distribution/remote_wasm.hpp - Clawdius distributes plugins as bare
// .wasm files, also by remote URL with an integrity check. Here such a source
// is `http[s]://HOST/PATH/NAME.wasm#sha256=HEX[&hooks=EVENT,EVENT...]`:
// fetched with the host's HTTP client (aura::http's libcurl one), its SHA-256
// must be HEX, and it becomes a plugin tree of NAME.wasm plus a generated
// aura-plugin.json (runtime wasm; the hooks the fragment names, each handled
// by its event's name as in Clawdius's [plugins.hooks]), which `install`
// checks, places and locks like any other source (resolved "sha256:HEX"; the
// source as given, so update and --frozen make the same tree).
//
// A Clawdius `.clawdius/config.toml` may list such a source in plugins.load:
// cached_wasm fetches it the same way into a content-addressed cache
// (CACHE/HEX/NAME.wasm) and checks the cached bytes against HEX every time.
#pragma once

#include <cctype>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/distribution/digest.hpp"
#include "aura/distribution/tar.hpp"

namespace aura::distribution {

/// A remote .wasm source, split.
struct wasm_url {
  std::string url;     ///< without the #fragment
  std::string sha256;  ///< 64 lowercase hex digits
  std::string name;    ///< the file's stem: the plugin's name
  std::vector<std::string> hooks;  ///< &hooks=: the events it handles
};

/// Whether `source` is an http(s) URL of a .wasm file (with or without its hash).
[[nodiscard]] inline bool is_wasm_url(const std::string& source) {
  const std::string base = source.substr(0, source.find('#'));
  const bool http = base.rfind("http://", 0) == 0 || base.rfind("https://", 0) == 0;
  return http && base.size() > 5 && base.compare(base.size() - 5, 5, ".wasm") == 0;
}

/// Splits `URL#sha256=HEX`; the hash is required (it is what makes the bytes trusted).
[[nodiscard]] inline result<wasm_url> parse_wasm_url(const std::string& source) {
  wasm_url w;
  const auto hash = source.find('#');
  w.url = source.substr(0, hash);
  std::string frag = hash == std::string::npos ? std::string() : source.substr(hash + 1);
  if (auto amp = frag.find("&hooks="); amp != std::string::npos) {
    for (std::size_t at = amp + 7; at <= frag.size();) {
      const auto comma = std::min(frag.find(',', at), frag.size());
      if (comma > at) w.hooks.push_back(frag.substr(at, comma - at));
      at = comma + 1;
    }
    frag.erase(amp);
  }
  if (frag.rfind("sha256=", 0) != 0) {
    return fail(errc::invalid_argument, "remote .wasm \"" + w.url + "\" needs its integrity hash: " + w.url + "#sha256=HEX");
  }
  w.sha256 = frag.substr(7);
  for (auto& c : w.sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex = w.sha256.size() == 64 && w.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) return fail(errc::invalid_argument, "remote .wasm \"" + w.url + "\": #sha256= wants 64 hex digits, got \"" + frag.substr(7) + "\"");
  const std::string file = w.url.substr(w.url.rfind('/') + 1);
  w.name = file.substr(0, file.size() - 5);
  if (w.name.empty() || !unsafe_path(w.name).empty()) return fail(errc::invalid_argument, "remote .wasm \"" + w.url + "\" has no usable file name");
  return w;
}

/// Fetches the module, checks its hash and size, and returns the plugin tree:
/// NAME.wasm and its aura-plugin.json.
[[nodiscard]] inline result<std::vector<tar_entry>> fetch_wasm(const wasm_url& w, const std::shared_ptr<http_client>& http,
                                                              const unpack_limits& limits) {
  if (!http) {
    return fail(error{errc::unsupported, "fetching " + w.url + " needs an HTTP client (aura::http, libcurl), and none was given: "
                                         "this build may lack libcurl", w.name, {}, w.url});
  }
  http_request req;
  req.url = w.url;
  req.timeout = std::chrono::seconds(60);
  auto r = http->send(req);
  if (!r) return fail(error{r.error().code, w.url + ": " + r.error().message, w.name, {}, w.url});
  if (r->status != 200) return fail(error{errc::io_error, w.url + ": HTTP " + std::to_string(r->status), w.name, {}, w.url});
  if (r->body.size() > limits.max_file_bytes) {
    return fail(error{errc::invalid_argument, w.url + " is " + std::to_string(r->body.size()) + " bytes, over the limit of " +
                                                  std::to_string(limits.max_file_bytes), w.name, {}, w.url});
  }
  const std::string got = sha256_hex(r->body);
  if (got != w.sha256) {
    return fail(error{errc::permission_denied, w.url + " has SHA-256 " + got + ", the source pins " + w.sha256 +
                                                   " (the file changed, or the hash is wrong)", w.name, {}, w.url});
  }
  if (r->body.compare(0, 4, std::string("\0asm", 4)) != 0) {
    return fail(error{errc::parse_error, w.url + " is not a WebAssembly module (no \\0asm header)", w.name, {}, w.url});
  }
  nlohmann::ordered_json m;
  m["plugin"] = {{"name", w.name}, {"version", "0.0.0"}, {"description", "WebAssembly module from " + w.url},
                 {"runtime", {{"kind", "wasm"}, {"entrypoint", w.name + ".wasm"}}}, {"hooks", nlohmann::json::array()}};
  for (const auto& h : w.hooks) m["plugin"]["hooks"].push_back({{"event", h}, {"handler", h}});
  return std::vector<tar_entry>{
      tar_entry{"aura-plugin.json", tar_entry::kind::file, false, m.dump(2) + "\n", {}},
      tar_entry{w.name + ".wasm", tar_entry::kind::file, false, std::move(r->body), {}},
  };
}

/// The verified local copy of `source` (`URL#sha256=HEX`) in the
/// content-addressed cache `cache_dir`: CACHE/HEX/NAME.wasm. The cached copy
/// is hashed on every call (every load): when it no longer hashes to HEX that
/// is an error naming it, the URL and both hashes (remove it to fetch again).
/// Absent, it is fetched with fetch_wasm (the checks of install) and cached.
[[nodiscard]] inline result<fs::path> cached_wasm(const std::string& source, const fs::path& cache_dir,
                                                  const std::shared_ptr<http_client>& http,
                                                  const unpack_limits& limits = {}) {
  auto w = parse_wasm_url(source);
  if (!w) return fail(std::move(w.error()));
  const fs::path file = cache_dir / w->sha256 / (w->name + ".wasm");
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    auto bytes = read_file(file);
    if (!bytes) return fail(std::move(bytes.error()));
    const std::string got = sha256_hex(*bytes);
    if (got != w->sha256) {
      return fail(error{errc::permission_denied,
                        "the cached copy " + file.string() + " of " + w->url + " has SHA-256 " + got + ", the source pins " +
                            w->sha256 + " (the cache was changed: remove the file to fetch it again)",
                        w->name, {}, w->url});
    }
    return file;
  }
  auto tree = fetch_wasm(*w, http, limits);
  if (!tree) return fail(std::move(tree.error()));
  for (const auto& e : *tree) {
    if (e.path != w->name + ".wasm") continue;
    if (auto r = write_file(file, e.data); !r) return fail(std::move(r.error()));
    return file;
  }
  return fail(error{errc::io_error, "fetch_wasm gave no module for " + w->url, w->name, {}, w->url});
}

/// A fetcher for read_clawdius_config's remote `load` entries: cached_wasm
/// into `cache_dir` with `http`.
[[nodiscard]] inline std::function<result<fs::path>(const std::string&)> wasm_cache_fetcher(
    fs::path cache_dir, std::shared_ptr<http_client> http, unpack_limits limits = {}) {
  return [cache_dir = std::move(cache_dir), http = std::move(http), limits](const std::string& source) {
    return cached_wasm(source, cache_dir, http, limits);
  };
}

}  // namespace aura::distribution
