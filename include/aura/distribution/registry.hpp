// aura/distribution/registry.hpp - a plugin registry: a static index.json plus
// tarballs and keys, in a directory or served over HTTP(S). `publish` writes
// to a registry directory after its checks: a signed pack whose files match
// its AURA-FILES, a version not published before, a signer registered to the
// publisher; the first publish of a name also has its metadata reviewed
// (description, license, authors, a runtime the registry accepts).
//
// index.json: {"registry": 1,
//   "publishers": {"acme": {"keys": ["KEYID", ...]}},
//   "plugins": {"acme/gate": {"description", "license", "authors",
//     "versions": {"1.0.0": {"file": "acme/gate-1.0.0.tar.gz", "sha256", "key_id"}}}}}
// keys/KEYID.pub (and keys/KEYID.pub.minisig: a rotation, signed by the old key).
#pragma once

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/distribution/pack.hpp"
#include "aura/distribution/verify.hpp"
#include "aura/plugin/version_range.hpp"

namespace aura::distribution {

/// One published version.
struct registry_release {
  std::string plugin;  ///< publisher/name
  std::string version;
  std::string file;    ///< relative to the registry
  std::string sha256;
  std::string key_id;
};

/// Splits "publisher/name[@range]"; nullopt when `text` is not one.
[[nodiscard]] inline std::optional<std::pair<std::string, std::string>> registry_name(const std::string& text) {
  const auto at = text.find('@');
  const std::string id = text.substr(0, at);
  const auto slash = id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == id.size() || id.find('/', slash + 1) != std::string::npos) return std::nullopt;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/')) return std::nullopt;
  }
  return std::make_pair(id, at == std::string::npos ? std::string("*") : text.substr(at + 1));
}

class registry {
 public:
  /// A directory, or an http(s):// URL fetched with `http`.
  registry(std::string location, std::shared_ptr<http_client> http = nullptr)
      : location_(std::move(location)), http_(std::move(http)) {
    while (location_.size() > 1 && location_.back() == '/') location_.pop_back();
  }
  [[nodiscard]] const std::string& location() const noexcept { return location_; }
  [[nodiscard]] bool remote() const { return location_.rfind("http://", 0) == 0 || location_.rfind("https://", 0) == 0; }

  /// A registry file's bytes; not_found when it is not there.
  [[nodiscard]] result<std::string> fetch(const std::string& rel) const {
    if (!unsafe_path(rel).empty()) return fail(errc::invalid_argument, "registry path \"" + rel + "\" is " + unsafe_path(rel));
    if (!remote()) {
      std::error_code ec;
      const fs::path f = fs::path(location_) / rel;
      if (!fs::exists(f, ec)) return fail(error{errc::not_found, "the registry has no " + rel, {}, {}, f.string()});
      return read_file(f);
    }
    if (!http_) return fail(errc::unsupported, "no HTTP client to reach the registry " + location_);
    http_request req;
    req.url = location_ + "/" + rel;
    req.timeout = std::chrono::seconds(30);
    auto r = http_->send(req);
    if (!r) return fail(error{r.error().code, "registry " + req.url + ": " + r.error().message, {}, {}, req.url});
    if (r->status == 404) return fail(error{errc::not_found, "the registry has no " + rel + " (HTTP 404)", {}, {}, req.url});
    if (r->status != 200) return fail(error{errc::io_error, "registry " + req.url + ": HTTP " + std::to_string(r->status), {}, {}, req.url});
    return std::move(r->body);
  }

