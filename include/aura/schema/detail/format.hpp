// aura/schema/detail/format.hpp - checkers for the `format` values the
// library asserts (when asked): RFC 3339 dates and times, ISO 8601
// durations, e-mail, host names, IP addresses, URIs, UUIDs, JSON pointers
// and regexes. None allocates except `regex`, which compiles the pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <aura/schema/detail/regex.hpp>
#include <aura/schema/options.hpp>

namespace aura::schema::detail {

enum class format_id : std::uint8_t {
  unknown,  // an annotation only, even when formats are asserted
  date_time,
  date,
  time,
  duration,
  email,
  idn_email,
  hostname,
  idn_hostname,
  ipv4,
  ipv6,
  uri,
  uri_reference,
  iri,
  iri_reference,
  uuid,
  json_pointer,
  relative_json_pointer,
  regex,
};

[[nodiscard]] inline format_id format_from_name(std::string_view n) noexcept {
  if (n == "date-time") return format_id::date_time;
  if (n == "date") return format_id::date;
  if (n == "time") return format_id::time;
  if (n == "duration") return format_id::duration;
  if (n == "email") return format_id::email;
  if (n == "idn-email") return format_id::idn_email;
  if (n == "hostname") return format_id::hostname;
  if (n == "idn-hostname") return format_id::idn_hostname;
  if (n == "ipv4") return format_id::ipv4;
  if (n == "ipv6") return format_id::ipv6;
  if (n == "uri") return format_id::uri;
  if (n == "uri-reference") return format_id::uri_reference;
  if (n == "iri") return format_id::iri;
  if (n == "iri-reference") return format_id::iri_reference;
  if (n == "uuid") return format_id::uuid;
  if (n == "json-pointer") return format_id::json_pointer;
  if (n == "relative-json-pointer") return format_id::relative_json_pointer;
  if (n == "regex") return format_id::regex;
  return format_id::unknown;
}

namespace fmt {

inline bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool hexdig(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// `n` digits at s[i..], as a number; -1 when not all digits.
inline int digits(std::string_view s, std::size_t i, std::size_t n) noexcept {
  if (i + n > s.size()) return -1;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!digit(s[i + k])) return -1;
    v = v * 10 + (s[i + k] - '0');
  }
  return v;
}

inline bool leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline bool date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  return d <= max;
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second only
// where the UTC time is 23:59:60.
inline bool time(std::string_view s) noexcept {
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  int h = digits(s, 0, 2), m = digits(s, 3, 2), sec = digits(s, 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return false;
  std::size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  int off_min = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    if (s.size() - i != 6 || s[i + 3] != ':') return false;
    int oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    off_min = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  if (sec == 60) {
    int utc = ((h * 60 + m - off_min) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

inline bool date_time(std::string_view s) noexcept {
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't')) return false;
  return date(s.substr(0, 10)) && time(s.substr(11));
}

// ISO 8601 duration as in RFC 3339 Appendix A: P[nY][nM][nD][T[nH][nM][nS]] or PnW.
inline bool duration(std::string_view s) noexcept {
  if (s.size() < 2 || s[0] != 'P') return false;
  std::size_t i = 1;
  auto number = [&]() noexcept {
    std::size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    return i > start;
  };
  // weeks stand alone
  {
    std::size_t save = i;
    if (number() && i < s.size() && s[i] == 'W') return i + 1 == s.size();
    i = save;
  }
  const char date_units[] = {'Y', 'M', 'D'};
  std::size_t unit = 0;
  bool any = false;
  while (i < s.size() && s[i] != 'T') {
    if (!number() || i >= s.size()) return false;
    while (unit < 3 && date_units[unit] != s[i]) ++unit;
    if (unit == 3) return false;
    ++unit;
    ++i;
    any = true;
  }
  if (i < s.size()) {  // 'T'
    ++i;
    const char time_units[] = {'H', 'M', 'S'};
    std::size_t tu = 0;
    bool any_time = false;
    while (i < s.size()) {
      if (!number() || i >= s.size()) return false;
      while (tu < 3 && time_units[tu] != s[i]) ++tu;
      if (tu == 3) return false;
      ++tu;
      ++i;
      any_time = true;
    }
    if (!any_time) return false;
    any = true;
  }
  return any;
}

inline bool hostname(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);  // a fully qualified name's root dot
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = s[i];
    if (!(alpha(c) || digit(c) || c == '-')) return false;
    ++label;
  }
  return true;
}

inline bool ipv4(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && digit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
    std::size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

inline bool ipv6(std::string_view s) noexcept {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && hexdig(s[i])) ++i;
    std::size_t len = i - start;
    if (i < s.size() && s[i] == '.') {  // trailing dotted IPv4
      if (!ipv4(s.substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // ends in a single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

inline bool email(std::string_view s) noexcept {
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (std::size_t i = 1; i + 1 < local.size(); ++i)
      if (static_cast<unsigned char>(local[i]) < 0x20) return false;
  } else {
    if (local.front() == '.' || local.back() == '.') return false;
    for (std::size_t i = 0; i < local.size(); ++i) {
      char c = local[i];
      if (c == '.' && i + 1 < local.size() && local[i + 1] == '.') return false;
      bool ok = alpha(c) || digit(c) || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
      if (!ok) return false;
    }
  }
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return ipv6(lit.substr(5));
    return ipv4(lit);
  }
  return hostname(domain);
}

inline bool uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hexdig(s[i])) return false;
  }
  return true;
}

