// aura/core/url_host.hpp - the host part of a URL, parsed the WHATWG way:
// percent-decoded, ASCII-lowercased, IPv4 in every form the URL standard
// accepts (0x7f.1, 2130706433, 127.1, 0177.0.0.1) and IPv6 in brackets, all
// serialised to one canonical spelling so that a permission and a request
// naming the same machine compare equal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aura/core/error.hpp"

namespace aura {

/// What a parsed host is.
enum class host_kind : std::uint8_t { domain, ipv4, ipv6 };

/// A canonical host: `name` is a lowercase domain without its trailing dot,
/// a dotted-decimal IPv4 address, or a bracketed, compressed IPv6 address.
struct parsed_host {
  host_kind kind = host_kind::domain;
  std::string name;
  friend bool operator==(const parsed_host& a, const parsed_host& b) noexcept { return a.kind == b.kind && a.name == b.name; }
  friend bool operator!=(const parsed_host& a, const parsed_host& b) noexcept { return !(a == b); }
};

namespace detail::url {

[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[nodiscard]] inline std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The WHATWG "forbidden domain code points" (ASCII part), checked after decoding.
[[nodiscard]] constexpr bool forbidden_in_domain(unsigned char c) noexcept {
  if (c <= 0x20 || c == 0x7f) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

// One IPv4 part: decimal, 0x hex or leading-0 octal; nullopt when it is not a number.
[[nodiscard]] inline std::optional<std::uint64_t> ipv4_number(std::string_view part) noexcept {
  if (part.empty()) return std::nullopt;
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  if (part.empty()) return 0;  // "0x" is zero
  std::uint64_t v = 0;
  for (char c : part) {
    const int d = hex_value(c);
    if (d < 0 || d >= radix) return std::nullopt;
    v = v * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFull) v = 0x100000000ull;  // saturate: any larger value is out of range alike
  }
  return v;
}

// WHATWG "ends in a number": the last label (a trailing dot ignored) is a number.
[[nodiscard]] inline bool ends_in_number(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const auto dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && c >= '0' && c <= '9';
  if (digits) return true;
  return ipv4_number(last).has_value() && last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X');
}

[[nodiscard]] inline result<std::string> parse_ipv4(std::string_view host) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(host) + "\" is not a valid IPv4 address: " + why,
                      {}, {}, {}});
  };
  std::string_view rest = host;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  std::array<std::uint64_t, 4> parts{};
  std::size_t n = 0;
  while (true) {
    const auto dot = rest.find('.');
    const auto part = rest.substr(0, dot);
    if (n == 4) return bad("more than four parts");
    auto v = ipv4_number(part);
    if (!v) return bad("part \"" + std::string(part) + "\" is not a number");
    parts[n++] = *v;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (parts[i] > 255) return bad("a part other than the last is above 255");
  }
  const std::uint64_t limit = 1ull << (8 * (5 - n));
  if (parts[n - 1] >= limit) return bad("the last part is out of range");
  std::uint64_t address = parts[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i) address += parts[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string((address >> shift) & 0xFF);
  }
  return out;
}

