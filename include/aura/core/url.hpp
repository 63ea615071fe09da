// aura/core/url.hpp - the one URL parser every network permission check uses.
//
// A plugin's URL is parsed once, by the WHATWG URL standard's rules for the
// special schemes http and https (RFC 3986 syntax with the browser's
// leniencies, so aura reads a URL the way a browser and curl's peers do):
// leading and trailing C0 controls and spaces are stripped, tabs and newlines
// removed; any run of `/` and `\` after the scheme is skipped (`https:host`,
// `https:\\host`); `\` ends the authority and separates path segments; the
// userinfo ends at the authority's last `@`; `.` and `..` segments (also
// percent-encoded) are resolved; the host is canonicalised (url_host.hpp);
// the default port is dropped. Every other scheme is refused.
//
// The permission check compares the parsed host and port, and the HTTP client
// is handed `href()`, the URL rebuilt from the parsed parts, so the client
// cannot read a different host out of the same text. The fragment is never
// part of what is sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aura/core/error.hpp"
#include "aura/core/url_host.hpp"

namespace aura {

/// Longest URL aura parses: longer input is `limit_exceeded`.
inline constexpr std::size_t max_url_length = 64 * 1024;

/// A parsed http or https URL in canonical form.
struct http_url {
  std::string scheme;    ///< "http" or "https"
  std::string username;  ///< percent-encoded, usually empty
  std::string password;  ///< percent-encoded, usually empty
  parsed_host host;
  std::optional<std::uint16_t> port;  ///< only when not the scheme's default
  std::string path = "/";             ///< percent-encoded, always starts with '/'
  std::optional<std::string> query;   ///< without '?', percent-encoded
  std::optional<std::string> fragment;  ///< without '#'; never sent

  [[nodiscard]] std::uint16_t default_port() const noexcept { return scheme == "https" ? 443 : 80; }
  [[nodiscard]] std::uint16_t effective_port() const noexcept { return port ? *port : default_port(); }
  /// "host" or "host:port" (port only when not the default).
  [[nodiscard]] std::string authority() const {
    return port ? host.name + ":" + std::to_string(*port) : host.name;
  }
  /// The URL rebuilt from its parts, without the fragment: what the HTTP client receives.
  [[nodiscard]] std::string href() const {
    std::string out = scheme + "://";
    if (!username.empty() || !password.empty()) {
      out += username;
      if (!password.empty()) out += ":" + password;
      out += "@";
    }
    out += authority();
    out += path;
    if (query) out += "?" + *query;
    return out;
  }
};

namespace detail::url {

[[nodiscard]] constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
[[nodiscard]] constexpr bool is_c0_or_space(char c) noexcept { return static_cast<unsigned char>(c) <= 0x20; }

// WHATWG pre-processing: strip leading/trailing C0 controls and spaces, remove tab and newlines.
[[nodiscard]] inline std::string clean_input(std::string_view in) {
  while (!in.empty() && is_c0_or_space(in.front())) in.remove_prefix(1);
  while (!in.empty() && is_c0_or_space(in.back())) in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// The scheme ("http"), lowercased, when `in` starts with one followed by ':'.
[[nodiscard]] inline std::optional<std::string> scheme_of(std::string_view in) {
  if (in.empty() || !is_alpha(in[0])) return std::nullopt;
  std::size_t i = 1;
  while (i < in.size() && (is_alpha(in[i]) || (in[i] >= '0' && in[i] <= '9') || in[i] == '+' || in[i] == '-' ||
                           in[i] == '.')) {
    ++i;
  }
  if (i >= in.size() || in[i] != ':') return std::nullopt;
  std::string s(in.substr(0, i));
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

enum class encode_set : std::uint8_t { path, query, userinfo };

[[nodiscard]] constexpr bool needs_encoding(unsigned char c, encode_set set) noexcept {
  if (c <= 0x20 || c >= 0x7f) return true;  // C0 controls, space, DEL and every non-ASCII byte
  switch (c) {
    case '"': case '#': case '<': case '>': return true;
    case '\'': return set == encode_set::query;
    case '?': case '`': case '{': case '}': return set != encode_set::query;
    case '/': case ':': case ';': case '=': case '@': case '[': case '\\': case ']': case '^': case '|':
      return set == encode_set::userinfo;
    default: return false;
  }
}

inline void append_encoded(std::string& out, std::string_view in, encode_set set) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_encoding(c, set)) {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

[[nodiscard]] inline bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
[[nodiscard]] inline bool single_dot(std::string_view s) noexcept { return s == "." || ascii_iequal(s, "%2e"); }
[[nodiscard]] inline bool double_dot(std::string_view s) noexcept {
  return s == ".." || ascii_iequal(s, ".%2e") || ascii_iequal(s, "%2e.") || ascii_iequal(s, "%2e%2e");
}

// A special URL's path: `\` is `/`, dot segments resolved, segments percent-encoded.
[[nodiscard]] inline std::string normalise_path(std::string_view raw) {
  std::size_t start = 0;
  if (!raw.empty() && (raw[0] == '/' || raw[0] == '\\')) start = 1;
  std::string path;  // built as "/seg/seg"
  while (true) {
    std::size_t end = start;
    while (end < raw.size() && raw[end] != '/' && raw[end] != '\\') ++end;
    const std::string_view seg = raw.substr(start, end - start);
    const bool last = end >= raw.size();
    if (double_dot(seg)) {
      const auto slash = path.rfind('/');
      path.erase(slash == std::string::npos ? 0 : slash);
      if (last) path.push_back('/');
    } else if (single_dot(seg)) {
      if (last) path.push_back('/');
    } else {
      path.push_back('/');
      append_encoded(path, seg, encode_set::path);
    }
    if (last) break;
    start = end + 1;
  }
  if (path.empty()) path = "/";
  return path;
}

}  // namespace detail::url

/// Parses an absolute http or https URL. Errors: `limit_exceeded` for a URL
/// over max_url_length, `permission_denied` for any other scheme (file:,
/// gopher:, ftp:, data:, ws: ...: plugins reach only http and https),
/// `invalid_argument` for everything that is not a URL (the message says what).
[[nodiscard]] inline result<http_url> parse_http_url(std::string_view input) {
  namespace u = detail::url;
  if (input.size() > max_url_length) {
    return fail(errc::limit_exceeded,
                "URL is " + std::to_string(input.size()) + " bytes, above the " + std::to_string(max_url_length) +
                    "-byte limit");
  }
  const std::string text = u::clean_input(input);
  auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "URL \"" + text + "\" " + why);
  };
  auto scheme = u::scheme_of(text);
  if (!scheme) return bad("is not absolute: it has no scheme (write http:// or https://)");
  if (*scheme != "http" && *scheme != "https") {
    return fail(errc::permission_denied, "URL scheme \"" + *scheme + ":\" is not allowed: plugins may reach only http and https URLs");
  }
  http_url out;
  out.scheme = *scheme;
  std::string_view rest(text);
  rest.remove_prefix(scheme->size() + 1);
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);