inline bool json_pointer(std::string_view s) noexcept {
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  return true;
}

inline bool relative_json_pointer(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && digit(s[i])) ++i;
  if (i == 0 || (i > 1 && s[0] == '0')) return false;
  std::string_view rest = s.substr(i);
  return rest == "#" || json_pointer(rest);
}

// RFC 3986 characters: unreserved, sub-delims, ':' '@' '/' '?' and %XX;
// `iri` additionally lets non-ASCII through.
inline bool uri_chars(std::string_view s, bool allow_hash_once, bool iri) noexcept {
  bool hash = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || !hexdig(s[i + 1]) || !hexdig(s[i + 2])) return false;
      i += 2;
      continue;
    }
    if (c == '#') {
      if (!allow_hash_once || hash) return false;
      hash = true;
      continue;
    }
    if (c >= 0x80) {
      if (!iri) return false;
      continue;
    }
    bool ok = alpha(static_cast<char>(c)) || digit(static_cast<char>(c)) ||
              std::string_view("-._~!$&'()*+,;=:@/?[]").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

inline bool uri_reference(std::string_view s, bool iri) noexcept {
  if (!uri_chars(s, true, iri)) return false;
  // '[' ']' only around an IP literal host
  std::size_t lb = s.find('[');
  std::size_t rb = s.find(']');
  if (lb != std::string_view::npos || rb != std::string_view::npos) {
    std::size_t auth = s.find("//");
    if (auth == std::string_view::npos || lb == std::string_view::npos || rb == std::string_view::npos || lb < auth ||
        rb < lb)
      return false;
    if (!ipv6(s.substr(lb + 1, rb - lb - 1))) return false;
  }
  return true;
}

inline bool uri(std::string_view s, bool iri) noexcept {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !alpha(s[0])) return false;
  for (std::size_t i = 1; i < colon; ++i)
    if (!(alpha(s[i]) || digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) return false;
  std::string_view rest = s.substr(colon + 1);
  if (rest.substr(0, 2) == "//") {
    std::size_t end = rest.find_first_of("/?#", 2);
    std::string_view authority = rest.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
    std::size_t at = authority.find('@');
    std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (!host.empty() && host.front() == '[') {
      std::size_t rb = host.find(']');
      if (rb == std::string_view::npos || !ipv6(host.substr(1, rb - 1))) return false;
    } else {
      std::size_t pc = host.rfind(':');
      if (pc != std::string_view::npos)
        for (char c : host.substr(pc + 1))
          if (!digit(c)) return false;
    }
  }
  return uri_reference(rest, iri);
}

template <class Unused = void>
bool regex_syntax(std::string_view s) {
  basic_regex<Unused> r;
  std::string err;
  return r.compile(s, regex_limits{}, err);
}

}  // namespace fmt

/// True when `s` conforms to format `f` (unknown formats always conform).
/// A template only so that it is generated where the evaluator is.
template <class Unused = void>
[[nodiscard]] bool check_format(format_id f, std::string_view s) {
  switch (f) {
    case format_id::unknown: return true;
    case format_id::date_time: return fmt::date_time(s);
    case format_id::date: return fmt::date(s);
    case format_id::time: return fmt::time(s);
    case format_id::duration: return fmt::duration(s);
    case format_id::email: return fmt::email(s);
    case format_id::idn_email: return s.find('@') != std::string_view::npos;
    case format_id::hostname: return fmt::hostname(s);
    case format_id::idn_hostname: return !s.empty();
    case format_id::ipv4: return fmt::ipv4(s);
    case format_id::ipv6: return fmt::ipv6(s);
    case format_id::uri: return fmt::uri(s, false);
    case format_id::uri_reference: return fmt::uri_reference(s, false);
    case format_id::iri: return fmt::uri(s, true);
    case format_id::iri_reference: return fmt::uri_reference(s, true);
    case format_id::uuid: return fmt::uuid(s);
    case format_id::json_pointer: return fmt::json_pointer(s);
    case format_id::relative_json_pointer: return fmt::relative_json_pointer(s);
    case format_id::regex: return fmt::regex_syntax<Unused>(s);
  }
  return true;
}

}  // namespace aura::schema::detail