// The WHATWG IPv6 parser (with an embedded IPv4 tail); `in` is without brackets.
[[nodiscard]] inline result<std::string> parse_ipv6(std::string_view in) {
  auto bad = [&](const char* why) {
    return fail(error{errc::invalid_argument, "host \"[" + std::string(in) + "]\" is not a valid IPv6 address: " + why,
                      {}, {}, {}});
  };
  std::array<std::uint16_t, 8> a{};
  std::size_t piece = 0, p = 0;
  std::optional<std::size_t> compress;
  auto at = [&](std::size_t i) -> char { return i < in.size() ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return bad("starts with a single colon");
    p += 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return bad("more than eight pieces");
    if (at(p) == ':') {
      if (compress) return bad("more than one \"::\"");
      ++p;
      compress = ++piece;
      continue;
    }
    std::uint32_t value = 0;
    std::size_t length = 0;
    while (length < 4 && hex_value(at(p)) >= 0) {
      value = value * 16 + static_cast<std::uint32_t>(hex_value(at(p)));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return bad("an IPv4 part is empty");
      p -= length;
      if (piece > 6) return bad("an IPv4 tail leaves no room");
      std::size_t seen = 0;
      while (p < in.size()) {
        std::optional<std::uint32_t> v4;
        if (seen > 0) {
          if (at(p) == '.' && seen < 4) ++p;
          else return bad("malformed IPv4 tail");
        }
        if (!(at(p) >= '0' && at(p) <= '9')) return bad("malformed IPv4 tail");
        while (at(p) >= '0' && at(p) <= '9') {
          const std::uint32_t d = static_cast<std::uint32_t>(at(p) - '0');
          if (!v4) v4 = d;
          else if (*v4 == 0) return bad("an IPv4 part has a leading zero");
          else v4 = *v4 * 10 + d;
          if (*v4 > 255) return bad("an IPv4 part is above 255");
          ++p;
        }
        a[piece] = static_cast<std::uint16_t>(a[piece] * 0x100 + *v4);
        ++seen;
        if (seen == 2 || seen == 4) ++piece;
      }
      if (seen != 4) return bad("an IPv4 tail needs four parts");
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= in.size()) return bad("ends with a single colon");
    } else if (p < in.size()) {
      return bad("unexpected character");
    }
    a[piece++] = static_cast<std::uint16_t>(value);
  }
  if (compress) {
    std::size_t swaps = piece - *compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(a[piece], a[*compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return bad("fewer than eight pieces and no \"::\"");
  }
  // Serialise: lowercase hex, the first longest run of two or more zeros as "::".
  std::size_t best = 8, best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && a[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "[";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    std::string h;
    for (std::uint16_t v = a[i]; v || h.empty(); v = static_cast<std::uint16_t>(v / 16)) h.insert(h.begin(), digits[v % 16]);
    out += h;
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

}  // namespace detail::url

/// Parses the host of an http(s) URL (or of a network permission): IPv6 in
/// brackets, else percent-decoded, ASCII-lowercased, checked for forbidden
/// characters, IPv4 when its last label is a number, one trailing dot dropped.
/// Non-ASCII names are refused (aura does not implement IDNA mapping): write
/// the punycode `xn--` form. Errors are `invalid_argument` naming the host.
[[nodiscard]] inline result<parsed_host> parse_url_host(std::string_view input) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(input) + "\" " + why, {}, {}, {}});
  };
  if (input.empty()) return bad("is empty");
  if (input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return bad("has an unclosed '['");
    auto v6 = detail::url::parse_ipv6(input.substr(1, input.size() - 2));
    if (!v6) return fail(std::move(v6.error()));
    return parsed_host{host_kind::ipv6, std::move(*v6)};
  }
  std::string host = detail::url::percent_decode(input);
  for (char& c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return bad("is not ASCII; aura does not map international names: write its punycode (xn--) form");
    }
    if (detail::url::forbidden_in_domain(u)) {
      return bad(std::string("contains the forbidden character ") +
                 (u > 0x20 && u < 0x7f ? "'" + std::string(1, c) + "'" : "0x" + std::to_string(u)));
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (host.empty()) return bad("is empty");
  if (detail::url::ends_in_number(host)) {
    auto v4 = detail::url::parse_ipv4(host);
    if (!v4) return fail(std::move(v4.error()));
    return parsed_host{host_kind::ipv4, std::move(*v4)};
  }
  if (host.back() == '.') host.pop_back();  // "example.com." names example.com
  if (host.empty() || host.front() == '.' || host.find("..") != std::string::npos || host.back() == '.') {
    return bad("has an empty label");
  }
  if (host.size() > 253) return bad("is longer than 253 characters");
  return parsed_host{host_kind::domain, std::move(host)};
}

}  // namespace aura
