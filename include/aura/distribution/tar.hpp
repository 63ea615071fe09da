// aura/distribution/tar.hpp - the pack format: ustar archives, gzip-compressed
// (zlib). The writer is reproducible (entries as given, mtime 0, owner 0:0, no
// user or group names, modes 0644/0755, a gzip header without time or name);
// the reader refuses what could escape or exhaust the place it unpacks into:
// absolute paths, `..`, links leaving the root, device files, and archives over
// the size and entry limits.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "aura/core/error.hpp"

namespace aura::distribution {

/// One archive member.
struct tar_entry {
  enum class kind : char { file = '0', hard_link = '1', symlink = '2', directory = '5' };
  std::string path;  ///< relative, '/'-separated
  kind type = kind::file;
  bool executable = false;
  std::string data;  ///< file contents
  std::string link;  ///< symlink / hard link target
};

/// Bounds an unpack keeps to (a gzip or tar bomb fails with a clear error).
struct unpack_limits {
  std::size_t max_bytes = 256u << 20;  ///< uncompressed archive size
  std::size_t max_entries = 10000;
  std::size_t max_file_bytes = 128u << 20;
};

namespace detail {

inline void tar_octal(char* field, std::size_t width, std::uint64_t value) {
  // width-1 octal digits, then NUL
  std::memset(field, '0', width - 1);
  field[width - 1] = '\0';
  for (std::size_t i = width - 1; i-- > 0 && value;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

[[nodiscard]] inline bool tar_parse_octal(const char* field, std::size_t width, std::uint64_t& out) {
  out = 0;
  std::size_t i = 0;
  while (i < width && (field[i] == ' ' || field[i] == '\0')) ++i;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    out = (out << 3) | static_cast<std::uint64_t>(field[i] - '0');
    any = true;
    if (out > (std::uint64_t(1) << 40)) return false;
  }
  for (; i < width; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return false;
  }
  (void)any;
  return true;
}

[[nodiscard]] inline std::string tar_field(const char* p, std::size_t width) {
  std::size_t n = 0;
  while (n < width && p[n]) ++n;
  return std::string(p, n);
}

}  // namespace detail

/// The ustar bytes of `entries`, in the order given (the caller sorts them).
[[nodiscard]] inline result<std::string> write_tar(const std::vector<tar_entry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    char h[512];
    std::memset(h, 0, sizeof h);
    std::string name = e.path, prefix;
    if (e.type == tar_entry::kind::directory && (name.empty() || name.back() != '/')) name += '/';
    if (name.size() > 100) {
      const std::size_t cut = name.rfind('/', 155);
      if (cut == std::string::npos || cut == 0 || name.size() - cut - 1 > 100 || name.size() - cut - 1 == 0) {
        return fail(errc::invalid_argument, "path too long for a ustar archive: " + e.path);
      }
      prefix = name.substr(0, cut);
      name = name.substr(cut + 1);
    }
    if (e.link.size() > 100) return fail(errc::invalid_argument, "link target too long for a ustar archive: " + e.path);
    std::memcpy(h, name.data(), name.size());
    const bool dir = e.type == tar_entry::kind::directory;
    detail::tar_octal(h + 100, 8, dir || e.executable ? 0755 : 0644);
    detail::tar_octal(h + 108, 8, 0);
    detail::tar_octal(h + 116, 8, 0);
    detail::tar_octal(h + 124, 12, e.type == tar_entry::kind::file ? e.data.size() : 0);
    detail::tar_octal(h + 136, 12, 0);
    h[156] = static_cast<char>(e.type);
    std::memcpy(h + 157, e.link.data(), e.link.size());
    std::memcpy(h + 257, "ustar", 6);
    h[263] = '0';
    h[264] = '0';
    std::memcpy(h + 345, prefix.data(), prefix.size());
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : std::string_view(h, 512)) sum += c;
    detail::tar_octal(h + 148, 7, sum);
    h[155] = ' ';
    out.append(h, 512);
    if (e.type == tar_entry::kind::file) {
      out += e.data;
      out.append((512 - e.data.size() % 512) % 512, '\0');
    }
  }
  out.append(1024, '\0');
  return out;
}

/// Whether a relative archive path stays inside its root: not empty, not
/// absolute, no `..` component. Returns the problem, or empty.
[[nodiscard]] inline std::string unsafe_path(std::string_view p) {
  if (p.empty()) return "an empty path";
  if (p.front() == '/') return "an absolute path";
  std::size_t pos = 0;
  while (pos <= p.size()) {
    std::size_t end = p.find('/', pos);
    if (end == std::string_view::npos) end = p.size();
    if (p.substr(pos, end - pos) == "..") return "a path with \"..\"";
    pos = end + 1;
  }
  return {};
}

