// aura/distribution/tree.hpp - a plugin directory as a list of files: what a
// pack holds, what AURA-FILES lists, what an install copies. The walk refuses
// what must not travel: links leaving the root, device files, FIFOs, sockets,
// and trees over the size and entry limits.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fnmatch.h>
#include <sys/stat.h>

#include "aura/core/error.hpp"
#include "aura/distribution/digest.hpp"
#include "aura/distribution/tar.hpp"

namespace aura::distribution {

/// The signed list of a pack's files and its signature, at the plugin root.
inline constexpr const char* files_manifest_name = "AURA-FILES";
inline constexpr const char* files_signature_name = "AURA-FILES.minisig";

/// Names a walk never lists: VCS data, a plugin's private storage, the manifest itself.
[[nodiscard]] inline bool skipped_in_tree(const std::string& rel) {
  const std::string top = rel.substr(0, rel.find('/'));
  return top == ".git" || top == ".data" || rel == files_manifest_name || rel == files_signature_name;
}

/// The author's `.auraignore` at a plugin root: what the working tree holds
/// that does not travel (build inputs: node_modules/@types/, target/...).
/// One pattern per line; blank lines and `#` comments are skipped. A pattern
/// without a `/` (a trailing one aside) matches a name at any depth; one with
/// a `/` matches the path from the root (a leading `/` is allowed); a
/// trailing `/` matches directories only; `*`, `?` and `[...]` as in the
/// shell, never across a `/`. A directory that matches is skipped whole.
/// Read when packing and installing from a directory or a git checkout,
/// never when verifying an installed tree: there every file counts.
class ignore_rules {
 public:
  inline static constexpr const char* file_name = ".auraignore";

  /// The rules of `root`/.auraignore; none when there is no such file.
  [[nodiscard]] static result<ignore_rules> of(const fs::path& root) {
    ignore_rules r;
    std::error_code ec;
    const fs::path file = root / file_name;
    if (!fs::exists(file, ec)) return r;
    auto text = read_file(file);
    if (!text) return fail(std::move(text.error()));
    std::size_t line_no = 0, at = 0;
    while (at <= text->size()) {
      const std::size_t nl = std::min(text->find('\n', at), text->size());
      std::string line = text->substr(at, nl - at);
      at = nl + 1;
      ++line_no;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const std::string where = file.string() + ":" + std::to_string(line_no);
      if (line[0] == '!') {
        return fail(error{errc::invalid_argument, ".auraignore: \"" + line + "\": negation (!) is not supported; list what to leave out", {}, {}, where});
      }
      rule ru;
      if (line.back() == '/') {
        ru.dir_only = true;
        line.pop_back();
      }
      if (!line.empty() && line[0] == '/') line.erase(0, 1);
      if (line.empty() || line.find("..") != std::string::npos) {
        return fail(error{errc::invalid_argument, ".auraignore: \"" + line + "\" is not a pattern of paths inside the plugin", {}, {}, where});
      }
      ru.anchored = line.find('/') != std::string::npos;
      ru.pattern = std::move(line);
      r.rules_.push_back(std::move(ru));
    }
    return r;
  }

  /// Whether `rel` (a path from the root, `/`-separated) is left out.
  [[nodiscard]] bool ignored(const std::string& rel, bool is_dir) const {
    const std::string name = rel.substr(rel.rfind('/') + 1);
    for (const auto& ru : rules_) {
      if (ru.dir_only && !is_dir) continue;
      const std::string& subject = ru.anchored ? rel : name;
      if (::fnmatch(ru.pattern.c_str(), subject.c_str(), FNM_PATHNAME) == 0) return true;
    }
    return false;
  }
  [[nodiscard]] bool empty() const noexcept { return rules_.empty(); }

