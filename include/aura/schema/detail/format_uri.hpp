// aura/schema/detail/format_uri.hpp - `uri`, `uri-reference`, `iri`,
// `iri-reference` (RFC 3986 / RFC 3987 grammar) and `uri-template`
// (RFC 6570, level 4), checked character by character, no allocation.
#pragma once

#include <cstddef>
#include <string_view>

#include <aura/schema/detail/format_ip.hpp>

namespace aura::schema::detail::fmt {



/// Which characters a URI component allows besides unreserved, sub-delims
/// and pct-encoded; `iri` adds the non-ASCII ucschar (and iprivate in query).
enum uri_extra : unsigned {
  ux_colon = 1,
  ux_at = 2,
  ux_slash = 4,
  ux_question = 8,
  ux_pchar = ux_colon | ux_at,
  ux_query = ux_pchar | ux_slash | ux_question,
};

/// True when s[i] starts a valid `%XX`.
inline bool pct_encoded(std::string_view s, std::size_t i) noexcept {
  return i + 2 < s.size() && s[i] == '%' && hexdig(s[i + 1]) && hexdig(s[i + 2]);
}

inline bool unreserved_or_sub_delim(char c) noexcept {
  return alpha(c) || digit(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

/// The whole of `s` is made of the component's characters.
inline bool uri_component(std::string_view s, unsigned extra, bool iri) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (!pct_encoded(s, i)) return false;
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (!iri) return false;
      continue;  // UTF-8 of a ucschar (the JSON text is UTF-8 already)
    }
    if (unreserved_or_sub_delim(c)) continue;
    if ((c == ':' && (extra & ux_colon) != 0) || (c == '@' && (extra & ux_at) != 0) ||
        (c == '/' && (extra & ux_slash) != 0) || (c == '?' && (extra & ux_question) != 0))
      continue;
    return false;
  }
  return true;
}

/// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
inline bool ipv_future(std::string_view s) noexcept {
  if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
  std::size_t i = 1;
  while (i < s.size() && hexdig(s[i])) ++i;
  if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
  for (++i; i < s.size(); ++i)
    if (!(unreserved_or_sub_delim(s[i]) || s[i] == ':')) return false;
  return true;
}

/// authority = [ userinfo "@" ] host [ ":" port ]. The userinfo ends at the
/// first '@'; a second one is in the host, which allows none.
inline bool authority(std::string_view a, bool iri) noexcept {
  if (std::size_t at = a.find('@'); at != std::string_view::npos) {
    if (!uri_component(a.substr(0, at), ux_colon, iri)) return false;
    a.remove_prefix(at + 1);
  }
  std::string_view host = a, port;
  if (!a.empty() && a[0] == '[') {
    const std::size_t rb = a.find(']');
    if (rb == std::string_view::npos) return false;
    const std::string_view literal = a.substr(1, rb - 1);
    if (!ipv6(literal) && !ipv_future(literal)) return false;
    host = {};
    a.remove_prefix(rb + 1);
    if (!a.empty() && a[0] != ':') return false;
    if (!a.empty()) port = a.substr(1);
  } else if (std::size_t colon = a.find(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);  // a reg-name has no ':': an unbracketed IPv6 address ends here
    port = a.substr(colon + 1);
  }
  for (char c : port)
    if (!digit(c)) return false;
  return uri_component(host, 0, iri);
}

/// hier-part / relative-part, query and fragment of `s` after the scheme
/// (when `scheme` is true) or as a relative reference.
inline bool uri_after_scheme(std::string_view s, bool scheme, bool iri) noexcept {
  std::string_view fragment, query;
  bool has_fragment = false, has_query = false;
  if (std::size_t h = s.find('#'); h != std::string_view::npos) {
    fragment = s.substr(h + 1);
    has_fragment = true;
    s = s.substr(0, h);
  }
  if (std::size_t q = s.find('?'); q != std::string_view::npos) {
    query = s.substr(q + 1);
    has_query = true;
    s = s.substr(0, q);
  }
  if (has_fragment && !uri_component(fragment, ux_query, iri)) return false;
  if (has_query && !uri_component(query, ux_query, iri)) return false;
  std::string_view path = s;
  if (s.substr(0, 2) == "//") {
    const std::size_t end = s.find('/', 2);
    if (!authority(s.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2), iri)) return false;
    path = end == std::string_view::npos ? std::string_view() : s.substr(end);
  } else if (!scheme && !path.empty() && path[0] != '/') {
    // path-noscheme: the first segment has no ':' (it would be a scheme)
    const std::size_t slash = path.find('/');
    if (path.substr(0, slash).find(':') != std::string_view::npos) return false;
  }
  return uri_component(path, ux_pchar | ux_slash, iri);
}

/// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); its length, or 0.
inline std::size_t scheme_length(std::string_view s) noexcept {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !alpha(s[0])) return 0;
  for (std::size_t i = 1; i < colon; ++i)
    if (!(alpha(s[i]) || digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) return 0;
  return colon;
}

/// URI (RFC 3986 section 3) / IRI (RFC 3987): a scheme is required.
inline bool uri(std::string_view s, bool iri) noexcept {
  const std::size_t n = scheme_length(s);
  return n != 0 && uri_after_scheme(s.substr(n + 1), true, iri);
}

/// URI-reference = URI / relative-ref.
inline bool uri_reference(std::string_view s, bool iri) noexcept {
  const std::size_t n = scheme_length(s);
  if (n != 0) return uri_after_scheme(s.substr(n + 1), true, iri);
  return uri_after_scheme(s, false, iri);
}

/// RFC 6570: literals and `{op var[:n|*], ...}` expressions. The operators
/// reserved for extensions (= , ! @ |) are not accepted; an apostrophe is a
/// literal (erratum 6937).
inline bool uri_template(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '{') {
      const std::size_t close = s.find('}', i);
      if (close == std::string_view::npos) return false;
      std::string_view e = s.substr(i + 1, close - i - 1);
      if (!e.empty() && std::string_view("+#./;?&").find(e[0]) != std::string_view::npos) e.remove_prefix(1);
      // variable-list = varspec *( "," varspec )
      std::size_t k = 0;
      while (true) {
        // varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded
        bool dot_ok = false, any = false;
        while (k < e.size()) {
          if (e[k] == '%') {
            if (!pct_encoded(e, k)) return false;
            k += 3;
          } else if (alpha(e[k]) || digit(e[k]) || e[k] == '_') {
            ++k;
          } else if (e[k] == '.' && dot_ok && k + 1 < e.size() && e[k + 1] != '.') {
            ++k;
            dot_ok = false;
            continue;
          } else {
            break;
          }
          dot_ok = any = true;
        }
        if (!any || (k > 0 && e[k - 1] == '.')) return false;
        if (k < e.size() && e[k] == '*') {
          ++k;
        } else if (k < e.size() && e[k] == ':') {  // max-length = %x31-39 0*3DIGIT
          const std::size_t start = ++k;
          while (k < e.size() && digit(e[k])) ++k;
          if (k == start || k - start > 4 || e[start] == '0') return false;
        }
        if (k == e.size()) break;
        if (e[k] != ',') return false;
        ++k;
      }
      i = close + 1;
      continue;
    }
    if (c == '%') {
      if (!pct_encoded(s, i)) return false;
      i += 3;
      continue;
    }
    if (c <= 0x20 || c == 0x7F || std::string_view("\"<>\\^`|}").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
    ++i;
  }
  return true;
}

}  // namespace aura::schema::detail::fmt