  [[nodiscard]] result<nlohmann::json> index() const {
    auto text = fetch("index.json");
    if (!text) return fail(std::move(text.error()));
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("plugins") || !j["plugins"].is_object()) {
      return fail(errc::parse_error, location_ + "/index.json: not a registry index (a JSON object with \"plugins\")");
    }
    return j;
  }

  /// The highest version of `plugin` inside `range` ("*" for any).
  [[nodiscard]] result<registry_release> resolve(const std::string& plugin, const std::string& range) const {
    auto idx = index();
    if (!idx) return fail(std::move(idx.error()));
    auto r = plugin::version_range::parse(range);
    if (!r) return fail(error{errc::invalid_argument, "\"" + plugin + "@" + range + "\": " + r.error().message, plugin, {}, {}});
    const auto& plugins = (*idx)["plugins"];
    if (!plugins.contains(plugin)) return fail(error{errc::not_found, "the registry " + location_ + " has no plugin " + plugin, plugin, {}, {}});
    std::optional<plugin::semver> best;
    nlohmann::json chosen;
    std::string listed;
    const nlohmann::json versions = plugins[plugin].value("versions", nlohmann::json::object());
    for (const auto& [ver, rel] : versions.items()) {
      listed += (listed.empty() ? "" : ", ") + ver;
      auto v = plugin::semver::parse(ver);
      if (!v || !r->contains(*v)) continue;
      if (!best || *best < *v) {
        best = *v;
        chosen = rel;
      }
    }
    if (!best) {
      return fail(error{errc::not_found, "no version of " + plugin + " matches " + r->str() + " (published: " + (listed.empty() ? "none" : listed) + ")", plugin, {}, {}});
    }
    return registry_release{plugin, best->str(), chosen.value("file", ""), chosen.value("sha256", ""), chosen.value("key_id", "")};
  }

  /// The keys the index registers to `publisher`.
  [[nodiscard]] result<std::vector<std::string>> publisher_keys(const std::string& publisher) const {
    auto idx = index();
    if (!idx) return fail(std::move(idx.error()));
    std::vector<std::string> out;
    if (idx->contains("publishers") && (*idx)["publishers"].contains(publisher)) {
      const nlohmann::json keys = (*idx)["publishers"][publisher].value("keys", nlohmann::json::array());
      for (const auto& k : keys) out.push_back(k.get<std::string>());
    }
    return out;
  }

 private:
  std::string location_;
  std::shared_ptr<http_client> http_;
};