 private:
  struct rule {
    std::string pattern;
    bool anchored = false;
    bool dir_only = false;
  };
  std::vector<rule> rules_;
};

/// The tree of `root` as sorted archive entries (directories are implied by
/// files), less what `ignore` leaves out.
[[nodiscard]] inline result<std::vector<tar_entry>> read_tree(const fs::path& root, const unpack_limits& limits = {},
                                                             const ignore_rules& ignore = {}) {
  std::vector<tar_entry> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return fail(error{errc::not_found, "\"" + root.string() + "\" is not a directory", {}, {}, root.string()});
  std::size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path p = it->path();
    const std::string rel = p.lexically_relative(root).generic_string();
    std::error_code kind_ec;  // its own code: a dangling link must not end the walk
    const bool real_dir = !it->is_symlink(kind_ec) && it->is_directory(kind_ec);
    if (skipped_in_tree(rel) || (!ignore.empty() && ignore.ignored(rel, real_dir))) {
      if (real_dir) it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return fail(error{errc::io_error, "cannot stat \"" + p.string() + "\"", {}, {}, p.string()});
    tar_entry e;
    e.path = rel;
    if (S_ISDIR(st.st_mode)) continue;
    if (S_ISLNK(st.st_mode)) {
      e.type = tar_entry::kind::symlink;
      e.link = fs::read_symlink(p, ec).string();
      if (!link_stays_inside(rel, e.link)) {
        return fail(error{errc::invalid_argument, "\"" + rel + "\" is a symlink to \"" + e.link + "\", outside the plugin root", {}, {}, p.string()});
      }
    } else if (S_ISREG(st.st_mode)) {
      if (static_cast<std::size_t>(st.st_size) > limits.max_file_bytes) {
        return fail(error{errc::limit_exceeded, "\"" + rel + "\" is " + std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(limits.max_file_bytes), {}, {}, p.string()});
      }
      auto bytes = read_file(p);
      if (!bytes) return fail(std::move(bytes.error()));
      e.data = std::move(*bytes);
      e.executable = (st.st_mode & 0111) != 0;
      total += e.data.size();
    } else {
      return fail(error{errc::invalid_argument, "\"" + rel + "\" is a device file, FIFO or socket: it cannot be part of a plugin", {}, {}, p.string()});
    }
    out.push_back(std::move(e));
    if (out.size() > limits.max_entries) return fail(error{errc::limit_exceeded, "\"" + root.string() + "\" has more than " + std::to_string(limits.max_entries) + " files (the limit)", {}, {}, root.string()});
    if (total > limits.max_bytes) return fail(error{errc::limit_exceeded, "\"" + root.string() + "\" holds more than " + std::to_string(limits.max_bytes) + " bytes (the limit)", {}, {}, root.string()});
  }
  if (ec) return fail(error{errc::io_error, "cannot walk \"" + root.string() + "\": " + ec.message(), {}, {}, root.string()});
  std::sort(out.begin(), out.end(), [](const tar_entry& a, const tar_entry& b) { return a.path < b.path; });
  return out;
}

/// The tree an author's directory gives: read_tree with its .auraignore.
[[nodiscard]] inline result<std::vector<tar_entry>> read_source_tree(const fs::path& root, const unpack_limits& limits = {}) {
  auto ignore = ignore_rules::of(root);
  if (!ignore) return fail(std::move(ignore.error()));
  return read_tree(root, limits, *ignore);
}

/// Writes `entries` under `dir` (which must not exist yet and is created).
/// A hard link becomes a copy of the earlier entry it names.
[[nodiscard]] inline result<void> write_tree(const fs::path& dir, const std::vector<tar_entry>& entries) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(error{errc::io_error, "cannot create \"" + dir.string() + "\": " + ec.message(), {}, {}, dir.string()});
  for (const auto& e : entries) {
    const fs::path p = dir / e.path;
    fs::create_directories(p.parent_path(), ec);
    switch (e.type) {
      case tar_entry::kind::directory: fs::create_directories(p, ec); break;
      case tar_entry::kind::symlink: fs::create_symlink(e.link, p, ec); break;
      case tar_entry::kind::hard_link: {
        auto src = std::find_if(entries.begin(), entries.end(), [&](const tar_entry& x) { return x.path == e.link && x.type == tar_entry::kind::file; });
        if (src == entries.end()) return fail(error{errc::invalid_argument, "hard link \"" + e.path + "\" names \"" + e.link + "\", which is not a file of the archive", {}, {}, p.string()});
        if (auto r = write_file(p, src->data); !r) return r;
        fs::permissions(p, src->executable ? fs::perms(0755) : fs::perms(0644), ec);
        break;
      }
      case tar_entry::kind::file:
        if (auto r = write_file(p, e.data); !r) return r;
        fs::permissions(p, e.executable ? fs::perms(0755) : fs::perms(0644), ec);
        break;
    }
    if (ec) return fail(error{errc::io_error, "cannot write \"" + p.string() + "\": " + ec.message(), {}, {}, p.string()});
  }
  return {};
}

}  // namespace aura::distribution
