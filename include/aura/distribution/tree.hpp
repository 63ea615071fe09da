// aura/distribution/tree.hpp - a plugin directory as a list of files: what a
// pack holds, what AURA-FILES lists, what an install copies. The walk refuses
// what must not travel: links leaving the root, device files, FIFOs, sockets,
// and trees over the size and entry limits.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

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

/// The tree of `root` as sorted archive entries (directories are implied by files).
[[nodiscard]] inline result<std::vector<tar_entry>> read_tree(const fs::path& root, const unpack_limits& limits = {}) {
  std::vector<tar_entry> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return fail(error{errc::not_found, "\"" + root.string() + "\" is not a directory", {}, {}, root.string()});
  std::size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path p = it->path();
    const std::string rel = p.lexically_relative(root).generic_string();
    if (skipped_in_tree(rel)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
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
