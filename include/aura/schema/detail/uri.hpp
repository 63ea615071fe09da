// aura/schema/detail/uri.hpp - RFC 3986 reference resolution and JSON
// pointer tokens, as `$id` and `$ref` need them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aura::schema::detail {

/// A URI reference split into its five components (RFC 3986 §3).
struct uri_parts {
  std::string scheme;
  std::string authority;
  std::string path;
  std::string query;
  std::string fragment;
  bool has_scheme = false;
  bool has_authority = false;
  bool has_query = false;
  bool has_fragment = false;
};

[[nodiscard]] inline uri_parts split_uri(std::string_view s) {
  uri_parts u;
  // scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  std::size_t colon = s.find(':');
  std::size_t stop = s.find_first_of("/?#");
  if (colon != std::string_view::npos && colon > 0 && (stop == std::string_view::npos || colon < stop)) {
    bool ok = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z');
    for (std::size_t i = 1; ok && i < colon; ++i) {
      char c = s[i];
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
    }
    if (ok) {
      u.has_scheme = true;
      u.scheme = std::string(s.substr(0, colon));
      for (auto& c : u.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      s.remove_prefix(colon + 1);
    }
  }
  if (std::size_t h = s.find('#'); h != std::string_view::npos) {
    u.has_fragment = true;
    u.fragment = std::string(s.substr(h + 1));
    s = s.substr(0, h);
  }
  if (std::size_t q = s.find('?'); q != std::string_view::npos) {
    u.has_query = true;
    u.query = std::string(s.substr(q + 1));
    s = s.substr(0, q);
  }
  if (s.size() >= 2 && s[0] == '/' && s[1] == '/') {
    u.has_authority = true;
    std::size_t end = s.find('/', 2);
    if (end == std::string_view::npos) end = s.size();
    u.authority = std::string(s.substr(2, end - 2));
    s.remove_prefix(end);
  }
  u.path = std::string(s);
  return u;
}

[[nodiscard]] inline std::string join_uri(const uri_parts& u, bool with_fragment = true) {
  std::string out;
  if (u.has_scheme) out += u.scheme + ":";
  if (u.has_authority) out += "//" + u.authority;
  out += u.path;
  if (u.has_query) out += "?" + u.query;
  if (with_fragment && u.has_fragment) out += "#" + u.fragment;
  return out;
}

/// RFC 3986 §5.2.4.
[[nodiscard]] inline std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      std::size_t cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t start = in[0] == '/' ? 1 : 0;
      std::size_t next = in.find('/', start);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

/// Resolves `ref` against the absolute `base` (RFC 3986 §5.2.2).
[[nodiscard]] inline std::string resolve_uri(std::string_view base, std::string_view ref) {
  uri_parts r = split_uri(ref);
  uri_parts b = split_uri(base);
  uri_parts t;
  if (r.has_scheme) {
    t = r;
    t.path = remove_dot_segments(r.path);
  } else {
    t.has_scheme = b.has_scheme;
    t.scheme = b.scheme;
    if (r.has_authority) {
      t.has_authority = true;
      t.authority = r.authority;
      t.path = remove_dot_segments(r.path);
      t.has_query = r.has_query;
      t.query = r.query;
    } else {
      t.has_authority = b.has_authority;
      t.authority = b.authority;
      if (r.path.empty()) {
        t.path = b.path;
        t.has_query = r.has_query || b.has_query;
        t.query = r.has_query ? r.query : b.query;
      } else {
        if (r.path[0] == '/') {
          t.path = remove_dot_segments(r.path);
        } else {
          std::string merged;
          if (b.has_authority && b.path.empty()) {
            merged = "/" + r.path;
          } else {
            std::size_t cut = b.path.rfind('/');
            merged = (cut == std::string::npos ? std::string() : b.path.substr(0, cut + 1)) + r.path;
          }
          t.path = remove_dot_segments(merged);
        }
        t.has_query = r.has_query;
        t.query = r.query;
      }
    }
  }
  t.has_fragment = r.has_fragment;
  t.fragment = r.fragment;
  return join_uri(t);
}

/// The URI without its fragment.
[[nodiscard]] inline std::string_view strip_fragment(std::string_view uri) noexcept {
  std::size_t h = uri.find('#');
  return h == std::string_view::npos ? uri : uri.substr(0, h);
}

[[nodiscard]] inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes (a fragment holding a JSON pointer may use them).
[[nodiscard]] inline std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// One reference token of a JSON pointer, escaped (~0, ~1).
[[nodiscard]] inline std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// Splits a JSON pointer into unescaped tokens; false when malformed.
[[nodiscard]] inline bool split_pointer(std::string_view ptr, std::vector<std::string>& tokens) {
  tokens.clear();
  if (ptr.empty()) return true;
  if (ptr[0] != '/') return false;
  std::size_t i = 1;
  std::string cur;
  for (; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(cur);
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 >= ptr.size() || (ptr[i + 1] != '0' && ptr[i + 1] != '1')) return false;
      cur += ptr[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += ptr[i];
    }
  }
  return true;
}

}  // namespace aura::schema::detail
