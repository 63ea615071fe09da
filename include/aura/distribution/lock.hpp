// aura/distribution/lock.hpp - aura.lock: what `install` put in a root, so
// `install --frozen` reproduces it exactly and `doctor` reports drift. One
// entry per plugin: version, source as given, what the source resolved to
// (a git commit, or the SHA-256 of a tarball or of a directory's AURA-FILES),
// the SHA-256 of the installed AURA-FILES, and the signer's key id.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/distribution/digest.hpp"

namespace aura::distribution {

struct lock_entry {
  std::string version;
  std::string source;    ///< as given to install
  std::string resolved;  ///< "git:<commit>" or "sha256:<hex>"
  std::string files;     ///< SHA-256 of the installed AURA-FILES
  std::string key_id;    ///< empty: unsigned
};

struct lock_file {
  std::map<std::string, lock_entry> plugins;

  [[nodiscard]] std::string text() const {
    nlohmann::ordered_json j;
    j["lockfile_version"] = 1;
    j["plugins"] = nlohmann::ordered_json::object();
    for (const auto& [name, e] : plugins) {
      j["plugins"][name] = {{"version", e.version}, {"source", e.source}, {"resolved", e.resolved},
                            {"files", e.files}, {"key_id", e.key_id}};
    }
    return j.dump(2) + "\n";
  }
  /// A missing file is an empty lock.
  [[nodiscard]] static result<lock_file> read(const fs::path& file) {
    lock_file lf;
    std::error_code ec;
    if (!fs::exists(file, ec)) return lf;
    auto text = read_file(file);
    if (!text) return fail(std::move(text.error()));
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("plugins") || !j["plugins"].is_object()) {
      return fail(error{errc::parse_error, file.string() + ": not an aura.lock (a JSON object with \"plugins\")", {}, {}, file.string()});
    }
    for (const auto& item : j["plugins"].items()) {
      const std::string name = item.key();
      const nlohmann::json& e = item.value();
      if (!e.is_object()) return fail(error{errc::parse_error, file.string() + ": /plugins/" + name + " is not an object", {}, {}, file.string()});
      auto str = [&](const char* k) { return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : std::string(); };
      lf.plugins[name] = lock_entry{str("version"), str("source"), str("resolved"), str("files"), str("key_id")};
      if (lf.plugins[name].source.empty()) {
        return fail(error{errc::parse_error, file.string() + ": /plugins/" + name + "/source is missing", {}, {}, file.string()});
      }
    }
    return lf;
  }
  [[nodiscard]] result<void> write(const fs::path& file) const { return write_file(file, text()); }
};

}  // namespace aura::distribution
