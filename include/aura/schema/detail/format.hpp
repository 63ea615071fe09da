// aura/schema/detail/format.hpp - checkers for the `format` values the
// library asserts (when asked): RFC 3339 dates, times and durations,
// e-mail, host names (format_idn.hpp), IP addresses (format_ip.hpp), URIs,
// IRIs and URI templates (format_uri.hpp), UUIDs, JSON pointers and regexes.
// None allocates except `regex`, which compiles the pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <aura/schema/detail/format_ip.hpp>
#include <aura/schema/detail/format_uri.hpp>
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
  uri_template,
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
  if (n == "uri-template") return format_id::uri_template;
  return format_id::unknown;
}

namespace fmt {

/// RFC 1123 host name and IDNA2008 host name (format_idn.hpp, which the
/// compiler includes: its tables are parsed only where schemas compile).
template <class Unused = void>
bool hostname(std::string_view s) noexcept;
template <class Unused = void>
bool idn_hostname(std::string_view s) noexcept;

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

// RFC 3339 appendix A:
//   duration = "P" (dur-date / dur-time / dur-week)
//   dur-date = (dur-day / dur-month / dur-year) [dur-time]
//   dur-year = 1*DIGIT "Y" [dur-month], dur-month = 1*DIGIT "M" [dur-day], dur-day = 1*DIGIT "D"
//   dur-time = "T" (dur-hour / dur-minute / dur-second), likewise H [M [S]], M [S], S
//   dur-week = 1*DIGIT "W"
// so the units of each part are consecutive: P1Y2D (no months) and PT1H2S are not durations.
inline bool duration_units(std::string_view s, std::size_t& i, const char (&units)[4]) noexcept {
  int last = -1;
  while (i < s.size() && s[i] != 'T') {
    const std::size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start || i == s.size()) return false;
    const char* u = std::char_traits<char>::find(units, 3, s[i]);
    if (u == nullptr) return false;
    const int unit = static_cast<int>(u - units);
    if (last >= 0 && unit != last + 1) return false;
    last = unit;
    ++i;
  }
  return last >= 0;
}

inline bool duration(std::string_view s) noexcept {
  if (s.size() < 3 || s[0] != 'P') return false;
  std::size_t i = 1;
  while (i < s.size() && digit(s[i])) ++i;
  if (i > 1 && i + 1 == s.size() && s[i] == 'W') return true;  // weeks stand alone
  i = 1;
  if (s[i] != 'T' && !duration_units(s, i, "YMD")) return false;
  if (i == s.size()) return true;
  ++i;  // 'T'
  return duration_units(s, i, "HMS") && i == s.size();
}

// RFC 5321 mailbox (RFC 6531 with `idn`: UTF-8 in the local part, an IDNA2008 domain).
template <class Unused = void>
bool email(std::string_view s, bool idn = false) noexcept {
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
      bool ok = alpha(c) || digit(c) || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos ||
                (idn && static_cast<unsigned char>(c) >= 0x80);
      if (!ok) return false;
    }
  }
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return ipv6(lit.substr(5));
    return ipv4(lit);
  }
  return idn ? idn_hostname<Unused>(domain) : hostname<Unused>(domain);
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

// ECMA-262 pattern syntax with the `u` flag: stricter than what `pattern`
// accepts (no Annex B identity escapes such as `\a`, no lone braces).
template <class Unused = void>
bool regex_syntax(std::string_view s) {
  basic_regex<Unused> r;
  std::string err;
  return r.compile(s, regex_limits{}, err, regex_syntax_mode::strict);
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
    case format_id::email: return fmt::email<Unused>(s);
    case format_id::idn_email: return fmt::email<Unused>(s, true);
    case format_id::hostname: return fmt::hostname<Unused>(s);
    case format_id::idn_hostname: return fmt::idn_hostname<Unused>(s);
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
    case format_id::uri_template: return fmt::uri_template(s);
  }
  return true;
}

}  // namespace aura::schema::detail