  const auto authority_end = rest.find_first_of("/\\?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    const auto colon = credentials.find(':');
    u::append_encoded(out.username, credentials.substr(0, colon), u::encode_set::userinfo);
    if (colon != std::string_view::npos) {
      u::append_encoded(out.password, credentials.substr(colon + 1), u::encode_set::userinfo);
    }
    authority.remove_prefix(at + 1);
    if (authority.empty()) return bad("has credentials but no host");
  }
  // host[:port]; a ':' inside [...] belongs to an IPv6 address.
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  {
    bool in_brackets = false;
    for (std::size_t i = 0; i < authority.size(); ++i) {
      if (authority[i] == '[') in_brackets = true;
      if (authority[i] == ']') in_brackets = false;
      if (authority[i] == ':' && !in_brackets) {
        host_text = authority.substr(0, i);
        port_text = authority.substr(i + 1);
        break;
      }
    }
  }
  if (host_text.empty()) return bad("has no host");
  auto host = parse_url_host(host_text);
  if (!host) return bad("has a bad host: " + host.error().message);
  out.host = std::move(*host);
  if (port_text && !port_text->empty()) {
    std::uint32_t port = 0;
    for (char c : *port_text) {
      if (c < '0' || c > '9') return bad("has a port that is not a number: \"" + std::string(*port_text) + "\"");
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
      if (port > 65535) return bad("has a port above 65535: \"" + std::string(*port_text) + "\"");
    }
    if (port != out.default_port()) out.port = static_cast<std::uint16_t>(port);
  }

  const auto query_at = rest.find_first_of("?#");
  out.path = u::normalise_path(rest.substr(0, query_at));
  rest.remove_prefix(query_at == std::string_view::npos ? rest.size() : query_at);
  if (!rest.empty() && rest.front() == '?') {
    const auto hash = rest.find('#');
    out.query.emplace();
    u::append_encoded(*out.query, rest.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1),
                      u::encode_set::query);
    rest.remove_prefix(hash == std::string_view::npos ? rest.size() : hash);
  }
  if (!rest.empty() && rest.front() == '#') out.fragment = std::string(rest.substr(1));
  return out;
}

/// Resolves `reference` (a redirect's Location, absolute or relative) against
/// `base`, by the WHATWG rules for special URLs, and parses the result.
[[nodiscard]] inline result<http_url> resolve_http_url(const http_url& base, std::string_view reference) {
  namespace u = detail::url;
  if (reference.size() > max_url_length) return parse_http_url(reference);  // the same limit error
  const std::string ref = u::clean_input(reference);
  auto scheme = u::scheme_of(ref);
  std::string_view rest(ref);
  if (scheme && *scheme == base.scheme) {
    // Same scheme as the base: what follows is read as relative ("https:x",
    // "https:/x" keep the base's host; "https://x" has its own authority).
    rest.remove_prefix(scheme->size() + 1);
  } else if (scheme) {
    return parse_http_url(ref);
  }
  std::string origin = base.scheme + "://";
  if (!base.username.empty() || !base.password.empty()) {
    origin += base.username + (base.password.empty() ? "" : ":" + base.password) + "@";
  }
  origin += base.authority();
  if (rest.size() >= 2 && (rest[0] == '/' || rest[0] == '\\') && (rest[1] == '/' || rest[1] == '\\')) {
    return parse_http_url(base.scheme + ":" + std::string(rest));  // scheme-relative: a new authority
  }
  if (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) return parse_http_url(origin + std::string(rest));
  if (rest.empty()) return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()));
  if (rest.front() == '?') return parse_http_url(origin + base.path + std::string(rest));
  if (rest.front() == '#') {
    return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()) + std::string(rest));
  }
  const auto dir = base.path.substr(0, base.path.rfind('/') + 1);
  return parse_http_url(origin + dir + std::string(rest));
}

}  // namespace aura