/// Publishes the pack `tarball` to the registry directory `dir` as
/// `publisher`/<its name>. `new_key`: registers that key to the publisher (the
/// publisher's first publish, or a key the publisher's registered key rotated to).
[[nodiscard]] inline result<registry_release> publish(const fs::path& dir, const fs::path& tarball,
                                                      const std::string& publisher,
                                                      const std::optional<public_key>& new_key = std::nullopt) {
  auto bytes = read_file(tarball);
  if (!bytes) return fail(std::move(bytes.error()));
  const std::string what = tarball.string();
  auto entries = unpack(*bytes, what);
  if (!entries) return fail(std::move(entries.error()));
  // Unpack into a scratch directory to read the manifest and check the files.
  const fs::path scratch = fs::temp_directory_path() / ("aura-publish-" + std::to_string(::getpid()) + "-" + sha256_hex(*bytes).substr(0, 12));
  std::error_code ec;
  fs::remove_all(scratch, ec);
  struct cleanup { fs::path p; ~cleanup() { std::error_code e; fs::remove_all(p, e); } } guard{scratch};
  if (auto w = write_tree(scratch, *entries); !w) return fail(std::move(w.error()));
  auto m = manifest_in(scratch);
  if (!m) return fail(std::move(m.error()));
  auto reject = [&](const std::string& why) { return fail(error{errc::invalid_argument, "publish " + publisher + "/" + m->name + ": " + why, m->name, {}, what}); };
  auto files = verify_files(scratch, m->name);
  if (!files) return fail(std::move(files.error()));
  if (!files->has_files) return reject("the tarball has no AURA-FILES (make it with `aura plugin pack`)");
  if (files->name != m->name || files->version != m->version) return reject("AURA-FILES names " + files->name + " " + files->version + ", the manifest " + m->name + " " + m->version);
  auto sig_text = read_file(scratch / files_signature_name);
  if (!sig_text) return reject("the pack is not signed (the registry accepts signed packs only: `aura plugin pack --sign KEY`)");
  auto sig = signature::parse(*sig_text, what + ":" + files_signature_name);
  if (!sig) return fail(std::move(sig.error()));
  const std::string key_text = key_id_text(sig->id);
  if (!plugin::semver::parse(m->version)) return reject("version \"" + m->version + "\" is not MAJOR.MINOR.PATCH");
  for (char c : m->name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return reject("the name must be lower-case letters, digits and '-'");
    }
  }
  const fs::path index_file = dir / "index.json";
  nlohmann::json idx = {{"registry", 1}, {"publishers", nlohmann::json::object()}, {"plugins", nlohmann::json::object()}};
  if (fs::exists(index_file, ec)) {
    auto r = registry(dir.string()).index();
    if (!r) return fail(std::move(r.error()));
    idx = *r;
  }
  const std::string id = publisher + "/" + m->name;
  auto& keys = idx["publishers"][publisher]["keys"];
  if (!keys.is_array()) keys = nlohmann::json::array();
  const bool first_of_publisher = keys.empty();
  if (new_key) {
    if (!first_of_publisher && std::find(keys.begin(), keys.end(), new_key->id_text()) == keys.end()) {
      // Only a rotation signed by a registered key adds a key to a known publisher.
      auto stmt = read_file(dir / "keys" / (new_key->id_text() + ".pub.minisig"));
      auto pub_text = read_file(dir / "keys" / (new_key->id_text() + ".pub"));
      bool ok = false;
      if (stmt && pub_text) {
        if (auto s = signature::parse(*stmt, "rotation")) {
          for (const auto& k : keys) {
            if (k.get<std::string>() != key_id_text(s->id)) continue;
            auto old_text = read_file(dir / "keys" / (k.get<std::string>() + ".pub"));
            if (!old_text) continue;
            auto old = public_key::parse(*old_text, "key");
            ok = old && verify(*old, *s, *pub_text, "rotation");
          }
        }
      }
      if (!ok) return reject("key " + new_key->id_text() + " is not registered to " + publisher + " and no rotation signed by a registered key introduces it");
    }
    if (new_key->id != sig->id) return reject("the pack is signed by key " + key_text + ", not by the key given (" + new_key->id_text() + ")");
    if (auto w = write_file(dir / "keys" / (new_key->id_text() + ".pub"), new_key->file_text()); !w) return fail(std::move(w.error()));
    if (std::find(keys.begin(), keys.end(), new_key->id_text()) == keys.end()) keys.push_back(new_key->id_text());
  } else if (first_of_publisher) {
    return reject("publisher " + publisher + " has no key yet: give the public key for the first publish (--key FILE.pub)");
  }
  if (std::find(keys.begin(), keys.end(), key_text) == keys.end()) {
    return reject("the pack is signed by key " + key_text + ", which is not registered to publisher " + publisher);
  }
  auto key_file = read_file(dir / "keys" / (key_text + ".pub"));
  if (!key_file) return reject("the registry lacks keys/" + key_text + ".pub");
  auto key = public_key::parse(*key_file, "keys/" + key_text + ".pub");
  if (!key) return fail(std::move(key.error()));
  auto text = read_file(scratch / files_manifest_name);
  if (!text) return fail(std::move(text.error()));
  if (auto ok = verify(*key, *sig, *text, what + ":" + files_manifest_name); !ok) return fail(std::move(ok.error()));
  auto& entry = idx["plugins"][id];
  const bool first_publish = !entry.is_object() || !entry.contains("versions");
  if (first_publish) {  // metadata review of a new name
    std::vector<std::string> problems;
    if (m->description.size() < 10) problems.push_back("a description of at least 10 characters");
    if (m->license.empty()) problems.push_back("a license");
    if (m->authors.empty()) problems.push_back("at least one author");
    if (m->runtime.language == "binary" || m->runtime.kind == plugin::runtime_kind::shared_object || m->runtime.kind == plugin::runtime_kind::native) {
      problems.push_back("a runtime the registry accepts (not binary, native or shared_object: they are not sandboxed)");
    }
    if (!problems.empty()) {
      std::string list;
      for (const auto& p : problems) list += (list.empty() ? "" : "; ") + p;
      return reject("first publish of " + id + " needs " + list);
    }
    entry = {{"description", m->description}, {"license", m->license}, {"authors", m->authors}, {"versions", nlohmann::json::object()}};
  }
  if (entry["versions"].contains(m->version)) return reject("version " + m->version + " is already published (versions are immutable)");
  const std::string rel = publisher + "/" + m->name + "-" + m->version + ".tar.gz";
  if (auto w = write_file(dir / rel, *bytes); !w) return fail(std::move(w.error()));
  registry_release out{id, m->version, rel, sha256_hex(*bytes), key_text};
  entry["versions"][m->version] = {{"file", rel}, {"sha256", out.sha256}, {"key_id", key_text}};
  if (auto w = write_file(index_file, idx.dump(2) + "\n"); !w) return fail(std::move(w.error()));
  return out;
}

}  // namespace aura::distribution