/// Whether a symlink at `at` pointing to `target` stays inside the root.
[[nodiscard]] inline bool link_stays_inside(std::string_view at, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  int depth = 0;
  std::string_view dir = at.substr(0, at.rfind('/') == std::string_view::npos ? 0 : at.rfind('/'));
  for (std::size_t pos = 0; pos < dir.size();) {
    std::size_t end = dir.find('/', pos);
    if (end == std::string_view::npos) end = dir.size();
    if (end > pos && dir.substr(pos, end - pos) != ".") ++depth;
    pos = end + 1;
  }
  for (std::size_t pos = 0; pos <= target.size();) {
    std::size_t end = target.find('/', pos);
    if (end == std::string_view::npos) end = target.size();
    const auto part = target.substr(pos, end - pos);
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    pos = end + 1;
  }
  return true;
}

/// Reads a ustar archive, refusing anything unsafe; `what` names it in errors.
[[nodiscard]] inline result<std::vector<tar_entry>> read_tar(std::string_view bytes, const std::string& what,
                                                             const unpack_limits& limits = {}) {
  std::vector<tar_entry> out;
  std::size_t pos = 0;
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, what + ": " + why, {}, {}, what});
  };
  while (true) {
    if (pos + 512 > bytes.size()) return bad("the archive is truncated (no end-of-archive block)");
    const char* h = bytes.data() + pos;
    if (std::all_of(h, h + 512, [](char c) { return c == '\0'; })) break;
    unsigned sum = 0;
    for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    std::uint64_t stored = 0, size = 0;
    if (!detail::tar_parse_octal(h + 148, 8, stored) || stored != sum) {
      return bad("entry " + std::to_string(out.size() + 1) + " has a bad header checksum (not a tar archive?)");
    }
    if (!detail::tar_parse_octal(h + 124, 12, size)) return bad("entry " + std::to_string(out.size() + 1) + " has a bad size");
    std::string name = detail::tar_field(h, 100);
    if (std::memcmp(h + 257, "ustar", 5) == 0) {
      const std::string prefix = detail::tar_field(h + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    while (name.rfind("./", 0) == 0) name.erase(0, 2);
    const char type = h[156] ? h[156] : '0';
    pos += 512;
    if (out.size() >= limits.max_entries) {
      return bad("more than " + std::to_string(limits.max_entries) + " entries (the limit)");
    }
    tar_entry e;
    e.path = name;
    if (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
    if (e.path.empty() && type == '5') {  // "./" itself
      pos += 0;
      continue;
    }
    if (auto why = unsafe_path(e.path); !why.empty()) return bad("entry \"" + name + "\" is " + why);
    std::uint64_t mode = 0;
    (void)detail::tar_parse_octal(h + 100, 8, mode);
    e.executable = (mode & 0111) != 0;
    switch (type) {
      case '0':
      case '7': e.type = tar_entry::kind::file; break;
      case '5': e.type = tar_entry::kind::directory; break;
      case '2': e.type = tar_entry::kind::symlink; break;
      case '1': e.type = tar_entry::kind::hard_link; break;
      case '3':
      case '4': return bad("entry \"" + e.path + "\" is a device file");
      case '6': return bad("entry \"" + e.path + "\" is a FIFO");
      default:
        return bad(std::string("entry \"") + e.path + "\" has type '" + type +
                   "', which aura does not unpack (pax and GNU long-name headers are not supported)");
    }
    if (e.type == tar_entry::kind::symlink || e.type == tar_entry::kind::hard_link) {
      e.link = detail::tar_field(h + 157, 100);
      const bool inside = e.type == tar_entry::kind::symlink ? link_stays_inside(e.path, e.link) : unsafe_path(e.link).empty();
      if (!inside) return bad("entry \"" + e.path + "\" links to \"" + e.link + "\", outside the plugin root");
      size = 0;
    }
    if (e.type == tar_entry::kind::file) {
      if (size > limits.max_file_bytes) {
        return bad("entry \"" + e.path + "\" is " + std::to_string(size) + " bytes, over the limit of " +
                   std::to_string(limits.max_file_bytes));
      }
      if (pos + size > bytes.size()) return bad("entry \"" + e.path + "\" is truncated");
      e.data.assign(bytes.data() + pos, size);
      pos += (size + 511) / 512 * 512;
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// gzip (header without name or time: the same input gives the same bytes).
[[nodiscard]] inline result<std::string> gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return fail(errc::io_error, "zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return fail(errc::io_error, "zlib: deflate did not finish");
  return out;
}

/// gunzip, stopping with an error past `max_bytes` of output (a gzip bomb).
[[nodiscard]] inline result<std::string> gunzip(std::string_view in, const std::string& what, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return fail(errc::io_error, "zlib: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return fail(error{errc::invalid_argument, what + ": not a valid gzip stream" + (z.msg ? std::string(" (") + z.msg + ")" : std::string()), {}, {}, what});
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return fail(error{errc::invalid_argument, what + ": unpacks to more than " + std::to_string(max_bytes) +
                                                    " bytes (the limit): refusing a possible gzip bomb", {}, {}, what});
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return fail(error{errc::invalid_argument, what + ": the gzip stream is truncated", {}, {}, what});
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace aura::distribution
