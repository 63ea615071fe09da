// aura/distribution/pack.hpp - a plugin's file manifest (AURA-FILES: the
// plugin's name and version, then one line per file with its SHA-256) and the
// pack: a reproducible .tar.gz of the tree plus AURA-FILES and, when signed,
// AURA-FILES.minisig. The same tree always gives the same bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/distribution/digest.hpp"
#include "aura/distribution/minisign.hpp"
#include "aura/distribution/tar.hpp"
#include "aura/distribution/tree.hpp"
#include "aura/plugin/manifest_reader.hpp"

namespace aura::distribution {

/// One AURA-FILES line: `F|X|L <sha256> <path>` (file, executable file, symlink:
/// the hash of its target text).
struct file_record {
  char kind = 'F';
  std::string sha256;
  std::string path;
};

/// AURA-FILES, parsed.
struct file_manifest {
  std::string name;
  std::string version;
  std::vector<file_record> files;

  [[nodiscard]] std::string text() const {
    std::string s = "aura-files 1 " + name + " " + version + "\n";
    for (const auto& f : files) s += std::string(1, f.kind) + " " + f.sha256 + " " + f.path + "\n";
    return s;
  }
  [[nodiscard]] static file_manifest of(std::string name, std::string version, const std::vector<tar_entry>& entries) {
    file_manifest m{std::move(name), std::move(version), {}};
    for (const auto& e : entries) {
      if (e.type == tar_entry::kind::directory || skipped_in_tree(e.path)) continue;
      if (e.type == tar_entry::kind::symlink) {
        m.files.push_back({'L', sha256_hex(e.link), e.path});
      } else {
        m.files.push_back({e.executable ? 'X' : 'F', sha256_hex(e.data), e.path});
      }
    }
    return m;
  }
  [[nodiscard]] static result<file_manifest> parse(std::string_view text, const std::string& what) {
    file_manifest m;
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
      const std::size_t end = text.find('\n', pos);
      const std::string line(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
      pos = end == std::string_view::npos ? text.size() : end + 1;
      ++line_no;
      auto bad = [&](const std::string& why) {
        return fail(error{errc::parse_error, what + ":" + std::to_string(line_no) + ": " + why, {}, {}, what + ":" + std::to_string(line_no)});
      };
      if (line_no == 1) {
        if (line.rfind("aura-files 1 ", 0) != 0) return bad("not an AURA-FILES list (line 1 must be \"aura-files 1 NAME VERSION\")");
        const std::string rest = line.substr(13);
        const auto sp = rest.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == rest.size()) return bad("line 1 must name the plugin and its version");
        m.name = rest.substr(0, sp);
        m.version = rest.substr(sp + 1);
        continue;
      }
      if (line.size() < 68 || (line[0] != 'F' && line[0] != 'X' && line[0] != 'L') || line[1] != ' ' || line[66] != ' ') {
        return bad("expected \"F|X|L SHA256 PATH\"");
      }
      file_record r{line[0], line.substr(2, 64), line.substr(67)};
      if (auto why = unsafe_path(r.path); !why.empty()) return bad("\"" + r.path + "\" is " + why);
      m.files.push_back(std::move(r));
    }
    if (line_no == 0) return fail(error{errc::parse_error, what + ": empty", {}, {}, what});
    return m;
  }
};

/// What pack() made.
struct pack_result {
  std::string bytes;      ///< the .tar.gz
  std::string file_name;  ///< NAME-VERSION.tar.gz
  file_manifest files;
  std::optional<signature> sig;
};

/// The manifest of the plugin at `dir` (any format the plugin module reads).
[[nodiscard]] inline result<plugin::manifest> manifest_in(const fs::path& dir) {
  auto found = plugin::find_manifest(dir);
  if (!found) return fail(std::move(found.error()));
  if (!*found) {
    return fail(error{errc::not_found, "\"" + dir.string() + "\" holds no plugin manifest (aura-plugin.toml, "
                      "aura-plugin.json, plugin.json or plugin.yaml)", {}, {}, dir.string()});
  }
  return plugin::read_manifest(**found);
}

/// The plugin at `dir`: its manifest (read with the plugin module's reader) and its tree.
[[nodiscard]] inline result<file_manifest> files_of(const fs::path& dir, std::vector<tar_entry>* tree = nullptr) {
  auto m = manifest_in(dir);
  if (!m) return fail(std::move(m.error()));
  auto entries = read_source_tree(dir);  // the author's tree, less its .auraignore
  if (!entries) return fail(std::move(entries.error()));
  auto files = file_manifest::of(m->name, m->version, *entries);
  if (tree) *tree = std::move(*entries);
  return files;
}

/// Packs `dir`. With `key`, AURA-FILES is signed by it; without, a
/// AURA-FILES.minisig already in `dir` (from `minisign -S -m AURA-FILES`) is
/// carried, provided the AURA-FILES beside it is the one the tree gives now.
[[nodiscard]] inline result<pack_result> pack(const fs::path& dir, const secret_key* key = nullptr, bool legacy = false) {
  std::vector<tar_entry> tree;
  auto files = files_of(dir, &tree);
  if (!files) return fail(std::move(files.error()));
  pack_result out;
  out.files = std::move(*files);
  const std::string text = out.files.text();
  if (key) {
    out.sig = sign(*key, text, "aura plugin " + out.files.name + " " + out.files.version, legacy);
  } else if (std::error_code ec; fs::exists(dir / files_signature_name, ec)) {
    auto on_disk = read_file(dir / files_manifest_name);
    if (!on_disk || *on_disk != text) {
      return fail(error{errc::invalid_argument,
                        "\"" + (dir / files_signature_name).string() + "\" signs an AURA-FILES that is not the tree's "
                        "now (a file changed since it was signed): run `aura plugin pack --files-only` and sign again",
                        out.files.name, {}, (dir / files_signature_name).string()});
    }
    auto sig_text = read_file(dir / files_signature_name);
    if (!sig_text) return fail(std::move(sig_text.error()));
    auto s = signature::parse(*sig_text, (dir / files_signature_name).string());
    if (!s) return fail(std::move(s.error()));
    out.sig = *s;
  }
  tree.push_back(tar_entry{files_manifest_name, tar_entry::kind::file, false, text, {}});
  if (out.sig) tree.push_back(tar_entry{files_signature_name, tar_entry::kind::file, false, out.sig->file_text(), {}});
  std::sort(tree.begin(), tree.end(), [](const tar_entry& a, const tar_entry& b) { return a.path < b.path; });
  auto tar = write_tar(tree);
  if (!tar) return fail(std::move(tar.error()));
  auto gz = gzip(*tar);
  if (!gz) return fail(std::move(gz.error()));
  out.bytes = std::move(*gz);
  out.file_name = out.files.name + "-" + out.files.version + ".tar.gz";
  return out;
}

/// Unpacks a pack's bytes into archive entries, with every safety check.
[[nodiscard]] inline result<std::vector<tar_entry>> unpack(std::string_view gz, const std::string& what,
                                                           const unpack_limits& limits = {}) {
  auto tar = gunzip(gz, what, limits.max_bytes);
  if (!tar) return fail(std::move(tar.error()));
  return read_tar(*tar, what, limits);
}

}  // namespace aura::distribution
