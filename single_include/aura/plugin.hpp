// aura 0.1.0 - amalgamated from include/aura/plugin/plugin.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/plugin/plugin.hpp
#ifndef AURA_SI_AURA_PLUGIN_PLUGIN_HPP
#define AURA_SI_AURA_PLUGIN_PLUGIN_HPP
// aura/plugin/plugin.hpp - the plugin module: manifests, discovery, permissions,
// config layers, version ranges, the runtime loader and the plugin host.
//
// Includes the process and command runtimes (POSIX); the WASM and Lua
// runtimes come in when AURA_PLUGIN_WASM / AURA_PLUGIN_LUA are 1 (see
// runtimes/defaults.hpp), since they need libraries to link.

// ---- begin aura/plugin/fwd.hpp
#ifndef AURA_SI_AURA_PLUGIN_FWD_HPP
#define AURA_SI_AURA_PLUGIN_FWD_HPP
// aura/plugin/fwd.hpp - forward declarations of the plugin module.

namespace aura::plugin {
// version_range.hpp
struct semver;
class version_range;
// manifest.hpp
struct runtime_spec;
struct hook_spec;
struct command_spec;
struct api_spec;
struct manifest;
// manifest_toml.hpp
struct toml_document;
// config.hpp
struct config_layers;
struct selection;
struct host_settings;
// discovery.hpp
struct plugin_root;
struct discovered_plugin;
struct discovery;
// sandbox.hpp
class directory_storage;
// runtime.hpp
class plugin_instance;
struct load_request;
class runtime_registry;
struct native_plugin;
class native_registry;
// host.hpp
struct host_options;
struct plugin_status;
class plugin_host;
// tools.hpp
struct plugin_tool;
}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_FWD_HPP
// ---- end aura/plugin/fwd.hpp
// ---- begin aura/plugin/version_range.hpp
#ifndef AURA_SI_AURA_PLUGIN_VERSION_RANGE_HPP
#define AURA_SI_AURA_PLUGIN_VERSION_RANGE_HPP
// aura/plugin/version_range.hpp - semantic versions and the SDK ranges manifests state.
//
// A manifest says which SDK it was built against. A bare version is a tilde
// range: "0.1.0" means ~0.1.0, i.e. >= 0.1.0 and < 0.2.0, so a plugin built
// against 0.1.0 loads on 0.1.5, but one built against 0.1.5 does not load on
// 0.1.0 (it may use what 0.1.5 added), and 0.2.0 does not load on 0.1.x.

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

// ---- begin aura/core/error.hpp
#ifndef AURA_SI_AURA_CORE_ERROR_HPP
#define AURA_SI_AURA_CORE_ERROR_HPP
// aura/core/error.hpp - the error type every fallible aura call returns.

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace aura {

/// What went wrong, as a stable enum a host can switch on.
enum class errc {
  invalid_argument,   ///< a caller passed something malformed
  parse_error,        ///< text (JSON, TOML, an expression) did not parse
  schema_error,       ///< a JSON Schema could not be compiled
  validation_failed,  ///< a value does not satisfy its schema
  protocol_error,     ///< a plugin answered outside the wire protocol
  protocol_violation, ///< a decision the event does not permit (deny on non-vetoable, ...)
  hook_failed,        ///< a hook threw, trapped or returned an error
  timeout,            ///< a deadline passed
  crashed,            ///< a plugin process or instance died
  limit_exceeded,     ///< fuel, memory, size or depth cap reached
  permission_denied,  ///< a capability the plugin was not granted
  not_found,          ///< a name, file or key that does not exist
  already_exists,     ///< a name that is taken
  load_error,         ///< a plugin or module could not be loaded
  version_mismatch,   ///< SDK or protocol version the host cannot serve
  io_error,           ///< the operating system refused (fork, pipe, read, ...)
  unsupported,        ///< a feature this build or host does not provide
  patch_failed,       ///< a JSON Patch / Merge Patch could not be applied
};

/// A short, stable spelling of an error code ("hook_failed", ...).
[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::parse_error: return "parse_error";
    case errc::schema_error: return "schema_error";
    case errc::validation_failed: return "validation_failed";
    case errc::protocol_error: return "protocol_error";
    case errc::protocol_violation: return "protocol_violation";
    case errc::hook_failed: return "hook_failed";
    case errc::timeout: return "timeout";
    case errc::crashed: return "crashed";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::permission_denied: return "permission_denied";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::load_error: return "load_error";
    case errc::version_mismatch: return "version_mismatch";
    case errc::io_error: return "io_error";
    case errc::unsupported: return "unsupported";
    case errc::patch_failed: return "patch_failed";
  }
  return "unknown";
}

/// An error: a code, a human message, and where it happened.
///
/// `where` is a location in the input at fault: "file:line", a JSON pointer,
/// or a character offset; empty when there is none.
struct error {
  errc code = errc::invalid_argument;
  std::string message;
  std::string plugin;  ///< plugin concerned, if any
  std::string hook;    ///< hook concerned, if any
  std::string where;   ///< location in the input at fault, if any

  /// "plugin \"p\": hook \"h\": message (at where)" with the empty parts left out.
  [[nodiscard]] std::string describe() const {
    std::string out;
    if (!plugin.empty()) out += "plugin \"" + plugin + "\": ";
    if (!hook.empty()) out += "hook \"" + hook + "\": ";
    out += message;
    // A message that lists several problems already places each location.
    if (!where.empty() && message.find("(at " + where + ")") == std::string::npos) out += " (at " + where + ")";
    return out;
  }

  [[nodiscard]] error with_plugin(std::string name) && {
    plugin = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_hook(std::string name) && {
    hook = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_where(std::string location) && {
    where = std::move(location);
    return std::move(*this);
  }
};

/// Every fallible aura call returns `result<T>`.
template <class T>
using result = tl::expected<T, error>;

/// `return aura::fail(errc::not_found, "no such hook");`
[[nodiscard]] inline tl::unexpected<error> fail(errc code, std::string message,
                                                std::string where = {}) {
  return tl::unexpected<error>(error{code, std::move(message), {}, {}, std::move(where)});
}

[[nodiscard]] inline tl::unexpected<error> fail(error e) {
  return tl::unexpected<error>(std::move(e));
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ERROR_HPP
// ---- end aura/core/error.hpp
// ---- begin aura/core/version.hpp
#ifndef AURA_SI_AURA_CORE_VERSION_HPP
#define AURA_SI_AURA_CORE_VERSION_HPP
// aura/core/version.hpp - the SDK version, for plugins' compatibility checks.

#include <string_view>

#define AURA_VERSION_MAJOR 0
#define AURA_VERSION_MINOR 1
#define AURA_VERSION_PATCH 0

namespace aura {
inline constexpr int version_major = AURA_VERSION_MAJOR;
inline constexpr int version_minor = AURA_VERSION_MINOR;
inline constexpr int version_patch = AURA_VERSION_PATCH;
inline constexpr std::string_view version_string = "0.1.0";
}  // namespace aura
#endif  // AURA_SI_AURA_CORE_VERSION_HPP
// ---- end aura/core/version.hpp

namespace aura::plugin {

/// MAJOR.MINOR.PATCH with an optional pre-release tag (build metadata is ignored).
struct semver {
  int major = 0, minor = 0, patch = 0;
  std::string pre;  ///< "rc.1" in 1.0.0-rc.1; empty for a release

  [[nodiscard]] std::string str() const {
    std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    if (!pre.empty()) s += "-" + pre;
    return s;
  }
  /// Orders by number, and a pre-release before its release (tags compared as text).
  [[nodiscard]] friend bool operator<(const semver& a, const semver& b) noexcept {
    if (std::tie(a.major, a.minor, a.patch) != std::tie(b.major, b.minor, b.patch)) {
      return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
    }
    if (a.pre.empty() != b.pre.empty()) return !a.pre.empty();
    return a.pre < b.pre;
  }
  [[nodiscard]] friend bool operator==(const semver& a, const semver& b) noexcept {
    return std::tie(a.major, a.minor, a.patch, a.pre) == std::tie(b.major, b.minor, b.patch, b.pre);
  }
  [[nodiscard]] friend bool operator!=(const semver& a, const semver& b) noexcept { return !(a == b); }
  [[nodiscard]] friend bool operator<=(const semver& a, const semver& b) noexcept { return !(b < a); }
  [[nodiscard]] friend bool operator>(const semver& a, const semver& b) noexcept { return b < a; }
  [[nodiscard]] friend bool operator>=(const semver& a, const semver& b) noexcept { return !(a < b); }

  /// "1.2.3", "1.2" (patch 0), "1" (minor and patch 0), "1.2.3-rc.1+build".
  [[nodiscard]] static result<semver> parse(std::string_view text) {
    const std::string shown(text);
    auto bad = [&](const char* why) {
      return fail(errc::parse_error, "\"" + shown + "\" is not a version (MAJOR.MINOR.PATCH): " + why);
    };
    if (auto plus = text.find('+'); plus != std::string_view::npos) text = text.substr(0, plus);
    semver v;
    if (auto dash = text.find('-'); dash != std::string_view::npos) {
      v.pre = std::string(text.substr(dash + 1));
      if (v.pre.empty()) return bad("empty pre-release tag");
      text = text.substr(0, dash);
    }
    int* parts[3] = {&v.major, &v.minor, &v.patch};
    std::size_t i = 0, pos = 0;
    while (true) {
      if (i == 3) return bad("more than three numbers");
      std::size_t end = pos;
      std::int64_t n = 0;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        n = n * 10 + (text[end] - '0');
        if (n > 1000000000) return bad("number too large");
        ++end;
      }
      if (end == pos) return bad("expected a number");
      *parts[i++] = static_cast<int>(n);
      if (end == text.size()) break;
      if (text[end] != '.') return bad("unexpected character");
      pos = end + 1;
    }
    return v;
  }
};

/// The SDK this host was built with.
[[nodiscard]] inline semver host_sdk() noexcept {
  return semver{version_major, version_minor, version_patch, {}};
}

/// A set of versions: comparators that must all hold ("~0.1.0", "^1.2",
/// ">=0.1.0, <0.3.0", "=0.1.2", "*"). A bare version is read as a tilde range.
class version_range {
 public:
  enum class op { eq, lt, le, gt, ge };
  struct comparator {
    op kind;
    semver v;
  };

  [[nodiscard]] static result<version_range> parse(std::string_view text) {
    version_range r;
    r.text_ = std::string(trim(text));
    if (r.text_.empty()) return fail(errc::parse_error, "an empty version range");
    if (r.text_ == "*") return r;
    std::string_view rest = r.text_;
    while (!rest.empty()) {
      std::size_t cut = rest.find_first_of(", ");
      std::string_view part = trim(rest.substr(0, cut));
      rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
      if (part.empty()) continue;
      if (auto added = r.add(part); !added) return fail(std::move(added.error()));
    }
    if (r.all_.empty()) return fail(errc::parse_error, "\"" + r.text_ + "\" is not a version range");
    return r;
  }

  [[nodiscard]] bool contains(const semver& v) const noexcept {
    for (const comparator& c : all_) {
      bool ok = false;
      switch (c.kind) {
        case op::eq: ok = v == c.v; break;
        case op::lt: ok = v < c.v; break;
        case op::le: ok = v <= c.v; break;
        case op::gt: ok = v > c.v; break;
        case op::ge: ok = v >= c.v; break;
      }
      if (!ok) return false;
    }
    return true;
  }
  /// The range as written ("~0.1.0" for a bare "0.1.0").
  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  [[nodiscard]] static std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  result<void> add(std::string_view part) {
    auto read = [&](std::size_t skip) { return semver::parse(trim(part.substr(skip))); };
    auto with_range = [&](result<semver> v) -> result<semver> {
      if (!v) return fail(errc::parse_error, "bad version range \"" + text_ + "\": " + v.error().message);
      return v;
    };
    if (part.rfind(">=", 0) == 0 || part.rfind("<=", 0) == 0) {
      auto v = with_range(read(2));
      if (!v) return fail(std::move(v.error()));
      all_.push_back({part[0] == '>' ? op::ge : op::le, *v});
    } else if (part[0] == '>' || part[0] == '<' || part[0] == '=') {
      auto v = with_range(read(1));
      if (!v) return fail(std::move(v.error()));
      all_.push_back({part[0] == '>' ? op::gt : part[0] == '<' ? op::lt : op::eq, *v});
    } else if (part[0] == '^') {
      auto v = with_range(read(1));
      if (!v) return fail(std::move(v.error()));
      semver upper = v->major > 0 ? semver{v->major + 1, 0, 0, {}}
                   : v->minor > 0 ? semver{0, v->minor + 1, 0, {}}
                                  : semver{0, 0, v->patch + 1, {}};
      all_.push_back({op::ge, *v});
      all_.push_back({op::lt, upper});
    } else {
      const bool tilde = part[0] == '~';
      auto v = with_range(read(tilde ? 1 : 0));
      if (!v) return fail(std::move(v.error()));
      if (!tilde && all_.empty() && text_ == std::string(part)) text_ = "~" + text_;
      all_.push_back({op::ge, *v});
      all_.push_back({op::lt, semver{v->major, v->minor + 1, 0, {}}});
    }
    return {};
  }

  std::string text_;
  std::vector<comparator> all_;
};

/// Checks a plugin's SDK range against `host`: the error reads
/// `plugin "NAME": plugin requires SDK ~X, host has Y`.
[[nodiscard]] inline result<void> check_sdk(const std::string& plugin, const version_range& wanted,
                                            const semver& host = host_sdk()) {
  if (wanted.contains(host)) return {};
  error e{errc::version_mismatch, "plugin requires SDK " + wanted.str() + ", host has " + host.str(), plugin, {}, {}};
  return fail(std::move(e));
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_VERSION_RANGE_HPP
// ---- end aura/plugin/version_range.hpp
// ---- begin aura/plugin/manifest.hpp
#ifndef AURA_SI_AURA_PLUGIN_MANIFEST_HPP
#define AURA_SI_AURA_PLUGIN_MANIFEST_HPP
// aura/plugin/manifest.hpp - what a plugin declares about itself, in one model
// for every manifest format (aura-plugin.toml, aura-plugin.json, Codineer plugin.json).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/hook.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_HPP
#define AURA_SI_AURA_CORE_HOOK_HPP
// aura/core/hook.hpp - how a hook is registered: name, order, gates and failure policy.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aura {

/// What a hook's failure (exception, crash, timeout, malformed answer) means.
enum class failure_policy : std::uint8_t {
  fail_open,   ///< treat as allow: the chain goes on
  fail_closed  ///< treat as deny: the chain stops
};

inline constexpr failure_policy fail_open = failure_policy::fail_open;
inline constexpr failure_policy fail_closed = failure_policy::fail_closed;

[[nodiscard]] constexpr std::string_view to_string(failure_policy p) noexcept {
  return p == failure_policy::fail_open ? "fail_open" : "fail_closed";
}

/// How much a chain records per dispatch (docs/concepts.md, "Tracing", gives the cost of each).
enum class tracing : std::uint8_t {
  off,        ///< nothing: no trail, no counters, no clock reads, no allocation
  decisions,  ///< trail of hook and decision kind, exact counters; no clock reads
  timings,    ///< decisions plus per-hook durations and latency percentiles
  sampled     ///< the default: deny/mutate/error counts always; one dispatch in
              ///< `tracing_sample_period` per thread timed and counted (calls and
              ///< skips are estimates from those samples); a trail only when asked
};

/// One dispatch in this many (per thread) is recorded at tracing::sampled.
inline constexpr std::uint32_t tracing_sample_period = 256;

/// A hook's registration. Hooks run in (priority, name) order: lower first.
struct hook_options {
  std::string name;                  ///< unique within its chain; required
  int priority = 0;
  std::string when;                  ///< condition expression; empty = always
  bool once = false;                 ///< run at most once for the chain's lifetime
  failure_policy on_error = failure_policy::fail_open;
  std::chrono::milliseconds timeout{0};  ///< for plugin hooks; 0 = adapter default
  std::string plugin;                ///< the plugin that owns the hook, if any

  hook_options() = default;
  hook_options(std::string hook_name) : name(std::move(hook_name)) {}  // NOLINT: "name" alone is common
  hook_options(const char* hook_name) : name(hook_name) {}             // NOLINT
  hook_options(std::string hook_name, int hook_priority) : name(std::move(hook_name)), priority(hook_priority) {}
  hook_options& with_priority(int p) { priority = p; return *this; }
  hook_options& with_condition(std::string expr) { when = std::move(expr); return *this; }
  hook_options& run_once(bool v = true) { once = v; return *this; }
  hook_options& with_policy(failure_policy p) { on_error = p; return *this; }
  hook_options& with_timeout(std::chrono::milliseconds t) { timeout = t; return *this; }
  hook_options& owned_by(std::string p) { plugin = std::move(p); return *this; }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOOK_HPP
// ---- end aura/core/hook.hpp
// ---- begin aura/core/permissions.hpp
#ifndef AURA_SI_AURA_CORE_PERMISSIONS_HPP
#define AURA_SI_AURA_CORE_PERMISSIONS_HPP
// aura/core/permissions.hpp - what a plugin declared it may do; the context checks it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// ---- begin aura/core/glob.hpp
#ifndef AURA_SI_AURA_CORE_GLOB_HPP
#define AURA_SI_AURA_CORE_GLOB_HPP
// aura/core/glob.hpp - `*` and `?` wildcard matching for names, hosts and events.

#include <cstddef>
#include <string_view>

namespace aura {

/// True when `text` matches `pattern`, where `*` is any run of characters
/// (including none) and `?` any one character. Linear-time backtracking on the
/// last star only, so no pattern can make it slow.
[[nodiscard]] constexpr bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_GLOB_HPP
// ---- end aura/core/glob.hpp
// ---- begin aura/core/network_rule.hpp
#ifndef AURA_SI_AURA_CORE_NETWORK_RULE_HPP
#define AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// aura/core/network_rule.hpp - one entry of a plugin's `network` permission,
// parsed by the same host parser as the URLs it is compared with.
//
// Forms (docs/security.md, "Network permissions"):
//   "api.example.com"              that host, http or https, default ports only
//   "api.example.com:8443"         that host on that port (":*": any port)
//   "*.corp.example"               every subdomain of corp.example (not corp.example itself)
//   "*"                            any host, default ports only ("*:*": any port)
//   "[::1]:8080", "10.0.0.7"       IP literals, canonicalised like URL hosts
//   "https://deploygate.acme.com/api"  scheme + host [+ port] + path prefix,
//                                  the prefix matched on '/' boundaries
// An entry that can never match is an error (the plugin does not load).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url.hpp
#ifndef AURA_SI_AURA_CORE_URL_HPP
#define AURA_SI_AURA_CORE_URL_HPP
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

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url_host.hpp
#ifndef AURA_SI_AURA_CORE_URL_HOST_HPP
#define AURA_SI_AURA_CORE_URL_HOST_HPP
// aura/core/url_host.hpp - the host part of a URL, parsed the WHATWG way:
// percent-decoded, ASCII-lowercased, IPv4 in every form the URL standard
// accepts (0x7f.1, 2130706433, 127.1, 0177.0.0.1) and IPv6 in brackets, all
// serialised to one canonical spelling so that a permission and a request
// naming the same machine compare equal.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>


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
#endif  // AURA_SI_AURA_CORE_URL_HOST_HPP
// ---- end aura/core/url_host.hpp

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
#endif  // AURA_SI_AURA_CORE_URL_HPP
// ---- end aura/core/url.hpp

namespace aura {

struct network_rule {
  enum class host_match : std::uint8_t { exact, subdomains, any };
  std::string scheme;  ///< "http", "https", or empty: either
  host_match match = host_match::exact;
  parsed_host host;    ///< the host (exact) or the parent domain (subdomains)
  std::optional<std::uint16_t> port;  ///< none: the URL's default port only
  bool any_port = false;
  std::string path_prefix = "/";

  [[nodiscard]] bool matches(const http_url& url) const noexcept {
    if (!scheme.empty() && url.scheme != scheme) return false;
    switch (match) {
      case host_match::any: break;
      case host_match::exact:
        if (url.host != host) return false;
        break;
      case host_match::subdomains: {
        const std::string& h = url.host.name;
        const std::string& parent = host.name;
        if (url.host.kind != host_kind::domain || h.size() <= parent.size() + 1) return false;
        if (h.compare(h.size() - parent.size(), parent.size(), parent) != 0) return false;
        if (h[h.size() - parent.size() - 1] != '.') return false;
        break;
      }
    }
    if (!any_port) {
      if (port ? url.effective_port() != *port : url.port.has_value()) return false;
    }
    return path_matches(url.path);
  }

  [[nodiscard]] bool path_matches(const std::string& path) const noexcept {
    if (path_prefix == "/") return true;
    if (path.compare(0, path_prefix.size(), path_prefix) != 0) return false;
    return path.size() == path_prefix.size() || path_prefix.back() == '/' || path[path_prefix.size()] == '/';
  }
};

/// Parses a `network` permission entry. Errors are `invalid_argument` saying
/// why the entry can never match.
[[nodiscard]] inline result<network_rule> parse_network_rule(std::string_view entry) {
  auto never = [&](const std::string& why) {
    return fail(errc::invalid_argument, "network permission \"" + std::string(entry) + "\" can never match: " + why);
  };
  if (entry.empty()) return never("it is empty");
  for (char c : entry) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return never("it contains a space or control character");
    if (c == '\\' || c == '?' || c == '#' || c == '@') {
      return never(std::string("it contains '") + c + "' (an entry is [scheme://]host[:port][/path])");
    }
  }
  network_rule rule;
  std::string_view rest = entry;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    auto scheme = detail::url::scheme_of(std::string(rest.substr(0, sep + 1)));
    if (!scheme || (*scheme != "http" && *scheme != "https")) {
      return never("the scheme \"" + std::string(rest.substr(0, sep)) + "\" is not http or https");
    }
    rule.scheme = *scheme;
    rest.remove_prefix(sep + 3);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    if (rule.scheme.empty()) return never("a path prefix needs a scheme (write https://host/path)");
    rule.path_prefix = detail::url::normalise_path(rest.substr(slash));
  }
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  if (const auto close = authority.rfind(']'), colon = authority.rfind(':');
      colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    host_text = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host_text.empty()) return never("the host is empty");
  if (host_text == "*") {
    rule.match = network_rule::host_match::any;
  } else {
    std::string_view name = host_text;
    if (name.size() > 2 && name.substr(0, 2) == "*.") {
      rule.match = network_rule::host_match::subdomains;
      name.remove_prefix(2);
    }
    if (name.find('*') != std::string_view::npos) {
      return never("'*' is allowed only as the whole host or as a leading \"*.\"");
    }
    auto host = parse_url_host(name);
    if (!host) return never(host.error().message);
    if (rule.match == network_rule::host_match::subdomains && host->kind != host_kind::domain) {
      return never("\"*.\" needs a domain name after it, not an IP address");
    }
    rule.host = std::move(*host);
  }
  if (port_text) {
    if (*port_text == "*") {
      rule.any_port = true;
    } else {
      if (port_text->empty() || port_text->size() > 5) return never("the port is not a number from 1 to 65535");
      std::uint32_t port = 0;
      for (char c : *port_text) {
        if (c < '0' || c > '9') return never("the port is not a number from 1 to 65535");
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
      }
      if (port == 0 || port > 65535) return never("the port is not a number from 1 to 65535");
      const bool is_default = (rule.scheme == "https" && port == 443) || (rule.scheme == "http" && port == 80);
      if (!is_default) rule.port = static_cast<std::uint16_t>(port);
    }
  }
  return rule;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// ---- end aura/core/network_rule.hpp
// ---- begin aura/core/storage_limits.hpp
#ifndef AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
#define AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// aura/core/storage_limits.hpp - how much a plugin may keep in its storage,
// and which keys are keys at all.
//
// The host sets caps (plugin::host_options::storage_caps, defaults below); a
// manifest may ask for less (`[plugin.permissions.storage_quota]`), never for
// more: a request above a cap is a load error, so a plugin learns at load, not
// at its first large write, that this host will not hold its data.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace aura {

/// Per-plugin storage caps, each with its default.
struct storage_limits {
  std::uint64_t max_bytes = 16ull << 20;       ///< all values together: 16 MiB
  std::uint64_t max_keys = 1024;               ///< number of keys
  std::uint64_t max_key_length = 256;          ///< bytes of one key
  std::uint64_t max_key_depth = 8;             ///< '/'-separated segments of one key
  std::uint64_t max_value_bytes = 1ull << 20;  ///< one value: 1 MiB
};

/// What a manifest asks for; an absent field takes the host's cap.
struct storage_request {
  std::optional<std::uint64_t> max_bytes, max_keys, max_key_length, max_key_depth, max_value_bytes;
};

/// The limits a plugin gets: its request where it made one, else the cap.
/// A request above a cap is `limit_exceeded` naming the field and both values.
[[nodiscard]] inline result<storage_limits> grant_storage(const storage_request& asked, const storage_limits& cap) {
  storage_limits out = cap;
  struct field {
    const char* name;
    const std::optional<std::uint64_t>& asked;
    std::uint64_t cap;
    std::uint64_t& into;
  };
  const field fields[] = {{"max_bytes", asked.max_bytes, cap.max_bytes, out.max_bytes},
                          {"max_keys", asked.max_keys, cap.max_keys, out.max_keys},
                          {"max_key_length", asked.max_key_length, cap.max_key_length, out.max_key_length},
                          {"max_key_depth", asked.max_key_depth, cap.max_key_depth, out.max_key_depth},
                          {"max_value_bytes", asked.max_value_bytes, cap.max_value_bytes, out.max_value_bytes}};
  for (const auto& f : fields) {
    if (!f.asked) continue;
    if (*f.asked > f.cap) {
      return fail(errc::limit_exceeded, "storage_quota." + std::string(f.name) + " = " + std::to_string(*f.asked) +
                                            " is above the host's cap of " + std::to_string(f.cap));
    }
    f.into = *f.asked;
  }
  return out;
}

/// Checks that `key` names something a storage can write and read back:
/// '/'-separated segments, none empty ("dir/", "a//b", "/abs"), none "." or
/// ".." (those two are `permission_denied`: they would leave the storage), no NUL, control character or '\\', at most `max_key_length` bytes and
/// `max_key_depth` segments. `invalid_argument` or `limit_exceeded` otherwise.
[[nodiscard]] inline result<void> check_storage_key(std::string_view key, const storage_limits& limits) {
  auto bad = [&](errc code, const std::string& why) {
    std::string shown(key.substr(0, 64));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return fail(code, "storage key \"" + shown + (key.size() > 64 ? "...\"" : "\"") + " " + why);
  };
  if (key.empty()) return fail(errc::invalid_argument, "storage key is empty");
  if (key.size() > limits.max_key_length) {
    return bad(errc::limit_exceeded, "is " + std::to_string(key.size()) + " bytes, above the limit of " +
                                         std::to_string(limits.max_key_length));
  }
  std::uint64_t depth = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size() && key[i] != '/') {
      const auto c = static_cast<unsigned char>(key[i]);
      if (c == 0) return bad(errc::invalid_argument, "contains a NUL byte");
      if (c < 0x20 || c == 0x7f) return bad(errc::invalid_argument, "contains a control character");
      if (c == '\\') return bad(errc::invalid_argument, "contains '\\' (segments are separated by '/')");
      continue;
    }
    const std::string_view seg = key.substr(start, i - start);
    if (seg.empty() && i == 0) return bad(errc::permission_denied, "is an absolute path");
    if (seg.empty()) return bad(errc::invalid_argument, "has an empty segment (a doubled or trailing '/')");
    if (seg == "..") return bad(errc::permission_denied, "climbs out with \"..\"");
    if (seg == ".") return bad(errc::invalid_argument, "has a \".\" segment");
    if (i < key.size()) ++depth;
    start = i + 1;
  }
  if (depth > limits.max_key_depth) {
    return bad(errc::limit_exceeded, "has " + std::to_string(depth) + " segments, above the limit of " +
                                         std::to_string(limits.max_key_depth));
  }
  return {};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// ---- end aura/core/storage_limits.hpp

namespace aura {

/// Where a plugin's storage may reach.
enum class storage_scope : std::uint8_t { none, plugin_private, repo_readonly, repo_readwrite };

/// Which environment variables a plugin receives.
enum class env_access : std::uint8_t { none, listed, all };

/// A plugin's declared permissions. A default-constructed value grants reading
/// every event and the `log` and `config` host APIs, nothing else (no network,
/// storage or environment); `unrestricted()` is the host's own.
struct permissions {
  /// network_rule entries: "api.example.com", "*.corp.example", "host:8443",
  /// "https://deploygate.acme.com/api" (core/network_rule.hpp)
  std::vector<std::string> network;
  storage_scope storage = storage_scope::none;
  storage_request storage_quota;                   ///< what the plugin asks; the host caps it
  std::vector<std::string> read_events{"*"};       ///< event-name globs a plugin may hook
  std::vector<std::string> call_api{"log", "config"};  ///< host API scopes: log, config, storage, http, clock
  env_access env = env_access::none;
  std::vector<std::string> env_vars;               ///< names, when env == listed

  [[nodiscard]] static permissions unrestricted() {
    permissions p;
    p.network = {"*:*"};
    p.storage = storage_scope::plugin_private;
    p.call_api = {"*"};
    p.env = env_access::all;
    return p;
  }

  [[nodiscard]] static bool any_match(const std::vector<std::string>& globs, std::string_view name) noexcept {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, name); });
  }
  /// Whether some `network` entry matches the parsed URL (scheme, host, port,
  /// path prefix). An entry that does not parse matches nothing; the plugin
  /// host refuses to load a manifest with one (plugin/sandbox.hpp).
  [[nodiscard]] bool allows_url(const http_url& url) const {
    return std::any_of(network.begin(), network.end(), [&](const std::string& entry) {
      auto rule = parse_network_rule(entry);
      return rule && rule->matches(url);
    });
  }
  [[nodiscard]] bool allows_event(std::string_view event) const noexcept { return any_match(read_events, event); }
  [[nodiscard]] bool allows_api(std::string_view scope) const noexcept { return any_match(call_api, scope); }
  [[nodiscard]] bool allows_env(std::string_view var) const noexcept {
    switch (env) {
      case env_access::none: return false;
      case env_access::all: return true;
      case env_access::listed: return std::find(env_vars.begin(), env_vars.end(), var) != env_vars.end();
    }
    return false;
  }
  [[nodiscard]] bool allows_storage_write() const noexcept {
    return storage == storage_scope::plugin_private || storage == storage_scope::repo_readwrite;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PERMISSIONS_HPP
// ---- end aura/core/permissions.hpp

namespace aura::plugin {

/// How a plugin's hooks run.
/// `shared_object`: a .so loaded with dlopen through the C ABI of
/// aura/plugin/c_abi.h (runtimes/shared_object.hpp); it runs in the host's process.
enum class runtime_kind : std::uint8_t { native, process, command, wasm, lua, shared_object };

[[nodiscard]] constexpr std::string_view to_string(runtime_kind k) noexcept {
  switch (k) {
    case runtime_kind::native: return "native";
    case runtime_kind::process: return "process";
    case runtime_kind::command: return "command";
    case runtime_kind::wasm: return "wasm";
    case runtime_kind::lua: return "lua";
    case runtime_kind::shared_object: return "shared_object";
  }
  return "native";
}

[[nodiscard]] inline std::optional<runtime_kind> runtime_kind_from(std::string_view s) noexcept {
  for (auto k : {runtime_kind::native, runtime_kind::process, runtime_kind::command, runtime_kind::wasm,
                 runtime_kind::lua, runtime_kind::shared_object}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

/// Where a Lua or WASM plugin's code runs (`isolation` in `[plugin.runtime]`
/// and in host_options). docs/security.md says what each guarantees.
enum class isolation_mode : std::uint8_t {
  host_default,  ///< not said: the host's choice (host_options::isolation, by default `process`)
  in_process,    ///< "none" / "in-process": in the host, bounded by the runtime's own limits
  process,       ///< "process": in aura-worker processes, bounded from outside
};

[[nodiscard]] constexpr std::string_view to_string(isolation_mode m) noexcept {
  switch (m) {
    case isolation_mode::host_default: return "host_default";
    case isolation_mode::in_process: return "in-process";
    case isolation_mode::process: return "process";
  }
  return "host_default";
}

/// "process", "none" or "in-process"; anything else is nullopt.
[[nodiscard]] inline std::optional<isolation_mode> isolation_mode_from(std::string_view s) noexcept {
  if (s == "process") return isolation_mode::process;
  if (s == "none" || s == "in-process") return isolation_mode::in_process;
  return std::nullopt;
}

/// Which file a manifest came from.
enum class manifest_format : std::uint8_t { toml, json, codineer };

[[nodiscard]] constexpr std::string_view to_string(manifest_format f) noexcept {
  switch (f) {
    case manifest_format::toml: return "aura-plugin.toml";
    case manifest_format::json: return "aura-plugin.json";
    case manifest_format::codineer: return "plugin.json";
  }
  return "aura-plugin.json";
}

/// `[plugin.runtime]`: the kind and what to start. For process/command the
/// entrypoint is a command line (split on spaces, or `args` for the rest);
/// for wasm/lua a file relative to the plugin directory; for native the name
/// a host registered a factory under (see native_registry).
struct runtime_spec {
  runtime_kind kind = runtime_kind::process;
  std::string entrypoint;
  std::vector<std::string> args;
  /// command runtime: "aura" (the wire format) or "claude_code" (Claude Code hook I/O).
  std::string protocol = "aura";
  /// Sandbox limits of wasm and lua plugins (`[plugin.runtime.limits]`); null = the host's defaults.
  nlohmann::json limits;
  /// The kind as the manifest wrote it when it is one of Naridon Aura's
  /// language kinds (rust, node, python, binary), all run by the process
  /// runtime; empty otherwise. `interpreter` is what starts the entrypoint
  /// ("node", "python3"; empty: the entrypoint is the executable).
  std::string language;
  std::string interpreter;
  /// wasm and lua: where the code runs (`isolation = "process" | "none"`).
  isolation_mode isolation = isolation_mode::host_default;
};

/// One `[[plugin.hooks]]` entry.
struct hook_spec {
  std::string event;
  std::string handler;
  int priority = 0;
  std::chrono::milliseconds timeout{0};
  std::string condition;
  bool once = false;
  failure_policy on_error = failure_policy::fail_open;
  /// Codineer hooks each run their own script: the command line, relative to the plugin.
  std::vector<std::string> command;
  std::string where;  ///< "file:line" of the entry, for load errors
};

/// A command line tool or command the plugin offers: arguments as JSON on
/// stdin, the answer on stdout.
struct command_spec {
  std::string name;
  std::string description;
  std::vector<std::string> run;      ///< argv; [0] relative to the plugin directory if it names a file there
  nlohmann::json input_schema = nlohmann::json::object();  ///< JSON Schema of the arguments
  std::string schema_file;           ///< `schema` of an mcp_tools entry (relative path), already loaded
  std::chrono::milliseconds timeout{0};  ///< `timeout_ms`; 0: the caller's default
  std::string required_permission;   ///< Codineer: read-only | workspace-write | danger-full-access
  /// No `run`: a process plugin serves it in its own JSON-RPC process
  /// (methods `command` and `tools/call`, docs/protocol.md).
  [[nodiscard]] bool in_process() const noexcept { return run.empty(); }
  std::string where;
};

/// `[plugin.api]`.
struct api_spec {
  std::optional<semver> min_aura_version;
  std::optional<version_range> sdk;
};

/// A parsed, validated manifest.
struct manifest {
  std::string name;
  std::string version;
  std::string description;
  std::vector<std::string> authors;
  std::string license;
  runtime_spec runtime;
  api_spec api;
  std::vector<hook_spec> hooks;
  std::vector<command_spec> commands;
  std::vector<command_spec> tools;
  nlohmann::json config = nlohmann::json::object();  ///< `[plugin.config]` defaults
  permissions perms;
  bool default_enabled = true;
  /// Rustant capabilities the plugin declares (ToolRegistration, HookRegistration,
  /// FileSystemAccess, NetworkAccess, ShellExecution, SecretAccess).
  std::vector<std::string> capabilities;
  /// Codineer lifecycle scripts: run at load (Init) and unload (Shutdown).
  std::vector<std::vector<std::string>> on_init, on_shutdown;

  manifest_format format = manifest_format::json;
  std::filesystem::path file;  ///< the manifest file
  std::filesystem::path dir;   ///< the plugin directory (file's parent)
  nlohmann::json source;       ///< the document as read (TOML converted to JSON)
};

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_MANIFEST_HPP
// ---- end aura/plugin/manifest.hpp
// ---- begin aura/plugin/manifest_schema.hpp
#ifndef AURA_SI_AURA_PLUGIN_MANIFEST_SCHEMA_HPP
#define AURA_SI_AURA_PLUGIN_MANIFEST_SCHEMA_HPP
// aura/plugin/manifest_schema.hpp - the JSON Schemas every manifest is checked
// against, as data. aura-plugin.toml is converted to JSON and checked with the
// same schema as aura-plugin.json; Codineer's plugin.json has its own.

#include <string_view>

namespace aura::plugin {

/// JSON Schema (2020-12) of aura-plugin.json and of aura-plugin.toml read as JSON.
inline constexpr std::string_view aura_manifest_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://aura.dev/schemas/aura-plugin.json",
  "type": "object",
  "required": ["plugin"],
  "additionalProperties": false,
  "properties": {
    "plugin": {
      "type": "object",
      "required": ["name", "version", "runtime"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
        "version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$"},
        "description": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "string"}},
        "license": {"type": "string"},
        "disabled": {"type": "boolean"},
        "capabilities": {
          "type": "array",
          "items": {"enum": ["ToolRegistration", "HookRegistration", "FileSystemAccess", "NetworkAccess",
                             "ShellExecution", "SecretAccess"]}
        },
        "runtime": {
          "type": "object",
          "required": ["kind"],
          "additionalProperties": false,
          "properties": {
            "kind": {"enum": ["native", "process", "command", "wasm", "lua", "shared_object",
                              "rust", "node", "python", "binary"]},
            "entrypoint": {"type": "string", "minLength": 1},
            "interpreter": {"type": "string", "minLength": 1},
            "args": {"type": "array", "items": {"type": "string"}},
            "protocol": {"enum": ["aura", "claude_code", "codineer"]},
            "limits": {"type": "object"},
            "isolation": {"enum": ["process", "none", "in-process"]}
          }
        },
        "api": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "min_aura_version": {"type": "string"},
            "sdk": {"type": "string"}
          }
        },
        "hooks": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["event", "handler"],
            "additionalProperties": false,
            "properties": {
              "event": {"type": "string", "minLength": 1},
              "handler": {"type": "string", "minLength": 1},
              "priority": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
              "timeout_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
              "condition": {"type": "string"},
              "once": {"type": "boolean"},
              "on_error": {"enum": ["fail_open", "fail_closed", "allow", "deny"]}
            }
          }
        },
        "commands": {"type": "array", "items": {"$ref": "#/$defs/command"}},
        "mcp_tools": {"type": "array", "items": {"$ref": "#/$defs/tool"}},
        "config": {"type": "object"},
        "permissions": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "network": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "storage": {"enum": ["none", "plugin_private", "repo_readonly", "repo_readwrite"]},
            "storage_quota": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "max_bytes": {"type": "integer", "minimum": 0},
                "max_keys": {"type": "integer", "minimum": 0},
                "max_key_length": {"type": "integer", "minimum": 1},
                "max_key_depth": {"type": "integer", "minimum": 1},
                "max_value_bytes": {"type": "integer", "minimum": 0}
              }
            },
            "read_events": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "call_api": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$"}},
            "env": {
              "anyOf": [
                {"enum": ["none", "*"]},
                {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}
              ]
            }
          }
        }
      }
    }
  },
  "$defs": {
    "argv": {
      "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string"}}
      ]
    },
    "command": {
      "type": "object",
      "required": ["name"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "description": {"type": "string"},
        "run": {"$ref": "#/$defs/argv"},
        "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000}
      }
    },
    "tool": {
      "type": "object",
      "required": ["name", "description"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "description": {"type": "string"},
        "schema": {"type": "string", "minLength": 1},
        "run": {"$ref": "#/$defs/argv"},
        "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000}
      }
    }
  }
})json";

/// JSON Schema of Codineer's plugin.json, so its plugins load unmodified.
inline constexpr std::string_view codineer_manifest_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://aura.dev/schemas/codineer-plugin.json",
  "type": "object",
  "required": ["name", "version"],
  "properties": {
    "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
    "version": {"type": "string", "minLength": 1},
    "description": {"type": "string"},
    "defaultEnabled": {"type": "boolean"},
    "permissions": {"type": "array", "items": {"enum": ["read", "write", "execute"]}},
    "hooks": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "PreToolUse": {"$ref": "#/$defs/scripts"},
        "PostToolUse": {"$ref": "#/$defs/scripts"}
      }
    },
    "lifecycle": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "Init": {"$ref": "#/$defs/scripts"},
        "Shutdown": {"$ref": "#/$defs/scripts"}
      }
    },
    "tools": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name", "description", "inputSchema", "command"],
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
          "description": {"type": "string"},
          "inputSchema": {"type": "object"},
          "command": {"type": "string", "minLength": 1},
          "args": {"type": "array", "items": {"type": "string"}},
          "requiredPermission": {"enum": ["read-only", "workspace-write", "danger-full-access"]}
        }
      }
    },
    "commands": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name", "command"],
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
          "description": {"type": "string"},
          "command": {"type": "string", "minLength": 1}
        }
      }
    }
  },
  "$defs": {
    "scripts": {"type": "array", "items": {"type": "string", "minLength": 1}}
  }
})json";

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_MANIFEST_SCHEMA_HPP
// ---- end aura/plugin/manifest_schema.hpp
// ---- begin aura/plugin/manifest_toml.hpp
#ifndef AURA_SI_AURA_PLUGIN_MANIFEST_TOML_HPP
#define AURA_SI_AURA_PLUGIN_MANIFEST_TOML_HPP
// aura/plugin/manifest_toml.hpp - reads aura-plugin.toml into JSON (with the
// line of every value), so TOML and JSON manifests share one schema and model.
//
// TOML support needs toml++ (Debian libtomlplusplus-dev). It is on when
// <toml++/toml.h> is found, unless the host defines AURA_PLUGIN_TOML to 0.
// Without it, an aura-plugin.toml is refused with errc::unsupported.

#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// ---- begin aura/plugin/detail/util.hpp
#ifndef AURA_SI_AURA_PLUGIN_DETAIL_UTIL_HPP
#define AURA_SI_AURA_PLUGIN_DETAIL_UTIL_HPP
// aura/plugin/detail/util.hpp - small text and file helpers the plugin module shares.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::plugin::detail {

/// Reads a whole file; an error names it. With `max_bytes` (not 0), a file
/// larger than that is errc::limit_exceeded before anything is read (and a
/// file that grows while read is cut off at max_bytes + 1 and refused).
[[nodiscard]] inline result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes = 0) {
  const auto too_large = [&](const std::string& size) {
    return fail(errc::limit_exceeded,
                "\"" + file.string() + "\" is " + size + " bytes, over the limit of " + std::to_string(max_bytes),
                file.string());
  };
  if (max_bytes != 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > max_bytes) return too_large(std::to_string(size));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(errc::io_error, "cannot read \"" + file.string() + "\"", file.string());
  if (max_bytes == 0) {
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) return too_large("more than " + std::to_string(max_bytes));
  return text;
}

/// Splits a command line on blanks; "double quotes" group words.
[[nodiscard]] inline std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (any) out.push_back(std::move(cur));
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(std::move(cur));
  return out;
}

/// "/plugin/hooks/0/event" -> "plugin.hooks[0].event": how a manifest's author names a field.
[[nodiscard]] inline std::string field_name(std::string_view pointer) {
  if (pointer.empty()) return "(document)";
  std::string out;
  std::size_t pos = 1;
  while (pos <= pointer.size()) {
    std::size_t next = pointer.find('/', pos);
    std::string tok(pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    for (std::size_t i = 0; (i = tok.find('~', i)) != std::string::npos; ++i) {
      tok.replace(i, 2, i + 1 < tok.size() && tok[i + 1] == '1' ? "/" : "~");
    }
    const bool index = !tok.empty() && tok.find_first_not_of("0123456789") == std::string::npos;
    if (index) {
      out += "[" + tok + "]";
    } else {
      if (!out.empty()) out += ".";
      out += tok;
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

[[nodiscard]] inline std::string escape_pointer_token(std::string_view tok) {
  std::string out;
  for (char c : tok) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// Finds the line of every value in a JSON text, by JSON pointer. Runs on text
/// that already parsed, so it only needs to be right for valid JSON.
class json_line_map {
 public:
  explicit json_line_map(std::string_view text) : s_(text) {
    value("");
  }
  /// The line of `pointer`, or of its nearest ancestor that has one; 0 if none.
  [[nodiscard]] int line_of(std::string pointer) const {
    for (;;) {
      auto it = lines_.find(pointer);
      if (it != lines_.end()) return it->second;
      if (pointer.empty()) return 0;
      pointer.erase(pointer.rfind('/'));
    }
  }
  [[nodiscard]] const std::map<std::string, int>& lines() const noexcept { return lines_; }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      if (s_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  std::string string_token() {
    const std::size_t start = i_;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
    ++i_;
    const std::string_view raw = s_.substr(start, std::min(i_, s_.size()) - start);
    auto j = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
    return j.is_string() ? j.get<std::string>() : std::string(raw);
  }
  void value(const std::string& ptr) {
    if (++depth_ > 512) return;
    ws();
    if (i_ >= s_.size()) return;
    lines_.emplace(ptr, line_);
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      while (i_ < s_.size()) {
        ws();
        if (i_ >= s_.size() || s_[i_] == '}') { ++i_; break; }
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] != '"') return;
        const int key_line = line_;
        std::string key = string_token();
        ws();
        if (i_ < s_.size() && s_[i_] == ':') ++i_;
        const std::string child = ptr + "/" + escape_pointer_token(key);
        value(child);
        // A value on the next line still belongs to its key's line.
        auto it = lines_.find(child);
        if (it != lines_.end() && it->second != key_line && key_line > 0) it->second = key_line;
      }
    } else if (c == '[') {
      ++i_;
      std::size_t n = 0;
      while (i_ < s_.size()) {
        ws();
        if (i_ >= s_.size() || s_[i_] == ']') { ++i_; break; }
        if (s_[i_] == ',') { ++i_; continue; }
        value(ptr + "/" + std::to_string(n++));
      }
    } else if (c == '"') {
      (void)string_token();
    } else {
      while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
             s_[i_] != '\n' && s_[i_] != '\r' && s_[i_] != '\t') {
        ++i_;
      }
    }
    --depth_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
  int depth_ = 0;
  std::map<std::string, int> lines_;
};

/// The line (1-based) of a byte offset in a text.
[[nodiscard]] inline int line_at(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace aura::plugin::detail
#endif  // AURA_SI_AURA_PLUGIN_DETAIL_UTIL_HPP
// ---- end aura/plugin/detail/util.hpp

#ifndef AURA_PLUGIN_TOML
#if __has_include(<toml++/toml.h>)
#define AURA_PLUGIN_TOML 1
#else
#define AURA_PLUGIN_TOML 0
#endif
#endif

#if AURA_PLUGIN_TOML
#include <toml++/toml.h>
#endif

namespace aura::plugin {

/// A TOML document as JSON plus the line of each value by JSON pointer.
struct toml_document {
  nlohmann::json json;
  std::map<std::string, int> lines;
};

/// Whether this build reads aura-plugin.toml.
inline constexpr bool toml_supported = AURA_PLUGIN_TOML != 0;

#if AURA_PLUGIN_TOML
namespace detail {

inline void toml_to_json(const toml::node& node, const std::string& ptr, nlohmann::json& out,
                         std::map<std::string, int>& lines) {
  if (node.source().begin.line > 0) lines.emplace(ptr, static_cast<int>(node.source().begin.line));
  if (const toml::table* t = node.as_table()) {
    out = nlohmann::json::object();
    for (const auto& [key, child] : *t) {
      const std::string k(key.str());
      // A key's line is where the key is written (dotted and inline keys included).
      if (key.source().begin.line > 0) lines[ptr + "/" + escape_pointer_token(k)] = static_cast<int>(key.source().begin.line);
      nlohmann::json v;
      toml_to_json(child, ptr + "/" + escape_pointer_token(k), v, lines);
      out[k] = std::move(v);
    }
  } else if (const toml::array* a = node.as_array()) {
    out = nlohmann::json::array();
    std::size_t i = 0;
    for (const toml::node& child : *a) {
      nlohmann::json v;
      toml_to_json(child, ptr + "/" + std::to_string(i++), v, lines);
      out.push_back(std::move(v));
    }
  } else if (const auto* s = node.as_string()) {
    out = s->get();
  } else if (const auto* n = node.as_integer()) {
    out = n->get();
  } else if (const auto* f = node.as_floating_point()) {
    out = f->get();
  } else if (const auto* b = node.as_boolean()) {
    out = b->get();
  } else {
    // Dates and times: their TOML text.
    std::ostringstream text;
    node.visit([&](const auto& v) {
      if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> || toml::is_date_time<decltype(v)>) {
        text << v;
      }
    });
    out = text.str();
  }
}

}  // namespace detail
#endif

/// Parses TOML text; a syntax error names the file and line.
[[nodiscard]] inline result<toml_document> parse_toml(std::string_view text, const std::string& file) {
#if AURA_PLUGIN_TOML
  toml_document doc;
#if TOML_EXCEPTIONS
  try {
    toml::table table = toml::parse(text, std::string_view(file));
    detail::toml_to_json(table, "", doc.json, doc.lines);
  } catch (const toml::parse_error& err) {
    return fail(errc::parse_error, std::string(err.description()),
                file + ":" + std::to_string(err.source().begin.line));
  }
#else
  toml::parse_result parsed = toml::parse(text, std::string_view(file));
  if (!parsed) {
    return fail(errc::parse_error, std::string(parsed.error().description()),
                file + ":" + std::to_string(parsed.error().source().begin.line));
  }
  detail::toml_to_json(parsed.table(), "", doc.json, doc.lines);
#endif
  doc.lines[""] = 1;
  return doc;
#else
  (void)text;
  return fail(errc::unsupported, "this build reads no TOML (toml++ was not found); use aura-plugin.json", file);
#endif
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_MANIFEST_TOML_HPP
// ---- end aura/plugin/manifest_toml.hpp
// ---- begin aura/plugin/manifest_reader.hpp
#ifndef AURA_SI_AURA_PLUGIN_MANIFEST_READER_HPP
#define AURA_SI_AURA_PLUGIN_MANIFEST_READER_HPP
// aura/plugin/manifest_reader.hpp - reads and checks a plugin manifest.
//
// Every manifest is first checked against the JSON Schema of its format
// (manifest_schema.hpp) with aura's schema validator, then read into the
// model. Each problem is an aura::error whose `where` is "file:line" and whose
// message names the field ("plugin.hooks[0].event: ..."). JSON and TOML give
// lines for every value; a problem with no line of its own takes its parent's.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/condition.hpp
#ifndef AURA_SI_AURA_CORE_CONDITION_HPP
#define AURA_SI_AURA_CORE_CONDITION_HPP
// aura/core/condition.hpp - gate expressions such as `history_gt:5 and not auto`.
//
// Grammar (whitespace separates words):
//   expr := term { "and" term }
//   term := "not" term | predicate
//   predicate := name [ ":" arg ]     arg: up to the next space, or "quoted text"
// Expressions are parsed once, when a hook is added; a bad one is an error
// naming the character position. Evaluation reads `aura::facts`.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/core/facts.hpp
#ifndef AURA_SI_AURA_CORE_FACTS_HPP
#define AURA_SI_AURA_CORE_FACTS_HPP
// aura/core/facts.hpp - the facts a host provides for conditions to read.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aura {

/// A fact's value: a flag, a number or a text.
using fact_value = std::variant<bool, double, std::string>;

/// Named facts (`history`, `auto`, `model`...), read by conditions.
class facts {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, fact_value value) {
    values_[std::move(name)] = std::move(value);
    return *this;
  }
  // One overload per kind a caller writes, so that set("x", 0.5) and
  // set("x", true) pick the number and the flag (not an integer conversion).
  template <int = 0>
  facts& set(std::string name, bool value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, double value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, std::string value) { return set(std::move(name), fact_value(std::move(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, int value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long long value) {
    return set(std::move(name), fact_value(static_cast<double>(value)));
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, const char* value) { return set(std::move(name), fact_value(std::string(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool erase(std::string_view name) {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const fact_value* find(std::string_view name) const noexcept {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  /// A numeric fact (a bool reads as 0 or 1); nullopt when absent or text.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<double> number(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const double* d = std::get_if<double>(v)) return *d;
    if (const bool* b = std::get_if<bool>(v)) return *b ? 1.0 : 0.0;
    return std::nullopt;
  }
  /// A fact's truth: a true flag, a non-zero number, a non-empty text; absent is false.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool truthy(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return false;
    if (const bool* b = std::get_if<bool>(v)) return *b;
    if (const double* d = std::get_if<double>(v)) return *d != 0.0;
    return !std::get<std::string>(*v).empty();
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const std::string* s = std::get_if<std::string>(v)) return *s;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] const std::map<std::string, fact_value, std::less<>>& all() const noexcept { return values_; }

 private:
  std::map<std::string, fact_value, std::less<>> values_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_FACTS_HPP
// ---- end aura/core/facts.hpp

namespace aura {

/// A predicate a host registers: reads facts and the expression's argument.
using predicate_fn = std::function<bool(const facts&, std::string_view arg)>;

/// How a registered predicate treats its `:arg`.
enum class predicate_arg { none, optional, required, number };

/// The predicates a host understands beyond the generic ones.
///
/// Generic predicates need no registration: `<fact>` (the fact is truthy),
/// `<fact>_gt:N` and `<fact>_lt:N` (numeric comparison; false while the fact
/// is absent). A registered name takes precedence over the generic reading.
class predicate_registry {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  predicate_registry& add(std::string name, predicate_fn fn, predicate_arg arg = predicate_arg::optional) {
    entries_[std::move(name)] = entry{std::move(fn), arg};
    return *this;
  }
  struct entry {
    predicate_fn fn;
    predicate_arg arg = predicate_arg::optional;
  };
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const entry* find(std::string_view name) const noexcept {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Declares a fact name conditions may read bare (`name`) or compare
  /// (`name_gt:N`). Declaring any fact closes the vocabulary: from then on a
  /// name that is neither a predicate nor a declared fact is a parse error
  /// with a "did you mean" suggestion, instead of a fact that is never set.
  template <int = 0>
  predicate_registry& declare_fact(std::string name) {
    facts_.insert(std::move(name));
    return *this;
  }
  /// Whether the vocabulary is closed (some fact was declared).
  [[nodiscard]] bool closed() const noexcept { return !facts_.empty(); }
  [[nodiscard]] bool has_fact(std::string_view name) const { return facts_.find(name) != facts_.end(); }

  /// The known name closest to `name` (edit distance at most 2, or a third of
  /// its length), or empty.
  template <int = 0>
  [[nodiscard]] std::string suggest(std::string_view name) const {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
    auto consider = [&](const std::string& cand) {
      const std::size_t d = edit_distance(name, cand);
      if (d < best_d) best_d = d, best = cand;
    };
    for (const auto& e : entries_) consider(e.first);
    for (const auto& f : facts_) {
      consider(f);
      consider(f + "_gt");
      consider(f + "_lt");
    }
    return best;
  }

 private:
  static std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  }
  std::map<std::string, entry, std::less<>> entries_;
  std::set<std::string, std::less<>> facts_;
};

template <int = 0>
class condition_parser;

/// A parsed condition, cheap to copy (shares its parsed form) and immutable.
class condition {
 public:
  /// Parses `text` against `registry` (which must outlive the condition).
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static result<condition> parse(std::string_view text,
                                               const predicate_registry* registry = nullptr);

  /// Checks only the grammar: a predicate with an argument that no registry
  /// names yet is accepted (a manifest is read before the host's predicates
  /// are known; the hook's registration checks them).
  template <int = 0>
  [[nodiscard]] static result<void> check_syntax(std::string_view text);

  /// True when the gate is open for these facts.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool evaluate(const facts& f) const { return eval(root_, f); }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  enum class op { all_of, negate, registered, fact_true, fact_gt, fact_lt };
  struct node {
    op kind = op::fact_true;
    std::string name;  // fact name, or registered predicate name
    std::string arg;
    double number = 0;
    const predicate_registry::entry* pred = nullptr;
    std::vector<node> children;
  };

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static bool eval(const node& n, const facts& f) {
    switch (n.kind) {
      case op::all_of:
        for (const auto& c : n.children)
          if (!eval(c, f)) return false;
        return true;
      case op::negate: return !eval(n.children.front(), f);
      case op::registered: return n.pred->fn(f, n.arg);
      case op::fact_true: return f.truthy(n.name);
      case op::fact_gt: {
        auto v = f.number(n.name);
        return v && *v > n.number;
      }
      case op::fact_lt: {
        auto v = f.number(n.name);
        return v && *v < n.number;
      }
    }
    return false;
  }

  template <int>
  friend class condition_parser;
  std::string text_;
  node root_;
};

/// Recursive-descent parser behind condition::parse (a class template only so
/// that it is compiled where conditions are parsed, DESIGN §7).
template <int>
class condition_parser {
 public:
  condition_parser(std::string_view text, const predicate_registry* registry, bool syntax_only = false)
      : text_(text), reg_(registry), syntax_only_(syntax_only) {}

  result<condition> run() {
    condition c;
    c.text_ = std::string(text_);
    auto root = parse_expr();
    if (!root) return fail(std::move(root.error()));
    skip_space();
    if (pos_ != text_.size()) return error_at("unexpected \"" + std::string(peek_word()) + "\"");
    c.root_ = std::move(*root);
    return c;
  }

 private:
  using node = condition::node;
  using op = condition::op;

  [[nodiscard]] tl::unexpected<error> error_at(std::string what) const {
    return fail(errc::parse_error,
                "condition \"" + std::string(text_) + "\": " + what + " at position " + std::to_string(pos_ + 1),
                "position " + std::to_string(pos_ + 1));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[nodiscard]] std::string_view peek_word() const {
    std::size_t end = pos_;
    while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
    return text_.substr(pos_, end - pos_);
  }
  [[nodiscard]] static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }

  result<node> parse_expr() {
    node all;
    all.kind = op::all_of;
    for (;;) {
      auto t = parse_term();
      if (!t) return t;
      all.children.push_back(std::move(*t));
      skip_space();
      if (peek_word() != "and") break;
      pos_ += 3;
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  result<node> parse_term() {
    skip_space();
    if (pos_ >= text_.size()) return error_at(pos_ == 0 ? "empty expression" : "expected a predicate after the end");
    if (peek_word() == "not") {
      pos_ += 3;
      auto inner = parse_term();
      if (!inner) return inner;
      node n;
      n.kind = op::negate;
      n.children.push_back(std::move(*inner));
      return n;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    if (pos_ == start) return error_at("expected a predicate name, found '" + std::string(1, text_[pos_]) + "'");
    std::string name(text_.substr(start, pos_ - start));
    if (name == "and") {
      pos_ = start;
      return error_at("expected a predicate before \"and\"");
    }
    bool has_arg = false;
    std::string arg;
    std::size_t arg_pos = pos_;
    if (pos_ < text_.size() && text_[pos_] == ':') {
      has_arg = true;
      ++pos_;
      arg_pos = pos_;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        const std::size_t close = text_.find('"', pos_ + 1);
        if (close == std::string_view::npos) return error_at("unterminated quoted argument");
        arg = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else {
        while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        arg = std::string(text_.substr(arg_pos, pos_ - arg_pos));
      }
      if (arg.empty()) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" has an empty argument");
      }
    } else if (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      return error_at("unexpected character '" + std::string(1, text_[pos_]) + "'");
    }

    node n;
    n.name = name;
    n.arg = arg;
    if (const auto* e = reg_ ? reg_->find(name) : nullptr) {
      n.kind = op::registered;
      n.pred = e;
      if (e->arg == predicate_arg::none && has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" takes no argument");
      }
      if ((e->arg == predicate_arg::required || e->arg == predicate_arg::number) && !has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs an argument (" + name + ":...)");
      }
      if (e->arg == predicate_arg::number && !parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    auto ends_with = [&](std::string_view suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    // A closed vocabulary (the host declared its facts) names only what it knows.
    auto unknown = [&](const std::string& what) {
      pos_ = start;
      std::string msg = "unknown predicate \"" + what + "\"";
      if (auto hint = reg_->suggest(what); !hint.empty()) msg += " (did you mean \"" + hint + "\"?)";
      return error_at(msg);
    };
    const bool closed = reg_ && reg_->closed() && !syntax_only_;
    if (ends_with("_gt") || ends_with("_lt")) {
      if (closed && !reg_->has_fact(name.substr(0, name.size() - 3))) return unknown(name);
      n.kind = ends_with("_gt") ? op::fact_gt : op::fact_lt;
      n.name = name.substr(0, name.size() - 3);
      if (!has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs a number (" + name + ":N)");
      }
      if (!parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    if (closed && (has_arg || !reg_->has_fact(name))) return unknown(name);
    if (has_arg && !syntax_only_) {
      pos_ = start;
      return error_at("unknown predicate \"" + name + "\" with an argument");
    }
    n.kind = op::fact_true;
    return n;
  }

  static bool parse_number(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
  }

  std::string_view text_;
  const predicate_registry* reg_;
  bool syntax_only_ = false;
  std::size_t pos_ = 0;
};

template <int>
result<condition> condition::parse(std::string_view text, const predicate_registry* registry) {
  return condition_parser<>(text, registry).run();
}

template <int>
result<void> condition::check_syntax(std::string_view text) {
  auto parsed = condition_parser<>(text, nullptr, true).run();
  if (!parsed) return fail(std::move(parsed.error()));
  return {};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CONDITION_HPP
// ---- end aura/core/condition.hpp
// ---- begin aura/schema/schema.hpp
#ifndef AURA_SI_AURA_SCHEMA_SCHEMA_HPP
#define AURA_SI_AURA_SCHEMA_SCHEMA_HPP
// aura/schema/schema.hpp - the JSON Schema module (2020-12 and draft 7).

// ---- begin aura/schema/fwd.hpp
#ifndef AURA_SI_AURA_SCHEMA_FWD_HPP
#define AURA_SI_AURA_SCHEMA_FWD_HPP
// aura/schema/fwd.hpp - forward declarations of the schema module.

namespace aura::schema {

enum class dialect;
enum class error_kind;
struct options;
struct validation_error;
class validator;

namespace detail {
struct tree;
}  // namespace detail

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_FWD_HPP
// ---- end aura/schema/fwd.hpp
// ---- begin aura/schema/options.hpp
#ifndef AURA_SI_AURA_SCHEMA_OPTIONS_HPP
#define AURA_SI_AURA_SCHEMA_OPTIONS_HPP
// aura/schema/options.hpp - how a schema is compiled: dialect, format
// assertion, the caller's resolver for remote $ref, regex guard limits.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura::schema {

/// The JSON Schema dialects the compiler understands. A schema's `$schema`
/// picks one; `options::default_dialect` applies when it has none.
enum class dialect { draft7, draft2020_12 };

[[nodiscard]] constexpr std::string_view to_string(dialect d) noexcept {
  return d == dialect::draft7 ? "draft7" : "draft2020-12";
}

/// Returns the document for an absolute URI (without fragment), or nothing.
/// The library never touches the network: a remote `$ref` resolves only
/// through this callback. Called during compile() only, never when validating.
using resolver = std::function<std::optional<nlohmann::json>(std::string_view uri)>;

/// A resolver that serves documents from a map keyed by absolute URI. A key
/// may carry an empty fragment ("http://x/a.json#"); it is ignored.
///
/// A template (a braced list gives the default map type) only so that the
/// map and the std::function are generated where it is called.
template <class Documents = std::map<std::string, nlohmann::json>>
[[nodiscard]] resolver map_resolver(Documents documents) {
  using document = typename Documents::mapped_type;  // nlohmann::json; dependent, so nothing is generated here
  std::map<std::string, document, std::less<>> docs;
  for (auto& [uri, doc] : documents) {
    std::string key = uri;
    if (!key.empty() && key.back() == '#') key.pop_back();
    docs.emplace(std::move(key), std::move(doc));
  }
  return [docs = std::move(docs)](std::string_view uri) -> std::optional<document> {
    auto it = docs.find(uri);
    if (it == docs.end()) return std::nullopt;
    return it->second;
  };
}

/// Limits of the regex engine used by `pattern`, `patternProperties` and the
/// `regex` format. The engine never backtracks (time is linear in the input
/// times the program size), so these bound memory and compile cost only.
struct regex_limits {
  std::size_t max_pattern_length = 4096;  ///< longer patterns are a schema error
  std::size_t max_program_size = 20000;   ///< instructions after expanding {n,m}
  std::size_t max_repeat = 1000;          ///< largest n or m in {n,m}
};

struct options {
  dialect default_dialect = dialect::draft2020_12;
  /// `format` is an annotation unless this is set (or the schema's
  /// metaschema requires the format-assertion vocabulary).
  bool assert_format = false;
  /// Serves remote `$ref` targets; empty means only the built-in metaschemas
  /// and the schema's own resources resolve.
  resolver resolve;
  regex_limits regex;
  /// Nesting depth of schema objects the compiler walks before giving up.
  std::size_t max_schema_depth = 512;
};

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_OPTIONS_HPP
// ---- end aura/schema/options.hpp
// ---- begin aura/schema/validation_error.hpp
#ifndef AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
#define AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
// aura/schema/validation_error.hpp - one reason an instance fails its schema.

#include <string>
#include <string_view>

namespace aura::schema {

/// Which keyword an instance failed, as a stable enum a host can switch on.
enum class error_kind {
  false_schema,            ///< the schema `false` (or a `false` subschema)
  type,
  enum_mismatch,
  const_mismatch,
  minimum,
  maximum,
  exclusive_minimum,
  exclusive_maximum,
  multiple_of,
  min_length,
  max_length,
  pattern,
  format,
  min_items,
  max_items,
  unique_items,
  contains,
  min_contains,
  max_contains,
  additional_items,        ///< an item beyond `prefixItems`/tuple `items` where none is allowed
  unevaluated_items,
  min_properties,
  max_properties,
  required,
  dependent_required,      ///< also draft 7 `dependencies` with a name list
  additional_properties,
  unevaluated_properties,
  property_names,
  all_of,
  any_of,
  one_of,
  not_schema,
  too_deep,                ///< the evaluation nested deeper than the evaluator allows
};

[[nodiscard]] constexpr std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::false_schema: return "false_schema";
    case error_kind::type: return "type";
    case error_kind::enum_mismatch: return "enum";
    case error_kind::const_mismatch: return "const";
    case error_kind::minimum: return "minimum";
    case error_kind::maximum: return "maximum";
    case error_kind::exclusive_minimum: return "exclusiveMinimum";
    case error_kind::exclusive_maximum: return "exclusiveMaximum";
    case error_kind::multiple_of: return "multipleOf";
    case error_kind::min_length: return "minLength";
    case error_kind::max_length: return "maxLength";
    case error_kind::pattern: return "pattern";
    case error_kind::format: return "format";
    case error_kind::min_items: return "minItems";
    case error_kind::max_items: return "maxItems";
    case error_kind::unique_items: return "uniqueItems";
    case error_kind::contains: return "contains";
    case error_kind::min_contains: return "minContains";
    case error_kind::max_contains: return "maxContains";
    case error_kind::additional_items: return "additionalItems";
    case error_kind::unevaluated_items: return "unevaluatedItems";
    case error_kind::min_properties: return "minProperties";
    case error_kind::max_properties: return "maxProperties";
    case error_kind::required: return "required";
    case error_kind::dependent_required: return "dependentRequired";
    case error_kind::additional_properties: return "additionalProperties";
    case error_kind::unevaluated_properties: return "unevaluatedProperties";
    case error_kind::property_names: return "propertyNames";
    case error_kind::all_of: return "allOf";
    case error_kind::any_of: return "anyOf";
    case error_kind::one_of: return "oneOf";
    case error_kind::not_schema: return "not";
    case error_kind::too_deep: return "tooDeep";
  }
  return "unknown";
}

/// One failure found by `validator::check`.
struct validation_error {
  std::string instance_location;  ///< JSON pointer into the instance ("" = root)
  std::string keyword_location;   ///< JSON pointer of the failing keyword along the evaluation path ("/properties/a/type")
  error_kind kind = error_kind::false_schema;
  std::string message;
};

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
// ---- end aura/schema/validation_error.hpp
// ---- begin aura/schema/validator.hpp
#ifndef AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
#define AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
// aura/schema/validator.hpp - a compiled schema: immutable, cheap to copy,
// safe to share between threads.

#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/tree.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
// aura/schema/detail/tree.hpp - the compiled form of a schema: a flat array
// of nodes whose references are indices, resolved once at compile time.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/decimal.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
// aura/schema/detail/decimal.hpp - `multipleOf` decided exactly.
//
// A JSON number reaches us as an int64, a uint64 or a double. A double is
// read as its shortest round-trip decimal (what std::to_chars prints, so
// 0.1 is 1e-1 and not 0.1000000000000000055...), which is the text a schema
// author or an agent wrote in every case where that text fits a double.
// Value and divisor both become `digits x 10^exponent` with integer digits;
// "v is a multiple of m" is then an integer divisibility question, answered
// with modular arithmetic, never a rounded quotient: 99.9999999 is not a
// multiple of 100, 1e17 is not a multiple of 3, 1e308 is a multiple of 0.5.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace aura::schema::detail {

/// `digits x 10^exponent`, digits without trailing zeros (0 is {0, 0}).
struct decimal {
  std::uint64_t digits = 0;
  int exponent = 0;
};

__extension__ typedef unsigned __int128 uint128_t;  // GCC and Clang; -Wpedantic-clean

[[nodiscard]] inline decimal normalized(std::uint64_t digits, int exponent) noexcept {
  if (digits == 0) return {0, 0};
  while (digits % 10 == 0) {
    digits /= 10;
    ++exponent;
  }
  return {digits, exponent};
}

/// The shortest round-trip decimal of a finite double, sign dropped.
[[nodiscard]] inline decimal decimal_of(double d) noexcept {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  if (r.ec != std::errc()) return {0, 0};
  // "d.ddddde+XX": at most 17 significant digits, so they fit a uint64
  std::uint64_t digits = 0;
  int fraction_digits = 0;
  bool after_point = false;
  const char* p = buf;
  for (; p != r.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    digits = digits * 10 + static_cast<std::uint64_t>(*p - '0');
    if (after_point) ++fraction_digits;
  }
  int exponent = 0;
  if (p != r.ptr) {
    ++p;  // 'e'
    bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    for (; p != r.ptr; ++p) exponent = exponent * 10 + (*p - '0');
    if (negative) exponent = -exponent;
  }
  return normalized(digits, exponent - fraction_digits);
}

/// (10^k) mod m, by squaring.
[[nodiscard]] inline std::uint64_t pow10_mod(std::uint64_t k, std::uint64_t m) noexcept {
  uint128_t result = 1 % m, base = 10 % m;
  while (k > 0) {
    if ((k & 1) != 0) result = result * base % m;
    base = base * base % m;
    k >>= 1;
  }
  return static_cast<std::uint64_t>(result);
}

/// True when value / divisor is an integer, both read as exact decimals.
[[nodiscard]] inline bool decimal_multiple(decimal value, decimal divisor) noexcept {
  if (value.digits == 0) return true;
  if (divisor.digits == 0) return false;
  const long long k = static_cast<long long>(value.exponent) - divisor.exponent;
  if (k >= 0) {  // digits_v * 10^k divisible by digits_m?
    const uint128_t r = static_cast<uint128_t>(value.digits % divisor.digits) *
                        pow10_mod(static_cast<std::uint64_t>(k), divisor.digits) % divisor.digits;
    return r == 0;
  }
  // digits_v divisible by digits_m * 10^-k: digits_v has no trailing zero,
  // so 10^-k cannot divide it unless -k is 0 (it is not here)
  return false;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
// ---- end aura/schema/detail/decimal.hpp
// ---- begin aura/schema/detail/format.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
// aura/schema/detail/format.hpp - checkers for the `format` values the
// library asserts (when asked): RFC 3339 dates and times, ISO 8601
// durations, e-mail, host names, IP addresses, URIs, UUIDs, JSON pointers
// and regexes. None allocates except `regex`, which compiles the pattern.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// ---- begin aura/schema/detail/regex.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
// aura/schema/detail/regex.hpp - the ECMA-262 subset JSON Schema patterns
// use, compiled to a Thompson NFA and run as a set-of-states simulation.
//
// Why not std::regex: it backtracks (exponential on "(a+)+$"), allocates on
// every match and knows nothing of Unicode. This engine walks each input
// code point once against the set of live states, so a match costs at most
// O(input length x program size) whatever the pattern, and allocates nothing
// when the program has at most `small_program` instructions.
//
// Supported: literals, `.`, classes `[...]` with ranges and negation,
// `\d \D \w \W \s \S`, `\p{L}`/`\p{Letter}`, `\p{Lu}`, `\p{Ll}` and their `\P`
// negations, `^ $ \b \B`, groups `(...)`, `(?:...)`, `(?<name>...)`,
// alternation, quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy: the same
// for a yes/no answer), escapes `\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H...}`.
// Rejected at compile time (a schema error): back-references and
// lookaround, which no automaton can run in linear time.

#include <array>
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <locale.h>
#include <string>
#include <string_view>
#include <vector>
#include <wctype.h>


namespace aura::schema::detail {

/// Decodes one UTF-8 code point at `i` (advancing it); a malformed byte is
/// taken as itself so that any byte string can be matched.
[[nodiscard]] inline char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) noexcept {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto at = [&](std::size_t k) noexcept { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x1F) << 6) | at(1);
    i += 2;
    return c;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x0F) << 12) | (at(1) << 6) | at(2);
    i += 3;
    return c;
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    i += 4;
    return c;
  }
  ++i;
  return b0;
}

/// Unicode letter tests through the C library's UTF-8 ctype tables (the
/// "C.UTF-8" locale), created once; ASCII-only when no such locale exists.
struct unicode_ctype {
  locale_t loc = nullptr;
  unicode_ctype() noexcept {
    loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
    if (loc == nullptr) loc = newlocale(LC_CTYPE_MASK, "C.utf8", nullptr);
    if (loc == nullptr) loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", nullptr);
  }
  ~unicode_ctype() {
    if (loc != nullptr) freelocale(loc);
  }
  unicode_ctype(const unicode_ctype&) = delete;
  unicode_ctype& operator=(const unicode_ctype&) = delete;
  static const unicode_ctype& get() noexcept {
    static const unicode_ctype instance;
    return instance;
  }
  [[nodiscard]] bool alpha(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return iswalpha_l(static_cast<wint_t>(c), loc) != 0 && iswdigit_l(static_cast<wint_t>(c), loc) == 0;
  }
  [[nodiscard]] bool upper(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return c >= 'A' && c <= 'Z';
    return iswupper_l(static_cast<wint_t>(c), loc) != 0;
  }
  [[nodiscard]] bool lower(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return c >= 'a' && c <= 'z';
    return iswlower_l(static_cast<wint_t>(c), loc) != 0;
  }
};

/// A class template only so that translation units which include the schema
/// module without compiling schemas do not generate the engine; use `regex`.
template <class Unused = void>
class basic_regex {
 public:
  enum class op : std::uint8_t { chr, any, cls, split, jmp, bol, eol, word_boundary, not_word_boundary, match };
  struct inst {
    op code;
    std::uint32_t x;
    std::uint32_t y;
  };
  enum class prop : std::uint8_t { digit, word, space, letter, upper, lower };
  struct prop_item {
    prop p;
    bool negated;
  };
  struct char_class {
    std::vector<std::pair<char32_t, char32_t>> ranges;
    std::vector<prop_item> props;
    bool negated = false;
  };

  /// Programs up to this size run with stack buffers only.
  static constexpr std::size_t small_program = 256;

  /// Compiles `pattern`; on failure returns false and sets `error` to a
  /// message that names the offset.
  [[nodiscard]] bool compile(std::string_view pattern, const regex_limits& limits, std::string& error) {
    if (pattern.size() > limits.max_pattern_length) {
      error = "pattern longer than " + std::to_string(limits.max_pattern_length) + " bytes";
      return false;
    }
    parser p{pattern, limits, {}, 0, {}, *this};
    int root = p.parse_alternation();
    if (p.error.empty() && p.pos < p.src.size()) p.fail(p.src[p.pos] == ')' ? "unmatched ')'" : "unexpected character");
    if (!p.error.empty()) {
      error = p.error;
      return false;
    }
    code_.clear();
    if (!p.emit(root)) {
      error = p.error;
      return false;
    }
    code_.push_back({op::match, 0, 0});
    return true;
  }

  /// True when the pattern matches anywhere in `text` (ECMA-262 `test`).
  [[nodiscard]] bool search(std::string_view text) const {
    std::size_t n = code_.size();
    if (n <= small_program) {
      std::array<std::uint32_t, small_program * 5 + 1> buf;  // NOLINT: written before read
      return run(text, buf.data());
    }
    std::vector<std::uint32_t> buf(n * 5 + 1);
    return run(text, buf.data());
  }

  [[nodiscard]] std::size_t program_size() const noexcept { return code_.size(); }

 private:
  struct ast {
    enum class kind : std::uint8_t { empty, chr, any, cls, bol, eol, wordb, nwordb, cat, alt, rep };
    kind k = kind::empty;
    char32_t c = 0;
    std::uint32_t cls = 0;
    std::vector<int> kids;
    std::uint32_t min = 0, max = 0;  // rep; max == unbounded for *
  };
  static constexpr std::uint32_t unbounded = 0xFFFFFFFFu;

  struct parser {
    std::string_view src;
    const regex_limits& limits;
    std::string error;
    std::size_t pos;
    std::vector<ast> nodes;
    basic_regex& re;

    void fail(const std::string& why) {
      if (error.empty()) error = why + " at offset " + std::to_string(pos);
    }
    int add(ast a) {
      nodes.push_back(std::move(a));
      return static_cast<int>(nodes.size() - 1);
    }
    [[nodiscard]] bool at_end() const { return pos >= src.size(); }
    char32_t next_cp() { return next_code_point(src, pos); }

    int parse_alternation() {
      int first = parse_concat();
      if (at_end() || src[pos] != '|') return first;
      ast alt;
      alt.k = ast::kind::alt;
      alt.kids.push_back(first);
      while (!at_end() && src[pos] == '|' && error.empty()) {
        ++pos;
        alt.kids.push_back(parse_concat());
      }
      return add(std::move(alt));
    }

    int parse_concat() {
      ast cat;
      cat.k = ast::kind::cat;
      while (!at_end() && src[pos] != '|' && src[pos] != ')' && error.empty()) {
        int atom = parse_atom();
        if (!error.empty()) break;
        atom = parse_quantifier(atom);
        cat.kids.push_back(atom);
      }
      if (cat.kids.size() == 1) return cat.kids[0];
      return add(std::move(cat));
    }

    bool read_number(std::uint32_t& out) {
      std::size_t start = pos;
      std::uint64_t v = 0;
      while (!at_end() && src[pos] >= '0' && src[pos] <= '9') {
        v = v * 10 + static_cast<std::uint64_t>(src[pos] - '0');
        if (v > 0xFFFFFFFull) v = 0xFFFFFFFull;
        ++pos;
      }
      out = static_cast<std::uint32_t>(v);
      return pos > start;
    }

    int parse_quantifier(int atom) {
      if (at_end()) return atom;
      std::uint32_t mn = 0, mx = 0;
      char c = src[pos];
      std::size_t save = pos;
      if (c == '*') {
        mn = 0, mx = unbounded, ++pos;
      } else if (c == '+') {
        mn = 1, mx = unbounded, ++pos;
      } else if (c == '?') {
        mn = 0, mx = 1, ++pos;
      } else if (c == '{') {
        ++pos;
        if (!read_number(mn)) {
          pos = save;  // a lone '{' is a literal (Annex B)
          return atom;
        }
        mx = mn;
        if (!at_end() && src[pos] == ',') {
          ++pos;
          if (!read_number(mx)) mx = unbounded;
        }
        if (at_end() || src[pos] != '}') {
          pos = save;
          return atom;
        }
        ++pos;
        if (mx != unbounded && mx < mn) {
          fail("numbers out of order in {} quantifier");
          return atom;
        }
        if (mn > limits.max_repeat || (mx != unbounded && mx > limits.max_repeat)) {
          fail("repetition count above the limit of " + std::to_string(limits.max_repeat));
          return atom;
        }
      } else {
        return atom;
      }
      typename ast::kind k = nodes[static_cast<std::size_t>(atom)].k;
      if (k == ast::kind::bol || k == ast::kind::eol || k == ast::kind::wordb || k == ast::kind::nwordb) {
        fail("nothing to repeat");
        return atom;
      }
      if (!at_end() && src[pos] == '?') ++pos;  // lazy: same language
      if (!at_end() && (src[pos] == '*' || src[pos] == '+' || src[pos] == '?')) {
        fail("nothing to repeat");
        return atom;
      }
      ast r;
      r.k = ast::kind::rep;
      r.min = mn;
      r.max = mx;
      r.kids.push_back(atom);
      return add(std::move(r));
    }

    int single(char32_t c) {
      ast a;
      a.k = ast::kind::chr;
      a.c = c;
      return add(std::move(a));
    }
    int with_class(char_class cls) {
      re.classes_.push_back(std::move(cls));
      ast a;
      a.k = ast::kind::cls;
      a.cls = static_cast<std::uint32_t>(re.classes_.size() - 1);
      return add(std::move(a));
    }

    int parse_atom() {
      char c = src[pos];
      switch (c) {
        case '(': {
          ++pos;
          if (!at_end() && src[pos] == '?') {
            if (pos + 1 < src.size() && src[pos + 1] == ':') {
              pos += 2;
            } else if (pos + 2 < src.size() && src[pos + 1] == '<' && src[pos + 2] != '=' && src[pos + 2] != '!') {
              std::size_t close = src.find('>', pos);
              if (close == std::string_view::npos) {
                fail("unterminated group name");
                return 0;
              }
              pos = close + 1;
            } else {
              fail("lookaround assertions are not supported (they need backtracking)");
              return 0;
            }
          }
          int inner = parse_alternation();
          if (!error.empty()) return inner;
          if (at_end() || src[pos] != ')') {
            fail("missing ')'");
            return inner;
          }
          ++pos;
          return inner;
        }
        case ')': fail("unmatched ')'"); return 0;
        case '*':
        case '+':
        case '?': fail("nothing to repeat"); return 0;
        case '[': ++pos; return parse_class();
        case '.': {
          ++pos;
          ast a;
          a.k = ast::kind::any;
          return add(std::move(a));
        }
        case '^': {
          ++pos;
          ast a;
          a.k = ast::kind::bol;
          return add(std::move(a));
        }
        case '$': {
          ++pos;
          ast a;
          a.k = ast::kind::eol;
          return add(std::move(a));
        }
        case '\\': return parse_escape_atom();
        default: return single(next_cp());
      }
    }

    // \d \w \s \p{..} as a class item; false when `e` is not one.
    bool class_escape(char e, char_class& into) {
      switch (e) {
        case 'd': into.props.push_back({prop::digit, false}); return true;
        case 'D': into.props.push_back({prop::digit, true}); return true;
        case 'w': into.props.push_back({prop::word, false}); return true;
        case 'W': into.props.push_back({prop::word, true}); return true;
        case 's': into.props.push_back({prop::space, false}); return true;
        case 'S': into.props.push_back({prop::space, true}); return true;
        case 'p':
        case 'P': {
          if (at_end() || src[pos] != '{') {
            fail("\\p needs a {property}");
            return true;
          }
          std::size_t close = src.find('}', pos);
          if (close == std::string_view::npos) {
            fail("unterminated \\p{");
            return true;
          }
          std::string_view name = src.substr(pos + 1, close - pos - 1);
          pos = close + 1;
          prop p;
          if (name == "L" || name == "Letter" || name == "General_Category=Letter" || name == "Alphabetic" ||
              name == "Alpha") {
            p = prop::letter;
          } else if (name == "Lu" || name == "Uppercase_Letter" || name == "Uppercase") {
            p = prop::upper;
          } else if (name == "Ll" || name == "Lowercase_Letter" || name == "Lowercase") {
            p = prop::lower;
          } else {
            fail("unsupported Unicode property \\p{" + std::string(name) + "}");
            return true;
          }
          into.props.push_back({p, e == 'P'});
          return true;
        }
        default: return false;
      }
    }

    // A character escape (after the backslash); returns the code point.
    char32_t char_escape(bool in_class) {
      if (at_end()) {
        fail("trailing backslash");
        return 0;
      }
      char e = src[pos++];
      switch (e) {
        case 't': return '\t';
        case 'n': return '\n';
        case 'v': return '\v';
        case 'f': return '\f';
        case 'r': return '\r';
        case 'b':
          if (in_class) return '\b';
          break;
        case '0':
          if (!at_end() && src[pos] >= '0' && src[pos] <= '9') {
            fail("octal escapes are not supported");
            return 0;
          }
          return 0;
        case 'c':
          if (!at_end() && ((src[pos] >= 'a' && src[pos] <= 'z') || (src[pos] >= 'A' && src[pos] <= 'Z'))) {
            return static_cast<char32_t>(src[pos++] % 32);
          }
          return '\\';
        case 'x': {
          if (pos + 1 < src.size() && hex(src[pos]) >= 0 && hex(src[pos + 1]) >= 0) {
            char32_t v = static_cast<char32_t>(hex(src[pos]) * 16 + hex(src[pos + 1]));
            pos += 2;
            return v;
          }
          return 'x';
        }
        case 'u': {
          if (!at_end() && src[pos] == '{') {
            std::size_t close = src.find('}', pos);
            char32_t v = 0;
            bool ok = close != std::string_view::npos && close > pos + 1;
            for (std::size_t i = pos + 1; ok && i < close; ++i) {
              ok = hex(src[i]) >= 0 && v <= 0x10FFFF;
              v = v * 16 + static_cast<char32_t>(hex(src[i]));
            }
            if (!ok || v > 0x10FFFF) {
              fail("bad \\u{...} escape");
              return 0;
            }
            pos = close + 1;
            return v;
          }
          if (pos + 3 < src.size() && hex(src[pos]) >= 0 && hex(src[pos + 1]) >= 0 && hex(src[pos + 2]) >= 0 &&
              hex(src[pos + 3]) >= 0) {
            char32_t v = static_cast<char32_t>(hex(src[pos]) * 4096 + hex(src[pos + 1]) * 256 +
                                               hex(src[pos + 2]) * 16 + hex(src[pos + 3]));
            pos += 4;
            // a surrogate pair written as two \u escapes
            if (v >= 0xD800 && v <= 0xDBFF && pos + 5 < src.size() && src[pos] == '\\' && src[pos + 1] == 'u') {
              int h[4] = {hex(src[pos + 2]), hex(src[pos + 3]), hex(src[pos + 4]), hex(src[pos + 5])};
              if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0) {
                char32_t lo = static_cast<char32_t>(h[0] * 4096 + h[1] * 256 + h[2] * 16 + h[3]);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                  pos += 6;
                  return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                }
              }
            }
            return v;
          }
          return 'u';
        }
        default: break;
      }
      if (e >= '1' && e <= '9') {
        fail("back-references are not supported (they need backtracking)");
        return 0;
      }
      if (e == 'k' && !at_end() && src[pos] == '<') {
        fail("named back-references are not supported (they need backtracking)");
        return 0;
      }
      --pos;
      return next_cp();  // identity escape: \. \/ \\ \- ...
    }

    static int hex(char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    }

    int parse_escape_atom() {
      ++pos;  // backslash
      if (at_end()) {
        fail("trailing backslash");
        return 0;
      }
      char e = src[pos];
      if (e == 'b' || e == 'B') {
        ++pos;
        ast a;
        a.k = e == 'b' ? ast::kind::wordb : ast::kind::nwordb;
        return add(std::move(a));
      }
      char_class cls;
      ++pos;
      if (class_escape(e, cls)) return with_class(std::move(cls));
      --pos;
      char32_t c = char_escape(false);
      return single(c);
    }

    int parse_class() {
      char_class cls;
      if (!at_end() && src[pos] == '^') {
        cls.negated = true;
        ++pos;
      }
      while (true) {
        if (at_end()) {
          fail("missing ']'");
          return 0;
        }
        if (src[pos] == ']') {  // "[]" is the empty class, as in ECMA-262
          ++pos;
          break;
        }
        char32_t lo = 0;
        bool lo_is_char = true;
        if (src[pos] == '\\') {
          ++pos;
          if (at_end()) {
            fail("trailing backslash");
            return 0;
          }
          char e = src[pos++];
          if (class_escape(e, cls)) {
            lo_is_char = false;
          } else {
            --pos;
            lo = char_escape(true);
          }
          if (!error.empty()) return 0;
        } else {
          lo = next_cp();
        }
        if (!lo_is_char) continue;
        // a range lo-hi?
        if (pos + 1 < src.size() && src[pos] == '-' && src[pos + 1] != ']') {
          ++pos;
          char32_t hi = 0;
          if (src[pos] == '\\') {
            ++pos;
            if (at_end()) {
              fail("trailing backslash");
              return 0;
            }
            char e = src[pos++];
            char_class probe;
            if (class_escape(e, probe)) {
              // [a-\d]: Annex B takes '-' literally
              cls.ranges.push_back({lo, lo});
              cls.ranges.push_back({'-', '-'});
              for (auto& p : probe.props) cls.props.push_back(p);
              continue;
            }
            --pos;
            hi = char_escape(true);
            if (!error.empty()) return 0;
          } else {
            hi = next_cp();
          }
          if (hi < lo) {
            fail("range out of order in character class");
            return 0;
          }
          cls.ranges.push_back({lo, hi});
        } else {
          cls.ranges.push_back({lo, lo});
        }
      }
      return with_class(std::move(cls));
    }

    // ---- code generation ------------------------------------------------
    bool push(inst i) {
      if (re.code_.size() >= limits.max_program_size) {
        if (error.empty())
          error = "pattern expands beyond " + std::to_string(limits.max_program_size) + " instructions";
        return false;
      }
      re.code_.push_back(i);
      return true;
    }
    [[nodiscard]] std::uint32_t here() const { return static_cast<std::uint32_t>(re.code_.size()); }

    bool emit(int id) {
      const ast& a = nodes[static_cast<std::size_t>(id)];
      switch (a.k) {
        case ast::kind::empty: return true;
        case ast::kind::chr: return push({op::chr, a.c, 0});
        case ast::kind::any: return push({op::any, 0, 0});
        case ast::kind::cls: return push({op::cls, a.cls, 0});
        case ast::kind::bol: return push({op::bol, 0, 0});
        case ast::kind::eol: return push({op::eol, 0, 0});
        case ast::kind::wordb: return push({op::word_boundary, 0, 0});
        case ast::kind::nwordb: return push({op::not_word_boundary, 0, 0});
        case ast::kind::cat:
          for (int k : a.kids)
            if (!emit(k)) return false;
          return true;
        case ast::kind::alt: {
          std::vector<std::uint32_t> jumps;
          for (std::size_t i = 0; i < a.kids.size(); ++i) {
            if (i + 1 < a.kids.size()) {
              std::uint32_t split = here();
              if (!push({op::split, split + 1, 0})) return false;
              if (!emit(a.kids[i])) return false;
              jumps.push_back(here());
              if (!push({op::jmp, 0, 0})) return false;
              re.code_[split].y = here();
            } else if (!emit(a.kids[i])) {
              return false;
            }
          }
          for (auto j : jumps) re.code_[j].x = here();
          return true;
        }
        case ast::kind::rep: {
          int kid = a.kids[0];
          for (std::uint32_t i = 0; i < a.min; ++i)
            if (!emit(kid)) return false;
          if (a.max == unbounded) {
            std::uint32_t loop = here();
            if (!push({op::split, loop + 1, 0})) return false;
            if (!emit(kid)) return false;
            if (!push({op::jmp, loop, 0})) return false;
            re.code_[loop].y = here();
            return true;
          }
          std::vector<std::uint32_t> splits;
          for (std::uint32_t i = a.min; i < a.max; ++i) {
            splits.push_back(here());
            if (!push({op::split, here() + 1, 0})) return false;
            if (!emit(kid)) return false;
          }
          for (auto s : splits) re.code_[s].y = here();
          return true;
        }
      }
      return false;
    }
  };

  // ---- matching -----------------------------------------------------------
  static bool is_word(char32_t c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  static bool is_space(char32_t c) noexcept {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
  }
  static bool is_line_terminator(char32_t c) noexcept {
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
  }
  static bool has_prop(prop p, char32_t c) noexcept {
    switch (p) {
      case prop::digit: return c >= '0' && c <= '9';
      case prop::word: return is_word(c);
      case prop::space: return is_space(c);
      case prop::letter: return unicode_ctype::get().alpha(c);
      case prop::upper: return unicode_ctype::get().upper(c);
      case prop::lower: return unicode_ctype::get().lower(c);
    }
    return false;
  }
  [[nodiscard]] bool class_matches(const char_class& cls, char32_t c) const noexcept {
    bool in = false;
    for (auto& r : cls.ranges)
      if (c >= r.first && c <= r.second) {
        in = true;
        break;
      }
    if (!in)
      for (auto& p : cls.props)
        if (has_prop(p.p, c) != p.negated) {
          in = true;
          break;
        }
    return in != cls.negated;
  }

  // Adds the thread at `pc` and everything reachable by epsilon moves.
  // Returns true when `match` is reachable (the search can stop).
  bool add_thread(std::uint32_t* list, std::uint32_t& count, std::uint32_t* mark, std::uint32_t* stack,
                  std::uint32_t pc, std::uint32_t gen, char32_t prev, bool has_prev, char32_t cur,
                  bool has_cur) const noexcept {
    std::uint32_t top = 0;
    stack[top++] = pc;
    while (top > 0) {
      std::uint32_t p = stack[--top];
      if (mark[p] == gen) continue;
      mark[p] = gen;
      const inst& in = code_[p];
      switch (in.code) {
        case op::jmp: stack[top++] = in.x; break;
        case op::split:
          stack[top++] = in.y;
          stack[top++] = in.x;
          break;
        case op::bol:
          if (!has_prev) stack[top++] = p + 1;
          break;
        case op::eol:
          if (!has_cur) stack[top++] = p + 1;
          break;
        case op::word_boundary:
        case op::not_word_boundary: {
          bool a = has_prev && is_word(prev);
          bool b = has_cur && is_word(cur);
          if ((a != b) == (in.code == op::word_boundary)) stack[top++] = p + 1;
          break;
        }
        case op::match: return true;
        default: list[count++] = p; break;
      }
    }
    return false;
  }

  bool run(std::string_view text, std::uint32_t* buf) const noexcept {
    std::size_t n = code_.size();
    std::uint32_t* clist = buf;
    std::uint32_t* nlist = buf + n;
    std::uint32_t* mark = buf + 2 * n;
    std::uint32_t* stack = buf + 3 * n;  // 2n + 1 slots: a split pushes two, each pc expands once
    for (std::size_t i = 0; i < n; ++i) mark[i] = 0;
    std::uint32_t ccount = 0, ncount = 0;
    std::uint32_t gen = 1;
    char32_t prev = 0;
    bool has_prev = false;
    std::size_t peek = 0;
    char32_t cur = text.empty() ? 0 : next_code_point(text, peek);
    bool has_cur = !text.empty();
    while (true) {
      if (add_thread(clist, ccount, mark, stack, 0, gen, prev, has_prev, cur, has_cur)) return true;
      if (!has_cur) return false;
      ++gen;
      ncount = 0;
      std::size_t np = peek;
      bool has_nxt = peek < text.size();
      char32_t nxt = has_nxt ? next_code_point(text, np) : 0;
      for (std::uint32_t t = 0; t < ccount; ++t) {
        const inst& in = code_[clist[t]];
        bool ok = false;
        switch (in.code) {
          case op::chr: ok = cur == in.x; break;
          case op::any: ok = !is_line_terminator(cur); break;
          case op::cls: ok = class_matches(classes_[in.x], cur); break;
          default: break;
        }
        if (!ok) continue;
        if (add_thread(nlist, ncount, mark, stack, clist[t] + 1, gen, cur, true, nxt, has_nxt)) return true;
      }
      prev = cur;
      has_prev = true;
      has_cur = has_nxt;
      cur = nxt;
      peek = np;
      std::swap(clist, nlist);
      ccount = ncount;
    }
  }

  std::vector<inst> code_;
  std::vector<char_class> classes_;
};

using regex = basic_regex<>;

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
// ---- end aura/schema/detail/regex.hpp

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
// ---- end aura/schema/detail/format.hpp

// Inlining hints for validate()'s walk: the per-node function stays small
// (its prologue is paid per instance value), the bulky groups stay out of it.
#if defined(__GNUC__) || defined(__clang__)
#define AURA_SCHEMA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_SCHEMA_ALWAYS_INLINE inline __attribute__((always_inline))
#define AURA_SCHEMA_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE __forceinline
#define AURA_SCHEMA_NOINLINE __declspec(noinline)
#else
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE inline
#define AURA_SCHEMA_NOINLINE
#endif

namespace aura::schema::detail {

using node_id = std::uint32_t;
inline constexpr node_id no_node = std::numeric_limits<node_id>::max();
inline constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

/// Bits of `node::types`.
enum type_bit : std::uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
};

/// Bits of `node::has`: which keyword groups a node holds, so evaluation
/// skips whole groups with one test.
enum has_bit : std::uint32_t {
  h_type = 1u << 0,
  h_const = 1u << 1,
  h_enum = 1u << 2,
  h_number = 1u << 3,   // minimum, maximum, exclusive*, multipleOf
  h_string = 1u << 4,   // minLength, maxLength, pattern, format
  h_array = 1u << 5,    // items, prefixItems, contains, limits, uniqueItems
  h_object = 1u << 6,   // properties & co, required, limits, dependencies
  h_inplace = 1u << 7,  // allOf, anyOf, oneOf, not, if/then/else
  h_ref = 1u << 8,      // $ref, $dynamicRef
  h_unevaluated = 1u << 9,
  h_scalar_only = h_type | h_const | h_enum | h_number | h_string,  // a leaf: no subschemas
};

/// The first 8 bytes of a name as a big-endian integer, zero padded: one
/// integer compare orders or tells apart most property names. Reads exactly
/// `n` bytes (overlapping loads), never past the end.
[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(const char* p, std::size_t n) noexcept {
  auto be32 = [p](std::size_t i) -> std::uint64_t {
    std::uint32_t v;
    std::memcpy(&v, p + i, 4);
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#elif !(defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    const auto* b = reinterpret_cast<const unsigned char*>(p + i);
    v = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
#endif
    return v;
  };
  auto byte = [p](std::size_t i) -> std::uint64_t { return static_cast<unsigned char>(p[i]); };
  if (n >= 8) return be32(0) << 32 | be32(4);
  if (n >= 4) return be32(0) << 32 | be32(n - 4) << (8 * (8 - n));
  if (n >= 2) return (byte(0) << 8 | byte(1)) << 48 | (byte(n - 2) << 8 | byte(n - 1)) << (8 * (8 - n));
  return n == 1 ? byte(0) << 56 : 0;
}

[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(std::string_view s) noexcept { return name_prefix(s.data(), s.size()); }

/// A name with its prefix, for comparisons against instance keys.
struct named_node {
  std::string name;
  node_id schema = no_node;
  bool required = false;  // in `properties`: also listed in `required`
  std::uint64_t prefix = 0;  // name_prefix(name), set by the compiler for `properties`
};

struct pattern_node {
  std::uint32_t regex = 0;  // index in tree::regexes
  node_id schema = no_node;
  std::string source;
};

struct name_dependency {
  std::string name;
  std::vector<std::string> required;
};

/// One schema object. Fields the fast path reads on every visit come first,
/// so a scalar check touches one or two cache lines; report-only data last.
struct node {
  std::uint32_t has = 0;
  bool is_false = false;  // the boolean schema false
  std::uint8_t types = 0;
  bool has_minimum = false, has_maximum = false, has_xmin = false, has_xmax = false, has_multiple = false;
  bool assert_format = false;
  bool unique_items = false;
  bool items_is_additional = false;  // draft 7 additionalItems (error kind)
  format_id format = format_id::unknown;
  std::uint32_t resource = 0;  // index in tree::resources (dynamic scope)
  std::uint32_t pattern = std::numeric_limits<std::uint32_t>::max();

  // numbers
  double minimum = 0, maximum = 0, exclusive_minimum = 0, exclusive_maximum = 0, multiple_of = 0;
  decimal multiple_exact;          // multipleOf as the decimal its text spells
  std::uint64_t multiple_int = 0;  // multipleOf when it is an integer (0: it is not, or too big)

  // strings
  std::size_t min_length = 0, max_length = no_limit;
  std::vector<std::string> enum_strings;  // the enum when all its values are strings: compared directly
  std::vector<std::uint64_t> enum_prefixes;  // name_prefix of each enum string

  // objects
  std::size_t min_properties = 0, max_properties = no_limit;
  std::size_t required_in_properties = 0;   // distinct required names that `properties` lists
  std::vector<std::string> required_extra;  // distinct required names it does not
  std::vector<named_node> properties;       // sorted by name
  std::vector<pattern_node> pattern_properties;
  node_id additional_properties = no_node;
  node_id property_names = no_node;
  node_id unevaluated_properties = no_node;
  std::vector<name_dependency> dependent_required;
  std::vector<named_node> dependent_schemas;

  // arrays
  std::size_t min_items = 0, max_items = no_limit;
  std::vector<node_id> prefix_items;  // 2020-12 prefixItems, draft 7 array-form items
  node_id items = no_node;            // applies past prefix_items
  node_id contains = no_node;
  std::size_t min_contains = 1, max_contains = no_limit;
  node_id unevaluated_items = no_node;

  // applicators on the same instance
  node_id ref = no_node;
  node_id dynamic_ref = no_node;  // static target of $dynamicRef
  node_id not_schema = no_node, if_schema = no_node, then_schema = no_node, else_schema = no_node;
  std::vector<node_id> all_of, any_of, one_of;

  // values compared whole, and what only reports read
  nlohmann::json const_value;
  std::vector<nlohmann::json> enum_values;
  std::string dynamic_name;  // anchor looked up in the dynamic scope; empty: static
  std::vector<std::string> required;  // as written
  std::string pattern_source;
  std::string format_name;
  std::string_view prefix_keyword = "prefixItems";                     // "items" in draft 7
  std::string_view items_keyword = "items";                            // "additionalItems" in draft 7
  std::string_view dependent_required_keyword = "/dependentRequired";  // "/dependencies" in draft 7
  std::string_view dependent_schemas_keyword = "/dependentSchemas/";   // "/dependencies/" in draft 7
};

/// A schema resource (a document root or a subschema with `$id`); the
/// dynamic scope of an evaluation is a chain of these.
struct resource {
  std::string uri;
  std::vector<named_node> dynamic_anchors;
};

struct tree {
  // The evaluator, instantiated by compile(): a translation unit that only
  // includes validator.hpp does not generate it.
  bool (*validate_fn)(const tree&, const nlohmann::json&) noexcept = nullptr;
  void (*check_fn)(const tree&, const nlohmann::json&, std::vector<validation_error>&) = nullptr;
  std::vector<node> nodes;
  std::vector<resource> resources;
  std::vector<regex> regexes;
  node_id root = no_node;
  dialect root_dialect = dialect::draft2020_12;
};

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
// ---- end aura/schema/detail/tree.hpp

namespace aura::schema {

/// The result of `compile()`. Copies share one immutable node tree, so a
/// validator may be used from any number of threads at once.
class validator {
 public:
  /// A validator that accepts every instance, like the schema `true`.
  validator() = default;
  explicit validator(std::shared_ptr<const detail::tree> tree) noexcept : tree_(std::move(tree)) {}

  /// Fast path: true when `instance` is valid. Stops at the first failure and
  /// allocates nothing unless the schema uses `unevaluated*` or a format or
  /// pattern check needs scratch space beyond its fixed buffers.
  [[nodiscard]] bool validate(const nlohmann::json& instance) const noexcept;

  /// Every failure, each with instance and keyword JSON pointers, a kind and
  /// a message. Empty when the instance is valid.
  [[nodiscard]] std::vector<validation_error> check(const nlohmann::json& instance) const;

  /// The dialect the root schema was compiled as.
  [[nodiscard]] schema::dialect dialect() const noexcept;

 private:
  std::shared_ptr<const detail::tree> tree_;
};

inline bool validator::validate(const nlohmann::json& instance) const noexcept {
  return !tree_ || tree_->validate_fn(*tree_, instance);
}

inline std::vector<validation_error> validator::check(const nlohmann::json& instance) const {
  std::vector<validation_error> out;
  if (tree_) tree_->check_fn(*tree_, instance, out);
  return out;
}

inline dialect validator::dialect() const noexcept {
  return tree_ ? tree_->root_dialect : schema::dialect::draft2020_12;
}

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
// ---- end aura/schema/validator.hpp
// ---- begin aura/schema/compile.hpp
#ifndef AURA_SI_AURA_SCHEMA_COMPILE_HPP
#define AURA_SI_AURA_SCHEMA_COMPILE_HPP
// aura/schema/compile.hpp - turn a JSON Schema document into a validator.

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/compiler.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
// aura/schema/detail/compiler.hpp - schema documents to a node tree.
//
// Two passes per document: `scan` walks the subschema positions, giving
// each its base URI, dialect and resource and registering `$id`,
// `$anchor` and `$dynamicAnchor`; `node_at` then builds nodes on demand,
// memoised by location, so every `$ref` becomes a node index and cycles
// through references close on themselves.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/evaluator.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
// aura/schema/detail/evaluator.hpp - walks the compiled tree over an
// instance. One template serves both paths: `Report = false` stops at the
// first failure and allocates nothing (no paths, no messages, annotations
// only under `unevaluated*`); `Report = true` keeps going and records every
// failure with its instance and keyword pointers.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/messages.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
// aura/schema/detail/messages.hpp - values quoted in validation and compile
// errors: JSON text, cut to a limit so that a 40 KB string or a 47,000
// character pattern never floods a message an agent has to read.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aura::schema::detail {

/// The longest JSON text of one value a message quotes, in bytes.
inline constexpr std::size_t quote_limit = 80;
/// The longest list of allowed values (`enum`) a message spells out.
inline constexpr std::size_t list_limit = 200;

/// `text` cut to at most `limit` bytes on a UTF-8 boundary, with "..." and
/// the full length appended when cut.
[[nodiscard]] inline std::string cut_text(std::string text, std::size_t limit = quote_limit) {
  if (text.size() <= limit) return text;
  const std::size_t full = text.size();
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a code point
  text.resize(end);
  text += "... (" + std::to_string(full) + " bytes)";
  return text;
}

/// A value as JSON text, cut to the limit. A string that is not UTF-8 (built
/// in code, not parsed) shows U+FFFD instead of throwing.
template <class Json>
[[nodiscard]] std::string shown(const Json& j, std::size_t limit = quote_limit) {
  return cut_text(j.dump(-1, ' ', false, Json::error_handler_t::replace), limit);
}

/// `["c", "f"]`, each value cut, the list cut after `list_limit` bytes.
template <class Json>
[[nodiscard]] std::string shown_list(const std::vector<Json>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string item = shown(values[i], 40);
    if (out.size() + item.size() > list_limit) {
      out += "... (" + std::to_string(values.size() - i) + " more)";
      break;
    }
    if (i > 0) out += ", ";
    out += item;
  }
  return out + "]";
}

/// A schema limit as written: integers without a fraction.
template <class Json>
[[nodiscard]] std::string shown_number(double d) {
  Json j = d;
  if (std::floor(d) == d && std::fabs(d) < 9.0e15) j = static_cast<std::int64_t>(d);
  return j.dump();
}

/// "1 item" / "3 items".
[[nodiscard]] inline std::string counted(std::size_t n, std::string_view noun) {
  std::string out = std::to_string(n) + " " + std::string(noun);
  if (n != 1) out += 's';
  return out;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
// ---- end aura/schema/detail/messages.hpp
// ---- begin aura/schema/detail/uri.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
// aura/schema/detail/uri.hpp - RFC 3986 reference resolution and JSON
// pointer tokens, as `$id` and `$ref` need them.

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
// ---- end aura/schema/detail/uri.hpp

namespace aura::schema::detail {

/// One link of the dynamic scope: the resources entered on the way to the
/// node being evaluated, innermost first. Lives on the C++ stack.
struct scope_frame {
  const scope_frame* parent;
  std::uint32_t resource;
};

// The helpers below are templates on the JSON type only so that nothing of
// them is generated where the schema module is merely included.

/// What the keywords of one instance location evaluated successfully, for
/// `unevaluatedProperties` / `unevaluatedItems`.
template <class Json>
struct basic_annotations {
  std::vector<const Json*> props;  // values of evaluated members
  bool all_props = false;
  std::size_t items = 0;  // items [0, items) evaluated
  bool all_items = false;
  std::vector<std::size_t> item_indices;  // matched by `contains`

  void merge(const basic_annotations& o) {
    props.insert(props.end(), o.props.begin(), o.props.end());
    all_props = all_props || o.all_props;
    items = std::max(items, o.items);
    all_items = all_items || o.all_items;
    item_indices.insert(item_indices.end(), o.item_indices.begin(), o.item_indices.end());
  }
};

/// Where `check()` is, and what it found.
template <class Json>
struct basic_report {
  std::vector<validation_error>* out;
  std::string instance;
  std::string keyword;
};

/// Appends a pointer segment for the lifetime of the object, in `check()`
/// only: with `R = false` it is empty and compiles to nothing.
template <bool R>
class path_push {
 public:
  path_push(std::string* s, std::string_view literal, std::string_view token = {}) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      if (!token.empty()) s_->append(pointer_token(token));
    }
  }
  path_push(std::string* s, std::string_view literal, std::size_t index) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      s_->append(std::to_string(index));
    }
  }
  ~path_push() {
    if constexpr (R) s_->resize(n_);
  }
  path_push(const path_push&) = delete;
  path_push& operator=(const path_push&) = delete;

 private:
  std::string* s_;
  std::size_t n_ = 0;
};

/// std::string::compare for a schema name and an instance key, given both
/// prefixes (name_prefix): property names are short and usually differ in
/// their first 8 bytes, so one integer compare decides.
[[nodiscard]] inline int compare_names(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                       const std::string& b) noexcept {
  if (pa != pb) return pa < pb ? -1 : 1;
  // equal prefixes: a name of at most 8 bytes is a prefix of the other
  if (a.size() > 8 && b.size() > 8) {
    int c = std::string_view(a).substr(8).compare(std::string_view(b).substr(8));
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

/// Equality of two strings whose prefixes are known.
[[nodiscard]] inline bool same_name(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                    const std::string& b) noexcept {
  return pa == pb && a.size() == b.size() &&
         (a.size() <= 8 || std::string_view(a).substr(8) == std::string_view(b).substr(8));
}

template <class Json>
[[nodiscard]] std::uint8_t type_bits_of(const Json& j) noexcept {
  using vt = typename Json::value_t;
  switch (j.type()) {
    case vt::null: return t_null;
    case vt::boolean: return t_boolean;
    case vt::object: return t_object;
    case vt::array: return t_array;
    case vt::string: return t_string;
    case vt::number_integer:
    case vt::number_unsigned: return t_number | t_integer;
    case vt::number_float: {
      double d = j.template get<double>();
      return static_cast<std::uint8_t>(t_number | (std::isfinite(d) && std::floor(d) == d ? t_integer : 0));
    }
    default: return 0;
  }
}

/// A number instance as a double, without nlohmann's out-of-line get<double>.
template <class Json>
[[nodiscard]] double number_value(const Json& j) noexcept {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned()) return static_cast<double>(*j.template get_ptr<const typename Json::number_unsigned_t*>());
    return static_cast<double>(*j.template get_ptr<const typename Json::number_integer_t*>());
  }
  return *j.template get_ptr<const typename Json::number_float_t*>();
}

template <class Json>
AURA_SCHEMA_NOINLINE std::uint8_t type_bits_slow(const Json& j) noexcept {
  return type_bits_of(j);
}

/// type_bits_of by table lookup, for the fast path: nlohmann's value_t is a
/// small dense enum; only a float (7, and the non-JSON kinds above it) needs
/// its value looked at.
template <class Json>
struct type_table {
  using vt = typename Json::value_t;
  static_assert(static_cast<int>(vt::null) == 0 && static_cast<int>(vt::object) == 1 &&
                static_cast<int>(vt::array) == 2 && static_cast<int>(vt::string) == 3 &&
                static_cast<int>(vt::boolean) == 4 && static_cast<int>(vt::number_integer) == 5 &&
                static_cast<int>(vt::number_unsigned) == 6 && static_cast<int>(vt::number_float) == 7);
  static constexpr unsigned exact = 7;  // kinds below this have their bits in `bits`
  static constexpr std::uint8_t bits[exact] = {t_null,    t_object, t_array, t_string,
                                               t_boolean, t_number | t_integer, t_number | t_integer};
};

template <class Json>
[[nodiscard]] std::uint8_t type_bits_fast(const Json& j) noexcept {
  const auto t = static_cast<unsigned>(j.type());
  if (t < type_table<Json>::exact) return type_table<Json>::bits[t];
  return type_bits_slow(j);
}

[[nodiscard]] inline std::string type_names(std::uint8_t bits) {
  static constexpr std::pair<std::uint8_t, const char*> names[] = {
      {t_null, "null"},     {t_boolean, "boolean"}, {t_object, "object"}, {t_array, "array"},
      {t_number, "number"}, {t_string, "string"},   {t_integer, "integer"}};
  std::string out;
  for (auto& [bit, name] : names) {
    if ((bits & bit) == 0) continue;
    if (bit == t_integer && (bits & t_number) != 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

[[nodiscard]] inline std::size_t code_point_count(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

/// `multipleOf`, exactly (decimal.hpp): integers by one modulo when the
/// divisor is an integer too, everything else as decimals.
template <class Json>
[[nodiscard]] bool is_multiple_of(const Json& v, const node& n) noexcept {
  if (v.is_number_integer()) {
    std::uint64_t magnitude;
    if (v.is_number_unsigned()) {
      magnitude = *v.template get_ptr<const typename Json::number_unsigned_t*>();
    } else {
      const std::int64_t i = *v.template get_ptr<const typename Json::number_integer_t*>();
      magnitude = i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    }
    if (n.multiple_int != 0) return magnitude % n.multiple_int == 0;
    return decimal_multiple(normalized(magnitude, 0), n.multiple_exact);
  }
  const double d = *v.template get_ptr<const typename Json::number_float_t*>();
  if (!std::isfinite(d)) return false;
  return decimal_multiple(decimal_of(d), n.multiple_exact);
}

/// Instantiated only where `compile()` is: headers that merely include the
/// schema module pay for parsing it, not for generating it.
template <class Json>
class evaluator {
 public:
  /// Deeper nesting than this (instance depth plus `$ref` hops) fails with
  /// `too_deep` instead of exhausting the thread's stack.
  static constexpr unsigned max_depth = 1000;
  using annotations = basic_annotations<Json>;
  using report = basic_report<Json>;

  explicit evaluator(const tree& t) noexcept : t_(t) {}

  template <bool R>
  bool eval(node_id id, const Json& inst, const scope_frame* scope, annotations* ann, report* rep,
            unsigned depth) const {
    const node& n = t_.nodes[id];
    if (n.has == 0) {  // `true`, `{}`, or `false`
      if (!n.is_false) return true;
      if constexpr (R) add(rep, error_kind::false_schema, "", "no value is allowed here (schema false)");
      return false;
    }
    if (depth > max_depth) {
      if constexpr (R) add(rep, error_kind::too_deep, "", "evaluation nested deeper than " + std::to_string(max_depth));
      return false;
    }
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_unevaluated) == 0) return keywords<R>(n, inst, scope, ann, rep, depth);
    annotations local;  // what this node's other keywords evaluated
    bool ok = keywords<R>(n, inst, scope, &local, rep, depth);
    if constexpr (!R) {
      if (!ok) return false;
    }
    ok = unevaluated<R>(n, inst, scope, local, rep, depth) && ok;
    if (ok && ann != nullptr) ann->merge(local);
    return ok;
  }

 public:
  /// validate()'s walk: the answers of eval<false>, with no annotations to
  /// collect (a node using unevaluated* hands its subtree to eval), no
  /// report, and the common keywords checked without the generic plumbing.
  bool fast(node_id id, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const node& n = t_.nodes[id];
    const std::uint32_t has = n.has;
    // Only tail calls below, so this function needs no saved registers: it
    // runs once per instance value.
    const auto kind = static_cast<unsigned>(inst.type());
    if (AURA_SCHEMA_LIKELY((has & ~std::uint32_t{h_type | h_number | h_string | h_array | h_object}) == 0) &&
        AURA_SCHEMA_LIKELY(has != 0) && AURA_SCHEMA_LIKELY(depth <= max_depth) &&
        AURA_SCHEMA_LIKELY(kind < type_table<Json>::exact)) {
      if ((has & h_type) != 0 && (type_table<Json>::bits[kind] & n.types) == 0) return false;
      using vt = typename Json::value_t;
      switch (inst.type()) {
        case vt::number_integer:
        case vt::number_unsigned: return (has & h_number) == 0 || fast_number(n, inst);
        case vt::string: return (has & h_string) == 0 || fast_string(n, inst);
        case vt::array: return (has & h_array) == 0 || fast_array(n, inst, scope, depth);
        case vt::object: return (has & h_object) == 0 || fast_object(n, inst, scope, depth);
        default: return true;
      }
    }
    if (has == h_enum && depth <= max_depth) return enum_has(n, inst);
    return fast_general(id, n, inst, scope, depth);
  }

  /// The subschema of a member or an item: a `type`-only schema (common in
  /// tool arguments) is checked in the caller's loop, without a call.
  AURA_SCHEMA_ALWAYS_INLINE bool fast_child(node_id id, const Json& inst, const scope_frame* scope,
                                            unsigned depth) const {
    const node& c = t_.nodes[id];
    const auto kind = static_cast<unsigned>(inst.type());
    if (c.has == h_type && depth <= max_depth && kind < type_table<Json>::exact)
      return (type_table<Json>::bits[kind] & c.types) != 0;
    return fast(id, inst, scope, depth);
  }

 private:
  AURA_SCHEMA_NOINLINE bool fast_number(const node& n, const Json& inst) const noexcept {
    return numbers<false>(n, inst, nullptr);
  }
  AURA_SCHEMA_NOINLINE bool fast_string(const node& n, const Json& inst) const noexcept {
    return strings<false>(n, inst, nullptr);
  }

  AURA_SCHEMA_NOINLINE bool enum_has(const node& n, const Json& inst) const noexcept {
    if (!n.enum_strings.empty()) {
      if (!inst.is_string()) return false;
      const auto& str = *inst.template get_ptr<const std::string*>();
      const std::uint64_t sp = name_prefix(str);
      const std::size_t count = n.enum_strings.size();
      for (std::size_t i = 0; i < count; ++i)
        if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) return true;
      return false;
    }
    for (const auto& v : n.enum_values)
      if (inst == v) return true;
    return false;
  }

  // Everything fast() does not inline: `false`, depth, unevaluated*, const,
  // $ref and the in-place applicators.
  AURA_SCHEMA_NOINLINE bool fast_general(node_id id, const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    if (n.has == 0) return !n.is_false;
    if ((n.has & h_unevaluated) != 0 || depth > max_depth) return eval<false>(id, inst, scope, nullptr, nullptr, depth);
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_type) != 0 && (type_bits_fast(inst) & n.types) == 0) return false;
    if ((n.has & h_const) != 0 && !(inst == n.const_value)) return false;
    if ((n.has & h_enum) != 0 && !enum_has(n, inst)) return false;
    using vt = typename Json::value_t;
    switch (inst.type()) {
      case vt::number_integer:
      case vt::number_unsigned:
      case vt::number_float:
        if ((n.has & h_number) != 0 && !numbers<false>(n, inst, nullptr)) return false;
        break;
      case vt::string:
        if ((n.has & h_string) != 0 && !strings<false>(n, inst, nullptr)) return false;
        break;
      case vt::array:
        if ((n.has & h_array) != 0 && !fast_array(n, inst, scope, depth)) return false;
        break;
      case vt::object:
        if ((n.has & h_object) != 0 && !fast_object(n, inst, scope, depth)) return false;
        break;
      default: break;
    }
    if ((n.has & h_ref) != 0) {
      if (n.ref != no_node && !fast(n.ref, inst, scope, depth + 1)) return false;
      if (n.dynamic_ref != no_node && !fast(dynamic_target(n, scope), inst, scope, depth + 1)) return false;
    }
    if ((n.has & h_inplace) != 0) {
      for (node_id c : n.all_of)
        if (!fast(c, inst, scope, depth + 1)) return false;
      if (!n.any_of.empty()) {
        bool any = false;
        for (node_id c : n.any_of)
          if (fast(c, inst, scope, depth + 1)) {
            any = true;
            break;
          }
        if (!any) return false;
      }
      if (!n.one_of.empty()) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) count += fast(n.one_of[i], inst, scope, depth + 1) ? 1 : 0;
        if (count != 1) return false;
      }
      if (n.not_schema != no_node && fast(n.not_schema, inst, scope, depth + 1)) return false;
      if (n.if_schema != no_node) {
        node_id next = fast(n.if_schema, inst, scope, depth + 1) ? n.then_schema : n.else_schema;
        if (next != no_node && !fast(next, inst, scope, depth + 1)) return false;
      }
    }
    return true;
  }

  // Subschemas of arrays and objects are one level deeper in the instance;
  // the node's resource joins the dynamic scope before they are entered.
  AURA_SCHEMA_NOINLINE bool fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    const auto& arr = *inst.template get_ptr<const typename Json::array_t*>();
    const std::size_t size = arr.size();
    if (size < n.min_items || size > n.max_items) return false;
    if (n.unique_items && size > 1) {
      std::size_t first = 0, second = 0;
      if (!all_unique(arr, first, second)) return false;
    }
    const std::size_t prefix = std::min(size, n.prefix_items.size());
    for (std::size_t i = 0; i < prefix; ++i)
      if (!fast_child(n.prefix_items[i], arr[i], scope, depth + 1)) return false;
    if (n.items != no_node)
      for (std::size_t i = prefix; i < size; ++i)
        if (!fast_child(n.items, arr[i], scope, depth + 1)) return false;
    if (n.contains != no_node) {
      std::size_t matches = 0;
      for (std::size_t i = 0; i < size; ++i) {
        if (fast(n.contains, arr[i], scope, depth + 1) && ++matches >= n.min_contains && n.max_contains == no_limit)
          break;
        if (matches > n.max_contains) return false;
      }
      if (matches < n.min_contains || matches > n.max_contains) return false;
    }
    return true;
  }

  // The members are walked last, in a function of their own (few live
  // values, no spills) reached by a tail call; the rarer keywords first.
  AURA_SCHEMA_NOINLINE bool fast_object(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
    const std::size_t size = obj.size();
    if (size < n.min_properties || size > n.max_properties) return false;
    if ((!n.required_extra.empty() || !n.dependent_required.empty() || n.property_names != no_node ||
         !n.dependent_schemas.empty()) &&
        !fast_object_lookups(n, inst, scope, depth))
      return false;
    if (!n.pattern_properties.empty()) return fast_members<true>(n, obj, scope, depth);
    if (!n.properties.empty() || n.additional_properties != no_node) return fast_members<false>(n, obj, scope, depth);
    return true;
  }

  template <bool Patterns>
  AURA_SCHEMA_NOINLINE bool fast_members(const node& n, const typename Json::object_t& obj, const scope_frame* scope,
                                         unsigned depth) const {
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    const named_node* props = n.properties.data();
    const named_node* const props_end = props + n.properties.size();
    const node_id additional = n.additional_properties;
    const bool additional_forbidden = additional != no_node && t_.nodes[additional].is_false;
    std::size_t required_seen = 0;
    for (const auto& [key, value] : obj) {
      bool matched = false;
      // instance members and `properties` are both sorted by key: merge
      if (props != props_end) {
        const std::uint64_t kp = name_prefix(key);
        int order = 1;
        while (props != props_end && (order = compare_names(props->prefix, props->name, kp, key)) < 0) ++props;
        if (order == 0) {
          matched = true;
          required_seen += props->required ? 1 : 0;
          if (!fast_child(props->schema, value, scope, depth + 1)) return false;
        }
      }
      if constexpr (Patterns) {
        for (const auto& pp : n.pattern_properties) {
          if (!t_.regexes[pp.regex].search(key)) continue;
          matched = true;
          if (!fast(pp.schema, value, scope, depth + 1)) return false;
        }
      }
      if (!matched && additional != no_node && (additional_forbidden || !fast(additional, value, scope, depth + 1)))
        return false;
    }
    return required_seen == n.required_in_properties;
  }

  AURA_SCHEMA_NOINLINE bool fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
                                                unsigned depth) const {
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
    for (const auto& name : n.required_extra)
      if (obj.find(name) == obj.end()) return false;
    for (const auto& dep : n.dependent_required) {
      if (obj.find(dep.name) == obj.end()) continue;
      for (const auto& name : dep.required)
        if (obj.find(name) == obj.end()) return false;
    }
    if (n.property_names != no_node) {
      for (const auto& member : obj) {
        Json name = member.first;
        if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) return false;
      }
    }
    for (const auto& dep : n.dependent_schemas) {
      if (obj.find(dep.name) == obj.end()) continue;
      if (!fast(dep.schema, inst, scope, depth + 1)) return false;
    }
    return true;
  }

  // A member's or item's subschema. Leaves (only scalar keywords) skip the
  // node prologue: they have no subschema, so no scope to track.
  template <bool R>
  bool child(node_id id, const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
    const node& c = t_.nodes[id];
    if (c.has != 0 && (c.has & ~std::uint32_t{h_scalar_only}) == 0 && depth <= max_depth)
      return keywords<R>(c, inst, scope, nullptr, rep, depth);
    return eval<R>(id, inst, scope, nullptr, rep, depth);
  }

  template <bool R>
  bool keywords(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const {
    bool ok = true;
    if ((n.has & h_type) != 0 && (type_bits_of(inst) & n.types) == 0) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::type, "/type",
          "wrong type: expected " + type_names(n.types) + ", got " + instance_type(inst) + " " + shown(inst));
    }
    if ((n.has & h_const) != 0 && !(inst == n.const_value)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::const_mismatch, "/const", shown(inst) + " is not the constant " + shown(n.const_value));
    }
    if ((n.has & h_enum) != 0) {
      bool found = false;
      if (!n.enum_strings.empty()) {
        if (inst.is_string()) {
          const auto& str = inst.template get_ref<const std::string&>();
          const std::uint64_t sp = name_prefix(str);
          for (std::size_t i = 0; i < n.enum_strings.size(); ++i)
            if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) {
              found = true;
              break;
            }
        }
      } else {
        for (const auto& v : n.enum_values)
          if (inst == v) {
            found = true;
            break;
          }
      }
      if (!found) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::enum_mismatch, "/enum", shown(inst) + " is not one of " + shown_list(n.enum_values));
      }
    }
    // the one group that applies to this instance's type
    using vt = typename Json::value_t;
    switch (inst.type()) {
      case vt::number_integer:
      case vt::number_unsigned:
      case vt::number_float:
        if ((n.has & h_number) != 0) ok = numbers<R>(n, inst, rep) && ok;
        break;
      case vt::string:
        if ((n.has & h_string) != 0) ok = strings<R>(n, inst, rep) && ok;
        break;
      case vt::array:
        if ((n.has & h_array) != 0) ok = arrays<R>(n, inst, scope, sink, rep, depth) && ok;
        break;
      case vt::object:
        if ((n.has & h_object) != 0) ok = objects<R>(n, inst, scope, sink, rep, depth) && ok;
        break;
      default: break;
    }
    if constexpr (!R) {
      if (!ok) return false;
    }
    if ((n.has & h_ref) != 0) ok = refs<R>(n, inst, scope, sink, rep, depth) && ok;
    if constexpr (!R) {
      if (!ok) return false;
    }
    if ((n.has & h_inplace) != 0) ok = in_place<R>(n, inst, scope, sink, rep, depth) && ok;
    return ok;
  }

 private:
  static void add(report* rep, error_kind kind, std::string_view keyword, std::string message) {
    rep->out->push_back(validation_error{rep->instance, rep->keyword + std::string(keyword), kind, std::move(message)});
  }
  static std::string* kw(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->keyword; }
  static std::string* at(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->instance; }

  // "integer" for 3 and 3.0, "number" for 3.5: what an agent should change
  static const char* instance_type(const Json& j) {
    const std::uint8_t bits = type_bits_of(j);
    if ((bits & t_integer) != 0) return "integer";
    if ((bits & t_number) != 0) return "number";
    if ((bits & t_string) != 0) return "string";
    if ((bits & t_object) != 0) return "object";
    if ((bits & t_array) != 0) return "array";
    if ((bits & t_boolean) != 0) return "boolean";
    return "null";
  }

  static std::string num(double d) { return shown_number<Json>(d); }

  template <bool R>
  bool numbers(const node& n, const Json& inst, report* rep) const {
    double v = number_value(inst);
    bool ok = true;
    auto check = [&](bool pass, error_kind k, std::string_view keyword, const char* rel, double limit) {
      if (pass) return true;
      ok = false;
      if constexpr (R) add(rep, k, keyword, shown(inst) + " is " + rel + " " + num(limit));
      return false;
    };
    if (n.has_minimum && !check(v >= n.minimum, error_kind::minimum, "/minimum", "less than the minimum", n.minimum) && !R)
      return false;
    if (n.has_maximum &&
        !check(v <= n.maximum, error_kind::maximum, "/maximum", "greater than the maximum", n.maximum) && !R)
      return false;
    if (n.has_xmin &&
        !check(v > n.exclusive_minimum, error_kind::exclusive_minimum, "/exclusiveMinimum",
               "not greater than the exclusive minimum", n.exclusive_minimum) &&
        !R)
      return false;
    if (n.has_xmax &&
        !check(v < n.exclusive_maximum, error_kind::exclusive_maximum, "/exclusiveMaximum",
               "not less than the exclusive maximum", n.exclusive_maximum) &&
        !R)
      return false;
    if (n.has_multiple && !is_multiple_of(inst, n)) {
      ok = false;
      if constexpr (R)
        add(rep, error_kind::multiple_of, "/multipleOf", shown(inst) + " is not a multiple of " + num(n.multiple_of));
    }
    return ok;
  }

  template <bool R>
  bool strings(const node& n, const Json& inst, report* rep) const {
    const auto& s = inst.template get_ref<const std::string&>();
    bool ok = true;
    if (n.min_length > 0 || n.max_length != no_limit) {
      // a code point is 1 to 4 bytes: the byte count often settles both limits
      const std::size_t bytes = s.size();
      std::size_t len = bytes;
      if (bytes >= n.min_length && (bytes + 3) / 4 < n.min_length) len = code_point_count(s);
      if (len > n.max_length) len = code_point_count(s);
      if (len < n.min_length) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::min_length, "/minLength",
            shown(inst) + " is shorter than the minimum length " + std::to_string(n.min_length));
      }
      if (len > n.max_length) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::max_length, "/maxLength",
            shown(inst) + " is longer than the maximum length " + std::to_string(n.max_length));
      }
    }
    if (n.pattern != std::numeric_limits<std::uint32_t>::max() && !t_.regexes[n.pattern].search(s)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::pattern, "/pattern",
          shown(inst) + " does not match the pattern " + shown(Json(n.pattern_source)));
    }
    if (n.assert_format && !check_format(n.format, s)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::format, "/format", shown(inst) + " is not a valid " + n.format_name);
    }
    return ok;
  }

  template <bool R>
  bool arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
    const auto& arr = inst.template get_ref<const typename Json::array_t&>();
    const std::size_t size = arr.size();
    bool ok = true;
    if (size < n.min_items) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_items, "/minItems",
          "array has " + counted(size, "item") + ", fewer than the minimum " + std::to_string(n.min_items));
    }
    if (size > n.max_items) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_items, "/maxItems",
          "array has " + counted(size, "item") + ", more than the maximum " + std::to_string(n.max_items));
    }
    if (n.unique_items && size > 1) {
      std::size_t first = 0, second = 0;
      if (!all_unique(arr, first, second)) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::unique_items, "/uniqueItems",
            "items " + std::to_string(first) + " and " + std::to_string(second) + " are equal");
      }
    }
    const std::size_t prefix = std::min(size, n.prefix_items.size());
    for (std::size_t i = 0; i < prefix; ++i) {
      path_push<R> k(kw(rep), "/"), k2(kw(rep), n.prefix_keyword), k3(kw(rep), "/", i);
      path_push<R> p(at(rep), "/", i);
      if (!child<R>(n.prefix_items[i], arr[i], scope, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    if (sink != nullptr) sink->items = std::max(sink->items, prefix);
    if (n.items != no_node && size > prefix) {
      const bool forbidden = t_.nodes[n.items].is_false;
      for (std::size_t i = prefix; i < size; ++i) {
        if (forbidden) {
          if constexpr (!R) return false;
          ok = false;
          path_push<R> p(at(rep), "/", i);
          add(rep, error_kind::additional_items, std::string("/") + std::string(n.items_keyword),
              "item " + std::to_string(i) + " is not allowed");
          continue;
        }
        path_push<R> k(kw(rep), "/"), k2(kw(rep), n.items_keyword);
        path_push<R> p(at(rep), "/", i);
        if (!child<R>(n.items, arr[i], scope, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
      if (sink != nullptr) sink->all_items = true;
    }
    if (n.contains != no_node) {
      std::size_t matches = 0;
      for (std::size_t i = 0; i < size; ++i) {
        if (eval<false>(n.contains, arr[i], scope, nullptr, nullptr, depth + 1)) {
          ++matches;
          if (sink != nullptr) sink->item_indices.push_back(i);
          if (sink == nullptr && n.max_contains == no_limit && matches >= n.min_contains) break;
        }
      }
      if (matches < n.min_contains) {
        if constexpr (!R) return false;
        ok = false;
        if (n.min_contains == 1)
          add(rep, error_kind::contains, "/contains", "no item matches the contains schema");
        else
          add(rep, error_kind::min_contains, "/minContains",
              "fewer than " + std::to_string(n.min_contains) + " items match the contains schema");
      }
      if (matches > n.max_contains) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::max_contains, "/maxContains",
            "more than " + std::to_string(n.max_contains) + " items match the contains schema");
      }
    }
    return ok;
  }

  // Pairwise for short arrays (no allocation); sorted indices for long ones,
  // so a hostile 100k-item array costs n log n, not n^2. nlohmann's `<` is
  // a strict weak order that agrees with its `==` (1 and 1.0 are equivalent).
  template <class Array>
  static bool all_unique(const Array& arr, std::size_t& first, std::size_t& second) {
    const std::size_t size = arr.size();
    if (size <= 32) {
      for (std::size_t i = 0; i < size; ++i)
        for (std::size_t j = i + 1; j < size; ++j)
          if (arr[i] == arr[j]) {
            first = i;
            second = j;
            return false;
          }
      return true;
    }
    std::vector<std::size_t> order(size);
    for (std::size_t i = 0; i < size; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return arr[a] < arr[b]; });
    for (std::size_t i = 1; i < size; ++i)
      if (arr[order[i - 1]] == arr[order[i]]) {
        first = std::min(order[i - 1], order[i]);
        second = std::max(order[i - 1], order[i]);
        return false;
      }
    return true;
  }

  template <bool R>
  bool objects(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
               unsigned depth) const {
    const auto& obj = inst.template get_ref<const typename Json::object_t&>();  // plain map iterators are cheaper
    bool ok = true;
    const std::size_t size = inst.size();
    if (size < n.min_properties) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_properties, "/minProperties",
          "object has " + std::to_string(size) + " properties, fewer than the minimum " + std::to_string(n.min_properties));
    }
    if (size > n.max_properties) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_properties, "/maxProperties",
          "object has " + std::to_string(size) + " properties, more than the maximum " + std::to_string(n.max_properties));
    }
    for (const auto& name : n.required_extra) {
      if (obj.find(name) == obj.end()) {
        if constexpr (!R) return false;
        ok = false;
        report_missing<R>(n, inst, rep);
        break;
      }
    }
    for (const auto& dep : n.dependent_required) {
      if (obj.find(dep.name) == obj.end()) continue;
      for (const auto& name : dep.required) {
        if (obj.find(name) == obj.end()) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::dependent_required, n.dependent_required_keyword,
              "property " + shown(Json(dep.name)) + " requires property " + shown(Json(name)));
        }
      }
    }
    if (!n.properties.empty() || !n.pattern_properties.empty() || n.additional_properties != no_node) {
      const bool additional_forbidden =
          n.additional_properties != no_node && t_.nodes[n.additional_properties].is_false;
      std::size_t pi = 0;
      std::size_t required_seen = 0;
      for (const auto& [key, value] : obj) {
        bool matched = false;
        // instance members and `properties` are both sorted by key: merge
        int order = 1;
        const std::uint64_t kp = name_prefix(key);
        while (pi < n.properties.size() &&
               (order = compare_names(n.properties[pi].prefix, n.properties[pi].name, kp, key)) < 0)
          ++pi;
        if (pi < n.properties.size() && order == 0) {
          matched = true;
          required_seen += n.properties[pi].required ? 1 : 0;
          path_push<R> k(kw(rep), "/properties/", key);
          path_push<R> p(at(rep), "/", key);
          if (!child<R>(n.properties[pi].schema, value, scope, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
        for (const auto& pp : n.pattern_properties) {
          if (!t_.regexes[pp.regex].search(key)) continue;
          matched = true;
          path_push<R> k(kw(rep), "/patternProperties/", pp.source);
          path_push<R> p(at(rep), "/", key);
          if (!child<R>(pp.schema, value, scope, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
        if (!matched && n.additional_properties != no_node) {
          matched = true;
          if (additional_forbidden) {
            if constexpr (!R) return false;
            ok = false;
            path_push<R> p(at(rep), "/", key);
            add(rep, error_kind::additional_properties, "/additionalProperties",
                "additional property " + shown(Json(key)) + " is not allowed");
          } else {
            path_push<R> k(kw(rep), "/additionalProperties");
            path_push<R> p(at(rep), "/", key);
            if (!child<R>(n.additional_properties, value, scope, rep, depth + 1)) {
              if constexpr (!R) return false;
              ok = false;
            }
          }
        }
        if (sink != nullptr && matched) sink->props.push_back(&value);
      }
      if (required_seen != n.required_in_properties) {
        if constexpr (!R) return false;
        if (missing_extra(n, inst) == 0) report_missing<R>(n, inst, rep);  // else reported above
        ok = false;
      }
    }
    if (n.property_names != no_node) {
      for (const auto& member : obj) {
        Json name = member.first;
        if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::property_names, "/propertyNames",
              "property name " + shown(name) + " does not match the propertyNames schema");
        }
      }
    }
    for (const auto& dep : n.dependent_schemas) {
      if (obj.find(dep.name) == obj.end()) continue;
      path_push<R> k(kw(rep), n.dependent_schemas_keyword, dep.name);
      if (!eval<R>(dep.schema, inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    return ok;
  }

  static std::size_t missing_extra(const node& n, const Json& inst) {
    std::size_t missing = 0;
    const auto& obj = inst.template get_ref<const typename Json::object_t&>();
    for (const auto& name : n.required_extra) missing += obj.find(name) == obj.end() ? 1 : 0;
    return missing;
  }

  // One error per missing `required` name, in the schema's order.
  template <bool R>
  static void report_missing(const node& n, const Json& inst, report* rep) {
    if constexpr (R) {
      for (const auto& name : n.required)
        if (inst.find(name) == inst.end())
          add(rep, error_kind::required, "/required", "missing required property " + shown(Json(name)));
    }
  }

  // The node a $dynamicRef lands on in this dynamic scope: the outermost
  // resource declaring the same $dynamicAnchor, when the ref is bookended.
  [[nodiscard]] node_id dynamic_target(const node& n, const scope_frame* scope) const noexcept {
    node_id target = n.dynamic_ref;
    if (n.dynamic_name.empty()) return target;
    for (const scope_frame* f = scope; f != nullptr; f = f->parent)
      for (const auto& a : t_.resources[f->resource].dynamic_anchors)
        if (a.name == n.dynamic_name) {
          target = a.schema;  // keep walking: the outermost one wins
          break;
        }
    return target;
  }

  template <bool R>
  bool refs(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
            unsigned depth) const {
    bool ok = true;
    if (n.ref != no_node) {
      path_push<R> k(kw(rep), "/$ref");
      if (!eval<R>(n.ref, inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    if (n.dynamic_ref != no_node) {
      path_push<R> k(kw(rep), "/$dynamicRef");
      if (!eval<R>(dynamic_target(n, scope), inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    return ok;
  }

  // A subschema whose failure does not by itself fail the parent: evaluated
  // quietly, its annotations kept only when it passes.
  bool branch(node_id id, const Json& inst, const scope_frame* scope, annotations* sink,
              unsigned depth) const {
    if (sink == nullptr) return eval<false>(id, inst, scope, nullptr, nullptr, depth + 1);
    annotations mine;
    bool valid = eval<false>(id, inst, scope, &mine, nullptr, depth + 1);
    if (valid) sink->merge(mine);
    return valid;
  }

  // ---- anyOf / oneOf failures: the closest branch's own errors ----------
  // A tagged union's branches each pin one property (`const`, or an `enum`
  // of one value); the instance's value of it says which branch was meant.
  struct discriminator {
    const std::string* name;
    const Json* value;
  };
  void discriminators(node_id id, std::vector<discriminator>& out, int hops = 0) const {
    if (hops > 8) return;
    const node& b = t_.nodes[id];
    for (const auto& p : b.properties) {
      const node& c = t_.nodes[p.schema];
      if ((c.has & h_const) != 0) out.push_back({&p.name, &c.const_value});
      else if ((c.has & h_enum) != 0 && c.enum_values.size() == 1) out.push_back({&p.name, &c.enum_values[0]});
    }
    if (b.ref != no_node) discriminators(b.ref, out, hops + 1);
    for (node_id a : b.all_of) discriminators(a, out, hops + 1);
  }

  // Records the branch that came closest: the one whose discriminator the
  // instance matches, else the one with the fewest errors (a branch of the
  // wrong type counts as farthest). Its errors follow one summary error.
  void report_closest(const std::vector<node_id>& branches, std::string_view keyword, error_kind kind,
                      const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
    const std::string group(keyword.substr(1, keyword.size() - 2));  // "anyOf"
    std::size_t best = branches.size();
    std::string why;
    if (inst.is_object()) {
      std::vector<std::string> tags;  // "name": value of every branch, for the message
      const std::string* tag_name = nullptr;
      for (std::size_t i = 0; i < branches.size() && best == branches.size(); ++i) {
        std::vector<discriminator> ds;
        discriminators(branches[i], ds);
        bool present = false, equal = true;
        for (const auto& d : ds) {
          auto it = inst.find(*d.name);
          if (it == inst.end()) continue;
          present = true;
          tag_name = d.name;
          tags.push_back(shown(*d.value, 40));
          equal = equal && *it == *d.value;
        }
        if (present && equal) {
          best = i;
          why = " (its discriminator " + shown(Json(*tag_name)) + " matches)";
        }
      }
      if (best == branches.size() && tag_name != nullptr) {
        std::string allowed;
        for (std::size_t i = 0; i < tags.size(); ++i) allowed += (i == 0 ? "" : ", ") + tags[i];
        add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
            "value matches none of the " + group + " schemas: property " + shown(Json(*tag_name)) + " is " +
                shown(inst.at(*tag_name)) + ", expected one of [" + cut_text(allowed, list_limit) + "]");
        return;
      }
    }
    std::vector<std::vector<validation_error>> found(branches.size());
    auto run = [&](std::size_t i) {
      report mine{&found[i], rep->instance, rep->keyword};
      path_push<true> k(&mine.keyword, keyword, i);
      (void)eval<true>(branches[i], inst, scope, nullptr, &mine, depth + 1);
    };
    if (best != branches.size()) {
      run(best);
    } else {
      std::size_t best_score = std::numeric_limits<std::size_t>::max();
      for (std::size_t i = 0; i < branches.size(); ++i) {
        run(i);
        std::size_t score = found[i].size();
        for (const auto& e : found[i])
          if (e.kind == error_kind::type && e.instance_location == rep->instance) score += 1000;  // wrong kind of value
        if (score < best_score) {
          best_score = score;
          best = i;
        }
      }
    }
    auto& errors = found[best];
    std::string first = errors.empty() ? std::string("it fails") : "it fails: " + errors.front().message;
    add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
        "value matches none of the " + std::to_string(branches.size()) + " " + group + " schemas; the closest is " +
            group + "/" + std::to_string(best) + why + " and " + first);
    for (auto& e : errors) rep->out->push_back(std::move(e));
  }

  template <bool R>
  bool in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const {
    bool ok = true;
    for (std::size_t i = 0; i < n.all_of.size(); ++i) {
      path_push<R> k(kw(rep), "/allOf/", i);
      if (!eval<R>(n.all_of[i], inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    if (!n.any_of.empty()) {
      bool any = false;
      for (node_id c : n.any_of) {
        if (branch(c, inst, scope, sink, depth)) {
          any = true;
          if (sink == nullptr) break;  // annotations need every passing branch
        }
      }
      if (!any) {
        if constexpr (!R) return false;
        ok = false;
        if constexpr (R) report_closest(n.any_of, "/anyOf/", error_kind::any_of, inst, scope, rep, depth);
      }
    }
    if (!n.one_of.empty()) {
      std::size_t count = 0;
      std::size_t first = 0, second = 0;
      for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) {
        if (branch(n.one_of[i], inst, scope, sink, depth)) {
          (count == 0 ? first : second) = i;
          ++count;
        }
      }
      if (count != 1) {
        if constexpr (!R) return false;
        ok = false;
        if constexpr (R) {
          if (count == 0)
            report_closest(n.one_of, "/oneOf/", error_kind::one_of, inst, scope, rep, depth);
          else
            add(rep, error_kind::one_of, "/oneOf",
                "value matches more than one oneOf schema (" + std::to_string(first) + " and " +
                    std::to_string(second) + "); it must match exactly one");
        }
      }
    }
    if (n.not_schema != no_node && eval<false>(n.not_schema, inst, scope, nullptr, nullptr, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::not_schema, "/not", "value must not match the not schema");
    }
    if (n.if_schema != no_node) {
      if (branch(n.if_schema, inst, scope, sink, depth)) {
        if (n.then_schema != no_node) {
          path_push<R> k(kw(rep), "/then");
          if (!eval<R>(n.then_schema, inst, scope, sink, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
      } else if (n.else_schema != no_node) {
        path_push<R> k(kw(rep), "/else");
        if (!eval<R>(n.else_schema, inst, scope, sink, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    }
    return ok;
  }

  template <bool R>
  bool unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
                   report* rep, unsigned depth) const {
    bool ok = true;
    if (n.unevaluated_properties != no_node && inst.is_object()) {
      const bool forbidden = t_.nodes[n.unevaluated_properties].is_false;
      if (!local.all_props) {
        for (auto it = inst.begin(); it != inst.end(); ++it) {
          const Json* v = &it.value();
          if (std::find(local.props.begin(), local.props.end(), v) != local.props.end()) continue;
          path_push<R> p(at(rep), "/", it.key());
          if (forbidden) {
            if constexpr (!R) return false;
            ok = false;
            add(rep, error_kind::unevaluated_properties, "/unevaluatedProperties",
                "property " + shown(Json(it.key())) + " is not allowed (not evaluated by any keyword)");
            continue;
          }
          path_push<R> k(kw(rep), "/unevaluatedProperties");
          if (!eval<R>(n.unevaluated_properties, *v, scope, nullptr, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
      }
      local.all_props = true;
    }
    if (n.unevaluated_items != no_node && inst.is_array()) {
      const bool forbidden = t_.nodes[n.unevaluated_items].is_false;
      if (!local.all_items) {
        for (std::size_t i = local.items; i < inst.size(); ++i) {
          if (std::find(local.item_indices.begin(), local.item_indices.end(), i) != local.item_indices.end()) continue;
          path_push<R> p(at(rep), "/", i);
          if (forbidden) {
            if constexpr (!R) return false;
            ok = false;
            add(rep, error_kind::unevaluated_items, "/unevaluatedItems",
                "item " + std::to_string(i) + " is not allowed (unevaluated)");
            continue;
          }
          path_push<R> k(kw(rep), "/unevaluatedItems");
          if (!eval<R>(n.unevaluated_items, inst[i], scope, nullptr, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
      }
      local.all_items = true;
    }
    return ok;
  }

  const tree& t_;
};

/// `tree::validate_fn`: the fast path.
template <class Json>
bool run_validate(const tree& t, const Json& instance) noexcept {
  try {
    return evaluator<Json>(t).fast(t.root, instance, nullptr, 0);
  } catch (...) {  // only std::bad_alloc can get here; an instance we could not check is not valid
    return false;
  }
}

/// `tree::check_fn`: every failure.
template <class Json>
void run_check(const tree& t, const Json& instance, std::vector<validation_error>& out) {
  basic_report<Json> rep{&out, {}, {}};
  bool ok = evaluator<Json>(t).template eval<true>(t.root, instance, nullptr, nullptr, &rep, 0);
  if (!ok && out.empty()) out.push_back({"", "", error_kind::false_schema, "instance is not valid"});
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
// ---- end aura/schema/detail/evaluator.hpp
// ---- begin aura/schema/detail/metaschemas.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
// aura/schema/detail/metaschemas.hpp - the metaschemas of draft 7 and
// 2020-12 (with its vocabulary metaschemas), shipped as data so that `$ref`
// and `$schema` to them resolve offline. Parsed once, on first use.

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace aura::schema::detail {

inline constexpr std::string_view draft7_uri = "http://json-schema.org/draft-07/schema";
inline constexpr std::string_view draft2020_12_uri = "https://json-schema.org/draft/2020-12/schema";

inline constexpr const char* metaschema_draft7 = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "http://json-schema.org/draft-07/schema#",
  "title": "Core schema meta-schema",
  "definitions": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
    "nonNegativeInteger": {"type": "integer", "minimum": 0},
    "nonNegativeIntegerDefault0": {"allOf": [{"$ref": "#/definitions/nonNegativeInteger"}, {"default": 0}]},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "default": []}
  },
  "type": ["object", "boolean"],
  "properties": {
    "$id": {"type": "string", "format": "uri-reference"},
    "$schema": {"type": "string", "format": "uri"},
    "$ref": {"type": "string", "format": "uri-reference"},
    "$comment": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": true,
    "readOnly": {"type": "boolean", "default": false},
    "writeOnly": {"type": "boolean", "default": false},
    "examples": {"type": "array", "items": true},
    "multipleOf": {"type": "number", "exclusiveMinimum": 0},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "number"},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "number"},
    "maxLength": {"$ref": "#/definitions/nonNegativeInteger"},
    "minLength": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "additionalItems": {"$ref": "#"},
    "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/schemaArray"}], "default": true},
    "maxItems": {"$ref": "#/definitions/nonNegativeInteger"},
    "minItems": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "contains": {"$ref": "#"},
    "maxProperties": {"$ref": "#/definitions/nonNegativeInteger"},
    "minProperties": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "required": {"$ref": "#/definitions/stringArray"},
    "additionalProperties": {"$ref": "#"},
    "definitions": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "properties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$ref": "#"},
                          "propertyNames": {"format": "regex"}, "default": {}},
    "dependencies": {"type": "object",
                     "additionalProperties": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/stringArray"}]}},
    "propertyNames": {"$ref": "#"},
    "const": true,
    "enum": {"type": "array", "items": true},
    "type": {"anyOf": [{"$ref": "#/definitions/simpleTypes"},
                       {"type": "array", "items": {"$ref": "#/definitions/simpleTypes"}, "minItems": 1,
                        "uniqueItems": true}]},
    "format": {"type": "string"},
    "contentMediaType": {"type": "string"},
    "contentEncoding": {"type": "string"},
    "if": {"$ref": "#"},
    "then": {"$ref": "#"},
    "else": {"$ref": "#"},
    "allOf": {"$ref": "#/definitions/schemaArray"},
    "anyOf": {"$ref": "#/definitions/schemaArray"},
    "oneOf": {"$ref": "#/definitions/schemaArray"},
    "not": {"$ref": "#"}
  },
  "default": true
})json";

inline constexpr const char* metaschema_2020_12 = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/schema",
  "$vocabulary": {
    "https://json-schema.org/draft/2020-12/vocab/core": true,
    "https://json-schema.org/draft/2020-12/vocab/applicator": true,
    "https://json-schema.org/draft/2020-12/vocab/unevaluated": true,
    "https://json-schema.org/draft/2020-12/vocab/validation": true,
    "https://json-schema.org/draft/2020-12/vocab/meta-data": true,
    "https://json-schema.org/draft/2020-12/vocab/format-annotation": true,
    "https://json-schema.org/draft/2020-12/vocab/content": true
  },
  "$dynamicAnchor": "meta",
  "title": "Core and Validation specifications meta-schema",
  "allOf": [
    {"$ref": "meta/core"},
    {"$ref": "meta/applicator"},
    {"$ref": "meta/unevaluated"},
    {"$ref": "meta/validation"},
    {"$ref": "meta/meta-data"},
    {"$ref": "meta/format-annotation"},
    {"$ref": "meta/content"}
  ],
  "type": ["object", "boolean"],
  "$comment": "This meta-schema also defines keywords that have appeared in previous drafts in order to prevent incompatible extensions as they remain in common use.",
  "properties": {
    "definitions": {"$comment": "\"definitions\" has been replaced by \"$defs\".",
                    "type": "object", "additionalProperties": {"$dynamicRef": "#meta"},
                    "deprecated": true, "default": {}},
    "dependencies": {"$comment": "\"dependencies\" has been split and replaced by \"dependentSchemas\" and \"dependentRequired\" in order to serve their differing semantics.",
                     "type": "object",
                     "additionalProperties": {"anyOf": [{"$dynamicRef": "#meta"},
                                                        {"$ref": "meta/validation#/$defs/stringArray"}]},
                     "deprecated": true, "default": {}},
    "$recursiveAnchor": {"$comment": "\"$recursiveAnchor\" has been replaced by \"$dynamicAnchor\".",
                         "$ref": "meta/core#/$defs/anchorString", "deprecated": true},
    "$recursiveRef": {"$comment": "\"$recursiveRef\" has been replaced by \"$dynamicRef\".",
                      "$ref": "meta/core#/$defs/uriReferenceString", "deprecated": true}
  }
})json";

inline constexpr const char* metaschema_2020_12_core = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/core",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true},
  "$dynamicAnchor": "meta",
  "title": "Core vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "$id": {"$ref": "#/$defs/uriReferenceString",
            "$comment": "Non-empty fragments not allowed.", "pattern": "^[^#]*#?$"},
    "$schema": {"$ref": "#/$defs/uriString"},
    "$ref": {"$ref": "#/$defs/uriReferenceString"},
    "$anchor": {"$ref": "#/$defs/anchorString"},
    "$dynamicRef": {"$ref": "#/$defs/uriReferenceString"},
    "$dynamicAnchor": {"$ref": "#/$defs/anchorString"},
    "$vocabulary": {"type": "object", "propertyNames": {"$ref": "#/$defs/uriString"},
                    "additionalProperties": {"type": "boolean"}},
    "$comment": {"type": "string"},
    "$defs": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}}
  },
  "$defs": {
    "anchorString": {"type": "string", "pattern": "^[A-Za-z_][-A-Za-z0-9._]*$"},
    "uriString": {"type": "string", "format": "uri"},
    "uriReferenceString": {"type": "string", "format": "uri-reference"}
  }
})json";

inline constexpr const char* metaschema_2020_12_applicator = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/applicator",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/applicator": true},
  "$dynamicAnchor": "meta",
  "title": "Applicator vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "prefixItems": {"$ref": "#/$defs/schemaArray"},
    "items": {"$dynamicRef": "#meta"},
    "contains": {"$dynamicRef": "#meta"},
    "additionalProperties": {"$dynamicRef": "#meta"},
    "properties": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"},
                          "propertyNames": {"format": "regex"}, "default": {}},
    "dependentSchemas": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
    "propertyNames": {"$dynamicRef": "#meta"},
    "if": {"$dynamicRef": "#meta"},
    "then": {"$dynamicRef": "#meta"},
    "else": {"$dynamicRef": "#meta"},
    "allOf": {"$ref": "#/$defs/schemaArray"},
    "anyOf": {"$ref": "#/$defs/schemaArray"},
    "oneOf": {"$ref": "#/$defs/schemaArray"},
    "not": {"$dynamicRef": "#meta"}
  },
  "$defs": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$dynamicRef": "#meta"}}
  }
})json";

inline constexpr const char* metaschema_2020_12_unevaluated = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/unevaluated",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/unevaluated": true},
  "$dynamicAnchor": "meta",
  "title": "Unevaluated applicator vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "unevaluatedItems": {"$dynamicRef": "#meta"},
    "unevaluatedProperties": {"$dynamicRef": "#meta"}
  }
})json";

inline constexpr const char* metaschema_2020_12_validation = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/validation",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/validation": true},
  "$dynamicAnchor": "meta",
  "title": "Validation vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "type": {"anyOf": [{"$ref": "#/$defs/simpleTypes"},
                       {"type": "array", "items": {"$ref": "#/$defs/simpleTypes"}, "minItems": 1,
                        "uniqueItems": true}]},
    "const": true,
    "enum": {"type": "array", "items": true},
    "multipleOf": {"type": "number", "exclusiveMinimum": 0},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "number"},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "number"},
    "maxLength": {"$ref": "#/$defs/nonNegativeInteger"},
    "minLength": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "maxItems": {"$ref": "#/$defs/nonNegativeInteger"},
    "minItems": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "maxContains": {"$ref": "#/$defs/nonNegativeInteger"},
    "minContains": {"$ref": "#/$defs/nonNegativeInteger", "default": 1},
    "maxProperties": {"$ref": "#/$defs/nonNegativeInteger"},
    "minProperties": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "required": {"$ref": "#/$defs/stringArray"},
    "dependentRequired": {"type": "object", "additionalProperties": {"$ref": "#/$defs/stringArray"}}
  },
  "$defs": {
    "nonNegativeInteger": {"type": "integer", "minimum": 0},
    "nonNegativeIntegerDefault0": {"$ref": "#/$defs/nonNegativeInteger", "default": 0},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "default": []}
  }
})json";

inline constexpr const char* metaschema_2020_12_meta_data = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/meta-data",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/meta-data": true},
  "$dynamicAnchor": "meta",
  "title": "Meta-data vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": true,
    "deprecated": {"type": "boolean", "default": false},
    "readOnly": {"type": "boolean", "default": false},
    "writeOnly": {"type": "boolean", "default": false},
    "examples": {"type": "array", "items": true}
  }
})json";

inline constexpr const char* metaschema_2020_12_format_annotation = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/format-annotation",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/format-annotation": true},
  "$dynamicAnchor": "meta",
  "title": "Format vocabulary meta-schema for annotation results",
  "type": ["object", "boolean"],
  "properties": {"format": {"type": "string"}}
})json";

inline constexpr const char* metaschema_2020_12_format_assertion = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/format-assertion",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/format-assertion": true},
  "$dynamicAnchor": "meta",
  "title": "Format vocabulary meta-schema for assertion results",
  "type": ["object", "boolean"],
  "properties": {"format": {"type": "string"}}
})json";

inline constexpr const char* metaschema_2020_12_content = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/content",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/content": true},
  "$dynamicAnchor": "meta",
  "title": "Content vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "contentEncoding": {"type": "string"},
    "contentMediaType": {"type": "string"},
    "contentSchema": {"$dynamicRef": "#meta"}
  }
})json";

/// The built-in metaschema documents by URI (without fragment), parsed on
/// first use and then shared read-only by every compile. A template so that
/// the JSON parser is instantiated only where compile() is.
template <class Json = nlohmann::json>
[[nodiscard]] const std::map<std::string, Json, std::less<>>& builtin_metaschemas() {
  static const std::map<std::string, Json, std::less<>> docs = [] {
    std::map<std::string, Json, std::less<>> m;
    m.emplace(std::string(draft7_uri), Json::parse(metaschema_draft7));
    m.emplace(std::string(draft2020_12_uri), Json::parse(metaschema_2020_12));
    const std::string meta = "https://json-schema.org/draft/2020-12/meta/";
    m.emplace(meta + "core", Json::parse(metaschema_2020_12_core));
    m.emplace(meta + "applicator", Json::parse(metaschema_2020_12_applicator));
    m.emplace(meta + "unevaluated", Json::parse(metaschema_2020_12_unevaluated));
    m.emplace(meta + "validation", Json::parse(metaschema_2020_12_validation));
    m.emplace(meta + "meta-data", Json::parse(metaschema_2020_12_meta_data));
    m.emplace(meta + "format-annotation", Json::parse(metaschema_2020_12_format_annotation));
    m.emplace(meta + "format-assertion", Json::parse(metaschema_2020_12_format_assertion));
    m.emplace(meta + "content", Json::parse(metaschema_2020_12_content));
    return m;
  }();
  return docs;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
// ---- end aura/schema/detail/metaschemas.hpp

namespace aura::schema::detail {

/// Vocabularies in force for a schema object (2020-12 `$vocabulary`).
enum vocab_bit : std::uint32_t {
  v_applicator = 1u << 0,
  v_validation = 1u << 1,
  v_unevaluated = 1u << 2,
  v_format_assertion = 1u << 3,
  v_default = v_applicator | v_validation | v_unevaluated,
};

/// Thrown inside the compiler only; `compile()` turns it into an error.
struct compile_failure {
  std::string message;
  std::string where;
};

/// A template only so that it is instantiated where compile() is called.
template <class Json = nlohmann::json>
class compiler {
 public:
  explicit compiler(const options& opts) : opts_(opts) {}

  tree run(const Json& schema) {
    std::uint32_t doc = add_document(std::string(root_uri), schema, opts_.default_dialect, v_default);
    t_.root_dialect = scanned_.at({doc, ""}).d;
    t_.root = node_at(doc, "");
    // every dynamic anchor must have a node for the evaluator's scope walk
    for (std::size_t i = 0; i < pending_anchors_.size(); ++i) {
      auto [res, name, loc] = pending_anchors_[i];
      node_id id = node_at(loc.first, loc.second);
      t_.resources[res].dynamic_anchors.push_back({name, id});
    }
    check_cycles();
    t_.validate_fn = &run_validate<Json>;
    t_.check_fn = &run_check<Json>;
    return std::move(t_);
  }

 private:
  static constexpr std::string_view root_uri = "aura:/root.schema.json";
  // std::string, named through Json so that the containers below are
  // generated only where compile() is called, not where this is included
  using text = typename Json::string_t;
  using location = std::pair<std::uint32_t, text>;  // document, JSON pointer

  struct scan_info {
    std::string base;
    dialect d;
    std::uint32_t vocab;
    std::uint32_t resource;
  };

  const options& opts_;
  std::deque<Json> docs_;
  std::vector<text> doc_uri_;
  std::map<location, scan_info> scanned_;
  std::map<text, location, std::less<>> ids_;  // "uri" and "uri#anchor"
  std::map<location, node_id> compiled_;
  std::vector<text> node_where_;
  std::vector<std::tuple<std::uint32_t, std::string, location>> pending_anchors_;
  tree t_;
  std::size_t build_depth_ = 0;
  static constexpr std::size_t max_build_depth = 2000;

  // ---- errors -----------------------------------------------------------
  [[nodiscard]] std::string where(std::uint32_t doc, std::string_view ptr) const {
    std::string w = doc == 0 ? std::string() : doc_uri_[doc];
    w += "#";
    w += ptr;
    return w;
  }
  [[noreturn]] void fail(std::uint32_t doc, std::string_view ptr, std::string message) const {
    throw compile_failure{std::move(message), where(doc, ptr)};
  }

  // ---- dialects and vocabularies ----------------------------------------
  struct dialect_info {
    dialect d;
    std::uint32_t vocab;
  };

  dialect_info dialect_of(std::string_view schema_uri, std::uint32_t doc, const std::string& ptr, int depth = 0) {
    std::string uri(strip_fragment(schema_uri));
    if (uri == draft7_uri || uri == "https://json-schema.org/draft-07/schema") return {dialect::draft7, v_default};
    if (uri == draft2020_12_uri || uri == "http://json-schema.org/draft/2020-12/schema")
      return {dialect::draft2020_12, v_default};
    if (uri.find("json-schema.org/draft-0") != std::string::npos ||
        uri.find("json-schema.org/draft/2019-09") != std::string::npos ||
        uri.find("json-schema.org/schema") != std::string::npos) {
      fail(doc, ptr + "/$schema", "unsupported dialect \"" + std::string(schema_uri) +
                                      "\" (supported: draft 7 and 2020-12)");
    }
    if (depth > 8) fail(doc, ptr + "/$schema", "metaschema chain too long at \"" + uri + "\"");
    // a custom metaschema: its $vocabulary decides
    std::optional<Json> meta;
    if (auto it = ids_.find(uri); it != ids_.end()) {
      meta = json_at(it->second.first, it->second.second);
    } else if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      meta = b->second;
    } else if (opts_.resolve) {
      meta = opts_.resolve(uri);
    }
    if (!meta || !meta->is_object())
      fail(doc, ptr + "/$schema", "cannot resolve metaschema \"" + std::string(schema_uri) + "\"");
    dialect_info info{dialect::draft2020_12, v_default};
    if (auto s = meta->find("$schema"); s != meta->end() && s->is_string() && strip_fragment(s->template get_ref<const std::string&>()) != uri)
      info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr, depth + 1);
    if (auto v = meta->find("$vocabulary"); v != meta->end() && v->is_object()) {
      info.vocab = 0;
      const std::string prefix = "https://json-schema.org/draft/2020-12/vocab/";
      for (auto it = v->begin(); it != v->end(); ++it) {
        const std::string& name = it.key();
        bool required = it.value().is_boolean() && it.value().template get<bool>();
        if (name == prefix + "applicator") info.vocab |= v_applicator;
        else if (name == prefix + "validation") info.vocab |= v_validation;
        else if (name == prefix + "unevaluated") info.vocab |= v_unevaluated;
        else if (name == prefix + "format-assertion") info.vocab |= v_format_assertion;
        else if (name == prefix + "core" || name == prefix + "meta-data" || name == prefix + "format-annotation" ||
                 name == prefix + "content") {
        } else if (required) {
          fail(doc, ptr + "/$schema", "metaschema requires unknown vocabulary \"" + name + "\"");
        }
      }
      info.d = dialect::draft2020_12;
    }
    return info;
  }

  // ---- documents and scanning -------------------------------------------
  std::uint32_t add_document(std::string uri, const Json& doc, dialect d, std::uint32_t vocab) {
    auto idx = static_cast<std::uint32_t>(docs_.size());
    docs_.push_back(doc);
    doc_uri_.push_back(uri);
    ids_.emplace(uri, location{idx, ""});
    scan(idx, "", docs_.back(), uri, d, vocab, new_resource(uri), 0);
    return idx;
  }

  std::uint32_t new_resource(const std::string& uri) {
    t_.resources.push_back(resource{uri, {}});
    return static_cast<std::uint32_t>(t_.resources.size() - 1);
  }

  void scan(std::uint32_t doc, const std::string& ptr, const Json& j, std::string base, dialect d,
            std::uint32_t vocab, std::uint32_t res, std::size_t depth) {
    if (depth > opts_.max_schema_depth) fail(doc, ptr, "schema nested deeper than " + std::to_string(opts_.max_schema_depth));
    if (scanned_.count({doc, ptr}) != 0) return;
    if (!j.is_object()) {
      scanned_.emplace(location{doc, ptr}, scan_info{base, d, vocab, res});
      return;
    }
    if (auto s = j.find("$schema"); s != j.end() && (ptr.empty() || j.contains("$id"))) {
      if (!s->is_string()) fail(doc, ptr + "/$schema", "$schema must be a string");
      auto info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr);
      d = info.d;
      vocab = info.vocab;
    }
    const bool d7 = d == dialect::draft7;
    if (auto id = j.find("$id"); id != j.end() && !(d7 && j.contains("$ref"))) {
      if (!id->is_string()) fail(doc, ptr + "/$id", "$id must be a string");
      const std::string& text = id->template get_ref<const std::string&>();
      std::string resolved = resolve_uri(base, text);
      std::string no_frag(strip_fragment(resolved));
      std::string frag = resolved.size() > no_frag.size() ? resolved.substr(no_frag.size() + 1) : std::string();
      if (!(d7 && !text.empty() && text[0] == '#')) {
        if (no_frag != base || ptr.empty()) {
          base = no_frag;
          if (!ptr.empty()) res = new_resource(base);
          else t_.resources[res].uri = base;
          ids_.emplace(base, location{doc, ptr});
        }
      }
      if (!frag.empty()) ids_.emplace(base + "#" + frag, location{doc, ptr});
    }
    if (!d7) {
      if (auto a = j.find("$anchor"); a != j.end()) {
        if (!a->is_string()) fail(doc, ptr + "/$anchor", "$anchor must be a string");
        ids_.emplace(base + "#" + a->template get<std::string>(), location{doc, ptr});
      }
      if (auto a = j.find("$dynamicAnchor"); a != j.end()) {
        if (!a->is_string()) fail(doc, ptr + "/$dynamicAnchor", "$dynamicAnchor must be a string");
        ids_.emplace(base + "#" + a->template get<std::string>(), location{doc, ptr});
        pending_anchors_.emplace_back(res, a->template get<std::string>(), location{doc, ptr});
      }
    }
    scanned_.emplace(location{doc, ptr}, scan_info{base, d, vocab, res});

    auto sub = [&](const std::string& p, const Json& v) {
      if (v.is_object() || v.is_boolean()) scan(doc, p, v, base, d, vocab, res, depth + 1);
    };
    static constexpr const char* single[] = {"additionalProperties", "propertyNames", "not", "if", "then", "else",
                                             "contains", "unevaluatedItems", "unevaluatedProperties",
                                             "additionalItems", "contentSchema", "items"};
    static constexpr const char* arrays[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
    static constexpr const char* maps[] = {"properties", "patternProperties", "$defs", "definitions",
                                           "dependentSchemas", "dependencies"};
    for (const char* k : single)
      if (auto it = j.find(k); it != j.end()) sub(ptr + "/" + pointer_token(k), *it);
    for (const char* k : arrays)
      if (auto it = j.find(k); it != j.end() && it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i) sub(ptr + "/" + k + "/" + std::to_string(i), (*it)[i]);
    for (const char* k : maps)
      if (auto it = j.find(k); it != j.end() && it->is_object())
        for (auto m = it->begin(); m != it->end(); ++m)
          sub(ptr + "/" + pointer_token(k) + "/" + pointer_token(m.key()), m.value());
  }

  // Scan info for a location never scanned (inside an unknown keyword):
  // the nearest scanned ancestor's, then scan the subtree under it.
  const scan_info& info_at(std::uint32_t doc, const std::string& ptr, const Json& j) {
    if (auto it = scanned_.find({doc, ptr}); it != scanned_.end()) return it->second;
    std::string up = ptr;
    while (true) {
      std::size_t cut = up.rfind('/');
      up = cut == std::string::npos ? std::string() : up.substr(0, cut);
      if (auto it = scanned_.find({doc, up}); it != scanned_.end()) {
        scan_info parent = it->second;
        scan(doc, ptr, j, parent.base, parent.d, parent.vocab, parent.resource, 0);
        return scanned_.at({doc, ptr});
      }
      if (up.empty()) fail(doc, ptr, "location outside any scanned schema");
    }
  }

  const Json* json_ptr(std::uint32_t doc, const std::string& ptr) const {
    std::vector<std::string> tokens;
    if (!split_pointer(ptr, tokens)) return nullptr;
    const Json* cur = &docs_[doc];
    for (const auto& t : tokens) {
      if (cur->is_object()) {
        auto it = cur->find(t);
        if (it == cur->end()) return nullptr;
        cur = &*it;
      } else if (cur->is_array()) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos ||
            (t.size() > 1 && t[0] == '0'))
          return nullptr;
        std::size_t i = std::stoul(t);
        if (i >= cur->size()) return nullptr;
        cur = &(*cur)[i];
      } else {
        return nullptr;
      }
    }
    return cur;
  }
  const Json& json_at(std::uint32_t doc, const std::string& ptr) const {
    const Json* j = json_ptr(doc, ptr);
    if (j == nullptr) fail(doc, ptr, "no such location");
    return *j;
  }

  // ---- references -------------------------------------------------------
  // The document holding `uri` (no fragment): registered, built in, or
  // served by the caller's resolver.
  location find_resource(const std::string& uri, dialect d, std::uint32_t doc, const std::string& ptr) {
    if (auto it = ids_.find(uri); it != ids_.end()) return it->second;
    if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      add_document(uri, b->second, d, v_default);
      return ids_.at(uri);
    }
    if (opts_.resolve) {
      std::optional<Json> remote = opts_.resolve(uri);
      if (remote) {
        add_document(uri, *remote, d, v_default);
        return ids_.at(uri);
      }
    }
    fail(doc, ptr, "cannot resolve \"" + uri + "\"" + (opts_.resolve ? "" : " (no resolver given)"));
  }

  location resolve_ref(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                       const std::string& ptr) {
    std::string abs = resolve_uri(base, ref);
    std::string uri(strip_fragment(abs));
    std::string frag = abs.size() > uri.size() ? abs.substr(uri.size() + 1) : std::string();
    location res = find_resource(uri, d, doc, ptr);
    if (frag.empty()) return res;
    if (frag[0] == '/') {
      location target{res.first, res.second + percent_decode(frag)};
      if (json_ptr(target.first, target.second) == nullptr)
        fail(doc, ptr, "$ref target \"" + abs + "\" does not exist");
      return target;
    }
    auto it = ids_.find(uri + "#" + frag);
    if (it == ids_.end()) fail(doc, ptr, "no anchor \"" + frag + "\" in \"" + uri + "\"");
    return it->second;
  }

  // ---- nodes ------------------------------------------------------------
  node_id node_at(std::uint32_t doc, const std::string& ptr) {
    if (auto it = compiled_.find({doc, ptr}); it != compiled_.end()) return it->second;
    const Json& j = json_at(doc, ptr);
    scan_info info = info_at(doc, ptr, j);
    auto id = static_cast<node_id>(t_.nodes.size());
    t_.nodes.emplace_back();
    node_where_.push_back(where(doc, ptr));
    compiled_.emplace(location{doc, ptr}, id);
    if (++build_depth_ > max_build_depth)
      fail(doc, ptr, "schema nested deeper than " + std::to_string(max_build_depth) + " levels (through $ref)");
    node n = build(doc, ptr, j, info);
    --build_depth_;
    t_.nodes[id] = std::move(n);
    return id;
  }

  static std::string child(const std::string& ptr, std::string_view key) { return ptr + "/" + pointer_token(key); }

  std::size_t count(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (v.is_number_unsigned()) return static_cast<std::size_t>(v.template get<std::uint64_t>());
    if (v.is_number_integer() && v.template get<std::int64_t>() >= 0) return static_cast<std::size_t>(v.template get<std::int64_t>());
    if (v.is_number_float()) {
      double d = v.template get<double>();
      if (d >= 0 && std::floor(d) == d) return d >= 1.8e19 ? no_limit : static_cast<std::size_t>(d);
    }
    fail(doc, p, "must be a non-negative integer");
  }
  double number(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (!v.is_number()) fail(doc, p, "must be a number");
    return v.template get<double>();
  }
  std::vector<std::string> strings(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (!v.is_array()) fail(doc, p, "must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(doc, p + "/" + std::to_string(i), "must be a string");
      out.push_back(v[i].template get<std::string>());
    }
    return out;
  }
  node_id schema_child(std::uint32_t doc, const std::string& p, const Json& v) {
    if (!v.is_object() && !v.is_boolean()) fail(doc, p, "a schema must be an object or a boolean");
    return node_at(doc, p);
  }
  std::vector<node_id> schema_array(std::uint32_t doc, const std::string& p, const Json& v,
                                    bool non_empty) {
    if (!v.is_array() || (non_empty && v.empty()))
      fail(doc, p, non_empty ? "must be a non-empty array of schemas" : "must be an array of schemas");
    std::vector<node_id> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(schema_child(doc, p + "/" + std::to_string(i), v[i]));
    return out;
  }
  std::uint32_t compile_regex(const std::string& source, std::uint32_t doc, const std::string& p) {
    regex re;
    std::string err;
    if (!re.compile(source, opts_.regex, err)) fail(doc, p, "invalid regex " + shown(Json(source)) + ": " + err);
    t_.regexes.push_back(std::move(re));
    return static_cast<std::uint32_t>(t_.regexes.size() - 1);
  }

  node build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info) {
    node n;
    n.resource = info.resource;
    if (j.is_boolean()) {
      n.is_false = !j.template get<bool>();
      return n;
    }
    if (!j.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");
    const bool d7 = info.d == dialect::draft7;
    auto find = [&](const char* k) { return j.find(k); };
    auto end = j.end();

    if (auto r = find("$ref"); r != end) {
      if (!r->is_string()) fail(doc, child(ptr, "$ref"), "$ref must be a string");
      location target = resolve_ref(info.base, r->template get<std::string>(), info.d, doc, child(ptr, "$ref"));
      n.ref = node_at(target.first, target.second);
      n.has |= h_ref;
      if (d7) return n;  // draft 7: $ref overrides its siblings
    }
    if (!d7) {
      if (auto r = find("$dynamicRef"); r != end) {
        if (!r->is_string()) fail(doc, child(ptr, "$dynamicRef"), "$dynamicRef must be a string");
        const std::string text = r->template get<std::string>();
        location target = resolve_ref(info.base, text, info.d, doc, child(ptr, "$dynamicRef"));
        n.dynamic_ref = node_at(target.first, target.second);
        n.has |= h_ref;
        std::string abs = resolve_uri(info.base, text);
        std::size_t hash = abs.find('#');
        std::string frag = hash == std::string::npos ? std::string() : abs.substr(hash + 1);
        if (!frag.empty() && frag[0] != '/') {
          const Json& tj = json_at(target.first, target.second);
          auto da = tj.is_object() ? tj.find("$dynamicAnchor") : tj.end();
          if (tj.is_object() && da != tj.end() && da->is_string() && da->template get<std::string>() == frag)
            n.dynamic_name = frag;  // bookended: look it up in the dynamic scope
        }
      }
    }

    // -- validation vocabulary
    if ((info.vocab & v_validation) != 0) {
      if (auto t = find("type"); t != end) {
        auto bit = [&](const Json& v, const std::string& p) -> std::uint8_t {
          if (!v.is_string()) fail(doc, p, "type must be a string or an array of strings");
          const std::string& s = v.template get_ref<const std::string&>();
          if (s == "null") return t_null;
          if (s == "boolean") return t_boolean;
          if (s == "object") return t_object;
          if (s == "array") return t_array;
          if (s == "number") return t_number | t_integer;
          if (s == "string") return t_string;
          if (s == "integer") return t_integer;
          fail(doc, p, "unknown type \"" + s + "\"");
        };
        if (t->is_array()) {
          for (std::size_t i = 0; i < t->size(); ++i) n.types |= bit((*t)[i], child(ptr, "type") + "/" + std::to_string(i));
        } else {
          n.types = bit(*t, child(ptr, "type"));
        }
        n.has |= h_type;
      }
      if (auto c = find("const"); c != end) {
        n.const_value = *c;
        n.has |= h_const;
      }
      if (auto e = find("enum"); e != end) {
        if (!e->is_array()) fail(doc, child(ptr, "enum"), "enum must be an array");
        n.enum_values.assign(e->begin(), e->end());
        bool all_strings = !e->empty();
        for (const auto& v : *e) all_strings = all_strings && v.is_string();
        if (all_strings)
          for (const auto& v : *e) {
            n.enum_strings.push_back(v.template get<std::string>());
            n.enum_prefixes.push_back(name_prefix(n.enum_strings.back()));
          }
        n.has |= h_enum;
      }
      auto num_kw = [&](const char* k, bool& has, double& into) {
        if (auto v = find(k); v != end) {
          into = number(*v, doc, child(ptr, k));
          has = true;
          n.has |= h_number;
        }
      };
      num_kw("minimum", n.has_minimum, n.minimum);
      num_kw("maximum", n.has_maximum, n.maximum);
      num_kw("exclusiveMinimum", n.has_xmin, n.exclusive_minimum);
      num_kw("exclusiveMaximum", n.has_xmax, n.exclusive_maximum);
      num_kw("multipleOf", n.has_multiple, n.multiple_of);
      if (n.has_multiple && !(n.multiple_of > 0)) fail(doc, child(ptr, "multipleOf"), "multipleOf must be greater than 0");
      if (n.has_multiple) {
        const Json& m = *find("multipleOf");
        if (m.is_number_unsigned() || m.is_number_integer()) {
          n.multiple_int = m.is_number_unsigned() ? m.template get<std::uint64_t>()
                                                  : static_cast<std::uint64_t>(m.template get<std::int64_t>());
          n.multiple_exact = normalized(n.multiple_int, 0);
        } else {
          n.multiple_exact = decimal_of(n.multiple_of);
          // an integral float below 2^64 is an integer divisor too
          if (n.multiple_exact.exponent >= 0 && n.multiple_of < 1.8e19)
            n.multiple_int = static_cast<std::uint64_t>(n.multiple_of);
        }
      }
      auto count_kw = [&](const char* k, std::size_t& into, std::uint32_t group) {
        if (auto v = find(k); v != end) {
          into = count(*v, doc, child(ptr, k));
          n.has |= group;
        }
      };
      count_kw("minLength", n.min_length, h_string);
      count_kw("maxLength", n.max_length, h_string);
      count_kw("minItems", n.min_items, h_array);
      count_kw("maxItems", n.max_items, h_array);
      count_kw("minProperties", n.min_properties, h_object);
      count_kw("maxProperties", n.max_properties, h_object);
      if (auto p = find("pattern"); p != end) {
        if (!p->is_string()) fail(doc, child(ptr, "pattern"), "pattern must be a string");
        n.pattern_source = p->template get<std::string>();
        n.pattern = compile_regex(n.pattern_source, doc, child(ptr, "pattern"));
        n.has |= h_string;
      }
      if (auto u = find("uniqueItems"); u != end) {
        if (!u->is_boolean()) fail(doc, child(ptr, "uniqueItems"), "uniqueItems must be a boolean");
        n.unique_items = u->template get<bool>();
        if (n.unique_items) n.has |= h_array;
      }
      if (auto r = find("required"); r != end) {
        n.required = strings(*r, doc, child(ptr, "required"));
        if (!n.required.empty()) n.has |= h_object;
      }
      if (!d7) {
        if (auto dr = find("dependentRequired"); dr != end) {
          if (!dr->is_object()) fail(doc, child(ptr, "dependentRequired"), "dependentRequired must be an object");
          for (auto it = dr->begin(); it != dr->end(); ++it)
            n.dependent_required.push_back(
                {it.key(), strings(it.value(), doc, child(child(ptr, "dependentRequired"), it.key()))});
          n.has |= h_object;
        }
      }
    }
    if (auto f = find("format"); f != end) {
      if (!f->is_string()) fail(doc, child(ptr, "format"), "format must be a string");
      n.format_name = f->template get<std::string>();
      n.format = format_from_name(n.format_name);
      n.assert_format = (opts_.assert_format || (info.vocab & v_format_assertion) != 0) && n.format != format_id::unknown;
      if (n.assert_format) n.has |= h_string;
    }

    // -- applicator vocabulary
    if ((info.vocab & v_applicator) != 0) {
      if (auto it = find("properties"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "properties"), "properties must be an object");
        for (auto m = it->begin(); m != it->end(); ++m)
          n.properties.push_back({m.key(), schema_child(doc, child(child(ptr, "properties"), m.key()), m.value()), false,
                                  name_prefix(m.key())});
        n.has |= h_object;  // sorted already: nlohmann objects iterate in key order
      }
      if (auto it = find("patternProperties"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "patternProperties"), "patternProperties must be an object");
        for (auto m = it->begin(); m != it->end(); ++m) {
          std::string p = child(child(ptr, "patternProperties"), m.key());
          std::uint32_t re = compile_regex(m.key(), doc, p);
          n.pattern_properties.push_back({re, schema_child(doc, p, m.value()), m.key()});
        }
        n.has |= h_object;
      }
      if (auto it = find("additionalProperties"); it != end) {
        n.additional_properties = schema_child(doc, child(ptr, "additionalProperties"), *it);
        n.has |= h_object;
      }
      if (auto it = find("propertyNames"); it != end) {
        n.property_names = schema_child(doc, child(ptr, "propertyNames"), *it);
        n.has |= h_object;
      }
      if (d7) {
        if (auto it = find("dependencies"); it != end) {
          if (!it->is_object()) fail(doc, child(ptr, "dependencies"), "dependencies must be an object");
          n.dependent_required_keyword = "/dependencies";
          n.dependent_schemas_keyword = "/dependencies/";
          for (auto m = it->begin(); m != it->end(); ++m) {
            std::string p = child(child(ptr, "dependencies"), m.key());
            if (m.value().is_array())
              n.dependent_required.push_back({m.key(), strings(m.value(), doc, p)});
            else
              n.dependent_schemas.push_back({m.key(), schema_child(doc, p, m.value())});
          }
          n.has |= h_object;
        }
      } else if (auto it = find("dependentSchemas"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "dependentSchemas"), "dependentSchemas must be an object");
        for (auto m = it->begin(); m != it->end(); ++m)
          n.dependent_schemas.push_back(
              {m.key(), schema_child(doc, child(child(ptr, "dependentSchemas"), m.key()), m.value())});
        n.has |= h_object;
      }
      // arrays
      if (d7) {
        n.prefix_keyword = "items";
        n.items_keyword = "additionalItems";
        if (auto it = find("items"); it != end) {
          if (it->is_array()) {
            n.prefix_items = schema_array(doc, child(ptr, "items"), *it, false);
            if (auto a = find("additionalItems"); a != end) {
              n.items = schema_child(doc, child(ptr, "additionalItems"), *a);
              n.items_is_additional = true;
            }
          } else {
            n.items = schema_child(doc, child(ptr, "items"), *it);
            n.items_keyword = "items";
          }
          n.has |= h_array;
        }
      } else {
        if (auto it = find("prefixItems"); it != end) {
          n.prefix_items = schema_array(doc, child(ptr, "prefixItems"), *it, true);
          n.has |= h_array;
        }
        if (auto it = find("items"); it != end) {
          if (it->is_array()) fail(doc, child(ptr, "items"), "items must be a schema in 2020-12 (use prefixItems for tuples)");
          n.items = schema_child(doc, child(ptr, "items"), *it);
          n.has |= h_array;
        }
      }
      if (auto it = find("contains"); it != end) {
        n.contains = schema_child(doc, child(ptr, "contains"), *it);
        n.has |= h_array;
        if (!d7 && (info.vocab & v_validation) != 0) {
          if (auto m = find("minContains"); m != end) n.min_contains = count(*m, doc, child(ptr, "minContains"));
          if (auto m = find("maxContains"); m != end) n.max_contains = count(*m, doc, child(ptr, "maxContains"));
        }
      }
      // in place
      if (auto it = find("allOf"); it != end) {
        n.all_of = schema_array(doc, child(ptr, "allOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("anyOf"); it != end) {
        n.any_of = schema_array(doc, child(ptr, "anyOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("oneOf"); it != end) {
        n.one_of = schema_array(doc, child(ptr, "oneOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("not"); it != end) {
        n.not_schema = schema_child(doc, child(ptr, "not"), *it);
        n.has |= h_inplace;
      }
      if (auto it = find("if"); it != end) {
        n.if_schema = schema_child(doc, child(ptr, "if"), *it);
        if (auto t = find("then"); t != end) n.then_schema = schema_child(doc, child(ptr, "then"), *t);
        if (auto e = find("else"); e != end) n.else_schema = schema_child(doc, child(ptr, "else"), *e);
        n.has |= h_inplace;
      }
    }
    if (!d7 && (info.vocab & v_unevaluated) != 0) {
      if (auto it = find("unevaluatedProperties"); it != end) {
        n.unevaluated_properties = schema_child(doc, child(ptr, "unevaluatedProperties"), *it);
        n.has |= h_unevaluated;
      }
      if (auto it = find("unevaluatedItems"); it != end) {
        n.unevaluated_items = schema_child(doc, child(ptr, "unevaluatedItems"), *it);
        n.has |= h_unevaluated;
      }
    }
    // `required` names that `properties` lists are checked during the walk
    // over the instance's members; only the others need a lookup each
    if (!n.required.empty()) {
      std::vector<std::string> names = n.required;
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      for (auto& name : names) {
        auto it = std::lower_bound(n.properties.begin(), n.properties.end(), name,
                                   [](const named_node& p, const std::string& k) { return p.name < k; });
        if (it != n.properties.end() && it->name == name) {
          it->required = true;
          ++n.required_in_properties;
        } else {
          n.required_extra.push_back(name);
        }
      }
    }
    // definitions are compiled too, so a broken one is an error even unused
    for (const char* k : {"$defs", "definitions"}) {
      if ((k[0] == '$') == d7) continue;
      if (auto it = find(k); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, k), std::string(k) + " must be an object");
        for (auto m = it->begin(); m != it->end(); ++m) (void)schema_child(doc, child(child(ptr, k), m.key()), m.value());
      }
    }
    return n;
  }

  // A cycle of in-place applicators ($ref, allOf, ...) never reaches a
  // deeper instance location: evaluating it could not terminate.
  void check_cycles() const {
    const std::size_t n = t_.nodes.size();
    std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on stack, 2 done
    auto edges = [&](node_id id) {
      const node& x = t_.nodes[id];
      std::vector<node_id> out = x.all_of;
      out.insert(out.end(), x.any_of.begin(), x.any_of.end());
      out.insert(out.end(), x.one_of.begin(), x.one_of.end());
      for (node_id e : {x.ref, x.dynamic_ref, x.not_schema, x.if_schema, x.then_schema, x.else_schema})
        if (e != no_node) out.push_back(e);
      for (const auto& d : x.dependent_schemas) out.push_back(d.schema);
      return out;
    };
    for (node_id start = 0; start < n; ++start) {
      if (state[start] != 0) continue;
      std::vector<std::pair<node_id, std::vector<node_id>>> dfs;
      dfs.emplace_back(start, edges(start));
      state[start] = 1;
      while (!dfs.empty()) {
        auto& [id, out] = dfs.back();
        if (out.empty()) {
          state[id] = 2;
          dfs.pop_back();
          continue;
        }
        node_id next = out.back();
        out.pop_back();
        if (state[next] == 1) {
          throw compile_failure{"$ref cycle that never moves into the instance (evaluation would not terminate)",
                                node_where_[next]};
        }
        if (state[next] == 0) {
          state[next] = 1;
          dfs.emplace_back(next, edges(next));
        }
      }
    }
  }
};

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
// ---- end aura/schema/detail/compiler.hpp

namespace aura::schema {

/// Compiles `schema` (dialect from `$schema`, else `opts.default_dialect`).
/// A bad schema - wrong keyword type, unresolvable `$ref`, invalid regex,
/// a `$ref` cycle that never consumes input - is an `errc::schema_error`
/// whose `where` is the JSON pointer of the offending schema location.
///
/// A function template (always `nlohmann::json`) only so that the compiler and
/// evaluator are generated in the translation units that call it.
template <class Json = nlohmann::json, std::enable_if_t<std::is_same_v<Json, nlohmann::json>, int> = 0>
[[nodiscard]] result<validator> compile(const Json& schema, const options& opts = {}) {
  try {
    detail::compiler<Json> c(opts);
    return validator(std::make_shared<const detail::tree>(c.run(schema)));
  } catch (const detail::compile_failure& f) {
    return fail(errc::schema_error, f.message, f.where);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "out of memory while compiling the schema");
  } catch (const std::exception& e) {  // a throwing resolver, a malformed document
    return fail(errc::schema_error, std::string("schema compilation failed: ") + e.what());
  }
}

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_COMPILE_HPP
// ---- end aura/schema/compile.hpp
#endif  // AURA_SI_AURA_SCHEMA_SCHEMA_HPP
// ---- end aura/schema/schema.hpp

namespace aura::plugin {

/// Largest manifest (or schema file a manifest names) the reader accepts: a
/// manifest is a few kilobytes; a larger file is refused, naming it, before
/// it is read (a 50 MB manifest cost 14 s and 250 MB of memory).
inline constexpr std::size_t max_manifest_bytes = std::size_t{1} << 20;


/// Manifest file names, in the order a plugin directory is searched.
inline constexpr std::string_view manifest_toml_name = "aura-plugin.toml";
inline constexpr std::string_view manifest_json_name = "aura-plugin.json";
inline constexpr std::string_view codineer_manifest_name = "plugin.json";
inline constexpr std::string_view codineer_manifest_dir = ".codineer-plugin";

/// Agent events Codineer hook names map to (the agent catalog's names).
inline constexpr std::string_view codineer_pre_tool_event = "tool.before_execution";
inline constexpr std::string_view codineer_post_tool_event = "tool.after_execution";

namespace detail {

/// Compiles a schema given as text once; the manifest schemas are constants.
[[nodiscard]] inline const result<schema::validator>& manifest_validator(manifest_format format) {
  static const result<schema::validator> aura_v = schema::compile(nlohmann::json::parse(aura_manifest_schema));
  static const result<schema::validator> codineer_v =
      schema::compile(nlohmann::json::parse(codineer_manifest_schema));
  return format == manifest_format::codineer ? codineer_v : aura_v;
}

/// A schema message in the manifest's own words where a pattern would only
/// quote a regular expression (the version and name fields).
[[nodiscard]] inline std::string manifest_message(const schema::validation_error& v, const nlohmann::json& source) {
  const auto ends_with = [](const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (!ends_with(v.keyword_location, "/pattern")) return v.message;
  const nlohmann::json* value = nullptr;
  try {
    value = &source.at(nlohmann::json::json_pointer(v.instance_location));
  } catch (const nlohmann::json::exception&) {
    return v.message;
  }
  if (!value->is_string()) return v.message;
  std::string shown = value->get<std::string>();
  if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
  shown = nlohmann::json(shown).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ends_with(v.instance_location, "/version")) {
    return shown + " is not a semantic version: MAJOR.MINOR.PATCH, with an optional -prerelease and +build (e.g. 1.2.0)";
  }
  if (v.instance_location == "/plugin/name" || v.instance_location == "/name") {
    return shown + " is not a plugin name: 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit";
  }
  return v.message;
}

/// Collects problems of one manifest file, each at its line.
class problem_list {
 public:
  problem_list(std::string file, std::map<std::string, int> lines) : file_(std::move(file)), lines_(std::move(lines)) {}

  void add(errc code, const std::string& pointer, const std::string& message) {
    error e{code, field_name(pointer) + ": " + message, {}, {}, location(pointer)};
    all_.push_back(std::move(e));
  }
  [[nodiscard]] std::string location(std::string pointer) const {
    for (;;) {
      auto it = lines_.find(pointer);
      if (it != lines_.end()) return file_ + ":" + std::to_string(it->second);
      if (pointer.empty()) return file_;
      pointer.erase(pointer.rfind('/'));
    }
  }
  [[nodiscard]] bool empty() const noexcept { return all_.empty(); }
  [[nodiscard]] std::vector<error>& all() noexcept { return all_; }

 private:
  std::string file_;
  std::map<std::string, int> lines_;
  std::vector<error> all_;
};

[[nodiscard]] inline std::vector<std::string> argv_of(const nlohmann::json& v) {
  if (v.is_string()) return split_command(v.get<std::string>());
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& s : v) out.push_back(s.get<std::string>());
  }
  return out;
}

/// Whether `rel` stays inside `dir` (no absolute path, no "..", no symlink out).
[[nodiscard]] inline bool inside(const std::filesystem::path& dir, const std::filesystem::path& rel) {
  if (rel.empty() || rel.is_absolute()) return false;
  for (const auto& part : rel) {
    if (part == "..") return false;
  }
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(dir, ec);
  if (ec) return false;
  const auto full = std::filesystem::weakly_canonical(dir / rel, ec);
  if (ec) return false;
  auto r = root.begin();
  auto f = full.begin();
  for (; r != root.end(); ++r, ++f) {
    if (f == full.end() || *r != *f) return false;
  }
  return true;
}

inline void read_permissions(const nlohmann::json& p, const std::string& ptr, permissions& out, problem_list& problems) {
  out = permissions{};
  if (auto it = p.find("network"); it != p.end()) {
    out.network = it->get<std::vector<std::string>>();
    for (std::size_t i = 0; i < out.network.size(); ++i) {
      if (auto rule = parse_network_rule(out.network[i]); !rule) {
        problems.add(errc::load_error, ptr + "/network/" + std::to_string(i), rule.error().message);
      }
    }
  }
  if (auto q = p.find("storage_quota"); q != p.end()) {
    auto field = [&](const char* name, std::optional<std::uint64_t>& into) {
      if (auto f = q->find(name); f != q->end()) into = f->get<std::uint64_t>();
    };
    field("max_bytes", out.storage_quota.max_bytes);
    field("max_keys", out.storage_quota.max_keys);
    field("max_key_length", out.storage_quota.max_key_length);
    field("max_key_depth", out.storage_quota.max_key_depth);
    field("max_value_bytes", out.storage_quota.max_value_bytes);
  }
  if (auto it = p.find("storage"); it != p.end()) {
    const auto s = it->get<std::string>();
    out.storage = s == "plugin_private" ? storage_scope::plugin_private
                : s == "repo_readonly"  ? storage_scope::repo_readonly
                : s == "repo_readwrite" ? storage_scope::repo_readwrite
                                        : storage_scope::none;
    if (out.storage != storage_scope::none && !out.allows_api("storage")) out.call_api.push_back("storage");
  }
  if (auto it = p.find("read_events"); it != p.end()) out.read_events = it->get<std::vector<std::string>>();
  if (auto it = p.find("call_api"); it != p.end()) {
    // Free-form scopes: aura's own (log, config, storage, http, clock, env) and
    // any the host declares (host_options::api_scopes, checked at load).
    out.call_api = it->get<std::vector<std::string>>();
    // A storage grant is its own permission (Naridon Aura lists API scopes in
    // call_api and storage beside it): granting it grants the storage API.
    if (out.storage != storage_scope::none && !out.allows_api("storage")) out.call_api.push_back("storage");
  }
  (void)ptr;
  (void)problems;
  if (auto it = p.find("env"); it != p.end()) {
    if (it->is_string()) {
      out.env = *it == "*" ? env_access::all : env_access::none;
    } else {
      out.env = env_access::listed;
      out.env_vars = it->get<std::vector<std::string>>();
    }
  }
}

[[nodiscard]] inline failure_policy policy_of(const std::string& s) {
  return s == "fail_closed" || s == "deny" ? failure_policy::fail_closed : failure_policy::fail_open;
}

/// `[plugin.runtime] kind`: aura's kinds as they are; Naridon Aura's language
/// kinds onto the process runtime (rust and binary: the entrypoint is the
/// executable; node: `node <entrypoint>`, the entrypoint defaulting to
/// package.json's `main`; python: `python3 <entrypoint>`, or the plugin's own
/// .venv interpreter when it has one). `interpreter` overrides the program.
inline void read_runtime_kind(const nlohmann::json& rt, manifest& m) {
  const std::string kind = rt.at("kind").get<std::string>();
  m.runtime.entrypoint = rt.value("entrypoint", "");
  if (auto k = runtime_kind_from(kind)) {
    m.runtime.kind = *k;
    return;
  }
  m.runtime.kind = runtime_kind::process;
  m.runtime.language = kind;
  if (kind == "node") {
    m.runtime.interpreter = "node";
    if (m.runtime.entrypoint.empty()) {
      if (auto text = read_file(m.dir / "package.json")) {
        auto pkg = nlohmann::json::parse(*text, nullptr, false);
        if (pkg.is_object() && pkg.contains("main") && pkg["main"].is_string()) m.runtime.entrypoint = pkg["main"];
      }
    }
  } else if (kind == "python") {
    std::error_code ec;
    const auto venv = m.dir / ".venv" / "bin" / "python3";
    m.runtime.interpreter = std::filesystem::exists(venv, ec) ? venv.string() : "python3";
  }
  if (auto it = rt.find("interpreter"); it != rt.end()) m.runtime.interpreter = it->get<std::string>();
}

/// Reads a schema-valid aura manifest document into the model.
inline void read_aura(const nlohmann::json& doc, manifest& m, problem_list& problems) {
  const nlohmann::json& p = doc.at("plugin");
  m.name = p.at("name").get<std::string>();
  m.version = p.at("version").get<std::string>();
  m.description = p.value("description", "");
  m.authors = p.value("authors", std::vector<std::string>{});
  m.license = p.value("license", "");
  m.default_enabled = !p.value("disabled", false);

  m.capabilities = p.value("capabilities", std::vector<std::string>{});
  const nlohmann::json& rt = p.at("runtime");
  read_runtime_kind(rt, m);
  m.runtime.args = rt.value("args", std::vector<std::string>{});
  m.runtime.protocol = rt.value("protocol", "aura");
  if (auto lim = rt.find("limits"); lim != rt.end()) m.runtime.limits = *lim;
  if (auto iso = rt.find("isolation"); iso != rt.end()) {
    m.runtime.isolation = isolation_mode_from(iso->get<std::string>()).value_or(isolation_mode::host_default);
    if (m.runtime.kind != runtime_kind::wasm && m.runtime.kind != runtime_kind::lua) {
      problems.add(errc::invalid_argument, "/plugin/runtime/isolation",
                   "isolation applies to lua and wasm plugins only (a " + std::string(to_string(m.runtime.kind)) +
                       " plugin is a process of its own or the host's code)");
    }
  }
  if (m.runtime.entrypoint.empty()) {
    if (m.runtime.kind == runtime_kind::native) {
      m.runtime.entrypoint = m.name;  // the factory registered under the plugin's name
    } else {
      problems.add(errc::invalid_argument, "/plugin/runtime",
                   "a " + std::string(to_string(m.runtime.kind)) + " plugin needs an entrypoint");
    }
  }
  if ((m.runtime.kind == runtime_kind::wasm || m.runtime.kind == runtime_kind::lua ||
       m.runtime.kind == runtime_kind::shared_object) && !m.runtime.entrypoint.empty() &&
      !inside(m.dir, m.runtime.entrypoint)) {
    problems.add(errc::permission_denied, "/plugin/runtime/entrypoint",
                 "\"" + m.runtime.entrypoint + "\" is outside the plugin directory");
  }

  if (auto api = p.find("api"); api != p.end()) {
    if (auto v = api->find("min_aura_version"); v != api->end()) {
      auto parsed = semver::parse(v->get<std::string>());
      if (!parsed) problems.add(errc::parse_error, "/plugin/api/min_aura_version", parsed.error().message);
      else m.api.min_aura_version = *parsed;
    }
    if (auto v = api->find("sdk"); v != api->end()) {
      auto parsed = version_range::parse(v->get<std::string>());
      if (!parsed) problems.add(errc::parse_error, "/plugin/api/sdk", parsed.error().message);
      else m.api.sdk = std::move(*parsed);
    }
  }

  if (auto hooks = p.find("hooks"); hooks != p.end()) {
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < hooks->size(); ++i) {
      const nlohmann::json& h = (*hooks)[i];
      const std::string ptr = "/plugin/hooks/" + std::to_string(i);
      hook_spec s;
      s.event = h.at("event").get<std::string>();
      s.handler = h.at("handler").get<std::string>();
      s.priority = h.value("priority", 0);
      s.timeout = std::chrono::milliseconds(h.value("timeout_ms", 0));
      s.condition = h.value("condition", "");
      s.once = h.value("once", false);
      s.on_error = policy_of(h.value("on_error", "fail_open"));
      s.where = problems.location(ptr);
      if (!seen.insert({s.event, s.handler}).second) {
        problems.add(errc::already_exists, ptr + "/handler",
                     "handler \"" + s.handler + "\" is hooked to \"" + s.event + "\" twice");
      }
      if (!s.condition.empty()) {
        // Grammar only: the host's predicates (agent ones, its own) are checked
        // when the hook joins the bus.
        if (auto c = condition::check_syntax(s.condition); !c) {
          problems.add(errc::parse_error, ptr + "/condition", c.error().message);
        }
      }
      m.hooks.push_back(std::move(s));
    }
  }

  std::set<std::string> names;
  auto read_commands = [&](const char* key, std::vector<command_spec>& into, bool tool) {
    auto list = p.find(key);
    if (list == p.end()) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const nlohmann::json& c = (*list)[i];
      const std::string ptr = std::string("/plugin/") + key + "/" + std::to_string(i);
      command_spec s;
      s.name = c.at("name").get<std::string>();
      s.description = c.value("description", "");
      if (auto run = c.find("run"); run != c.end()) s.run = argv_of(*run);
      s.timeout = std::chrono::milliseconds(c.value("timeout_ms", 0));
      s.where = problems.location(ptr);
      if (s.in_process() && m.runtime.kind != runtime_kind::process &&
          !(tool && m.runtime.kind == runtime_kind::shared_object)) {
        problems.add(errc::invalid_argument, ptr,
                     "\"" + s.name + "\" has no run entry, and only a process plugin (kind process, rust, node, "
                     "python or binary) has a process to serve it in; add run or change the runtime kind");
      }
      if (!names.insert(std::string(tool ? "tool:" : "command:") + s.name).second) {
        problems.add(errc::already_exists, ptr + "/name", "\"" + s.name + "\" is declared twice");
      }
      if (auto schema_file = c.find("schema"); schema_file != c.end()) {
        s.schema_file = schema_file->get<std::string>();
        if (!inside(m.dir, s.schema_file)) {
          problems.add(errc::permission_denied, ptr + "/schema", "\"" + s.schema_file + "\" is outside the plugin directory");
        } else if (auto text = read_file(m.dir / s.schema_file, max_manifest_bytes); !text) {
          problems.add(errc::not_found, ptr + "/schema", "cannot read schema file \"" + s.schema_file + "\"");
        } else {
          auto j = nlohmann::json::parse(*text, nullptr, false);
          if (j.is_discarded()) {
            problems.add(errc::parse_error, ptr + "/schema", "schema file \"" + s.schema_file + "\" is not JSON");
          } else if (auto compiled = schema::compile(j); !compiled) {
            problems.add(errc::schema_error, ptr + "/schema", "schema file \"" + s.schema_file + "\": " +
                         compiled.error().message + (compiled.error().where.empty() ? "" : " at " + compiled.error().where));
          } else {
            s.input_schema = std::move(j);
          }
        }
      }
      into.push_back(std::move(s));
    }
  };
  read_commands("commands", m.commands, false);
  read_commands("mcp_tools", m.tools, true);

  if (auto c = p.find("config"); c != p.end()) m.config = *c;
  if (auto perms = p.find("permissions"); perms != p.end()) {
    read_permissions(*perms, "/plugin/permissions", m.perms, problems);
  }
}

/// Reads a schema-valid Codineer plugin.json into the model: command runtime
/// with the Claude Code protocol, one hook per script.
inline void read_codineer(const nlohmann::json& doc, manifest& m, problem_list& problems) {
  m.name = doc.at("name").get<std::string>();
  m.version = doc.at("version").get<std::string>();
  m.description = doc.value("description", "");
  m.default_enabled = doc.value("defaultEnabled", false);  // Codineer's default: installed plugins start disabled
  m.runtime.kind = runtime_kind::command;
  m.runtime.protocol = "codineer";

  permissions perms;
  perms.read_events = {std::string(codineer_pre_tool_event), std::string(codineer_post_tool_event)};
  perms.env = env_access::listed;
  perms.env_vars = {"PATH"};
  for (const auto& p : doc.value("permissions", std::vector<std::string>{})) {
    if (p == "read" && perms.storage == storage_scope::none) perms.storage = storage_scope::repo_readonly;
    if (p == "write") perms.storage = storage_scope::repo_readwrite;
  }
  if (perms.storage != storage_scope::none) perms.call_api.push_back("storage");
  m.perms = perms;

  if (auto hooks = doc.find("hooks"); hooks != doc.end()) {
    for (const auto& [kind, event] : {std::pair<const char*, std::string_view>{"PreToolUse", codineer_pre_tool_event},
                                      {"PostToolUse", codineer_post_tool_event}}) {
      auto list = hooks->find(kind);
      if (list == hooks->end()) continue;
      for (std::size_t i = 0; i < list->size(); ++i) {
        hook_spec s;
        s.event = std::string(event);
        s.handler = std::string(kind) + "#" + std::to_string(i);
        s.command = split_command((*list)[i].get<std::string>());
        s.where = problems.location("/hooks/" + std::string(kind) + "/" + std::to_string(i));
        m.hooks.push_back(std::move(s));
      }
    }
  }
  if (auto life = doc.find("lifecycle"); life != doc.end()) {
    for (const auto& s : life->value("Init", std::vector<std::string>{})) m.on_init.push_back(split_command(s));
    for (const auto& s : life->value("Shutdown", std::vector<std::string>{})) m.on_shutdown.push_back(split_command(s));
  }
  std::set<std::string> names;
  if (auto tools = doc.find("tools"); tools != doc.end()) {
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto& t = (*tools)[i];
      const std::string ptr = "/tools/" + std::to_string(i);
      command_spec s;
      s.name = t.at("name").get<std::string>();
      s.description = t.value("description", "");
      s.run = split_command(t.at("command").get<std::string>());
      for (const auto& a : t.value("args", std::vector<std::string>{})) s.run.push_back(a);
      s.input_schema = t.at("inputSchema");
      s.required_permission = t.value("requiredPermission", "read-only");
      s.where = problems.location(ptr);
      if (!names.insert("tool:" + s.name).second) problems.add(errc::already_exists, ptr + "/name", "\"" + s.name + "\" is declared twice");
      if (auto compiled = schema::compile(s.input_schema); !compiled) {
        problems.add(errc::schema_error, ptr + "/inputSchema" + compiled.error().where, compiled.error().message);
      }
      m.tools.push_back(std::move(s));
    }
  }
  if (auto cmds = doc.find("commands"); cmds != doc.end()) {
    for (std::size_t i = 0; i < cmds->size(); ++i) {
      const auto& c = (*cmds)[i];
      command_spec s;
      s.name = c.at("name").get<std::string>();
      s.description = c.value("description", "");
      s.run = split_command(c.at("command").get<std::string>());
      s.where = problems.location("/commands/" + std::to_string(i));
      if (!names.insert("command:" + s.name).second) {
        problems.add(errc::already_exists, "/commands/" + std::to_string(i) + "/name", "\"" + s.name + "\" is declared twice");
      }
      m.commands.push_back(std::move(s));
    }
  }
}

}  // namespace detail

/// The manifest file in a plugin directory, if any; an error when it holds
/// more than one (which would be ambiguous).
[[nodiscard]] inline result<std::optional<std::filesystem::path>> find_manifest(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (auto name : {manifest_toml_name, manifest_json_name, codineer_manifest_name}) {
    auto p = dir / std::string(name);
    if (std::filesystem::is_regular_file(p, ec)) found.push_back(p);
  }
  auto hidden = dir / std::string(codineer_manifest_dir) / std::string(codineer_manifest_name);
  if (std::filesystem::is_regular_file(hidden, ec)) found.push_back(hidden);
  if (found.empty()) return std::optional<std::filesystem::path>{};
  if (found.size() > 1) {
    return fail(errc::already_exists, "the plugin directory holds two manifests: \"" + found[0].string() +
                                          "\" and \"" + found[1].string() + "\"", dir.string());
  }
  return std::optional<std::filesystem::path>{found.front()};
}

/// Reads and checks a manifest; returns every problem (empty when valid) and
/// the manifest when there is none.
[[nodiscard]] inline std::pair<std::optional<manifest>, std::vector<error>> read_manifest_checked(
    const std::filesystem::path& file) {
  std::pair<std::optional<manifest>, std::vector<error>> out;
  const std::string shown = file.string();
  auto text = detail::read_file(file, max_manifest_bytes);
  if (!text) {
    out.second.push_back(std::move(text.error()));
    return out;
  }
  manifest m;
  m.file = file;
  {
    std::error_code ec;
    m.dir = std::filesystem::absolute(file, ec).parent_path();  // commands run there: never relative
    if (ec) m.dir = file.parent_path();
  }
  if (m.dir.filename() == codineer_manifest_dir) m.dir = m.dir.parent_path();
  const std::string fname = file.filename().string();
  m.format = fname == manifest_toml_name ? manifest_format::toml
           : fname == manifest_json_name ? manifest_format::json
                                         : manifest_format::codineer;
  std::map<std::string, int> lines;
  if (m.format == manifest_format::toml) {
    auto doc = parse_toml(*text, shown);
    if (!doc) {
      out.second.push_back(std::move(doc.error()));
      return out;
    }
    m.source = std::move(doc->json);
    lines = std::move(doc->lines);
  } else {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& ex) {
      const auto line = detail::line_at(*text, ex.byte > 0 ? ex.byte - 1 : 0);
      std::string why = ex.what();
      if (auto colon = why.find("syntax error"); colon != std::string::npos) why = why.substr(colon);
      out.second.push_back(error{errc::parse_error, "not valid JSON: " + why, {}, {}, shown + ":" + std::to_string(line)});
      return out;
    } catch (const nlohmann::json::exception& ex) {  // e.g. out_of_range 406: a number too large for a double
      out.second.push_back(error{errc::parse_error, std::string("not valid JSON: ") + ex.what(), {}, {}, shown});
      return out;
    }
    m.source = std::move(j);
    lines = detail::json_line_map(*text).lines();
  }
  detail::problem_list problems(shown, std::move(lines));
  const auto& validator = detail::manifest_validator(m.format);
  if (!validator) {
    out.second.push_back(error{errc::schema_error, "the manifest schema did not compile: " + validator.error().describe(),
                               {}, {}, shown});
    return out;
  }
  for (const auto& v : validator->check(m.source)) {
    problems.add(errc::validation_failed, v.instance_location, detail::manifest_message(v, m.source));
  }
  if (problems.empty()) {
    if (m.format == manifest_format::codineer) {
      detail::read_codineer(m.source, m, problems);
    } else {
      detail::read_aura(m.source, m, problems);
    }
  }
  for (auto& e : problems.all()) {
    if (!m.name.empty()) e.plugin = m.name;
  }
  out.second = std::move(problems.all());
  if (out.second.empty()) out.first = std::move(m);
  return out;
}

/// Reads and checks a manifest file. The error lists every problem; `where`
/// is the file and line of the first.
[[nodiscard]] inline result<manifest> read_manifest(const std::filesystem::path& file) {
  auto [m, problems] = read_manifest_checked(file);
  if (m) return std::move(*m);
  error first = problems.front();
  if (problems.size() > 1 && !first.where.empty()) first.message += " (at " + first.where + ")";
  for (std::size_t i = 1; i < problems.size(); ++i) {
    first.message += "; " + problems[i].message + (problems[i].where.empty() ? "" : " (at " + problems[i].where + ")");
  }
  return fail(std::move(first));
}

/// Reads the manifest of a plugin directory.
[[nodiscard]] inline result<manifest> read_plugin_dir(const std::filesystem::path& dir) {
  auto file = find_manifest(dir);
  if (!file) return fail(std::move(file.error()));
  if (!*file) return fail(errc::not_found, "no plugin manifest (aura-plugin.toml, aura-plugin.json or plugin.json)", dir.string());
  return read_manifest(**file);
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_MANIFEST_READER_HPP
// ---- end aura/plugin/manifest_reader.hpp
// ---- begin aura/plugin/config.hpp
#ifndef AURA_SI_AURA_PLUGIN_CONFIG_HPP
#define AURA_SI_AURA_PLUGIN_CONFIG_HPP
// aura/plugin/config.hpp - the host's plugin settings and the config layers a
// plugin sees: plugin defaults < global < per-plugin, merged into one object.
//
// The host settings file (aura.json) looks like:
//   {"plugin_dirs": ["plugins"], "include": ["*"], "exclude": ["experimental-*"],
//    "disabled": ["noisy"], "enabled": ["opt-in"],
//    "config": {"log_level": "info"},                 <- global layer, every plugin
//    "plugin_config": {"ticket-check": {"prefix": "OPS"}}}  <- per-plugin layer

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::plugin {

/// Deep merge: objects merge key by key, anything else is replaced; a null
/// removes the key (JSON Merge Patch, RFC 7396).
[[nodiscard]] inline nlohmann::json merge_layer(nlohmann::json base, const nlohmann::json& layer) {
  if (!layer.is_object()) return layer.is_null() ? base : layer;
  if (!base.is_object()) base = nlohmann::json::object();
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    if (it->is_null()) {
      base.erase(it.key());
    } else {
      base[it.key()] = merge_layer(base.contains(it.key()) ? base[it.key()] : nlohmann::json(), *it);
    }
  }
  return base;
}

/// The two host layers above a plugin's own defaults.
struct config_layers {
  nlohmann::json global = nlohmann::json::object();
  std::map<std::string, nlohmann::json> per_plugin;

  /// What plugin `name` with defaults `defaults` sees.
  [[nodiscard]] nlohmann::json merged(const std::string& name, const nlohmann::json& defaults) const {
    nlohmann::json out = merge_layer(defaults.is_object() ? defaults : nlohmann::json::object(), global);
    if (auto it = per_plugin.find(name); it != per_plugin.end()) out = merge_layer(std::move(out), it->second);
    return out;
  }
};

/// Which plugins discovery lists and which of those load.
struct selection {
  std::vector<std::string> include;   ///< name globs; empty = all
  std::vector<std::string> exclude;   ///< name globs never listed
  std::vector<std::string> disabled;  ///< name globs listed but not loaded
  std::vector<std::string> enabled;   ///< name globs loaded even if the manifest disables them
};

/// The host's settings file, read.
struct host_settings {
  std::vector<std::filesystem::path> plugin_dirs;  ///< relative to the file's directory
  selection select;
  config_layers config;
  /// `call_api` scopes the host program defines (Naridon Aura's `intents:read`...): host_options::api_scopes.
  std::vector<std::string> api_scopes;
  std::filesystem::path file;
};

inline constexpr std::string_view host_settings_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "plugin_dirs": {"type": "array", "items": {"type": "string"}},
    "include": {"type": "array", "items": {"type": "string"}},
    "exclude": {"type": "array", "items": {"type": "string"}},
    "disabled": {"type": "array", "items": {"type": "string"}},
    "enabled": {"type": "array", "items": {"type": "string"}},
    "config": {"type": "object"},
    "api_scopes": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$"}},
    "plugin_config": {"type": "object", "additionalProperties": {"type": "object"}}
  }
})json";

/// Reads and checks a host settings file.
[[nodiscard]] inline result<host_settings> read_host_settings(const std::filesystem::path& file) {
  auto text = detail::read_file(file);
  if (!text) return fail(std::move(text.error()));
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(errc::parse_error, "settings file is not valid JSON", file.string());
  static const result<schema::validator> v = schema::compile(nlohmann::json::parse(host_settings_schema));
  if (!v) return fail(errc::schema_error, "the settings schema did not compile: " + v.error().describe());
  auto problems = v->check(j);
  if (!problems.empty()) {
    detail::json_line_map lines(*text);
    const auto& p = problems.front();
    return fail(errc::validation_failed, detail::field_name(p.instance_location) + ": " + p.message,
                file.string() + ":" + std::to_string(lines.line_of(p.instance_location)));
  }
  host_settings s;
  s.file = file;
  for (const auto& d : j.value("plugin_dirs", std::vector<std::string>{})) {
    std::filesystem::path p(d);
    s.plugin_dirs.push_back(p.is_absolute() ? p : file.parent_path() / p);
  }
  s.select.include = j.value("include", std::vector<std::string>{});
  s.select.exclude = j.value("exclude", std::vector<std::string>{});
  s.select.disabled = j.value("disabled", std::vector<std::string>{});
  s.select.enabled = j.value("enabled", std::vector<std::string>{});
  s.config.global = j.value("config", nlohmann::json::object());
  s.api_scopes = j.value("api_scopes", std::vector<std::string>{});
  const nlohmann::json per_plugin = j.value("plugin_config", nlohmann::json::object());
  for (auto it = per_plugin.begin(); it != per_plugin.end(); ++it) s.config.per_plugin[it.key()] = *it;
  return s;
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_CONFIG_HPP
// ---- end aura/plugin/config.hpp
// ---- begin aura/plugin/discovery.hpp
#ifndef AURA_SI_AURA_PLUGIN_DISCOVERY_HPP
#define AURA_SI_AURA_PLUGIN_DISCOVERY_HPP
// aura/plugin/discovery.hpp - finds plugins in directory trees.
//
// Rules: a walk stops at a directory holding a manifest (a plugin's own
// sub-directories are its business); hidden directories and `vendor/` are
// skipped; two plugins with one name in the same root are an error naming
// both paths (and neither is listed); a plugin in a later root (per-repo)
// overrides one of the same name in an earlier root (global); include and
// exclude globs choose what is listed; disabled plugins are listed, not loaded.
// A root spelled `~` or `~/...` is under $HOME. A root that is not there is
// skipped and listed in `missing` (well-known places need not exist), unless it
// is `required`, when it is an error; a root that is a file is always an error.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>


namespace aura::plugin {

/// A directory to search, and what to call plugins found there.
struct plugin_root {
  std::filesystem::path dir;
  std::string scope = "global";  ///< "global", "repo", ...: shown by `aura plugin list`
  bool required = false;         ///< a missing directory is an error, not skipped
};

/// `~` and `~/x` under $HOME (other paths unchanged; `~user` is not expanded).
[[nodiscard]] inline std::filesystem::path expand_home(const std::filesystem::path& p) {
  const std::string s = p.string();
  if (s.empty() || s[0] != '~' || (s.size() > 1 && s[1] != '/')) return p;
  const char* home = std::getenv("HOME");
  if (!home || !*home) return p;
  return std::filesystem::path(home) / (s.size() > 2 ? s.substr(2) : std::string());
}

/// One listed plugin.
struct discovered_plugin {
  manifest spec;
  std::string scope;
  bool enabled = true;
  std::string note;  ///< why it is disabled, or which plugin it overrides
};

/// What a discovery found: plugins sorted by name, and every problem met.
struct discovery {
  std::vector<discovered_plugin> plugins;
  std::vector<error> errors;
  std::vector<std::filesystem::path> missing;  ///< roots that were not there (skipped), ~ expanded
  std::vector<manifest> unlisted;  ///< read but not listed: plugins whose name another one shares

  [[nodiscard]] const discovered_plugin* find(std::string_view name) const {
    for (const auto& p : plugins) {
      if (p.spec.name == name) return &p;
    }
    return nullptr;
  }
};

namespace detail {

inline void walk(const std::filesystem::path& dir, int depth, std::vector<std::filesystem::path>& manifests,
                 std::vector<error>& errors) {
  if (depth > 16) return;
  auto found = find_manifest(dir);
  if (!found) {
    errors.push_back(std::move(found.error()));
    return;
  }
  if (*found) {
    manifests.push_back(**found);
    return;  // a plugin's directory: do not look inside
  }
  std::error_code ec;
  std::vector<std::filesystem::path> children;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name == "vendor") continue;
    std::error_code dec;
    if (it->is_directory(dec)) children.push_back(it->path());
  }
  std::sort(children.begin(), children.end());
  for (const auto& c : children) walk(c, depth + 1, manifests, errors);
}

}  // namespace detail

/// Walks `roots` in order (later roots override earlier ones) and applies `sel`.
[[nodiscard]] inline discovery discover(const std::vector<plugin_root>& roots, const selection& sel = {}) {
  discovery out;
  std::map<std::string, discovered_plugin> chosen;
  for (const auto& root : roots) {
    const auto dir = expand_home(root.dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      if (std::filesystem::exists(dir, ec)) {
        out.errors.push_back(error{errc::invalid_argument, "plugin directory \"" + dir.string() + "\" is not a directory",
                                   {}, {}, dir.string()});
      } else if (root.required) {
        out.errors.push_back(error{errc::not_found, "plugin directory \"" + dir.string() + "\" does not exist", {}, {},
                                   dir.string()});
      } else {
        out.missing.push_back(dir);
      }
      continue;
    }
    std::vector<std::filesystem::path> manifests;
    detail::walk(dir, 0, manifests, out.errors);
    std::map<std::string, discovered_plugin> here;
    std::map<std::string, bool> duplicate;
    for (const auto& file : manifests) {
      auto [m, problems] = read_manifest_checked(file);
      if (!m) {  // every problem on its own, each with its own location
        for (auto& e : problems) out.errors.push_back(std::move(e));
        continue;
      }
      const std::string name = m->name;
      auto it = here.find(name);
      if (it != here.end()) {
        error e{errc::already_exists,
                "two plugins are named \"" + name + "\": \"" + it->second.spec.file.string() + "\" and \"" +
                    file.string() + "\"",
                name, {}, file.string()};
        out.errors.push_back(std::move(e));
        duplicate[name] = true;
        out.unlisted.push_back(std::move(*m));
        continue;
      }
      here.emplace(name, discovered_plugin{std::move(*m), root.scope, true, {}});
    }
    for (auto& [name, p] : here) {
      if (duplicate.count(name)) {
        out.unlisted.push_back(std::move(p.spec));
        continue;
      }
      if (auto prev = chosen.find(name); prev != chosen.end()) {
        p.note = "overrides " + prev->second.scope + " plugin at " + prev->second.spec.dir.string();
        prev->second = std::move(p);
      } else {
        chosen.emplace(name, std::move(p));
      }
    }
  }
  for (auto& [name, p] : chosen) {
    if (!sel.include.empty() && !permissions::any_match(sel.include, name)) continue;
    if (permissions::any_match(sel.exclude, name)) continue;
    if (permissions::any_match(sel.disabled, name)) {
      p.enabled = false;
      p.note = p.note.empty() ? "disabled by the host settings" : p.note + "; disabled by the host settings";
    } else if (!p.spec.default_enabled) {
      p.enabled = permissions::any_match(sel.enabled, name);
      if (!p.enabled) p.note = "disabled by its manifest";
    }
    out.plugins.push_back(std::move(p));
  }
  return out;
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_DISCOVERY_HPP
// ---- end aura/plugin/discovery.hpp
// ---- begin aura/plugin/sandbox.hpp
#ifndef AURA_SI_AURA_PLUGIN_SANDBOX_HPP
#define AURA_SI_AURA_PLUGIN_SANDBOX_HPP
// aura/plugin/sandbox.hpp - enforcing a plugin's declared permissions.
//
// - hooks: a hook on an event outside `read_events` is a load error;
// - storage: `directory_storage` keeps each key as a file under one directory
//   and refuses keys that would leave it (absolute paths, "..", symlinks out);
// - environment: `environment_for` passes only the declared variables;
// - network: an entry that can never match is a load error
//   (check_network_permissions); aura::context checks every URL;
// - host API scopes: aura::context checks them on every call.
// Deny on a non-vetoable event and mutate on a non-patchable one are refused
// by the chain (a protocol_violation diagnostic).

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

// ---- begin aura/core/host_api.hpp
#ifndef AURA_SI_AURA_CORE_HOST_API_HPP
#define AURA_SI_AURA_CORE_HOST_API_HPP
// aura/core/host_api.hpp - the host services a hook may reach through its context:
// logging, time, key-value storage and HTTP. Hosts implement them; the harness mocks them.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/envelope.hpp
#ifndef AURA_SI_AURA_CORE_ENVELOPE_HPP
#define AURA_SI_AURA_CORE_ENVELOPE_HPP
// aura/core/envelope.hpp - an event with its identity, time and origin.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/event.hpp
#ifndef AURA_SI_AURA_CORE_EVENT_HPP
#define AURA_SI_AURA_CORE_EVENT_HPP
// aura/core/event.hpp - event flags and the traits aura reads off an event type.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace aura {

/// What hooks may do to an event: veto it (deny), patch it (mutate), both or neither.
enum class event_flags : std::uint8_t { none = 0, vetoable = 1, patchable = 2 };

[[nodiscard]] constexpr event_flags operator|(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr event_flags operator&(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr bool has_flag(event_flags set, event_flags flag) noexcept {
  return (set & flag) == flag && flag != event_flags::none;
}

inline constexpr event_flags vetoable = event_flags::vetoable;
inline constexpr event_flags patchable = event_flags::patchable;

/// The JSON-payload event: adapters, the CLI and the harness use it. Its name
/// lives in the envelope and its flags in the bus's runtime catalog.
struct dynamic_event {
  static constexpr std::string_view name = "";
  static constexpr event_flags flags = event_flags::none;  // looked up at run time
};

/// Effects of an event with no `effects` member: nothing to carry.
struct no_effects {
  friend constexpr bool operator==(const no_effects&, const no_effects&) noexcept { return true; }
  /// Folding nothing into nothing.
  void fold(const no_effects&) noexcept {}
};
inline void to_json(nlohmann::json& j, const no_effects&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, no_effects&) {}

namespace detail {
template <class E, class = void>
struct declared_flags : std::integral_constant<event_flags, event_flags::none> {};
template <class E>
struct declared_flags<E, std::void_t<decltype(E::flags)>>
    : std::integral_constant<event_flags, E::flags> {};

template <class E, class = void>
struct declared_effects {
  using type = no_effects;
};
template <class E>
struct declared_effects<E, std::void_t<typename E::effects>> {
  using type = typename E::effects;
};
template <>
struct declared_effects<dynamic_event, void> {
  using type = nlohmann::json;
};

template <class E, class = void>
struct declares_schema : std::false_type {};
template <class E>
struct declares_schema<E, std::void_t<decltype(E::schema)>> : std::true_type {};
}  // namespace detail

/// What aura knows about event type `E` at compile time.
///
/// An event declares `static constexpr std::string_view name` and optionally
/// `static constexpr aura::event_flags flags`, a nested `effects` struct with a
/// `void fold(const effects&)` rule, and `static constexpr std::string_view schema`
/// (a JSON Schema of its payload; `aura::schema::check_declared_schema<E>(bus)`
/// compiles it into the chain's payload check, so mutations are re-validated).
template <class E>
struct event_traits {
  static constexpr std::string_view name = E::name;
  static constexpr event_flags flags = detail::declared_flags<E>::value;
  static constexpr bool is_dynamic = std::is_same_v<E, dynamic_event>;
  static constexpr bool is_vetoable = has_flag(flags, event_flags::vetoable);
  static constexpr bool is_patchable = has_flag(flags, event_flags::patchable);
  static constexpr bool has_schema = detail::declares_schema<E>::value;
  /// The payload type carried in `envelope<E>::data`.
  using payload_type = std::conditional_t<is_dynamic, nlohmann::json, E>;
  /// The side outputs hooks may return with a decision.
  using effects_type = typename detail::declared_effects<E>::type;
};

template <class E>
using payload_t = typename event_traits<E>::payload_type;
template <class E>
using effects_t = typename event_traits<E>::effects_type;

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_EVENT_HPP
// ---- end aura/core/event.hpp

// getentropy() rather than std::random_device: <random> would add 7% to the
// text of <nlohmann/json.hpp> to every file that includes aura, for 8 bytes.
#include <sys/random.h>

namespace aura {

using clock_type = std::chrono::system_clock;
using time_point = clock_type::time_point;

/// Formats a time as RFC 3339 UTC with milliseconds: 2026-11-23T01:02:03.456Z.
[[nodiscard]] inline std::string format_time(time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so no truncation is possible
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

/// Parses what format_time writes (fractional seconds and offsets optional).
[[nodiscard]] inline result<time_point> parse_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 ||
      consumed != 19) {
    return fail(errc::parse_error, "not an RFC 3339 time: \"" + str + "\"");
  }
  std::size_t pos = 19;
  long millis = 0;
  if (pos < str.size() && str[pos] == '.') {
    long scale = 100;
    for (++pos; pos < str.size() && str[pos] >= '0' && str[pos] <= '9'; ++pos) {
      millis += (str[pos] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return fail(errc::parse_error, "bad UTC offset in time: \"" + str + "\"");
    }
    offset = (str[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else if (pos < str.size() && (str[pos] == 'Z' || str[pos] == 'z')) {
    ++pos;
  }
  if (pos != str.size()) return fail(errc::parse_error, "trailing characters in time: \"" + str + "\"");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm) - offset;
  return time_point(std::chrono::milliseconds(static_cast<long long>(secs) * 1000 + millis));
}

/// A process-unique event id: "ev-" + 16 hex digits from a random base and a counter.
/// Each thread takes its numbers in blocks of 4,096 from the shared counter,
/// so making an id writes no cache line that other threads write.
[[nodiscard]] inline std::string make_event_id() {
  static const std::uint64_t base = [] {
    std::uint64_t seed = 0;
    if (getentropy(&seed, sizeof seed) != 0) {
      // No entropy source: the clock and an address (ASLR) still differ between processes.
      static const char anchor = 0;
      seed = static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ULL ^
             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&anchor));
    }
    return seed;
  }();
  static std::atomic<std::uint64_t> counter{0};
  constexpr std::uint64_t block = 4096;
  thread_local std::uint64_t next = 0, end = 0;
  if (next == end) {
    next = counter.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
  }
  std::uint64_t n = base + next++;
  std::string id(19, '0');
  id[0] = 'e';
  id[1] = 'v';
  id[2] = '-';
  for (std::size_t i = 18; i >= 3; --i, n >>= 4) id[i] = "0123456789abcdef"[n & 0xf];
  return id;
}

/// An event as dispatched: identity, time, origin, free metadata and the payload.
template <class E>
struct envelope {
  std::string id;
  std::string name = std::string(event_traits<E>::name);
  time_point time{};
  std::string source;
  std::string session;
  nlohmann::json meta;  ///< free metadata; null when unused
  payload_t<E> data{};
};

/// Wraps a payload with a fresh id and the current time.
template <class E, std::enable_if_t<!std::is_convertible_v<E, std::string_view>, int> = 0>
[[nodiscard]] envelope<E> make_envelope(E data, std::string source = {}, std::string session = {}) {
  envelope<E> env;
  env.id = make_event_id();
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// A dynamic envelope for event `name` with JSON `data`.
[[nodiscard]] inline envelope<dynamic_event> make_envelope(std::string name, nlohmann::json data,
                                                           std::string source = {},
                                                           std::string session = {}) {
  envelope<dynamic_event> env;
  env.id = make_event_id();
  env.name = std::move(name);
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// The same event as a dynamic envelope: identity copied, payload as JSON.
template <class E>
[[nodiscard]] envelope<dynamic_event> to_dynamic(const envelope<E>& env) {
  envelope<dynamic_event> v;
  v.id = env.id;
  v.name = env.name;
  v.time = env.time;
  v.source = env.source;
  v.session = env.session;
  v.meta = env.meta;
  v.data = nlohmann::json(env.data);
  return v;
}

/// The wire form of an envelope (DESIGN §5 "event"); `data` must be JSON-serialisable.
template <class E>
void to_json(nlohmann::json& j, const envelope<E>& env) {
  j = nlohmann::json{{"id", env.id},
                     {"name", env.name},
                     {"time", format_time(env.time)},
                     {"source", env.source},
                     {"session", env.session},
                     {"data", env.data},
                     {"meta", env.meta.is_null() ? nlohmann::json::object() : env.meta}};
}

/// Reads the wire form back; a missing optional field keeps its default.
/// (`Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, DESIGN §7.)
template <class Json = nlohmann::json>
[[nodiscard]] result<envelope<dynamic_event>> envelope_from_json(const nlohmann::json& in) {
  const Json& j = in;
  if (!j.is_object()) return fail(errc::parse_error, "an event must be a JSON object", "/event");
  envelope<dynamic_event> env;
  auto text = [&](const char* key, std::string& out) -> std::optional<error> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      return error{errc::parse_error, std::string("event field \"") + key + "\" must be a string", {}, {},
                   std::string("/") + key};
    }
    out = it->template get<std::string>();
    return std::nullopt;
  };
  for (auto [key, out] : {std::pair<const char*, std::string*>{"id", &env.id}, {"name", &env.name},
                          {"source", &env.source}, {"session", &env.session}}) {
    if (auto e = text(key, *out)) return fail(std::move(*e));
  }
  if (env.name.empty()) return fail(errc::parse_error, "event has no \"name\"", "/name");
  if (auto it = j.find("time"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fail(errc::parse_error, "event field \"time\" must be a string", "/time");
    auto t = parse_time(it->template get<std::string>());
    if (!t) return fail(std::move(t.error()).with_where("/time"));
    env.time = *t;
  }
  if (auto it = j.find("data"); it != j.end()) env.data = *it;
  if (auto it = j.find("meta"); it != j.end()) env.meta = *it;
  return env;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ENVELOPE_HPP
// ---- end aura/core/envelope.hpp

namespace aura {

enum class log_level { debug, info, warn, error };

[[nodiscard]] constexpr std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

/// Receives log lines from hooks and plugins.
class logger {
 public:
  virtual ~logger() = default;
  virtual void write(log_level level, std::string_view source, std::string_view message) = 0;
};

/// The default logger: one line per message on stderr.
class stderr_logger final : public logger {
 public:
  void write(log_level level, std::string_view source, std::string_view message) override {
    std::fprintf(stderr, "[%.*s] %.*s: %.*s\n", static_cast<int>(to_string(level).size()), to_string(level).data(),
                 static_cast<int>(source.size()), source.data(), static_cast<int>(message.size()), message.data());
  }
};

/// The time a hook sees; the harness controls it.
class clock_source {
 public:
  virtual ~clock_source() = default;
  [[nodiscard]] virtual time_point now() = 0;
};

class system_clock_source final : public clock_source {
 public:
  [[nodiscard]] time_point now() override { return clock_type::now(); }
};

/// A plugin's private key-value storage.
class storage {
 public:
  virtual ~storage() = default;
  [[nodiscard]] virtual result<std::optional<std::string>> get(std::string_view key) = 0;
  [[nodiscard]] virtual result<void> set(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual result<bool> remove(std::string_view key) = 0;
};

/// The `limit_exceeded` error a storage returns when a write would break a quota.
[[nodiscard]] inline error storage_quota_error(std::string_view key, const std::string& what) {
  return error{errc::limit_exceeded, "storing key \"" + std::string(key.substr(0, 64)) + "\" " + what, {}, {}, {}};
}

/// Checks one write against `limits`: `old_size` is the replaced value's size
/// (nullopt for a new key), `used_bytes` / `used_keys` the storage's totals.
[[nodiscard]] inline result<void> check_storage_quota(std::string_view key, std::size_t value_size,
                                                      std::optional<std::uint64_t> old_size, std::uint64_t used_bytes,
                                                      std::uint64_t used_keys, const storage_limits& limits) {
  if (value_size > limits.max_value_bytes) {
    return fail(storage_quota_error(key, "would hold " + std::to_string(value_size) + " bytes, above the " +
                                             std::to_string(limits.max_value_bytes) + "-byte value limit"));
  }
  if (!old_size && used_keys + 1 > limits.max_keys) {
    return fail(storage_quota_error(key, "would be key " + std::to_string(used_keys + 1) + ", above the limit of " +
                                             std::to_string(limits.max_keys) + " keys"));
  }
  // Saturating: another storage over the same directory may have replaced the
  // old value since this one counted (the totals are then an estimate).
  const std::uint64_t kept = used_bytes - std::min(used_bytes, old_size.value_or(0));
  const std::uint64_t after = kept + value_size;
  if (after > limits.max_bytes) {
    return fail(storage_quota_error(key, "would bring the plugin's storage to " + std::to_string(after) +
                                             " bytes, above its " + std::to_string(limits.max_bytes) + "-byte quota"));
  }
  return {};
}

/// Storage in memory, thread-safe, under `storage_limits` quotas; the default
/// and the harness's mock.
class memory_storage final : public storage {
 public:
  memory_storage() = default;
  explicit memory_storage(storage_limits limits) : limits_(limits) {}

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    const auto old = it == values_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.size());
    if (auto ok = check_storage_quota(key, value.size(), old, bytes_, values_.size(), limits_); !ok) return ok;
    bytes_ = bytes_ - old.value_or(0) + value.size();
    if (it == values_.end()) values_.emplace(std::string(key), std::string(value));
    else it->second.assign(value.data(), value.size());
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    bytes_ -= it->second.size();
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  storage_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
  std::uint64_t bytes_ = 0;
};

/// Redirect hops aura follows at most, whatever a request asks.
inline constexpr int max_http_redirects = 10;

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  ///< for the whole request, redirects included
  /// Redirects context::http follows (each re-checked against the permissions);
  /// 0 returns the 3xx itself. Clients never follow redirects on their own.
  int max_redirects = 5;
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client: it sends one request as given and never follows a
/// redirect (aura::context does, re-checking each hop). aura ships one on
/// libcurl (aura/net/curl_http_client.hpp, target aura::http); the harness
/// provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOST_API_HPP
// ---- end aura/core/host_api.hpp

extern char** environ;  // NOLINT: POSIX

namespace aura::plugin {

/// Load errors for hooks on events the plugin may not read, each at its line.
[[nodiscard]] inline std::vector<error> check_hook_events(const manifest& m) {
  std::vector<error> out;
  for (const auto& h : m.hooks) {
    if (m.perms.allows_event(h.event)) continue;
    error e{errc::permission_denied,
            "hook on event \"" + h.event + "\" is outside the plugin's read_events permission", m.name, h.handler,
            h.where};
    out.push_back(std::move(e));
  }
  return out;
}

/// Load errors for `network` entries that can never match, each naming the
/// plugin and the entry (core/network_rule.hpp says which forms parse).
[[nodiscard]] inline std::vector<error> check_network_permissions(const manifest& m) {
  std::vector<error> out;
  for (std::size_t i = 0; i < m.perms.network.size(); ++i) {
    if (auto rule = parse_network_rule(m.perms.network[i]); !rule) {
      out.push_back(error{errc::load_error, "permissions.network[" + std::to_string(i) + "]: " + rule.error().message,
                          m.name, {}, m.file.string()});
    }
  }
  return out;
}

/// The host process's environment.
[[nodiscard]] inline std::map<std::string, std::string> host_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

/// The variables of `from` a plugin with `perms` receives: none, the listed ones, or all.
[[nodiscard]] inline std::map<std::string, std::string> environment_for(const permissions& perms,
                                                                        const std::map<std::string, std::string>& from) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : from) {
    if (perms.allows_env(k)) out.emplace(k, v);
  }
  return out;
}

/// Storage confined to one directory: a key is a relative path below it.
/// Writes go to a temporary file renamed into place, so a reader never sees
/// half a value. `read_only` refuses set and remove. Every key is checked by
/// check_storage_key against `limits`; with `count_usage` (plugin_private
/// storage) the byte and key quotas are enforced too, from a walk of the
/// directory at the first write and running totals after it. Repository
/// storage (the repository is not the plugin's) gets only the key and
/// value-size limits.
class directory_storage final : public storage {
 public:
  directory_storage(std::filesystem::path root, std::string owner, bool read_only = false,
                    storage_limits limits = {}, bool count_usage = true)
      : root_(std::move(root)), owner_(std::move(owner)), read_only_(read_only), limits_(limits),
        count_usage_(count_usage) {}

  [[nodiscard]] const storage_limits& limits() const noexcept { return limits_; }

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

  /// The file behind `key`, or permission_denied when the key leaves the directory.
  [[nodiscard]] result<std::filesystem::path> resolve(std::string_view key) const {
    auto refuse = [&](const std::string& why) {
      return fail(error{errc::permission_denied, "storage key \"" + std::string(key) + "\" " + why, owner_, {}, {}});
    };
    if (key.empty()) return fail(error{errc::invalid_argument, "storage key is empty", owner_, {}, {}});
    if (key.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
    const std::filesystem::path rel{std::string(key)};
    if (rel.is_absolute() || key.front() == '/') return refuse("is an absolute path");
    for (const auto& part : rel) {
      if (part == "..") return refuse("climbs out with \"..\"");
    }
    if (auto bad = check_storage_key(key, limits_); !bad) return fail(std::move(bad.error()).with_plugin(owner_));
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    const auto base = std::filesystem::canonical(root_, ec);
    if (ec) return fail(error{errc::io_error, "storage directory \"" + root_.string() + "\" is unusable", owner_, {}, {}});
    // Follow every symlink on the way: the real path must stay inside.
    const auto real = std::filesystem::weakly_canonical(base / rel, ec);
    if (ec) return refuse("cannot be resolved");
    auto b = base.begin();
    auto r = real.begin();
    for (; b != base.end(); ++b, ++r) {
      if (r == real.end() || *b != *r) return refuse("resolves outside the plugin's storage (symlink)");
    }
    if (r == real.end()) return refuse("names the storage directory itself");
    return real;
  }

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec)) return std::optional<std::string>{};  // absent, or a key's parent
    std::ifstream in(*file, std::ios::binary);
    if (!in) return fail(error{errc::io_error, "cannot read storage key \"" + std::string(key) + "\"", owner_, {}, {}});
    std::ostringstream buf;
    buf << in.rdbuf();
    return std::optional<std::string>{buf.str()};
  }

  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    if (read_only_) return fail(error{errc::permission_denied, "the plugin's storage is read-only", owner_, {}, {}});
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    if (std::filesystem::is_directory(*file, ec)) {
      return fail(error{errc::invalid_argument,
                        "storage key \"" + std::string(key) + "\" is the parent of other keys; it cannot hold a value",
                        owner_, {}, {}});
    }
    std::optional<std::uint64_t> old;
    if (std::filesystem::is_regular_file(*file, ec)) old = std::filesystem::file_size(*file, ec);
    storage_limits effective = limits_;
    if (!count_usage_) effective.max_bytes = effective.max_keys = ~std::uint64_t{0};
    if (count_usage_ && !usage_) usage_ = measure();
    const usage used = count_usage_ ? *usage_ : usage{};
    if (auto ok = check_storage_quota(key, value.size(), old, used.bytes, used.keys, effective); !ok) {
      return fail(std::move(ok.error()).with_plugin(owner_));
    }
    std::filesystem::create_directories(file->parent_path(), ec);
    if (ec) {
      for (auto p = file->parent_path(); p.has_relative_path(); p = p.parent_path()) {
        std::error_code ignored;
        if (std::filesystem::is_regular_file(p, ignored)) {
          return fail(error{errc::invalid_argument,
                            "storage key \"" + std::string(key) + "\" lies under a key that holds a value", owner_, {}, {}});
        }
      }
      return fail(error{errc::io_error, "cannot create the directory of storage key \"" + std::string(key) + "\": " +
                                            ec.message(), owner_, {}, {}});
    }
    // A name no other writer uses: two storages over one root (a plugin's old
    // and new version during an upgrade, plugins sharing repo storage) each
    // hold their own mutex, so the pid alone would let them share a temp file.
    static std::atomic<std::uint64_t> serial{0};
    const auto tmp = file->string() + ".tmp" + std::to_string(::getpid()) + "." +
                     std::to_string(serial.fetch_add(1, std::memory_order_relaxed));
    bool written = false;
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (out) {
        out.write(value.data(), static_cast<std::streamsize>(value.size()));
        out.close();
        written = !out.fail();
      }
    }
    if (!written) {
      std::filesystem::remove(tmp, ec);
      return fail(error{errc::io_error, "cannot write storage key \"" + std::string(key) + "\"", owner_, {}, {}});
    }
    std::filesystem::rename(tmp, *file, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return fail(error{errc::io_error, "cannot store key \"" + std::string(key) + "\": " + ec.message(), owner_, {}, {}});
    }
    if (usage_) {
      usage_->bytes = usage_->bytes - std::min(usage_->bytes, old.value_or(0)) + value.size();
      if (!old) ++usage_->keys;
    }
    return {};
  }

  [[nodiscard]] result<bool> remove(std::string_view key) override {
    if (read_only_) return fail(error{errc::permission_denied, "the plugin's storage is read-only", owner_, {}, {}});
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec)) return false;
    const auto size = std::filesystem::file_size(*file, ec);
    const bool removed = std::filesystem::remove(*file, ec);
    if (removed && usage_) {
      usage_->bytes -= std::min<std::uint64_t>(usage_->bytes, size);
      if (usage_->keys > 0) --usage_->keys;
    }
    return removed;
  }

 private:
  struct usage {
    std::uint64_t bytes = 0;
    std::uint64_t keys = 0;
  };
  // What the directory already holds (values written by an earlier run count).
  [[nodiscard]] usage measure() const {
    usage u;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) {
        u.bytes += it->file_size(ec);
        ++u.keys;
      }
    }
    return u;
  }

  std::filesystem::path root_;
  std::string owner_;
  bool read_only_;
  storage_limits limits_;
  bool count_usage_;
  std::optional<usage> usage_;
  std::mutex mutex_;
};

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_SANDBOX_HPP
// ---- end aura/plugin/sandbox.hpp
// ---- begin aura/plugin/runtime.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIME_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIME_HPP
// aura/plugin/runtime.hpp - how a manifest's runtime kind becomes callable hooks.
//
// A `runtime_loader` turns a manifest (plus the plugin's context and
// environment) into a `plugin_instance`: one loaded version of the plugin's
// code that hands out a json_hook per declared hook. The host keeps loaders
// in a `runtime_registry` by kind; a kind this build lacks (no WABT, no Lua)
// is simply not registered and loading such a plugin is a clear error.
//
// "native" plugins are C++ callables the host program itself registers, by
// entrypoint name, in a `native_registry` (see register_native).

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

// ---- begin aura/adapters/isolated/options.hpp
#ifndef AURA_SI_AURA_ADAPTERS_ISOLATED_OPTIONS_HPP
#define AURA_SI_AURA_ADAPTERS_ISOLATED_OPTIONS_HPP
// aura/adapters/isolated/options.hpp - the bounds of an isolated plugin's
// worker process, and where the host finds the worker executable.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>


namespace aura {

/// What bounds one isolated plugin (docs/adapters/isolated.md lists each
/// with its default; docs/security.md says why).
struct isolation_limits {
  /// RLIMIT_AS of a worker: address space, bytes. 0 = not set. (Not applied
  /// in a worker built with AddressSanitizer, which reserves terabytes.)
  std::uint64_t address_space = std::uint64_t{1} << 30;
  /// RLIMIT_CPU of a worker, seconds over its whole life (a worker past it
  /// is killed by the kernel and restarted). 0 = not set.
  std::uint64_t cpu_seconds = 60;
  /// RLIMIT_NOFILE of a worker once it has read the plugin file.
  std::uint64_t open_files = 8;
  /// A call's deadline when neither the hook (timeout_ms) nor the runtime's
  /// limits give one.
  std::chrono::milliseconds default_timeout{5000};
  /// How long after the deadline the host waits for the worker's own
  /// (in-process) limit to answer before it SIGKILLs the worker.
  std::chrono::milliseconds kill_margin{50};
  /// Starting a worker and loading the plugin in it.
  std::chrono::milliseconds load_timeout{5000};
  /// Longest line the host reads from a worker (an answer, a capability call).
  std::size_t max_line = std::size_t{1} << 20;
  /// Deepest JSON nesting accepted in a line from a worker.
  std::size_t max_json_depth = 128;
  /// Capability calls (log, storage, http) one event may make.
  std::size_t max_host_calls = 10'000;
  /// Workers serving one plugin at once (concurrent calls beyond wait for one).
  std::size_t max_workers = 2;
  /// Back-off before restarting after a worker was killed or died: doubles
  /// per consecutive failure from `restart_backoff` up to `max_backoff`.
  std::chrono::milliseconds restart_backoff{10};
  std::chrono::milliseconds max_backoff{2000};
};

namespace isolated {

/// The environment variable naming the worker executable.
inline constexpr const char* worker_env = "AURA_WORKER";
/// The worker's file name.
inline constexpr const char* worker_name = "aura-worker";

/// Where the worker is looked for, in order: `explicit_path` (if not empty),
/// $AURA_WORKER, next to the running program, and <program dir>/../libexec/aura
/// (the installed layout).
[[nodiscard]] inline std::vector<std::filesystem::path> worker_candidates(const std::filesystem::path& explicit_path) {
  std::vector<std::filesystem::path> out;
  if (!explicit_path.empty()) {
    out.push_back(explicit_path);
    return out;  // an explicit choice is not second-guessed
  }
  if (const char* env = std::getenv(worker_env); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(self.parent_path() / worker_name);
    out.push_back(self.parent_path().parent_path() / "libexec" / "aura" / worker_name);
  }
  return out;
}

/// The worker executable, or errc::not_found naming every place tried.
[[nodiscard]] inline result<std::filesystem::path> find_worker(const std::filesystem::path& explicit_path) {
  std::string tried;
  for (const auto& p : worker_candidates(explicit_path)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
    tried += (tried.empty() ? "" : ", ") + p.string();
  }
  return fail(errc::not_found,
              std::string("no isolated-plugin worker (") + worker_name + ") found; tried " +
                  (tried.empty() ? std::string("nothing") : tried) + " (set host_options::worker or $" + worker_env +
                  ", or install aura's libexec/aura/" + worker_name + ")");
}

}  // namespace isolated
}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_ISOLATED_OPTIONS_HPP
// ---- end aura/adapters/isolated/options.hpp
// ---- begin aura/core/chain.hpp
#ifndef AURA_SI_AURA_CORE_CHAIN_HPP
#define AURA_SI_AURA_CORE_CHAIN_HPP
// aura/core/chain.hpp - hooks for one event type, run in (priority, name) order.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/context.hpp
#ifndef AURA_SI_AURA_CORE_CONTEXT_HPP
#define AURA_SI_AURA_CORE_CONTEXT_HPP
// aura/core/context.hpp - what a hook may use of the host, checked against permissions.

#include <algorithm>
#include <chrono>
#include <iterator>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura {

/// An API the host itself defines for plugins (Naridon Aura's `intents:read`,
/// `messages:write`...): the `call_api` scope a caller needs, and what it does.
/// Process plugins reach it as the JSON-RPC call `host/<name>`.
struct host_method {
  std::string scope;
  std::function<result<nlohmann::json>(const nlohmann::json& params, const std::string& plugin)> fn;
};
using host_method_table = std::map<std::string, host_method, std::less<>>;

/// A hook's view of the host: logger, clock, merged config, facts, storage and
/// HTTP. Every capability call checks the owner's permissions first: a refused
/// call returns `errc::permission_denied` naming the plugin and what it tried.
///
/// A default-constructed context is the host's own: unrestricted, logging to
/// stderr, the system clock, in-memory storage and no HTTP client.
class context {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  context()
      : perms_(permissions::unrestricted()),
        logger_(std::make_shared<stderr_logger>()),
        clock_(std::make_shared<system_clock_source>()),
        storage_(std::make_shared<memory_storage>()) {}

  // ---- set-up (host side) ----------------------------------------------------
  context& set_owner(std::string plugin) { owner_ = std::move(plugin); return *this; }
  context& set_permissions(permissions p) { perms_ = std::move(p); return *this; }
  context& set_logger(std::shared_ptr<logger> l) { logger_ = std::move(l); return *this; }
  context& set_clock(std::shared_ptr<clock_source> c) { clock_ = std::move(c); return *this; }
  context& set_storage(std::shared_ptr<aura::storage> s) { storage_ = std::move(s); return *this; }
  context& set_http(std::shared_ptr<http_client> h) { http_ = std::move(h); return *this; }
  /// The key rules storage calls are checked against (length, depth); the
  /// storage itself enforces the byte and key-count quotas.
  context& set_storage_limits(storage_limits l) { storage_limits_ = l; return *this; }
  context& set_config(nlohmann::json c) { config_ = std::move(c); return *this; }
  context& set_facts(aura::facts f) { facts_ = std::move(f); return *this; }
  context& set_host_methods(std::shared_ptr<const host_method_table> m) { methods_ = std::move(m); return *this; }
  [[nodiscard]] aura::facts& mutable_facts() noexcept { return facts_; }

  // ---- what hooks read ------------------------------------------------------
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] const permissions& perms() const noexcept { return perms_; }
  [[nodiscard]] const aura::facts& facts() const noexcept { return facts_; }
  [[nodiscard]] const nlohmann::json& config() const noexcept { return config_; }

  /// Logs a line under the owner's name. Refused silently is never an option:
  /// a plugin without the `log` scope gets the refusal back.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  result<void> log(log_level level, std::string_view message) {
    if (auto denied = check_api("log")) return fail(std::move(*denied));
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
    return {};
  }
  /// A host diagnostic about the owner (a repaired answer, a limit hit): not
  /// a plugin log line, so no `log` permission is needed.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  void diagnose(log_level level, std::string_view message) {
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
  }
  [[nodiscard]] time_point now() { return clock_->now(); }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<std::optional<std::string>> storage_get(std::string_view key) {
    if (auto denied = check_storage(false, key)) return fail(std::move(*denied));
    return storage_->get(key);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<void> storage_set(std::string_view key, std::string_view value) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->set(key, value);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<bool> storage_remove(std::string_view key) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->remove(key);
  }

  /// Sends an HTTP request if the owner may reach the URL. The URL is parsed
  /// once (core/url.hpp), checked against the `network` permission, and the
  /// client receives the URL rebuilt from the parsed parts. Redirects are
  /// followed here, not by the client: every Location is resolved by the same
  /// parser and checked again, up to `request.max_redirects` hops (at most
  /// max_http_redirects), all within `request.timeout`. 301/302 turn POST into
  /// GET and 303 turns everything but HEAD into GET, as browsers do; a hop to
  /// another origin drops Authorization and Cookie headers.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<http_response> http(const http_request& request) {
    if (auto denied = check_api("http")) return fail(std::move(*denied));
    auto url = parse_http_url(request.url);
    if (!url) return fail(refusal(url.error().code, std::move(url.error().message)));
    if (auto denied = check_url(*url)) return fail(std::move(*denied));
    if (!http_) return fail(refusal(errc::unsupported, "the host provides no HTTP client"));
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    const int max_hops = std::clamp(request.max_redirects, 0, max_http_redirects);
    http_request hop = request;
    hop.url = url->href();
    for (int hops = 0;; ++hops) {
      auto r = http_->send(hop);
      if (!r) {
        if (r.error().plugin.empty()) r.error().plugin = owner_;
        return r;
      }
      if (request.max_redirects <= 0 || !is_redirect(r->status)) return r;
      const std::string* location = find_header(r->headers, "location");
      if (!location) return r;
      if (hops >= max_hops) {
        return fail(refusal(errc::limit_exceeded, "more than " + std::to_string(max_hops) + " redirects (the last from " +
                                                      url->href() + " to \"" + *location + "\")"));
      }
      auto next = resolve_http_url(*url, *location);
      if (!next) {
        return fail(refusal(next.error().code, "redirect from " + url->href() + ": " + next.error().message));
      }
      if (auto denied = check_url(*next)) {
        denied->message = "redirect from " + url->href() + ": " + denied->message;
        return fail(std::move(*denied));
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return fail(refusal(errc::timeout, "the request's " + std::to_string(request.timeout.count()) +
                                               " ms ran out while following redirects (at " + next->href() + ")"));
      }
      hop.timeout = left;
      if ((r->status == 303 && hop.method != "HEAD") || ((r->status == 301 || r->status == 302) && hop.method == "POST")) {
        hop.method = "GET";
        hop.body.clear();
        erase_header(hop.headers, "content-type");
        erase_header(hop.headers, "content-length");
      }
      if (next->scheme != url->scheme || next->host != url->host || next->effective_port() != url->effective_port()) {
        erase_header(hop.headers, "authorization");
        erase_header(hop.headers, "cookie");
      }
      url = std::move(next);
      hop.url = url->href();
    }
  }

  /// Whether the host defines an API of this name (set_host_methods).
  [[nodiscard]] bool has_host_method(std::string_view name) const {
    return methods_ && methods_->find(name) != methods_->end();
  }
  /// Calls a host-defined API if the owner's call_api grants its scope.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<nlohmann::json> call_host(std::string_view name, const nlohmann::json& params) {
    auto it = methods_ ? methods_->find(name) : host_method_table::const_iterator{};
    if (!methods_ || it == methods_->end()) {
      return fail(refusal(errc::not_found, "no host method \"" + std::string(name) + "\""));
    }
    if (auto denied = check_api(it->second.scope)) {
      denied->message = "host API \"" + std::string(name) + "\" needs scope \"" + it->second.scope +
                        "\", which is not in the plugin's call_api";
      return fail(std::move(*denied));
    }
    return it->second.fn(params, owner_);
  }

 private:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] error refusal(errc code, std::string message) const {
    error e{code, std::move(message), owner_, {}, {}};
    return e;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_api(std::string_view scope) const {
    if (perms_.allows_api(scope)) return std::nullopt;
    return refusal(errc::permission_denied, "host API \"" + std::string(scope) + "\" is not in the plugin's call_api");
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_storage(bool write, std::string_view key) const {
    if (auto denied = check_api("storage")) return denied;
    if (perms_.storage == storage_scope::none) {
      return refusal(errc::permission_denied, "the plugin has no storage permission");
    }
    if (write && !perms_.allows_storage_write()) {
      return refusal(errc::permission_denied, "the plugin's storage is read-only");
    }
    if (auto bad = check_storage_key(key, storage_limits_); !bad) return refusal(bad.error().code, bad.error().message);
    return std::nullopt;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_url(const http_url& url) const {
    if (perms_.allows_url(url)) return std::nullopt;
    return refusal(errc::permission_denied, "network access to \"" + url.authority() +
                                                "\" is not in the plugin's permissions (URL " + url.href() + ")");
  }
  [[nodiscard]] static bool is_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }
  [[nodiscard]] static bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
           });
  }
  [[nodiscard]] static const std::string* find_header(const std::map<std::string, std::string>& headers,
                                                      std::string_view name) {
    for (const auto& [k, v] : headers) {
      if (same_name(k, name)) return &v;
    }
    return nullptr;
  }
  static void erase_header(std::map<std::string, std::string>& headers, std::string_view name) {
    for (auto it = headers.begin(); it != headers.end();) {
      it = same_name(it->first, name) ? headers.erase(it) : std::next(it);
    }
  }

  std::string owner_;
  permissions perms_;
  std::shared_ptr<logger> logger_;
  std::shared_ptr<clock_source> clock_;
  std::shared_ptr<aura::storage> storage_;
  std::shared_ptr<http_client> http_;
  storage_limits storage_limits_;
  nlohmann::json config_ = nlohmann::json::object();
  aura::facts facts_;
  std::shared_ptr<const host_method_table> methods_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CONTEXT_HPP
// ---- end aura/core/context.hpp
// ---- begin aura/core/decision.hpp
#ifndef AURA_SI_AURA_CORE_DECISION_HPP
#define AURA_SI_AURA_CORE_DECISION_HPP
// aura/core/decision.hpp - what a hook answers: allow, deny(reason) or mutate(patch).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

// ---- begin aura/core/hints.hpp
#ifndef AURA_SI_AURA_CORE_HINTS_HPP
#define AURA_SI_AURA_CORE_HINTS_HPP
// aura/core/hints.hpp - branch and inlining hints for the dispatch hot path.

// AURA_LIKELY(x): x is almost always true (the bare-allow answer of a hook).
// AURA_COLD: a rarely taken, out-of-line path; keeps a hook's fast path free of
// the registers and stack its slow path needs (GCC does not shrink-wrap them).
#if defined(__GNUC__) || defined(__clang__)
#define AURA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define AURA_LIKELY(x) (x)
#define AURA_COLD __declspec(noinline)
#else
#define AURA_LIKELY(x) (x)
#define AURA_COLD
#endif
#endif  // AURA_SI_AURA_CORE_HINTS_HPP
// ---- end aura/core/hints.hpp
// ---- begin aura/core/patch.hpp
#ifndef AURA_SI_AURA_CORE_PATCH_HPP
#define AURA_SI_AURA_CORE_PATCH_HPP
// aura/core/patch.hpp - JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902),
// applied to a copy so that a failing patch leaves the input untouched.
//
// nlohmann::json::patch silently accepts a few invalid operations (a `move`
// into the moved value's own child, `add` through a primitive parent); these
// helpers implement RFC 6902 themselves and report every such case.

#include <cstddef>
#include <cstdint>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura {

/// How a JSON patch is spelled: RFC 7396 Merge Patch or RFC 6902 JSON Patch.
enum class patch_format : std::uint8_t { merge, json_patch };

[[nodiscard]] constexpr std::string_view to_string(patch_format f) noexcept {
  return f == patch_format::merge ? "merge" : "json_patch";
}


/// Applies an RFC 7396 merge patch to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json apply_merge_patch(nlohmann::json target, const nlohmann::json& patch) {
  static_cast<Json&>(target).merge_patch(patch);
  return target;
}

namespace detail {

/// Splits an RFC 6901 pointer into unescaped tokens; "" is the root.
[[nodiscard]] inline result<std::vector<std::string>> split_pointer(std::string_view ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr.front() != '/') return fail(errc::patch_failed, "JSON pointer must start with '/': \"" + std::string(ptr) + "\"");
  std::string cur;
  for (std::size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        cur += ptr[i + 1] == '0' ? '~' : '/';
        ++i;
        continue;
      }
      return fail(errc::patch_failed, "bad escape '~' in JSON pointer \"" + std::string(ptr) + "\"");
    }
    cur += ptr[i];
  }
  return tokens;
}

/// An array index token: digits without leading zeros.
[[nodiscard]] inline bool parse_index(const std::string& token, std::size_t& out) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return false;
  std::size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

/// Walks `tokens` from `doc`; nullptr when a step does not exist.
template <class Json>
[[nodiscard]] Json* walk(Json& doc, const std::vector<std::string>& tokens, std::size_t count) {
  Json* cur = &doc;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      if (!parse_index(t, idx) || idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

struct patch_op_context {
  std::size_t index;
  std::string op;
  [[nodiscard]] tl::unexpected<error> fail_at(std::string message) const {
    return fail(errc::patch_failed, "patch operation " + std::to_string(index) + " (" + op + "): " + message,
                "/" + std::to_string(index));
  }
};

template <class Json>
[[nodiscard]] result<void> patch_add(Json& doc, const std::string& path, Json value, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    doc = std::move(value);
    return {};
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    std::size_t idx = 0;
    if (last == "-") {
      parent->push_back(std::move(value));
    } else if (parse_index(last, idx) && idx <= parent->size()) {
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    } else {
      return at.fail_at("array index \"" + last + "\" out of range in \"" + path + "\"");
    }
  } else {
    return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                      ", not an object or array");
  }
  return {};
}

template <class Json>
[[nodiscard]] result<Json> patch_remove(Json& doc, const std::string& path, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    Json old = std::move(doc);
    doc = nullptr;
    return old;
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move(*it);
    parent->erase(it);
    return old;
  }
  if (parent->is_array()) {
    std::size_t idx = 0;
    if (!parse_index(last, idx) || idx >= parent->size()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move((*parent)[idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(idx));
    return old;
  }
  return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                    ", not an object or array");
}

template <class Json>
[[nodiscard]] result<std::string> required_string(const Json& op, const char* key, const patch_op_context& at) {
  auto it = op.find(key);
  if (it == op.end() || !it->is_string()) return at.fail_at(std::string("member \"") + key + "\" must be a string");
  return it->template get<std::string>();
}

}  // namespace detail

/// Applies an RFC 6902 JSON Patch to a copy of `target`. On any failing
/// operation the error names the operation index (`where` = "/<index>") and
/// `target` is returned to nobody: the caller's value is untouched.
///
/// `Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, not in every file including aura (DESIGN §7).
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_json_patch(const nlohmann::json& target, const nlohmann::json& patch_in) {
  const Json& patch = patch_in;
  if (!patch.is_array()) return fail(errc::patch_failed, "a JSON Patch must be an array of operations");
  Json doc = target;
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const auto& op = patch[i];
    detail::patch_op_context at{i, "?"};
    if (!op.is_object()) return at.fail_at("an operation must be an object");
    auto op_name = detail::required_string(op, "op", at);
    if (!op_name) return fail(std::move(op_name.error()));
    at.op = *op_name;
    auto path = detail::required_string(op, "path", at);
    if (!path) return fail(std::move(path.error()));
    auto value_of = [&]() -> result<Json> {
      auto it = op.find("value");
      if (it == op.end()) return at.fail_at("member \"value\" is missing");
      return *it;
    };
    if (at.op == "add") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      if (auto r = detail::patch_add(doc, *path, std::move(*v), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "remove") {
      if (auto r = detail::patch_remove(doc, *path, at); !r) return fail(std::move(r.error()));
    } else if (at.op == "replace") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      *slot = std::move(*v);
    } else if (at.op == "move" || at.op == "copy") {
      auto from = detail::required_string(op, "from", at);
      if (!from) return fail(std::move(from.error()));
      if (at.op == "move" && *from == *path) continue;
      if (at.op == "move" && path->size() > from->size() && path->compare(0, from->size(), *from) == 0 &&
          (*path)[from->size()] == '/') {
        return at.fail_at("cannot move \"" + *from + "\" into its own child \"" + *path + "\"");
      }
      Json value;
      if (at.op == "move") {
        auto removed = detail::patch_remove(doc, *from, at);
        if (!removed) return fail(std::move(removed.error()));
        value = std::move(*removed);
      } else {
        auto tokens = detail::split_pointer(*from);
        if (!tokens) return at.fail_at(tokens.error().message);
        const Json* src = detail::walk(doc, *tokens, tokens->size());
        if (!src) return at.fail_at("\"from\" location \"" + *from + "\" does not exist");
        value = *src;
      }
      if (auto r = detail::patch_add(doc, *path, std::move(value), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "test") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      const Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      if (*slot != *v) return at.fail_at("value at \"" + *path + "\" is not the expected one");
    } else {
      return at.fail_at("unknown operation");
    }
  }
  return doc;
}

/// Applies a patch of either format to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_patch(const nlohmann::json& target, const nlohmann::json& patch,
                                                 patch_format format) {
  if (format == patch_format::json_patch) return apply_json_patch<Json>(target, patch);
  return apply_merge_patch<Json>(target, patch);
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PATCH_HPP
// ---- end aura/core/patch.hpp

namespace aura {

enum class decision_kind : std::uint8_t { allow, deny, mutate };

[[nodiscard]] constexpr std::string_view to_string(decision_kind k) noexcept {
  switch (k) {
    case decision_kind::allow: return "allow";
    case decision_kind::deny: return "deny";
    case decision_kind::mutate: return "mutate";
  }
  return "unknown";
}

namespace detail {
/// A decision taken apart for the dispatch loop: trivially copyable and two
/// words, so a hook's call returns it in registers and a bare allow needs no
/// destructor. `failed` marks a hook that failed (its error travels apart).
struct raw_decision {
  void* body = nullptr;
  decision_kind kind = decision_kind::allow;
  bool failed = false;
  [[nodiscard]] bool is_bare_allow() const noexcept {
    // One test for the common answer (allow is 0): GCC branches three times otherwise.
    const auto tag = static_cast<std::uintptr_t>(kind) | (static_cast<std::uintptr_t>(failed) << 8);
    return (reinterpret_cast<std::uintptr_t>(body) | tag) == 0;
  }
};
}  // namespace detail

// ---- the untyped answers a hook spells; each converts into decision<E> ------

template <class Answer, class Fx>
struct with_effects_t {
  Answer answer;
  Fx effects;
};

/// Adds `.with(effects)` to an answer.
template <class Self>
struct effect_carrier {
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) const& {
    return {static_cast<const Self&>(*this), std::forward<Fx>(fx)};
  }
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) && {
    return {std::move(static_cast<Self&>(*this)), std::forward<Fx>(fx)};
  }
};

struct allow_t : effect_carrier<allow_t> {};
struct deny_t : effect_carrier<deny_t> {
  explicit deny_t(std::string r) : reason(std::move(r)) {}
  std::string reason;
};
template <class P>
struct mutate_t : effect_carrier<mutate_t<P>> {
  explicit mutate_t(P p) : patch(std::move(p)) {}
  P patch;
};
/// A JSON patch for dynamic events (or for the JSON view of a typed one).
struct json_patch_value {
  nlohmann::json patch;
  patch_format format = patch_format::merge;
};

[[nodiscard]] inline allow_t allow() noexcept { return {}; }
[[nodiscard]] inline deny_t deny(std::string reason) { return deny_t(std::move(reason)); }
/// A new value of the event, or a callable `void(E&)` that edits it in place.
template <class P>
[[nodiscard]] mutate_t<std::decay_t<P>> mutate(P&& patch) {
  return mutate_t<std::decay_t<P>>(std::decay_t<P>(std::forward<P>(patch)));
}
/// A JSON patch (Merge Patch by default) for a dynamic event.
[[nodiscard]] inline mutate_t<json_patch_value> mutate(nlohmann::json patch, patch_format format) {
  return mutate_t<json_patch_value>(json_patch_value{std::move(patch), format});
}

/// One hook's answer for event `E`, with optional effects (`E::effects`).
///
/// `deny` on an event that is not vetoable, or `mutate` on one that is not
/// patchable, does not compile for typed events. Dynamic events check at run time.
///
/// An allow without effects is two words and allocates nothing: the reason,
/// patch and effects live in a body allocated only for the answers that carry
/// them, which keeps the common allow path of a chain allocation-free.
template <class E>
class decision {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;
  using effects_type = effects_t<E>;
  /// A typed patch: a whole new value or an in-place edit.
  using edit_fn = std::function<void(payload_type&)>;

  decision() noexcept = default;
  decision(allow_t) noexcept {}  // NOLINT: implicit by design, `return aura::allow();`

  decision(deny_t d) : kind_(decision_kind::deny) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_vetoable,
                  "aura::deny on an event that is not aura::vetoable");
    set_reason(std::move(d.reason));
  }

  template <class P>
  decision(mutate_t<P> m) : kind_(decision_kind::mutate) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_patchable,
                  "aura::mutate on an event that is not aura::patchable");
    set_patch(std::move(m.patch));
  }

  template <class A, class Fx>
  decision(with_effects_t<A, Fx> w) : decision(std::move(w.answer)) {  // NOLINT
    mutable_body().effects = effects_type(std::move(w.effects));
  }

  decision(decision&&) noexcept = default;
  decision& operator=(decision&&) noexcept = default;
  decision(const decision& o) : kind_(o.kind_), body_(o.body_ ? std::make_unique<body>(*o.body_) : nullptr) {}
  decision& operator=(const decision& o) {
    if (this != &o) *this = decision(o);
    return *this;
  }
  ~decision() = default;

  /// The raw form read off the wire, for dynamic events: no compile-time check.
  [[nodiscard]] static decision from_wire(decision_kind kind, std::string reason, nlohmann::json patch,
                                          patch_format format) {
    decision d;
    d.kind_ = kind;
    if (kind == decision_kind::deny) d.mutable_body().reason = std::move(reason);
    if (kind == decision_kind::mutate) {
      body& b = d.mutable_body();
      b.json = std::move(patch);
      b.format = format;
      b.has_json = true;
    }
    return d;
  }

  [[nodiscard]] decision_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_allow() const noexcept { return kind_ == decision_kind::allow; }
  [[nodiscard]] bool is_deny() const noexcept { return kind_ == decision_kind::deny; }
  [[nodiscard]] bool is_mutate() const noexcept { return kind_ == decision_kind::mutate; }
  [[nodiscard]] const std::string& reason() const noexcept { return view().reason; }

  /// A JSON patch (dynamic events, or a JSON hook on a typed event).
  [[nodiscard]] bool has_json_patch() const noexcept { return view().has_json; }
  [[nodiscard]] const nlohmann::json& json_patch() const noexcept { return view().json; }
  [[nodiscard]] patch_format json_patch_format() const noexcept { return view().format; }

  /// Applies a typed patch (new value or edit) to `target`; false if there is none.
  bool apply_to(payload_type& target) {
    if constexpr (!traits::is_dynamic) {
      if (!body_) return false;
      if (auto* v = std::get_if<payload_type>(&body_->edit)) {
        target = std::move(*v);
        return true;
      }
      if (auto* f = std::get_if<edit_fn>(&body_->edit)) {
        (*f)(target);
        return true;
      }
    }
    (void)target;
    return false;
  }

  [[nodiscard]] const std::optional<effects_type>& effects() const noexcept { return view().effects; }
  [[nodiscard]] bool has_effects() const noexcept { return body_ && body_->effects.has_value(); }
  /// Writable effects (allocates the body; use effects() to read).
  [[nodiscard]] std::optional<effects_type>& mutable_effects() { return mutable_body().effects; }
  decision& set_effects(effects_type fx) {
    mutable_body().effects = std::move(fx);
    return *this;
  }

 private:
  using typed_patch =
      std::conditional_t<traits::is_dynamic, std::variant<std::monostate>,
                         std::variant<std::monostate, payload_type, edit_fn>>;
  struct body {
    bool has_json = false;
    patch_format format = patch_format::merge;
    std::string reason;
    typed_patch edit;
    nlohmann::json json;
    std::optional<effects_type> effects;
  };
  template <class>
  friend class chain;
  /// Gives up the body to a raw_decision (see detail::raw_decision).
  [[nodiscard]] detail::raw_decision release_raw() && noexcept { return {body_.release(), kind_, false}; }
  [[nodiscard]] static decision adopt_raw(detail::raw_decision r) noexcept {
    decision d;
    d.kind_ = r.kind;
    d.body_.reset(static_cast<body*>(r.body));
    return d;
  }

  // Out of line: a hook's deny and mutate branches then cost its allow path nothing.
  AURA_COLD void set_reason(std::string&& reason) { mutable_body().reason = std::move(reason); }
  template <class P>
  AURA_COLD void set_patch(P&& patch) {
    body& b = mutable_body();
    if constexpr (std::is_same_v<P, json_patch_value>) {
      b.json = std::move(patch.patch);
      b.format = patch.format;
      b.has_json = true;
    } else if constexpr (traits::is_dynamic) {
      static_assert(std::is_convertible_v<P, nlohmann::json>,
                    "a dynamic event's patch is JSON (a Merge Patch unless a format is given)");
      b.json = nlohmann::json(std::move(patch));
      b.has_json = true;
    } else if constexpr (std::is_convertible_v<P, payload_type>) {
      b.edit = payload_type(std::move(patch));
    } else {
      static_assert(std::is_invocable_v<P&, payload_type&>,
                    "aura::mutate takes a new value of the event or a callable void(E&)");
      b.edit = edit_fn(std::move(patch));
    }
  }

  [[nodiscard]] const body& view() const noexcept {
    static const body empty{};
    return body_ ? *body_ : empty;
  }
  body& mutable_body() {
    if (!body_) body_ = std::make_unique<body>();
    return *body_;
  }

  decision_kind kind_ = decision_kind::allow;
  std::unique_ptr<body> body_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_DECISION_HPP
// ---- end aura/core/decision.hpp
// ---- begin aura/core/effects.hpp
#ifndef AURA_SI_AURA_CORE_EFFECTS_HPP
#define AURA_SI_AURA_CORE_EFFECTS_HPP
// aura/core/effects.hpp - folding the effects of several hooks into one.

#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura {

/// Folds JSON effects (dynamic events): objects merge key by key, arrays
/// concatenate (so two hooks' injected messages both survive), and any other
/// value is replaced by the later hook's.
/// (`Json` is always nlohmann::json: compiled only where called, DESIGN §7.)
template <class Json = nlohmann::json>
void fold_json_effects(nlohmann::json& acc_in, const nlohmann::json& add) {
  Json& acc = acc_in;
  if (add.is_null()) return;
  if (acc.is_object() && add.is_object()) {
    for (auto it = add.begin(); it != add.end(); ++it) fold_json_effects<Json>(acc[it.key()], it.value());
    return;
  }
  if (acc.is_array() && add.is_array()) {
    for (const auto& v : add) acc.push_back(v);
    return;
  }
  acc = add;
}

namespace detail {
template <class Fx, class = void>
struct has_fold : std::false_type {};
template <class Fx>
struct has_fold<Fx, std::void_t<decltype(std::declval<Fx&>().fold(std::declval<const Fx&>()))>>
    : std::true_type {};
}  // namespace detail

/// Folds one hook's effects into the chain's: the effects type's own
/// `fold(const Fx&)` rule when it has one, else the later hook's value wins.
template <class Fx>
void fold_effects(Fx& acc, const Fx& add) {
  if constexpr (std::is_same_v<Fx, nlohmann::json>) {
    fold_json_effects(acc, add);
  } else if constexpr (detail::has_fold<Fx>::value) {
    acc.fold(add);
  } else {
    acc = add;
  }
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_EFFECTS_HPP
// ---- end aura/core/effects.hpp
// ---- begin aura/core/hook_call.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_CALL_HPP
#define AURA_SI_AURA_CORE_HOOK_CALL_HPP
// aura/core/hook_call.hpp - calling a native hook whatever its signature,
// and where a failed call leaves its error. Shared by chains and the agent's
// hook runners.

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura::detail {

/// Where a failed hook call leaves its error until the chain takes it (one
/// per thread: a nested dispatch empties it before its caller's next call).
inline thread_local std::optional<error> hook_failure;

/// A typed event's JSON form, made on the first JSON hook of a dispatch
/// (empty costs one pointer; an std::optional would clear its whole body).
struct lazy_view {
  std::unique_ptr<envelope<dynamic_event>> made;
  explicit operator bool() const noexcept { return made != nullptr; }
  envelope<dynamic_event>* operator->() const noexcept { return made.get(); }
  envelope<dynamic_event>& operator*() const noexcept { return *made; }
  lazy_view& operator=(envelope<dynamic_event> v) {
    made = std::make_unique<envelope<dynamic_event>>(std::move(v));
    return *this;
  }
};

/// Whether a type converts to and from nlohmann::json (needed for JSON hooks).
template <class T, class = void>
struct json_convertible : std::false_type {};
template <class T>
struct json_convertible<T, std::void_t<decltype(nlohmann::json(std::declval<const T&>())),
                                       decltype(std::declval<const nlohmann::json&>().template get<T>())>>
    : std::true_type {};

/// Calls a native hook with whichever of (payload), (envelope), (payload, ctx),
/// (envelope, ctx) it accepts; returns its answer as it is.
template <class E, class F>
decltype(auto) call_hook(F& fn, const envelope<E>& env, context& ctx) {
  using payload = payload_t<E>;
  if constexpr (std::is_invocable_v<F&, const envelope<E>&, context&>) {
    return fn(env, ctx);
  } else if constexpr (std::is_invocable_v<F&, const payload&, context&>) {
    return fn(env.data, ctx);
  } else if constexpr (std::is_invocable_v<F&, const envelope<E>&>) {
    return fn(env);
  } else {
    static_assert(std::is_invocable_v<F&, const payload&>,
                  "a hook takes (const E&), (const aura::envelope<E>&), or either plus aura::context&");
    return fn(env.data);
  }
}

/// Whether a hook answers result<decision<E>> (may fail) rather than a decision.
template <class E, class R>
inline constexpr bool answers_result = std::is_same_v<std::decay_t<R>, result<decision<E>>>;

template <class E, class R>
inline constexpr void check_answer() {
  static_assert(answers_result<E, R> || std::is_convertible_v<R, decision<E>>,
                "a hook returns aura::allow(), aura::deny(...), aura::mutate(...), "
                "aura::decision<E> or aura::result<aura::decision<E>>");
}

/// Calls a native hook (see call_hook) and lifts its answer into result<decision<E>>.
template <class E, class F>
[[nodiscard]] result<decision<E>> call_native(F& fn, const envelope<E>& env, context& ctx) {
  decltype(auto) answer = call_hook<E>(fn, env, ctx);
  using R = decltype(answer);
  check_answer<E, R>();
  if constexpr (answers_result<E, R>) {
    return std::forward<R>(answer);
  } else {
    return decision<E>(std::forward<R>(answer));
  }
}

/// The error a hook's exception becomes (`ex` null: not a std::exception).
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] error thrown_error(const std::exception* ex) {
  if (ex) return error{errc::hook_failed, std::string("hook threw: ") + ex->what(), {}, {}, {}};
  return error{errc::hook_failed, "hook threw a non-standard exception", {}, {}, {}};
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_CALL_HPP
// ---- end aura/core/hook_call.hpp
// ---- begin aura/core/hook_list.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_LIST_HPP
#define AURA_SI_AURA_CORE_HOOK_LIST_HPP
// aura/core/hook_list.hpp - a run-ordered hook list that versions share.
//
// A chain publishes a new immutable version on every edit. Copying the whole
// list each time made registration quadratic (10,000 adds: 5.6 s), so the
// list is cut into chunks of at most `chunk_capacity` hooks, shared by every
// version that has them. The chain's writers keep one draft list: an edit
// changes the chunk it touches in place, or a copy of it when a published
// version shares it; publishing copies the chunk index (one pointer per
// chunk). Adding 10,000 hooks one by one costs O(log N + 64) per add, plus
// O(N/64) per version published. Dispatch walks the chunks in order; each
// holds the hot data contiguously.

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

/// `Entry` has `opts` (hook_options); `Hot` has `static Hot of(const Entry&)`.
///
/// Versions are copied and destroyed only by the owning chain's writers,
/// under its edit lock (readers never copy one), so the counts that share
/// chunks and entries between versions are plain integers: copying a
/// version of 10,000 hooks bumps 157 of them, no atomic operation.
template <class Entry, class Hot>
class hook_list {
  struct box {  // one entry, shared by every chunk that lists it
    std::shared_ptr<const Entry> entry;
    std::size_t refs = 0;
  };

 public:
  static constexpr std::size_t chunk_capacity = 64;
  struct chunk {
    std::vector<Hot> hot;     // run order
    std::vector<box*> boxes;  // beside `hot`: keeps each entry alive
    std::size_t refs = 0;
  };

  hook_list() = default;
  hook_list(const hook_list& o) : chunks_(o.chunks_), count_(o.count_) {
    for (chunk* c : chunks_) ++c->refs;
  }
  hook_list(hook_list&& o) noexcept : chunks_(std::move(o.chunks_)), count_(std::exchange(o.count_, 0)) {
    o.chunks_.clear();
  }
  hook_list& operator=(const hook_list&) = delete;
  hook_list& operator=(hook_list&&) = delete;
  ~hook_list() {
    for (chunk* c : chunks_) release(c);
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const std::vector<chunk*>& chunks() const noexcept { return chunks_; }

  template <class F>
  void for_each(F&& fn) const {
    for (const chunk* c : chunks_) {
      for (const box* b : c->boxes) fn(*b->entry);
    }
  }

  /// Adds `e` in run order (its name must not be in the list).
  void insert(std::shared_ptr<const Entry> e) {
    auto* b = new box{std::move(e), 0};
    const Entry& entry = *b->entry;
    if (chunks_.empty()) {
      chunk* first = fresh({});
      first->hot.push_back(Hot::of(entry));
      first->boxes.push_back(b);
      ++b->refs;
      chunks_.push_back(first);
      count_ = 1;
      return;
    }
    const std::size_t at = chunk_of(entry.opts);
    chunk* c = own(at);
    auto pos = std::upper_bound(c->boxes.begin(), c->boxes.end(), entry.opts,
                                [](const hook_options& o, const box* x) { return runs_before(o, x->entry->opts); });
    const auto i = pos - c->boxes.begin();
    c->hot.insert(c->hot.begin() + i, Hot::of(entry));
    c->boxes.insert(pos, b);
    ++b->refs;
    ++count_;
    if (c->boxes.size() > chunk_capacity) {  // split in halves
      const auto half = static_cast<std::ptrdiff_t>(c->boxes.size() / 2);
      chunk* tail = new chunk;
      tail->refs = 1;
      tail->hot.assign(c->hot.begin() + half, c->hot.end());
      tail->boxes.assign(c->boxes.begin() + half, c->boxes.end());  // boxes move: counts unchanged
      c->hot.resize(static_cast<std::size_t>(half));
      c->boxes.resize(static_cast<std::size_t>(half));
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at) + 1, tail);
    }
  }

  /// Removes the entry `e` (found by its run order); false if it is not here.
  bool erase(const Entry& e) {
    if (chunks_.empty()) return false;
    const std::size_t at = chunk_of(e.opts);
    const chunk& old = *chunks_[at];
    auto pos = std::lower_bound(old.boxes.begin(), old.boxes.end(), e.opts,
                                [](const box* x, const hook_options& o) { return runs_before(x->entry->opts, o); });
    if (pos == old.boxes.end() || (*pos)->entry.get() != &e) return false;
    const auto i = pos - old.boxes.begin();
    --count_;
    if (old.boxes.size() == 1) {
      release(chunks_[at]);
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at));
      return true;
    }
    chunk* c = own(at);
    release_box(c->boxes[static_cast<std::size_t>(i)]);
    c->hot.erase(c->hot.begin() + i);
    c->boxes.erase(c->boxes.begin() + i);
    return true;
  }

 private:
  // Chunk `at`, this list's own to change: as it is if no other version
  // shares it, else a copy that replaces it here.
  chunk* own(std::size_t at) {
    chunk* c = chunks_[at];
    if (c->refs == 1) return c;
    chunk* copy = fresh(*c);
    release(std::exchange(chunks_[at], copy));
    return copy;
  }
  // A new chunk (count 1) copying `from`; its entries gain a holder each.
  static chunk* fresh(const chunk& from) {
    chunk* c = new chunk{from.hot, from.boxes, 1};
    for (box* b : c->boxes) ++b->refs;
    return c;
  }
  static void release_box(box* b) noexcept {
    if (--b->refs == 0) delete b;
  }
  static void release(chunk* c) noexcept {
    if (--c->refs != 0) return;
    for (box* b : c->boxes) release_box(b);
    delete c;
  }

  // The chunk whose range holds `o`: the first whose last hook does not run
  // before it, else the last chunk.
  [[nodiscard]] std::size_t chunk_of(const hook_options& o) const {
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), o, [](const chunk* c, const hook_options& x) {
      return runs_before(c->boxes.back()->entry->opts, x);
    });
    if (it == chunks_.end()) return chunks_.size() - 1;
    return static_cast<std::size_t>(it - chunks_.begin());
  }

  std::vector<chunk*> chunks_;
  std::size_t count_ = 0;
};

/// The writers' index of a hook list: by name and by owning plugin, so an add,
/// a remove and a plugin's removal find their hooks in O(log N).
template <class Entry>
class hook_names {
 public:
  [[nodiscard]] const std::shared_ptr<const Entry>* find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  void add(const std::shared_ptr<const Entry>& e) {
    by_name_.emplace(e->opts.name, e);
    if (!e->opts.plugin.empty()) by_plugin_[e->opts.plugin].insert(e->opts.name);
  }
  void drop(const Entry& e) {
    if (!e.opts.plugin.empty()) {
      auto it = by_plugin_.find(e.opts.plugin);
      if (it != by_plugin_.end()) {
        it->second.erase(e.opts.name);
        if (it->second.empty()) by_plugin_.erase(it);
      }
    }
    by_name_.erase(e.opts.name);
  }
  /// The names of the hooks `plugin` owns.
  [[nodiscard]] std::vector<std::string> owned_by(std::string_view plugin) const {
    auto it = by_plugin_.find(plugin);
    if (it == by_plugin_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> by_name_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> by_plugin_;
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_LIST_HPP
// ---- end aura/core/hook_list.hpp
// ---- begin aura/core/hook_placement.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
#define AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// aura/core/hook_placement.hpp - a hook's place in a run-ordered list: its
// `when` gate parsed at registration, insertion and removal by name, the
// errors for a duplicate or a missing hook, and the failure policy's verdict.
// Shared by chains and the agent's pipelines.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Parses a hook's `when` gate once, at registration; a missing name or a bad
/// expression is an error naming the hook. Shared by every hook runner.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] result<std::optional<condition>> parse_gate(const hook_options& opts, const predicate_registry* registry) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a hook needs a name");
  if (opts.when.empty()) return std::optional<condition>{};
  auto parsed = condition::parse(opts.when, registry);
  if (!parsed) {
    error e = std::move(parsed.error());
    e.hook = opts.name;
    e.plugin = opts.plugin;
    return fail(std::move(e));
  }
  return std::optional<condition>(std::move(*parsed));
}

/// How placing a hook in a run-ordered list went.
enum class placement : std::uint8_t { placed, duplicate, missing };

/// Puts `e` into `hooks` in run order, all or nothing; with `replacing`, that
/// hook leaves in the same step, and `carry(old, e)` may keep its state.
/// Shared by every hook list (chains, the agent pipelines); `Entry` has `opts`.
template <class Entry, class Carry, class Order>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry,
                                   Order&& before) {
  auto named = [&](std::string_view name) {
    return std::find_if(hooks.begin(), hooks.end(), [&](const Entry& h) { return h.opts.name == name; });
  };
  auto old = replacing.empty() ? hooks.end() : named(replacing);
  if (!replacing.empty() && old == hooks.end()) return placement::missing;
  auto same = named(e.opts.name);
  if (same != hooks.end() && same != old) return placement::duplicate;
  if (old != hooks.end()) {
    carry(*old, e);
    hooks.erase(old);
  }
  auto pos = std::upper_bound(hooks.begin(), hooks.end(), e,
                              [&](const Entry& a, const Entry& b) { return before(a.opts, b.opts); });
  hooks.insert(pos, std::move(e));
  return placement::placed;
}

/// place_hook in the usual (priority, name) run order.
template <class Entry, class Carry>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry) {
  return place_hook(hooks, std::move(e), replacing, std::forward<Carry>(carry), runs_before);
}

/// A hook's failure under its policy: names the hook in `e`, and returns the
/// reason to stop with when the hook fails closed (nullopt: fail_open, go on).
[[nodiscard]] inline std::optional<std::string> failure_verdict(const hook_options& h, error& e) {
  e.hook = h.name;
  if (e.plugin.empty()) e.plugin = h.plugin;
  if (h.on_error != failure_policy::fail_closed) return std::nullopt;
  return "hook \"" + h.name + "\" failed: " + e.message;
}

/// Removes the hook named `name`; false if there is none.
template <class Entry>
bool remove_hook(std::vector<Entry>& hooks, std::string_view name) {
  auto it = std::find_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.name == name; });
  if (it == hooks.end()) return false;
  hooks.erase(it);
  return true;
}

/// Removes every hook `plugin` owns; returns how many.
template <class Entry>
std::size_t remove_plugin_hooks(std::vector<Entry>& hooks, std::string_view plugin) {
  auto keep = std::remove_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.plugin == plugin; });
  const auto n = static_cast<std::size_t>(hooks.end() - keep);
  hooks.erase(keep, hooks.end());
  return n;
}

/// The error for a placement that failed; `where` is "the chain for \"e\"" or the like.
[[nodiscard]] inline error placement_error(placement p, const hook_options& opts, std::string_view replacing,
                                           const std::string& where) {
  if (p == placement::missing) {
    return error{errc::not_found, "no hook named \"" + std::string(replacing) + "\" to replace in " + where,
                 opts.plugin, opts.name, {}};
  }
  return error{errc::already_exists, "a hook named \"" + opts.name + "\" is already in " + where, opts.plugin,
               opts.name, {}};
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// ---- end aura/core/hook_placement.hpp
// ---- begin aura/core/outcome.hpp
#ifndef AURA_SI_AURA_CORE_OUTCOME_HPP
#define AURA_SI_AURA_CORE_OUTCOME_HPP
// aura/core/outcome.hpp - what a dispatch returns: the verdict and how it came about.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>


namespace aura {

/// The chain's verdict: allowed as is, allowed with changes, or denied.
enum class verdict : std::uint8_t { allow, mutate, deny };

[[nodiscard]] constexpr std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::allow: return "allow";
    case verdict::mutate: return "mutate";
    case verdict::deny: return "deny";
  }
  return "unknown";
}

/// One hook run: what it answered and how long it took.
struct trail_entry {
  std::string hook;
  std::string plugin;
  decision_kind kind = decision_kind::allow;  ///< the decision that took effect
  bool failed = false;                        ///< the hook failed; `kind` is its policy's answer
  std::chrono::nanoseconds duration{0};       ///< zero unless the chain traces timings
};

/// The result of dispatching one event through a chain.
template <class E>
struct outcome {
  aura::verdict verdict = aura::verdict::allow;
  std::string reason;     ///< deny reason (the hook's, or the failure that closed the chain)
  std::string denied_by;  ///< the hook that denied
  payload_t<E> data{};    ///< the final payload, with every accepted mutation applied
  effects_t<E> effects{}; ///< the hooks' effects folded in chain order
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;  ///< hook failures, protocol violations, rejected patches

  [[nodiscard]] bool allowed() const noexcept { return verdict != aura::verdict::deny; }
  [[nodiscard]] bool denied() const noexcept { return verdict == aura::verdict::deny; }
  [[nodiscard]] bool mutated() const noexcept { return verdict == aura::verdict::mutate; }
  explicit operator bool() const noexcept { return allowed(); }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_OUTCOME_HPP
// ---- end aura/core/outcome.hpp
// ---- begin aura/core/snapshot.hpp
#ifndef AURA_SI_AURA_CORE_SNAPSHOT_HPP
#define AURA_SI_AURA_CORE_SNAPSHOT_HPP
// aura/core/snapshot.hpp - an immutable value published to lock-free readers.
//
// Dispatch must read the current chain without taking a lock while writers
// swap in new versions, and without writing a cache line that other
// dispatching threads write too (a shared reference count costs more than a
// whole hook call once two threads dispatch). So readers announce what they
// read in a hazard slot of their own thread (a cache line nobody else writes)
// and writers retire old versions into a list they free in batches, skipping
// any version a hazard slot still names.
//
// The reader's announcement must be ordered before its re-check of the
// published word (a store-load fence). On Linux the fence is paid by the
// writer, once per batch: membarrier(PRIVATE_EXPEDITED) makes every running
// thread of the process execute a full barrier, so readers need only a
// compiler fence (the asymmetric fence of folly's and liburcu's hazard
// pointers). Where membarrier is unavailable, and under ThreadSanitizer (which
// does not model it), readers use a sequentially consistent store instead.
//
// A thread holds at most `slots_per_thread` versions at once in hazard slots
// (nested dispatch: a hook that emits); deeper nesting pins the version with a
// counter on it instead, still lock-free. An in-flight dispatch always
// finishes on the version it started with.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define AURA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AURA_TSAN 1
#endif
#endif

namespace aura::detail {

/// One thread's hazard slots; records are never freed, only reused by later threads.
struct alignas(64) hazard_record {
  static constexpr int slots_per_thread = 8;
  std::atomic<const void*> slots[slots_per_thread] = {};
  std::atomic<bool> owned{false};
  hazard_record* next = nullptr;  // immutable once the record is linked
};

struct hazard_domain {
  std::atomic<hazard_record*> head{nullptr};
  bool asymmetric = false;  // readers skip the store-load fence; writers run membarrier

  hazard_domain() noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0) {
      asymmetric = true;
    }
#endif
  }

  /// A free record for the calling thread (reused, or linked in once).
  hazard_record* claim() {
    for (hazard_record* r = head.load(std::memory_order_acquire); r; r = r->next) {
      bool expected = false;
      if (!r->owned.load(std::memory_order_relaxed) &&
          r->owned.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        return r;
      }
    }
    auto* r = new hazard_record;  // lives for the process (a handful of bytes per thread ever run)
    r->owned.store(true, std::memory_order_relaxed);
    hazard_record* h = head.load(std::memory_order_relaxed);
    do {
      r->next = h;
    } while (!head.compare_exchange_weak(h, r, std::memory_order_release, std::memory_order_relaxed));
    return r;
  }

  /// Makes every reader's announcement visible before the writer scans them.
  void writer_fence() const noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    if (asymmetric) {
      (void)syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
      return;
    }
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
};

[[nodiscard]] inline hazard_domain& hazards() noexcept {
  static hazard_domain domain;  // constructed before any reader or writer uses it
  return domain;
}

/// The calling thread's record, handed back when the thread ends.
class thread_hazards {
 public:
  thread_hazards() : record_(hazards().claim()) {}
  ~thread_hazards() {
    for (auto& s : record_->slots) s.store(nullptr, std::memory_order_release);
    record_->owned.store(false, std::memory_order_release);
  }
  thread_hazards(const thread_hazards&) = delete;
  thread_hazards& operator=(const thread_hazards&) = delete;
  [[nodiscard]] hazard_record& record() noexcept { return *record_; }

 private:
  hazard_record* record_;
};

[[nodiscard]] inline hazard_record& my_hazards() {
  thread_local thread_hazards mine;
  return mine.record();
}

template <class T>
class published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::uint32_t> pins{0};  // readers beyond their hazard slots
  };

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(node* n, std::atomic<const void*>* slot) noexcept : node_(n), slot_(slot) {}
    guard(guard&& o) noexcept : node_(std::exchange(o.node_, nullptr)), slot_(std::exchange(o.slot_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        node_ = std::exchange(o.node_, nullptr);
        slot_ = std::exchange(o.slot_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (slot_) {
        slot_->store(nullptr, std::memory_order_release);
      } else if (node_) {
        node_->pins.fetch_sub(1, std::memory_order_release);
      }
      node_ = nullptr;
      slot_ = nullptr;
    }
    node* node_ = nullptr;
    std::atomic<const void*>* slot_ = nullptr;
  };

  explicit published(T initial) : current_(new node(std::move(initial))) { (void)hazards(); }
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
    // No reader may be inside when the owner is destroyed.
    delete current_.load(std::memory_order_acquire);
    for (node* n : retired_) delete n;
  }

  /// Enters the current version; lock-free, never blocks on writers, writes
  /// only the calling thread's own cache line.
  [[nodiscard]] guard acquire() const {
    hazard_record& mine = my_hazards();
    const bool asymmetric = hazards().asymmetric;
    for (auto& slot : mine.slots) {
      if (slot.load(std::memory_order_relaxed) != nullptr) continue;
      node* n = current_.load(std::memory_order_acquire);
      for (;;) {
        if (asymmetric) {
          slot.store(n, std::memory_order_relaxed);
          std::atomic_signal_fence(std::memory_order_seq_cst);
        } else {
          slot.store(n, std::memory_order_seq_cst);
        }
        node* again = current_.load(std::memory_order_seq_cst);
        if (again == n) return guard(n, &slot);
        n = again;
      }
    }
    // Every slot is in use (deeply nested dispatch): pin the version instead.
    node* n = current_.load(std::memory_order_acquire);
    for (;;) {
      n->pins.fetch_add(1, std::memory_order_seq_cst);
      node* again = current_.load(std::memory_order_seq_cst);
      if (again == n) return guard(n, nullptr);
      n->pins.fetch_sub(1, std::memory_order_release);
      n = again;
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = current_.load(std::memory_order_acquire);
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// The current version, for a writer that serialises all writes itself
  /// (no guard needed: only writers free versions, and they wait for it).
  [[nodiscard]] const T& current_for_writer() const noexcept {
    return current_.load(std::memory_order_acquire)->value;
  }

 private:
  // Called with writers_ held. Frees retired versions in batches: the batch
  // size doubles with the survivors so the cost per retirement stays O(1)
  // amortised (plus one writer fence per batch).
  void retire(node* old) {
    retired_.push_back(old);
    if (retired_.size() < reclaim_at_) return;
    hazards().writer_fence();
    std::vector<const void*> held;
    for (hazard_record* r = hazards().head.load(std::memory_order_acquire); r; r = r->next) {
      for (auto& s : r->slots) {
        if (const void* p = s.load(std::memory_order_acquire)) held.push_back(p);
      }
    }
    std::sort(held.begin(), held.end());
    std::size_t kept = 0;
    for (node* n : retired_) {
      const bool in_use = std::binary_search(held.begin(), held.end(), static_cast<const void*>(n)) ||
                          n->pins.load(std::memory_order_acquire) != 0;
      if (in_use) {
        retired_[kept++] = n;
      } else {
        delete n;
      }
    }
    retired_.resize(kept);
    reclaim_at_ = std::max<std::size_t>(batch, 2 * kept);
  }

  static constexpr std::size_t batch = 16;
  std::atomic<node*> current_;
  std::vector<node*> retired_;  // swapped out, maybe still read
  std::size_t reclaim_at_ = batch;
  std::mutex writers_;  // writers only; dispatch never touches it
};

/// A published value whose last reader frees a swapped-out version on its way
/// out (a split reference count: one CAS in, one out, on a shared word). For
/// values whose release must be prompt (the plugin host waits for an old
/// version's last user); dispatch uses `published` instead.
template <class T>
class counted_published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::int64_t> inside{0};  // readers handed over by a writer, minus readers gone
  };
  static constexpr std::uint64_t count_bits = 16;
  static constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
  static_assert(sizeof(void*) == 8, "aura's lock-free snapshot needs a 64-bit address space");

  [[nodiscard]] static std::uint64_t pack(node* n) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(n);
    // User-space addresses fit in 48 bits on x86-64 and AArch64 (4-level paging).
    if ((bits >> (64 - count_bits)) != 0) std::terminate();
    return static_cast<std::uint64_t>(bits) << count_bits;
  }
  [[nodiscard]] static node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<node*>(static_cast<std::uintptr_t>(word >> count_bits));
  }

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(counted_published* owner, node* n) noexcept : owner_(owner), node_(n) {}
    guard(guard&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), node_(std::exchange(o.node_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        node_ = std::exchange(o.node_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (owner_) owner_->release(node_);
      owner_ = nullptr;
      node_ = nullptr;
    }
    counted_published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit counted_published(T initial) : word_(pack(new node(std::move(initial)))) {}
  counted_published(const counted_published&) = delete;
  counted_published& operator=(const counted_published&) = delete;
  ~counted_published() {
    // No reader may be inside when the owner is destroyed.
    delete unpack(word_.load(std::memory_order_acquire));
  }

  /// Enters the current version; lock-free, never blocks on writers.
  [[nodiscard]] guard acquire() noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & count_mask) == count_mask) {  // 65,535 readers inside at once: let one leave
        std::this_thread::yield();
        cur = word_.load(std::memory_order_acquire);
        continue;
      }
      if (word_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return guard(this, unpack(cur));
      }
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = unpack(word_.load(std::memory_order_acquire));
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

 private:
  void release(node* n) noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    while (unpack(cur) == n) {  // still current: give our count back
      if (word_.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel, std::memory_order_acquire)) return;
    }
    // Swapped out: the writer moved our count into the node.
    if (n->inside.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
  }
  static void retire(node* n, std::int64_t readers_inside) noexcept {
    if (n->inside.fetch_add(readers_inside, std::memory_order_acq_rel) + readers_inside == 0) delete n;
  }

  std::atomic<std::uint64_t> word_;
  std::mutex writers_;  // writers only; dispatch never touches it
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_SNAPSHOT_HPP
// ---- end aura/core/snapshot.hpp
// ---- begin aura/core/stats.hpp
#ifndef AURA_SI_AURA_CORE_STATS_HPP
#define AURA_SI_AURA_CORE_STATS_HPP
// aura/core/stats.hpp - per-hook counters and a lock-free latency histogram.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <string>


namespace aura {

/// A latency histogram with bounded relative error (HdrHistogram-style
/// log-linear buckets): values below 64 ns are exact, above that each power of
/// two is cut into 32 buckets, and a quantile is reported as its bucket's
/// midpoint, so it is within `relative_error` (1/64, about 1.6%) of a recorded
/// value. Values from 2^44 ns (about 4.9 hours) up share the last bucket.
/// Recording is one relaxed atomic increment; the 10 KB of buckets are
/// allocated at the first record, so hooks that are never timed cost nothing.
class latency_histogram {
 public:
  static constexpr int sub_bits = 5;
  static constexpr int sub_buckets = 1 << sub_bits;  // 32 per power of two
  static constexpr int max_log = 43;                 // values >= 2^44 ns: last bucket
  static constexpr int bucket_count = sub_buckets + (max_log - sub_bits + 1) * sub_buckets;
  static constexpr double relative_error = 1.0 / (2 * sub_buckets);

  latency_histogram() = default;
  latency_histogram(const latency_histogram&) = delete;
  latency_histogram& operator=(const latency_histogram&) = delete;
  ~latency_histogram() { delete[] buckets_.load(std::memory_order_relaxed); }

  void record(std::uint64_t ns) noexcept {
    std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) b = allocate();
    if (b == nullptr) return;  // out of memory: the sample is dropped, nothing else is
    b[static_cast<std::size_t>(index_of(ns))].fetch_add(1, std::memory_order_relaxed);
  }

  /// Quantile q (0 < q <= 1) in ns, within relative_error; 0 when empty.
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    const std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) return 0;
    std::uint64_t total = 0;
    for (int i = 0; i < bucket_count; ++i) total += b[i].load(std::memory_order_relaxed);
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += b[i].load(std::memory_order_relaxed);
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(bucket_count - 1);
  }

  [[nodiscard]] static int index_of(std::uint64_t ns) noexcept {
    if (ns < 2 * sub_buckets) return static_cast<int>(ns);
    int log = 63 - __builtin_clzll(ns);  // >= sub_bits + 1
    if (log > max_log) return bucket_count - 1;
    const int sub = static_cast<int>((ns >> (log - sub_bits)) & (sub_buckets - 1));
    return sub_buckets + (log - sub_bits) * sub_buckets + sub;
  }
  /// The smallest value of bucket `index`.
  [[nodiscard]] static std::uint64_t lower_bound(int index) noexcept {
    if (index < 2 * sub_buckets) return static_cast<std::uint64_t>(index);
    const int log = (index - sub_buckets) / sub_buckets + sub_bits;
    const auto sub = static_cast<std::uint64_t>((index - sub_buckets) % sub_buckets);
    return (std::uint64_t{1} << log) + (sub << (log - sub_bits));
  }
  /// The largest value of bucket `index`.
  [[nodiscard]] static std::uint64_t upper_bound(int index) noexcept {
    if (index >= bucket_count - 1) return ~std::uint64_t{0};
    return lower_bound(index + 1) - 1;
  }
  /// What a quantile in bucket `index` reports.
  [[nodiscard]] static std::uint64_t midpoint(int index) noexcept {
    if (index >= bucket_count - 1) return lower_bound(index);
    return lower_bound(index) + (upper_bound(index) - lower_bound(index)) / 2;
  }

 private:
  std::atomic<std::uint64_t>* allocate() noexcept {
    auto* fresh = new (std::nothrow) std::atomic<std::uint64_t>[bucket_count]();
    if (fresh == nullptr) return nullptr;
    std::atomic<std::uint64_t>* expected = nullptr;
    if (!buckets_.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      delete[] fresh;  // another thread won
      return expected;
    }
    return fresh;
  }

  std::atomic<std::atomic<std::uint64_t>*> buckets_{nullptr};
};

namespace detail {
/// Serialised bytes of the hook call running on this thread (see record_wire_bytes).
struct wire_bytes {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};
inline thread_local wire_bytes current_call_bytes;

/// Dispatches left on this thread until the next recorded one (tracing::sampled).
/// Starts at 1, so a thread's first dispatch is recorded; a thread's own
/// counter, so sampling writes no shared cache line.
inline thread_local std::uint32_t sample_countdown = 1;
[[nodiscard]] inline bool take_sample() noexcept {
  if (--sample_countdown != 0) return false;
  sample_countdown = tracing_sample_period;
  return true;
}
}  // namespace detail

/// Adapters call this when they serialise a hook call: `in` bytes sent to the
/// plugin, `out` bytes read back. The chain adds them to the hook's stats.
inline void record_wire_bytes(std::uint64_t in, std::uint64_t out) noexcept {
  detail::current_call_bytes.in += in;
  detail::current_call_bytes.out += out;
}

/// One hook's running counters; shared by every snapshot of its chain.
struct hook_counters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> denies{0};
  std::atomic<std::uint64_t> mutations{0};
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> bytes_in{0};   ///< serialised bytes sent to the hook (plugins)
  std::atomic<std::uint64_t> bytes_out{0};  ///< serialised bytes received back
  latency_histogram latency;
};

/// A copy of one hook's figures at one moment.
struct hook_stats {
  std::string event;
  std::string hook;
  std::string plugin;
  std::uint64_t calls = 0, errors = 0, denies = 0, mutations = 0, skipped = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::nanoseconds p50{0}, p95{0}, p99{0};

  [[nodiscard]] static hook_stats of(const hook_counters& c) {
    hook_stats s;
    s.calls = c.calls.load(std::memory_order_relaxed);
    s.errors = c.errors.load(std::memory_order_relaxed);
    s.denies = c.denies.load(std::memory_order_relaxed);
    s.mutations = c.mutations.load(std::memory_order_relaxed);
    s.skipped = c.skipped.load(std::memory_order_relaxed);
    s.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
    s.bytes_out = c.bytes_out.load(std::memory_order_relaxed);
    s.p50 = std::chrono::nanoseconds(c.latency.quantile(0.50));
    s.p95 = std::chrono::nanoseconds(c.latency.quantile(0.95));
    s.p99 = std::chrono::nanoseconds(c.latency.quantile(0.99));
    return s;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STATS_HPP
// ---- end aura/core/stats.hpp

namespace aura {

/// The context dispatch uses when the caller passes none: the host's own.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] context& host_context() {
  static context ctx;
  return ctx;
}

/// A hook over the JSON form of an event: what adapters (process, command,
/// WASM, Lua) and dynamic callers register.
using json_hook = std::function<result<decision<dynamic_event>>(const envelope<dynamic_event>&, context&)>;

/// Checks a payload after each mutation (a JSON Schema, usually): nullopt when
/// valid, else an error whose `where` is the JSON pointer at fault.
template <class E>
using payload_check = std::function<std::optional<error>(const payload_t<E>&)>;

/// How a chain folds one hook's effects into the accumulated ones. Empty: the
/// effects type's own rule (fold_effects). Dynamic events get theirs from the
/// catalog that declares them (bus::declare), so a JSON chain folds by the
/// same documented rules as a typed one without the core knowing the catalog.
template <class E>
using effects_fold = std::function<void(effects_t<E>&, const effects_t<E>&)>;


/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot, so it finishes on the hooks it
/// started with. Hook edits are published by the next reader (the first
/// dispatch after an edit takes the edit lock once; the others take none).
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  /// `trace`: what each dispatch records (see aura::tracing; the default
  /// costs next to nothing and builds no trail).
  explicit chain(tracing trace = tracing::sampled) : state_(snapshot{}) {
    edit([&](snapshot& n) {
      n.trace = trace;
      n.flags = traits::flags;
    });
  }

  /// Adds a native hook. `fn` takes (const E&), (const envelope<E>&), or either
  /// plus context&, and returns a decision (or result<decision<E>>).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    if constexpr (traits::is_dynamic && std::is_convertible_v<F, json_hook>) {
      return add_json(std::move(opts), json_hook(std::forward<F>(fn)));
    } else {
      using fn_type = std::decay_t<F>;
      auto target = std::make_shared<fn_type>(std::forward<F>(fn));
      return insert(std::move(opts), &thunk<fn_type>, std::move(target), nullptr);
    }
  }

  /// Adds a hook over the event's JSON form (plugins). On a typed chain the
  /// payload is serialised once per dispatch, only if such a hook runs.
  result<void> add_json(hook_options opts, json_hook fn) { return insert_json(std::move(opts), std::move(fn), {}); }

  /// Replaces hook `old_name` with a JSON hook in one step: a dispatch sees the
  /// old hook or the new one, never both and never neither (plugin upgrades).
  /// The new hook may keep the old name. not_found if there is no `old_name`.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert_json(std::move(opts), std::move(fn), old_name);
  }

  /// Removes a hook by name; false if there is none.
  bool remove(std::string_view name) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto* found = index_.find(name);
    if (!found) return false;
    const std::shared_ptr<const entry> victim = *found;  // the index's copy goes in unindex()
    unindex(draft_, *victim);
    mark_dirty();
    return true;
  }

  /// Removes every hook a plugin owns; returns how many (one new version).
  std::size_t remove_plugin(std::string_view plugin) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto names = index_.owned_by(plugin);
    if (names.empty()) return 0;
    for (const auto& name : names) {
      const std::shared_ptr<const entry> victim = *index_.find(name);
      unindex(draft_, *victim);
    }
    mark_dirty();
    return names.size();
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = current();
    std::vector<std::pair<hook_options, json_hook>> out;
    snap->hooks.for_each([&](const entry& h) {
      if (h.json) out.emplace_back(h.opts, h.json);
    });
    return out;
  }

  [[nodiscard]] std::size_t size() const { return current()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = current();
    std::vector<std::string> out;
    out.reserve(snap->hooks.size());
    snap->hooks.for_each([&](const entry& h) { out.push_back(h.opts.name); });
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) {
    auto shared = check ? std::make_shared<const payload_check<E>>(std::move(check)) : nullptr;
    edit([&](snapshot& s) { s.check = std::move(shared); });
  }
  /// The rule folding hooks' effects (see effects_fold); empty restores the default.
  void set_effects_fold(effects_fold<E> fold) {
    auto shared = fold ? std::make_shared<const effects_fold<E>>(std::move(fold)) : nullptr;
    edit([&](snapshot& s) { s.fold = std::move(shared); });
  }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return current()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, snap->trace);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  /// A mutation edits the envelope in place (it is the dispatch's own).
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, snap->trace);
  }

  /// The same, recording at `level` for this call only (e.g. tracing::decisions
  /// for one dispatch's trail on a chain that records none by default).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, level);
  }
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, level);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = current();
    std::vector<hook_stats> out;
    snap->hooks.for_each([&](const entry& h) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    });
    return out;
  }

 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) and puts a failure (error answer,
  /// exception) in `failure`: the allow path constructs and destroys nothing.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx,
                                           std::optional<error>& failure);

  static detail::raw_decision failed(std::optional<error>& failure, error e) {
    failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx,
                                    std::optional<error>& failure) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(failure, std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
    }
  }

  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    call_fn call = nullptr;          // native (or a dynamic chain's JSON) hook
    std::shared_ptr<void> target;    // what `call` calls
    json_hook json;                  // a JSON hook (for typed chains: called through a JSON view)
    std::shared_ptr<runtime> rt;
  };
  /// The dispatch loop's compact view of one hook (hot data only).
  struct hot {
    call_fn call;
    void* target;
    const entry* cold;
    bool gated;
    bool once;
    [[nodiscard]] static hot of(const entry& e) noexcept {
      return hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once};
    }
  };
  /// One version of the chain; hooks are shared with the versions before and
  /// after it (see detail::hook_list), so an edit costs O(N/64 + 64).
  struct snapshot {
    detail::hook_list<entry, hot> hooks;
    std::size_t gated = 0;  // hooks with a `when` gate or `once`: none lets the fast path run
    tracing trace = tracing::sampled;
    event_flags flags = event_flags::none;
    std::shared_ptr<const payload_check<E>> check;
    std::shared_ptr<const effects_fold<E>> fold;
  };

  /// Edits the settings of the draft and publishes it at once (with any
  /// hook edits still pending).
  template <class Edit>
  void edit(Edit&& fn) {
    std::lock_guard<std::mutex> lock(edits_);
    fn(draft_);
    publish_locked();
  }

  // Hook edits change the writers' draft in place (only the chunk they touch
  // is copied, and only if a published version shares it) and mark it dirty;
  // the next reader (a dispatch, size(), names(), stats()) publishes it. So
  // 10,000 adds in a row publish one version, not 10,000, while every edit is
  // still seen by every dispatch that starts after it returned.
  void mark_dirty() noexcept { dirty_.store(true, std::memory_order_release); }
  void publish_locked() const {
    state_.store(snapshot(draft_));
    dirty_.store(false, std::memory_order_release);
  }
  /// The current version, publishing pending hook edits first.
  [[nodiscard]] auto current() const {
    if (dirty_.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(edits_);
      if (dirty_.load(std::memory_order_relaxed)) publish_locked();
    }
    return state_.acquire();
  }

  /// Takes `e` out of version `n` and of the index (edits_ held).
  void unindex(snapshot& n, const entry& e) {
    if (n.hooks.erase(e) && (e.gate || e.opts.once)) --n.gated;
    index_.drop(e);
  }

  /// "the chain for \"E\"" for a typed chain; a dynamic chain does not know
  /// its name (the bus's errors add it).
  [[nodiscard]] static std::string chain_label() {
    if constexpr (traits::is_dynamic) return "the chain";
    return "the chain for \"" + std::string(traits::name) + "\"";
  }

  /// A JSON hook: a dynamic chain calls it directly; a typed one through the
  /// event's JSON view (no `call`).
  result<void> insert_json(hook_options opts, json_hook fn, std::string_view replacing) {
    static_assert(detail::json_convertible<payload_type>::value,
                  "JSON hooks on a typed event need to_json/from_json for it (NLOHMANN_DEFINE_TYPE_...)");
    if constexpr (traits::is_dynamic) {
      auto target = std::make_shared<json_hook>(fn);
      return insert(std::move(opts), &thunk<json_hook>, std::move(target), std::move(fn), replacing);
    } else {
      return insert(std::move(opts), nullptr, nullptr, std::move(fn), replacing);
    }
  }

  /// Adds a hook; with `replacing`, removes that hook in the same snapshot.
  result<void> insert(hook_options opts, call_fn call, std::shared_ptr<void> target, json_hook json,
                      std::string_view replacing = {}) {
    auto parsed_gate = detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    std::lock_guard<std::mutex> lock(edits_);
    std::shared_ptr<const entry> old;
    if (!replacing.empty()) {
      const auto* found = index_.find(replacing);
      if (!found) return fail(detail::placement_error(detail::placement::missing, opts, replacing, chain_label()));
      old = *found;
    }
    if (const auto* same = index_.find(opts.name); same && *same != old) {
      return fail(detail::placement_error(detail::placement::duplicate, opts, replacing, chain_label()));
    }
    auto e = std::make_shared<entry>(
        entry{std::move(opts), std::move(*parsed_gate), call, std::move(target), std::move(json), nullptr});
    // Re-registered under its own name: it keeps its stats and `once`.
    e->rt = old && old->opts.name == e->opts.name ? old->rt : std::make_shared<runtime>();
    if (old) unindex(draft_, *old);
    if (e->gate || e->opts.once) ++draft_.gated;
    index_.add(e);
    draft_.hooks.insert(std::move(e));
    mark_dirty();
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx,
                               tracing level) const {
    outcome<E> out;
    std::optional<envelope<E>> copy;
    const envelope<E>* current = owned ? owned : &input;
    auto writable = [&]() -> envelope<E>& {
      if (owned) return *owned;
      if (!copy) copy.emplace(input);
      current = &*copy;
      return *copy;
    };
    // What this dispatch records (aura::tracing): `trail` the per-hook trail;
    // `counted` calls, skips and wire bytes, each weighing `weight` calls;
    // `timed` durations. Denies, mutations and errors are counted at every
    // level but off: they leave the fast path anyway.
    const bool trail = level == tracing::decisions || level == tracing::timings;
    const bool sample = level == tracing::sampled && detail::take_sample();
    const bool counted = trail || sample;
    const bool timed = level == tracing::timings || sample;
    const bool tallied = level != tracing::off;
    const std::uint64_t weight = sample ? tracing_sample_period : 1;
    if (trail) out.trail.reserve(s.hooks.size());
    bool mutated = false;
    detail::lazy_view json_view;  // typed events: made on first JSON hook

    // What one hook's answer does to the outcome; true stops the chain.
    // Set by a hook call that failed and emptied by settle() before the next
    // call; per thread, so the fast path does not build an error on its stack.
    std::optional<error>& failure = detail::hook_failure;
    auto settle = [&](const entry& h, decision<E>& d, std::chrono::nanoseconds took) {
      step_result step;
      bool stop = false;
      if (failure) {
        stop = apply_failure(h, std::move(*failure), out, step);
        failure.reset();
      } else {
        step.kind = d.kind();
        if (d.is_deny()) {
          if (!has_flag(s.flags, event_flags::vetoable)) {
            violation(h, "denied an event that is not vetoable; the decision is ignored", out);
            step.kind = decision_kind::allow;
          } else {
            out.verdict = verdict::deny;
            out.reason = d.reason();
            out.denied_by = h.opts.name;
            stop = true;
          }
        } else if (d.is_mutate()) {
          if (!has_flag(s.flags, event_flags::patchable)) {
            violation(h, "mutated an event that is not patchable; the decision is ignored", out);
            step.kind = decision_kind::allow;
          } else if (auto failure = apply_mutation(s, d, writable(), json_view)) {
            stop = apply_failure(h, std::move(*failure), out, step);
          } else {
            mutated = true;
          }
        }
        if (!step.failed && d.has_effects()) {
          if (s.fold)
            (*s.fold)(out.effects, *std::as_const(d).effects());
          else
            fold_effects(out.effects, *std::as_const(d).effects());
        }
      }
      if (tallied) {
        auto& c = h.rt->counters;
        if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
      }
      record(h, took, counted, timed, weight);
      if (trail) out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
      return stop;
    };

    if (!counted && s.gated == 0) {
      // The fast path (no trail, no per-call counters, no gates, no `once`): a
      // hook answering a bare allow costs its call and one test.
      for (const auto& chunk : s.hooks.chunks()) {
        for (const hot& fast : chunk->hot) {
          const detail::raw_decision raw = invoke(fast, *current, ctx, json_view, failure);
          if (AURA_LIKELY(raw.is_bare_allow())) continue;
          decision<E> d = decision<E>::adopt_raw(raw);
          if (settle(*fast.cold, d, std::chrono::nanoseconds{0})) goto done;
        }
      }
    } else {
      for (const auto& chunk : s.hooks.chunks()) {
        for (const hot& fast : chunk->hot) {
          const entry& h = *fast.cold;
          if (fast.gated && !h.gate->evaluate(ctx.facts())) {
            if (counted) h.rt->counters.skipped.fetch_add(weight, std::memory_order_relaxed);
            continue;
          }
          if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

          const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
          if (counted) detail::current_call_bytes = {};
          const detail::raw_decision raw = invoke(fast, *current, ctx, json_view, failure);
          std::chrono::nanoseconds took{0};
          if (timed) took = std::chrono::steady_clock::now() - start;
          if (AURA_LIKELY(!counted && raw.is_bare_allow())) continue;
          decision<E> d = decision<E>::adopt_raw(raw);
          if (settle(h, d, took)) goto done;
        }
      }
    }
  done:
    if (out.verdict != verdict::deny && mutated) out.verdict = verdict::mutate;
    if (owned) {
      out.data = std::move(owned->data);
    } else if (copy) {
      out.data = std::move(copy->data);
    } else {
      out.data = input.data;
    }
    return out;
  }

  /// A recorded call's figures: `weight` calls (a sample stands for its period).
  static void record(const entry& h, std::chrono::nanoseconds took, bool counted, bool timed, std::uint64_t weight) {
    if (!counted) return;
    auto& c = h.rt->counters;
    c.calls.fetch_add(weight, std::memory_order_relaxed);
    if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
    if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
      c.bytes_in.fetch_add(bytes.in * weight, std::memory_order_relaxed);
      c.bytes_out.fetch_add(bytes.out * weight, std::memory_order_relaxed);
    }
  }

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            detail::lazy_view& json_view,
                                            std::optional<error>& failure) const {
    if (fast.call) return fast.call(fast.target, env, ctx, failure);
    return invoke_json(*fast.cold, env, ctx, json_view, failure);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 detail::lazy_view& json_view,
                                                 std::optional<error>& failure) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(failure, std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(failure, std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(failure, error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
    }
  }

  /// A JSON hook's decision on a typed event: kind, reason and JSON patch carry
  /// over; its effects are converted from JSON to E::effects.
  [[nodiscard]] static result<decision<E>> lift_json_decision(decision<dynamic_event> d) {
    decision<E> out = decision<E>::from_wire(d.kind(), d.reason(), d.json_patch(), d.json_patch_format());
    if (d.effects()) {
      if constexpr (!detail::json_convertible<effects_t<E>>::value) {
        return fail(errc::protocol_error, "the event's effects type cannot be read from JSON");
      } else try {
        out.set_effects(d.effects()->template get<effects_t<E>>());
      } catch (const std::exception& ex) {
        return fail(errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what());
      }
    }
    return out;
  }

  /// Applies a mutation to the working copy; an error leaves it untouched.
  [[nodiscard]] std::optional<error> apply_mutation(const snapshot& s, decision<E>& d, envelope<E>& env,
                                                    detail::lazy_view& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
      if constexpr (traits::is_dynamic) {
        // `env` is the dispatch's own (the caller's moved-in envelope, or the
        // copy writable() made): a merge patch cannot fail, so with no check
        // to pass it is applied in place, touching only the members it names.
        if (d.json_patch_format() == patch_format::merge && !s.check) {
          env.data.merge_patch(d.json_patch());
          return std::nullopt;
        }
      }
      const nlohmann::json& base = [&]() -> const nlohmann::json& {
        if constexpr (traits::is_dynamic) {
          return env.data;
        } else {
          if (!json_view) json_view = to_dynamic(env);
          return json_view->data;
        }
      }();
      auto patched = apply_patch(base, d.json_patch(), d.json_patch_format());
      if (!patched) return std::move(patched.error());
      if constexpr (traits::is_dynamic) {
        if (s.check) {
          if (auto bad = (*s.check)(*patched)) return bad;
        }
        env.data = std::move(*patched);
      } else {
        payload_type next;
        try {
          next = patched->template get<payload_type>();
        } catch (const std::exception& ex) {
          return error{errc::validation_failed, std::string("patched payload does not fit the event type: ") + ex.what(),
                       {}, {}, {}};
        }
        if (s.check) {
          if (auto bad = (*s.check)(next)) return bad;
        }
        env.data = std::move(next);
        json_view->data = std::move(*patched);
      }
      return std::nullopt;
    }
    if constexpr (!traits::is_dynamic) {
      if (s.check) {
        payload_type next = env.data;
        d.apply_to(next);
        if (auto bad = (*s.check)(next)) return bad;
        env.data = std::move(next);
      } else {
        d.apply_to(env.data);
      }
      if constexpr (detail::json_convertible<payload_type>::value) {
        if (json_view) json_view->data = nlohmann::json(env.data);
      }
    }
    return std::nullopt;
  }

  /// Records a failure; the hook's policy answers. Returns true to stop the chain.
  /// What one hook's run came to (a trail entry is made of it only when tracing).
  struct step_result {
    decision_kind kind = decision_kind::allow;
    bool failed = false;
  };

  static bool apply_failure(const entry& h, error e, outcome<E>& out, step_result& step) {
    step.failed = true;
    auto stop = detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.verdict = verdict::deny;
      out.reason = std::move(*stop);
      out.denied_by = h.opts.name;
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  static void violation(const entry& h, std::string what, outcome<E>& out) {
    out.diagnostics.push_back(
        error{errc::protocol_violation, "hook " + std::move(what), h.opts.plugin, h.opts.name, {}});
  }

  mutable detail::published<snapshot> state_;
  // Writers only; a dispatch takes it once after hook edits, to publish them.
  mutable std::mutex edits_;
  snapshot draft_;                         // under edits_: the next version
  mutable std::atomic<bool> dirty_{false};  // draft_ has hook edits not yet published
  detail::hook_names<entry> index_;        // under edits_
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CHAIN_HPP
// ---- end aura/core/chain.hpp

namespace aura::plugin {

/// One loaded version of a plugin's code.
class plugin_instance {
 public:
  virtual ~plugin_instance() = default;
  /// The callable for one declared hook.
  [[nodiscard]] virtual result<json_hook> hook(const hook_spec& spec) = 0;
  /// A request served by the plugin's own code: a Naridon Aura `command` or
  /// `tools/call` of a process plugin. Other runtimes have none.
  [[nodiscard]] virtual result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                                       std::chrono::milliseconds timeout) {
    (void)params;
    (void)timeout;
    return fail(errc::unsupported, "this runtime serves no \"" + method + "\" requests (only process plugins do)");
  }
  /// Stops the code: it gets up to `grace` to flush, then is stopped.
  virtual result<void> stop(std::chrono::milliseconds grace) {
    (void)grace;
    return {};
  }
};

/// What a loader gets.
struct load_request {
  const manifest& spec;
  std::shared_ptr<context> ctx;                  ///< the plugin's own context (owner, permissions, config, storage)
  std::map<std::string, std::string> env;        ///< already filtered by the env permission
  /// lua and wasm: where the code runs, as the host resolved it (host_default
  /// is taken as `process`, the safe choice).
  isolation_mode isolation = isolation_mode::host_default;
  std::filesystem::path worker;                  ///< the worker executable; empty: isolated::find_worker
  isolation_limits isolation_bounds;             ///< the worker's bounds
};

using runtime_loader = std::function<result<std::shared_ptr<plugin_instance>>(const load_request&)>;

/// Loaders by runtime kind.
class runtime_registry {
 public:
  runtime_registry& set(runtime_kind kind, runtime_loader loader) {
    loaders_[kind] = std::move(loader);
    return *this;
  }
  [[nodiscard]] bool has(runtime_kind kind) const { return loaders_.count(kind) != 0; }
  [[nodiscard]] result<std::shared_ptr<plugin_instance>> load(const load_request& req) const {
    auto it = loaders_.find(req.spec.runtime.kind);
    if (it == loaders_.end()) {
      error e{errc::unsupported,
              "runtime kind \"" + std::string(to_string(req.spec.runtime.kind)) + "\" is not available in this host",
              req.spec.name, {}, req.spec.file.string()};
      return fail(std::move(e));
    }
    auto inst = it->second(req);
    if (!inst) {
      error e = std::move(inst.error());
      if (e.plugin.empty()) e.plugin = req.spec.name;
      return fail(std::move(e));
    }
    return inst;
  }

 private:
  std::map<runtime_kind, runtime_loader> loaders_;
};

/// A native plugin's handlers, by handler name, and an optional flush at unload.
struct native_plugin {
  std::map<std::string, json_hook> handlers;
  std::function<void(std::chrono::milliseconds)> on_unload;
};

/// Makes a native plugin's handlers for one load (the context is the plugin's own).
using native_factory = std::function<result<native_plugin>(const manifest&, std::shared_ptr<context>)>;

/// Native factories by entrypoint name; thread-safe.
class native_registry {
 public:
  void add(std::string entrypoint, native_factory factory) {
    std::lock_guard<std::mutex> lock(mutex_);
    factories_[std::move(entrypoint)] = std::move(factory);
  }
  [[nodiscard]] std::optional<native_factory> find(const std::string& entrypoint) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = factories_.find(entrypoint);
    if (it == factories_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, native_factory> factories_;
};

namespace detail {

/// Reads a manifest's `runtime.limits` with `parse(json, defaults)`; an error
/// names the plugin and `<file> plugin.runtime.limits/<key>`.
template <class Limits, class Parse>
[[nodiscard]] result<Limits> manifest_limits(const manifest& m, const Limits& defaults, Parse&& parse) {
  auto merged = parse(m.runtime.limits, defaults);
  if (merged) return merged;
  error e = std::move(merged.error());
  e.plugin = m.name;
  e.where = m.file.string() + " plugin.runtime.limits" + e.where;
  return fail(std::move(e));
}

/// Names the plugin on an adapter's load error that does not already.
[[nodiscard]] inline error adapter_load_error(error e, const manifest& m) {
  if (e.plugin.empty()) e.plugin = m.name;
  return e;
}


class native_instance final : public plugin_instance {
 public:
  native_instance(std::string name, native_plugin p) : name_(std::move(name)), plugin_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    auto it = plugin_.handlers.find(spec.handler);
    if (it == plugin_.handlers.end()) {
      return fail(error{errc::not_found, "the native plugin has no handler \"" + spec.handler + "\"", name_,
                        spec.handler, spec.where});
    }
    return it->second;
  }
  result<void> stop(std::chrono::milliseconds grace) override {
    if (plugin_.on_unload) plugin_.on_unload(grace);
    return {};
  }

 private:
  std::string name_;
  native_plugin plugin_;
};

}  // namespace detail

/// The loader for "native" plugins: looks the entrypoint up in `natives`.
[[nodiscard]] inline runtime_loader native_loader(std::shared_ptr<native_registry> natives) {
  return [natives](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    auto factory = natives->find(req.spec.runtime.entrypoint);
    if (!factory) {
      return fail(error{errc::not_found,
                        "no native plugin \"" + req.spec.runtime.entrypoint + "\" is registered in this host program",
                        req.spec.name, {}, req.spec.file.string()});
    }
    auto made = (*factory)(req.spec, req.ctx);
    if (!made) return fail(std::move(made.error()));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::native_instance>(req.spec.name, std::move(*made)));
  };
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIME_HPP
// ---- end aura/plugin/runtime.hpp
// ---- begin aura/plugin/host.hpp
#ifndef AURA_SI_AURA_PLUGIN_HOST_HPP
#define AURA_SI_AURA_PLUGIN_HOST_HPP
// aura/plugin/host.hpp - loads plugins into a bus and manages their life:
// load, unload (bounded flush), reload and upgrade, while other threads dispatch.
//
// How a swap stays atomic: each declared hook joins the bus once, as a small
// stable hook that looks up the plugin's *current version* (an immutable
// object published lock-free) when it runs and calls that version's code,
// holding a reference to it for the whole call. An upgrade builds the new
// version beside the old one, then publishes it with one atomic store: a
// dispatch sees the old version or the new, never neither, and a call that
// started on the old version finishes on it. The old version is stopped only
// when the last such call has returned (bounded by the unload grace).
//
// `once` state lives in the stable hook's slot, so it survives reload and
// upgrade. A hook whose registration changes (priority, condition, failure
// policy, timeout) is replaced in its chain in one step (bus::replace): every
// dispatch runs it exactly once, under the old registration or the new.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/bus.hpp
#ifndef AURA_SI_AURA_CORE_BUS_HPP
#define AURA_SI_AURA_CORE_BUS_HPP
// aura/core/bus.hpp - chains by event name, for typed and dynamic (JSON) use.

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/fwd.hpp
#ifndef AURA_SI_AURA_CORE_FWD_HPP
#define AURA_SI_AURA_CORE_FWD_HPP
// aura/core/fwd.hpp - forward declarations of the core module.

namespace aura {
struct error;
struct dynamic_event;
struct no_effects;
template <class E>
struct envelope;
template <class E>
class decision;
template <class E>
struct outcome;
template <class E>
class chain;
template <class Unused = void>
class basic_bus;
/// The event bus (see aura/core/bus.hpp).
using bus = basic_bus<>;
class context;
class condition;
class predicate_registry;
class facts;
struct permissions;
struct hook_options;
struct trail_entry;
struct hook_stats;
class logger;
class clock_source;
class storage;
class http_client;
class hook_sink;
struct http_request;
struct http_response;
}  // namespace aura
#endif  // AURA_SI_AURA_CORE_FWD_HPP
// ---- end aura/core/fwd.hpp
// ---- begin aura/core/name_table.hpp
#ifndef AURA_SI_AURA_CORE_NAME_TABLE_HPP
#define AURA_SI_AURA_CORE_NAME_TABLE_HPP
// aura/core/name_table.hpp - the bus's event names: lock-free lookup, O(1) inserts.
//
// The bus used to copy its whole std::map of topics for every new name
// (10,000 declares: 338 us each at the end). Names are never removed from a
// bus, so an insert-only open-addressing table fits: readers probe it with
// acquire loads and no lock; a writer (under the owner's mutex) fills a free
// slot, or doubles the table and publishes the new one. Old tables, nodes and
// the values replaced in them stay alive until the table dies, so a reader
// never needs to announce anything (their sum is at most twice the live size).

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aura::detail {

template <class T>
class name_table {
 public:
  /// One name's entry; its address is stable for the table's life.
  struct node {
    explicit node(std::string n, T* v) : name(std::move(n)), value(v) {}
    const std::string name;
    std::atomic<T*> value;  // replaced (never freed) by writers
  };

  name_table() { publish(grow_to(16)); }
  name_table(const name_table&) = delete;
  name_table& operator=(const name_table&) = delete;

  /// The entry for `name`, or null. Lock-free; safe beside any writer.
  [[nodiscard]] const node* find(std::string_view name) const noexcept {
    const slots* t = current_.load(std::memory_order_acquire);
    for (std::size_t i = std::hash<std::string_view>{}(name) & t->mask;; i = (i + 1) & t->mask) {
      const node* n = t->at[i].load(std::memory_order_acquire);
      if (!n) return nullptr;
      if (n->name == name) return n;
    }
  }

  // ---- writers: the owner serialises these ----------------------------------

  /// Adds `name` (absent) holding `value`, which the table keeps alive.
  node& insert(std::string name, std::shared_ptr<T> value) {
    if ((nodes_.size() + 1) * 2 > capacity_) publish(rehash(capacity_ * 2));
    nodes_.push_back(std::make_unique<node>(std::move(name), value.get()));
    values_.push_back(std::move(value));
    node* n = nodes_.back().get();
    place(*tables_.back(), n);  // the current table: only writers change it
    return *n;
  }
  /// find() for a writer that replaces the value (the table owns its nodes).
  [[nodiscard]] node* find_for_writer(std::string_view name) noexcept { return const_cast<node*>(find(name)); }
  /// Points `n` at `value`; the old value stays alive for readers still in it.
  void replace(node& n, std::shared_ptr<T> value) {
    n.value.store(value.get(), std::memory_order_release);
    values_.push_back(std::move(value));
  }
  /// Every entry, in insertion order.
  [[nodiscard]] const std::vector<std::unique_ptr<node>>& nodes() const noexcept { return nodes_; }

 private:
  struct slots {
    std::size_t mask = 0;
    std::unique_ptr<std::atomic<const node*>[]> at;
  };

  std::unique_ptr<slots> grow_to(std::size_t capacity) {
    auto t = std::make_unique<slots>();
    t->mask = capacity - 1;
    t->at = std::make_unique<std::atomic<const node*>[]>(capacity);
    for (std::size_t i = 0; i < capacity; ++i) t->at[i].store(nullptr, std::memory_order_relaxed);
    capacity_ = capacity;
    return t;
  }
  std::unique_ptr<slots> rehash(std::size_t capacity) {
    auto t = grow_to(capacity);
    for (const auto& n : nodes_) place(*t, n.get());
    return t;
  }
  static void place(slots& t, const node* n) {
    std::size_t i = std::hash<std::string_view>{}(n->name) & t.mask;
    while (t.at[i].load(std::memory_order_relaxed)) i = (i + 1) & t.mask;
    t.at[i].store(n, std::memory_order_release);
  }
  void publish(std::unique_ptr<slots> t) {
    current_.store(t.get(), std::memory_order_release);
    tables_.push_back(std::move(t));
  }

  std::atomic<const slots*> current_{nullptr};
  std::size_t capacity_ = 0;
  std::vector<std::unique_ptr<slots>> tables_;  // every table made; readers may still probe old ones
  std::vector<std::unique_ptr<node>> nodes_;
  std::vector<std::shared_ptr<T>> values_;      // every value ever held
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_NAME_TABLE_HPP
// ---- end aura/core/name_table.hpp

namespace aura {

namespace detail {

/// A small number per typed event, for the bus's lookup cache.
inline std::atomic<std::size_t> next_event_slot{0};
template <class E>
[[nodiscard]] std::size_t event_slot() noexcept {
  static const std::size_t slot = next_event_slot.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

template <class Unused, class T>
struct dependent_type {
  using type = T;
};

/// Moves what an outcome says about the hooks (verdict, reason, trail,
/// diagnostics) into an outcome of the event's other form (typed <-> JSON).
template <class To, class From>
void move_verdict(outcome<To>& to, outcome<From>& from) {
  to.verdict = from.verdict;
  to.reason = std::move(from.reason);
  to.denied_by = std::move(from.denied_by);
  to.trail = std::move(from.trail);
  to.diagnostics = std::move(from.diagnostics);
}

/// One event name's chain, typed or dynamic, behind a common face.
class topic {
 public:
  explicit topic(std::type_index type) : type_(type) {}
  virtual ~topic() = default;
  [[nodiscard]] std::type_index type() const noexcept { return type_; }
  [[nodiscard]] bool is_dynamic() const noexcept { return type_ == std::type_index(typeid(dynamic_event)); }

  virtual result<void> add_json(hook_options opts, json_hook fn) = 0;
  virtual result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  [[nodiscard]] virtual outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) = 0;
  virtual bool remove(std::string_view hook) = 0;
  virtual std::size_t remove_plugin(std::string_view plugin) = 0;
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
  [[nodiscard]] virtual std::vector<hook_stats> stats() const = 0;
  [[nodiscard]] virtual event_flags flags() const = 0;

 private:
  std::type_index type_;
};

template <class E>
class typed_topic final : public topic {
 public:
  explicit typed_topic(tracing trace) : topic(typeid(E)), chain_(trace) {}
  [[nodiscard]] aura::chain<E>& get() noexcept { return chain_; }

  result<void> add_json(hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.add_json(std::move(opts), std::move(fn));
    } else {
      return no_json_form();
    }
  }

  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.replace_json(old_name, std::move(opts), std::move(fn));
    } else {
      (void)old_name;
      return no_json_form();
    }
  }

  [[nodiscard]] static result<void> no_json_form() {
    return fail(errc::unsupported, "event \"" + std::string(event_traits<E>::name) +
                                        "\" has no JSON form, so JSON hooks cannot join its chain");
  }

  [[nodiscard]] outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) override {
    if constexpr (event_traits<E>::is_dynamic) {
      return chain_.dispatch(std::move(env), ctx);
    } else if constexpr (json_convertible<E>::value) {
      // A JSON emit on a typed event: read the payload as E, run the typed chain.
      outcome<dynamic_event> out;
      envelope<E> typed;
      try {
        typed.data = env.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::deny;
        out.reason = "payload does not fit event \"" + env.name + "\": " + ex.what();
        out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
        out.data = std::move(env.data);
        return out;
      }
      typed.id = std::move(env.id);
      typed.name = std::move(env.name);
      typed.time = env.time;
      typed.source = std::move(env.source);
      typed.session = std::move(env.session);
      typed.meta = std::move(env.meta);
      outcome<E> r = chain_.dispatch(std::move(typed), ctx);
      move_verdict(out, r);
      out.data = nlohmann::json(r.data);
      out.effects = nlohmann::json(r.effects);
      return out;
    } else {
      outcome<dynamic_event> out;
      out.verdict = verdict::deny;
      out.reason = "event \"" + env.name + "\" is typed and has no JSON form";
      out.diagnostics.push_back(error{errc::unsupported, out.reason, {}, {}, {}});
      out.data = std::move(env.data);
      return out;
    }
  }

  bool remove(std::string_view hook) override { return chain_.remove(hook); }
  std::size_t remove_plugin(std::string_view plugin) override { return chain_.remove_plugin(plugin); }
  [[nodiscard]] std::vector<std::string> names() const override { return chain_.names(); }
  [[nodiscard]] std::vector<hook_stats> stats() const override { return chain_.stats(); }
  [[nodiscard]] event_flags flags() const override { return chain_.flags(); }

 private:
  aura::chain<E> chain_;
};

}  // namespace detail

/// Chains by event name. Typed hooks (`on<E>`) and JSON hooks (`on(name, ...)`)
/// on the same name share one chain, ordered together by (priority, name); a
/// typed event is serialised only when a JSON hook actually runs.
///
/// `aura::bus` is `basic_bus<>`: a class template only so that its members,
/// and the dynamic chain they use, are compiled in the files that use them,
/// not in every file that includes the header (DESIGN §7's compile budget).
template <class Unused>
class basic_bus {
  // Every use of the dynamic chain depends on the template parameter, so
  // nothing of it is instantiated until a member is.
  using dyn_event = typename detail::dependent_type<Unused, dynamic_event>::type;

 public:
  /// `trace`: what each dispatch records, for every chain of the bus (see
  /// aura::tracing; the default builds no trail and costs next to nothing).
  explicit basic_bus(tracing trace = tracing::sampled) : trace_(trace) {}
  basic_bus(const basic_bus&) = delete;
  basic_bus& operator=(const basic_bus&) = delete;

  // ---- the runtime catalog (dynamic events) ----------------------------------

  /// Declares a dynamic event's flags, an optional payload check (for a JSON
  /// Schema, see aura::schema::payload_check) and an optional effects fold (the
  /// catalog's rules, see agent::declare_catalog; empty: fold_json_effects).
  /// Re-declaring updates all three.
  result<void> declare(std::string name, event_flags flags, payload_check<dyn_event> check = {},
                       effects_fold<dyn_event> fold = {}) {
    if (name.empty()) return fail(errc::invalid_argument, "an event needs a name");
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    if (!(*t)->is_dynamic()) {
      return fail(errc::already_exists, "event \"" + name + "\" is a typed event; its flags are its traits");
    }
    auto& c = static_cast<detail::typed_topic<dyn_event>&>(**t).get();
    c.set_flags(flags);
    c.set_payload_check(std::move(check));
    c.set_effects_fold(std::move(fold));
    return {};
  }

  /// The flags an event has: its traits if typed, its declaration if dynamic.
  [[nodiscard]] std::optional<event_flags> flags_of(std::string_view name) const {
    const auto* n = topics_.find(name);
    if (!n) return std::nullopt;
    return n->value.load(std::memory_order_acquire)->flags();
  }

  /// The predicates `when` conditions may name (fill before adding hooks).
  [[nodiscard]] predicate_registry& predicates() noexcept { return predicates_; }

  // ---- typed events ------------------------------------------------------------

  /// The chain behind typed event E (created on first use).
  template <class E>
  [[nodiscard]] result<std::reference_wrapper<chain<E>>> chain_for() {
    static_assert(!event_traits<E>::is_dynamic, "use declare()/on(name, ...) for dynamic events");
    const std::string name(event_traits<E>::name);
    auto t = topic_for(name, typeid(E), [&] { return make_typed<E>(name); });
    if (!t) return fail(std::move(t.error()));
    if ((*t)->type() != std::type_index(typeid(E))) {
      return fail(errc::already_exists, "event \"" + name + "\" is already registered with another C++ type");
    }
    return std::ref(static_cast<detail::typed_topic<E>&>(**t).get());
  }

  /// Adds a native hook for typed event E.
  template <class E, class F>
  result<void> on(hook_options opts, F&& fn) {
    auto c = chain_for<E>();
    if (!c) return fail(std::move(c.error()));
    return c->get().add(std::move(opts), std::forward<F>(fn));
  }

  /// Dispatches a typed event (a fresh id and the current time).
  template <class E>
  [[nodiscard]] outcome<E> emit(E data, context& ctx = host_context()) {
    return emit(make_envelope<E>(std::move(data)), ctx);
  }

  /// Dispatches a caller-owned envelope (copied only if a hook mutates it).
  template <class E>
  [[nodiscard]] outcome<E> emit(const envelope<E>& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(env, ctx);
    }
    return emit_elsewhere(t, envelope<E>(env), ctx);
  }

  /// Dispatches an envelope the bus may edit in place.
  template <class E>
  [[nodiscard]] outcome<E> emit(envelope<E>&& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(std::move(env), ctx);
    }
    return emit_elsewhere(t, std::move(env), ctx);
  }

 private:
  /// A typed emit on a name with no chain, a JSON chain, or another type's.
  template <class E>
  [[nodiscard]] outcome<E> emit_elsewhere(detail::topic* t, envelope<E> env, context& ctx) {
    if (!t) return pass_through(std::move(env));
    if (t->is_dynamic()) {
      if constexpr (detail::json_convertible<E>::value) {
        if (t->names().empty()) return pass_through(std::move(env));
        return through_json(*t, std::move(env), ctx);
      }
    }
    outcome<E> out = pass_through(std::move(env));
    out.verdict = verdict::deny;
    out.reason = "event \"" + std::string(event_traits<E>::name) + "\" is registered with another C++ type";
    out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
    return out;
  }

  /// The topic of `name` for typed event E: names never leave a bus, so the
  /// entry found for E's own name is cached in a slot per type (no hashing).
  template <class E>
  [[nodiscard]] detail::topic* typed_topic_of(std::string_view name) const {
    if (name != event_traits<E>::name) return value_of(topics_.find(name));
    const std::size_t slot = detail::event_slot<E>();
    if (slot < typed_cache_.size()) {
      if (const auto* n = typed_cache_[slot].load(std::memory_order_acquire)) return value_of(n);
    }
    const auto* n = topics_.find(name);
    if (n && slot < typed_cache_.size()) typed_cache_[slot].store(n, std::memory_order_release);
    return value_of(n);
  }
  [[nodiscard]] static detail::topic* value_of(const typename detail::name_table<detail::topic>::node* n) noexcept {
    return n ? n->value.load(std::memory_order_acquire) : nullptr;
  }

 public:
  // ---- dynamic (JSON) events -----------------------------------------------------

  /// Adds a JSON hook for event `name` (typed or dynamic).
  result<void> on(const std::string& name, hook_options opts, json_hook fn) {
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    return named_event((*t)->add_json(std::move(opts), std::move(fn)), **t, name);
  }

  /// Dispatches a JSON event by name.
  [[nodiscard]] outcome<dyn_event> emit(std::string name, nlohmann::json data, context& ctx = host_context()) {
    return emit(make_envelope(std::move(name), std::move(data)), ctx);
  }

  [[nodiscard]] outcome<dyn_event> emit(envelope<dyn_event> env, context& ctx = host_context()) {
    detail::topic* t = value_of(topics_.find(env.name));
    if (!t) {
      outcome<dyn_event> out;
      out.data = std::move(env.data);
      return out;
    }
    return t->emit_json(std::move(env), ctx);
  }

  // ---- management ---------------------------------------------------------------

  /// Removes hook `hook` of event `event`; false if there is none.
  bool off(std::string_view event, std::string_view hook) {
    detail::topic* t = value_of(topics_.find(event));
    return t && t->remove(hook);
  }

  /// Replaces JSON hook `old_hook` of event `event` in one step (see
  /// chain::replace_json): each dispatch runs the old hook or the new one.
  result<void> replace(std::string_view event, std::string_view old_hook, hook_options opts, json_hook fn) {
    detail::topic* t = value_of(topics_.find(event));
    if (!t) {
      return fail(error{errc::not_found, "no chain for event \"" + std::string(event) + "\" to replace a hook in",
                        opts.plugin, opts.name, {}});
    }
    return named_event(t->replace_json(old_hook, std::move(opts), std::move(fn)), *t, event);
  }

  /// Removes every hook a plugin owns, on every event; returns how many.
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    for (const auto& [name, t] : sorted_topics()) n += t->remove_plugin(plugin);
    return n;
  }

  /// Event names with a chain.
  [[nodiscard]] std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& kv : sorted_topics()) out.push_back(kv.first);
    return out;
  }

  /// Hook names of one event, in run order.
  [[nodiscard]] std::vector<std::string> hooks(std::string_view event) const {
    detail::topic* t = value_of(topics_.find(event));
    return t ? t->names() : std::vector<std::string>{};
  }

  /// Every hook's figures, with its event name.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    std::vector<hook_stats> out;
    for (const auto& [name, t] : sorted_topics()) {
      for (auto s : t->stats()) {
        s.event = name;
        out.push_back(std::move(s));
      }
    }
    return out;
  }

 private:
  /// Every (name, topic) in name order; a copy, so no lock is held while the
  /// topics are used.
  [[nodiscard]] std::vector<std::pair<std::string, detail::topic*>> sorted_topics() const {
    std::vector<std::pair<std::string, detail::topic*>> out;
    {
      std::lock_guard<std::mutex> lock(writers_);
      out.reserve(topics_.nodes().size());
      for (const auto& n : topics_.nodes()) out.emplace_back(n->name, n->value.load(std::memory_order_acquire));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

  /// A dynamic chain's errors do not know the event's name (a typed one's do).
  static result<void> named_event(result<void> r, const detail::topic& t, std::string_view event) {
    if (!r && t.is_dynamic()) r.error().message += " for \"" + std::string(event) + "\"";
    return r;
  }

  std::shared_ptr<detail::topic> make_dynamic() {
    auto t = std::make_shared<detail::typed_topic<dyn_event>>(trace_);
    t->get().set_predicates(&predicates_);
    return t;
  }
  template <class E>
  std::shared_ptr<detail::topic> make_typed(const std::string& name) {
    auto t = std::make_shared<detail::typed_topic<E>>(trace_);
    t->get().set_predicates(&predicates_);
    (void)name;
    return t;
  }

  /// Finds or creates the topic for `name`. A typed registration on a name
  /// that so far had only JSON hooks takes those hooks into the typed chain.
  /// Topics live as long as the bus (a replaced one too: dispatches may be in it).
  template <class Make>
  result<detail::topic*> topic_for(const std::string& name, std::type_index want, Make&& make) {
    auto promotes = [&](const detail::topic& t) { return want != std::type_index(typeid(dyn_event)) && t.is_dynamic(); };
    if (detail::topic* t = value_of(topics_.find(name)); t && !promotes(*t)) return t;
    std::lock_guard<std::mutex> lock(writers_);
    auto* found = topics_.find_for_writer(name);
    if (!found) {
      std::shared_ptr<detail::topic> fresh = make();
      detail::topic* raw = fresh.get();
      topics_.insert(name, std::move(fresh));
      return raw;
    }
    detail::topic* cur = found->value.load(std::memory_order_acquire);
    if (!promotes(*cur)) return cur;
    // Promote: move the JSON hooks into the new typed chain.
    auto& old = static_cast<detail::typed_topic<dyn_event>&>(*cur).get();
    std::shared_ptr<detail::topic> chosen = make();
    for (auto& [opts, fn] : old.exported_hooks()) {
      if (auto r = chosen->add_json(opts, fn); !r) return fail(std::move(r.error()));
    }
    detail::topic* raw = chosen.get();
    topics_.replace(*found, std::move(chosen));
    return raw;
  }

  template <class E>
  [[nodiscard]] static outcome<E> pass_through(envelope<E> env) {
    outcome<E> out;
    out.data = std::move(env.data);
    return out;
  }

  template <class E>
  [[nodiscard]] static outcome<E> through_json(detail::topic& t, envelope<E> env, context& ctx) {
    outcome<dyn_event> r = t.emit_json(to_dynamic(env), ctx);
    outcome<E> out;
    detail::move_verdict(out, r);
    out.data = std::move(env.data);
    if (r.verdict == verdict::mutate) {
      try {
        out.data = r.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::allow;
        out.diagnostics.push_back(error{errc::validation_failed,
                                        std::string("mutation does not fit the event type, discarded: ") + ex.what(),
                                        {}, {}, {}});
      }
    }
    if constexpr (detail::json_convertible<effects_t<E>>::value) {
      if (!r.effects.is_null()) try {
        out.effects = r.effects.template get<effects_t<E>>();
      } catch (const std::exception& ex) {
        out.diagnostics.push_back(
            error{errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what(), {}, {}, {}});
      }
    }
    return out;
  }

  tracing trace_;
  predicate_registry predicates_;
  detail::name_table<detail::topic> topics_;  // lock-free lookup; edits under writers_
  mutable std::mutex writers_;                 // registration only: dispatch never takes it
  mutable std::array<std::atomic<const typename detail::name_table<detail::topic>::node*>, 32> typed_cache_{};
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_BUS_HPP
// ---- end aura/core/bus.hpp
// ---- begin aura/core/hook_sink.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_SINK_HPP
#define AURA_SI_AURA_CORE_HOOK_SINK_HPP
// aura/core/hook_sink.hpp - a place JSON hooks join by name: a bus event's
// chain, or a host's own pipeline (the agent's tool and transform runners).

#include <string_view>


namespace aura {

/// Where a plugin host joins the hooks of one event. The bus is the default;
/// a host routes an event elsewhere (aura::agent::sink_for) so that plugin
/// hooks run under that runner's rules, e.g. per-tool schema re-validation.
class hook_sink {
 public:
  virtual ~hook_sink() = default;
  /// Adds a JSON hook; errors as chain::add_json.
  virtual result<void> add(hook_options opts, json_hook fn) = 0;
  /// Replaces `old_name` in one step: a concurrent run sees one of the two.
  virtual result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  /// Removes a hook by name; false if there is none.
  virtual bool remove(std::string_view name) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOOK_SINK_HPP
// ---- end aura/core/hook_sink.hpp
// ---- begin aura/plugin/detail/run.hpp
#ifndef AURA_SI_AURA_PLUGIN_DETAIL_RUN_HPP
#define AURA_SI_AURA_PLUGIN_DETAIL_RUN_HPP
// aura/plugin/detail/run.hpp - runs one command to completion: input on stdin,
// output from stdout and stderr, a deadline, an exact environment. Used for
// plugin commands, MCP tools and Codineer lifecycle scripts (the hook path
// goes through the command adapter).

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>


namespace aura::plugin::detail {

struct run_result {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out, err;
};

/// Resolves argv[0]: a path relative to the plugin directory when such a file
/// exists there, else left for PATH lookup.
[[nodiscard]] inline std::vector<std::string> resolve_argv(std::vector<std::string> argv, const std::filesystem::path& dir) {
  if (!argv.empty() && argv[0].find('/') != std::string::npos && !std::filesystem::path(argv[0]).is_absolute()) {
    std::error_code ec;
    argv[0] = std::filesystem::absolute(dir / argv[0], ec).lexically_normal().string();
  }
  return argv;
}

/// Runs argv in `dir` with exactly `env`; kills it at the deadline.
[[nodiscard]] inline result<run_result> run_command(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                                                    const std::map<std::string, std::string>& env, const std::string& input,
                                                    std::chrono::milliseconds timeout) {
  if (argv.empty()) return fail(errc::invalid_argument, "an empty command line");
  // A child that exits before reading its input must not kill the host with SIGPIPE.
  static const bool sigpipe_ignored = [] {
    struct sigaction sa {};
    if (::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)sigpipe_ignored;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]);
    return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]); ::close(out[0]); ::close(out[1]);
    return fail(errc::io_error, std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  const std::string workdir = dir.string();
  // PATH lookup uses the child's PATH, or the default one.
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (auto it = env.find("PATH"); it != env.end()) path = it->second;

  const pid_t pid = ::fork();
  if (pid < 0) return fail(errc::io_error, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) _exit(127);
    if (std::strchr(args[0], '/')) {
      ::execve(args[0], args.data(), envp.data());
    } else {
      std::size_t start = 0;
      while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string cand = path.substr(start, end - start) + "/" + args[0];
        ::execve(cand.c_str(), args.data(), envp.data());
        start = end + 1;
      }
    }
    const char msg[] = "aura: cannot execute the command\n";
    (void)!::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  run_result r;
  std::size_t written = 0;
  int wfd = in[1];
  if (input.empty()) { ::close(wfd); wfd = -1; }
  bool out_open = true, err_open = true, timed_out = false;
  char buf[8192];
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) { timed_out = true; break; }
    pollfd fds[3];
    int n = 0;
    int io = -1, ie = -1, iw = -1;
    if (out_open) { fds[n] = {out[0], POLLIN, 0}; io = n++; }
    if (err_open) { fds[n] = {err[0], POLLIN, 0}; ie = n++; }
    if (wfd >= 0) { fds[n] = {wfd, POLLOUT, 0}; iw = n++; }
    const int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (iw >= 0 && (fds[iw].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t k = ::write(wfd, input.data() + written, input.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) { ::close(wfd); wfd = -1; }
    }
    auto drain = [&](int idx, int fd, std::string& into, bool& open) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      const ssize_t k = ::read(fd, buf, sizeof buf);
      if (k > 0) into.append(buf, static_cast<std::size_t>(k));
      else if (k == 0 || errno != EINTR) open = false;
    };
    drain(io, out[0], r.out, out_open);
    drain(ie, err[0], r.err, err_open);
  }
  if (wfd >= 0) ::close(wfd);
  ::close(out[0]);
  ::close(err[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return fail(errc::timeout, "\"" + argv[0] + "\" did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace aura::plugin::detail
#endif  // AURA_SI_AURA_PLUGIN_DETAIL_RUN_HPP
// ---- end aura/plugin/detail/run.hpp
// ---- begin aura/plugin/tools.hpp
#ifndef AURA_SI_AURA_PLUGIN_TOOLS_HPP
#define AURA_SI_AURA_PLUGIN_TOOLS_HPP
// aura/plugin/tools.hpp - plugin tools (MCP-style) and commands.
//
// A tool or command is a command line in the plugin directory: it gets its
// arguments as one JSON document on stdin and answers on stdout (JSON or
// text); exit 0 is success. Tools are listed MCP-style under namespaced names
// `plugin_<name>_<tool>` (characters other than [A-Za-z0-9_-] become `_`),
// their arguments are checked against the tool's JSON Schema before the tool
// runs, and they run with the plugin's filtered environment.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::plugin {

/// `plugin_<plugin>_<tool>` as Naridon Aura names them: the plugin's name
/// without its dashes (deploy-gate -> deploygate, so the `_` separators stay
/// unambiguous), other characters MCP names do not allow made `_`.
[[nodiscard]] inline std::string tool_name(const std::string& plugin, const std::string& tool) {
  std::string squeezed;
  for (char c : plugin) {
    if (c != '-') squeezed += c;
  }
  std::string out = "plugin_" + squeezed + "_" + tool;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

/// Codineer's tool permission levels, lowest first.
[[nodiscard]] inline int tool_permission_level(const std::string& p) {
  if (p == "danger-full-access") return 2;
  if (p == "workspace-write") return 1;
  return 0;  // read-only (and unset)
}

/// One tool a loaded plugin offers.
struct plugin_tool {
  std::string name;    ///< namespaced
  std::string plugin;
  command_spec spec;
  std::filesystem::path dir;
  std::map<std::string, std::string> env;
  std::shared_ptr<const schema::validator> check;  ///< null: any arguments
  /// Set by plugin_host::tools for a tool without `run`: sends a request to
  /// the plugin's own process (method, params, timeout).
  std::function<result<nlohmann::json>(const std::string&, const nlohmann::json&, std::chrono::milliseconds)> serve;
};

/// Codineer's full plugin id: aura loads a Codineer plugin from a directory it
/// is pointed at, which Codineer calls an external source.
[[nodiscard]] inline std::string codineer_plugin_id(const manifest& m) { return m.name + "@external"; }

/// The tools of one plugin (its schemas compiled once).
[[nodiscard]] inline result<std::vector<plugin_tool>> tools_of(const manifest& m,
                                                               const std::map<std::string, std::string>& env) {
  std::vector<plugin_tool> out;
  for (const auto& t : m.tools) {
    plugin_tool pt{tool_name(m.name, t.name), m.name, t, m.dir, env, nullptr, {}};
    if (m.format == manifest_format::codineer) {  // what Codineer tool scripts are given
      pt.env["CODINEER_PLUGIN_ID"] = codineer_plugin_id(m);
      pt.env["CODINEER_TOOL_NAME"] = t.name;
    }
    auto v = schema::compile(t.input_schema);
    if (!v) {
      error e = std::move(v.error());
      e.plugin = m.name;
      e.message = "tool \"" + t.name + "\": " + e.message;
      return fail(std::move(e));
    }
    pt.check = std::make_shared<const schema::validator>(std::move(*v));
    out.push_back(std::move(pt));
  }
  return out;
}

/// The MCP `tools/list` result for these tools.
[[nodiscard]] inline nlohmann::json mcp_tools_list(const std::vector<plugin_tool>& tools) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : tools) {
    nlohmann::json entry{{"name", t.name}, {"description", t.spec.description}, {"inputSchema", t.spec.input_schema}};
    if (!t.spec.required_permission.empty()) {
      entry["annotations"] = {{"readOnlyHint", tool_permission_level(t.spec.required_permission) == 0}};
    }
    list.push_back(std::move(entry));
  }
  return nlohmann::json{{"tools", std::move(list)}};
}

/// Runs a command line of a plugin with `args` as JSON on stdin.
[[nodiscard]] inline result<detail::run_result> run_with_json(const std::vector<std::string>& argv,
                                                              const std::filesystem::path& dir,
                                                              const std::map<std::string, std::string>& env,
                                                              const nlohmann::json& args,
                                                              std::chrono::milliseconds timeout) {
  return detail::run_command(detail::resolve_argv(argv, dir), dir, env, args.dump() + "\n", timeout);
}

/// Calls a tool the MCP way: arguments checked against its schema (refused
/// with the JSON pointer at fault), then run. The result is an MCP
/// `tools/call` result: {"content": [{"type": "text", "text": ...}], "isError": bool}.
[[nodiscard]] inline result<nlohmann::json> call_tool(const plugin_tool& tool, const nlohmann::json& args,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                                      const std::string& max_permission = "danger-full-access") {
  if (tool_permission_level(tool.spec.required_permission) > tool_permission_level(max_permission)) {
    return fail(error{errc::permission_denied,
                      "tool \"" + tool.name + "\" requires " + tool.spec.required_permission + ", the host allows " +
                          max_permission,
                      tool.plugin, {}, {}});
  }
  if (tool.check) {
    auto problems = tool.check->check(args);
    if (!problems.empty()) {
      return fail(error{errc::validation_failed, "arguments of tool \"" + tool.name + "\": " + problems.front().message,
                        tool.plugin, {}, problems.front().instance_location});
    }
  }
  if (tool.spec.timeout.count() > 0) timeout = tool.spec.timeout;
  if (tool.spec.in_process()) {
    if (!tool.serve) {
      return fail(error{errc::unsupported,
                        "tool \"" + tool.name + "\" is served by its plugin's process: call it through plugin_host::tools",
                        tool.plugin, {}, tool.spec.where});
    }
    auto r = tool.serve("tools/call", nlohmann::json{{"name", tool.spec.name}, {"arguments", args}}, timeout);
    if (!r) {
      if (r.error().code != errc::hook_failed) {
        error e = std::move(r.error());
        e.plugin = tool.plugin;
        return fail(std::move(e));
      }
      // The plugin answered with a JSON-RPC error: a tool error, as MCP reports it.
      return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", r.error().message}}})},
                            {"isError", true}};
    }
    if (r->is_object() && r->contains("content")) return std::move(*r);  // already an MCP result
    const std::string text = r->is_string() ? r->get<std::string>() : r->dump();
    return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", text}}})}, {"isError", false}};
  }
  auto r = run_with_json(tool.spec.run, tool.dir, tool.env, args, timeout);
  if (!r) {
    error e = std::move(r.error());
    e.plugin = tool.plugin;
    return fail(std::move(e));
  }
  std::string text = r->out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const bool failed = r->exit_code != 0;
  if (failed && text.empty()) text = r->err;
  return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", text}}})}, {"isError", failed}};
}

/// Runs a plugin command: `args` as JSON on stdin; its stdout is the answer.
/// A non-zero exit is an error carrying its stderr.
[[nodiscard]] inline result<std::string> run_plugin_command(const manifest& m, const std::string& command,
                                                            const nlohmann::json& args,
                                                            const std::map<std::string, std::string>& env,
                                                            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  for (const auto& c : m.commands) {
    if (c.name != command) continue;
    if (c.in_process()) {
      return fail(error{errc::unsupported,
                        "command \"" + command + "\" is served by the plugin's process: run it through plugin_host::run_command",
                        m.name, {}, c.where});
    }
    auto r = run_with_json(c.run, m.dir, env, args, timeout);
    if (!r) {
      error e = std::move(r.error());
      e.plugin = m.name;
      return fail(std::move(e));
    }
    if (r->exit_code != 0) {
      return fail(error{errc::hook_failed,
                        "command \"" + command + "\" exited with status " + std::to_string(r->exit_code) +
                            (r->err.empty() ? "" : ": " + r->err),
                        m.name, {}, {}});
    }
    return r->out;
  }
  return fail(error{errc::not_found, "the plugin has no command \"" + command + "\"", m.name, {}, {}});
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_TOOLS_HPP
// ---- end aura/plugin/tools.hpp

namespace aura::plugin {

/// What the host gives every plugin it loads.
struct host_options {
  std::shared_ptr<logger> log = std::make_shared<stderr_logger>();
  std::shared_ptr<clock_source> clock = std::make_shared<system_clock_source>();
  /// none: plugins' HTTP calls get errc::unsupported. One line gives them
  /// aura's libcurl client (target aura::http):
  /// `opts.http = std::make_shared<aura::net::curl_http_client>();`
  std::shared_ptr<http_client> http;
  /// The most storage any plugin gets; a manifest's storage_quota may ask for
  /// less, and asking for more is a load error (core/storage_limits.hpp).
  storage_limits storage_caps;
  config_layers config;
  /// plugin_private storage lives in data_root/<name>; empty: <plugin dir>/.data
  std::filesystem::path data_root;
  /// repo_readonly / repo_readwrite storage root; empty: the current directory
  std::filesystem::path repo_root;
  /// The environment plugins' variables are taken from; empty: the host's own.
  std::optional<std::map<std::string, std::string>> environment;
  semver sdk = host_sdk();
  std::chrono::milliseconds unload_grace{1000};
  std::chrono::milliseconds lifecycle_timeout{5000};  ///< Codineer Init/Shutdown scripts
  /// Where the hooks of an event join instead of the bus, by event name: an
  /// agent host routes tool.before_execution and messages.transform to its
  /// pipelines (aura::agent::sink_for) so plugin hooks get their rules.
  std::map<std::string, std::shared_ptr<hook_sink>, std::less<>> sinks;
  /// `call_api` scopes this host defines beyond aura's own (log, config,
  /// storage, http, clock, env): Naridon Aura's `intents:read`... A manifest
  /// naming a scope the host knows neither here nor in `api_methods` fails to load.
  std::vector<std::string> api_scopes;
  /// The host's own APIs, each behind a scope (process plugins call `host/<name>`).
  std::shared_ptr<const host_method_table> api_methods;

  // ---- isolation of lua and wasm plugins (docs/security.md, docs/adapters/isolated.md)
  /// Where lua and wasm plugins run unless said otherwise: `process` (the
  /// default: aura-worker processes, bounded from outside) or `in_process`
  /// (the explicit opt-in for speed, for plugins the host trusts).
  isolation_mode isolation = isolation_mode::process;
  /// Per plugin name, over everything else (the host's word on one plugin).
  std::map<std::string, isolation_mode, std::less<>> isolation_for;
  /// Whether a manifest's `isolation = "none"` is honoured. Off by default: a
  /// plugin found on disk does not get to lower its own isolation (its
  /// `isolation = "process"` is always honoured).
  bool trust_manifest_isolation = false;
  /// The worker executable; empty: $AURA_WORKER, next to the program, ../libexec/aura.
  std::filesystem::path worker;
  /// The workers' bounds (rlimits, margins, pool size, back-off).
  isolation_limits isolation_bounds;
};

/// The `call_api` scopes aura itself defines.
[[nodiscard]] inline const std::vector<std::string>& builtin_api_scopes() {
  static const std::vector<std::string> all{"*", "log", "config", "storage", "http", "clock", "env"};
  return all;
}

/// A loaded plugin, as listed.
struct plugin_status {
  std::string name;
  std::string version;
  runtime_kind kind = runtime_kind::native;
  std::filesystem::path dir;
  std::size_t hooks = 0;
  std::uint64_t generation = 0;  ///< 1 at load, +1 per reload or upgrade
};

class plugin_host {
 public:
  plugin_host(aura::bus& bus, runtime_registry runtimes, host_options opts = {})
      : bus_(bus), runtimes_(std::move(runtimes)), opts_(std::move(opts)) {}
  plugin_host(const plugin_host&) = delete;
  plugin_host& operator=(const plugin_host&) = delete;
  ~plugin_host() {
    for (const auto& name : names()) (void)unload(name);
  }

  /// The checks a load makes before running any plugin code: SDK range,
  /// minimum aura version, hooks inside read_events. Every problem is returned.
  [[nodiscard]] std::vector<error> check(const manifest& m) const {
    std::vector<error> out;
    if (m.api.sdk) {
      if (auto ok = check_sdk(m.name, *m.api.sdk, opts_.sdk); !ok) {
        error e = std::move(ok.error());
        e.where = m.file.string();
        out.push_back(std::move(e));
      }
    }
    if (m.api.min_aura_version && opts_.sdk < *m.api.min_aura_version) {
      out.push_back(error{errc::version_mismatch,
                          "plugin requires aura >= " + m.api.min_aura_version->str() + ", host has " + opts_.sdk.str(),
                          m.name, {}, m.file.string()});
    }
    for (auto& e : check_hook_events(m)) out.push_back(std::move(e));
    for (auto& e : check_api_scopes(m)) out.push_back(std::move(e));
    for (auto& e : check_network_permissions(m)) out.push_back(std::move(e));
    if (auto granted = grant_storage(m.perms.storage_quota, opts_.storage_caps); !granted) {
      out.push_back(error{errc::load_error, granted.error().message, m.name, {}, m.file.string()});
    }
    return out;
  }

  /// Every scope of the manifest's call_api must be one this host knows (a
  /// glob such as `intents:*` must match at least one).
  [[nodiscard]] std::vector<error> check_api_scopes(const manifest& m) const {
    std::vector<std::string> known = builtin_api_scopes();
    known.insert(known.end(), opts_.api_scopes.begin(), opts_.api_scopes.end());
    if (opts_.api_methods) {
      for (const auto& kv : *opts_.api_methods) known.push_back(kv.second.scope);
    }
    std::vector<error> out;
    for (const auto& scope : m.perms.call_api) {
      const bool ok = std::any_of(known.begin(), known.end(),
                                  [&](const std::string& k) { return k == scope || glob_match(scope, k); });
      if (ok) continue;
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      out.push_back(error{errc::invalid_argument,
                          "plugin.permissions.call_api: scope \"" + scope + "\" is not one this host declares (it knows " +
                              list + ")",
                          m.name, {}, m.file.string()});
    }
    return out;
  }

  /// The tools of a loaded plugin, namespaced; those without a `run` entry are
  /// served by the plugin's own process (`tools/call`), through this host.
  [[nodiscard]] result<std::vector<plugin_tool>> tools(const std::string& name) const {
    auto v = current_of(name);
    if (!v) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
    auto list = tools_of(v->spec, environment_for(v->spec.perms, opts_.environment ? *opts_.environment : host_environment()));
    if (!list) return list;
    std::weak_ptr<plugin_instance> inst = v->inst;
    for (auto& t : *list) {
      if (!t.spec.in_process()) continue;
      t.serve = [inst](const std::string& method, const nlohmann::json& params,
                       std::chrono::milliseconds timeout) -> result<nlohmann::json> {
        auto i = inst.lock();
        if (!i) return fail(errc::not_found, "the plugin was unloaded");
        return i->request(method, params, timeout);
      };
    }
    return list;
  }

  /// Runs a plugin command: one with `run` as its own process (args as JSON
  /// on stdin, stdout the answer); one without in the plugin's process as the
  /// JSON-RPC request `command` {name, args}, whose result is the answer.
  [[nodiscard]] result<std::string> run_command(const std::string& name, const std::string& command,
                                                const nlohmann::json& args,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    auto v = current_of(name);
    if (!v) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
    for (const auto& c : v->spec.commands) {
      if (c.name != command) continue;
      const auto budget = c.timeout.count() > 0 ? c.timeout : timeout;
      if (!c.in_process()) return run_plugin_command(v->spec, command, args, environment_of(v->spec), budget);
      auto r = v->inst->request("command", nlohmann::json{{"name", command}, {"args", args}}, budget);
      if (!r) {
        error e = std::move(r.error());
        e.plugin = name;
        return fail(std::move(e));
      }
      if (r->is_string()) return r->get<std::string>();
      if (r->is_object() && r->contains("output") && (*r)["output"].is_string()) return (*r)["output"].get<std::string>();
      return r->dump();
    }
    return fail(error{errc::not_found, "the plugin has no command \"" + command + "\"", name, {}, {}});
  }

  /// Loads a plugin: its hooks join the bus. Nothing is left behind on failure.
  result<void> load(manifest m) {
    std::lock_guard<std::mutex> lock(admin_);
    if (slots_.count(m.name)) {
      return fail(error{errc::already_exists, "a plugin of this name is already loaded", m.name, {}, m.file.string()});
    }
    auto s = std::make_shared<slot>();
    s->name = m.name;
    auto v = build(std::move(m), 1);
    if (!v) return fail(std::move(v.error()));
    if (auto r = install(s, *v); !r) {
      (void)stop_version(**v, opts_.unload_grace);
      return r;
    }
    slots_.emplace(s->name, s);
    return {};
  }

  /// Unloads a plugin: its hooks leave the bus at once; calls in flight get up
  /// to `grace` to finish, then the plugin is stopped (and gets `grace` to flush).
  result<void> unload(const std::string& name, std::optional<std::chrono::milliseconds> grace = std::nullopt) {
    const auto g = grace.value_or(opts_.unload_grace);
    std::shared_ptr<slot> s;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
      s = it->second;
      slots_.erase(it);
    }
    bus_.remove_plugin(name);
    for (const auto& [key, reg] : s->registered) {
      if (auto* sink = sink_of(reg.event)) (void)sink->remove(reg.opts.name);
    }
    auto old = current(*s);
    s->current.store(nullptr);
    if (!old) return {};
    drain(old, g);
    return stop_version(*old, g);
  }

  /// Reads the plugin's manifest from disk again and upgrades to it.
  result<void> reload(const std::string& name) {
    std::filesystem::path file;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", name, {}, {}});
      auto v = current(*it->second);
      if (!v) return fail(error{errc::not_found, "the plugin is being unloaded", name, {}, {}});
      file = v->spec.file;
    }
    auto m = read_manifest(file);
    if (!m) return fail(std::move(m.error()));
    if (m->name != name) {
      return fail(error{errc::invalid_argument, "the manifest now names the plugin \"" + m->name + "\"", name, {},
                        file.string()});
    }
    return upgrade(std::move(*m));
  }

  /// Swaps a loaded plugin for another version atomically: dispatches see the
  /// old version or the new one; calls in flight finish on the old one.
  result<void> upgrade(manifest m) {
    std::shared_ptr<slot> s;
    std::shared_ptr<const version> old;
    std::shared_ptr<const version> fresh;
    {
      std::lock_guard<std::mutex> lock(admin_);
      auto it = slots_.find(m.name);
      if (it == slots_.end()) return fail(error{errc::not_found, "no plugin of this name is loaded", m.name, {}, {}});
      s = it->second;
      old = current(*s);
      auto v = build(std::move(m), old ? old->generation + 1 : 1);
      if (!v) return fail(std::move(v.error()));
      if (auto r = install(s, *v); !r) {
        (void)stop_version(**v, opts_.unload_grace);
        return r;
      }
      fresh = *v;
    }
    if (old) {
      drain(old, opts_.unload_grace);
      (void)stop_version(*old, opts_.unload_grace);
    }
    return {};
  }

  [[nodiscard]] bool loaded(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    return slots_.count(name) != 0;
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(admin_);
    std::vector<std::string> out;
    for (const auto& kv : slots_) out.push_back(kv.first);
    return out;
  }

  /// The manifest of the current version of a loaded plugin.
  [[nodiscard]] std::optional<manifest> find(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return std::nullopt;
    auto v = current(*it->second);
    if (!v) return std::nullopt;
    return v->spec;
  }

  /// The plugin's own context (owner, permissions, merged config, storage).
  [[nodiscard]] std::shared_ptr<context> context_of(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return nullptr;
    auto v = current(*it->second);
    return v ? v->ctx : nullptr;
  }

  /// The environment a loaded plugin's commands and tools receive.
  [[nodiscard]] std::map<std::string, std::string> environment_of(const manifest& m) const {
    return environment_for(m.perms, opts_.environment ? *opts_.environment : host_environment());
  }

  [[nodiscard]] std::vector<plugin_status> list() const {
    std::lock_guard<std::mutex> lock(admin_);
    std::vector<plugin_status> out;
    for (const auto& [name, s] : slots_) {
      auto v = current(*s);
      if (!v) continue;
      out.push_back(plugin_status{name, v->spec.version, v->spec.runtime.kind, v->spec.dir, v->spec.hooks.size(),
                                  v->generation});
    }
    return out;
  }

  [[nodiscard]] const host_options& options() const noexcept { return opts_; }

 private:
  struct version;
  [[nodiscard]] std::shared_ptr<const version> current_of(const std::string& name) const {
    std::lock_guard<std::mutex> lock(admin_);
    auto it = slots_.find(name);
    return it == slots_.end() ? nullptr : current(*it->second);
  }

 public:
  [[nodiscard]] aura::bus& bus() noexcept { return bus_; }

 private:
  struct bound_hook {
    hook_spec spec;
    json_hook fn;
  };
  struct version {
    manifest spec;
    std::shared_ptr<context> ctx;
    std::shared_ptr<plugin_instance> inst;
    std::map<std::string, bound_hook> hooks;  ///< by key (event, handler)
    std::uint64_t generation = 0;
  };
  struct registration {
    std::string event;
    hook_options opts;  ///< as registered; `opts.name` is the name in the chain
  };
  struct slot {
    std::string name;
    ::aura::detail::counted_published<std::shared_ptr<const version>> current{nullptr};  // prompt release: drain() waits on it
    std::map<std::string, std::shared_ptr<std::atomic<bool>>> once;  ///< by key; survives versions
    std::map<std::string, registration> registered;                  ///< by key
  };

  [[nodiscard]] static std::string key_of(const hook_spec& h) { return h.event + '\x1f' + h.handler; }
  [[nodiscard]] static std::shared_ptr<const version> current(slot& s) {
    auto g = s.current.acquire();
    return *g;
  }
  [[nodiscard]] static bool same_registration(const hook_options& a, const hook_options& b) {
    return a.priority == b.priority && a.when == b.when && a.on_error == b.on_error && a.timeout == b.timeout;
  }

  [[nodiscard]] std::shared_ptr<aura::storage> storage_for(const manifest& m, const storage_limits& limits) const {
    switch (m.perms.storage) {
      case storage_scope::plugin_private: {
        auto root = opts_.data_root.empty() ? m.dir / ".data" : opts_.data_root / m.name;
        return std::make_shared<directory_storage>(root, m.name, false, limits, true);
      }
      case storage_scope::repo_readonly:
      case storage_scope::repo_readwrite: {
        std::error_code ec;
        auto root = opts_.repo_root.empty() ? std::filesystem::current_path(ec) : opts_.repo_root;
        return std::make_shared<directory_storage>(root, m.name, m.perms.storage == storage_scope::repo_readonly, limits,
                                                   false);
      }
      case storage_scope::none: break;
    }
    return std::make_shared<memory_storage>(limits);  // unreachable through the context: it refuses first
  }

  /// Makes a new version: checks, context, code, hooks. Runs no dispatch.
  /// The host's override, else the manifest's (its "none" only when trusted), else the host's default.
  [[nodiscard]] isolation_mode isolation_of(const manifest& m) const {
    if (auto it = opts_.isolation_for.find(m.name); it != opts_.isolation_for.end()) return it->second;
    if (m.runtime.isolation == isolation_mode::process) return isolation_mode::process;
    if (m.runtime.isolation == isolation_mode::in_process && opts_.trust_manifest_isolation) {
      return isolation_mode::in_process;
    }
    return opts_.isolation == isolation_mode::host_default ? isolation_mode::process : opts_.isolation;
  }

  result<std::shared_ptr<const version>> build(manifest m, std::uint64_t generation) {
    auto problems = check(m);
    if (!problems.empty()) {
      error first = std::move(problems.front());
      for (std::size_t i = 1; i < problems.size(); ++i) first.message += "; " + problems[i].describe();
      return fail(std::move(first));
    }
    const storage_limits limits = grant_storage(m.perms.storage_quota, opts_.storage_caps).value_or(opts_.storage_caps);
    auto v = std::make_shared<version>();
    v->generation = generation;
    v->ctx = std::make_shared<context>();
    v->ctx->set_owner(m.name)
        .set_permissions(m.perms)
        .set_logger(opts_.log)
        .set_clock(opts_.clock)
        .set_storage(storage_for(m, limits))
        .set_storage_limits(limits)
        .set_config(opts_.config.merged(m.name, m.config));
    if (opts_.api_methods) v->ctx->set_host_methods(opts_.api_methods);
    if (opts_.http) v->ctx->set_http(opts_.http);
    const auto env = environment_of(m);
    for (const auto& script : m.on_init) {
      if (auto r = run_script(m, script, env, "Init"); !r) return fail(std::move(r.error()));
    }
    load_request req{m, v->ctx, env, isolation_of(m), opts_.worker, opts_.isolation_bounds};
    auto inst = runtimes_.load(req);
    if (!inst) return fail(std::move(inst.error()));
    v->inst = *inst;
    for (const auto& h : m.hooks) {
      auto fn = v->inst->hook(h);
      if (!fn) {
        (void)v->inst->stop(opts_.unload_grace);
        error e = std::move(fn.error());
        if (e.plugin.empty()) e.plugin = m.name;
        if (e.hook.empty()) e.hook = h.handler;
        if (e.where.empty()) e.where = h.where;
        return fail(std::move(e));
      }
      v->hooks[key_of(h)] = bound_hook{h, std::move(*fn)};
    }
    v->spec = std::move(m);
    return std::shared_ptr<const version>(std::move(v));
  }

  [[nodiscard]] result<void> run_script(const manifest& m, const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env, const char* phase) const {
    auto r = detail::run_command(detail::resolve_argv(argv, m.dir), m.dir, env, {}, opts_.lifecycle_timeout);
    if (!r) {
      error e = std::move(r.error());
      e.plugin = m.name;
      e.message = std::string(phase) + " script: " + e.message;
      return fail(std::move(e));
    }
    if (r->exit_code != 0) {
      return fail(error{errc::load_error,
                        std::string(phase) + " script \"" + argv.front() + "\" exited with status " +
                            std::to_string(r->exit_code) + (r->err.empty() ? "" : ": " + r->err),
                        m.name, {}, m.file.string()});
    }
    return {};
  }

  /// Joins the version's hooks to the bus, publishes it, then retires the
  /// registrations the new version no longer uses. A hook whose registration
  /// changed is replaced in its chain in one step (bus::replace), so every
  /// dispatch runs it exactly once, under the old registration or the new.
  result<void> install(const std::shared_ptr<slot>& sp, const std::shared_ptr<const version>& v) {
    slot& s = *sp;
    struct change {
      std::string key;
      std::optional<registration> previous;  ///< replaced, or nothing: added
    };
    std::vector<change> changes;
    std::map<std::string, registration> now;
    auto undo = [&] {  // a later hook failed to join: put the bus back as it was
      for (auto c = changes.rbegin(); c != changes.rend(); ++c) {
        const registration& added = now[c->key];
        if (c->previous) {
          (void)rejoin(added.event, added.opts.name, c->previous->opts, stable_hook(sp, c->key, s.once[c->key]));
        } else {
          leave(added.event, added.opts.name);
        }
      }
    };
    for (const auto& [key, bound] : v->hooks) {
      hook_options o(s.name + ":" + bound.spec.handler);
      o.priority = bound.spec.priority;
      o.when = bound.spec.condition;
      o.on_error = bound.spec.on_error;
      o.timeout = bound.spec.timeout;
      o.plugin = s.name;
      auto it = s.registered.find(key);
      if (it != s.registered.end() && same_registration(it->second.opts, o)) {
        now[key] = it->second;
        continue;
      }
      registration reg;
      reg.event = bound.spec.event;
      reg.opts = o;
      auto& fired = s.once[key];
      if (!fired) fired = std::make_shared<std::atomic<bool>>(false);
      std::optional<registration> previous;
      if (it != s.registered.end()) previous = it->second;
      auto r = previous ? rejoin(reg.event, previous->opts.name, o, stable_hook(sp, key, fired))
                        : join(reg.event, o, stable_hook(sp, key, fired));
      if (!r) {
        undo();
        error e = std::move(r.error());
        e.plugin = s.name;
        e.hook = bound.spec.handler;
        if (e.where.empty()) e.where = bound.spec.where;
        return fail(std::move(e));
      }
      changes.push_back(change{key, std::move(previous)});
      now[key] = reg;
    }
    s.current.store(v);
    for (const auto& [key, reg] : s.registered) {
      if (!now.count(key)) leave(reg.event, reg.opts.name);
    }
    s.registered = std::move(now);
    return {};
  }

  // Where an event's hooks join: its sink if the host routed it, else the bus.
  [[nodiscard]] hook_sink* sink_of(std::string_view event) const {
    auto it = opts_.sinks.find(event);
    return it == opts_.sinks.end() ? nullptr : it->second.get();
  }
  result<void> join(const std::string& event, const hook_options& o, json_hook fn) {
    if (auto* sink = sink_of(event)) return sink->add(o, std::move(fn));
    return bus_.on(event, o, std::move(fn));
  }
  result<void> rejoin(const std::string& event, const std::string& old_name, const hook_options& o, json_hook fn) {
    if (auto* sink = sink_of(event)) return sink->replace(old_name, o, std::move(fn));
    return bus_.replace(event, old_name, o, std::move(fn));
  }
  void leave(const std::string& event, const std::string& name) {
    if (auto* sink = sink_of(event)) {
      (void)sink->remove(name);
    } else {
      bus_.off(event, name);
    }
  }

  /// The bus-side hook: runs the current version's code for one key. A chain
  /// holds one entry per key at any moment, so no version check is needed.
  [[nodiscard]] static json_hook stable_hook(std::shared_ptr<slot> sp, std::string key,
                                             std::shared_ptr<std::atomic<bool>> fired) {
    return [sp = std::move(sp), key = std::move(key), fired = std::move(fired)](
               const envelope<dynamic_event>& env, context& dispatch_ctx) -> result<decision<dynamic_event>> {
      (void)dispatch_ctx;
      std::shared_ptr<const version> v = current(*sp);
      if (!v) return allow();  // unloading
      auto it = v->hooks.find(key);
      if (it == v->hooks.end()) return allow();  // the new version dropped it; its entry leaves after the swap
      if (it->second.spec.once && fired->exchange(true, std::memory_order_acq_rel)) return allow();
      return it->second.fn(env, *v->ctx);
    };
  }

  /// Waits (bounded) until no call holds the old version any more.
  static void drain(const std::shared_ptr<const version>& old, std::chrono::milliseconds grace) {
    const auto until = std::chrono::steady_clock::now() + grace;
    while (old.use_count() > 1 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  result<void> stop_version(const version& v, std::chrono::milliseconds grace) const {
    result<void> out;
    const auto env = environment_for(v.spec.perms, opts_.environment ? *opts_.environment : host_environment());
    for (const auto& script : v.spec.on_shutdown) {
      if (auto r = run_script(v.spec, script, env, "Shutdown"); !r && out) out = fail(std::move(r.error()));
    }
    if (v.inst) {
      if (auto r = v.inst->stop(grace); !r && out) out = fail(std::move(r.error()));
    }
    return out;
  }

  aura::bus& bus_;
  runtime_registry runtimes_;
  host_options opts_;
  mutable std::mutex admin_;
  std::map<std::string, std::shared_ptr<slot>> slots_;
};

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_HOST_HPP
// ---- end aura/plugin/host.hpp
// ---- begin aura/plugin/runtimes/defaults.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIMES_DEFAULTS_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIMES_DEFAULTS_HPP
// aura/plugin/runtimes/defaults.hpp - a runtime_registry with every kind this
// build has: native (from a native_registry), process and command always;
// wasm when AURA_PLUGIN_WASM is 1 (link aura::wasm), lua when AURA_PLUGIN_LUA
// is 1 (link aura::lua). Both default to 0 so that including this header never
// asks for a library the program does not link.

#include <memory>

// ---- begin aura/plugin/runtimes/isolated.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIMES_ISOLATED_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIMES_ISOLATED_HPP
// aura/plugin/runtimes/isolated.hpp - "lua" and "wasm" plugins run in
// aura-worker processes (aura/adapters/isolated/plugin.hpp). Needs no Lua or
// WABT in the host: the worker has them. lua_loader / wasm_loader hand over
// to this loader whenever a plugin's isolation resolves to `process`.

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/isolated/plugin.hpp
#ifndef AURA_SI_AURA_ADAPTERS_ISOLATED_PLUGIN_HPP
#define AURA_SI_AURA_ADAPTERS_ISOLATED_PLUGIN_HPP
// aura/adapters/isolated/plugin.hpp - a Lua or WASM plugin run in worker
// processes (aura-worker) instead of in the host: the host enforces every
// deadline from outside and every capability the guest asks for.
//
//   aura::isolated_options o{"guard", "lua", "plugins/guard/guard.lua"};
//   o.ctx = ctx;
//   auto plugin = aura::isolated_plugin::load(std::move(o));
//   bus.on("intent.before_log", "guard", (*plugin)->hook("on_intent"));
//
// Each call goes to one worker of a small pool (isolation_limits::max_workers;
// further concurrent calls wait for a worker until their deadline). A call
// returns by its deadline + isolation_limits::kill_margin (+ the time to
// SIGKILL and reap) whatever the guest does; a worker that missed it, died,
// wrote garbage or an overlong line, or flooded the host is killed and a new
// one started on the next call after a back-off. docs/adapters/isolated.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/isolated/protocol.hpp
#ifndef AURA_SI_AURA_ADAPTERS_ISOLATED_PROTOCOL_HPP
#define AURA_SI_AURA_ADAPTERS_ISOLATED_PROTOCOL_HPP
// aura/adapters/isolated/protocol.hpp - the line protocol between the host and
// an isolated plugin's worker process (aura-worker), shared by both sides.
//
// JSON-RPC 2.0, one compact JSON text per line, over the worker's stdin
// (host -> worker) and stdout (worker -> host). The host asks, the worker
// answers; while it answers an "event" the worker may ask the host for
// capabilities and waits for each answer:
//
//   host -> worker  {"id":1,"method":"init","params":{runtime,name,file,limits,perms,env}}
//   worker -> host  {"id":1,"result":{"handlers":[...],"seccomp":true,"notes":[...]}}
//   host -> worker  {"id":2,"method":"event","params":{hook,event,config,timeout_ms}}
//   worker -> host  {"id":"c1","method":"storage.get","params":{"key":"k"}}     (a capability)
//   host -> worker  {"id":"c1","result":{"value":"v"}}
//   worker -> host  {"method":"log","params":{"level":1,"message":"..."}}      (no answer)
//   worker -> host  {"id":2,"result":{"decision":"allow"}}                      (the wire decision)
//
// A failure travels as a JSON-RPC error whose data carries aura's errc
// spelling and `where`, so the host rebuilds the same aura::error. See
// docs/design-notes.md "The isolated worker protocol" for why it looks so.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/jsonrpc/message.hpp
#ifndef AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
#define AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
// aura/adapters/jsonrpc/message.hpp - JSON-RPC 2.0 messages, one compact JSON text per line.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/wire.hpp
#ifndef AURA_SI_AURA_CORE_WIRE_HPP
#define AURA_SI_AURA_CORE_WIRE_HPP
// aura/core/wire.hpp - the one wire format every adapter speaks (DESIGN §5).
//
// Host -> plugin:  {"aura": 1, "hook": "...", "event": {...}, "config": {...}}
// Plugin -> host:  {"decision": "allow"}
//                  {"decision": "deny", "reason": "..."}
//                  {"decision": "mutate", "patch": {...}, "patch_format": "merge" | "json_patch"}
//                  each with an optional "effects": {...}
// Unknown members are ignored (forward compatibility); anything else is a
// protocol error that quotes the offending bytes, cut to a limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/json_budget.hpp
#ifndef AURA_SI_AURA_CORE_JSON_BUDGET_HPP
#define AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// aura/core/json_budget.hpp - the one budgeted parse of what a plugin answers.
//
// A plugin's answer is parsed on the host, so its size is the host's cost:
// a few kilobytes of `[[[[...` or a million tiny members cost depth and
// allocations far past what the bytes suggest. Every adapter (process lines,
// command stdout, WASM output, Lua's general path) parses answers through
// parse_bounded, which refuses past a byte, node or depth budget with
// errc::limit_exceeded before the document is built.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>


namespace aura {

/// What one answer from a plugin may cost the host to read.
struct json_budget {
  std::size_t max_bytes = std::size_t{16} << 20;  ///< text length of the document (16 MiB)
  std::size_t max_nodes = 1'000'000;              ///< values (scalars, arrays, objects) and object keys
  std::size_t max_depth = 128;                    ///< deepest container nesting
};

namespace detail {
struct json_budget_exceeded {
  std::string what;
};
}  // namespace detail

/// Parses `text` as one JSON document within `budget`. A syntax error is
/// errc::parse_error; a budget passed is errc::limit_exceeded naming it.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> parse_bounded(std::string_view text, const json_budget& budget = {}) {
  if (budget.max_bytes != 0 && text.size() > budget.max_bytes) {
    return fail(errc::limit_exceeded, "answer of " + std::to_string(text.size()) + " bytes is larger than the " +
                                          std::to_string(budget.max_bytes) + "-byte budget");
  }
  std::size_t nodes = 0;
  typename Json::parser_callback_t count = [&](int depth, typename Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_depth != 0 && static_cast<std::size_t>(depth) >= budget.max_depth) {
        throw detail::json_budget_exceeded{"answer nests deeper than " + std::to_string(budget.max_depth) + " levels"};
      }
    }
    if (event == Json::parse_event_t::value || event == Json::parse_event_t::key ||
        event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_nodes != 0 && ++nodes > budget.max_nodes) {
        throw detail::json_budget_exceeded{"answer has more than " + std::to_string(budget.max_nodes) + " JSON nodes"};
      }
    }
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), count, false);
    if (j.is_discarded()) return fail(errc::parse_error, "answer is not JSON");
    return j;
  } catch (const detail::json_budget_exceeded& e) {
    return fail(errc::limit_exceeded, e.what);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "answer too large to hold in memory");
  }
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// ---- end aura/core/json_budget.hpp

namespace aura::wire {

/// The protocol version in the "aura" member of every request.
inline constexpr int version = 1;

/// How many bytes of a bad answer a diagnostic quotes.
inline constexpr std::size_t quote_limit = 256;

// Each function below is a template over `Json` (always nlohmann::json) so that
// its body depends on a template parameter: it is then compiled only in the
// files that call it, not in every file that includes aura (DESIGN §7).

/// `bytes` as a JSON string literal, cut to `limit` bytes with a note of the full size.
template <class Json = nlohmann::json>
[[nodiscard]] std::string quote(std::string_view bytes, std::size_t limit = quote_limit) {
  std::string cut(bytes.substr(0, limit));
  // dump() rejects invalid UTF-8 by default; replace it so any bytes can be quoted.
  std::string out = Json(cut).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

/// The request for one hook call.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json request(std::string_view hook, const envelope<dynamic_event>& event,
                                     const nlohmann::json& config) {
  const Json& cfg = config;
  return Json{{"aura", version}, {"hook", hook}, {"event", event}, {"config", cfg.is_null() ? Json::object() : cfg}};
}

/// Reads a decision from parsed JSON; `raw` (if given) is quoted in errors.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(const nlohmann::json& answer,
                                                             std::string_view raw = {}) {
  const Json& j = answer;
  // The quote is made only for an error: a valid answer is never re-serialised.
  auto bad = [&](std::string what, std::string where) {
    const std::string shown =
        raw.empty() ? quote<Json>(j.dump(-1, ' ', false, Json::error_handler_t::replace)) : quote<Json>(raw);
    return fail(errc::protocol_error, what + " in answer " + shown, std::move(where));
  };
  if (!j.is_object()) return bad("a decision must be a JSON object", "");
  auto kind_it = j.find("decision");
  if (kind_it == j.end()) return bad("missing \"decision\"", "/decision");
  if (!kind_it->is_string()) return bad("\"decision\" must be a string", "/decision");
  const auto& kind = kind_it->template get_ref<const std::string&>();

  decision<dynamic_event> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny") {
    auto r = j.find("reason");
    if (r == j.end() || !r->is_string()) return bad("a deny needs a string \"reason\"", "/reason");
    d = decision<dynamic_event>::from_wire(decision_kind::deny, r->template get<std::string>(), {},
                                           patch_format::merge);
  } else if (kind == "mutate") {
    auto p = j.find("patch");
    if (p == j.end()) return bad("a mutate needs a \"patch\"", "/patch");
    patch_format format = patch_format::merge;
    if (auto f = j.find("patch_format"); f != j.end()) {
      if (*f == "merge") {
        format = patch_format::merge;
      } else if (*f == "json_patch") {
        format = patch_format::json_patch;
      } else {
        return bad("\"patch_format\" must be \"merge\" or \"json_patch\"", "/patch_format");
      }
    }
    if (format == patch_format::json_patch && !p->is_array()) {
      return bad("a json_patch \"patch\" must be an array", "/patch");
    }
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, *p, format);
  } else {
    return bad("unknown decision \"" + kind + "\" (allow, deny or mutate)", "/decision");
  }
  if (auto fx = j.find("effects"); fx != j.end() && !fx->is_null()) {
    if (!fx->is_object()) return bad("\"effects\" must be an object", "/effects");
    d.set_effects(*fx);
  }
  return d;
}

/// Parses and reads a decision from raw bytes (one JSON document), within
/// `budget` (bytes, nodes, depth: errc::limit_exceeded past it).
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes, const json_budget& budget) {
  auto j = parse_bounded<Json>(bytes, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "answer is not JSON: " + quote<Json>(bytes));
  }
  return parse_decision<Json>(*j, bytes);
}

/// parse_decision within the default json_budget.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes) {
  return parse_decision<Json>(bytes, json_budget{});
}

/// The wire form of a decision (what a plugin written with aura answers).
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json encode(const decision<dynamic_event>& d) {
  Json j{{"decision", to_string(d.kind())}};
  if (d.is_deny()) j["reason"] = d.reason();
  if (d.is_mutate()) {
    j["patch"] = d.json_patch();
    j["patch_format"] = to_string(d.json_patch_format());
  }
  if (d.effects() && !d.effects()->is_null()) j["effects"] = *d.effects();
  return j;
}

}  // namespace aura::wire
#endif  // AURA_SI_AURA_CORE_WIRE_HPP
// ---- end aura/core/wire.hpp

namespace aura::jsonrpc {

// Error codes: JSON-RPC 2.0's own, then aura's (in the -32000..-32099 server range).
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int host_error = -32000;         ///< a host service failed (data.code says how)
inline constexpr int permission_denied = -32001;  ///< the plugin's permissions refuse the call

enum class message_kind : std::uint8_t { request, notification, response, error_response };

/// One decoded message. `id` is null for notifications.
struct message {
  message_kind kind = message_kind::notification;
  nlohmann::json id;
  std::string method;      ///< requests and notifications
  nlohmann::json params;   ///< requests and notifications (null when absent)
  nlohmann::json result;   ///< responses
  int error_code = 0;      ///< error responses
  std::string error_message;
  nlohmann::json error_data;

  [[nodiscard]] bool is_call() const noexcept {
    return kind == message_kind::request || kind == message_kind::notification;
  }
  [[nodiscard]] bool is_answer() const noexcept {
    return kind == message_kind::response || kind == message_kind::error_response;
  }
};

/// Classifies a parsed JSON value; `raw` is quoted in errors.
[[nodiscard]] inline result<message> decode(nlohmann::json j, std::string_view raw) {
  auto bad = [&](const std::string& what, std::string where = {}) {
    return fail(errc::protocol_error, "not a JSON-RPC 2.0 message: " + what + " in " + wire::quote(raw),
                std::move(where));
  };
  if (!j.is_object()) return bad("a message must be a JSON object");
  auto ver = j.find("jsonrpc");
  if (ver == j.end() || !ver->is_string() || ver->get_ref<const std::string&>() != "2.0") {
    return bad("\"jsonrpc\" must be \"2.0\"", "/jsonrpc");
  }
  message m;
  auto id = j.find("id");
  const bool has_id = id != j.end();
  if (has_id) {
    if (!id->is_null() && !id->is_string() && !id->is_number_integer() && !id->is_number_unsigned()) {
      return bad("\"id\" must be an integer, a string or null", "/id");
    }
    m.id = std::move(*id);
  }
  if (auto method = j.find("method"); method != j.end()) {
    if (!method->is_string()) return bad("\"method\" must be a string", "/method");
    m.method = method->get<std::string>();
    m.kind = has_id ? message_kind::request : message_kind::notification;
    if (auto p = j.find("params"); p != j.end()) {
      if (!p->is_object() && !p->is_array()) return bad("\"params\" must be an object or an array", "/params");
      m.params = std::move(*p);
    }
    return m;
  }
  if (!has_id) return bad("a response needs an \"id\"", "/id");
  const auto res = j.find("result");
  const auto err = j.find("error");
  if ((res != j.end()) == (err != j.end())) return bad("a response has exactly one of \"result\" and \"error\"");
  if (res != j.end()) {
    m.kind = message_kind::response;
    m.result = std::move(*res);
    return m;
  }
  if (!err->is_object()) return bad("\"error\" must be an object", "/error");
  auto code = err->find("code");
  auto text = err->find("message");
  if (code == err->end() || !code->is_number_integer()) return bad("\"error.code\" must be an integer", "/error/code");
  if (text == err->end() || !text->is_string()) return bad("\"error.message\" must be a string", "/error/message");
  m.kind = message_kind::error_response;
  m.error_code = code->get<int>();
  m.error_message = text->get<std::string>();
  if (auto d = err->find("data"); d != err->end()) m.error_data = std::move(*d);
  return m;
}

/// Parses and classifies one line.
/// The line's JSON is parsed within `budget` (errc::limit_exceeded past it).
[[nodiscard]] inline result<message> decode(std::string_view line, const json_budget& budget = {}) {
  auto j = parse_bounded(line, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "a line that is not JSON: " + wire::quote(line));
  }
  return decode(std::move(*j), line);
}

/// True for a line of blanks only (ignored on the wire).
[[nodiscard]] inline bool is_blank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

namespace detail {
inline std::string line_of(const nlohmann::json& j) {
  // Invalid UTF-8 in event data is replaced rather than thrown on.
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}
}  // namespace detail

[[nodiscard]] inline std::string request_line(const nlohmann::json& id, std::string_view method,
                                              const nlohmann::json& params) {
  // Spelled out rather than wrapped in another json object: the params (an
  // event) are dumped once, never copied.
  std::string s = "{\"jsonrpc\":\"2.0\",\"id\":";
  s += id.dump();
  s += ",\"method\":";
  s += nlohmann::json(method).dump();
  s += ",\"params\":";
  s += params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += "}\n";
  return s;
}
[[nodiscard]] inline std::string notification_line(std::string_view method, nlohmann::json params) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}
[[nodiscard]] inline std::string response_line(const nlohmann::json& id, nlohmann::json result) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, int code, std::string_view text,
                                            nlohmann::json data = nullptr) {
  nlohmann::json e{{"code", code}, {"message", text}};
  if (!data.is_null()) e["data"] = std::move(data);
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}});
}

/// The JSON-RPC error for an aura error a host service returned.
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, const error& e) {
  const int code = e.code == errc::permission_denied ? permission_denied : host_error;
  return error_line(id, code, e.describe(), nlohmann::json{{"code", to_string(e.code)}});
}

}  // namespace aura::jsonrpc
#endif  // AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
// ---- end aura/adapters/jsonrpc/message.hpp

namespace aura::isolated {

/// Protocol version the host sends in "init"; a worker of another version refuses.
inline constexpr int protocol_version = 1;

/// The errc spelled by to_string, back to the code; unknown spellings are hook_failed.
[[nodiscard]] inline errc errc_from(std::string_view s) noexcept {
  for (int i = 0; i <= static_cast<int>(errc::patch_failed); ++i) {
    const auto code = static_cast<errc>(i);
    if (to_string(code) == s) return code;
  }
  return errc::hook_failed;
}

/// The JSON-RPC error line for an aura error (errc and where kept in data).
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, const error& e) {
  const int code = e.code == errc::permission_denied ? jsonrpc::permission_denied : jsonrpc::host_error;
  return jsonrpc::error_line(id, code, e.message, nlohmann::json{{"errc", to_string(e.code)}, {"where", e.where}});
}

/// Rebuilds the aura error a JSON-RPC error response carries.
[[nodiscard]] inline error error_from(const jsonrpc::message& m) {
  error e{errc::hook_failed, m.error_message, {}, {}, {}};
  if (m.error_data.is_object()) {
    if (auto c = m.error_data.find("errc"); c != m.error_data.end() && c->is_string()) {
      e.code = errc_from(c->get_ref<const std::string&>());
    }
    if (auto w = m.error_data.find("where"); w != m.error_data.end() && w->is_string()) e.where = w->get<std::string>();
  } else if (m.error_code == jsonrpc::permission_denied) {
    e.code = errc::permission_denied;
  }
  return e;
}

// Permissions cross the wire so that the worker's own checks (config, env,
// the WASM import grants) answer exactly as in process. They are advisory
// there: every capability is checked again by the host's context.

[[nodiscard]] inline nlohmann::json to_wire(const permissions& p) {
  static constexpr const char* scopes[] = {"none", "plugin_private", "repo_readonly", "repo_readwrite"};
  static constexpr const char* envs[] = {"none", "listed", "all"};
  return nlohmann::json{{"network", p.network},
                        {"storage", scopes[static_cast<int>(p.storage)]},
                        {"read_events", p.read_events},
                        {"call_api", p.call_api},
                        {"env", envs[static_cast<int>(p.env)]},
                        {"env_vars", p.env_vars}};
}

[[nodiscard]] inline result<permissions> permissions_from_wire(const nlohmann::json& j) {
  if (!j.is_object()) return fail(errc::protocol_error, "permissions must be an object", "/perms");
  permissions p;
  try {
    p.network = j.value("network", std::vector<std::string>{});
    p.read_events = j.value("read_events", std::vector<std::string>{"*"});
    p.call_api = j.value("call_api", std::vector<std::string>{});
    p.env_vars = j.value("env_vars", std::vector<std::string>{});
    const std::string s = j.value("storage", "none");
    p.storage = s == "plugin_private"   ? storage_scope::plugin_private
                : s == "repo_readonly"  ? storage_scope::repo_readonly
                : s == "repo_readwrite" ? storage_scope::repo_readwrite
                                        : storage_scope::none;
    const std::string e = j.value("env", "none");
    p.env = e == "all" ? env_access::all : e == "listed" ? env_access::listed : env_access::none;
  } catch (const std::exception& ex) {
    return fail(errc::protocol_error, std::string("bad permissions: ") + ex.what(), "/perms");
  }
  return p;
}

/// Nesting depth of a JSON text, counted without parsing (strings skipped):
/// a line from a worker deeper than the host's cap is refused before
/// nlohmann builds (and later recursively dumps) it.
[[nodiscard]] inline std::size_t json_nesting(std::string_view text) noexcept {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace aura::isolated
#endif  // AURA_SI_AURA_ADAPTERS_ISOLATED_PROTOCOL_HPP
// ---- end aura/adapters/isolated/protocol.hpp
// ---- begin aura/adapters/isolated/worker_process.hpp
#ifndef AURA_SI_AURA_ADAPTERS_ISOLATED_WORKER_PROCESS_HPP
#define AURA_SI_AURA_ADAPTERS_ISOLATED_WORKER_PROCESS_HPP
// aura/adapters/isolated/worker_process.hpp - the host's end of one worker
// process: start it (empty environment, own process group, stdio pipes),
// exchange lines under a deadline, see it die (pidfd, not only EOF), kill it.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// ---- begin aura/adapters/posix/deadline.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
// aura/adapters/posix/deadline.hpp - a point on the steady clock, in poll() terms.

#include <chrono>
#include <climits>

namespace aura::posix {

/// A deadline on the steady clock (never the wall clock: it may jump).
class deadline {
 public:
  using clock = std::chrono::steady_clock;

  /// A deadline `budget` from now; a zero or negative budget has already passed.
  explicit deadline(std::chrono::nanoseconds budget) : at_(clock::now() + budget) {}
  explicit deadline(clock::time_point at) : at_(at) {}

  /// No deadline at all.
  [[nodiscard]] static deadline never() { return deadline(clock::time_point::max()); }

  [[nodiscard]] clock::time_point at() const noexcept { return at_; }
  [[nodiscard]] bool expired() const { return clock::now() >= at_; }
  [[nodiscard]] std::chrono::nanoseconds remaining() const {
    if (at_ == clock::time_point::max()) return std::chrono::nanoseconds::max();
    const auto left = at_ - clock::now();
    return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left)
                            : std::chrono::nanoseconds(0);
  }
  /// The poll() timeout: milliseconds rounded up (so poll never returns just
  /// before the deadline and spins), -1 for never.
  [[nodiscard]] int poll_ms() const {
    if (at_ == clock::time_point::max()) return -1;
    const auto left = remaining();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left + std::chrono::microseconds(999));
    return ms.count() > INT_MAX ? INT_MAX : static_cast<int>(ms.count());
  }
  /// The earlier of two deadlines.
  [[nodiscard]] deadline min(const deadline& o) const { return at_ <= o.at_ ? *this : o; }

 private:
  clock::time_point at_;
};

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
// ---- end aura/adapters/posix/deadline.hpp
// ---- begin aura/adapters/posix/fd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
// aura/adapters/posix/fd.hpp - an owned file descriptor and close-on-exec pipes.

#include <cerrno>
#include <cstring>
#include <shared_mutex>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>


namespace aura::posix {

/// Held shared while aura spawns a child (between fork and exec the child
/// holds every descriptor of the host) and exclusively while it looks for the
/// processes that hold a plugin's pipes, so that scan never meets such a child.
[[nodiscard]] inline std::shared_mutex& spawn_window() noexcept {
  static std::shared_mutex m;
  return m;
}

/// "what: strerror(errno)" for an io_error.
[[nodiscard]] inline std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

/// Owns one file descriptor; closes it once. Move-only.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    // close() is not retried on EINTR: on Linux the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Moves a descriptor off 0..2 so that dup2() onto a child's stdio never
/// meets itself (dup2(fd, fd) would keep close-on-exec set).
[[nodiscard]] inline result<unique_fd> above_stdio(unique_fd fd) {
  if (fd.get() > 2) return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return fail(errc::io_error, errno_text("fcntl(F_DUPFD_CLOEXEC)", errno));
  return unique_fd(moved);
}

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

/// A pipe whose both ends are close-on-exec (and above 0..2).
[[nodiscard]] inline result<pipe_ends> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errc::io_error, errno_text("pipe2", errno));
  pipe_ends p{unique_fd(fds[0]), unique_fd(fds[1])};
  auto r = above_stdio(std::move(p.read));
  if (!r) return fail(r.error());
  auto w = above_stdio(std::move(p.write));
  if (!w) return fail(w.error());
  return pipe_ends{std::move(*r), std::move(*w)};
}

[[nodiscard]] inline result<void> set_nonblocking(int fd, bool on = true) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return fail(errc::io_error, errno_text("fcntl(F_GETFL)", errno));
  const int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) < 0) {
    return fail(errc::io_error, errno_text("fcntl(F_SETFL)", errno));
  }
  return {};
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
// ---- end aura/adapters/posix/fd.hpp
// ---- begin aura/adapters/posix/io.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
// aura/adapters/posix/io.hpp - writing to a child without dying of SIGPIPE, under a deadline.
//
// SIGPIPE: a write to a pipe whose reader has gone raises SIGPIPE, whose
// default action kills the host. aura does not touch the process-wide
// disposition (that belongs to the host). Instead every write to a child
// runs with SIGPIPE blocked in the writing thread only; the signal a failed
// write raises is thread-directed, so it stays pending on that thread and is
// consumed with sigtimedwait() before the old mask comes back, unless it was
// already pending before (then it is the host's and is left alone). The
// write itself reports EPIPE, which the adapters turn into "the child closed
// its stdin".

#include <cerrno>
#include <csignal>
#include <ctime>
#include <string_view>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>


namespace aura::posix {

/// Blocks SIGPIPE in this thread for its lifetime; swallows the SIGPIPE a
/// failed write raised in between (see the file comment).
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_) == 0;
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;
  ~sigpipe_guard() {
    if (!blocked_) return;
    if (broke_ && !was_pending_) {
      const struct timespec zero {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  /// Called when a write returned EPIPE: a SIGPIPE is now pending to consume.
  void note_broken_pipe() noexcept { broke_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
  bool broke_ = false;
};

/// How a write ended when it did not write everything.
enum class write_failure { none, broken_pipe, timed_out, io };

/// Writes all of `bytes` to the non-blocking descriptor `fd` before `until`.
/// `written` reports how far it got (a partial line desynchronises a stream).
[[nodiscard]] inline write_failure write_all(int fd, std::string_view bytes, const deadline& until,
                                             std::size_t* written = nullptr, int* err = nullptr) {
  sigpipe_guard guard;
  std::size_t done = 0;
  write_failure outcome = write_failure::none;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      guard.note_broken_pipe();
      outcome = write_failure::broken_pipe;
      break;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd p {fd, POLLOUT, 0};
      const int ms = until.poll_ms();
      if (ms == 0) {
        outcome = write_failure::timed_out;
        break;
      }
      const int r = ::poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) {
        if (err) *err = errno;
        outcome = write_failure::io;
        break;
      }
      if (r > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT)) {
        // the reader is gone; the next write reports EPIPE
        continue;
      }
      continue;
    }
    if (err) *err = errno;
    outcome = write_failure::io;
    break;
  }
  if (written) *written = done;
  return outcome;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
// ---- end aura/adapters/posix/io.hpp
// ---- begin aura/adapters/posix/line_reader.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
// aura/adapters/posix/line_reader.hpp - splits a byte stream into lines, bounded.
//
// A line longer than the limit is reported once as an overflow and then
// skipped up to its newline: the reader never holds more than `max_line`
// bytes, so a child printing 100 MiB without a newline costs the host at most
// the limit, not an out-of-memory.

#include <cstddef>
#include <string>
#include <string_view>

namespace aura::posix {

class line_reader {
 public:
  explicit line_reader(std::size_t max_line) : max_line_(max_line == 0 ? 1 : max_line) {}

  /// Feeds `bytes`. Calls `on_line(std::string_view)` for each complete line
  /// (newline and a trailing '\r' removed) and `on_overflow(std::size_t seen)`
  /// when a line passes the limit. A callback returning false stops the feed
  /// early (the rest of `bytes` is dropped); feed then returns false.
  template <class OnLine, class OnOverflow>
  bool feed(std::string_view bytes, OnLine&& on_line, OnOverflow&& on_overflow) {
    while (!bytes.empty()) {
      const std::size_t nl = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, nl);  // up to, not including, the newline
      if (discarding_) {
        skipped_ += piece.size();
        if (nl == std::string_view::npos) return true;
        discarding_ = false;
        bytes.remove_prefix(nl + 1);
        continue;
      }
      if (buffer_.size() + piece.size() > max_line_) {
        const std::size_t seen = buffer_.size() + piece.size();
        buffer_.clear();
        buffer_.shrink_to_fit();  // give the memory back: the next line is probably normal
        discarding_ = nl == std::string_view::npos;
        skipped_ = seen;
        const bool go_on = on_overflow(seen);
        if (nl != std::string_view::npos) bytes.remove_prefix(nl + 1); else bytes = {};
        if (!go_on) return false;
        continue;
      }
      if (nl == std::string_view::npos) {
        buffer_.append(piece);
        return true;
      }
      bool go_on;
      if (buffer_.empty()) {
        go_on = on_line(trim_cr(piece));  // the common case: no copy
      } else {
        buffer_.append(piece);
        go_on = on_line(trim_cr(std::string_view(buffer_)));
        buffer_.clear();
      }
      bytes.remove_prefix(nl + 1);
      if (!go_on) return false;
    }
    return true;
  }

  /// Bytes of an unterminated line held (0 while skipping an overlong one).
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size(); }
  /// An unterminated line is held: the stream ended mid-line if input stops now.
  [[nodiscard]] bool partial() const noexcept { return !buffer_.empty() || discarding_; }
  [[nodiscard]] std::string_view pending() const noexcept { return buffer_; }
  /// True while skipping the rest of an overlong line.
  [[nodiscard]] bool discarding() const noexcept { return discarding_; }
  [[nodiscard]] std::size_t max_line() const noexcept { return max_line_; }

 private:
  static std::string_view trim_cr(std::string_view s) noexcept {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;
  std::size_t skipped_ = 0;
};

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
// ---- end aura/adapters/posix/line_reader.hpp
// ---- begin aura/adapters/posix/pidfd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
// aura/adapters/posix/pidfd.hpp - seeing a child exit without waiting for EOF,
// and finding what it left holding its pipes.
//
// A pidfd (Linux >= 5.3) becomes readable when the process exits, so a
// poll() over the child's stdout and its pidfd reports the exit at once even
// while a grandchild keeps stdout open. Killing the child's process group
// ends the grandchildren that stayed in it; one that called setsid() has
// left the group, and is found instead by what it holds: every process with
// a descriptor on one of the child's pipes (kill_pipe_holders). A grandchild
// that left the group AND closed every pipe is not found (only a cgroup or a
// subreaper could): docs/security.md says so.

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>


namespace aura::posix {

/// A pidfd for `pid`, or an invalid fd where the kernel has none (callers
/// then poll waitpid on a short timer).
[[nodiscard]] inline unique_fd open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    (void)::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return unique_fd(static_cast<int>(fd));
  }
#else
  (void)pid;
#endif
  return unique_fd();
}

/// SIGKILLs every other process of this user holding a descriptor on the
/// pipe (or file) behind one of `fds`; returns how many it signalled.
///
/// A child aura is spawning holds every descriptor of the host (close-on-exec
/// ones too) until its exec: the scan runs with spawn_window() held
/// exclusively, so such a sibling is never mistaken for a holder.
inline int kill_pipe_holders(const std::vector<int>& fds) noexcept {
  std::unique_lock<std::shared_mutex> no_spawn_in_flight(spawn_window());
  std::vector<std::string> targets;
  for (int fd : fds) {
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      targets.push_back("pipe:[" + std::to_string(st.st_ino) + "]");
    }
  }
  if (targets.empty()) return 0;
  int killed = 0;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid == self) continue;
    const std::string dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fdd = ::opendir(dir.c_str());
    if (fdd == nullptr) continue;  // not ours to see (another user) or gone
    bool holds = false;
    while (!holds) {
      dirent* f = ::readdir(fdd);
      if (f == nullptr) break;
      if (f->d_name[0] == '.') continue;
      char link[64];
      const std::string path = dir + "/" + f->d_name;
      const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
      if (n <= 0) continue;
      link[n] = '\0';
      for (const auto& t : targets) {
        if (t == link) holds = true;
      }
    }
    ::closedir(fdd);
    if (holds && ::kill(pid, SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
// ---- end aura/adapters/posix/pidfd.hpp
// ---- begin aura/adapters/posix/spawn.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
// aura/adapters/posix/spawn.hpp - starting a child without a shell, and ending it.
//
// posix_spawn (vfork-fast on glibc) with: argv passed as is (no shell), the
// environment exactly as given, the working directory set in the child, stdio
// on close-on-exec pipes (every other descriptor of the host is close-on-exec,
// so the child inherits nothing else of aura's), signal mask emptied and
// dispositions reset to default (a host ignoring SIGPIPE does not pass that
// on), and the child leading its own process group so that a deadline can
// kill whatever it started too.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>


extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace aura::posix {

struct spawn_options {
  std::vector<std::string> argv;                ///< argv[0] is the program; no shell
  std::filesystem::path workdir;                ///< empty = the host's working directory
  std::map<std::string, std::string> env;       ///< the child's whole environment
  bool pipe_stdin = true;                       ///< else /dev/null
  bool pipe_stdout = true;                      ///< else /dev/null
  bool pipe_stderr = true;                      ///< else /dev/null
  bool own_process_group = true;                ///< child leads a new process group
};

/// A started child: its pid and the host's ends of its pipes.
struct child_process {
  pid_t pid = -1;
  unique_fd in;   ///< write end of the child's stdin
  unique_fd out;  ///< read end of the child's stdout
  unique_fd err;  ///< read end of the child's stderr
};

/// How a child ended.
struct exit_status {
  bool exited = false;    ///< exited normally with `code`
  int code = 0;
  bool signaled = false;  ///< killed by `signal`
  int signal = 0;

  [[nodiscard]] static exit_status from_wait(int status) noexcept {
    exit_status s;
    if (WIFEXITED(status)) {
      s.exited = true;
      s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      s.signaled = true;
      s.signal = WTERMSIG(status);
    }
    return s;
  }
  [[nodiscard]] std::string describe() const {
    if (exited) return "exited with status " + std::to_string(code);
    if (signaled) return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "ended";
  }
};

namespace detail {
/// Argument and environment arrays that outlive the spawn call.
struct c_strings {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  explicit c_strings(std::vector<std::string> s) : storage(std::move(s)) {
    for (auto& x : storage) pointers.push_back(x.data());
    pointers.push_back(nullptr);
  }
};

struct spawn_attrs {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actions_ok = false;
  bool attr_ok = false;
  spawn_attrs() {
    actions_ok = posix_spawn_file_actions_init(&actions) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
  }
  ~spawn_attrs() {
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (attr_ok) posix_spawnattr_destroy(&attr);
  }
  spawn_attrs(const spawn_attrs&) = delete;
  spawn_attrs& operator=(const spawn_attrs&) = delete;
};
}  // namespace detail

/// Starts `opts.argv` as a child. A program that cannot be executed (missing,
/// not executable, bad working directory) is an error here, not a dead child.
[[nodiscard]] inline result<child_process> spawn(const spawn_options& opts) {
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(errc::invalid_argument, "no program to start (argv is empty)");
  }
  child_process child;
  unique_fd child_in, child_out, child_err;
  auto open_pipe = [](unique_fd& host_end, unique_fd& child_end, bool host_writes) -> result<void> {
    auto p = make_pipe();
    if (!p) return fail(p.error());
    if (host_writes) {
      host_end = std::move(p->write);
      child_end = std::move(p->read);
    } else {
      host_end = std::move(p->read);
      child_end = std::move(p->write);
    }
    return {};
  };
  if (opts.pipe_stdin) {
    if (auto r = open_pipe(child.in, child_in, true); !r) return fail(r.error());
  }
  if (opts.pipe_stdout) {
    if (auto r = open_pipe(child.out, child_out, false); !r) return fail(r.error());
  }
  if (opts.pipe_stderr) {
    if (auto r = open_pipe(child.err, child_err, false); !r) return fail(r.error());
  }

  detail::spawn_attrs sa;
  if (!sa.actions_ok || !sa.attr_ok) return fail(errc::io_error, "posix_spawn attributes could not be set up");
  auto* fa = &sa.actions;
  int rc = 0;
  auto wire = [&](const unique_fd& end, int target, int flags) {
    if (rc != 0) return;
    rc = end.valid() ? posix_spawn_file_actions_adddup2(fa, end.get(), target)
                     : posix_spawn_file_actions_addopen(fa, target, "/dev/null", flags, 0);
  };
  wire(child_in, STDIN_FILENO, O_RDONLY);
  wire(child_out, STDOUT_FILENO, O_WRONLY);
  wire(child_err, STDERR_FILENO, O_WRONLY);
  if (rc == 0 && !opts.workdir.empty()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    rc = posix_spawn_file_actions_addchdir_np(fa, opts.workdir.c_str());
#else
    return fail(errc::unsupported, "setting a child's working directory needs glibc 2.29 or later");
#endif
  }
  if (rc != 0) return fail(errc::io_error, errno_text("posix_spawn_file_actions", rc));

  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) sigaddset(&defaults, s);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (opts.own_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &defaults);
  if (opts.own_process_group) posix_spawnattr_setpgroup(&sa.attr, 0);
  posix_spawnattr_setflags(&sa.attr, flags);

  detail::c_strings argv(opts.argv);
  std::vector<std::string> env_lines;
  env_lines.reserve(opts.env.size());
  for (const auto& [k, v] : opts.env) env_lines.push_back(k + "=" + v);
  detail::c_strings envp(std::move(env_lines));

  pid_t pid = -1;
  const bool search = opts.argv.front().find('/') == std::string::npos;
  // glibc's posix_spawn returns once the child has exec'd (or failed): while
  // this is held, no half-started child holds the host's descriptors
  std::shared_lock<std::shared_mutex> spawning(spawn_window());
  rc = search ? posix_spawnp(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data())
              : posix_spawn(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data());
  if (rc != 0) {
    std::string where = opts.workdir.empty() ? std::string() : " in " + opts.workdir.string();
    return fail(errc::load_error, "cannot start \"" + opts.argv.front() + "\"" + where + ": " + std::strerror(rc));
  }
  child.pid = pid;
  return child;  // the child's pipe ends close here, in the host
}

/// Sends `sig` to the child's process group (or to the child alone).
inline void signal_child(pid_t pid, int sig, bool group = true) noexcept {
  if (pid <= 0) return;
  if (!group || ::kill(-pid, sig) != 0) ::kill(pid, sig);
}

/// Reaps `pid` if it has ended; never blocks.
[[nodiscard]] inline std::optional<exit_status> try_reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return exit_status::from_wait(status);
  if (r < 0) return exit_status{};  // ECHILD: someone else reaped it; it is gone
  return std::nullopt;
}

/// Reaps `pid`, blocking.
inline exit_status reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid ? exit_status::from_wait(status) : exit_status{};
}

/// Waits for `pid` to end until `until`, polling waitpid with a short,
/// growing sleep (SIGCHLD belongs to the host, so aura does not wait on it).
[[nodiscard]] inline std::optional<exit_status> reap_until(pid_t pid, const deadline& until) {
  auto nap = std::chrono::microseconds(10);
  for (;;) {
    if (auto s = try_reap(pid)) return s;
    if (until.expired()) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(nap, until.remaining()));
    nap = std::min(nap * 2, std::chrono::microseconds(5000));
  }
}

/// Ends a child: SIGTERM to its group, `grace` to exit, then SIGKILL; reaps it.
inline exit_status terminate(pid_t pid, std::chrono::milliseconds grace, bool group = true) {
  signal_child(pid, SIGTERM, group);
  if (auto s = reap_until(pid, deadline(grace))) {
    signal_child(pid, SIGKILL, group);  // leftovers of its group
    return *s;
  }
  signal_child(pid, SIGKILL, group);
  return reap(pid);
}

/// The host variables a plugin's permissions let it see: none, the listed
/// names, or all (to merge under the variables a plugin declares itself).
[[nodiscard]] inline std::map<std::string, std::string> inherited_environment(const permissions& perms) {
  std::map<std::string, std::string> out;
  if (perms.env == env_access::none) return out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view line(*e);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name(line.substr(0, eq));
    if (perms.allows_env(name)) out.emplace(name, std::string(line.substr(eq + 1)));
  }
  return out;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
// ---- end aura/adapters/posix/spawn.hpp

namespace aura::isolated {

/// Why a worker that ended did: the wording names seccomp and the rlimits,
/// and the code says which class of failure it was.
[[nodiscard]] inline error describe_death(const posix::exit_status& s) {
  if (s.signaled && s.signal == SIGSYS) {
    return error{errc::crashed, "the worker was killed by its seccomp filter (SIGSYS): the plugin tried a forbidden "
                                "system call", {}, {}, {}};
  }
  if (s.signaled && s.signal == SIGXCPU) {
    return error{errc::limit_exceeded, "the worker ran past its CPU-time limit (RLIMIT_CPU, SIGXCPU)", {}, {}, {}};
  }
  return error{errc::crashed, "the worker " + s.describe(), {}, {}, {}};
}

class worker_process {
 public:
  /// Starts `exe` with no environment, no arguments but its name, in its own
  /// process group. The worker closes every other descriptor itself.
  [[nodiscard]] static result<std::unique_ptr<worker_process>> start(const std::filesystem::path& exe,
                                                                     std::size_t max_line) {
    posix::spawn_options o;
    o.argv = {exe.string()};
    o.env = {};
    o.own_process_group = true;
    auto child = posix::spawn(o);
    if (!child) return fail(std::move(child.error()));
    std::unique_ptr<worker_process> w(new worker_process(std::move(*child), max_line));
    for (int fd : {w->child_.in.get(), w->child_.out.get(), w->child_.err.get()}) {
      if (auto r = posix::set_nonblocking(fd); !r) return fail(std::move(r.error()));
    }
    return w;
  }

  worker_process(const worker_process&) = delete;
  worker_process& operator=(const worker_process&) = delete;
  ~worker_process() { kill(); }

  [[nodiscard]] pid_t pid() const noexcept { return child_.pid; }
  [[nodiscard]] bool ended() const noexcept { return status_.has_value(); }
  [[nodiscard]] const std::optional<posix::exit_status>& status() const noexcept { return status_; }
  /// The last bytes the worker wrote to stderr (sanitizer reports, its own notes).
  [[nodiscard]] const std::string& stderr_tail() const noexcept { return err_tail_; }

  /// Writes one line (with its newline) before `until`.
  [[nodiscard]] result<void> send(std::string_view line, const posix::deadline& until) {
    if (ended() || !child_.in) return fail(errc::crashed, "the worker has ended");
    int err = 0;
    switch (posix::write_all(child_.in.get(), line, until, nullptr, &err)) {
      case posix::write_failure::none: return {};
      case posix::write_failure::broken_pipe: return fail(errc::crashed, "the worker closed its stdin");
      case posix::write_failure::timed_out: return fail(errc::timeout, "the worker stopped reading its stdin");
      case posix::write_failure::io: break;
    }
    return fail(errc::io_error, posix::errno_text("write to the worker", err));
  }

  /// The next line the worker writes, before `until`. Errors: timeout (the
  /// deadline passed), crashed (it died or closed its stdout), limit_exceeded
  /// (a line longer than max_line). After any error the worker must be killed.
  [[nodiscard]] result<std::string> next_line(const posix::deadline& until) {
    for (;;) {
      if (!lines_.empty()) {
        std::string l = std::move(lines_.front());
        lines_.pop_front();
        return l;
      }
      if (overflow_) return fail(errc::limit_exceeded, "the worker wrote a line longer than " +
                                                           std::to_string(reader_.max_line()) + " bytes");
      if (out_eof_ || ended()) return fail(died());
      if (until.expired()) return fail(errc::timeout, "no answer from the worker by the deadline");

      struct pollfd p[3] = {{child_.out.get(), POLLIN, 0}, {err_eof_ ? -1 : child_.err.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
      const nfds_t n = pidfd_ ? 3 : 2;
      int ms = until.poll_ms();
      if (!pidfd_ && (ms < 0 || ms > 20)) ms = 20;  // no pidfd: look at waitpid now and then
      const int r = ::poll(p, n, ms);
      if (r < 0 && errno != EINTR) return fail(errc::io_error, posix::errno_text("poll on the worker", errno));
      if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) drain_stderr();
      if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) read_stdout();
      if (!lines_.empty() || overflow_) continue;
      if ((n == 3 && r > 0 && (p[2].revents & POLLIN)) || (!pidfd_ && r == 0)) {
        if (auto s = posix::try_reap(child_.pid)) {
          status_ = *s;
          read_stdout();  // an answer written just before it exited still counts
          drain_stderr();
        }
      }
    }
  }

  /// SIGKILL to the worker's process group (also after the worker itself
  /// exited: what it left in its group dies too), then reaps it. Idempotent.
  void kill() noexcept {
    if (child_.pid <= 0 || group_killed_) return;
    group_killed_ = true;
    // The group id cannot be reused while any member lives, and the leader is
    // not reaped before this signal unless it exited on its own.
    (void)::kill(-child_.pid, SIGKILL);
    if (!status_) status_ = posix::reap(child_.pid);
    // (a worker cannot fork under its filter; without libseccomp it could:
    // whatever holds its pipes goes too)
    (void)posix::kill_pipe_holders({child_.out.get(), child_.err.get(), child_.in.get()});
  }

 private:
  worker_process(posix::child_process c, std::size_t max_line)
      : child_(std::move(c)), pidfd_(posix::open_pidfd(child_.pid)), reader_(max_line) {}

  [[nodiscard]] error died() {
    if (!status_ && out_eof_) {
      // EOF first: it is exiting (then say how it ended), or it closed its
      // stdout and lives on, useless either way.
      if (auto s = posix::reap_until(child_.pid, posix::deadline(std::chrono::milliseconds(50)))) {
        status_ = *s;
      } else {
        kill();
        return error{errc::crashed, "the worker closed its stdout", {}, {}, {}};
      }
    }
    error e = describe_death(status_ ? *status_ : posix::exit_status{});
    if (!err_tail_.empty()) {
      const std::string_view tail(err_tail_);
      e.message += "; its stderr ends with " + wire::quote(tail.size() > 400 ? tail.substr(tail.size() - 400) : tail);
    }
    return e;
  }

  void read_stdout() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(child_.out.get(), buf, sizeof buf);
      if (n > 0) {
        reader_.feed(
            std::string_view(buf, static_cast<std::size_t>(n)),
            [&](std::string_view l) {
              lines_.emplace_back(l);
              return true;
            },
            [&](std::size_t) {
              overflow_ = true;
              return false;
            });
        if (overflow_) return;
        continue;
      }
      if (n == 0) out_eof_ = true;
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  }

  void drain_stderr() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(child_.err.get(), buf, sizeof buf);
      if (n > 0) {
        err_tail_.append(buf, static_cast<std::size_t>(n));
        if (err_tail_.size() > 8192) err_tail_.erase(0, err_tail_.size() - 4096);
        continue;
      }
      if (n == 0) err_eof_ = true;
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  }

  posix::child_process child_;
  posix::unique_fd pidfd_;
  posix::line_reader reader_;
  std::deque<std::string> lines_;
  std::string err_tail_;
  bool out_eof_ = false;
  bool err_eof_ = false;
  bool group_killed_ = false;
  bool overflow_ = false;
  std::optional<posix::exit_status> status_;
};

}  // namespace aura::isolated
#endif  // AURA_SI_AURA_ADAPTERS_ISOLATED_WORKER_PROCESS_HPP
// ---- end aura/adapters/isolated/worker_process.hpp

namespace aura {

/// How an isolated plugin is loaded.
struct isolated_options {
  std::string name;                 ///< the plugin's name (errors, logs)
  std::string runtime;              ///< "lua" or "wasm"
  std::filesystem::path file;       ///< the script or module
  nlohmann::json limits;            ///< the runtime's limits (as in a manifest's runtime.limits); null = defaults
  isolation_limits isolation;       ///< the worker's bounds
  std::filesystem::path worker;     ///< the worker executable; empty: see isolated::find_worker
  std::shared_ptr<context> ctx;     ///< the plugin's own context; null: the context passed at dispatch
  std::map<std::string, std::string> env;    ///< variables the guest's os.getenv may see
  std::shared_ptr<logger> log = std::make_shared<stderr_logger>();  ///< the host's notes (no seccomp, ...)
};

class isolated_plugin : public std::enable_shared_from_this<isolated_plugin> {
 public:
  /// Starts one worker and loads the plugin in it: a script that does not
  /// compile, a missing worker or a worker that cannot start is a load error here.
  [[nodiscard]] static result<std::shared_ptr<isolated_plugin>> load(isolated_options o) {
    if (o.runtime != "lua" && o.runtime != "wasm") {
      return fail(error{errc::invalid_argument, "isolated runtime must be \"lua\" or \"wasm\", not \"" + o.runtime + "\"",
                        o.name, {}, {}});
    }
    auto exe = isolated::find_worker(o.worker);
    if (!exe) return fail(std::move(exe.error()).with_plugin(o.name));
    std::error_code ec;
    auto abs = std::filesystem::absolute(o.file, ec);
    if (!ec) o.file = abs;
    if (o.name.empty()) o.name = o.file.stem().string();
    std::shared_ptr<isolated_plugin> self(new isolated_plugin(std::move(o), std::move(*exe)));
    const posix::deadline until(self->opts_.isolation.load_timeout);
    auto first = self->start_worker(until);
    if (!first) return fail(std::move(first.error()).with_plugin(self->opts_.name));
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->idle_.push_back(std::move(*first));
      self->live_ = 1;
    }
    if (!self->seccomp_) {
      self->opts_.log->write(log_level::warn, self->opts_.name,
                             "isolated worker runs WITHOUT a seccomp syscall filter (aura-worker was built without "
                             "libseccomp): only rlimits bound it");
    }
    return self;
  }

  isolated_plugin(const isolated_plugin&) = delete;
  isolated_plugin& operator=(const isolated_plugin&) = delete;
  ~isolated_plugin() { stop(); }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  [[nodiscard]] const std::filesystem::path& worker_path() const noexcept { return exe_; }
  /// The Lua script's handlers (sorted); empty for WASM.
  [[nodiscard]] const std::vector<std::string>& handlers() const noexcept { return handlers_; }
  /// Whether the worker installed its seccomp filter.
  [[nodiscard]] bool seccomp() const noexcept { return seccomp_; }
  /// Workers started so far, including the first (restarts = this - 1 - pool growth).
  [[nodiscard]] std::uint64_t workers_started() const noexcept { return started_.load(); }
  /// Workers the host killed or found dead.
  [[nodiscard]] std::uint64_t workers_lost() const noexcept { return lost_.load(); }
  /// Process ids of the workers alive now (tests look for orphans).
  [[nodiscard]] std::vector<pid_t> worker_pids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<pid_t> out;
    for (const auto& w : idle_) out.push_back(w->pid());
    return out;
  }

  /// A json_hook calling `handler`; `timeout` (a hook's timeout_ms) replaces
  /// the runtime's own when not zero. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    return [self = shared_from_this(), handler = std::move(handler), timeout](const envelope<dynamic_event>& event,
                                                                              context& ctx) {
      return self->call(handler, event, ctx, timeout);
    };
  }

  /// Runs `handler` in a worker. Never throws; every failure names plugin and hook.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx,
                                                     std::chrono::milliseconds timeout = {}) noexcept {
    try {
      auto r = call_unnamed(handler, event, opts_.ctx ? *opts_.ctx : dispatch_ctx, timeout);
      if (!r) return fail(std::move(r.error()).with_plugin(opts_.name).with_hook(handler));
      return r;
    } catch (const std::exception& ex) {
      return fail(error{errc::hook_failed, std::string("isolated adapter: ") + ex.what(), opts_.name, handler, {}});
    } catch (...) {
      return fail(error{errc::hook_failed, "isolated adapter: unknown exception", opts_.name, handler, {}});
    }
  }

  /// Kills every idle worker now and any busy one when its call returns.
  void stop() noexcept {
    std::vector<std::unique_ptr<isolated::worker_process>> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      doomed.swap(idle_);
      live_ -= doomed.size();
    }
    cv_.notify_all();
    for (auto& w : doomed) w->kill();
  }

  /// The deadline a call of this plugin gets when its hook gives none.
  [[nodiscard]] std::chrono::milliseconds runtime_timeout() const noexcept { return runtime_timeout_; }

 private:
  using worker_ptr = std::unique_ptr<isolated::worker_process>;

  isolated_plugin(isolated_options o, std::filesystem::path exe) : opts_(std::move(o)), exe_(std::move(exe)) {
    const char* key = opts_.runtime == "lua" ? "timeout_ms" : "deadline_ms";
    std::int64_t ms = opts_.runtime == "lua" ? 0 : 2000;  // the runtimes' own defaults (lua: none, wasm: 2 s)
    if (opts_.limits.is_object()) {
      if (auto it = opts_.limits.find(key); it != opts_.limits.end() && it->is_number_integer() && *it >= 0) {
        ms = it->get<std::int64_t>();
      }
    }
    runtime_timeout_ = ms > 0 ? std::chrono::milliseconds(ms) : opts_.isolation.default_timeout;
  }

  /// One worker, started and initialised (the plugin loaded in it).
  [[nodiscard]] result<worker_ptr> start_worker(const posix::deadline& until) {
    auto w = isolated::worker_process::start(exe_, opts_.isolation.max_line);
    if (!w) return fail(std::move(w.error()));
    started_.fetch_add(1);
    const auto& iso = opts_.isolation;
    nlohmann::json params{{"protocol", isolated::protocol_version},
                          {"runtime", opts_.runtime},
                          {"name", opts_.name},
                          {"file", opts_.file.string()},
                          {"limits", opts_.limits.is_null() ? nlohmann::json::object() : opts_.limits},
                          {"perms", isolated::to_wire(opts_.ctx ? opts_.ctx->perms() : permissions{})},
                          {"env", opts_.env},
                          {"rlimits",
                           {{"address_space", iso.address_space},
                            {"cpu_seconds", iso.cpu_seconds},
                            {"open_files", iso.open_files}}}};
    if (auto s = (*w)->send(jsonrpc::request_line(0, "init", params), until); !s) return fail(worker_failure(**w, s.error()));
    auto line = (*w)->next_line(until);
    if (!line) return fail(worker_failure(**w, line.error()));
    auto m = decode_line(*line);
    if (!m) return fail(std::move(m.error()));
    if (m->kind == jsonrpc::message_kind::error_response) {
      error e = isolated::error_from(*m);
      if (e.code == errc::hook_failed) e.code = errc::load_error;
      return fail(std::move(e));
    }
    if (m->kind != jsonrpc::message_kind::response || !m->result.is_object()) {
      return fail(errc::protocol_error, "the worker answered init with " + wire::quote(*line));
    }
    const bool filtered = m->result.value("seccomp", false);
    std::lock_guard<std::mutex> lock(mutex_);
    seccomp_ = filtered;
    if (handlers_.empty()) {
      if (auto h = m->result.find("handlers"); h != m->result.end() && h->is_array()) {
        for (const auto& x : *h) {
          if (x.is_string()) handlers_.push_back(x.get<std::string>());
        }
      }
    }
    return std::move(*w);
  }

  /// A worker failure, with its stderr tail when it died.
  [[nodiscard]] static error worker_failure(isolated::worker_process& w, error e) {
    if (e.code != errc::crashed) w.kill();
    return e;
  }

  [[nodiscard]] result<jsonrpc::message> decode_line(const std::string& line) const {
    if (isolated::json_nesting(line) > opts_.isolation.max_json_depth) {
      return fail(errc::limit_exceeded, "the worker wrote JSON nested deeper than " +
                                            std::to_string(opts_.isolation.max_json_depth) + " levels");
    }
    auto m = jsonrpc::decode(line);
    if (!m) return fail(errc::protocol_error, "the worker broke the protocol: " + m.error().message);
    return m;
  }

  /// An idle worker, a new one (after the back-off), or one another call
  /// returns before `until`.
  [[nodiscard]] result<worker_ptr> acquire(const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (stopping_) return fail(errc::unsupported, "the plugin is stopped");
      if (!idle_.empty()) {
        worker_ptr w = std::move(idle_.back());
        idle_.pop_back();
        return w;
      }
      if (live_ < std::max<std::size_t>(1, opts_.isolation.max_workers)) {
        const auto now = posix::deadline::clock::now();
        if (backoff_until_ > now) {
          if (backoff_until_ >= until.at()) {
            return fail(errc::crashed, "the plugin's worker is restarting (back-off after " +
                                           std::to_string(failures_) + " consecutive failures) past the deadline");
          }
          cv_.wait_until(lock, backoff_until_);
          continue;
        }
        ++live_;
        lock.unlock();
        auto w = start_worker(until);
        lock.lock();
        if (!w) {
          --live_;
          note_failure_locked();
          return fail(std::move(w.error()));
        }
        return std::move(*w);
      }
      if (cv_.wait_until(lock, until.at()) == std::cv_status::timeout && idle_.empty()) {
        return fail(errc::timeout, "every worker of the plugin stayed busy until the deadline");
      }
    }
  }

  void note_failure_locked() {
    ++failures_;
    lost_.fetch_add(1);
    auto backoff = opts_.isolation.restart_backoff;
    for (std::size_t i = 1; i < failures_ && backoff < opts_.isolation.max_backoff; ++i) backoff *= 2;
    backoff = std::min(backoff, opts_.isolation.max_backoff);
    backoff_until_ = posix::deadline::clock::now() + backoff;
  }

  /// Gives a worker back (healthy) or kills it and starts the back-off.
  void release(worker_ptr w, bool healthy) {
    if (!healthy || w->ended()) w->kill();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (healthy && !w->ended() && !stopping_) {
        failures_ = 0;
        idle_.push_back(std::move(w));
      } else {
        --live_;
        if (!healthy) note_failure_locked();
      }
    }
    cv_.notify_one();
  }

  [[nodiscard]] result<decision<dynamic_event>> call_unnamed(const std::string& handler,
                                                             const envelope<dynamic_event>& event, context& ctx,
                                                             std::chrono::milliseconds hook_timeout) {
    const auto budget = hook_timeout.count() > 0 ? hook_timeout : runtime_timeout_;
    const posix::deadline hard(budget + opts_.isolation.kill_margin);
    auto lease = acquire(hard);
    if (!lease) return fail(std::move(lease.error()));
    worker_ptr w = std::move(*lease);

    const std::uint64_t id = ++next_id_;
    static const nlohmann::json no_config = nlohmann::json::object();
    nlohmann::json params = wire::request(handler, event, ctx.perms().allows_api("config") ? ctx.config() : no_config);
    params["timeout_ms"] = budget.count();
    auto outcome = exchange(*w, id, jsonrpc::request_line(id, "event", params), ctx, hard, budget);
    const bool healthy = outcome.second;
    release(std::move(w), healthy);
    return std::move(outcome.first);
  }

  /// Sends the event, serves capability calls, reads the answer. The bool
  /// says whether the worker may serve another call.
  std::pair<result<decision<dynamic_event>>, bool> exchange(isolated::worker_process& w, std::uint64_t id,
                                                            const std::string& request, context& ctx,
                                                            const posix::deadline& hard,
                                                            std::chrono::milliseconds budget) {
    auto lost = [&](error e) -> std::pair<result<decision<dynamic_event>>, bool> {
      if (e.code == errc::timeout) {
        e.message = "no answer within " + std::to_string(budget.count()) + " ms (+" +
                    std::to_string(opts_.isolation.kill_margin.count()) + " ms margin); the worker was killed";
      }
      w.kill();
      return {fail(std::move(e)), false};
    };
    if (auto s = w.send(request, hard); !s) return lost(std::move(s.error()));
    std::size_t host_calls = 0;
    for (;;) {
      auto line = w.next_line(hard);
      if (!line) return lost(std::move(line.error()));
      if (jsonrpc::is_blank(*line)) continue;
      auto m = decode_line(*line);
      if (!m) return lost(std::move(m.error()));
      if (m->is_call()) {
        if (++host_calls > opts_.isolation.max_host_calls) {
          return lost(error{errc::limit_exceeded,
                            "the plugin made more than " + std::to_string(opts_.isolation.max_host_calls) +
                                " host calls in one event",
                            {}, {}, {}});
        }
        std::string answer = serve(*m, ctx, hard);
        if (m->kind == jsonrpc::message_kind::request) {
          if (auto s = w.send(answer, hard); !s) return lost(std::move(s.error()));
        }
        continue;
      }
      if (!(m->id.is_number_unsigned() && m->id.get<std::uint64_t>() == id)) {
        return lost(error{errc::protocol_error, "the worker answered an unknown id in " + wire::quote(*line), {}, {}, {}});
      }
      if (m->kind == jsonrpc::message_kind::error_response) {
        // "restart": the worker's own state is not trusted after this failure (it ran out of memory)
        const bool restart = m->error_data.is_object() && m->error_data.value("restart", false);
        if (restart) w.kill();
        return {fail(isolated::error_from(*m)), !restart};
      }
      auto d = wire::parse_decision(m->result, *line);
      if (!d) return {fail(std::move(d.error())), true};
      return {std::move(*d), true};
    }
  }

  /// One capability call, answered with the plugin's context: the host
  /// enforces the permissions exactly as it does for in-process plugins.
  [[nodiscard]] static std::string serve(const jsonrpc::message& m, context& ctx, const posix::deadline& hard) {
    const nlohmann::json& p = m.params;
    auto str = [&](const char* key) -> result<std::string> {
      if (!p.is_object()) return fail(errc::invalid_argument, "params must be an object");
      auto it = p.find(key);
      if (it == p.end() || !it->is_string()) return fail(errc::invalid_argument, std::string("\"") + key + "\" must be a string");
      return it->get<std::string>();
    };
    auto bad = [&](const error& e) { return isolated::error_line(m.id, e); };
    if (m.method == "log") {
      auto msg = str("message");
      if (!msg) return bad(msg.error());
      int level = p.value("level", 1);
      level = std::clamp(level, 0, 3);
      auto r = ctx.log(static_cast<log_level>(level), *msg);
      return r ? jsonrpc::response_line(m.id, nlohmann::json::object()) : bad(r.error());
    }
    if (m.method == "storage.get") {
      auto key = str("key");
      if (!key) return bad(key.error());
      auto r = ctx.storage_get(*key);
      if (!r) return bad(r.error());
      return jsonrpc::response_line(m.id, {{"value", *r ? nlohmann::json(**r) : nlohmann::json(nullptr)}});
    }
    if (m.method == "storage.set") {
      auto key = str("key");
      auto value = str("value");
      if (!key) return bad(key.error());
      if (!value) return bad(value.error());
      auto r = ctx.storage_set(*key, *value);
      return r ? jsonrpc::response_line(m.id, nlohmann::json::object()) : bad(r.error());
    }
    if (m.method == "storage.remove") {
      auto key = str("key");
      if (!key) return bad(key.error());
      auto r = ctx.storage_remove(*key);
      return r ? jsonrpc::response_line(m.id, {{"removed", *r}}) : bad(r.error());
    }
    if (m.method == "http") {
      http_request req;
      auto url = str("url");
      if (!url) return bad(url.error());
      req.url = std::move(*url);
      req.method = p.value("method", "GET");
      req.body = p.value("body", "");
      if (auto h = p.find("headers"); h != p.end() && h->is_object()) {
        for (auto it = h->begin(); it != h->end(); ++it) {
          if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
        }
      }
      // never longer than what is left of the call
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(hard.remaining());
      req.timeout = std::min(std::chrono::milliseconds(p.value("timeout_ms", std::int64_t{5000})), left);
      auto r = ctx.http(req);
      if (!r) return bad(r.error());
      return jsonrpc::response_line(m.id, {{"status", r->status}, {"headers", r->headers}, {"body", r->body}});
    }
    return jsonrpc::error_line(m.id, jsonrpc::method_not_found, "unknown host call \"" + m.method + "\"");
  }

  isolated_options opts_;
  std::filesystem::path exe_;
  std::chrono::milliseconds runtime_timeout_{0};
  std::vector<std::string> handlers_;
  bool seccomp_ = false;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<worker_ptr> idle_;
  std::size_t live_ = 0;
  std::size_t failures_ = 0;
  posix::deadline::clock::time_point backoff_until_{};
  bool stopping_ = false;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> lost_{0};
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_ISOLATED_PLUGIN_HPP
// ---- end aura/adapters/isolated/plugin.hpp

namespace aura::plugin {

namespace detail {
class isolated_instance final : public plugin_instance {
 public:
  explicit isolated_instance(std::shared_ptr<isolated_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler, spec.timeout); }
  result<void> stop(std::chrono::milliseconds) override {
    p_->stop();
    return {};
  }
  [[nodiscard]] const std::shared_ptr<isolated_plugin>& plugin() const noexcept { return p_; }

 private:
  std::shared_ptr<isolated_plugin> p_;
};

/// `over` with `under`'s keys filled in where `over` has none (manifest over host).
[[nodiscard]] inline nlohmann::json overlay_limits(const nlohmann::json& under, const nlohmann::json& over) {
  nlohmann::json out = under.is_object() ? under : nlohmann::json::object();
  if (over.is_object()) {
    for (auto it = over.begin(); it != over.end(); ++it) out[it.key()] = it.value();
  } else if (!over.is_null()) {
    return over;  // not an object: the worker's parser reports it, with its pointer
  }
  return out;
}
}  // namespace detail

/// Whether `req` asks for the isolated mode (host_default counts as yes).
[[nodiscard]] inline bool wants_isolation(const load_request& req) noexcept {
  return req.isolation != isolation_mode::in_process;
}

/// The loader for isolated `kind` (lua or wasm) plugins; `host_limits` are
/// the host's defaults of the runtime's limits, in manifest form.
[[nodiscard]] inline runtime_loader isolated_loader(runtime_kind kind, nlohmann::json host_limits = {}) {
  return [kind, host_limits = std::move(host_limits)](const load_request& req)
             -> result<std::shared_ptr<plugin_instance>> {
    isolated_options o;
    o.name = req.spec.name;
    o.runtime = std::string(to_string(kind));
    o.file = req.spec.dir / req.spec.runtime.entrypoint;
    o.limits = detail::overlay_limits(host_limits, req.spec.runtime.limits);
    o.isolation = req.isolation_bounds;
    o.worker = req.worker;
    o.ctx = req.ctx;
    o.env = req.env;
    auto p = isolated_plugin::load(std::move(o));
    if (!p) {
      error e = detail::adapter_load_error(std::move(p.error()), req.spec);
      if (e.where.empty()) e.where = req.spec.file.string();
      return fail(std::move(e));
    }
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::isolated_instance>(std::move(*p)));
  };
}

/// A loader that runs `kind` plugins isolated, or in process with
/// `in_process` when the host resolved `in_process` for them (a null
/// `in_process`: this build has no in-process runtime of that kind).
[[nodiscard]] inline runtime_loader isolating_loader(runtime_kind kind, runtime_loader in_process,
                                                     nlohmann::json host_limits = {}) {
  auto isolated = isolated_loader(kind, std::move(host_limits));
  return [kind, in_process = std::move(in_process), isolated](const load_request& req)
             -> result<std::shared_ptr<plugin_instance>> {
    if (wants_isolation(req)) return isolated(req);
    if (!in_process) {
      return fail(error{errc::unsupported,
                        "in-process " + std::string(to_string(kind)) +
                            " plugins are not available in this host (built without the runtime); use isolation = "
                            "\"process\"",
                        req.spec.name, {}, req.spec.file.string()});
    }
    return in_process(req);
  };
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIMES_ISOLATED_HPP
// ---- end aura/plugin/runtimes/isolated.hpp
// ---- begin aura/plugin/runtimes/process.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIMES_PROCESS_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIMES_PROCESS_HPP
// aura/plugin/runtimes/process.hpp - "process" and "command" plugins through
// the POSIX adapters (aura/adapters/process.hpp, aura/adapters/command.hpp).
//
// process: `entrypoint` (+ `args`) is started once in the plugin directory,
// with the environment its permissions allow, and serves every hook over
// JSON-RPC. command: one process per event; Codineer hooks each name their own
// script, aura manifests share the entrypoint and tell handlers apart by the
// wire request's "hook" member.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// ---- begin aura/adapters/command.hpp
#ifndef AURA_SI_AURA_ADAPTERS_COMMAND_HPP
#define AURA_SI_AURA_ADAPTERS_COMMAND_HPP
// aura/adapters/command.hpp - command hooks: one process per event.
//
// The event goes to the command's stdin as JSON; the exit status answers:
// 0 = allow (stdout may hold a JSON decision), 2 = deny with stderr as the
// reason, anything else = a hook error (the failure policy decides). With
// `command_protocol::claude_code` the input is Claude Code's hook input and
// the output understood is Claude Code's, so hook scripts written for Claude
// Code (or Codineer) run unmodified. docs/adapters/command.md has the tables.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/codineer.hpp
#ifndef AURA_SI_AURA_ADAPTERS_CODINEER_HPP
#define AURA_SI_AURA_ADAPTERS_CODINEER_HPP
// aura/adapters/codineer.hpp - Codineer's own hook I/O for command hooks
// (command_protocol::codineer, chosen by a plugin.json manifest).
//
// Codineer runs each PreToolUse / PostToolUse script with one JSON object on
// stdin: `event` (and `hook_event_name`), `tool_name`, `tool_input` (the
// arguments), `tool_input_json` (the same as text), and after the tool
// `tool_output` (text) and `tool_result_is_error`. The same values are in the
// environment: HOOK_EVENT, HOOK_TOOL_NAME, HOOK_TOOL_INPUT, HOOK_TOOL_OUTPUT,
// HOOK_TOOL_IS_ERROR. The answer is the exit status: 0 allows (stdout, if
// any, is a message for the user), 2 denies with stdout as the message
// (stderr when stdout is empty), anything else is a hook failure the chain's
// failure policy answers (Codineer warns and goes on: fail_open, the default).

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>


namespace aura::codineer {

/// Codineer's hook name for an aura event (its two tool hooks), else the name as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_event) {
  if (aura_event == "tool.before_execution") return "PreToolUse";
  if (aura_event == "tool.after_execution") return "PostToolUse";
  return std::string(aura_event);
}

namespace detail {
inline const nlohmann::json* member(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
}  // namespace detail

/// The stdin object and the HOOK_* variables of one hook run.
struct hook_input {
  nlohmann::json json;
  std::map<std::string, std::string> env;
};

[[nodiscard]] inline hook_input input_for(const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const nlohmann::json& d = ev.data;
  hook_input in;
  const nlohmann::json* tool = detail::member(d, {"tool_name", "tool", "name"});
  const nlohmann::json* args = detail::member(d, {"tool_input", "arguments", "input", "args"});
  const std::string tool_name = tool && tool->is_string() ? tool->get<std::string>() : std::string();
  const nlohmann::json input = args ? *args : nlohmann::json::object();
  const std::string input_text = input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  in.json = {{"event", hook_event},         {"hook_event_name", hook_event}, {"tool_name", tool_name},
             {"tool_input", input},         {"tool_input_json", input_text}};
  in.env = {{"HOOK_EVENT", hook_event}, {"HOOK_TOOL_NAME", tool_name}, {"HOOK_TOOL_INPUT", input_text}};
  if (hook_event == "PostToolUse") {
    const nlohmann::json* out = detail::member(d, {"tool_output", "output", "result", "tool_response", "response"});
    const std::string output = !out ? std::string() : out->is_string() ? out->get<std::string>() : out->dump();
    const nlohmann::json* err = detail::member(d, {"tool_result_is_error", "is_error", "isError", "error"});
    const bool is_error = err && (err->is_boolean() ? err->get<bool>() : !err->is_string() || !err->get_ref<const std::string&>().empty());
    in.json["tool_output"] = output;
    in.json["tool_result_is_error"] = is_error;
    in.env["HOOK_TOOL_OUTPUT"] = output;
    in.env["HOOK_TOOL_IS_ERROR"] = is_error ? "1" : "0";
  }
  return in;
}

/// Reads an exited hook the Codineer way (the status was neither a signal nor
/// a spawn failure). `out` / `err` are trimmed.
[[nodiscard]] inline result<decision<dynamic_event>> read_exit(int code, const std::string& out, const std::string& err,
                                                               const std::string& hook, const std::string& hook_event) {
  if (code == 2) {
    std::string message = !out.empty() ? out : err;
    if (message.empty()) message = hook_event + " hook \"" + hook + "\" denied the tool call";
    return decision<dynamic_event>::from_wire(decision_kind::deny, std::move(message), {}, patch_format::merge);
  }
  if (code != 0) {
    return fail(errc::hook_failed, hook_event + " hook exited with status " + std::to_string(code) +
                                       (err.empty() ? std::string() : ": " + err));
  }
  auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (!out.empty()) d.set_effects({{"notice", nlohmann::json::array({{{"message", out}, {"source", hook}}})}});
  return d;
}

}  // namespace aura::codineer
#endif  // AURA_SI_AURA_ADAPTERS_CODINEER_HPP
// ---- end aura/adapters/codineer.hpp
// ---- begin aura/adapters/posix/run.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
// aura/adapters/posix/run.hpp - run a child to completion: feed stdin, collect stdout/stderr, under a deadline.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <unistd.h>


namespace aura::posix {

/// What a finished child left.
struct run_output {
  exit_status status;
  std::string out;
  std::string err;
};

/// Spawns `opts`, writes `input` to its stdin (then closes it), collects
/// stdout and stderr (each capped at `max_output` bytes) until the child has
/// exited and closed them. At the deadline the child's process group is
/// killed and reaped: errc::timeout. Output past the cap: errc::limit_exceeded.
/// A child that exits while something it started still holds its stdout gets
/// `linger` more to close it; then aura stops reading (it does not wait for
/// the leftovers, nor kill them).
[[nodiscard]] inline result<run_output> run(const spawn_options& opts, std::string_view input, const deadline& until,
                                            std::size_t max_output = 16u << 20,
                                            std::chrono::milliseconds linger = std::chrono::milliseconds(50)) {
  auto child = spawn(opts);
  if (!child) return fail(child.error());
  run_output res;
  sigpipe_guard guard;
  if (child->in) (void)set_nonblocking(child->in.get());
  std::size_t sent = 0;
  if (input.empty()) child->in.reset();
  std::optional<exit_status> exited;
  std::optional<deadline> linger_until;
  auto kill_and_reap = [&] {
    if (!exited) {
      signal_child(child->pid, SIGKILL);
      exited = reap(child->pid);
    }
    // what left the group (setsid) but still holds its output
    (void)kill_pipe_holders({child->out.get(), child->err.get(), child->in.get()});
  };
  char buf[16384];
  for (;;) {
    struct pollfd fds[3] = {{child->in ? child->in.get() : -1, POLLOUT, 0},
                            {child->out ? child->out.get() : -1, POLLIN, 0},
                            {child->err ? child->err.get() : -1, POLLIN, 0}};
    if (!child->in && !child->out && !child->err) break;
    if (until.expired()) {
      kill_and_reap();
      return fail(errc::timeout, "the command did not finish within its deadline and was killed");
    }
    if (linger_until && linger_until->expired()) break;
    int ms = until.poll_ms();
    // Until the child is reaped, look at it every few ms: a child that exits
    // while its leftovers keep stdout open must not cost the whole deadline.
    if (!exited) ms = ms < 0 || ms > 5 ? 5 : ms;
    else if (linger_until) ms = std::min(ms < 0 ? 1000 : ms, linger_until->poll_ms());
    const int r = ::poll(fds, 3, ms);
    if (r < 0 && errno != EINTR) {
      const int e = errno;
      kill_and_reap();
      return fail(errc::io_error, errno_text("poll", e));
    }
    if (r > 0 && fds[0].revents) {
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        child->in.reset();  // it will not read (more): fine
      } else {
        const ssize_t n = ::write(child->in.get(), input.data() + sent, input.size() - sent);
        if (n > 0) sent += static_cast<std::size_t>(n);
        else if (n < 0 && errno == EPIPE) guard.note_broken_pipe();
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) child->in.reset();
      }
    }
    for (int i = 1; i <= 2; ++i) {
      if (r <= 0 || !fds[i].revents) continue;
      unique_fd& fd = i == 1 ? child->out : child->err;
      std::string& sink = i == 1 ? res.out : res.err;
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        if (sink.size() + static_cast<std::size_t>(n) > max_output) {
          kill_and_reap();
          return fail(errc::limit_exceeded, std::string("the command wrote more than ") + std::to_string(max_output) +
                                                " bytes to " + (i == 1 ? "stdout" : "stderr"));
        }
        sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    }
    if (!exited) {
      exited = try_reap(child->pid);
      if (exited) linger_until = deadline(linger);
    }
  }
  if (!exited) {
    exited = reap_until(child->pid, until);
    if (!exited) {
      kill_and_reap();
      return fail(errc::timeout, "the command closed its output but did not exit within its deadline; killed");
    }
  }
  res.status = *exited;
  return res;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
// ---- end aura/adapters/posix/run.hpp
// ---- begin aura/adapters/detail/answer_check.hpp
#ifndef AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
#define AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
// aura/adapters/detail/answer_check.hpp - the boundary every adapter's answer crosses.

#include <string>
#include <string_view>

// ---- begin aura/core/utf8.hpp
#ifndef AURA_SI_AURA_CORE_UTF8_HPP
#define AURA_SI_AURA_CORE_UTF8_HPP
// aura/core/utf8.hpp - every string a plugin hands the host is checked here.
//
// nlohmann::json::dump throws on invalid UTF-8, so one bad byte in a reason,
// an error message, a patch value or a log line would make an outcome that
// cannot be serialised. Adapters pass what they got from a plugin through
// sanitize_answer (answers) or make_valid_utf8 (single strings) at their
// boundary: invalid sequences become U+FFFD and the caller says so.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura {

/// Length of the well-formed UTF-8 sequence at s[i] (no overlongs, surrogates
/// or code points past U+10FFFF), 0 if it is not one.
[[nodiscard]] inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n, std::size_t i) noexcept {
  const unsigned c = p[i];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  if (p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
  }
  return len;
}

/// Whether `n` bytes at `s` are well-formed UTF-8.
[[nodiscard]] inline bool is_valid_utf8(const char* s, std::size_t n) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  for (std::size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// Replaces every invalid sequence in `s` by U+FFFD (one per maximal invalid
/// byte run start, as WHATWG's decoder does per byte); returns how many.
inline std::size_t make_valid_utf8(std::string& s) {
  if (is_valid_utf8(s.data(), s.size())) return 0;  // the common case copies nothing
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(p, s.size(), i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++replaced;
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  s = std::move(out);
  return replaced;
}

/// Replaces invalid UTF-8 in every string and object key of `j`; returns how
/// many sequences were replaced. Iterative: a deep document cannot overflow the stack.
inline std::size_t make_valid_utf8(nlohmann::json& j) {
  std::size_t replaced = 0;
  std::vector<nlohmann::json*> todo{&j};
  while (!todo.empty()) {
    nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_string()) {
      replaced += make_valid_utf8(v->get_ref<std::string&>());
    } else if (v->is_array()) {
      for (auto& e : *v) todo.push_back(&e);
    } else if (v->is_object()) {
      auto& obj = v->get_ref<nlohmann::json::object_t&>();
      bool bad_key = false;
      for (auto& kv : obj) {
        if (!is_valid_utf8(kv.first.data(), kv.first.size())) bad_key = true;
      }
      if (bad_key) {  // keys are const in a map: rebuild it
        nlohmann::json::object_t fixed;
        for (auto& kv : obj) {
          std::string key = kv.first;
          replaced += make_valid_utf8(key);
          fixed[std::move(key)] = std::move(kv.second);
        }
        obj = std::move(fixed);
      }
      for (auto& kv : obj) todo.push_back(&kv.second);
    }
  }
  return replaced;
}

/// The note added to a message whose invalid UTF-8 was replaced.
inline constexpr const char* utf8_replaced_note = " [invalid UTF-8 replaced with U+FFFD]";

/// Replaces invalid UTF-8 in an error's message, plugin, hook and where;
/// a replaced message says so. Returns how many sequences were replaced.
inline std::size_t make_valid_utf8(error& e) {
  std::size_t n = make_valid_utf8(e.message);
  if (n != 0) e.message += utf8_replaced_note;
  n += make_valid_utf8(e.plugin) + make_valid_utf8(e.hook) + make_valid_utf8(e.where);
  return n;
}

/// The boundary check for an answer from a plugin: a decision's reason, patch
/// and effects, or an error's text, made valid UTF-8 so the outcome always
/// serialises. Returns how many sequences were replaced (0: nothing changed,
/// no copy made); a deny reason that was repaired carries the note.
inline std::size_t sanitize_answer(result<decision<dynamic_event>>& answer) {
  if (!answer) return make_valid_utf8(answer.error());
  decision<dynamic_event>& d = *answer;
  if (d.is_allow() && !d.has_effects()) return 0;  // the fast path: nothing to look at
  std::string reason = d.reason();
  nlohmann::json patch = d.has_json_patch() ? d.json_patch() : nlohmann::json();
  std::size_t n = 0;
  if (d.is_deny()) {
    const std::size_t r = make_valid_utf8(reason);
    if (r != 0) reason += utf8_replaced_note;
    n += r;
  }
  if (d.is_mutate()) n += make_valid_utf8(patch);
  std::optional<nlohmann::json> effects = d.effects();
  if (effects) n += make_valid_utf8(*effects);
  if (n == 0) return 0;
  decision<dynamic_event> fixed =
      decision<dynamic_event>::from_wire(d.kind(), std::move(reason), std::move(patch), d.json_patch_format());
  if (effects) fixed.set_effects(std::move(*effects));
  d = std::move(fixed);
  return n;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_UTF8_HPP
// ---- end aura/core/utf8.hpp

namespace aura::detail {

/// Makes a plugin's answer (decision or error) valid UTF-8 so the outcome
/// always serialises; a repair is reported to the host through `ctx`'s
/// logger as a warning naming plugin and hook.
inline void check_plugin_answer(result<decision<dynamic_event>>& answer, context& ctx, std::string_view plugin,
                                std::string_view hook) {
  const std::size_t replaced = sanitize_answer(answer);
  if (replaced == 0) return;
  ctx.diagnose(log_level::warn, "plugin \"" + std::string(plugin) + "\": hook \"" + std::string(hook) + "\": " +
                                    std::to_string(replaced) +
                                    " invalid UTF-8 sequence(s) in the answer replaced with U+FFFD");
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
// ---- end aura/adapters/detail/answer_check.hpp

namespace aura {

/// What a command reads and writes.
enum class command_protocol {
  aura,        ///< stdin: the wire request of DESIGN §5; stdout: a wire decision
  claude_code,  ///< stdin: Claude Code's hook input; stdout: Claude Code's hook output
  codineer      ///< stdin: Codineer's hook input; exit 2 denies with stdout (aura/adapters/codineer.hpp)
};

/// The host's answer to a Claude Code `ask`: true lets the call go ahead.
using ask_callback = std::function<bool(const envelope<dynamic_event>&, const std::string& reason)>;

struct command_options {
  std::string name;                        ///< the hook's (or plugin's) name: errors, CODINEER_PLUGIN_ID
  // (plugin_id comes after argv: a string right after name made {"prog", "arg"} ambiguous with an argv list)
  std::vector<std::string> argv;           ///< program and arguments; no shell (argv {"bash", "-c", "..."} for one)
  std::filesystem::path workdir;           ///< where it runs; empty = the host's working directory
  std::map<std::string, std::string> env;  ///< its environment (plus the variables listed in the docs)
  std::chrono::milliseconds timeout{2000}; ///< per event; then the process group is killed
  command_protocol protocol = command_protocol::aura;
  ask_callback ask;                        ///< Claude Code "ask"; none: treated as deny
  std::shared_ptr<context> ctx;            ///< the plugin's context (config); null: the dispatch context
  std::string handler;                     ///< the wire "hook" member; empty = name
  std::filesystem::path project_dir;       ///< CLAUDE_PROJECT_DIR and the input's cwd; empty = workdir or cwd
  std::map<std::string, std::string> event_map;  ///< aura event name -> Claude Code hook_event_name, over the defaults
  std::string plugin_id;                   ///< CODINEER_PLUGIN_ID when set (Codineer's "name@external"); else name
  std::function<nlohmann::json(const envelope<dynamic_event>&)> claude_input;  ///< replaces the input mapping
  std::size_t max_output = 16u << 20;      ///< bytes of stdout / stderr kept before it is an error
  json_budget answer_budget;               ///< bytes, nodes and depth of the JSON answer on stdout
};

namespace claude_code {

/// The default table: aura event names -> Claude Code hook_event_name.
[[nodiscard]] inline const std::map<std::string, std::string, std::less<>>& default_event_map() {
  static const std::map<std::string, std::string, std::less<>> table = [] {
    std::map<std::string, std::string, std::less<>> t;
    auto add = [&](const char* cc, std::initializer_list<const char*> names) {
      for (const char* n : names) t.emplace(n, cc);
      t.emplace(cc, cc);
    };
    add("PreToolUse", {"tool.before_execution", "before_tool_execution", "tool.before", "tool_call.before",
                       "pre_tool_use"});
    add("PostToolUse", {"tool.after_execution", "after_tool_execution", "tool.after", "tool_call.after",
                        "post_tool_use"});
    add("UserPromptSubmit", {"chat.before", "before_chat", "prompt.submit", "user_prompt_submit", "user.prompt"});
    add("SessionStart", {"session.start", "session_start"});
    add("SessionEnd", {"session.end", "session_end"});
    add("PreCompact", {"compaction.before", "before_compaction"});
    add("Stop", {"agent.stop", "stop"});
    add("Notification", {"notification"});
    return t;
  }();
  return table;
}

/// The Claude Code event for an aura event: the custom map, then the
/// defaults; an unmapped name is passed through as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_name,
                                                 const std::map<std::string, std::string>& custom = {}) {
  if (auto it = custom.find(std::string(aura_name)); it != custom.end()) return it->second;
  const auto& d = default_event_map();
  if (auto it = d.find(aura_name); it != d.end()) return it->second;
  return std::string(aura_name);
}

namespace detail {
/// The first of `keys` present in `obj` (non-null), or null.
inline const nlohmann::json* first_of(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
inline std::string text_of(const nlohmann::json* v, std::string fallback = {}) {
  return v && v->is_string() ? v->get<std::string>() : std::move(fallback);
}
}  // namespace detail

/// The member of the event data that holds the tool's arguments.
[[nodiscard]] inline std::string tool_input_member(const nlohmann::json& data) {
  if (data.is_object()) {
    for (const char* k : {"tool_input", "arguments", "input", "args"}) {
      if (data.contains(k)) return k;
    }
  }
  return "tool_input";
}

/// Claude Code's hook input for an aura event (the mapping of the docs).
[[nodiscard]] inline nlohmann::json input_for(const envelope<dynamic_event>& ev, const std::string& hook_event,
                                              const std::filesystem::path& cwd) {
  using detail::first_of;
  const nlohmann::json& d = ev.data;
  const nlohmann::json& meta = ev.meta;
  auto either = [&](std::initializer_list<const char*> keys) {
    const nlohmann::json* v = first_of(d, keys);
    return v ? v : first_of(meta, keys);
  };
  nlohmann::json in{
      {"session_id", ev.session.empty() ? detail::text_of(either({"session_id"})) : ev.session},
      {"transcript_path", detail::text_of(either({"transcript_path"}))},
      {"cwd", detail::text_of(either({"cwd"}), cwd.string())},
      {"permission_mode", detail::text_of(either({"permission_mode"}), "default")},
      {"hook_event_name", hook_event},
  };
  const bool tool_event = hook_event == "PreToolUse" || hook_event == "PostToolUse";
  if (tool_event) {
    if (auto* v = first_of(d, {"tool_name", "tool", "name"})) in["tool_name"] = *v;
    if (auto* v = first_of(d, {"tool_input", "arguments", "input", "args"})) in["tool_input"] = *v;
    else in["tool_input"] = nlohmann::json::object();
    if (auto* v = first_of(d, {"tool_use_id", "tool_call_id", "call_id"})) in["tool_use_id"] = *v;
    if (hook_event == "PostToolUse") {
      if (auto* v = first_of(d, {"tool_response", "result", "output", "response"})) in["tool_response"] = *v;
    }
  } else if (hook_event == "UserPromptSubmit") {
    const nlohmann::json* v = first_of(d, {"prompt", "message", "content", "text"});
    if (v && v->is_object()) v = first_of(*v, {"content", "text"});
    in["prompt"] = detail::text_of(v);
  } else if (hook_event == "SessionStart") {
    in["source"] = detail::text_of(first_of(d, {"source", "reason"}), "startup");
  } else if (hook_event == "SessionEnd") {
    in["reason"] = detail::text_of(first_of(d, {"reason"}), "other");
  } else if (d.is_object()) {
    // Events Claude Code does not know: their data as is, under the common fields.
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!in.contains(it.key())) in[it.key()] = it.value();
    }
  }
  return in;
}

/// Reads Claude Code's hook output (exit status 0, stdout parsed as JSON).
/// `source` names the hook in injected messages.
[[nodiscard]] inline result<decision<dynamic_event>> read_output(const nlohmann::json& o,
                                                                 const envelope<dynamic_event>& ev,
                                                                 const std::string& hook_event,
                                                                 const std::string& source, const ask_callback& ask) {
  using detail::text_of;
  if (!o.is_object()) {
    return fail(errc::protocol_error, "Claude Code hook output must be a JSON object, got " +
                                          wire::quote(o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  nlohmann::json effects = nlohmann::json::object();
  if (auto it = o.find("systemMessage"); it != o.end() && it->is_string()) {
    effects["notice"] = nlohmann::json::array({{{"message", *it}, {"source", source}}});
  }
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* hso = &empty;
  if (auto it = o.find("hookSpecificOutput"); it != o.end()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"hookSpecificOutput\" must be an object", "/hookSpecificOutput");
    hso = &*it;
  }
  if (auto it = hso->find("additionalContext"); it != hso->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    effects["inject_message"] = nlohmann::json::array(
        {{{"role", "system"}, {"content", *it}, {"source", source}, {"hook_event_name", hook_event}}});
  }
  auto finish = [&](decision<dynamic_event> d) {
    if (!effects.empty()) d.set_effects(effects);
    return d;
  };
  auto deny_with = [&](std::string reason) {
    if (reason.empty()) reason = "blocked by hook \"" + source + "\"";
    return finish(decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge));
  };

  // continue: false stops everything, whatever else the output says.
  if (auto it = o.find("continue"); it != o.end() && it->is_boolean() && !it->get<bool>()) {
    std::string reason = text_of(detail::first_of(o, {"stopReason"}), "hook \"" + source + "\" stopped the session");
    effects["stop"] = {{"reason", reason}};
    return deny_with(std::move(reason));
  }

  std::string verdict;  // allow | deny | ask | "" (no opinion)
  std::string reason;
  if (auto it = hso->find("permissionDecision"); it != hso->end()) {
    if (!it->is_string() || (*it != "allow" && *it != "deny" && *it != "ask")) {
      return fail(errc::protocol_error, "\"permissionDecision\" must be \"allow\", \"deny\" or \"ask\"",
                  "/hookSpecificOutput/permissionDecision");
    }
    verdict = it->get<std::string>();
    reason = text_of(detail::first_of(*hso, {"permissionDecisionReason"}));
  } else if (auto dec = o.find("decision"); dec != o.end() && !dec->is_null()) {
    // The legacy top-level form, also how PostToolUse and UserPromptSubmit block.
    if (*dec == "approve" || *dec == "allow") verdict = "allow";
    else if (*dec == "block" || *dec == "deny") verdict = "deny";
    else if (*dec == "ask") verdict = "ask";
    else return fail(errc::protocol_error, "\"decision\" must be \"approve\" or \"block\"", "/decision");
    reason = text_of(detail::first_of(o, {"reason"}));
  }
  if (verdict == "ask") {
    if (!ask) return deny_with((reason.empty() ? std::string("the hook asked for confirmation") : reason) +
                               " (no one to ask: treated as deny)");
    if (!ask(ev, reason)) return deny_with(reason.empty() ? "denied on confirmation" : reason);
    verdict = "allow";
  }
  if (verdict == "deny") return deny_with(std::move(reason));

  if (auto it = hso->find("updatedInput"); it != hso->end() && !it->is_null()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"updatedInput\" must be an object", "/hookSpecificOutput/updatedInput");
    // Replaces the tool's arguments as a whole (JSON Patch "add" replaces a
    // member that exists); the chain re-validates the result.
    nlohmann::json patch = nlohmann::json::array(
        {{{"op", "add"}, {"path", "/" + tool_input_member(ev.data)}, {"value", *it}}});
    return finish(decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch),
                                                     patch_format::json_patch));
  }
  return finish(decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge));
}

}  // namespace claude_code

namespace detail::command {

inline std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

/// Reads what an exited command said, per protocol.
inline result<decision<dynamic_event>> read_exit(const command_options& o, const posix::run_output& run,
                                                 const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const std::string out = trim(run.out);
  const std::string err = trim(run.err);
  if (run.status.signaled) {
    return fail(errc::crashed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (run.status.code == 2 && o.protocol != command_protocol::codineer) {
    return decision<dynamic_event>::from_wire(
        decision_kind::deny, err.empty() ? "denied by command hook \"" + o.name + "\" (exit status 2)" : err, {},
        patch_format::merge);
  }
  if (run.status.code != 0 && o.protocol != command_protocol::codineer) {
    return fail(errc::hook_failed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (o.protocol == command_protocol::codineer) return codineer::read_exit(run.status.code, out, err, o.name, hook_event);
  if (o.protocol == command_protocol::aura) {
    if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    return wire::parse_decision(std::string_view(out), o.answer_budget);
  }
  if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (out.front() != '{') {
    // Plain text: Claude Code adds it to the context for these two events only.
    auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    if (hook_event == "UserPromptSubmit" || hook_event == "SessionStart") {
      d.set_effects({{"inject_message", nlohmann::json::array({{{"role", "system"}, {"content", out},
                                                                {"source", o.name}, {"hook_event_name", hook_event}}})}});
    }
    return d;
  }
  auto j = parse_bounded(out, o.answer_budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "the command's stdout is not valid JSON: " + wire::quote(out));
  }
  return claude_code::read_output(*j, ev, hook_event, o.name, o.ask);
}

}  // namespace detail::command

/// A hook that runs `opts.argv` once per event. Fails only on bad options;
/// every per-event failure is an error the chain's failure policy answers.
[[nodiscard]] inline result<json_hook> make_command_hook(command_options opts) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a command hook needs a name");
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(error{errc::invalid_argument, "a command hook needs a program (argv is empty)", opts.name, {}, {}});
  }
  if (opts.timeout.count() <= 0) {
    return fail(error{errc::invalid_argument, "a command hook needs a positive timeout", opts.name, {}, {}});
  }
  if (opts.handler.empty()) opts.handler = opts.name;
  auto shared = std::make_shared<const command_options>(std::move(opts));
  return json_hook([o = std::move(shared)](const envelope<dynamic_event>& ev,
                                           context& dispatch_ctx) -> result<decision<dynamic_event>> {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = o->name;
      if (e.hook.empty()) e.hook = o->handler;
      return fail(std::move(e));
    };
    context& ctx = o->ctx ? *o->ctx : dispatch_ctx;
    std::error_code ec;
    std::filesystem::path project = !o->project_dir.empty() ? o->project_dir
                                    : !o->workdir.empty()    ? o->workdir
                                                             : std::filesystem::current_path(ec);
    posix::spawn_options so;
    so.argv = o->argv;
    so.workdir = o->workdir;
    so.env = o->env;
    so.env["CODINEER_PLUGIN_ID"] = o->plugin_id.empty() ? o->name : o->plugin_id;
    so.env["CLAUDE_PROJECT_DIR"] = project.string();
    so.env["AURA_EVENT"] = ev.name;
    so.env.emplace("PATH", "/usr/local/bin:/usr/bin:/bin");  // scripts find jq, python3... unless PATH is given
    if (const auto* tool = claude_code::detail::first_of(ev.data, {"tool_name", "tool"}); tool && tool->is_string()) {
      so.env["CODINEER_TOOL_NAME"] = tool->get<std::string>();
    }

    std::string hook_event;
    std::string input;
    if (o->protocol == command_protocol::codineer) {
      hook_event = codineer::hook_event_name(ev.name);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      auto in = codineer::input_for(ev, hook_event);
      for (auto& kv : in.env) so.env[kv.first] = std::move(kv.second);
      input = in.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (o->protocol == command_protocol::claude_code) {
      hook_event = claude_code::hook_event_name(ev.name, o->event_map);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      nlohmann::json in = o->claude_input ? o->claude_input(ev) : claude_code::input_for(ev, hook_event, project);
      input = in.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      input = wire::request(o->handler, ev, ctx.config()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    input.push_back('\n');
    auto run = posix::run(so, input, posix::deadline(o->timeout), o->max_output);
    if (!run) {
      error e = std::move(run.error());
      if (e.code == errc::timeout) e.message += " (" + std::to_string(o->timeout.count()) + " ms)";
      return named(std::move(e));
    }
    auto d = detail::command::read_exit(*o, *run, ev, hook_event);
    if (!d) d = named(std::move(d.error()));
    aura::detail::check_plugin_answer(d, ctx, o->name, o->handler);
    return d;
  });
}

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_COMMAND_HPP
// ---- end aura/adapters/command.hpp
// ---- begin aura/adapters/process.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_HPP
// aura/adapters/process.hpp - plugins as long-lived child processes speaking JSON-RPC 2.0.
//
// One compact JSON-RPC message per line on the child's stdin/stdout
// (docs/protocol.md is the specification). The host starts the child without
// a shell, in its plugin directory, with only the environment it declares;
// performs the `initialize` handshake; sends one `event` request per hook
// call (several may be in flight, told apart by id); serves the child's
// `host/*` calls through the plugin's context while an event is in flight;
// and ends it with `shutdown`, a grace period, SIGTERM, SIGKILL.
//
// Faults never reach the host: a deadline, a crash, garbage, an overlong line
// become an error the chain turns into the hook's failure policy. An
// unresponsive or misbehaving child is killed; the next call restarts it,
// with exponential back-off between consecutive failures (calls inside the
// back-off fail at once). A reader thread per child reads stdout and stderr
// and reaps the child, so no zombie outlives a dead child for long.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/process/options.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_OPTIONS_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_OPTIONS_HPP
// aura/adapters/process/options.hpp - how to start and talk to a process plugin.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura {

/// How to start and talk to a process plugin.
struct process_options {
  std::string name;                          ///< the plugin's name (errors, logs)
  std::vector<std::string> argv;             ///< program and arguments; no shell
  std::filesystem::path workdir;             ///< the plugin directory; the child runs there
  std::map<std::string, std::string> env;    ///< the child's whole environment
  std::chrono::milliseconds default_timeout{2000};  ///< per event call, unless the hook says otherwise
  std::map<std::string, std::chrono::milliseconds> hook_timeouts;  ///< per handler name
  std::size_t max_line = 16u << 20;          ///< longest line the child may print (bytes)
  json_budget answer_budget;                 ///< nodes and depth of one line's JSON (bytes: max_line)
  std::filesystem::path stderr_log;          ///< the child's stderr is appended here (empty: kept as a tail only)
  std::shared_ptr<context> ctx;              ///< the plugin's context; null: the dispatch context
  std::chrono::milliseconds start_timeout{5000};      ///< spawn + `initialize`
  std::chrono::milliseconds restart_backoff{50};      ///< wait before the first restart after a failure
  std::chrono::milliseconds restart_backoff_max{5000};  ///< back-off doubles up to this
  std::chrono::milliseconds shutdown_grace{1000};     ///< used when the plugin is destroyed running
  nlohmann::json config;                     ///< sent with `initialize` and each event; null: ctx's config
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_OPTIONS_HPP
// ---- end aura/adapters/process/options.hpp
// ---- begin aura/adapters/process/sdk_version.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_SDK_VERSION_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_SDK_VERSION_HPP
// aura/adapters/process/sdk_version.hpp - the SDK version a process plugin
// reports in `initialize`, and whether this host can serve it.

#include <array>
#include <optional>
#include <string_view>


namespace aura::detail::process {

/// "MAJOR.MINOR.PATCH" (trailing parts optional) -> numbers.
[[nodiscard]] inline std::optional<std::array<int, 3>> parse_version(std::string_view text) {
  std::array<int, 3> v{0, 0, 0};
  std::size_t part = 0;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (v[part] > 100000) return std::nullopt;
      v[part] = v[part] * 10 + (c - '0');
      digit = true;
    } else if (c == '.' && digit && part < 2) {
      ++part;
      digit = false;
    } else if ((c == '-' || c == '+') && digit) {
      break;  // pre-release or build suffix: ignored
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return v;
}

/// Whether this host can serve a plugin built against SDK `plugin`: the
/// manifest's rule for a bare version (a tilde range, plugin/version_range.hpp):
/// the same major and minor, and a patch not newer than ours.
[[nodiscard]] inline bool sdk_compatible(const std::array<int, 3>& plugin) noexcept {
  return plugin[0] == version_major && plugin[1] == version_minor && plugin[2] <= version_patch;
}

}  // namespace aura::detail::process
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_SDK_VERSION_HPP
// ---- end aura/adapters/process/sdk_version.hpp
// ---- begin aura/adapters/process/session.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_SESSION_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_SESSION_HPP
// aura/adapters/process/session.hpp - one running child of a process plugin:
// its pipes, its reader thread, its requests in flight, its exit.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/process/host_calls.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_HOST_CALLS_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_HOST_CALLS_HPP
// aura/adapters/process/host_calls.hpp - a process plugin's `host/*` calls,
// served through its context (log, config, storage, http, declared API methods).

#include <string>

#include <nlohmann/json.hpp>


namespace aura::detail::process {

/// Serves one `host/*` call through a context.
[[nodiscard]] inline result<nlohmann::json> serve_host_call(const std::string& method, const nlohmann::json& params,
                                                            context& ctx, const posix::deadline& until) {
  auto bad = [&](const std::string& what) {
    return fail(errc::invalid_argument, method + ": " + what);
  };
  if (!params.is_object()) return bad("params must be an object");
  auto text = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it != params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (method == "host/log") {
    const std::string* message = text("message");
    if (!message) return bad("needs a string \"message\"");
    log_level level = log_level::info;
    if (const std::string* l = text("level")) {
      if (*l == "debug") level = log_level::debug;
      else if (*l == "info") level = log_level::info;
      else if (*l == "warn" || *l == "warning") level = log_level::warn;
      else if (*l == "error") level = log_level::error;
      else return bad("\"level\" is debug, info, warn or error");
    }
    auto r = ctx.log(level, *message);
    if (!r) return fail(r.error());
    return nlohmann::json::object();
  }
  if (method == "host/http") {
    const std::string* url = text("url");
    if (!url) return bad("needs a string \"url\"");
    http_request req;
    req.url = *url;
    if (const std::string* m = text("method")) req.method = *m;
    if (const std::string* b = text("body")) req.body = *b;
    if (auto h = params.find("headers"); h != params.end() && h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
      }
    }
    if (auto t = params.find("timeout_ms"); t != params.end() && t->is_number_unsigned()) {
      req.timeout = std::chrono::milliseconds(t->get<std::uint64_t>());
    }
    // The request may not outlive the event call that made it.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
    req.timeout = std::min(req.timeout, left);
    auto r = ctx.http(req);
    if (!r) return fail(r.error());
    return nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
  }
  if (method == "host/storage/get" || method == "host/storage/set" || method == "host/storage/delete") {
    const std::string* key = text("key");
    if (!key) return bad("needs a string \"key\"");
    if (method == "host/storage/get") {
      auto r = ctx.storage_get(*key);
      if (!r) return fail(r.error());
      return nlohmann::json{{"value", *r ? nlohmann::json(**r) : nlohmann::json()}};
    }
    if (method == "host/storage/set") {
      const std::string* value = text("value");
      if (!value) return bad("needs a string \"value\"");
      auto r = ctx.storage_set(*key, *value);
      if (!r) return fail(r.error());
      return nlohmann::json::object();
    }
    auto r = ctx.storage_remove(*key);
    if (!r) return fail(r.error());
    return nlohmann::json{{"removed", *r}};
  }
  if (method.rfind("host/", 0) == 0 && ctx.has_host_method(std::string_view(method).substr(5))) {
    return ctx.call_host(std::string_view(method).substr(5), params);  // a host-defined API, scope-checked
  }
  return fail(errc::not_found, "no host method \"" + method + "\"");
}

/// The JSON-RPC answer to a host call that failed.
[[nodiscard]] inline std::string host_error_line(const nlohmann::json& id, const error& e) {
  if (e.code == errc::not_found && e.message.rfind("no host method", 0) == 0) {
    return jsonrpc::error_line(id, jsonrpc::method_not_found, e.message);
  }
  if (e.code == errc::invalid_argument) return jsonrpc::error_line(id, jsonrpc::invalid_params, e.message);
  return jsonrpc::error_line(id, e);
}

}  // namespace aura::detail::process
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_HOST_CALLS_HPP
// ---- end aura/adapters/process/host_calls.hpp

namespace aura::detail::process {

using steady = std::chrono::steady_clock;

/// The last bytes of a child's stderr, shared by its successive sessions.
class stderr_tail {
 public:
  static constexpr std::size_t limit = 4096;
  void append(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(bytes);
    if (text_.size() > limit) text_.erase(0, text_.size() - limit);
  }
  [[nodiscard]] std::string text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

/// One request waiting for its answer. Guarded by its session's mutex.
struct pending {
  bool done = false;
  std::atomic<bool> ready{false};  ///< `done` or a host call, readable without the lock (the waiter spins on it)
  result<nlohmann::json> answer = nlohmann::json();
  std::deque<jsonrpc::message> host_calls;  ///< the child's calls made on behalf of this request
  std::condition_variable cv;
};


/// One running child: its pipes, its reader thread, its requests in flight.
class session {
 public:

  session(std::string plugin, posix::child_process child, std::size_t max_line, std::shared_ptr<context> ctx,
          std::shared_ptr<stderr_tail> tail, posix::unique_fd log, json_budget budget = {})
      : budget_(budget),
        plugin_(std::move(plugin)),
        pid_(child.pid),
        in_(std::move(child.in)),
        out_(std::move(child.out)),
        err_(std::move(child.err)),
        max_line_(max_line),
        ctx_(std::move(ctx)),
        tail_(std::move(tail)),
        log_(std::move(log)),
        lines_(max_line) {}

  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { stop(); }

  /// Starts the reader thread.
  [[nodiscard]] result<void> run() {
    auto wake = posix::make_pipe();
    if (!wake) return fail(wake.error());
    wake_r_ = std::move(wake->read);
    wake_w_ = std::move(wake->write);
    if (auto r = posix::set_nonblocking(in_.get()); !r) return r;
    if (auto r = posix::set_nonblocking(out_.get()); !r) return r;
    pidfd_ = posix::open_pidfd(pid_);  // exit seen at once, even while a grandchild holds stdout
    try {
      reader_ = std::thread([this] { read_loop(); });
    } catch (const std::system_error& e) {
      return fail(errc::io_error, std::string("cannot start the reader thread: ") + e.what());
    }
    return {};
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool alive() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !dead_;
  }
  [[nodiscard]] steady::time_point died_at() const {
    std::lock_guard<std::mutex> lock(mu_);
    return died_at_;
  }
  [[nodiscard]] error death() const {
    std::lock_guard<std::mutex> lock(mu_);
    return death_;
  }

  /// Sends a request and waits for its answer, serving the child's host calls
  /// made on its behalf meanwhile (on this thread, through `ctx`).
  [[nodiscard]] result<nlohmann::json> call(std::string_view method, const nlohmann::json& params,
                                            const posix::deadline& until, context* ctx,
                                            std::chrono::milliseconds budget) {
    const std::int64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    auto p = std::make_shared<pending>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dead_) return fail(death_);
      pending_.emplace(id, p);
    }
    const std::string line = jsonrpc::request_line(id, method, params);
    if (auto w = send(line, until); !w) {
      forget(id);
      return fail(std::move(w.error()));
    }
    // The caller reads stdout itself while it waits (if no other caller
    // does): the answer then goes child -> caller with no thread in between.
    // The reader thread stands by for stderr, deaths and any caller-less time.
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!p->host_calls.empty()) {
        jsonrpc::message m = std::move(p->host_calls.front());
        p->host_calls.pop_front();
        if (p->host_calls.empty() && !p->done) p->ready.store(false, std::memory_order_relaxed);
        lock.unlock();
        serve(m, ctx, until);
        lock.lock();
        continue;
      }
      if (p->done) {
        pending_.erase(id);
        return std::move(p->answer);
      }
      lock.unlock();
      read_directly(*p, until);
      lock.lock();
      if (p->done || !p->host_calls.empty()) continue;
      if (!p->cv.wait_until(lock, until.at(), [&] { return p->done || !p->host_calls.empty(); })) {
        pending_.erase(id);
        lock.unlock();
        error e{errc::timeout,
                "no answer to \"" + std::string(method) + "\" within " + std::to_string(budget.count()) +
                    " ms; the plugin process is killed",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed after a deadline passed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
    }
  }

  /// Sends a notification (no answer expected).
  [[nodiscard]] result<void> notify(std::string_view method, nlohmann::json params, const posix::deadline& until) {
    return send(jsonrpc::notification_line(method, std::move(params)), until);
  }

  /// Closes the child's stdin: the polite "no more requests".
  void close_stdin() {
    std::lock_guard<std::mutex> lock(write_mu_);
    in_.reset();
  }

  /// Marks the session dead with `why` (failing every request in flight) and
  /// kills the child's process group; the reader thread reaps it.
  void kill(error why) {
    fail_all(std::move(why));
    signal(SIGKILL);
  }

  void signal(int sig) {
    std::lock_guard<std::mutex> lock(proc_mu_);
    if (!reaped_) posix::signal_child(pid_, sig);
  }

  /// Waits until the reader has reaped the child, up to `until`.
  [[nodiscard]] bool wait_exit(const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(proc_mu_);
    return exit_cv_.wait_until(lock, until.at(), [&] { return reaped_; });
  }
  [[nodiscard]] posix::exit_status status() const {
    std::lock_guard<std::mutex> lock(proc_mu_);
    return status_;
  }

  /// Stops the reader thread (which kills and reaps the child if it still runs).
  void stop() {
    if (!reader_.joinable()) return;
    if (wake_w_) {
      const char c = 'x';
      posix::sigpipe_guard guard;
      [[maybe_unused]] ssize_t n = ::write(wake_w_.get(), &c, 1);
    }
    reader_.join();
  }

 private:
  [[nodiscard]] result<void> send(const std::string& line, const posix::deadline& until) {
    posix::write_failure failure;
    std::size_t written = 0;
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      if (!in_) return fail(error{errc::crashed, "the plugin's stdin is closed", plugin_, {}, {}});
      failure = posix::write_all(in_.get(), line, until, &written, &err);
    }
    switch (failure) {
      case posix::write_failure::none: return {};
      case posix::write_failure::broken_pipe: {
        error e{errc::crashed, "the plugin process closed its stdin", plugin_, {}, {}};
        kill(e);
        return fail(std::move(e));
      }
      case posix::write_failure::timed_out: {
        error e{errc::timeout, "the plugin process did not read its stdin before the deadline (" +
                                   std::to_string(written) + " of " + std::to_string(line.size()) + " bytes written)",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
      case posix::write_failure::io: break;
    }
    error e{errc::io_error, posix::errno_text("write to the plugin's stdin", err), plugin_, {}, {}};
    kill(e);
    return fail(std::move(e));
  }

  void forget(std::int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
  }

  void fail_all(error why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (dead_) return;
    dead_ = true;
    died_at_ = steady::now();
    death_ = std::move(why);
    for (auto& [id, p] : pending_) {
      if (p->done) continue;
      p->done = true;
      p->answer = fail(death_);
      p->ready.store(true, std::memory_order_release);
      p->cv.notify_all();
    }
  }

  void serve(const jsonrpc::message& m, context* ctx, const posix::deadline& until) {
    result<nlohmann::json> r = ctx ? serve_host_call(m.method, m.params, *ctx, until)
                                   : result<nlohmann::json>(fail(errc::unsupported, "no context for host calls"));
    if (m.kind != jsonrpc::message_kind::request) return;
    const std::string line = r ? jsonrpc::response_line(m.id, std::move(*r)) : host_error_line(m.id, r.error());
    // Past the event's deadline the answer still gets a short moment to go out.
    (void)send(line, until.expired() ? posix::deadline(std::chrono::milliseconds(100)) : until);
  }

  void on_message(jsonrpc::message m) {
    if (m.is_answer()) {
      if (!m.id.is_number_integer()) return;  // not one of ours: ignored
      const auto id = m.id.get<std::int64_t>();
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(id);
      if (it == pending_.end() || it->second->done) return;  // a late answer to an abandoned request
      auto& p = *it->second;
      p.done = true;
      if (m.kind == jsonrpc::message_kind::response) {
        p.answer = std::move(m.result);
      } else {
        std::string text = "the plugin answered with error " + std::to_string(m.error_code) + ": " + m.error_message;
        if (!m.error_data.is_null()) text += " " + wire::quote(m.error_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        p.answer = fail(error{errc::hook_failed, std::move(text), plugin_, {}, {}});
      }
      p.ready.store(true, std::memory_order_release);
      p.cv.notify_all();
      return;
    }
    // A host call: route it to the event request it serves ("call" member,
    // or the only request in flight); that request's thread runs it.
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::shared_ptr<pending> target;
      if (m.params.is_object()) {
        if (auto c = m.params.find("call"); c != m.params.end() && c->is_number_integer()) {
          if (auto it = pending_.find(c->get<std::int64_t>()); it != pending_.end()) target = it->second;
        }
      }
      if (!target && pending_.size() == 1) target = pending_.begin()->second;
      if (target && !target->done) {
        target->host_calls.push_back(std::move(m));
        target->ready.store(true, std::memory_order_release);
        target->cv.notify_all();
        return;
      }
    }
    // Outside any event: only the plugin's own context can serve it.
    if (ctx_) {
      serve(m, ctx_.get(), posix::deadline(std::chrono::seconds(1)));
    } else if (m.kind == jsonrpc::message_kind::request) {
      (void)send(jsonrpc::error_line(m.id, jsonrpc::invalid_request,
                                     "host call outside an event: put the event request's id in params.call"),
                 posix::deadline(std::chrono::seconds(1)));
    }
  }

  void on_stderr(std::string_view bytes) {
    tail_->append(bytes);
    if (log_) {
      std::size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(log_.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
    }
  }

  enum class pumped { data, idle, eof, stop };

  /// Reads what stdout holds now and feeds it to the line reader; needs read_mu_.
  pumped read_stdout_locked() {
    if (out_stopped_) return pumped::stop;
    const ssize_t n = ::read(out_.get(), out_buf_.data(), out_buf_.size());
    if (n > 0) {
      auto on_line = [&](std::string_view line) {
        if (jsonrpc::is_blank(line)) return true;
        auto m = jsonrpc::decode(line, budget_);
        if (!m) {
          kill(error{errc::protocol_error, "the plugin broke the protocol: " + m.error().message, plugin_, {}, {}});
          return false;
        }
        on_message(std::move(*m));
        return true;
      };
      auto on_overflow = [&](std::size_t seen) {
        kill(error{errc::protocol_error,
                   "the plugin printed a line longer than the limit of " + std::to_string(max_line_) + " bytes (" +
                       std::to_string(seen) + " bytes without a newline)",
                   plugin_, {}, {}});
        return false;
      };
      if (!lines_.feed(std::string_view(out_buf_.data(), static_cast<std::size_t>(n)), on_line, on_overflow)) {
        out_stopped_ = true;
        return pumped::stop;
      }
      return pumped::data;
    }
    if (n == 0) return pumped::eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return pumped::idle;
    return pumped::eof;
  }

  /// A waiting caller reads stdout until its request is ready, the deadline
  /// passes, or stdout ends; returns at once if another thread is reading.
  void read_directly(pending& p, const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    caller_reading_.store(true, std::memory_order_relaxed);
    while (!p.ready.load(std::memory_order_acquire)) {
      const pumped r = read_stdout_locked();
      if (r == pumped::data) continue;
      if (r != pumped::idle) break;  // end or protocol error: the reader thread takes over
      const auto left = until.remaining();
      if (left.count() <= 0) break;
      struct pollfd pf[2] = {{out_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
      const struct timespec ts {static_cast<time_t>(secs.count()),
                                static_cast<long>((left - secs).count())};
      if (::ppoll(pf, pidfd_ ? 2 : 1, &ts, nullptr) < 0 && errno != EINTR) break;
      if (pf[1].revents & POLLIN) break;  // it exited: the reader thread reports it
    }
    caller_reading_.store(false, std::memory_order_relaxed);
  }

  void read_loop() {
    std::vector<char> buf(64 * 1024);
    bool stop_requested = false, eof = false, exited = false;
    struct pollfd fds[4] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}, {wake_r_.get(), POLLIN, 0},
                            {pidfd_ ? pidfd_.get() : -1, POLLIN, 0}};
    while (!stop_requested && !eof && !exited) {
      // While a caller reads stdout, leave it alone and look back every ms.
      const bool caller = caller_reading_.load(std::memory_order_relaxed);
      fds[0].fd = caller ? -1 : out_.get();
      const int r = ::poll(fds, 4, caller ? 1 : -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        kill(error{errc::io_error, posix::errno_text("poll", errno), plugin_, {}, {}});
        break;
      }
      if (fds[2].revents) {
        stop_requested = true;
        break;
      }
      if (fds[3].revents & POLLIN) {
        // The child exited (its grandchildren may still hold stdout open):
        // take what it wrote before, then report it, not wait for EOF.
        std::unique_lock<std::mutex> lock(read_mu_);
        while (read_stdout_locked() == pumped::data) {
        }
        exited = true;
        break;
      }
      if (fds[1].revents) {
        const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
        if (n > 0) on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fds[1].fd = -1;  // stderr closed: stop polling it
      }
      if (fds[0].fd >= 0 && fds[0].revents) {
        std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
        if (!lock.owns_lock()) continue;  // a caller is reading it
        pumped got;
        do {
          got = read_stdout_locked();
        } while (got == pumped::data);
        if (got == pumped::stop) break;
        if (got == pumped::eof) eof = true;
      }
    }
    // The child is done with (or for): give it a moment to exit on its own
    // after closing stdout, then kill its group and reap it.
    std::optional<posix::exit_status> st;
    if ((eof || exited) && !stop_requested) {
      st = posix::reap_until(pid_, posix::deadline(std::chrono::milliseconds(100)));
    }
    {
      std::lock_guard<std::mutex> lock(proc_mu_);
      posix::signal_child(pid_, SIGKILL);  // its group: whatever it left behind
      if (!st) st = posix::reap(pid_);
      // and what left the group (setsid) but still holds one of its pipes
      (void)posix::kill_pipe_holders({out_.get(), err_.get(), in_.get()});
      status_ = *st;
      reaped_ = true;
    }
    exit_cv_.notify_all();
    drain_stderr(buf);
    std::string why = "the plugin process " + st->describe();
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      if ((eof || exited) && lines_.partial()) why += " after printing half a line " + wire::quote(lines_.pending());
    }
    const std::string tail = tail_->text();
    if (!tail.empty()) why += "; stderr ends with " + wire::quote(tail.size() > 512 ? std::string_view(tail).substr(tail.size() - 512) : std::string_view(tail));
    fail_all(error{errc::crashed, std::move(why), plugin_, {}, {}});
  }

  void drain_stderr(std::vector<char>& buf) {
    if (!err_) return;
    (void)posix::set_nonblocking(err_.get());
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
  }

  json_budget budget_;
  std::string plugin_;
  pid_t pid_;
  posix::unique_fd in_, out_, err_, wake_r_, wake_w_, pidfd_;
  std::size_t max_line_;
  std::shared_ptr<context> ctx_;
  std::shared_ptr<stderr_tail> tail_;
  posix::unique_fd log_;
  std::thread reader_;
  std::atomic<std::int64_t> next_id_{1};

  mutable std::mutex mu_;  // pending_, dead_, death_, died_at_
  std::unordered_map<std::int64_t, std::shared_ptr<pending>> pending_;
  bool dead_ = false;
  error death_;
  steady::time_point died_at_{};

  std::mutex write_mu_;  // in_ and the order of bytes on it

  std::mutex read_mu_;  // out_, lines_, out_buf_, out_stopped_: whoever reads stdout
  posix::line_reader lines_;
  std::vector<char> out_buf_ = std::vector<char>(64 * 1024);
  bool out_stopped_ = false;
  std::atomic<bool> caller_reading_{false};

  mutable std::mutex proc_mu_;  // signals vs. reaping: never signal a reaped pid
  std::condition_variable exit_cv_;
  bool reaped_ = false;
  posix::exit_status status_;
};

}  // namespace aura::detail::process
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_SESSION_HPP
// ---- end aura/adapters/process/session.hpp

namespace aura {

/// A plugin running as a child process. Thread-safe: several threads may
/// call hooks at once (their requests are in flight together on one child).
class process_plugin : public std::enable_shared_from_this<process_plugin> {
  struct private_tag {};

 public:
  process_plugin(private_tag, process_options opts) : opts_(std::move(opts)) {}
  process_plugin(const process_plugin&) = delete;
  process_plugin& operator=(const process_plugin&) = delete;
  ~process_plugin() { (void)shutdown(opts_.shutdown_grace); }

  /// Starts the child and performs the `initialize` handshake. Fails with
  /// errc::load_error (or version_mismatch) naming the plugin and the cause.
  [[nodiscard]] static result<std::shared_ptr<process_plugin>> start(process_options opts) {
    if (opts.name.empty()) return fail(errc::invalid_argument, "a process plugin needs a name");
    if (opts.argv.empty()) return fail(error{errc::invalid_argument, "no program to start (argv is empty)", opts.name, {}, {}});
    if (opts.default_timeout.count() <= 0 || opts.start_timeout.count() <= 0 || opts.max_line == 0) {
      return fail(error{errc::invalid_argument, "default_timeout, start_timeout and max_line must be positive",
                        opts.name, {}, {}});
    }
    auto plugin = std::make_shared<process_plugin>(private_tag{}, std::move(opts));
    auto s = plugin->start_session(true);
    if (!s) return fail(std::move(s.error()));
    std::lock_guard<std::mutex> lock(plugin->mu_);
    plugin->session_ = std::move(*s);
    return plugin;
  }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  /// The handlers the plugin stated in its handshake.
  [[nodiscard]] const std::vector<std::string>& hooks() const noexcept { return hooks_; }
  /// The SDK version the plugin stated.
  [[nodiscard]] const std::string& sdk_version() const noexcept { return sdk_; }
  [[nodiscard]] bool implements(std::string_view handler) const {
    return std::find(hooks_.begin(), hooks_.end(), handler) != hooks_.end();
  }

  /// A hook calling `handler` in the child. `timeout` zero: the per-handler
  /// setting, else `default_timeout`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    auto self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& ev, context& ctx) {
      return self->call(handler, ev, ctx, timeout);
    };
  }

  /// One event call: the decision, or an error naming plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& ev,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.hook = handler;
      return fail(std::move(e));
    };
    if (!implements(handler)) {
      return named(error{errc::not_found, "the plugin does not implement this handler (its hooks: " +
                                              nlohmann::json(hooks_).dump() + ")", {}, {}, {}});
    }
    const auto budget = timeout_for(handler, timeout);
    const posix::deadline until(budget);
    auto s = acquire();
    if (!s) return named(std::move(s.error()));
    context& ctx = opts_.ctx ? *opts_.ctx : dispatch_ctx;
    const nlohmann::json& config = opts_.config.is_null() ? ctx.config() : opts_.config;
    auto answer = (*s)->call("event", wire::request(handler, ev, config), until, &ctx, budget);
    if (!answer) {
      if (answer.error().code == errc::hook_failed) note_success();  // the child is fine; the handler failed
      result<decision<dynamic_event>> failed = named(std::move(answer.error()));
      aura::detail::check_plugin_answer(failed, ctx, opts_.name, handler);
      return failed;
    }
    note_success();
    auto d = wire::parse_decision(*answer);
    if (!d) d = named(std::move(d.error()));
    aura::detail::check_plugin_answer(d, ctx, opts_.name, handler);
    return d;
  }

  /// Any other request to the child (a Naridon Aura `command` or `tools/call`
  /// served in the plugin's own process): the `result`, or an error naming the
  /// plugin and the method. `host/*` calls made meanwhile go through the
  /// plugin's context. `timeout` zero: `default_timeout`.
  [[nodiscard]] result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout = {}) {
    const auto budget = timeout.count() > 0 ? timeout : opts_.default_timeout;
    auto s = acquire();
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.message = method + ": " + e.message;
      return fail(std::move(e));
    };
    if (!s) return named(std::move(s.error()));
    auto answer = (*s)->call(method, params, posix::deadline(budget), opts_.ctx.get(), budget);
    if (!answer) return named(std::move(answer.error()));
    note_success();
    return answer;
  }

  /// Ends the child: `shutdown` request, stdin closed, `grace` to exit, then
  /// SIGTERM and SIGKILL. Later calls fail. Returns an error if the child had
  /// to be forced.
  result<void> shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
    std::shared_ptr<detail::process::session> s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return {};
      shut_down_ = true;
      s = std::move(session_);
    }
    if (!s) return {};
    const posix::deadline until(grace);
    bool polite = false;
    if (s->alive()) {
      auto r = s->call("shutdown", nlohmann::json::object(), until, opts_.ctx.get(), grace);
      s->close_stdin();
      polite = r.has_value() && s->wait_exit(until);
      if (!polite && !s->wait_exit(posix::deadline(std::chrono::milliseconds(0)))) {
        s->signal(SIGTERM);
        if (!s->wait_exit(posix::deadline(std::min(grace, std::chrono::milliseconds(500))))) s->signal(SIGKILL);
      }
    }
    s->stop();
    if (!polite && s->status().signaled) {
      return fail(error{errc::timeout, "the plugin process did not exit within " + std::to_string(grace.count()) +
                                           " ms of shutdown and was terminated", opts_.name, {}, {}});
    }
    return {};
  }

  /// The current child's pid (-1 when none runs).
  [[nodiscard]] pid_t pid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return session_ && session_->alive() ? session_->pid() : -1;
  }
  /// How many times the child was restarted after a failure.
  [[nodiscard]] std::size_t restarts() const noexcept { return restarts_.load(); }
  /// The last bytes the child wrote to stderr.
  [[nodiscard]] std::string stderr_tail() const { return tail_->text(); }

 private:
  [[nodiscard]] std::chrono::milliseconds timeout_for(const std::string& handler, std::chrono::milliseconds t) const {
    if (t.count() > 0) return t;
    if (auto it = opts_.hook_timeouts.find(handler); it != opts_.hook_timeouts.end() && it->second.count() > 0) {
      return it->second;
    }
    return opts_.default_timeout;
  }

  [[nodiscard]] std::chrono::milliseconds backoff(std::size_t failures) const {
    auto d = opts_.restart_backoff;
    for (std::size_t i = 1; i < failures && d < opts_.restart_backoff_max; ++i) d *= 2;
    return std::min(d, opts_.restart_backoff_max);
  }

  void note_success() { failures_.store(0, std::memory_order_relaxed); }

  /// The running session, restarting the child if its back-off has passed.
  [[nodiscard]] result<std::shared_ptr<detail::process::session>> acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return fail(error{errc::crashed, "the plugin has been shut down", opts_.name, {}, {}});
    if (session_ && session_->alive()) return session_;
    const auto now = detail::process::steady::now();
    if (session_) {  // it died: count the failure, schedule the restart
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = session_->died_at() + backoff(n);
      last_failure_ = session_->death();
      session_->stop();
      session_.reset();
    }
    if (now < next_start_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_start_ - now);
      return fail(error{errc::crashed,
                        "the plugin process is down; restart in " + std::to_string(wait.count()) +
                            " ms (last failure: " + last_failure_.message + ")",
                        opts_.name, {}, {}});
    }
    auto s = start_session(false);
    if (!s) {
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = detail::process::steady::now() + backoff(n);
      last_failure_ = s.error();
      return fail(std::move(s.error()));
    }
    restarts_.fetch_add(1);
    session_ = std::move(*s);
    return session_;
  }

  [[nodiscard]] result<std::shared_ptr<detail::process::session>> start_session(bool first) {
    auto load_failure = [&](errc code, const std::string& what) {
      return fail(error{code, what, opts_.name, {}, {}});
    };
    posix::spawn_options so;
    so.argv = opts_.argv;
    so.workdir = opts_.workdir;
    so.env = opts_.env;
    auto child = posix::spawn(so);
    if (!child) return load_failure(errc::load_error, child.error().message);
    posix::unique_fd log;
    if (!opts_.stderr_log.empty()) {
      log.reset(::open(opts_.stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    }
    auto s = std::make_shared<detail::process::session>(opts_.name, std::move(*child), opts_.max_line, opts_.ctx,
                                                        tail_, std::move(log), opts_.answer_budget);
    if (auto r = s->run(); !r) {
      s->kill(r.error());
      return load_failure(errc::load_error, r.error().message);
    }
    const nlohmann::json config = opts_.config.is_null() ? (opts_.ctx ? opts_.ctx->config() : nlohmann::json::object())
                                                         : opts_.config;
    const nlohmann::json params{{"aura", wire::version}, {"sdk", version_string}, {"plugin", opts_.name},
                                {"config", config.is_null() ? nlohmann::json::object() : config}};
    auto answer = s->call("initialize", params, posix::deadline(opts_.start_timeout), opts_.ctx.get(),
                          opts_.start_timeout);
    auto give_up = [&](errc code, const std::string& what) {
      s->kill(error{errc::load_error, what, opts_.name, {}, {}});
      s->stop();
      return load_failure(code, what);
    };
    if (!answer) return give_up(errc::load_error, "initialize handshake failed: " + answer.error().message);
    const nlohmann::json& a = *answer;
    const std::string shown = wire::quote(a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!a.is_object()) return give_up(errc::load_error, "initialize answer must be an object, got " + shown);
    if (auto v = a.find("aura"); v != a.end() && !(v->is_number_integer() && v->get<int>() == wire::version)) {
      return give_up(errc::version_mismatch, "the plugin speaks wire protocol " + v->dump() + ", this host speaks " +
                                                 std::to_string(wire::version));
    }
    auto sdk = a.find("sdk");
    if (sdk == a.end() || !sdk->is_string()) {
      return give_up(errc::load_error, "initialize answer lacks a string \"sdk\" version: " + shown);
    }
    const auto parsed = detail::process::parse_version(sdk->get<std::string>());
    if (!parsed) return give_up(errc::load_error, "initialize answer has an unreadable \"sdk\" version: " + shown);
    if (!detail::process::sdk_compatible(*parsed)) {
      return give_up(errc::version_mismatch, "the plugin was built for aura SDK " + sdk->get<std::string>() +
                                                 ", which this host (SDK " + std::string(version_string) +
                                                 ") cannot serve");
    }
    auto hooks = a.find("hooks");
    if (hooks == a.end() || !hooks->is_array() ||
        !std::all_of(hooks->begin(), hooks->end(), [](const nlohmann::json& h) { return h.is_string(); })) {
      return give_up(errc::load_error, "initialize answer lacks a \"hooks\" array of handler names: " + shown);
    }
    if (first) {
      sdk_ = sdk->get<std::string>();
      hooks_ = hooks->get<std::vector<std::string>>();
    }
    return s;
  }

  process_options opts_;
  std::vector<std::string> hooks_;  // fixed at start: read without a lock
  std::string sdk_;
  std::shared_ptr<detail::process::stderr_tail> tail_ = std::make_shared<detail::process::stderr_tail>();

  mutable std::mutex mu_;  // session_, shut_down_, next_start_, last_failure_
  std::shared_ptr<detail::process::session> session_;
  bool shut_down_ = false;
  detail::process::steady::time_point next_start_{};
  error last_failure_;
  std::atomic<std::size_t> failures_{0};
  std::atomic<std::size_t> restarts_{0};
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_HPP
// ---- end aura/adapters/process.hpp

namespace aura::plugin {

namespace detail {

[[nodiscard]] inline std::vector<std::string> entry_argv(const manifest& m) {
  if (!m.runtime.interpreter.empty()) {
    // node / python: the interpreter from PATH (or as written), the entrypoint a file of the plugin.
    std::vector<std::string> argv{m.runtime.interpreter};
    std::error_code ec;
    argv.push_back(std::filesystem::absolute(m.dir / m.runtime.entrypoint, ec).lexically_normal().string());
    for (const auto& a : m.runtime.args) argv.push_back(a);
    return argv;
  }
  std::vector<std::string> argv = split_command(m.runtime.entrypoint);
  for (const auto& a : m.runtime.args) argv.push_back(a);
  if (!m.runtime.language.empty() && !argv.empty() && argv[0].find('/') == std::string::npos) {
    // rust / binary: the entrypoint is the plugin's own executable, not a name looked up in PATH.
    argv[0] = "./" + argv[0];
  }
  return resolve_argv(std::move(argv), m.dir);
}

class process_instance final : public plugin_instance {
 public:
  explicit process_instance(std::shared_ptr<process_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    if (!p_->implements(spec.handler)) {
      return fail(error{errc::not_found,
                        "the process does not implement handler \"" + spec.handler + "\" (it stated " +
                            nlohmann::json(p_->hooks()).dump() + ")",
                        p_->name(), spec.handler, spec.where});
    }
    return p_->hook(spec.handler, spec.timeout);
  }
  [[nodiscard]] result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout) override {
    return p_->request(method, params, timeout);
  }
  result<void> stop(std::chrono::milliseconds grace) override { return p_->shutdown(grace); }

 private:
  std::shared_ptr<process_plugin> p_;
};

class command_instance final : public plugin_instance {
 public:
  command_instance(const manifest& m, std::shared_ptr<context> ctx, std::map<std::string, std::string> env)
      : m_(m), ctx_(std::move(ctx)), env_(std::move(env)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    command_options o;
    o.name = m_.name;
    o.argv = spec.command.empty() ? entry_argv(m_) : resolve_argv(spec.command, m_.dir);
    o.workdir = m_.dir;
    o.env = env_;
    if (spec.timeout.count() > 0) o.timeout = spec.timeout;
    o.protocol = m_.runtime.protocol == "claude_code" ? command_protocol::claude_code
               : m_.runtime.protocol == "codineer"  ? command_protocol::codineer
                                                    : command_protocol::aura;
    o.ctx = ctx_;
    o.handler = spec.handler;
    if (m_.format == manifest_format::codineer) o.plugin_id = m_.name + "@external";
    auto h = make_command_hook(std::move(o));
    if (!h) {
      error e = std::move(h.error());
      e.plugin = m_.name;
      e.hook = spec.handler;
      if (e.where.empty()) e.where = spec.where;
      return fail(std::move(e));
    }
    return h;
  }

 private:
  manifest m_;
  std::shared_ptr<context> ctx_;
  std::map<std::string, std::string> env_;
};

}  // namespace detail

/// The loader for "process" plugins.
[[nodiscard]] inline runtime_loader process_loader() {
  return [](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    process_options o;
    o.name = req.spec.name;
    o.argv = detail::entry_argv(req.spec);
    o.workdir = req.spec.dir;
    o.env = req.env;
    o.ctx = req.ctx;
    for (const auto& h : req.spec.hooks) {
      if (h.timeout.count() > 0) o.hook_timeouts[h.handler] = h.timeout;
    }
    auto p = process_plugin::start(std::move(o));
    if (!p) {
      error e = std::move(p.error());
      if (e.plugin.empty()) e.plugin = req.spec.name;
      if (e.where.empty()) e.where = req.spec.file.string();
      return fail(std::move(e));
    }
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::process_instance>(std::move(*p)));
  };
}

/// The loader for "command" plugins (and Codineer plugin.json hooks).
[[nodiscard]] inline runtime_loader command_loader() {
  return [](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::command_instance>(req.spec, req.ctx, req.env));
  };
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIMES_PROCESS_HPP
// ---- end aura/plugin/runtimes/process.hpp

#ifndef AURA_PLUGIN_WASM
#define AURA_PLUGIN_WASM 0
#endif
#ifndef AURA_PLUGIN_LUA
#define AURA_PLUGIN_LUA 0
#endif
#if AURA_PLUGIN_WASM
// ---- begin aura/plugin/runtimes/wasm.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIMES_WASM_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIMES_WASM_HPP
// aura/plugin/runtimes/wasm.hpp - "wasm" plugins through aura/adapters/wasm.hpp
// (needs WABT: link aura::wasm). `entrypoint` is the .wasm file in the plugin directory.

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/wasm.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_HPP
// aura/adapters/wasm.hpp - plugins as WebAssembly modules, run by WABT's interpreter.
//
// The ABI (DESIGN §5, specified in docs/adapters/wasm.md): the module exports
// `memory`, `aura_alloc(len) -> ptr` and `aura_on_event(ptr, len) -> i32`
// (0 = ok); per event the host writes the wire request into memory obtained
// from aura_alloc, calls aura_on_event, and reads the decision the guest handed
// to the import `aura.output_set(ptr, len)`. Memory pages, input and output
// bytes, fuel (instructions, metered at load) and a wall-clock deadline are
// capped per call; a trap is a hook error and the instance is replaced;
// concurrent calls run on separate instances.
//
// Needs libwabt (CMake target aura::wasm).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/detail/plugin_file.hpp
#ifndef AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
#define AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
// aura/adapters/detail/plugin_file.hpp - reads the file an in-process plugin comes
// from (a Lua script, a WASM module), with the same errors for every runtime.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>


namespace aura::detail {

/// The whole of `file`: errc::not_found when there is no such file, io_error
/// when it is not a regular file (a directory reads as nothing) or cannot be
/// read. `what` names it ("Lua script", "WASM module"); the error carries the
/// plugin's name and the path as `where`.
[[nodiscard]] inline result<std::string> read_plugin_file(const std::filesystem::path& file, std::string_view what,
                                                          const std::string& plugin) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  std::ifstream in;
  if (std::filesystem::is_regular_file(status)) in.open(file, std::ios::binary);
  if (!in.is_open()) {
    const errc code = std::filesystem::exists(status) ? errc::io_error : errc::not_found;
    return fail(error{code, "cannot open " + std::string(what) + " " + file.string(), plugin, {}, file.string()});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
// ---- end aura/adapters/detail/plugin_file.hpp
// ---- begin aura/adapters/wasm/fwd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
// aura/adapters/wasm/fwd.hpp - forward declarations of the WASM adapter.

namespace aura {
struct wasm_limits;
struct wasm_options;
struct wasm_stats;
class wasm_plugin;
namespace wasm {
struct grants;
struct compiled_module;
class instance;
class instance_pool;
struct call_state;
}  // namespace wasm
}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
// ---- end aura/adapters/wasm/fwd.hpp
// ---- begin aura/adapters/wasm/host_imports.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
// aura/adapters/wasm/host_imports.hpp - the `aura.*` functions a WASM plugin may import,
// which of them its permissions grant, and what each does.
//
// Conventions (the ABI, see docs/adapters/wasm.md):
//   * every (ptr, len) is an i32 pair naming guest memory; the host checks
//     ptr + len <= memory size before touching it; a bad pair traps the call;
//   * functions that return data take (out_ptr, out_cap), write at most
//     out_cap bytes and return the full length, so a guest seeing a result
//     larger than its buffer may call again with a bigger one;
//   * negative results: -1 = not found, -2 = refused or failed (the reason is
//     logged under the plugin's name).

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


// ---- begin aura/adapters/wasm/wabt.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
// aura/adapters/wasm/wabt.hpp - the parts of WABT (libwabt) the WASM adapter uses.
//
// WABT's headers are not clean under -Wpedantic/-Wextra (unused parameters,
// zero-argument variadic macros, shadowing), and aura builds with -Werror. When
// they are found in a system include directory the compiler already silences
// them; the pragmas below keep that true when WABT lives elsewhere (a custom
// prefix added with -I), so aura's warning flags apply to aura's code only.

// WABT 1.0.32 (Debian 12) defines destructors as `FreeList<Ref>::~FreeList<Ref>()`
// in interp-inl.h, which GCC 11+ rejects in C++20 mode (CWG 2237) and cannot be
// told to accept. Say so plainly instead of failing inside WABT: compile the
// translation units that include the WASM adapter as C++17, or with clang.
// Define AURA_WASM_WABT_CXX20_OK when your WABT is newer and has the fix.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && __cplusplus > 201703L && \
    !defined(AURA_WASM_WABT_CXX20_OK)
#error "aura/adapters/wasm.hpp: WABT 1.0.32's interpreter headers do not compile as C++20 with GCC >= 11 (template-id destructor, CWG 2237). Build this translation unit as C++17 or with clang, or define AURA_WASM_WABT_CXX20_OK if your WABT is fixed."
#else

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/cast.h>
#include <wabt/common.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif  // the C++20/GCC check
#endif  // AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
// ---- end aura/adapters/wasm/wabt.hpp

namespace aura::wasm {

/// The host functions of module "aura".
enum class host_fn : std::uint8_t {
  output_set,    ///< (ptr, len) -> ()            the decision JSON
  error_set,     ///< (ptr, len) -> ()            an error message, with a non-zero return
  log,           ///< (level, ptr, len) -> ()     0 debug, 1 info, 2 warn, 3 error
  config_get,    ///< (key_ptr, key_len, out_ptr, out_cap) -> i32   JSON of config[key]
  storage_get,   ///< (key_ptr, key_len, out_ptr, out_cap) -> i32
  storage_set,   ///< (key_ptr, key_len, val_ptr, val_len) -> i32   0 ok
  http_request,  ///< (req_ptr, req_len, out_ptr, out_cap) -> i32   JSON request -> JSON response
};

struct host_fn_spec {
  host_fn fn;
  std::string_view name;
  std::vector<wabt::Type> params;
  std::vector<wabt::Type> results;
};

/// Every host function with its exact signature.
[[nodiscard]] inline const std::array<host_fn_spec, 7>& host_fns() {
  using T = wabt::Type;
  static const std::array<host_fn_spec, 7> specs{{
      {host_fn::output_set, "output_set", {T::I32, T::I32}, {}},
      {host_fn::error_set, "error_set", {T::I32, T::I32}, {}},
      {host_fn::log, "log", {T::I32, T::I32, T::I32}, {}},
      {host_fn::config_get, "config_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_get, "storage_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_set, "storage_set", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::http_request, "http_request", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
  }};
  return specs;
}

/// Which capability imports a plugin's permissions link. The rule is the one
/// the context applies at call time, decided once at load:
///   config_get   : call_api allows "config"
///   storage_get  : call_api allows "storage" and storage != none
///   storage_set  : call_api allows "storage" and storage is writable
///   http_request : call_api allows "http" and `network` names at least one host
/// output_set, error_set and log are always linked (log lines of a plugin
/// without the "log" scope are dropped by its context).
struct grants {
  bool config = false;
  bool storage_read = false;
  bool storage_write = false;
  bool http = false;

  [[nodiscard]] static grants from(const permissions& p) {
    grants g;
    g.config = p.allows_api("config");
    const bool storage_api = p.allows_api("storage");
    g.storage_read = storage_api && p.storage != storage_scope::none;
    g.storage_write = storage_api && p.allows_storage_write();
    g.http = p.allows_api("http") && !p.network.empty();
    return g;
  }

  [[nodiscard]] bool allows(host_fn fn) const noexcept {
    switch (fn) {
      case host_fn::output_set:
      case host_fn::error_set:
      case host_fn::log: return true;
      case host_fn::config_get: return config;
      case host_fn::storage_get: return storage_read;
      case host_fn::storage_set: return storage_write;
      case host_fn::http_request: return http;
    }
    return false;
  }

  /// What permission a refused import needs, for the load error.
  [[nodiscard]] static std::string_view requirement(host_fn fn) noexcept {
    switch (fn) {
      case host_fn::config_get: return "call_api \"config\"";
      case host_fn::storage_get: return "call_api \"storage\" and a storage scope";
      case host_fn::storage_set: return "call_api \"storage\" and a writable storage scope";
      case host_fn::http_request: return "call_api \"http\" and at least one network host";
      default: return "nothing";
    }
  }
};

/// The state of the one call an instance runs; host functions read and fill it.
struct call_state {
  context* ctx = nullptr;        ///< capabilities; null while instantiating without a plugin context
  std::size_t output_limit = 0;  ///< bytes output_set / error_set accept
  bool has_output = false;
  std::string output;            ///< what the guest handed to output_set (last call wins)
  bool has_error = false;
  std::string error_message;     ///< what the guest handed to error_set
  /// Why the host trapped the guest (bad pointer, fuel, deadline, size): it
  /// outranks the bare trap message when the call's error is reported.
  std::optional<error> fault;
  // Fuel: `budget_left` is what has not yet been moved into the guest's counter.
  std::uint64_t budget = 0;
  std::uint64_t budget_left = 0;
  std::uint64_t slice = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds deadline_ms{0};  ///< the bound `deadline` was computed from
  std::uint64_t host_bytes = 0;              ///< guest bytes host functions read in this call, not yet charged

  void reset_outputs() {
    has_output = false;
    output.clear();
    has_error = false;
    error_message.clear();
    fault.reset();
  }
};

/// The guest bytes [ptr, ptr+len), or nothing when they are not all inside memory.
[[nodiscard]] inline std::optional<std::string_view> guest_bytes(wabt::interp::Memory& memory, std::uint32_t ptr,
                                                                 std::uint32_t len) {
  const std::uint64_t end = static_cast<std::uint64_t>(ptr) + len;
  if (end > memory.ByteSize()) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(memory.UnsafeData()) + ptr, len);
}

namespace detail {

/// Copies `bytes` to the guest's (out_ptr, out_cap) buffer (at most out_cap of
/// them) and returns the full length; false if the buffer is out of bounds.
inline bool write_back(wabt::interp::Memory& memory, std::uint32_t out_ptr, std::uint32_t out_cap,
                       std::string_view bytes, std::int32_t& ret) {
  const std::uint64_t end = static_cast<std::uint64_t>(out_ptr) + out_cap;
  if (end > memory.ByteSize()) return false;
  const std::size_t n = bytes.size() < out_cap ? bytes.size() : out_cap;
  if (n > 0) std::memcpy(memory.UnsafeData() + out_ptr, bytes.data(), n);
  ret = bytes.size() > 0x7fffffffu ? -2 : static_cast<std::int32_t>(bytes.size());
  return true;
}

inline void note(call_state& st, std::string_view what, const error& e) {
  if (st.ctx) (void)st.ctx->log(log_level::warn, std::string(what) + ": " + e.describe());
}

inline nlohmann::json http_to_json(const http_response& r) {
  return nlohmann::json{{"status", r.status}, {"headers", r.headers}, {"body", r.body}};
}

inline result<http_request> http_from_json(std::string_view bytes) {
  auto parsed = parse_bounded(bytes);
  if (!parsed) return fail(errc::invalid_argument, "http request: " + parsed.error().message);
  nlohmann::json& j = *parsed;
  if (!j.is_object()) return fail(errc::invalid_argument, "http request is not a JSON object");
  http_request req;
  auto text = [&](const char* key, std::string& out) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text("method", req.method) || !text("url", req.url) || !text("body", req.body)) {
    return fail(errc::invalid_argument, "http request fields method, url and body must be strings");
  }
  if (auto h = j.find("headers"); h != j.end()) {
    if (!h->is_object()) return fail(errc::invalid_argument, "http request \"headers\" must be an object");
    for (auto it = h->begin(); it != h->end(); ++it) {
      if (!it->is_string()) return fail(errc::invalid_argument, "http header values must be strings");
      req.headers[it.key()] = it->get<std::string>();
    }
  }
  if (auto t = j.find("timeout_ms"); t != j.end()) {
    if (!t->is_number_unsigned()) return fail(errc::invalid_argument, "http \"timeout_ms\" must be a non-negative integer");
    req.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
  }
  return req;
}

}  // namespace detail

/// Runs host function `fn` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why in aura's terms).
inline bool run_host_fn(host_fn fn, call_state& st, wabt::interp::Memory& memory, const wabt::interp::Values& params,
                        wabt::interp::Values& results, std::string& trap_message) {
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  auto bad_range = [&](std::string_view what, std::uint32_t ptr, std::uint32_t len) {
    trap_message = "aura." + std::string(host_fns()[static_cast<std::size_t>(fn)].name) + ": " + std::string(what) +
                   " (ptr " + std::to_string(ptr) + ", len " + std::to_string(len) + ") is outside guest memory (" +
                   std::to_string(memory.ByteSize()) + " bytes)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  // Every guest byte a host function reads is charged (instance.hpp turns
  // st.host_bytes into fuel after the call).
  auto charged_bytes = [&](wabt::interp::Memory& m, std::uint32_t ptr, std::uint32_t len) {
    st.host_bytes += len;
    return guest_bytes(m, ptr, len);
  };
  std::int32_t ret = 0;
  switch (fn) {
    case host_fn::output_set:
    case host_fn::error_set: {
      auto bytes = charged_bytes(memory, u32(0), u32(1));
      if (!bytes) return bad_range("the buffer", u32(0), u32(1));
      if (bytes->size() > st.output_limit) {
        trap_message = "aura." + std::string(fn == host_fn::output_set ? "output_set" : "error_set") + ": " +
                       std::to_string(bytes->size()) + " bytes exceed the output limit of " +
                       std::to_string(st.output_limit);
        st.fault = error{errc::limit_exceeded, trap_message, {}, {}, {}};
        return false;
      }
      if (fn == host_fn::output_set) {
        st.output.assign(bytes->data(), bytes->size());
        st.has_output = true;
      } else {
        st.error_message.assign(bytes->data(), bytes->size());
        st.has_error = true;
      }
      return true;
    }
    case host_fn::log: {
      auto bytes = charged_bytes(memory, u32(1), u32(2));
      if (!bytes) return bad_range("the message", u32(1), u32(2));
      const std::uint32_t level = u32(0);
      const log_level lv = level == 0 ? log_level::debug
                           : level == 1 ? log_level::info
                           : level == 2 ? log_level::warn
                                        : log_level::error;
      if (st.ctx) {
        const std::size_t cut = bytes->size() < st.output_limit ? bytes->size() : st.output_limit;
        std::string line(bytes->substr(0, cut));
        make_valid_utf8(line);  // a log line must serialise whatever the guest wrote
        (void)st.ctx->log(lv, line);  // refused without the "log" scope: dropped
      }
      return true;
    }
    case host_fn::config_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -1;
      } else {
        const nlohmann::json& config = st.ctx->config();
        const nlohmann::json* value = &config;
        if (!key->empty()) {
          auto it = config.is_object() ? config.find(std::string(*key)) : config.end();
          value = (config.is_object() && it != config.end()) ? &*it : nullptr;
        }
        if (!value) {
          ret = -1;
        } else if (!detail::write_back(memory, u32(2), u32(3), value->dump(), ret)) {
          return bad_range("the output buffer", u32(2), u32(3));
        }
      }
      break;
    }
    case host_fn::storage_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -2;
      } else if (auto got = st.ctx->storage_get(*key); !got) {
        detail::note(st, "aura.storage_get", got.error());
        ret = -2;
      } else if (!*got) {
        ret = -1;
      } else if (!detail::write_back(memory, u32(2), u32(3), **got, ret)) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      break;
    }
    case host_fn::storage_set: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      auto value = charged_bytes(memory, u32(2), u32(3));
      if (!value) return bad_range("the value", u32(2), u32(3));
      if (!st.ctx) {
        ret = -2;
      } else if (auto set = st.ctx->storage_set(*key, *value); !set) {
        detail::note(st, "aura.storage_set", set.error());
        ret = -2;
      }
      break;
    }
    case host_fn::http_request: {
      auto req_bytes = charged_bytes(memory, u32(0), u32(1));
      if (!req_bytes) return bad_range("the request", u32(0), u32(1));
      if (static_cast<std::uint64_t>(u32(2)) + u32(3) > memory.ByteSize()) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      nlohmann::json answer;
      auto req = detail::http_from_json(*req_bytes);
      if (!req) {
        answer = {{"error", req.error().message}};
      } else if (!st.ctx) {
        answer = {{"error", "no host context"}};
      } else if (auto resp = st.ctx->http(*req); !resp) {
        answer = {{"error", resp.error().describe()}};
      } else {
        answer = detail::http_to_json(*resp);
      }
      (void)detail::write_back(memory, u32(2), u32(3),
                               answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), ret);
      break;
    }
  }
  if (results.empty()) results.resize(1);
  results[0] = wabt::interp::Value::Make(static_cast<std::uint32_t>(ret));
  return true;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
// ---- end aura/adapters/wasm/host_imports.hpp
// ---- begin aura/adapters/wasm/instance.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
// aura/adapters/wasm/instance.hpp - one live instance of a plugin module: its own
// interpreter store, thread and memory, and the host functions bound to it.
//
// A WABT Store is single-threaded, so each instance owns one; concurrent calls
// use separate instances (see pool.hpp). An instance that trapped is never
// reused: its memory may hold half-written state.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/adapters/wasm/module.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
// aura/adapters/wasm/module.hpp - loading a .wasm module: decode, validate, check the
// ABI's exports and imports, cap memory, insert metering, prepare for the interpreter.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/adapters/wasm/limits.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
// aura/adapters/wasm/limits.hpp - what one WASM plugin may consume, with defaults.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>


namespace aura {

/// Caps for a WASM plugin. Every field has a default; a manifest's
/// `[limits]` table overrides them through `wasm_limits_from_json`.
struct wasm_limits {
  /// Linear-memory pages (64 KiB each) an instance may ever hold. The module's
  /// declared maximum is lowered to this at load, so `memory.grow` past it
  /// returns -1 inside the guest. A module whose *initial* size exceeds it
  /// does not load.
  std::uint32_t memory_pages = 256;  // 16 MiB
  /// Largest request (wire JSON) the host writes into the guest.
  std::size_t input_bytes = 1u << 20;
  /// Largest answer the guest may hand to `aura.output_set` (and `error_set`).
  std::size_t output_bytes = 1u << 20;
  /// Instructions per call (aura_alloc + aura_on_event together), counted by
  /// the metering the adapter inserts at load time. 0 is not "unlimited": use
  /// `metering = false` for that.
  std::uint64_t fuel = 100'000'000;
  /// Wall-clock bound per call, checked each time a fuel slice runs out.
  std::chrono::milliseconds deadline{2000};
  /// Fuel granted per slice: the wall-clock deadline is checked between slices.
  std::uint64_t fuel_slice = 2'000'000;
  /// Instances kept alive at most (= calls that may run at once). Further
  /// callers wait for a free instance until their deadline.
  std::size_t max_instances = 4;
  /// Size of a `.wasm` file the loader accepts.
  std::size_t module_bytes = 64u << 20;
  /// Insert the fuel counter. Turning it off leaves an infinite loop unbounded:
  /// it exists to measure the metering's cost, never for untrusted modules.
  bool metering = true;
  /// Nodes and depth of the JSON answer (its bytes are capped by output_bytes).
  json_budget answer;
  /// Bytes of guest memory one unit of fuel pays for in bulk memory and table
  /// operations (memory.fill/copy/init, table.fill/copy/init/grow, memory.grow)
  /// and in host calls that copy guest bytes (output_set, error_set, log, ...).
  std::uint32_t bytes_per_fuel = 64;
};

/// Reads limits from a manifest's JSON object, keys (all optional):
/// `memory_pages`, `input_bytes`, `output_bytes`, `fuel`, `deadline_ms`,
/// `fuel_slice`, `max_instances`, `module_bytes`. Unknown keys and wrong types
/// are errors naming the key as a JSON pointer.
[[nodiscard]] inline result<wasm_limits> wasm_limits_from_json(const nlohmann::json& j,
                                                               wasm_limits defaults = {}) {
  if (j.is_null()) return defaults;
  if (!j.is_object()) return fail(errc::invalid_argument, "wasm limits must be a JSON object");
  wasm_limits out = defaults;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      return fail(errc::invalid_argument, "wasm limit \"" + key + "\" must be a non-negative integer", "/" + key);
    }
    const auto n = v.get<std::uint64_t>();
    auto positive = [&]() -> bool { return n > 0; };
    if (key == "memory_pages") {
      if (!positive() || n > 65536) {
        return fail(errc::invalid_argument, "wasm limit \"memory_pages\" must be 1..65536", "/" + key);
      }
      out.memory_pages = static_cast<std::uint32_t>(n);
    } else if (key == "input_bytes") {
      out.input_bytes = static_cast<std::size_t>(n);
    } else if (key == "output_bytes") {
      out.output_bytes = static_cast<std::size_t>(n);
    } else if (key == "fuel") {
      out.fuel = n;
    } else if (key == "deadline_ms") {
      out.deadline = std::chrono::milliseconds(static_cast<std::int64_t>(n));
    } else if (key == "fuel_slice") {
      out.fuel_slice = n;
    } else if (key == "max_instances") {
      out.max_instances = static_cast<std::size_t>(n);
    } else if (key == "module_bytes") {
      out.module_bytes = static_cast<std::size_t>(n);
    } else {
      return fail(errc::invalid_argument, "unknown wasm limit \"" + key + "\"", "/" + key);
    }
    if (!positive()) return fail(errc::invalid_argument, "wasm limit \"" + key + "\" must be positive", "/" + key);
  }
  return out;
}

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
// ---- end aura/adapters/wasm/limits.hpp
// ---- begin aura/adapters/wasm/metering.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
// aura/adapters/wasm/metering.hpp - fuel (instruction) metering inserted at load time.
//
// WABT's interpreter runs a call to completion: its public call API has no
// instruction budget. So the adapter rewrites the module before the
// interpreter sees it (on WABT's IR, read with ReadBinaryIr and written back
// with WriteBinaryModule):
//
//   * a mutable i64 global "fuel" is appended (after every existing global,
//     so no global index moves);
//   * a function import `aura_meter.refuel: [] -> []` is added after the
//     module's own function imports (every later function index is shifted
//     by one in calls, ref.func, exports, element segments and start);
//   * at each function entry and each loop head this sequence is inserted:
//
//         global.get $fuel  i64.const COST  i64.sub  global.set $fuel
//         global.get $fuel  i64.const 0  i64.lt_s
//         if  call $refuel  end
//
//     COST is the number of instructions of the region that starts there:
//     the function body or the loop body, nested blocks and both arms of an
//     `if` included, nested loop bodies excluded (they charge at their own
//     head). It is an upper bound of what one pass through the region runs.
//
// Bulk operations do work in proportion to an operand, not to one
// instruction: before each memory.fill / memory.copy / memory.init,
// table.fill / table.copy / table.init / table.grow and memory.grow the count
// operand (the top of the stack) is saved in a scratch local the metering
// adds to the function, and this is charged:
//
//         local.tee $n  global.get $fuel  local.get $n  i64.extend_i32_u
//         [i64.const UNIT  i64.mul]  [i64.const SHIFT  i64.shr_u]  i64.sub
//         global.set $fuel  (the same check and refuel as above)
//
// i.e. one unit of fuel per 2^SHIFT bytes (bytes_per_fuel rounded down to a
// power of two), pages counted as 65536 bytes and table elements as 8. The
// charge comes before the operation, so 10,000 fills of 16 MiB run out of
// fuel - and reach refuel, which reads the clock - within a few fills.
//
// Every unbounded execution passes a loop head or a function entry again and
// again, so each pass pays at least one unit and the counter must go below
// zero. Then `refuel` (a host function) grants the next slice of the call's
// budget, or traps when the budget is spent or the wall-clock deadline has
// passed. A region is charged when it is entered, so a call that stops early
// in a long straight-line region was charged for all of it: fuel is counted
// conservatively, never under.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>


namespace aura::wasm {

/// The import the metering adds; the host links it to its refuel function.
inline constexpr const char* meter_module_name = "aura_meter";
inline constexpr const char* meter_refuel_name = "refuel";

/// Blocks nested deeper than this are refused: the IR walks (here and in
/// WABT's writer) recurse once per level.
inline constexpr int max_block_depth = 1024;

/// Where the metering put its pieces in the rewritten module.
struct meter_layout {
  wabt::Index fuel_global = 0;   ///< index of the i64 fuel counter
  wabt::Index refuel_func = 0;   ///< function index of the refuel import
  unsigned bytes_shift = 6;      ///< bulk operations pay one fuel per 2^bytes_shift bytes
};

/// log2 of `bytes_per_fuel` rounded down (1 when 0 is given).
[[nodiscard]] inline unsigned fuel_shift(std::uint32_t bytes_per_fuel) noexcept {
  unsigned s = 0;
  while (s < 31 && (std::uint64_t{2} << s) <= bytes_per_fuel) ++s;
  return bytes_per_fuel <= 1 ? 0 : s;
}

namespace detail {

/// Deepest block nesting in `exprs`, stopping as soon as it passes the limit.
inline int nesting_depth(const wabt::ExprList& exprs, int depth) {
  if (depth > max_block_depth) return depth;
  int deepest = depth;
  for (const wabt::Expr& e : exprs) {
    auto visit = [&](const wabt::ExprList& inner) {
      const int d = nesting_depth(inner, depth + 1);
      if (d > deepest) deepest = d;
    };
    switch (e.type()) {
      case wabt::ExprType::Block: visit(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::Loop: visit(wabt::cast<wabt::LoopExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        visit(i->true_.exprs);
        visit(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        visit(t->block.exprs);
        for (const auto& c : t->catches) visit(c.exprs);
        break;
      }
      default: break;
    }
    if (deepest > max_block_depth) return deepest;
  }
  return deepest;
}

/// Instructions of the region `exprs` opens, nested loop bodies excluded.
inline std::uint64_t region_cost(const wabt::ExprList& exprs) {
  std::uint64_t n = 0;
  for (const wabt::Expr& e : exprs) {
    ++n;
    switch (e.type()) {
      case wabt::ExprType::Block: n += region_cost(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        n += region_cost(i->true_.exprs) + region_cost(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        n += region_cost(t->block.exprs);
        for (const auto& c : t->catches) n += region_cost(c.exprs);
        break;
      }
      default: break;  // a loop is one instruction here; its body pays at its head
    }
  }
  return n;
}

/// The charge-and-check sequence for a region of `cost` instructions.
inline wabt::ExprList meter_sequence(const meter_layout& m, std::uint64_t cost) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(cost)));
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  seq.push_back(std::make_unique<wabt::GlobalSetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  seq.push_back(std::make_unique<wabt::CompareExpr>(wabt::Opcode::I64LtS));
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::CallExpr>(wabt::Var(m.refuel_func, loc)));
  seq.push_back(std::move(check));
  return seq;
}

/// The charge for a bulk operation whose i32 count is on top of the stack
/// (left there): count * unit >> shift fuel, saved through local `scratch`.
inline wabt::ExprList bulk_charge(const meter_layout& m, wabt::Index scratch, std::uint64_t unit) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::LocalTeeExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::LocalGetExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::ConvertExpr>(wabt::Opcode::I64ExtendI32U));
  if (unit != 1) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(unit)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Mul));
  }
  if (m.bytes_shift != 0) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(m.bytes_shift)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64ShrU));
  }
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  seq.push_back(std::make_unique<wabt::GlobalSetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  seq.push_back(std::make_unique<wabt::CompareExpr>(wabt::Opcode::I64LtS));
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::CallExpr>(wabt::Var(m.refuel_func, loc)));
  seq.push_back(std::move(check));
  return seq;
}

/// Bytes one unit of a bulk operation's count stands for; 0 if `e` is not one.
[[nodiscard]] inline std::uint64_t bulk_unit(const wabt::Expr& e) noexcept {
  switch (e.type()) {
    case wabt::ExprType::MemoryFill:
    case wabt::ExprType::MemoryCopy:
    case wabt::ExprType::MemoryInit: return 1;
    case wabt::ExprType::MemoryGrow: return 65536;
    case wabt::ExprType::TableFill:
    case wabt::ExprType::TableCopy:
    case wabt::ExprType::TableInit:
    case wabt::ExprType::TableGrow: return 8;
    default: return 0;
  }
}

/// Shifts a function index at or past `first` by one (the refuel import was inserted there).
inline void shift_func_var(wabt::Var& v, wabt::Index first) {
  if (v.is_index() && v.index() >= first) v.set_index(v.index() + 1);
}

/// Shifts function references inside `exprs` and meters every loop head and
/// bulk operation in it (`scratch`: the function's scratch i32 local).
inline void rewrite_body(wabt::ExprList& exprs, wabt::Index first, const meter_layout* m,
                         wabt::Index scratch = wabt::kInvalidIndex) {
  for (auto it = exprs.begin(); it != exprs.end(); ++it) {
    wabt::Expr& e = *it;
    if (m != nullptr && scratch != wabt::kInvalidIndex) {
      if (const std::uint64_t unit = bulk_unit(e)) {
        wabt::ExprList seq = bulk_charge(*m, scratch, unit);
        exprs.splice(it, seq);  // before the operation
      }
    }
    switch (e.type()) {
      case wabt::ExprType::Call: shift_func_var(wabt::cast<wabt::CallExpr>(&e)->var, first); break;
      case wabt::ExprType::ReturnCall: shift_func_var(wabt::cast<wabt::ReturnCallExpr>(&e)->var, first); break;
      case wabt::ExprType::RefFunc: shift_func_var(wabt::cast<wabt::RefFuncExpr>(&e)->var, first); break;
      case wabt::ExprType::Block: rewrite_body(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, first, m, scratch); break;
      case wabt::ExprType::Loop: {
        auto& body = wabt::cast<wabt::LoopExpr>(&e)->block.exprs;
        const std::uint64_t cost = region_cost(body) + 1;  // +1: the branch back that re-enters
        rewrite_body(body, first, m, scratch);
        if (m) {
          wabt::ExprList seq = meter_sequence(*m, cost);
          body.splice(body.begin(), seq);
        }
        break;
      }
      case wabt::ExprType::If: {
        auto* i = wabt::cast<wabt::IfExpr>(&e);
        rewrite_body(i->true_.exprs, first, m, scratch);
        rewrite_body(i->false_, first, m, scratch);
        break;
      }
      case wabt::ExprType::Try: {
        auto* t = wabt::cast<wabt::TryExpr>(&e);
        rewrite_body(t->block.exprs, first, m, scratch);
        for (auto& c : t->catches) rewrite_body(c.exprs, first, m, scratch);
        break;
      }
      default: break;
    }
  }
}

/// Index of a `[] -> []` function type, appending one if the module has none.
inline wabt::Index void_func_type(wabt::Module& module) {
  for (wabt::Index i = 0; i < module.types.size(); ++i) {
    if (const auto* ft = wabt::dyn_cast<wabt::FuncType>(module.types[i])) {
      if (ft->sig.param_types.empty() && ft->sig.result_types.empty()) return i;
    }
  }
  auto field = std::make_unique<wabt::TypeModuleField>();
  field->type = std::make_unique<wabt::FuncType>();
  module.AppendField(std::move(field));
  return static_cast<wabt::Index>(module.types.size() - 1);
}

}  // namespace detail

/// Refuses modules nested too deeply for the rewriting walks.
[[nodiscard]] inline result<void> check_nesting(const wabt::Module& module) {
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    if (detail::nesting_depth(module.funcs[i]->exprs, 0) > max_block_depth) {
      return fail(errc::load_error, "function " + std::to_string(i) + " nests blocks deeper than " +
                                        std::to_string(max_block_depth) + " levels");
    }
  }
  return {};
}

/// Rewrites a validated module in place as described at the top of this file.
/// Call check_nesting first.
inline meter_layout insert_metering(wabt::Module& module, std::uint32_t bytes_per_fuel = 64) {
  meter_layout m;
  m.bytes_shift = fuel_shift(bytes_per_fuel);
  const wabt::Location loc;

  // The counter: appended last, so no existing global index moves.
  auto global = std::make_unique<wabt::GlobalModuleField>(loc, "");
  global->global.type = wabt::Type::I64;
  global->global.mutable_ = true;
  global->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  module.AppendField(std::move(global));
  m.fuel_global = static_cast<wabt::Index>(module.globals.size() - 1);

  // The refuel import: the last function import, shifting defined functions by one.
  const wabt::Index type_index = detail::void_func_type(module);
  const wabt::Index first = module.num_func_imports;
  auto import = std::make_unique<wabt::FuncImport>();
  import->module_name = meter_module_name;
  import->field_name = meter_refuel_name;
  import->func.decl.has_func_type = true;
  import->func.decl.type_var = wabt::Var(type_index, loc);
  wabt::Func* refuel = &import->func;
  wabt::Import* raw_import = import.get();
  module.fields.push_back(std::make_unique<wabt::ImportModuleField>(std::move(import), loc));
  module.imports.push_back(raw_import);
  module.funcs.insert(module.funcs.begin() + first, refuel);
  ++module.num_func_imports;
  m.refuel_func = first;

  // Every reference to a function index at or past `first` moves by one.
  for (wabt::Export* e : module.exports) {
    if (e->kind == wabt::ExternalKind::Func) detail::shift_func_var(e->var, first);
  }
  for (wabt::Var* s : module.starts) detail::shift_func_var(*s, first);
  for (wabt::ElemSegment* seg : module.elem_segments) {
    for (wabt::ExprList& list : seg->elem_exprs) detail::rewrite_body(list, first, nullptr);
    detail::rewrite_body(seg->offset, first, nullptr);
  }
  for (wabt::Index g = module.num_global_imports; g < module.globals.size(); ++g) {
    detail::rewrite_body(module.globals[g]->init_expr, first, nullptr);
  }

  // Bodies: shift references, meter loop heads, then meter the entry.
  for (wabt::Index f = module.num_func_imports; f < module.funcs.size(); ++f) {
    wabt::Func* func = module.funcs[f];
    const std::uint64_t cost = detail::region_cost(func->exprs) + 1;  // +1: the call itself
    const wabt::Index scratch = func->GetNumParamsAndLocals();  // appended: no local index moves
    func->local_types.AppendDecl(wabt::Type::I32, 1);
    detail::rewrite_body(func->exprs, first, &m, scratch);
    wabt::ExprList seq = detail::meter_sequence(m, cost);
    func->exprs.splice(func->exprs.begin(), seq);
  }
  return m;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
// ---- end aura/adapters/wasm/metering.hpp

namespace aura::wasm {

/// Table elements a module may declare or grow to (each costs host memory).
inline constexpr std::uint64_t max_table_elements = 1u << 16;

/// What one import of the prepared module is bound to, in import order.
struct import_binding {
  bool refuel = false;    ///< the metering's aura_meter.refuel
  host_fn fn = host_fn::log;
};

/// A module ready to instantiate: decoded for WABT's interpreter, with its ABI
/// checked and its limits applied. Immutable and shared by every instance.
struct compiled_module {
  std::string name;
  wasm_limits limits;
  grants granted;
  wabt::Features features;
  wabt::interp::ModuleDesc desc;
  std::optional<meter_layout> meter;   ///< empty when metering is off
  std::vector<import_binding> imports;
  bool has_initialize = false;
  std::size_t original_bytes = 0;
  std::size_t prepared_bytes = 0;      ///< after metering was inserted
};

namespace detail {

inline std::string type_list(const std::vector<wabt::Type>& types) {
  std::string out = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i) out += ", ";
    out += types[i].GetName();
  }
  return out + ")";
}

inline std::string signature(const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results) {
  return type_list(params) + " -> " + type_list(results);
}

inline const char* kind_name(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func: return "a function";
    case wabt::ExternalKind::Table: return "a table";
    case wabt::ExternalKind::Memory: return "a memory";
    case wabt::ExternalKind::Global: return "a global";
    case wabt::ExternalKind::Tag: return "a tag";
  }
  return "something else";
}

inline std::string wabt_errors(const wabt::Errors& errors) {
  std::string text = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? std::string("malformed module") : text;
}

/// Checks an export's presence, kind and (for functions) signature.
inline result<void> check_export(const wabt::Module& m, std::string_view name, wabt::ExternalKind kind,
                                 const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results,
                                 bool required) {
  const wabt::Export* e = m.GetExport(name);
  if (!e) {
    if (!required) return {};
    return fail(errc::load_error, "missing export \"" + std::string(name) + "\"");
  }
  if (e->kind != kind) {
    return fail(errc::load_error, "export \"" + std::string(name) + "\" is " + kind_name(e->kind) + ", expected " +
                                      kind_name(kind));
  }
  if (kind == wabt::ExternalKind::Func) {
    const wabt::Func* f = m.GetFunc(e->var);
    if (!f) return fail(errc::load_error, "export \"" + std::string(name) + "\" names no function");
    const auto& sig = f->decl.sig;
    if (sig.param_types != params || sig.result_types != results) {
      return fail(errc::load_error, "export \"" + std::string(name) + "\" has signature " +
                                        signature(sig.param_types, sig.result_types) + ", expected " +
                                        signature(params, results));
    }
  }
  return {};
}

}  // namespace detail

/// Checks the exports the ABI needs: `memory`, `aura_alloc: (i32) -> (i32)`,
/// `aura_on_event: (i32, i32) -> (i32)`; optional `_initialize: () -> ()` and
/// the `aura_abi_v1` marker (any kind). A module marking only another ABI
/// version (`aura_abi_v2`, ...) is refused as a version mismatch.
[[nodiscard]] inline result<void> check_exports(const wabt::Module& m) {
  using T = wabt::Type;
  if (auto r = detail::check_export(m, "memory", wabt::ExternalKind::Memory, {}, {}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_alloc", wabt::ExternalKind::Func, {T::I32}, {T::I32}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_on_event", wabt::ExternalKind::Func, {T::I32, T::I32}, {T::I32}, true); !r) {
    return r;
  }
  if (auto r = detail::check_export(m, "_initialize", wabt::ExternalKind::Func, {}, {}, false); !r) return r;
  if (!m.GetExport("aura_abi_v1")) {
    for (const wabt::Export* e : m.exports) {
      if (e->name.rfind("aura_abi_v", 0) == 0) {
        return fail(errc::version_mismatch, "module marks ABI \"" + e->name + "\"; this host speaks aura_abi_v1");
      }
    }
  }
  return {};
}

/// Checks every import against the host functions and the plugin's grants,
/// returning what each is bound to.
[[nodiscard]] inline result<std::vector<import_binding>> check_imports(const wabt::Module& m, const grants& g) {
  std::vector<import_binding> out;
  for (const wabt::Import* imp : m.imports) {
    const std::string full = imp->module_name + "." + imp->field_name;
    if (imp->kind() != wabt::ExternalKind::Func) {
      return fail(errc::load_error, "import \"" + full + "\" is " + detail::kind_name(imp->kind()) +
                                        "; a plugin imports only aura.* functions");
    }
    if (imp->module_name != "aura") {
      return fail(errc::load_error, "import \"" + full + "\" is not provided: only module \"aura\" is linked");
    }
    const host_fn_spec* spec = nullptr;
    for (const auto& s : host_fns()) {
      if (s.name == imp->field_name) spec = &s;
    }
    if (!spec) return fail(errc::load_error, "import \"" + full + "\" is not an aura host function");
    if (!g.allows(spec->fn)) {
      return fail(errc::permission_denied, "import \"" + full + "\" is not granted by the plugin's permissions (needs " +
                                               std::string(grants::requirement(spec->fn)) + ")");
    }
    const auto& sig = wabt::cast<wabt::FuncImport>(imp)->func.decl.sig;
    if (sig.param_types != spec->params || sig.result_types != spec->results) {
      return fail(errc::load_error, "import \"" + full + "\" has signature " +
                                        detail::signature(sig.param_types, sig.result_types) + ", expected " +
                                        detail::signature(spec->params, spec->results));
    }
    out.push_back(import_binding{false, spec->fn});
  }
  return out;
}

/// Lowers memory and table maxima to the caps; refuses initial sizes above them.
[[nodiscard]] inline result<void> apply_caps(wabt::Module& m, const wasm_limits& limits) {
  for (wabt::Memory* mem : m.memories) {
    auto& l = mem->page_limits;
    if (l.initial > limits.memory_pages) {
      return fail(errc::limit_exceeded, "memory declares " + std::to_string(l.initial) +
                                            " initial pages, more than the cap of " +
                                            std::to_string(limits.memory_pages));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, limits.memory_pages) : limits.memory_pages;
    l.has_max = true;
  }
  for (wabt::Table* t : m.tables) {
    auto& l = t->elem_limits;
    if (l.initial > max_table_elements) {
      return fail(errc::limit_exceeded, "table declares " + std::to_string(l.initial) +
                                            " initial elements, more than the cap of " +
                                            std::to_string(max_table_elements));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, max_table_elements) : max_table_elements;
    l.has_max = true;
  }
  return {};
}

/// Decodes, validates, checks and prepares `bytes`. Every refusal is a
/// load_error (or limit_exceeded / permission_denied / version_mismatch) whose
/// message names the export, import or limit at fault.
[[nodiscard]] inline result<std::shared_ptr<const compiled_module>> compile_module(const std::uint8_t* data,
                                                                                  std::size_t size,
                                                                                  std::string name,
                                                                                  const wasm_limits& limits,
                                                                                  const grants& g) {
  if (size > limits.module_bytes) {
    return fail(errc::limit_exceeded, "module is " + std::to_string(size) + " bytes, more than the limit of " +
                                          std::to_string(limits.module_bytes));
  }
  if (size < 8) return fail(errc::load_error, "not a WebAssembly module: " + std::to_string(size) + " bytes");
  auto out = std::make_shared<compiled_module>();
  out->name = std::move(name);
  out->limits = limits;
  out->granted = g;
  out->original_bytes = size;
  const std::string file = out->name.empty() ? std::string("<wasm>") : out->name;

  wabt::Module ir;
  wabt::Errors errors;
  {
    const wabt::ReadBinaryOptions options(out->features, nullptr, /*read_debug_names=*/false,
                                          /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
    if (wabt::Failed(wabt::ReadBinaryIr(file.c_str(), data, size, options, &errors, &ir))) {
      return fail(errc::load_error, "malformed module: " + detail::wabt_errors(errors));
    }
  }
  if (wabt::Failed(wabt::ValidateModule(&ir, &errors, wabt::ValidateOptions(out->features)))) {
    return fail(errc::load_error, "invalid module: " + detail::wabt_errors(errors));
  }
  if (auto r = check_exports(ir); !r) return fail(std::move(r.error()));
  auto imports = check_imports(ir, g);
  if (!imports) return fail(std::move(imports.error()));
  out->imports = std::move(*imports);
  out->has_initialize = ir.GetExport("_initialize") != nullptr;
  if (auto r = apply_caps(ir, limits); !r) return fail(std::move(r.error()));
  if (auto r = check_nesting(ir); !r) return fail(std::move(r.error()));
  if (limits.metering) {
    out->meter = insert_metering(ir, limits.bytes_per_fuel);
    // The refuel import was appended after the module's own imports.
    out->imports.push_back(import_binding{true, host_fn::log});
  }

  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &ir, wabt::WriteBinaryOptions(out->features, true, false, false)))) {
    return fail(errc::load_error, "could not re-encode the module after metering");
  }
  const std::vector<std::uint8_t>& prepared = stream.output_buffer().data;
  out->prepared_bytes = prepared.size();
  errors.clear();
  const wabt::ReadBinaryOptions options(out->features, nullptr, false, true, false);
  if (wabt::Failed(wabt::interp::ReadBinaryInterp(file, prepared.data(), prepared.size(), options, &errors,
                                                  &out->desc))) {
    // The original validated, so this is the metering's fault, not the plugin's.
    return fail(errc::load_error, "metered module failed to decode: " + detail::wabt_errors(errors));
  }
  return std::shared_ptr<const compiled_module>(std::move(out));
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
// ---- end aura/adapters/wasm/module.hpp

namespace aura::wasm {

class instance {
 public:
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;
  ~instance() {
    // RefPtrs and the thread refer to the store: release them first.
    alloc_.reset();
    on_event_.reset();
    extra_.clear();
    memory_.reset();
    fuel_.reset();
    inst_.reset();
    thread_.reset();
  }

  /// Instantiates `module` (running its start function and `_initialize`
  /// under the call limits). `ctx` serves host calls made while initialising.
  [[nodiscard]] static result<std::unique_ptr<instance>> create(std::shared_ptr<const compiled_module> module,
                                                                context* ctx) {
    std::unique_ptr<instance> self(new instance(std::move(module)));
    if (auto r = self->instantiate(ctx); !r) return fail(std::move(r.error()));
    return self;
  }

  /// Runs one event: writes `request` into guest memory through aura_alloc,
  /// calls aura_on_event and returns the bytes handed to aura.output_set.
  /// Any error leaves `broken()` set when the instance must not be reused.
  /// `deadline` (when not zero) replaces the limits' deadline for this call.
  [[nodiscard]] result<std::string> handle(std::string_view request, context* ctx,
                                           std::chrono::milliseconds deadline = {}) {
    if (request.size() > module_->limits.input_bytes) {
      return fail(errc::limit_exceeded, "request is " + std::to_string(request.size()) +
                                            " bytes, more than the input limit of " +
                                            std::to_string(module_->limits.input_bytes));
    }
    begin_call(ctx, deadline);
    const auto len = static_cast<std::uint32_t>(request.size());
    auto ptr = call_i32(alloc_, {wabt::interp::Value::Make(len)}, "aura_alloc");
    if (!ptr) return fail(std::move(ptr.error()));
    const auto p = static_cast<std::uint32_t>(*ptr);
    if (static_cast<std::uint64_t>(p) + len > memory_->ByteSize() || (p == 0 && len > 0)) {
      broken_ = true;
      return fail(errc::protocol_error, "aura_alloc(" + std::to_string(len) + ") returned " + std::to_string(p) +
                                            ", which is null or outside guest memory (" +
                                            std::to_string(memory_->ByteSize()) + " bytes)");
    }
    if (len > 0) std::memcpy(memory_->UnsafeData() + p, request.data(), len);
    auto rc = call_i32(on_event_, {wabt::interp::Value::Make(p), wabt::interp::Value::Make(len)}, "aura_on_event");
    if (!rc) return fail(std::move(rc.error()));
    if (*rc != 0) {
      return fail(errc::hook_failed, "aura_on_event returned " + std::to_string(*rc) +
                                         (state_.has_error ? ": " + state_.error_message : std::string()));
    }
    if (!state_.has_output) {
      return fail(errc::protocol_error, "aura_on_event returned 0 without calling aura.output_set");
    }
    return std::move(state_.output);
  }

  /// Calls an exported `[] -> []` function under the call limits (benchmarks, tests).
  [[nodiscard]] result<void> call_void(std::string_view export_name, context* ctx) {
    auto f = find_func(export_name);
    if (!f) return fail(errc::not_found, "no exported function \"" + std::string(export_name) + "\"");
    begin_call(ctx);
    wabt::interp::Values results;
    return run(*f, {}, results, export_name);
  }

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  [[nodiscard]] std::uint64_t memory_pages() const { return memory_->PageSize(); }
  /// Fuel the last call used (0 without metering).
  [[nodiscard]] std::uint64_t fuel_used() const {
    if (!fuel_) return 0;
    const auto left = static_cast<std::int64_t>(fuel_->Get().Get<std::uint64_t>());
    const std::uint64_t granted = state_.budget - state_.budget_left;
    return left >= 0 ? granted - static_cast<std::uint64_t>(left) : granted + static_cast<std::uint64_t>(-left);
  }
  [[nodiscard]] const call_state& last_call() const noexcept { return state_; }

 private:
  explicit instance(std::shared_ptr<const compiled_module> module) : module_(std::move(module)) {}

  result<void> instantiate(context* ctx) {
    using namespace wabt::interp;
    store_ = std::make_unique<Store>(module_->features);
    Module::Ptr mod = Module::New(*store_, module_->desc);
    RefVec imports;
    std::vector<HostFunc::Ptr> keep;  // rooted until the instance references them
    for (const import_binding& b : module_->imports) {
      if (b.refuel) {
        keep.push_back(HostFunc::New(*store_, FuncType({}, {}),
                                     [this](Thread& thread, const Values&, Values&, Trap::Ptr* trap) {
                                       return refuel(thread, trap);
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      const host_fn_spec& spec = host_fns()[static_cast<std::size_t>(b.fn)];
      const host_fn fn = b.fn;
      keep.push_back(HostFunc::New(*store_, FuncType(spec.params, spec.results),
                                      [this, fn](Thread& thread, const Values& params, Values& results,
                                                 Trap::Ptr* trap) -> wabt::Result {
                                        std::string message;
                                        // A raw pointer: copying a RefPtr takes an interpreter root per call.
                                        Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                        if (memory && run_host_fn(fn, state_, *memory, params, results, message)) {
                                          return charge_host_call(thread, trap);
                                        }
                                        if (!memory) message = "aura.* called with no memory";
                                        *trap = Trap::New(*store_, message);
                                        return wabt::Result::Error;
                                      }));
      imports.push_back(keep.back().ref());
    }
    thread_ = std::make_unique<Thread>(*store_);
    begin_call(ctx);
    // A start function runs inside Instantiate, before the exports are looked
    // up here: host functions then find memory and counter through the
    // calling instance (caller_memory, caller_fuel).
    Trap::Ptr trap;
    inst_ = Instance::Instantiate(*store_, mod.ref(), imports, &trap);
    if (!inst_) {
      broken_ = true;
      return fail(state_.fault ? *state_.fault
                               : error{errc::load_error,
                                       "instantiation failed: " + (trap ? trap->message() : std::string("unknown")),
                                       {}, {}, {}});
    }
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      const std::string& n = exports[i].name;
      const Ref ref = inst_->exports()[i];
      if (n == "memory") memory_ = store_->UnsafeGet<Memory>(ref);
      if (n == "aura_alloc") alloc_ = store_->UnsafeGet<Func>(ref);
      if (n == "aura_on_event") on_event_ = store_->UnsafeGet<Func>(ref);
    }
    if (module_->meter) fuel_ = store_->UnsafeGet<Global>(inst_->globals()[module_->meter->fuel_global]);
    if (module_->has_initialize) {
      if (auto r = call_void("_initialize", ctx); !r) return fail(std::move(r.error()));
    }
    return {};
  }

  void begin_call(context* ctx, std::chrono::milliseconds deadline = {}) {
    state_.ctx = ctx;
    state_.reset_outputs();
    state_.output_limit = module_->limits.output_bytes;
    state_.budget = module_->limits.fuel;
    state_.budget_left = module_->limits.fuel;
    state_.slice = std::max<std::uint64_t>(1, module_->limits.fuel_slice);
    state_.deadline_ms = deadline.count() > 0 ? deadline : module_->limits.deadline;
    state_.deadline = std::chrono::steady_clock::now() + state_.deadline_ms;
    state_.host_bytes = 0;
    if (fuel_) {
      // The first slice goes straight into the counter: no host call for short events.
      const std::uint64_t first = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= first;
      fuel_->UnsafeSet(wabt::interp::Value::Make(first));
    }
  }

  /// Fuel a host call costs besides its bytes (a call is far dearer than an instruction).
  static constexpr std::int64_t host_call_fuel = 100;

  /// After a host function: charges the call and the guest bytes it read
  /// (one fuel per 2^bytes_shift) and reads the clock, so host-call spam ends
  /// at the deadline or the budget like any loop.
  wabt::Result charge_host_call(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    if (!module_->meter) return wabt::Result::Ok;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) return wabt::Result::Ok;
    const std::uint64_t bytes = state_.host_bytes;
    state_.host_bytes = 0;
    auto counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    counter -= host_call_fuel + static_cast<std::int64_t>(bytes >> module_->meter->bytes_shift);
    fuel->UnsafeSet(wabt::interp::Value::Make(static_cast<std::uint64_t>(counter)));
    if (counter < 0 || std::chrono::steady_clock::now() >= state_.deadline) return refuel(thread, trap);
    return wabt::Result::Ok;
  }

  /// The metering's refuel import: the counter went below zero.
  wabt::Result refuel(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    using wabt::interp::Value;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) {
      *trap = wabt::interp::Trap::New(*store_, "aura_meter.refuel: no fuel counter");
      return wabt::Result::Error;
    }
    std::int64_t counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    auto stop = [&](errc code, std::string message) {
      state_.fault = error{code, message, {}, {}, {}};
      *trap = wabt::interp::Trap::New(*store_, message);
      return wabt::Result::Error;
    };
    if (std::chrono::steady_clock::now() >= state_.deadline) {
      return stop(errc::timeout, "wall-clock deadline of " + std::to_string(state_.deadline_ms.count()) +
                                     " ms passed");
    }
    while (counter < 0) {
      if (state_.budget_left == 0) {
        return stop(errc::limit_exceeded, "fuel exhausted: the call ran past its budget of " +
                                              std::to_string(state_.budget) + " instructions");
      }
      const std::uint64_t grant = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= grant;
      counter += static_cast<std::int64_t>(grant);
    }
    fuel->UnsafeSet(Value::Make(static_cast<std::uint64_t>(counter)));
    return wabt::Result::Ok;
  }

  /// During the start function: the memory of the calling instance (owned by the store).
  wabt::interp::Memory* caller_memory(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || caller->memories().empty()) return nullptr;
    return store_->UnsafeGet<wabt::interp::Memory>(caller->memories()[0]).get();
  }
  wabt::interp::Global::Ptr caller_fuel(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || !module_->meter || caller->globals().size() <= module_->meter->fuel_global) return {};
    return store_->UnsafeGet<wabt::interp::Global>(caller->globals()[module_->meter->fuel_global]);
  }

  /// An exported function by name, looked up once and kept (the lookup walks
  /// the export list and takes interpreter roots; repeated calls should not).
  [[nodiscard]] wabt::interp::Func::Ptr* find_func(std::string_view name) {
    if (name == "aura_alloc") return &alloc_;
    if (name == "aura_on_event") return &on_event_;
    for (auto& [n, f] : extra_) {
      if (n == name) return &f;
    }
    auto mod = store_->UnsafeGet<wabt::interp::Module>(inst_->module());
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      if (exports[i].name == name && exports[i].type->kind == wabt::ExternalKind::Func) {
        extra_.emplace_back(std::string(name), store_->UnsafeGet<wabt::interp::Func>(inst_->exports()[i]));
        return &extra_.back().second;
      }
    }
    return nullptr;
  }

  result<void> run(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, wabt::interp::Values& results,
                   std::string_view what) {
    wabt::interp::Trap::Ptr trap;
    if (wabt::Succeeded(f->Call(*thread_, params, results, &trap))) return {};
    broken_ = true;
    if (state_.fault) return fail(*state_.fault);
    return fail(errc::hook_failed,
                "trap in " + std::string(what) + ": " + (trap ? trap->message() : std::string("unknown")));
  }

  result<std::int32_t> call_i32(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, std::string_view what) {
    wabt::interp::Values results;
    if (auto r = run(f, params, results, what); !r) return fail(std::move(r.error()));
    return static_cast<std::int32_t>(results.at(0).Get<std::uint32_t>());
  }

  std::shared_ptr<const compiled_module> module_;
  std::unique_ptr<wabt::interp::Store> store_;
  std::unique_ptr<wabt::interp::Thread> thread_;
  wabt::interp::Instance::Ptr inst_;
  wabt::interp::Memory::Ptr memory_;
  wabt::interp::Func::Ptr alloc_;
  wabt::interp::Func::Ptr on_event_;
  std::list<std::pair<std::string, wabt::interp::Func::Ptr>> extra_;  ///< stable addresses
  wabt::interp::Global::Ptr fuel_;
  call_state state_;
  bool broken_ = false;
};

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
// ---- end aura/adapters/wasm/instance.hpp
// ---- begin aura/adapters/wasm/pool.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
// aura/adapters/wasm/pool.hpp - a small pool of instances so concurrent calls never
// share one; a broken (trapped) instance is dropped and a fresh one made on demand.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>


namespace aura::wasm {

class instance_pool {
 public:
  /// Hands an instance back on destruction (or drops it if it broke).
  class lease {
   public:
    lease(instance_pool* pool, std::unique_ptr<instance> inst) : pool_(pool), inst_(std::move(inst)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), inst_(std::move(o.inst_)) { o.pool_ = nullptr; }
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (pool_ && inst_) pool_->give_back(std::move(inst_));
    }
    instance* operator->() const noexcept { return inst_.get(); }
    instance& operator*() const noexcept { return *inst_; }

   private:
    instance_pool* pool_;
    std::unique_ptr<instance> inst_;
  };

  instance_pool(std::shared_ptr<const compiled_module> module, std::size_t max_instances)
      : module_(std::move(module)), max_(max_instances == 0 ? 1 : max_instances) {}

  /// Seeds the pool with a ready instance (the one load made to check instantiation).
  void seed(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++live_;
    idle_.push_back(std::move(inst));
  }

  /// An idle instance, a new one if fewer than the maximum are alive, or the
  /// next one handed back, waiting at most until `deadline`.
  [[nodiscard]] result<lease> acquire(std::chrono::steady_clock::time_point deadline, context* ctx) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (idle_.empty() && live_ >= max_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && live_ >= max_) {
        return fail(errc::timeout, "all " + std::to_string(max_) + " instances stayed busy until the deadline");
      }
    }
    if (!idle_.empty()) {
      auto inst = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(inst));
    }
    ++live_;
    lock.unlock();
    auto made = instance::create(module_, ctx);
    if (!made) {
      lock.lock();
      --live_;
      cv_.notify_one();
      return fail(std::move(made.error()));
    }
    created_.fetch_add(1, std::memory_order_relaxed);
    return lease(this, std::move(*made));
  }

  [[nodiscard]] std::size_t instances_created() const noexcept { return created_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t live() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  void give_back(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inst->broken()) {
      --live_;
      inst.reset();
    } else {
      idle_.push_back(std::move(inst));
    }
    cv_.notify_one();
  }

  std::shared_ptr<const compiled_module> module_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<instance>> idle_;
  std::size_t live_ = 0;
  std::atomic<std::size_t> created_{0};
};

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
// ---- end aura/adapters/wasm/pool.hpp
// ---- begin aura/adapters/wasm/request.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
// aura/adapters/wasm/request.hpp - the wire request written straight into a string.
//
// Byte for byte what `aura::wire::request(hook, event, config).dump()` gives
// (members in nlohmann's sorted order, compact), without first copying the
// event's data into a new JSON tree: on the small events the round-trip budget
// is about, building that tree was most of the host's cost.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>


namespace aura::wasm {

namespace detail {
inline void append_json(std::string& out, const nlohmann::json& j) {
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
inline void append_string(std::string& out, std::string_view s) {
  bool plain = true;  // the common case: nothing to escape, valid ASCII
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out.append(s.data(), s.size());
    out += '"';
  } else {
    append_json(out, nlohmann::json(std::string(s)));
  }
}
}  // namespace detail

/// Writes the request for one hook call into `out` (replacing its contents).
inline void write_request(std::string& out, std::string_view hook, const envelope<dynamic_event>& event,
                          const nlohmann::json& config) {
  static const nlohmann::json empty = nlohmann::json::object();
  out.clear();
  out += "{\"aura\":";
  out += std::to_string(wire::version);
  out += ",\"config\":";
  detail::append_json(out, config.is_null() ? empty : config);
  out += ",\"event\":{\"data\":";
  detail::append_json(out, event.data);
  out += ",\"id\":";
  detail::append_string(out, event.id);
  out += ",\"meta\":";
  detail::append_json(out, event.meta.is_null() ? empty : event.meta);
  out += ",\"name\":";
  detail::append_string(out, event.name);
  out += ",\"session\":";
  detail::append_string(out, event.session);
  out += ",\"source\":";
  detail::append_string(out, event.source);
  out += ",\"time\":";
  detail::append_string(out, format_time(event.time));
  out += "},\"hook\":";
  detail::append_string(out, hook);
  out += '}';
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
// ---- end aura/adapters/wasm/request.hpp

namespace aura {

struct wasm_options {
  std::string name;           ///< the plugin's name (errors, logs)
  wasm_limits limits;
  /// The plugin's own context: its permissions decide which capability
  /// imports are linked, and host calls go through it. When null, the
  /// context passed at dispatch serves host calls and the link decision uses
  /// default `aura::permissions{}` (config and log only).
  std::shared_ptr<context> ctx;
};

/// Counters of one plugin, readable while it runs.
struct wasm_stats {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;             ///< calls that returned an error
  std::uint64_t traps = 0;              ///< calls that ended with the instance dropped
  std::uint64_t instances_created = 0;  ///< including the one made at load
  std::uint64_t peak_memory_pages = 0;  ///< largest memory seen after a call
  std::uint64_t last_fuel_used = 0;     ///< instructions the latest call was charged
};

class wasm_plugin : public std::enable_shared_from_this<wasm_plugin> {
 public:
  /// Reads and loads a `.wasm` file.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load(const std::filesystem::path& file,
                                                                 wasm_options options) {
    auto text = detail::read_plugin_file(file, "WASM module", options.name);
    if (!text) return fail(std::move(text.error()));
    std::vector<std::uint8_t> bytes(text->begin(), text->end());
    if (options.name.empty()) options.name = file.stem().string();
    auto loaded = load_bytes(std::move(bytes), std::move(options));
    if (!loaded && loaded.error().where.empty()) loaded.error().where = file.string();
    return loaded;
  }

  /// Loads a module from memory: decode, validate, check the ABI and the
  /// imports against the permissions, cap memory, meter, instantiate once.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load_bytes(std::vector<std::uint8_t> bytes,
                                                                       wasm_options options) {
    const permissions perms = options.ctx ? options.ctx->perms() : permissions{};
    auto compiled =
        wasm::compile_module(bytes.data(), bytes.size(), options.name, options.limits, wasm::grants::from(perms));
    if (!compiled) return fail(std::move(compiled.error()).with_plugin(options.name));
    std::shared_ptr<wasm_plugin> self(new wasm_plugin(std::move(options), std::move(*compiled)));
    // One instance now, so a module that cannot instantiate (start trap, bad
    // data segment) fails to load rather than on its first event.
    auto first = wasm::instance::create(self->module_, self->options_.ctx.get());
    if (!first) {
      error e = std::move(first.error());
      if (e.code == errc::hook_failed) e.code = errc::load_error;
      return fail(std::move(e).with_plugin(self->options_.name));
    }
    self->pool_.seed(std::move(*first));
    self->created_.fetch_add(1, std::memory_order_relaxed);
    return self;
  }

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const wasm_limits& limits() const noexcept { return options_.limits; }
  [[nodiscard]] const wasm::compiled_module& module() const noexcept { return *module_; }

  /// The hook for `handler` (the "hook" member of each request). `timeout`
  /// (a manifest hook's `timeout_ms`), when not zero, replaces
  /// `limits.deadline` for this hook's calls. The closure keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    std::shared_ptr<wasm_plugin> self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& event, context& ctx) {
      return self->call(handler, event, ctx, timeout);
    };
  }

  /// One call: request out, decision back. Errors name plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    context& ctx = options_.ctx ? *options_.ctx : dispatch_ctx;
    calls_.fetch_add(1, std::memory_order_relaxed);
    auto answer = run(handler, event, ctx, timeout.count() > 0 ? timeout : options_.limits.deadline);
    if (!answer) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      answer = fail(std::move(answer.error()).with_plugin(options_.name).with_hook(handler));
    }
    aura::detail::check_plugin_answer(answer, ctx, options_.name, handler);
    return answer;
  }

  [[nodiscard]] wasm_stats stats() const {
    wasm_stats s;
    s.calls = calls_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.traps = traps_.load(std::memory_order_relaxed);
    s.instances_created = created_.load(std::memory_order_relaxed) + pool_.instances_created();
    s.peak_memory_pages = peak_pages_.load(std::memory_order_relaxed);
    s.last_fuel_used = last_fuel_.load(std::memory_order_relaxed);
    return s;
  }

  /// An instance of this plugin for direct use (benchmarks, tests of the
  /// raw ABI); it returns to the pool when the lease ends, which must be
  /// before the plugin is destroyed.
  [[nodiscard]] result<wasm::instance_pool::lease> lease_instance() {
    return pool_.acquire(std::chrono::steady_clock::now() + options_.limits.deadline, options_.ctx.get());
  }

 private:
  wasm_plugin(wasm_options options, std::shared_ptr<const wasm::compiled_module> module)
      : options_(std::move(options)), module_(std::move(module)), pool_(module_, options_.limits.max_instances) {}

  result<decision<dynamic_event>> run(const std::string& handler, const envelope<dynamic_event>& event, context& ctx,
                                      std::chrono::milliseconds deadline) {
    std::string request;
    request.reserve(512);
    wasm::write_request(request, handler, event, ctx.config());
    auto inst = pool_.acquire(std::chrono::steady_clock::now() + deadline, &ctx);
    if (!inst) return fail(std::move(inst.error()));
    auto out = (*inst)->handle(request, &ctx, deadline);
    note_call(**inst);
    if (!out) return fail(std::move(out.error()));
    return wire::parse_decision(std::string_view(*out), options_.limits.answer);
  }

  void note_call(const wasm::instance& inst) {
    if (inst.broken()) traps_.fetch_add(1, std::memory_order_relaxed);
    last_fuel_.store(inst.fuel_used(), std::memory_order_relaxed);
    const std::uint64_t pages = inst.memory_pages();
    std::uint64_t peak = peak_pages_.load(std::memory_order_relaxed);
    while (pages > peak && !peak_pages_.compare_exchange_weak(peak, pages, std::memory_order_relaxed)) {
    }
  }

  wasm_options options_;
  std::shared_ptr<const wasm::compiled_module> module_;
  wasm::instance_pool pool_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> traps_{0};
  std::atomic<std::uint64_t> created_{0};
  std::atomic<std::uint64_t> peak_pages_{0};
  std::atomic<std::uint64_t> last_fuel_{0};
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_HPP
// ---- end aura/adapters/wasm.hpp

namespace aura::plugin {

namespace detail {
class wasm_instance final : public plugin_instance {
 public:
  explicit wasm_instance(std::shared_ptr<wasm_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler, spec.timeout); }

 private:
  std::shared_ptr<wasm_plugin> p_;
};
}  // namespace detail

/// `limits` in manifest form (what wasm_limits_from_json reads back).
[[nodiscard]] inline nlohmann::json wasm_limits_to_json(const wasm_limits& l) {
  return nlohmann::json{{"memory_pages", l.memory_pages}, {"input_bytes", l.input_bytes},
                        {"output_bytes", l.output_bytes}, {"fuel", l.fuel},
                        {"deadline_ms", l.deadline.count()}, {"fuel_slice", l.fuel_slice},
                        {"max_instances", l.max_instances}, {"module_bytes", l.module_bytes}};
}

/// The loader for "wasm" plugins in the host process only, whatever the isolation asked.
[[nodiscard]] inline runtime_loader wasm_in_process_loader(wasm_limits limits) {
  return [limits](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    wasm_options o;
    o.name = req.spec.name;
    // the manifest's limits over the host's
    auto merged = detail::manifest_limits(req.spec, limits, [](const nlohmann::json& j, const wasm_limits& d) {
      return wasm_limits_from_json(j, d);
    });
    if (!merged) return fail(std::move(merged.error()));
    o.limits = *merged;
    o.ctx = req.ctx;
    auto p = wasm_plugin::load(req.spec.dir / req.spec.runtime.entrypoint, std::move(o));
    if (!p) return fail(detail::adapter_load_error(std::move(p.error()), req.spec));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::wasm_instance>(std::move(*p)));
  };
}

/// The loader for "wasm" plugins, with the sandbox's limits: in process when
/// the host resolved `in_process` for the plugin, else isolated (the default).
[[nodiscard]] inline runtime_loader wasm_loader(wasm_limits limits = {}) {
  return isolating_loader(runtime_kind::wasm, wasm_in_process_loader(limits), wasm_limits_to_json(limits));
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIMES_WASM_HPP
// ---- end aura/plugin/runtimes/wasm.hpp
#endif
#if AURA_PLUGIN_LUA
// ---- begin aura/plugin/runtimes/lua.hpp
#ifndef AURA_SI_AURA_PLUGIN_RUNTIMES_LUA_HPP
#define AURA_SI_AURA_PLUGIN_RUNTIMES_LUA_HPP
// aura/plugin/runtimes/lua.hpp - "lua" plugins through aura/adapters/lua.hpp
// (needs Lua 5.4: link aura::lua). `entrypoint` is the script in the plugin directory.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <utility>

// ---- begin aura/adapters/lua.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_HPP
// aura/adapters/lua.hpp - plugins written in Lua 5.4, run in a sandboxed,
// bounded state inside the host process (DESIGN §5 "lua").
//
//   auto plugin = aura::lua_plugin::load("guard.lua", {"guard", {}, ctx});
//   bus.on("intent.before_log", "guard", (*plugin)->hook("on_intent"));
//
// A script defines global functions named after its handlers. Each gets the
// event (the wire "event" object as a table) and a context table
// {hook=, plugin=, config=}, and returns aura.allow(), aura.deny(reason) or
// aura.mutate(patch [, format]) (each with optional effects). The plugin
// author's guide is docs/adapters/lua.md.

#include <cstddef>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

// ---- begin aura/adapters/lua/call.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_CALL_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_CALL_HPP
// aura/adapters/lua/call.hpp - one handler call: the request turned into Lua
// arguments, the protected call, and the answer turned back into a decision.

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <lua.hpp>
#include <nlohmann/json.hpp>

// ---- begin aura/adapters/lua/json.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_JSON_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_JSON_HPP
// aura/adapters/lua/json.hpp - JSON <-> Lua values, with the rules in docs/adapters/lua.md.
//
// JSON -> Lua                          Lua -> JSON
//   null          -> aura.null           aura.null (and a top-level nil) -> null
//   true/false    -> boolean             boolean -> true/false
//   integer       -> integer             integer (math.type "integer") -> integer
//   float (1.0)   -> float               float -> float (NaN and infinities are errors)
//   > 2^63-1      -> float               string -> string (must be valid UTF-8)
//   string        -> string              table marked by aura.array -> array (keys 1..n exactly)
//   array         -> table marked as     table with keys 1..n exactly (n >= 1) -> array
//                    array (keys 1..n)   empty unmarked table -> {}
//   object        -> table, string keys  other table: string keys, integer keys written
//                                          in decimal ("10"); any other key is an error;
//                                          two keys with one spelling are an error
//                                        a table met again inside itself -> error (cycle)
//                                        nesting deeper than max_depth -> error
//                                        function, userdata, thread -> error
//
// Lua -> JSON reads raw table contents (no metamethod runs) and never raises a
// Lua error, so it may be called outside protected mode. JSON -> Lua allocates
// Lua objects and so may raise: call push_json inside a protected call, or use
// push_json_protected.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>


namespace aura::lua {

/// Bounds of one conversion.
struct json_limits {
  std::size_t max_depth = 128;                    ///< deepest container nesting, either way
  std::size_t max_nodes = 100'000;                ///< Lua -> JSON: values made (a shared table counts each time); 0 = unbounded
  std::size_t max_bytes = std::size_t{16} << 20;  ///< Lua -> JSON: string bytes copied (values and keys); 0 = unbounded
};

namespace detail {
// Addresses only: their values never matter. Inline variables have one
// address across translation units.
inline const char null_tag = 0;
inline const char array_mt_tag = 0;
}  // namespace detail

/// The light userdata that stands for JSON null (`aura.null`).
[[nodiscard]] inline void* null_sentinel() noexcept {
  return const_cast<char*>(&detail::null_tag);  // NOLINT: used as an identity only, never written
}

[[nodiscard]] inline bool is_null_sentinel(lua_State* L, int idx) noexcept {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == null_sentinel();
}

/// Pushes the metatable that marks a table as a JSON array, creating it on
/// first use. Its `__metatable` field hides it from getmetatable/setmetatable
/// in scripts, so a script cannot unmark or repurpose it. May raise.
inline void push_array_metatable(lua_State* L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "aura.array");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "aura.array");
  lua_setfield(L, -2, "__metatable");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag);
}

/// Whether the table at `idx` carries the array mark. Never raises.
[[nodiscard]] inline bool is_marked_array(lua_State* L, int idx) noexcept {
  if (!lua_checkstack(L, 2) || !lua_getmetatable(L, idx)) return false;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag);
  const bool marked = lua_rawequal(L, -1, -2) != 0;
  lua_pop(L, 2);
  return marked;
}

/// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
[[nodiscard]] inline bool valid_utf8(const char* s, std::size_t n) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

namespace detail {

// Everything in push_value lives in trivially destructible locals, because a
// Lua error (a longjmp) may leave it at any lua_* call.
static_assert(std::is_trivially_destructible_v<nlohmann::json::object_t::const_iterator>);
static_assert(std::is_trivially_destructible_v<nlohmann::json::array_t::const_iterator>);

/// Pushes `j`; the array metatable is at absolute index `array_mt`.
inline void push_value(lua_State* L, const nlohmann::json& j, int array_mt, std::size_t depth,
                       std::size_t max_depth) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      lua_pushlightuserdata(L, null_sentinel());
      return;
    case nlohmann::json::value_t::boolean:
      lua_pushboolean(L, j.get<bool>() ? 1 : 0);
      return;
    case nlohmann::json::value_t::number_integer:
      lua_pushinteger(L, static_cast<lua_Integer>(j.get<std::int64_t>()));
      return;
    case nlohmann::json::value_t::number_unsigned: {
      const std::uint64_t u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<lua_Integer>::max())) {
        lua_pushinteger(L, static_cast<lua_Integer>(u));
      } else {
        lua_pushnumber(L, static_cast<lua_Number>(u));  // past Lua's integers: a float
      }
      return;
    }
    case nlohmann::json::value_t::number_float:
      lua_pushnumber(L, static_cast<lua_Number>(j.get<double>()));
      return;
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case nlohmann::json::value_t::array: {
      if (depth >= max_depth) luaL_error(L, "JSON nesting deeper than %d levels", static_cast<int>(max_depth));
      luaL_checkstack(L, 3, "JSON nesting too deep for the Lua stack");
      const auto& arr = j.get_ref<const nlohmann::json::array_t&>();
      lua_createtable(L, arr.size() > 0x7fffffff ? 0x7fffffff : static_cast<int>(arr.size()), 0);
      lua_pushvalue(L, array_mt);
      lua_setmetatable(L, -2);
      lua_Integer i = 0;
      for (auto it = arr.begin(); it != arr.end(); ++it) {
        push_value(L, *it, array_mt, depth + 1, max_depth);
        lua_rawseti(L, -2, ++i);
      }
      return;
    }
    case nlohmann::json::value_t::object: {
      if (depth >= max_depth) luaL_error(L, "JSON nesting deeper than %d levels", static_cast<int>(max_depth));
      luaL_checkstack(L, 3, "JSON nesting too deep for the Lua stack");
      const auto& obj = j.get_ref<const nlohmann::json::object_t&>();
      lua_createtable(L, 0, obj.size() > 0x7fffffff ? 0x7fffffff : static_cast<int>(obj.size()));
      for (auto it = obj.begin(); it != obj.end(); ++it) {
        lua_pushlstring(L, it->first.data(), it->first.size());
        push_value(L, it->second, array_mt, depth + 1, max_depth);
        lua_rawset(L, -3);
      }
      return;
    }
    case nlohmann::json::value_t::binary:
      luaL_error(L, "binary JSON values have no Lua form");
      return;
    case nlohmann::json::value_t::discarded:
      luaL_error(L, "a discarded JSON value has no Lua form");
      return;
  }
}

}  // namespace detail

/// Pushes `j` as a Lua value. May raise a Lua error (memory, depth): call it
/// in protected mode.
inline void push_json(lua_State* L, const nlohmann::json& j, const json_limits& limits = {}) {
  luaL_checkstack(L, 4, "no room on the Lua stack");
  push_array_metatable(L);
  const int mt = lua_gettop(L);
  detail::push_value(L, j, mt, 0, limits.max_depth);
  lua_remove(L, mt);
}

namespace detail {
struct push_job {
  const nlohmann::json* value;
  json_limits limits;
};
inline int push_job_run(lua_State* L) {
  const auto* job = static_cast<const push_job*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  push_json(L, *job->value, job->limits);
  return 1;
}
}  // namespace detail

/// push_json in protected mode: the value on the stack on success; on failure
/// nothing is left pushed and the error says why (limit_exceeded for depth and memory).
[[nodiscard]] inline result<void> push_json_protected(lua_State* L, const nlohmann::json& j,
                                                      const json_limits& limits = {}) {
  if (!lua_checkstack(L, 3)) return fail(errc::limit_exceeded, "no room on the Lua stack");
  detail::push_job job{&j, limits};
  lua_pushcfunction(L, &detail::push_job_run);
  lua_pushlightuserdata(L, &job);
  const int status = lua_pcall(L, 1, 1, 0);
  if (status == LUA_OK) return {};
  std::string message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error converting JSON to Lua";
  lua_pop(L, 1);
  return fail(errc::limit_exceeded, "JSON to Lua: " + message);
}

namespace detail {

/// Lua -> JSON. Every lua_* call here is one that cannot raise.
class reader {
 public:
  reader(lua_State* L, const json_limits& limits) : L_(L), limits_(limits) {}

  [[nodiscard]] result<nlohmann::json> read(int idx) {
    nlohmann::json out;
    if (auto e = value(lua_absindex(L_, idx), out)) return fail(std::move(*e));
    return out;
  }

 private:
  using failure = std::optional<error>;

  [[nodiscard]] static error problem(std::string message, errc code = errc::invalid_argument) {
    return error{code, std::move(message), {}, {}, {}};
  }
  // Prefixes a path segment as the error travels back up.
  [[nodiscard]] static failure at(failure e, std::string_view segment) {
    if (e) {
      std::string seg;
      seg.reserve(segment.size() + 1);
      for (char c : segment) {  // JSON pointer escaping
        if (c == '~') {
          seg += "~0";
        } else if (c == '/') {
          seg += "~1";
        } else {
          seg += c;
        }
      }
      e->where = "/" + seg + e->where;
    }
    return e;
  }

  // Counts one value made and `bytes` of string copied against the budget.
  failure spend(std::size_t bytes) {
    ++nodes_;
    bytes_ += bytes;
    if (limits_.max_nodes != 0 && nodes_ > limits_.max_nodes) {
      return problem("more than " + std::to_string(limits_.max_nodes) +
                         " JSON values (a table reached more than once counts each time)",
                     errc::limit_exceeded);
    }
    if (limits_.max_bytes != 0 && bytes_ > limits_.max_bytes) {
      return problem("more than " + std::to_string(limits_.max_bytes) + " bytes of strings", errc::limit_exceeded);
    }
    return {};
  }

  failure value(int idx, nlohmann::json& out) {
    const std::size_t bytes = lua_type(L_, idx) == LUA_TSTRING ? lua_rawlen(L_, idx) : 0;
    if (auto e = spend(bytes)) return e;
    switch (lua_type(L_, idx)) {
      case LUA_TNIL:
        out = nullptr;
        return {};
      case LUA_TBOOLEAN:
        out = lua_toboolean(L_, idx) != 0;
        return {};
      case LUA_TNUMBER:
        if (lua_isinteger(L_, idx)) {
          out = static_cast<std::int64_t>(lua_tointeger(L_, idx));
        } else {
          const double d = static_cast<double>(lua_tonumber(L_, idx));
          if (!std::isfinite(d)) return problem("NaN and infinite numbers have no JSON form");
          out = d;
        }
        return {};
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, idx, &n);  // a string already: no conversion, no allocation
        if (!valid_utf8(s, n)) return problem("string is not valid UTF-8");
        out = std::string(s, n);
        return {};
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, idx) == null_sentinel()) {
          out = nullptr;
          return {};
        }
        return problem("a light userdata has no JSON form");
      case LUA_TTABLE:
        return table(idx, out);
      default:
        return problem(std::string("a ") + lua_typename(L_, lua_type(L_, idx)) + " has no JSON form");
    }
  }

  failure table(int idx, nlohmann::json& out) {
    const void* self = lua_topointer(L_, idx);
    for (const void* p : path_) {
      if (p == self) return problem("table contains itself (a cycle)");
    }
    if (path_.size() >= limits_.max_depth) {
      return problem("nested deeper than " + std::to_string(limits_.max_depth) + " levels", errc::limit_exceeded);
    }
    if (!lua_checkstack(L_, 4)) return problem("no room on the Lua stack", errc::limit_exceeded);
    path_.push_back(self);
    failure e = is_marked_array(L_, idx) ? marked_array(idx, out) : plain_table(idx, out);
    path_.pop_back();
    return e;
  }

  failure marked_array(int idx, nlohmann::json& out) {
    const auto n = static_cast<lua_Integer>(lua_rawlen(L_, idx));
    lua_Integer count = 0;
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      lua_pop(L_, 1);
      ++count;
      const bool index_key = lua_isinteger(L_, -1) && lua_tointeger(L_, -1) >= 1 && lua_tointeger(L_, -1) <= n;
      if (!index_key) {
        lua_pop(L_, 1);
        return problem("table marked as an array has a key that is not an index 1..n");
      }
    }
    if (count != n) return problem("table marked as an array has holes (use aura.null for null elements)");
    return elements(idx, n, out);
  }

  failure elements(int idx, lua_Integer n, nlohmann::json& out) {
    out = nlohmann::json::array();
    auto& arr = out.get_ref<nlohmann::json::array_t&>();
    arr.reserve(static_cast<std::size_t>(n));
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L_, idx, i);
      arr.emplace_back();
      failure e = value(lua_gettop(L_), arr.back());
      lua_pop(L_, 1);
      if (e) return at(std::move(e), std::to_string(i - 1));
    }
    return {};
  }

  failure plain_table(int idx, nlohmann::json& out) {
    // One pass to classify: a sequence 1..n is an array, anything else an object.
    lua_Integer count = 0, max_index = 0;
    bool only_indices = true;
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      lua_pop(L_, 1);
      ++count;
      if (lua_isinteger(L_, -1) && lua_tointeger(L_, -1) >= 1) {
        if (lua_tointeger(L_, -1) > max_index) max_index = lua_tointeger(L_, -1);
      } else {
        only_indices = false;
      }
    }
    if (count > 0 && only_indices && max_index == count) return elements(idx, count, out);

    out = nlohmann::json::object();
    auto& obj = out.get_ref<nlohmann::json::object_t&>();
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      std::string key;
      if (lua_type(L_, -2) == LUA_TSTRING) {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, -2, &n);
        if (!valid_utf8(s, n)) {
          lua_pop(L_, 2);
          return problem("object key is not valid UTF-8");
        }
        if (auto e = spend(n)) {
          lua_pop(L_, 2);
          return e;
        }
        key.assign(s, n);
      } else if (lua_isinteger(L_, -2)) {
        key = std::to_string(static_cast<long long>(lua_tointeger(L_, -2)));
      } else {
        const char* type = lua_typename(L_, lua_type(L_, -2));
        const bool is_float = lua_type(L_, -2) == LUA_TNUMBER;
        lua_pop(L_, 2);
        return problem(std::string("object key of type ") + (is_float ? "float" : type) +
                       " (JSON keys are strings; integer keys are written in decimal)");
      }
      auto [slot, inserted] = obj.emplace(key, nullptr);
      if (!inserted) {
        lua_pop(L_, 2);
        return problem("two keys are spelled \"" + key + "\" (an integer and a string key)");
      }
      failure e = value(lua_gettop(L_), slot->second);
      lua_pop(L_, 1);
      if (e) {
        lua_pop(L_, 1);
        return at(std::move(e), key);
      }
    }
    return {};
  }

  lua_State* L_;
  json_limits limits_;
  std::vector<const void*> path_;
  std::size_t nodes_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace detail

/// Reads the Lua value at `idx` as JSON. Never raises a Lua error and leaves
/// the stack as it was. A failure's `where` is the JSON pointer at fault.
[[nodiscard]] inline result<nlohmann::json> read_json(lua_State* L, int idx, const json_limits& limits = {}) {
  return detail::reader(L, limits).read(idx);
}

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_JSON_HPP
// ---- end aura/adapters/lua/json.hpp
// ---- begin aura/adapters/lua/state.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_STATE_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_STATE_HPP
// aura/adapters/lua/state.hpp - one lua_State with its memory account, its
// instruction budget and the call it is serving.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <lua.hpp>
#include <nlohmann/json.hpp>

// ---- begin aura/adapters/lua/limits.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_LIMITS_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_LIMITS_HPP
// aura/adapters/lua/limits.hpp - what bounds one Lua plugin: instructions per
// call, memory per state, JSON depth, wall time, and how many states run at once.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <cstdlib>

namespace aura {

/// The bounds of a Lua plugin. Running past one ends the call as an
/// `errc::limit_exceeded` (or `errc::timeout`) hook error and the state that
/// ran it is thrown away and recreated.
struct lua_limits {
  /// Lua VM instructions one handler call may execute; 0 = unbounded.
  std::uint64_t instructions = 10'000'000;
  /// Bytes one Lua state may hold (script, globals and the call's garbage); 0 = unbounded.
  std::size_t memory = std::size_t{32} << 20;
  /// Deepest nesting of tables / JSON containers converted either way.
  std::size_t max_depth = 128;
  /// JSON nodes one conversion of an answer (or aura.json.encode) may produce:
  /// a table met twice is counted twice, so shared sub-tables cannot expand
  /// into millions of nodes on the host. 0 = unbounded.
  std::size_t max_nodes = 100'000;
  /// String bytes (values and keys) one conversion may copy out; 0 = unbounded.
  std::size_t max_bytes = std::size_t{16} << 20;
  /// Wall time one call may take; 0 = none. Enforced by the instruction hook
  /// every `check_interval` instructions, by the bounded library functions as
  /// they work, and by the watchdog thread, which makes the very next VM
  /// instruction stop once the deadline has passed.
  std::chrono::milliseconds timeout{2000};
  /// Lua states (one per concurrent call) the plugin keeps at most; more
  /// concurrent callers wait for a free one.
  std::size_t max_states = 8;
  /// Instructions between two checks of the budget (the granularity of the
  /// count hook: smaller stops sooner, larger costs less).
  std::uint32_t check_interval = 1000;
};

namespace lua {

/// Bytes held by one lua_State; the allocator refuses growth past `cap`.
struct memory_account {
  std::size_t used = 0;
  std::size_t cap = 0;      ///< 0 = unbounded
  bool refused = false;     ///< an allocation was refused since the last reset
};

/// The lua_Alloc of every aura state: realloc/free with a byte count per
/// state. Growth past the cap returns NULL, which Lua turns into a memory
/// error ("not enough memory") after one emergency collection.
inline void* limited_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto* account = static_cast<memory_account*>(ud);
  if (ptr == nullptr) osize = 0;  // osize then encodes the object kind, not a size
  if (nsize == 0) {
    std::free(ptr);
    account->used -= osize;
    return nullptr;
  }
  if (nsize > osize && account->cap != 0 &&
      (nsize - osize > account->cap || account->used > account->cap - (nsize - osize))) {
    account->refused = true;
    return nullptr;
  }
  void* grown = std::realloc(ptr, nsize);
  if (grown == nullptr) {
    account->refused = true;
    return nullptr;
  }
  account->used = account->used - osize + nsize;
  return grown;
}

/// Why the instruction hook stopped a call.
enum class stop_reason : std::uint8_t { none, instructions, timeout, closing };

/// Per-call counters the instruction hook reads.
struct call_budget {
  std::uint64_t limit = 0;        ///< instructions; 0 = unbounded
  std::uint64_t executed = 0;     ///< counted in steps of `interval`
  std::uint32_t interval = 1000;
  bool has_deadline = false;
  std::chrono::steady_clock::time_point deadline{};
  stop_reason stopped = stop_reason::none;
  /// The deadline as steady_clock nanoseconds while a call with one runs, 0
  /// between calls, `expired_mark` once the watchdog saw it pass (the
  /// watchdog thread reads and swaps it; see watchdog.hpp).
  std::atomic<std::int64_t> watched{0};
  static constexpr std::int64_t expired_mark = -1;
};

}  // namespace lua
}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_LUA_LIMITS_HPP
// ---- end aura/adapters/lua/limits.hpp
// ---- begin aura/adapters/lua/watchdog.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_WATCHDOG_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_WATCHDOG_HPP
// aura/adapters/lua/watchdog.hpp - the thread that stops Lua calls past their deadline.
//
// The count hook reads the clock every `check_interval` instructions, but one
// VM instruction can be long (a concatenation of two 8 MB strings, a library
// call): a thousand of them may run for seconds between two checks. The
// watchdog is one thread per process (started on first use) that looks at the
// calls in flight every `tick` and, for one past its deadline, calls
// lua_sethook on its state with a count of 1 - the asynchronous use the Lua
// manual allows - so the next instruction runs the hook, which raises the
// timeout error. A call costs two atomic stores (deadline in, deadline out);
// the thread sleeps on a condition variable while no call with a deadline runs.
//
// Sharing: a state registers at creation and unregisters before lua_close,
// both under the watchdog's mutex, which the thread holds while it touches a
// state; so it never touches a closed one. A late poke (the call ended just
// then) only makes the next call's hook fire once early: the hook sees its
// own deadline unexpired and goes back to its interval.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <lua.hpp>


namespace aura::lua {

class watchdog {
 public:
  /// How often the thread looks at the calls in flight while there are any.
  static constexpr std::chrono::milliseconds tick{5};

  /// The process's watchdog (its thread starts with the first registration).
  /// Never destroyed: a state owned by a static object may unregister after
  /// every function-local static is gone; the thread ends with the process.
  [[nodiscard]] static watchdog& instance() {
    static watchdog* w = new watchdog();  // NOLINT: deliberately immortal
    return *w;
  }

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  /// Watches `L` (whose calls publish their deadline in `budget.watched`).
  void add(lua_State* L, call_budget* budget, lua_Hook hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    watched_.push_back(entry{L, budget, hook});
  }

  /// Stops watching `L`; after it returns the thread never touches `L` again.
  void remove(lua_State* L) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    watched_.erase(std::remove_if(watched_.begin(), watched_.end(), [L](const entry& e) { return e.L == L; }),
                   watched_.end());
  }

  /// A call with a deadline started: wakes the thread if it sleeps.
  void call_started() {
    if (!idle_.load()) return;  // seq_cst, paired with run()'s store then scan
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_.store(false);
    }
    wake_.notify_one();
  }

  /// Times the thread stopped a call (tests read it).
  [[nodiscard]] std::uint64_t pokes() const noexcept { return pokes_.load(std::memory_order_relaxed); }

 private:
  struct entry {
    lua_State* L;
    call_budget* budget;
    lua_Hook hook;
  };

  watchdog() = default;
  ~watchdog() = default;  // never runs (see instance())

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  /// Pokes the expired calls; true if any call with a deadline is in flight.
  bool scan_locked() {
    bool active = false;
    const std::int64_t now = now_ns();
    for (const entry& e : watched_) {
      std::int64_t d = e.budget->watched.load();
      if (d == 0 || d == call_budget::expired_mark) continue;
      active = true;
      if (now <= d) continue;
      if (e.budget->watched.compare_exchange_strong(d, call_budget::expired_mark)) {
        lua_sethook(e.L, e.hook, LUA_MASKCOUNT, 1);
        pokes_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return active;
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (scan_locked()) {
        wake_.wait_for(lock, tick);
        continue;
      }
      // Nothing in flight: announce the sleep, then look once more, so a
      // call that started in between is either seen here or wakes us.
      idle_.store(true);
      if (scan_locked()) {
        idle_.store(false);
        continue;
      }
      wake_.wait(lock, [this] { return !idle_.load(); });
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<entry> watched_;
  std::thread thread_;
  std::atomic<bool> idle_{false};
  std::atomic<std::uint64_t> pokes_{0};
};

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_WATCHDOG_HPP
// ---- end aura/adapters/lua/watchdog.hpp

namespace aura::lua {

class state;

namespace detail {
inline void count_hook(lua_State* L, lua_Debug* ar);
}  // namespace detail

/// A Lua state owned by one plugin. Its allocator counts bytes against the
/// memory cap, its count hook ends calls past their instruction budget or
/// deadline, and its extra space points back here so C functions find the
/// context of the call in progress. Used by one thread at a time.
class state {
 public:
  /// A bare state (no library, no script) with the allocator and hook set;
  /// nullptr if Lua cannot even allocate it.
  [[nodiscard]] static std::unique_ptr<state> create(const lua_limits& limits) {
    std::unique_ptr<state> s(new state(limits));
    // The cap applies from the first allocation, but the bare state must fit.
    s->memory_.cap = limits.memory;
    s->L_ = lua_newstate(&limited_alloc, &s->memory_);
    if (s->L_ == nullptr) return nullptr;
    *static_cast<state**>(lua_getextraspace(s->L_)) = s.get();
    lua_atpanic(s->L_, &panic);
    // Each call leaves a few young tables behind and little that lives on:
    // the generational collector's case.
    lua_gc(s->L_, LUA_GCGEN, 0, 0);
    if (s->hooked_) lua_sethook(s->L_, &detail::count_hook, LUA_MASKCOUNT, static_cast<int>(s->budget_.interval));
    if (s->timeout_.count() > 0) {
      watchdog::instance().add(s->L_, &s->budget_, &detail::count_hook);
      s->watched_ = true;
    }
    return s;
  }

  state(const state&) = delete;
  state& operator=(const state&) = delete;

  ~state() {
    if (L_ == nullptr) return;
    if (watched_) watchdog::instance().remove(L_);
    // Finalizers a script left behind run in lua_close: make any Lua code
    // they run stop at its first instruction.
    budget_.stopped = stop_reason::closing;
    lua_sethook(L_, &detail::count_hook, LUA_MASKCOUNT, 1);
    memory_.cap = 0;  // closing only frees
    lua_close(L_);
  }

  /// The state a C function runs in.
  [[nodiscard]] static state& of(lua_State* L) noexcept { return **static_cast<state**>(lua_getextraspace(L)); }

  [[nodiscard]] lua_State* L() const noexcept { return L_; }
  [[nodiscard]] memory_account& memory() noexcept { return memory_; }
  [[nodiscard]] call_budget& budget() noexcept { return budget_; }
  [[nodiscard]] const json_limits& json() const noexcept { return json_; }

  /// Resets the counters before a call (or the script's top-level run).
  void begin_call() noexcept {
    if (budget_.stopped != stop_reason::none && hooked_) {
      lua_sethook(L_, &detail::count_hook, LUA_MASKCOUNT, static_cast<int>(budget_.interval));
    }
    budget_.stopped = stop_reason::none;
    budget_.executed = 0;
    memory_.refused = false;
    if (timeout_.count() > 0) {
      budget_.has_deadline = true;
      budget_.deadline = std::chrono::steady_clock::now() + timeout_;
      const auto ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(budget_.deadline.time_since_epoch()).count();
      budget_.watched.store(ns == 0 || ns == call_budget::expired_mark ? 1 : ns);
      watchdog::instance().call_started();
    }
  }

  /// The call is over: the watchdog stops looking at it.
  void end_call() noexcept {
    if (watched_) budget_.watched.store(0);
  }

  /// Whether the last call ran into a bound; such a state is not reused.
  [[nodiscard]] bool hit_limit() const noexcept {
    return budget_.stopped != stop_reason::none || memory_.refused;
  }

  // ---- the call in progress (read by the host API functions) ---------------
  context* ctx = nullptr;          ///< the plugin's context; null outside a call
  std::string plugin;              ///< the plugin's name, for messages
  int aura_ref = LUA_NOREF;        ///< registry reference of the `aura` proxy
  std::string scratch;             ///< text handed from C++ to Lua (never on the C stack)
  nlohmann::json scratch_json;     ///< JSON handed from C++ to Lua

 private:
  explicit state(const lua_limits& limits)
      : hooked_(limits.instructions != 0 || limits.timeout.count() > 0), timeout_(limits.timeout) {
    budget_.limit = limits.instructions;
    budget_.interval = limits.check_interval == 0 ? 1 : limits.check_interval;
    if (budget_.limit != 0 && budget_.limit < budget_.interval) {
      budget_.interval = static_cast<std::uint32_t>(budget_.limit);
    }
    if (budget_.interval > 0x7fffffffu) budget_.interval = 0x7fffffffu;
    json_.max_depth = limits.max_depth;
    json_.max_nodes = limits.max_nodes;
    json_.max_bytes = limits.max_bytes;
  }

  // Reached only by an error outside protected mode, which aura never makes;
  // say what happened before Lua aborts.
  static int panic(lua_State* L) {
    const char* msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    std::fprintf(stderr, "aura: unprotected Lua error: %s\n", msg);
    return 0;
  }

  lua_State* L_ = nullptr;
  memory_account memory_;
  call_budget budget_;
  json_limits json_;
  bool hooked_;
  bool watched_ = false;
  std::chrono::milliseconds timeout_;
};

namespace detail {

/// Whether the call has run out of instructions or time; records why.
inline bool budget_spent(call_budget& b) noexcept {
  if (b.stopped != stop_reason::none) return true;
  if (b.limit != 0 && b.executed > b.limit) {
    b.stopped = stop_reason::instructions;
  } else if (b.watched.load(std::memory_order_relaxed) == call_budget::expired_mark ||
             (b.has_deadline && std::chrono::steady_clock::now() > b.deadline)) {
    b.stopped = stop_reason::timeout;
  } else {
    return false;
  }
  return true;
}

/// Raises the error for a stopped call.
inline int raise_stopped(lua_State* L, const call_budget& b) {
  switch (b.stopped) {
    case stop_reason::instructions:
      return luaL_error(L, "instruction budget of %I exceeded", static_cast<lua_Integer>(b.limit));
    case stop_reason::timeout:
      return luaL_error(L, "time limit exceeded");
    case stop_reason::closing:
    case stop_reason::none:
      break;
  }
  return luaL_error(L, "the Lua state is closing");
}

/// The count hook: every `interval` instructions, checks the budget and the
/// deadline. Once a call is stopped the hook fires at every instruction, so a
/// script that catches the error with pcall cannot carry on. The watchdog may
/// also make it fire at the next instruction: a deadline that has not passed
/// (a late poke) puts the interval back.
inline void count_hook(lua_State* L, lua_Debug* /*ar*/) {
  call_budget& b = state::of(L).budget();
  b.executed += b.interval;
  if (!budget_spent(b)) {
    if (lua_gethookcount(L) != static_cast<int>(b.interval)) {
      lua_sethook(L, &count_hook, LUA_MASKCOUNT, static_cast<int>(b.interval));
    }
    return;
  }
  lua_sethook(L, &count_hook, LUA_MASKCOUNT, 1);
  raise_stopped(L, b);
}

}  // namespace detail

/// Charges `steps` of C work (a pattern match, a table loop) to the call's
/// instruction budget and checks its deadline; raises the limit error (as the
/// count hook would) when either is spent. For the bounded library functions.
inline void charge(lua_State* L, std::uint64_t steps) {
  call_budget& b = state::of(L).budget();
  b.executed += steps;
  if (!detail::budget_spent(b)) return;
  lua_sethook(L, &detail::count_hook, LUA_MASKCOUNT, 1);
  detail::raise_stopped(L, b);
}

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_STATE_HPP
// ---- end aura/adapters/lua/state.hpp

namespace aura::lua {

/// format_time without snprintf/gmtime (a tenth of the cost): the same
/// RFC 3339 text for years 0000-9999, else format_time itself.
[[nodiscard]] inline std::string format_event_time(time_point t) {
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long days = ms / 86'400'000;
  long long rem = ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  // civil date from days since 1970-01-01 (proleptic Gregorian)
  const long long z = days + 719'468;
  const long long era = (z >= 0 ? z : z - 146'096) / 146'097;
  const long long doe = z - era * 146'097;
  const long long yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long day = doy - (153 * mp + 2) / 5 + 1;
  const long long month = mp < 10 ? mp + 3 : mp - 9;
  const long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return format_time(t);
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int pos, long long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  put(5, month, 2);
  put(8, day, 2);
  put(11, rem / 3'600'000, 2);
  put(14, rem / 60'000 % 60, 2);
  put(17, rem / 1000 % 60, 2);
  put(20, rem % 1000, 3);
  return std::string(buf, 24);
}

/// What run_handler needs; lives in the caller's frame, outside the Lua call.
struct call_request {
  const std::string* handler = nullptr;
  const envelope<dynamic_event>* event = nullptr;
  const std::string* time_text = nullptr;  ///< the event time, RFC 3339
  const nlohmann::json* config = nullptr;
  bool missing_handler = false;           ///< set when the script has no such function
};

namespace detail {

inline void set_string_field(lua_State* L, const char* key, const std::string& value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

/// Pushes `j` (or an empty table for null) into field `key` of the table at -1.
inline void set_json_field(lua_State* L, const char* key, const nlohmann::json& j, int array_mt,
                           std::size_t max_depth) {
  if (j.is_null()) {
    lua_createtable(L, 0, 0);
  } else {
    push_value(L, j, array_mt, 1, max_depth);
  }
  lua_setfield(L, -2, key);
}

}  // namespace detail

/// The C function run in protected mode for one call: restores the global
/// `aura`, finds the handler, pushes (event, ctx), calls it and returns its
/// first result. Only trivially destructible locals: any line may raise.
inline int run_handler(lua_State* L) {
  auto* req = static_cast<call_request*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  state& s = state::of(L);
  luaL_checkstack(L, 8, "no room on the Lua stack");

  // A handler may have replaced the global `aura`; every call starts with the real one.
  lua_pushglobaltable(L);  // 1
  lua_pushliteral(L, "aura");
  lua_rawgeti(L, LUA_REGISTRYINDEX, s.aura_ref);
  lua_rawset(L, 1);

  lua_pushlstring(L, req->handler->data(), req->handler->size());
  if (lua_rawget(L, 1) != LUA_TFUNCTION) {  // 2
    req->missing_handler = true;
    return luaL_error(L, "the script defines no function \"%s\"", req->handler->c_str());
  }
  push_array_metatable(L);  // 3
  const int array_mt = 3;
  const std::size_t max_depth = s.json().max_depth;
  lua_pushvalue(L, 2);  // 4: the function, above the metatable

  const envelope<dynamic_event>& ev = *req->event;
  lua_createtable(L, 0, 7);  // 5: event
  detail::set_string_field(L, "id", ev.id);
  detail::set_string_field(L, "name", ev.name);
  detail::set_string_field(L, "time", *req->time_text);
  detail::set_string_field(L, "source", ev.source);
  detail::set_string_field(L, "session", ev.session);
  detail::push_value(L, ev.data, array_mt, 1, max_depth);
  lua_setfield(L, -2, "data");
  detail::set_json_field(L, "meta", ev.meta, array_mt, max_depth);

  lua_createtable(L, 0, 3);  // 6: ctx
  detail::set_string_field(L, "hook", *req->handler);
  detail::set_string_field(L, "plugin", s.plugin);
  detail::set_json_field(L, "config", *req->config, array_mt, max_depth);

  lua_call(L, 2, 1);
  return 1;
}

/// "name:12: message" -> "name:12"; empty when the message has no position.
[[nodiscard]] inline std::string error_position(std::string_view message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != ':') continue;
    std::size_t j = i + 1;
    while (j < message.size() && std::isdigit(static_cast<unsigned char>(message[j]))) ++j;
    if (j > i + 1 && j < message.size() && message[j] == ':') return std::string(message.substr(0, j));
    if (i + 1 < message.size() && message[i + 1] == ' ') break;  // "text: more": no position
  }
  return {};
}

/// The error object at -1 as text, without running any metamethod.
[[nodiscard]] inline std::string error_text(lua_State* L) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      return lua_tostring(L, -1);
    case LUA_TNUMBER: {
      char buf[64];
      if (lua_isinteger(L, -1)) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(lua_tointeger(L, -1)));
      } else {
        std::snprintf(buf, sizeof buf, "%.14g", static_cast<double>(lua_tonumber(L, -1)));
      }
      return buf;
    }
    case LUA_TNIL:
      return "error(nil)";
    default:
      return std::string("error object is a ") + lua_typename(L, lua_type(L, -1)) + " value";
  }
}

/// The error for a call that failed with `status`, the error object at -1.
[[nodiscard]] inline error call_failure(state& s, int status, bool missing_handler) {
  lua_State* L = s.L();
  std::string text = error_text(L);
  std::string where = error_position(text);
  const call_budget& b = s.budget();
  if (b.stopped == stop_reason::instructions) {
    return error{errc::limit_exceeded, "instruction budget of " + std::to_string(b.limit) + " exceeded", {}, {},
                 std::move(where)};
  }
  if (b.stopped == stop_reason::timeout) {
    return error{errc::timeout, "time limit exceeded", {}, {}, std::move(where)};
  }
  if (status == LUA_ERRMEM || s.memory().refused) {
    return error{errc::limit_exceeded, "memory cap of " + std::to_string(s.memory().cap) + " bytes exceeded", {}, {},
                 std::move(where)};
  }
  if (missing_handler) return error{errc::not_found, std::move(text), {}, {}, {}};
  return error{errc::hook_failed, "Lua error: " + text, {}, {}, std::move(where)};
}

namespace detail {

[[nodiscard]] inline bool key_is(const char* key, std::size_t n, std::string_view name) noexcept {
  return std::string_view(key, n) == name;
}

/// The common case read straight off the answer table: string keys among
/// decision, reason, patch, patch_format and effects, each well-formed. Any
/// other shape gives nullopt and the caller takes the general path (which
/// reports what is wrong). Creates no Lua object, so it cannot raise.
/// A conversion that ran past a budget sets `*over_budget` (the general path
/// would only run into it again).
[[nodiscard]] inline std::optional<decision<dynamic_event>> read_wire_answer(lua_State* L, int idx,
                                                                             const json_limits& limits,
                                                                             std::optional<error>* over_budget) {
  if (!lua_checkstack(L, 3)) return std::nullopt;
  std::string_view kind;
  std::string reason;
  bool has_reason = false, has_patch = false;
  patch_format format = patch_format::merge;
  nlohmann::json patch;
  nlohmann::json effects;
  bool ok = true;
  lua_pushnil(L);
  while (ok && lua_next(L, idx) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      ok = false;
      break;
    }
    std::size_t n = 0;
    const char* key = lua_tolstring(L, -2, &n);
    const int vtype = lua_type(L, -1);
    if (key_is(key, n, "decision")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr;
      if (ok) kind = std::string_view(v, vn);  // the string stays alive: the table holds it
    } else if (key_is(key, n, "reason")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr && valid_utf8(v, vn);
      if (ok) {
        reason.assign(v, vn);
        has_reason = true;
      }
    } else if (key_is(key, n, "patch_format")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr && (key_is(v, vn, "merge") || key_is(v, vn, "json_patch"));
      if (ok) format = key_is(v, vn, "merge") ? patch_format::merge : patch_format::json_patch;
    } else if (key_is(key, n, "patch")) {
      auto p = read_json(L, -1, limits);
      if (!p && p.error().code == errc::limit_exceeded) {
        *over_budget = std::move(p.error());
        over_budget->value().where = "/patch" + over_budget->value().where;
      }
      ok = p.has_value();
      if (ok) {
        patch = std::move(*p);
        has_patch = true;
      }
    } else if (key_is(key, n, "effects")) {
      auto fx = read_json(L, -1, limits);
      if (!fx && fx.error().code == errc::limit_exceeded) {
        *over_budget = std::move(fx.error());
        over_budget->value().where = "/effects" + over_budget->value().where;
      }
      ok = fx.has_value() && (fx->is_null() || fx->is_object());
      if (ok) effects = std::move(*fx);
    } else {
      ok = false;  // an unknown member: the general path converts (and checks) it
    }
    lua_pop(L, 1);
  }
  if (!ok) {
    lua_pop(L, 1);  // the key left by the interrupted traversal
    return std::nullopt;
  }
  std::optional<decision<dynamic_event>> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny" && has_reason) {
    d = decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge);
  } else if (kind == "mutate" && has_patch && (format == patch_format::merge || patch.is_array())) {
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch), format);
  } else {
    return std::nullopt;
  }
  if (effects.is_object()) d->set_effects(std::move(effects));
  return d;
}

}  // namespace detail

/// Reads the handler's answer at `idx` as a decision. Never raises.
[[nodiscard]] inline result<decision<dynamic_event>> read_decision(lua_State* L, int idx, const json_limits& limits) {
  idx = lua_absindex(L, idx);
  const int type = lua_type(L, idx);
  if (type != LUA_TTABLE) {
    const bool nothing = type == LUA_TNONE || type == LUA_TNIL;
    return fail(errc::protocol_error,
                std::string("handler returned ") + (nothing ? "nothing" : std::string("a ") + lua_typename(L, type)) +
                    "; expected aura.allow(), aura.deny(reason) or aura.mutate(patch)");
  }
  std::optional<error> over_budget;
  if (auto d = detail::read_wire_answer(L, idx, limits, &over_budget)) return std::move(*d);
  if (over_budget) {
    return fail(errc::limit_exceeded, "handler's answer has no JSON form: " + over_budget->message,
                std::move(over_budget->where));
  }
  // The general path: the whole answer as JSON, judged by the wire reader.
  auto j = read_json(L, idx, limits);
  if (!j) {
    // A budget passed (depth, nodes, bytes) stays limit_exceeded; a shape with no JSON form is the protocol's.
    const errc code = j.error().code == errc::limit_exceeded ? errc::limit_exceeded : errc::protocol_error;
    return fail(code, "handler's answer has no JSON form: " + j.error().message, j.error().where);
  }
  return wire::parse_decision(*j);
}

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_CALL_HPP
// ---- end aura/adapters/lua/call.hpp
// ---- begin aura/adapters/lua/fwd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_FWD_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_FWD_HPP
// aura/adapters/lua/fwd.hpp - forward declarations of the Lua adapter.

namespace aura {
struct lua_limits;
struct lua_options;
class lua_plugin;
namespace lua {
struct json_limits;
struct memory_account;
struct call_budget;
class state;
class state_pool;
}  // namespace lua
}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_LUA_FWD_HPP
// ---- end aura/adapters/lua/fwd.hpp
// ---- begin aura/adapters/lua/host_api.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_HOST_API_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_HOST_API_HPP
// aura/adapters/lua/host_api.hpp - the `aura` table a plugin script sees:
// decisions (allow, deny, mutate), JSON helpers (null, array, is_array) and the
// host API (log, config, storage, http), each checked against the plugin's
// permissions by its context.
//
// Error convention (docs/adapters/lua.md): a call the plugin's permissions do
// not allow raises a Lua error (the handler fails unless it uses pcall); any
// other failure of a host service returns `nil, message`.
//
// C++ work that may throw or allocate runs in guarded(), which returns before
// any lua_* call that may raise: a Lua error is a longjmp, which must never
// cross a C++ object with a destructor.

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <lua.hpp>
#include <nlohmann/json.hpp>

// ---- begin aura/adapters/lua/sandbox.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_SANDBOX_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_SANDBOX_HPP
// aura/adapters/lua/sandbox.hpp - the reduced standard library a plugin script sees.
//
// Opened: the base library without dofile, loadfile and print, with `load`
// limited to text chunks and `collectgarbage` limited to "count"; string
// (no string.dump, string.rep bounded), table, math, utf8, and os.time /
// os.clock only (plus os.getenv for the variables the permissions grant,
// when the host API adds it). Not opened: io, package (require), debug, coroutine.
// The library tables are read-only proxies and the string metatable is
// hidden, so a script cannot change what later calls see through them.
//
// Nothing a script calls may run unbounded C work (docs/security.md lists
// every function): the pattern functions run on a budgeted matcher
// (bounded_string.hpp), the table loops are charged per element
// (bounded_table.hpp), the linear string/utf8 functions are charged per 64
// bytes of argument, and string.rep per 64 bytes of result. `setmetatable`
// refuses a `__gc` field (finalizers run with hooks off, where no deadline can
// stop them) and `xpcall`'s message handler is skipped once the call is
// stopped (Lua runs it with hooks off when the error came from the hook).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

// ---- begin aura/adapters/lua/bounded_string.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_STRING_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_STRING_HPP
// aura/adapters/lua/bounded_string.hpp - string.find, match, gmatch and gsub
// on the budgeted matcher (pattern.hpp), and the other string functions whose
// C work grows with their arguments charged to the instruction budget.
//
// Same arguments, results and error messages as Lua 5.4's; every function
// here may raise: only trivially destructible locals.

#include <cstddef>
#include <cstring>

#include <lua.hpp>

// ---- begin aura/adapters/lua/pattern.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_PATTERN_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_PATTERN_HPP
// aura/adapters/lua/pattern.hpp - Lua 5.4 patterns with a step budget.
//
// The standard library's matcher backtracks in C, where the instruction hook
// never fires: `string.find(("a"):rep(400), ".-.-.-.-b")` takes longer than
// anyone waits. This matcher has the same semantics (the reference manual's
// §6.4.1: classes, sets, `*`, `+`, `-`, `?`, captures, `%b`, `%f`, back
// references, anchors) and charges every step it takes, in batches, to the
// call's instruction budget and deadline (lua::charge), so a pattern ends the
// call with the ordinary limit error instead of freezing the host.
//
// Every function here may raise a Lua error: only trivially destructible locals.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>


namespace aura::lua::pattern {

inline constexpr int max_captures = 32;   // LUA_MAXCAPTURES
inline constexpr int max_recursion = 200;  // MAXCCALLS of lstrlib
inline constexpr std::ptrdiff_t cap_unfinished = -1;
inline constexpr std::ptrdiff_t cap_position = -2;
inline constexpr char esc = '%';
/// Steps taken between two charges (and deadline checks).
inline constexpr std::uint32_t batch = 256;

struct matcher {
  const char* src_init;
  const char* src_end;
  const char* p_end;
  lua_State* L;
  int level;
  int depth_left;
  std::uint32_t steps;
  struct {
    const char* init;
    std::ptrdiff_t len;
  } capture[max_captures];
};

inline void step(matcher& m) {
  if (++m.steps >= batch) {
    m.steps = 0;
    charge(m.L, batch);
  }
}

inline void reset(matcher& m) {
  m.level = 0;
  m.depth_left = max_recursion;
}

inline void init(matcher& m, lua_State* L, const char* s, std::size_t ls, const char* p, std::size_t lp) {
  m.L = L;
  m.src_init = s;
  m.src_end = s + ls;
  m.p_end = p + lp;
  m.steps = 0;
  reset(m);
}

/// The end of the single-character class starting at p.
inline const char* class_end(matcher& m, const char* p) {
  const char c = *p++;
  if (c == esc) {
    if (p == m.p_end) luaL_error(m.L, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (*p == '^') ++p;
    do {  // the first ']' after at least one character closes the set
      if (p == m.p_end) luaL_error(m.L, "malformed pattern (missing ']')");
      const char d = *p++;
      if (d == esc && p < m.p_end) ++p;
    } while (*p != ']');
    return p + 1;
  }
  return p;
}

inline bool class_matches(int c, int cl) {
  bool res = false;
  switch (std::tolower(cl)) {
    case 'a': res = std::isalpha(c) != 0; break;
    case 'c': res = std::iscntrl(c) != 0; break;
    case 'd': res = std::isdigit(c) != 0; break;
    case 'g': res = std::isgraph(c) != 0; break;
    case 'l': res = std::islower(c) != 0; break;
    case 'p': res = std::ispunct(c) != 0; break;
    case 's': res = std::isspace(c) != 0; break;
    case 'u': res = std::isupper(c) != 0; break;
    case 'w': res = std::isalnum(c) != 0; break;
    case 'x': res = std::isxdigit(c) != 0; break;
    case 'z': res = c == 0; break;  // deprecated in Lua 5.2, still accepted by 5.4
    default: return cl == c;
  }
  return std::isupper(cl) ? !res : res;
}

/// `[...]` from p (at '[') to ec (at its ']').
inline bool set_matches(int c, const char* p, const char* ec) {
  bool positive = true;
  if (*(p + 1) == '^') {
    positive = false;
    ++p;
  }
  while (++p < ec) {
    if (*p == esc) {
      ++p;
      if (class_matches(c, static_cast<unsigned char>(*p))) return positive;
    } else if (*(p + 1) == '-' && p + 2 < ec) {
      p += 2;
      if (static_cast<unsigned char>(*(p - 2)) <= c && c <= static_cast<unsigned char>(*p)) return positive;
    } else if (static_cast<unsigned char>(*p) == c) {
      return positive;
    }
  }
  return !positive;
}

inline bool single_matches(const matcher& m, const char* s, const char* p, const char* ep) {
  if (s >= m.src_end) return false;
  const int c = static_cast<unsigned char>(*s);
  switch (*p) {
    case '.': return true;
    case esc: return class_matches(c, static_cast<unsigned char>(*(p + 1)));
    case '[': return set_matches(c, p, ep - 1);
    default: return static_cast<unsigned char>(*p) == c;
  }
}

inline const char* match(matcher& m, const char* s, const char* p);

inline const char* balance(matcher& m, const char* s, const char* p) {
  if (p >= m.p_end - 1) luaL_error(m.L, "malformed pattern (missing arguments to '%%b')");
  if (s >= m.src_end || *s != *p) return nullptr;
  const char open = *p, close = *(p + 1);
  int depth = 1;
  while (++s < m.src_end) {
    step(m);
    if (*s == close) {
      if (--depth == 0) return s + 1;
    } else if (*s == open) {
      ++depth;
    }
  }
  return nullptr;
}

inline const char* greedy(matcher& m, const char* s, const char* p, const char* ep) {
  std::ptrdiff_t i = 0;
  while (single_matches(m, s + i, p, ep)) {
    step(m);
    ++i;
  }
  for (; i >= 0; --i) {  // the longest run first, then shorter ones
    step(m);
    if (const char* res = match(m, s + i, ep + 1)) return res;
  }
  return nullptr;
}

inline const char* lazy(matcher& m, const char* s, const char* p, const char* ep) {
  for (;;) {
    step(m);
    if (const char* res = match(m, s, ep + 1)) return res;
    if (!single_matches(m, s, p, ep)) return nullptr;
    ++s;
  }
}

inline const char* open_capture(matcher& m, const char* s, const char* p, std::ptrdiff_t what) {
  if (m.level >= max_captures) luaL_error(m.L, "too many captures");
  m.capture[m.level].init = s;
  m.capture[m.level].len = what;
  ++m.level;
  const char* res = match(m, s, p);
  if (res == nullptr) --m.level;
  return res;
}

inline const char* close_capture(matcher& m, const char* s, const char* p) {
  int l = m.level - 1;
  while (l >= 0 && m.capture[l].len != cap_unfinished) --l;
  if (l < 0) luaL_error(m.L, "invalid pattern capture");
  m.capture[l].len = s - m.capture[l].init;
  const char* res = match(m, s, p);
  if (res == nullptr) m.capture[l].len = cap_unfinished;
  return res;
}

inline const char* back_reference(matcher& m, const char* s, int digit) {
  const int l = digit - '1';
  if (l < 0 || l >= m.level || m.capture[l].len == cap_unfinished) {
    luaL_error(m.L, "invalid capture index %%%d", l + 1);
  }
  const auto len = static_cast<std::size_t>(m.capture[l].len);
  charge(m.L, len / 64);
  if (static_cast<std::size_t>(m.src_end - s) >= len && std::memcmp(m.capture[l].init, s, len) == 0) return s + len;
  return nullptr;
}

/// The end of the match of p at s, or null.
inline const char* match(matcher& m, const char* s, const char* p) {
  if (m.depth_left-- == 0) luaL_error(m.L, "pattern too complex");
  while (p != m.p_end && s != nullptr) {
    step(m);
    if (*p == '(') {
      if (*(p + 1) == ')') {
        s = open_capture(m, s, p + 2, cap_position);
      } else {
        s = open_capture(m, s, p + 1, cap_unfinished);
      }
      break;
    }
    if (*p == ')') {
      s = close_capture(m, s, p + 1);
      break;
    }
    if (*p == '$' && p + 1 == m.p_end) {
      if (s != m.src_end) s = nullptr;
      break;
    }
    if (*p == esc && *(p + 1) == 'b') {
      s = balance(m, s, p + 2);
      if (s != nullptr) p += 4;
      continue;
    }
    if (*p == esc && *(p + 1) == 'f') {
      p += 2;
      if (*p != '[') luaL_error(m.L, "missing '[' after '%%f' in pattern");
      const char* ep = class_end(m, p);
      const int previous = s == m.src_init ? 0 : static_cast<unsigned char>(*(s - 1));
      const int current = s < m.src_end ? static_cast<unsigned char>(*s) : 0;
      if (!set_matches(previous, p, ep - 1) && set_matches(current, p, ep - 1)) {
        p = ep;
        continue;
      }
      s = nullptr;
      break;
    }
    if (*p == esc && std::isdigit(static_cast<unsigned char>(*(p + 1)))) {
      s = back_reference(m, s, static_cast<unsigned char>(*(p + 1)));
      if (s != nullptr) p += 2;
      continue;
    }
    // a single-character class, maybe with a repetition suffix
    const char* ep = class_end(m, p);
    const char suffix = ep < m.p_end ? *ep : '\0';
    if (!single_matches(m, s, p, ep)) {
      if (suffix == '*' || suffix == '?' || suffix == '-') {  // zero repetitions are fine
        p = ep + 1;
        continue;
      }
      s = nullptr;
      break;
    }
    if (suffix == '?') {
      if (const char* res = match(m, s + 1, ep + 1)) {
        s = res;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (suffix == '+') {
      s = greedy(m, s + 1, p, ep);
      break;
    }
    if (suffix == '*') {
      s = greedy(m, s, p, ep);
      break;
    }
    if (suffix == '-') {
      s = lazy(m, s, p, ep);
      break;
    }
    ++s;
    p = ep;
  }
  ++m.depth_left;
  return s;
}

/// Pushes capture i of a match [s, e) (the whole match when there is none).
inline void push_capture(matcher& m, int i, const char* s, const char* e) {
  if (i >= m.level) {
    if (i != 0) luaL_error(m.L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m.L, s, static_cast<std::size_t>(e - s));
    return;
  }
  const std::ptrdiff_t len = m.capture[i].len;
  if (len == cap_unfinished) luaL_error(m.L, "unfinished capture");
  if (len == cap_position) {
    lua_pushinteger(m.L, static_cast<lua_Integer>(m.capture[i].init - m.src_init) + 1);
  } else {
    lua_pushlstring(m.L, m.capture[i].init, static_cast<std::size_t>(len));
  }
}

/// Pushes all captures (or the whole match when s is given and there are none).
inline int push_captures(matcher& m, const char* s, const char* e) {
  const int n = (m.level == 0 && s != nullptr) ? 1 : m.level;
  luaL_checkstack(m.L, n, "too many captures");
  for (int i = 0; i < n; ++i) push_capture(m, i, s, e);
  return n;
}

}  // namespace aura::lua::pattern
#endif  // AURA_SI_AURA_ADAPTERS_LUA_PATTERN_HPP
// ---- end aura/adapters/lua/pattern.hpp

namespace aura::lua::bounded {

/// Lua's posrelatI: a 1-based start position from a possibly negative one.
inline std::size_t start_position(lua_Integer pos, std::size_t len) {
  if (pos > 0) return static_cast<std::size_t>(pos);
  if (pos == 0) return 1;
  if (pos < -static_cast<lua_Integer>(len)) return 1;
  return len + static_cast<std::size_t>(pos) + 1;
}

inline bool has_specials(const char* p, std::size_t lp) {
  std::size_t upto = 0;
  do {  // look past embedded zeros too
    if (std::strpbrk(p + upto, "^$*+?.([%-") != nullptr) return true;
    upto += std::strlen(p + upto) + 1;
  } while (upto <= lp);
  return false;
}

/// memmem with each candidate position charged (a long needle costs more).
inline const char* plain_find(lua_State* L, const char* s, std::size_t ls, const char* p, std::size_t lp) {
  if (lp == 0) return s;
  if (lp > ls) return nullptr;
  const std::uint64_t per_candidate = 1 + lp / 64;
  std::uint64_t pending = 0;
  const char* end = s + (ls - lp) + 1;
  while (s < end) {
    const void* hit = std::memchr(s, *p, static_cast<std::size_t>(end - s));
    if (hit == nullptr) break;
    const char* c = static_cast<const char*>(hit);
    pending += per_candidate + static_cast<std::uint64_t>(c - s) / 256;
    if (pending >= pattern::batch) {
      charge(L, pending);
      pending = 0;
    }
    if (std::memcmp(c + 1, p + 1, lp - 1) == 0) return c;
    s = c + 1;
  }
  return nullptr;
}

inline int find_or_match(lua_State* L, bool find) {
  std::size_t ls = 0, lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  const std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
  if (init > ls + 1) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
    const char* hit = plain_find(L, s + init - 1, ls - (init - 1), p, lp);
    if (hit != nullptr) {
      lua_pushinteger(L, static_cast<lua_Integer>(hit - s) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>(hit - s + lp));
      return 2;
    }
    luaL_pushfail(L);
    return 1;
  }
  pattern::matcher m;
  const char* s1 = s + init - 1;
  const bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    ++p;
    --lp;
  }
  pattern::init(m, L, s, ls, p, lp);
  do {
    pattern::reset(m);
    pattern::step(m);
    if (const char* e = pattern::match(m, s1, p)) {
      if (find) {
        lua_pushinteger(L, static_cast<lua_Integer>(s1 - s) + 1);
        lua_pushinteger(L, static_cast<lua_Integer>(e - s));
        return pattern::push_captures(m, nullptr, nullptr) + 2;
      }
      return pattern::push_captures(m, s1, e);
    }
  } while (s1++ < m.src_end && !anchor);
  luaL_pushfail(L);
  return 1;
}

inline int str_find(lua_State* L) { return find_or_match(L, true); }
inline int str_match(lua_State* L) { return find_or_match(L, false); }

/// The gmatch iterator; upvalues: subject, pattern, next position (0-based), last match end (-1: none).
inline int gmatch_step(lua_State* L) {
  std::size_t ls = 0, lp = 0;
  const char* s = lua_tolstring(L, lua_upvalueindex(1), &ls);
  const char* p = lua_tolstring(L, lua_upvalueindex(2), &lp);
  auto pos = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(3)));
  const lua_Integer last = lua_tointeger(L, lua_upvalueindex(4));
  pattern::matcher m;
  pattern::init(m, L, s, ls, p, lp);
  for (const char* src = s + pos; src <= m.src_end; ++src) {
    pattern::reset(m);
    pattern::step(m);
    const char* e = pattern::match(m, src, p);
    if (e != nullptr && (last < 0 || e != s + last)) {
      lua_pushinteger(L, static_cast<lua_Integer>(e - s));
      lua_pushvalue(L, -1);
      lua_replace(L, lua_upvalueindex(3));
      lua_replace(L, lua_upvalueindex(4));
      return pattern::push_captures(m, src, e);
    }
  }
  return 0;
}

inline int str_gmatch(lua_State* L) {
  std::size_t ls = 0;
  luaL_checklstring(L, 1, &ls);
  luaL_checkstring(L, 2);
  std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
  if (init > ls + 1) init = ls + 1;  // start after the end: no match
  lua_settop(L, 2);
  lua_pushinteger(L, static_cast<lua_Integer>(init - 1));
  lua_pushinteger(L, -1);
  lua_pushcclosure(L, &gmatch_step, 4);
  return 1;
}

/// Appends the replacement string at index 3 for the match [s, e).
inline void add_replacement_string(pattern::matcher& m, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = m.L;
  std::size_t l = 0;
  const char* news = lua_tolstring(L, 3, &l);
  const char* end = news + l;
  const char* p = nullptr;
  while ((p = static_cast<const char*>(std::memchr(news, pattern::esc, static_cast<std::size_t>(end - news)))) !=
         nullptr) {
    luaL_addlstring(b, news, static_cast<std::size_t>(p - news));
    ++p;  // the character after '%'
    if (*p == pattern::esc) {
      luaL_addchar(b, *p);
    } else if (*p == '0') {
      luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    } else if (std::isdigit(static_cast<unsigned char>(*p))) {
      pattern::push_capture(m, *p - '1', s, e);
      luaL_tolstring(L, -1, nullptr);
      lua_remove(L, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", pattern::esc);
    }
    news = p + 1;
    charge(L, 1);
  }
  luaL_addlstring(b, news, static_cast<std::size_t>(end - news));
}

/// Appends the replacement for the match [s, e); false if it kept the original.
inline bool add_replacement(pattern::matcher& m, luaL_Buffer* b, const char* s, const char* e, int kind) {
  lua_State* L = m.L;
  if (kind == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    const int n = pattern::push_captures(m, s, e);
    lua_call(L, n, 1);
  } else if (kind == LUA_TTABLE) {
    pattern::push_capture(m, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_replacement_string(m, b, s, e);
    return true;
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1)) != 0;
  luaL_addvalue(b);
  return true;
}

inline int str_gsub(lua_State* L) {
  std::size_t srcl = 0, lp = 0;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const char* lastmatch = nullptr;
  const int kind = lua_type(L, 3);
  const lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                   "string/function/table");
  const bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    ++p;
    --lp;
  }
  lua_Integer n = 0;
  bool changed = false;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  pattern::matcher m;
  pattern::init(m, L, src, srcl, p, lp);
  while (n < max_s) {
    pattern::reset(m);
    pattern::step(m);
    const char* e = pattern::match(m, src, p);
    if (e != nullptr && e != lastmatch) {
      ++n;
      changed = add_replacement(m, &b, src, e, kind) || changed;
      src = lastmatch = e;
    } else if (src < m.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<std::size_t>(m.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

/// The original library function in upvalue 1, called after charging its
/// arguments' string bytes (one step per 64): for the linear ones (format,
/// pack, unpack, upper, lower, reverse, byte, char, len of utf8 ...).
inline int charged_by_bytes(lua_State* L) {
  std::uint64_t bytes = 0;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    if (lua_type(L, i) == LUA_TSTRING) bytes += lua_rawlen(L, i);
  }
  charge(L, 1 + bytes / 64 + static_cast<std::uint64_t>(n));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace aura::lua::bounded
#endif  // AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_STRING_HPP
// ---- end aura/adapters/lua/bounded_string.hpp
// ---- begin aura/adapters/lua/bounded_table.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_TABLE_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_TABLE_HPP
// aura/adapters/lua/bounded_table.hpp - the table library's loops, charged.
//
// table.move, insert, remove, concat and unpack loop in C over a range the
// script chooses (`table.move({}, 1, math.maxinteger - 1, 1, {})` never
// returns) and table.sort compares in C. These versions keep Lua 5.4's
// arguments, results and messages and charge one step per element (per
// comparison for sort) to the call's instruction budget and deadline.
// Every function here may raise: only trivially destructible locals.

#include <climits>
#include <cstdint>

#include <lua.hpp>


namespace aura::lua::bounded {

/// Steps between two charges in the table loops.
inline constexpr std::uint32_t table_batch = 256;

enum table_use : int { tab_read = 1, tab_write = 2, tab_len = 4 };

/// Lua's checktab: a table, or a value whose metatable has what `use` needs.
inline void check_table(lua_State* L, int arg, int use) {
  if (lua_type(L, arg) == LUA_TTABLE) return;
  int n = 1;
  auto has = [&](const char* key) {
    lua_pushstring(L, key);
    return lua_rawget(L, -(++n)) != LUA_TNIL;
  };
  if (lua_getmetatable(L, arg) && (!(use & tab_read) || has("__index")) && (!(use & tab_write) || has("__newindex")) &&
      (!(use & tab_len) || has("__len"))) {
    lua_pop(L, n);
  } else {
    luaL_checktype(L, arg, LUA_TTABLE);
  }
}

inline lua_Integer checked_length(lua_State* L, int arg, int use) {
  check_table(L, arg, use | tab_len);
  return luaL_len(L, arg);
}

/// Counts one element; charges every `table_batch`.
struct meter {
  lua_State* L;
  std::uint32_t pending;
  void tick() {
    if (++pending >= table_batch) {
      pending = 0;
      charge(L, table_batch);
    }
  }
};

inline int tab_insert(lua_State* L) {
  const lua_Integer e = static_cast<lua_Integer>(static_cast<lua_Unsigned>(checked_length(L, 1, tab_read | tab_write)) + 1u);
  lua_Integer pos = e;
  switch (lua_gettop(L)) {
    case 2: break;
    case 3: {
      pos = luaL_checkinteger(L, 2);
      luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u < static_cast<lua_Unsigned>(e), 2, "position out of bounds");
      meter m{L, 0};
      for (lua_Integer i = e; i > pos; --i) {
        m.tick();
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    }
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

inline int tab_remove(lua_State* L) {
  const lua_Integer size = checked_length(L, 1, tab_read | tab_write);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size) {
    luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u <= static_cast<lua_Unsigned>(size), 2,
                  "position out of bounds");
  }
  lua_geti(L, 1, pos);
  meter m{L, 0};
  for (; pos < size; ++pos) {
    m.tick();
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

inline int tab_move(lua_State* L) {
  const lua_Integer f = luaL_checkinteger(L, 2);
  const lua_Integer e = luaL_checkinteger(L, 3);
  const lua_Integer t = luaL_checkinteger(L, 4);
  const int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
  check_table(L, 1, tab_read);
  check_table(L, tt, tab_write);
  if (e >= f) {
    luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
    const lua_Integer n = e - f + 1;
    luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
    meter m{L, 0};
    if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
      for (lua_Integer i = 0; i < n; ++i) {
        m.tick();
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    } else {
      for (lua_Integer i = n - 1; i >= 0; --i) {
        m.tick();
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    }
  }
  lua_pushvalue(L, tt);
  return 1;
}

inline void concat_field(lua_State* L, luaL_Buffer* b, lua_Integer i) {
  lua_geti(L, 1, i);
  if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
               static_cast<LUAI_UACINT>(i));
  }
  luaL_addvalue(b);
}

inline int tab_concat(lua_State* L) {
  lua_Integer last = checked_length(L, 1, tab_read);
  std::size_t lsep = 0;
  const char* sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  meter m{L, 0};
  for (; i < last; ++i) {
    m.tick();
    concat_field(L, &b, i);
    luaL_addlstring(&b, sep, lsep);
  }
  if (i == last) concat_field(L, &b, i);
  luaL_pushresult(&b);
  return 1;
}

inline int tab_unpack(lua_State* L) {
  lua_Integer i = luaL_optinteger(L, 2, 1);
  const lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
  if (i > e) return 0;
  lua_Unsigned n = static_cast<lua_Unsigned>(e) - static_cast<lua_Unsigned>(i);
  if (n >= static_cast<unsigned int>(INT_MAX) || !lua_checkstack(L, static_cast<int>(++n))) {
    return luaL_error(L, "too many results to unpack");
  }
  charge(L, n);
  for (; i < e; ++i) lua_geti(L, 1, i);
  lua_geti(L, 1, e);
  return static_cast<int>(n);
}

/// The comparison table.sort calls: one step charged, then the script's
/// comparator (upvalue 1) or `<`.
inline int sort_compare(lua_State* L) {
  charge(L, 1);
  if (lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/// table.sort: the library's (upvalue 1) with every comparison charged.
inline int tab_sort(lua_State* L) {
  checked_length(L, 1, tab_read | tab_write);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_pushcclosure(L, &sort_compare, 1);  // replaces the comparator (or nil) at 2
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 0);
  return 0;
}

}  // namespace aura::lua::bounded
#endif  // AURA_SI_AURA_ADAPTERS_LUA_BOUNDED_TABLE_HPP
// ---- end aura/adapters/lua/bounded_table.hpp

namespace aura::lua {

namespace detail {

/// `load` that refuses binary chunks: the original `load`, called with mode "t".
inline int sandbox_load(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  if (n >= 2) {
    lua_pushvalue(L, 2);
  } else {
    lua_pushnil(L);
  }
  lua_pushliteral(L, "t");
  int args = 3;
  if (n >= 4) {  // an explicit env (even nil) must stay explicit
    lua_pushvalue(L, 4);
    args = 4;
  }
  const int base = lua_gettop(L) - args - 1;
  if (lua_type(L, 1) == LUA_TSTRING) charge(L, 1 + lua_rawlen(L, 1) / 64);
  lua_call(L, args, LUA_MULTRET);
  return lua_gettop(L) - base;
}

/// collectgarbage("count") only: reading memory use is harmless, steering the collector is not.
inline int sandbox_collectgarbage(lua_State* L) {
  const char* option = luaL_optstring(L, 1, "collect");
  if (std::strcmp(option, "count") == 0) {
    const int kb = lua_gc(L, LUA_GCCOUNT);
    const int rest = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, static_cast<lua_Number>(kb) + static_cast<lua_Number>(rest) / 1024.0);
    return 1;
  }
  return luaL_error(L, "collectgarbage(\"%s\") is not available to plugins (only \"count\")", option);
}

/// string.rep bounded: the library's loop copies in C, where the instruction
/// hook never fires, so `("").rep("", 1e15)` would spin for hours.
inline constexpr lua_Integer max_rep_bytes = lua_Integer{1} << 30;
inline constexpr lua_Integer max_rep_count = lua_Integer{1} << 24;
inline int sandbox_string_rep(lua_State* L) {
  std::size_t len = 0, sep_len = 0;
  luaL_checklstring(L, 1, &len);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &sep_len);
  if (n > 0) {
    const auto unit = static_cast<lua_Integer>(len + sep_len);
    if (n > max_rep_count && unit == 0) return luaL_error(L, "string.rep: count too large");
    if (unit > 0 && n > max_rep_bytes / unit) return luaL_error(L, "string.rep: result too large");
    charge(L, 1 + static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(unit) / 64 +
                  (unit == 0 ? static_cast<std::uint64_t>(n) / 64 : 0));
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/// setmetatable refusing `__gc`: Lua runs finalizers with hooks disabled, so a
/// finalizer's loop could never be stopped. (An object is marked for
/// finalization only if `__gc` is present when the metatable is set, so
/// adding the field later marks nothing.)
inline int sandbox_setmetatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    const bool has_gc = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (has_gc) {
      return luaL_error(L, "setmetatable: __gc finalizers are not available to plugins (they run where no time "
                           "limit can stop them)");
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/// The message handler xpcall really installs: once the call is stopped
/// (budget or deadline), the error passes through untouched - Lua calls a
/// handler for an error raised by the count hook with hooks off, so the
/// script's handler would run unbounded.
inline int guarded_message_handler(lua_State* L) {
  if (state::of(L).budget().stopped != stop_reason::none) {
    lua_settop(L, 1);
    return 1;
  }
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

/// xpcall(f, msgh, ...) with msgh wrapped by guarded_message_handler.
inline int sandbox_xpcall(lua_State* L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, &guarded_message_handler, 1);
  lua_replace(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/// Replaces field `name` of the table at -1 by `fn` with the old value as upvalue 1.
inline void wrap(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

/// Replaces field `name` of the table at -1 by `fn`.
inline void replace(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

inline int read_only_newindex(lua_State* L) {
  return luaL_error(L, "attempt to modify read-only table '%s'", lua_tostring(L, lua_upvalueindex(1)));
}

/// Sets field `name` of the table at -1 to nil.
inline void drop(lua_State* L, const char* name) {
  lua_pushnil(L);
  lua_setfield(L, -2, name);
}

}  // namespace detail

/// Replaces the table at the top of the stack by a read-only proxy: a full
/// userdata whose __index is the table (rawset cannot reach a userdata, and
/// __metatable hides the real table). May raise.
inline void make_read_only(lua_State* L, const char* name) {
  const int real = lua_gettop(L);
  lua_newuserdatauv(L, 0, 0);
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_pushcclosure(L, &detail::read_only_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, real);
}

/// Opens the sandboxed standard library into the state's globals. May raise:
/// call it in protected mode. `os_extra` (null-terminated) adds functions to
/// `os` before it is locked: the host API's permission-checked `os.getenv`.
inline void open_sandbox(lua_State* L, const luaL_Reg* os_extra = nullptr) {
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  // base: drop what reaches files or stdout, wrap load and collectgarbage
  detail::drop(L, "dofile");
  detail::drop(L, "loadfile");
  detail::drop(L, "print");
  detail::drop(L, "warn");
  lua_getfield(L, -1, "load");
  lua_pushcclosure(L, &detail::sandbox_load, 1);
  lua_setfield(L, -2, "load");
  lua_pushcfunction(L, &detail::sandbox_collectgarbage);
  lua_setfield(L, -2, "collectgarbage");
  detail::wrap(L, "setmetatable", &detail::sandbox_setmetatable);
  detail::wrap(L, "xpcall", &detail::sandbox_xpcall);
  detail::wrap(L, "tostring", &bounded::charged_by_bytes);
  detail::wrap(L, "tonumber", &bounded::charged_by_bytes);
  lua_pop(L, 1);

  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
  detail::drop(L, "dump");
  lua_getfield(L, -1, "rep");
  lua_pushcclosure(L, &detail::sandbox_string_rep, 1);
  lua_setfield(L, -2, "rep");
  detail::replace(L, "find", &bounded::str_find);
  detail::replace(L, "match", &bounded::str_match);
  detail::replace(L, "gmatch", &bounded::str_gmatch);
  detail::replace(L, "gsub", &bounded::str_gsub);
  for (const char* linear : {"byte", "char", "format", "lower", "upper", "reverse", "sub", "pack", "packsize", "unpack"}) {
    detail::wrap(L, linear, &bounded::charged_by_bytes);
  }
  // The string metatable's __index is this (real) table; hide the metatable
  // so `getmetatable("")` gives a string and cannot be edited.
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  make_read_only(L, LUA_STRLIBNAME);
  lua_setglobal(L, LUA_STRLIBNAME);

  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
  detail::replace(L, "insert", &bounded::tab_insert);
  detail::replace(L, "remove", &bounded::tab_remove);
  detail::replace(L, "move", &bounded::tab_move);
  detail::replace(L, "concat", &bounded::tab_concat);
  detail::replace(L, "unpack", &bounded::tab_unpack);
  detail::wrap(L, "sort", &bounded::tab_sort);
  make_read_only(L, LUA_TABLIBNAME);
  lua_setglobal(L, LUA_TABLIBNAME);

  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
  make_read_only(L, LUA_MATHLIBNAME);
  lua_setglobal(L, LUA_MATHLIBNAME);

  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
  for (const char* linear : {"char", "codepoint", "len", "offset"}) detail::wrap(L, linear, &bounded::charged_by_bytes);
  make_read_only(L, LUA_UTF8LIBNAME);
  lua_setglobal(L, LUA_UTF8LIBNAME);

  // os: only the clock readings
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
  lua_createtable(L, 0, 2);
  lua_getfield(L, -2, "time");
  lua_setfield(L, -2, "time");
  lua_getfield(L, -2, "clock");
  lua_setfield(L, -2, "clock");
  if (os_extra != nullptr) luaL_setfuncs(L, os_extra, 0);
  make_read_only(L, LUA_OSLIBNAME);
  lua_setglobal(L, LUA_OSLIBNAME);
  lua_pop(L, 1);

  // luaL_requiref recorded the modules in package.loaded (a registry table
  // scripts cannot reach); nothing else to clean up.
}

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_SANDBOX_HPP
// ---- end aura/adapters/lua/sandbox.hpp

namespace aura::lua {

namespace detail {

/// Runs C++ work; an exception becomes text in the state's scratch.
template <class F>
[[nodiscard]] bool guarded(state& s, F&& work) noexcept {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    try {
      s.scratch = e.what();
    } catch (...) {
      s.scratch.clear();
    }
  } catch (...) {
    s.scratch.clear();
  }
  return false;
}

/// The context of the call in progress, or a Lua error naming `api`.
inline context& current_context(lua_State* L, const char* api) {
  state& s = state::of(L);
  if (s.ctx == nullptr) luaL_error(L, "%s is only available while a handler runs", api);
  return *s.ctx;
}

/// Raises the scratch text as the Lua error.
inline int raise_scratch(lua_State* L) {
  state& s = state::of(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return lua_error(L);
}

/// Returns `nil, scratch` to Lua.
inline int nil_and_scratch(lua_State* L) {
  state& s = state::of(L);
  lua_pushnil(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return 2;
}

enum class host_outcome { value, nothing, failed, refused, threw };

/// Sorts a host failure: a permission refusal raises, anything else is returned.
inline host_outcome classify(state& s, const error& e) {
  s.scratch = e.message;
  return e.code == errc::permission_denied ? host_outcome::refused : host_outcome::failed;
}

// ---- decisions ---------------------------------------------------------------

inline void set_effects_arg(lua_State* L, int arg) {
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushvalue(L, arg);
  lua_setfield(L, -2, "effects");
}

// Each pads its arguments with nil first, so the new table never takes an argument's slot.
inline int api_allow(lua_State* L) {
  lua_settop(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "allow");
  lua_setfield(L, -2, "decision");
  set_effects_arg(L, 1);
  return 1;
}

inline int api_deny(lua_State* L) {
  luaL_checkstring(L, 1);
  lua_settop(L, 2);
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "deny");
  lua_setfield(L, -2, "decision");
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "reason");
  set_effects_arg(L, 2);
  return 1;
}

/// aura.mutate(patch [, format] [, effects]): format "merge" (default) or "json_patch".
inline int api_mutate(lua_State* L) {
  luaL_checkany(L, 1);
  int effects_arg = 3;
  const char* format = "merge";
  if (lua_type(L, 2) == LUA_TTABLE) {
    effects_arg = 2;  // format left out
  } else if (!lua_isnoneornil(L, 2)) {
    format = luaL_checkstring(L, 2);
    if (std::strcmp(format, "merge") != 0 && std::strcmp(format, "json_patch") != 0) {
      return luaL_argerror(L, 2, "patch format must be \"merge\" or \"json_patch\"");
    }
  }
  lua_settop(L, 3);
  lua_createtable(L, 0, 4);
  lua_pushliteral(L, "mutate");
  lua_setfield(L, -2, "decision");
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "patch");
  lua_pushstring(L, format);
  lua_setfield(L, -2, "patch_format");
  set_effects_arg(L, effects_arg);
  return 1;
}

// ---- JSON helpers ------------------------------------------------------------

/// aura.array([t]): marks t (or a new table) as a JSON array, even when empty.
inline int api_array(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_createtable(L, 0, 0);
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (lua_getmetatable(L, 1)) {
      if (!is_marked_array(L, 1)) return luaL_argerror(L, 1, "table already has a metatable");
      lua_pop(L, 1);
      return 1;
    }
  }
  push_array_metatable(L);
  lua_setmetatable(L, 1);
  return 1;
}

inline int api_is_array(lua_State* L) {
  lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && is_marked_array(L, 1));
  return 1;
}

// ---- host API ----------------------------------------------------------------

/// aura.log([level,] message): level "debug", "info" (default), "warn" or "error".
inline int api_log(lua_State* L) {
  static const char* const levels[] = {"debug", "info", "warn", "error", nullptr};
  int level = 1;
  int msg_arg = 1;
  if (lua_gettop(L) >= 2) {
    level = luaL_checkoption(L, 1, nullptr, levels);
    msg_arg = 2;
  }
  std::size_t n = 0;
  const char* msg = luaL_checklstring(L, msg_arg, &n);
  context& ctx = current_context(L, "aura.log");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        std::string line(msg, n);
        make_valid_utf8(line);  // a log line must serialise whatever the script wrote
        auto r = ctx.log(static_cast<log_level>(level), line);
        if (!r) out = classify(s, r.error());
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::refused || out == host_outcome::threw) return raise_scratch(L);
  if (out == host_outcome::failed) return nil_and_scratch(L);
  lua_pushboolean(L, 1);
  return 1;
}

/// aura.config([key]): the plugin's merged config, or one member of it (nil if absent).
inline int api_config(lua_State* L) {
  std::size_t n = 0;
  const char* key = lua_isnoneornil(L, 1) ? nullptr : luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.config");
  state& s = state::of(L);
  const nlohmann::json* found = nullptr;
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        if (!ctx.perms().allows_api("config")) {
          s.scratch = "host API \"config\" is not in the plugin's call_api";
          out = host_outcome::refused;
          return;
        }
        const nlohmann::json& cfg = ctx.config();
        if (key == nullptr) {
          found = &cfg;
        } else if (cfg.is_object()) {
          auto it = cfg.find(std::string(key, n));
          if (it != cfg.end()) found = &*it;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out != host_outcome::value) return raise_scratch(L);
  if (found == nullptr) {
    lua_pushnil(L);
  } else {
    push_json(L, *found, s.json());
  }
  return 1;
}

/// aura.storage.get(key) -> string or nil.
inline int api_storage_get(lua_State* L) {
  std::size_t n = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.storage.get");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto r = ctx.storage_get(std::string_view(key, n));
        if (!r) {
          out = classify(s, r.error());
        } else if (!*r) {
          out = host_outcome::nothing;
        } else {
          s.scratch = std::move(**r);
        }
      })) {
    out = host_outcome::threw;
  }
  switch (out) {
    case host_outcome::value:
      lua_pushlstring(L, s.scratch.data(), s.scratch.size());
      return 1;
    case host_outcome::nothing:
      lua_pushnil(L);
      return 1;
    case host_outcome::failed:
      return nil_and_scratch(L);
    case host_outcome::refused:
    case host_outcome::threw:
      break;
  }
  return raise_scratch(L);
}

/// aura.storage.set(key, value) -> true (value: a string).
inline int api_storage_set(lua_State* L) {
  std::size_t n = 0, vn = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  const char* value = luaL_checklstring(L, 2, &vn);
  context& ctx = current_context(L, "aura.storage.set");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto r = ctx.storage_set(std::string_view(key, n), std::string_view(value, vn));
        if (!r) out = classify(s, r.error());
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushboolean(L, 1);
  return 1;
}

/// aura.storage.remove(key) -> whether the key existed.
inline int api_storage_remove(lua_State* L) {
  std::size_t n = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.storage.remove");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  bool existed = false;
  if (!guarded(s, [&] {
        auto r = ctx.storage_remove(std::string_view(key, n));
        if (!r) {
          out = classify(s, r.error());
        } else {
          existed = *r;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushboolean(L, existed ? 1 : 0);
  return 1;
}

/// aura.http{url=..., method="GET", headers={...}, body="", timeout_ms=5000}
/// -> {status=..., headers={...}, body=...}.
inline int api_http(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  context& ctx = current_context(L, "aura.http");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto spec = read_json(L, 1, s.json());
        if (!spec || !spec->is_object()) {
          s.scratch = "aura.http: the request must be a table: " +
                      (spec ? std::string("not an object") : spec.error().message + " at " + spec.error().where);
          out = host_outcome::refused;  // a malformed call is the script's bug: raise
          return;
        }
        http_request req;
        auto text = [&](const char* field, std::string& into) {
          auto it = spec->find(field);
          if (it == spec->end()) return true;
          if (!it->is_string()) return false;
          into = it->get<std::string>();
          return true;
        };
        bool ok = text("url", req.url) && text("method", req.method) && text("body", req.body);
        if (auto h = spec->find("headers"); ok && h != spec->end()) {
          ok = h->is_object();
          for (auto it = h->begin(); ok && it != h->end(); ++it) {
            ok = it->is_string();
            if (ok) req.headers[it.key()] = it->get<std::string>();
          }
        }
        if (auto t = spec->find("timeout_ms"); ok && t != spec->end()) {
          ok = t->is_number_integer() && t->get<long long>() > 0;
          if (ok) req.timeout = std::chrono::milliseconds(t->get<long long>());
        }
        if (!ok || req.url.empty()) {
          s.scratch =
              "aura.http: expected {url=string, method=string, headers={name=string}, body=string, timeout_ms=integer}";
          out = host_outcome::refused;
          return;
        }
        auto r = ctx.http(req);
        if (!r) {
          out = classify(s, r.error());
          return;
        }
        s.scratch_json = nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  push_json(L, s.scratch_json, s.json());
  return 1;
}

/// os.getenv(name): the variable if the plugin's `env` permission covers it
/// (nil when unset); a variable it does not cover raises.
inline int api_getenv(lua_State* L) {
  std::size_t n = 0;
  const char* name = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "os.getenv");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        if (!ctx.perms().allows_env(std::string_view(name, n))) {
          s.scratch = "environment variable \"" + std::string(name, n) + "\" is not in the plugin's permissions";
          out = host_outcome::refused;
          return;
        }
        const char* value = std::getenv(name);
        if (value == nullptr) {
          out = host_outcome::nothing;
        } else {
          s.scratch = value;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::nothing) {
    lua_pushnil(L);
    return 1;
  }
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return 1;
}

/// The functions the host API adds to `os` (for open_sandbox).
inline const luaL_Reg* os_functions() noexcept {
  static const luaL_Reg functions[] = {{"getenv", &api_getenv}, {nullptr, nullptr}};
  return functions;
}

}  // namespace detail

/// Builds the `aura` table as a read-only proxy, records it in the registry
/// (so every call can restore the global) and sets the global. May raise.
inline void install_host_api(lua_State* L) {
  static const luaL_Reg functions[] = {
      {"allow", &detail::api_allow},   {"deny", &detail::api_deny},         {"mutate", &detail::api_mutate},
      {"array", &detail::api_array},   {"is_array", &detail::api_is_array}, {"log", &detail::api_log},
      {"config", &detail::api_config}, {"http", &detail::api_http},         {nullptr, nullptr}};
  static const luaL_Reg storage_functions[] = {{"get", &detail::api_storage_get},
                                               {"set", &detail::api_storage_set},
                                               {"remove", &detail::api_storage_remove},
                                               {nullptr, nullptr}};
  lua_createtable(L, 0, 12);
  luaL_setfuncs(L, functions, 0);
  lua_pushlightuserdata(L, null_sentinel());
  lua_setfield(L, -2, "null");
  lua_pushlstring(L, version_string.data(), version_string.size());
  lua_setfield(L, -2, "version");
  lua_createtable(L, 0, 3);
  luaL_setfuncs(L, storage_functions, 0);
  make_read_only(L, "aura.storage");
  lua_setfield(L, -2, "storage");
  make_read_only(L, "aura");
  lua_pushvalue(L, -1);
  state::of(L).aura_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_setglobal(L, "aura");
}

/// Opens the sandbox with the host API's additions, then installs `aura`. May raise.
inline void open_plugin_environment(lua_State* L) {
  open_sandbox(L, detail::os_functions());
  install_host_api(L);
}

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_HOST_API_HPP
// ---- end aura/adapters/lua/host_api.hpp
// ---- begin aura/adapters/lua/state_pool.hpp
#ifndef AURA_SI_AURA_ADAPTERS_LUA_STATE_POOL_HPP
#define AURA_SI_AURA_ADAPTERS_LUA_STATE_POOL_HPP
// aura/adapters/lua/state_pool.hpp - Lua states shared by the threads that call one plugin.
//
// A lua_State is not thread-safe, so each concurrent call leases its own: an
// idle state if there is one, a new one while fewer than `max_states` live,
// else the caller waits. A state that hit a bound is discarded, not reused.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>


namespace aura::lua {

class state_pool {
 public:
  using factory = std::function<result<std::unique_ptr<state>>()>;

  /// One state on loan; returns it to the pool (or discards it) when destroyed.
  class lease {
   public:
    lease() = default;
    lease(lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), state_(std::move(other.state_)) {}
    lease& operator=(lease&& other) noexcept {
      if (this != &other) {
        give_back();
        pool_ = std::exchange(other.pool_, nullptr);
        state_ = std::move(other.state_);
      }
      return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { give_back(); }

    [[nodiscard]] state& operator*() const noexcept { return *state_; }
    [[nodiscard]] state* operator->() const noexcept { return state_.get(); }
    /// The state must not be reused (it ran into a bound or is otherwise suspect).
    void discard() noexcept { discard_ = true; }

   private:
    friend class state_pool;
    lease(state_pool* pool, std::unique_ptr<state> s) : pool_(pool), state_(std::move(s)) {}
    void give_back() noexcept {
      if (pool_ != nullptr && state_) pool_->release(std::move(state_), discard_);
      pool_ = nullptr;
    }
    state_pool* pool_ = nullptr;
    std::unique_ptr<state> state_;
    bool discard_ = false;
  };

  state_pool(factory make, std::size_t max_states)
      : make_(std::move(make)), max_(max_states == 0 ? 1 : max_states) {}

  /// Puts a ready state in the pool (the one made while loading the plugin).
  void adopt(std::unique_ptr<state> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++live_;
    idle_.push_back(std::move(s));
  }

  /// An idle state, a new one, or (all `max_states` busy) the next one freed.
  [[nodiscard]] result<lease> acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !idle_.empty() || live_ < max_; });
    if (!idle_.empty()) {
      std::unique_ptr<state> s = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(s));
    }
    ++live_;
    ++created_;
    lock.unlock();
    auto made = make_();  // compiling the script takes a while: not under the lock
    if (!made) {
      lock.lock();
      --live_;
      ready_.notify_one();
      return fail(std::move(made.error()));
    }
    return lease(this, std::move(*made));
  }

  /// States created since the pool was made (adopted ones not counted): tests
  /// read it to see that a state that hit a bound was replaced.
  [[nodiscard]] std::size_t created() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return created_;
  }
  [[nodiscard]] std::size_t live() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  void release(std::unique_ptr<state> s, bool discard) noexcept {
    if (discard) {
      s.reset();  // lua_close outside the lock
      std::lock_guard<std::mutex> lock(mutex_);
      --live_;
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        idle_.push_back(std::move(s));
      } catch (...) {
        --live_;  // could not keep it: `s` closes as it goes out of scope
      }
    }
    ready_.notify_one();
  }

  factory make_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<state>> idle_;
  std::size_t live_ = 0;
  std::size_t created_ = 0;
};

}  // namespace aura::lua
#endif  // AURA_SI_AURA_ADAPTERS_LUA_STATE_POOL_HPP
// ---- end aura/adapters/lua/state_pool.hpp

namespace aura {

/// How a Lua plugin is loaded.
struct lua_options {
  std::string name;              ///< the plugin's name (errors, logs); default: the file stem or chunk name
  lua_limits limits;             ///< instructions, memory, depth, time, states
  std::shared_ptr<context> ctx;  ///< the plugin's own context; null: the context passed at dispatch
};

/// A loaded Lua script. Thread-safe: concurrent calls run on separate states
/// from a pool (see lua_limits::max_states).
class lua_plugin : public std::enable_shared_from_this<lua_plugin> {
 public:
  /// Loads a script file. A syntax error or an error in the script's top
  /// level is an errc::load_error whose `where` is "file:line".
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> load(const std::filesystem::path& path,
                                                                lua_options options) {
    auto text = detail::read_plugin_file(path, "Lua script", options.name);
    if (!text) return fail(std::move(text.error()));
    if (options.name.empty()) options.name = path.stem().string();
    return make(std::move(*text), "@" + path.string(), path.string(), std::move(options));
  }

  /// Loads a script from memory; `chunk_name` names it in messages ("name:line:").
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> load_source(std::string source, std::string chunk_name,
                                                                       lua_options options) {
    if (chunk_name.empty()) chunk_name = options.name.empty() ? "script" : options.name;
    if (options.name.empty()) options.name = chunk_name;
    return make(std::move(source), "=" + chunk_name, chunk_name, std::move(options));
  }

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const lua_limits& limits() const noexcept { return options_.limits; }

  /// The global functions the script defined at load, sorted: its handlers.
  [[nodiscard]] const std::vector<std::string>& handlers() const noexcept { return handlers_; }
  [[nodiscard]] bool has_handler(std::string_view handler) const noexcept {
    for (const auto& h : handlers_) {
      if (h == handler) return true;
    }
    return false;
  }

  /// A json_hook calling global function `handler`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler) {
    return [self = shared_from_this(), handler = std::move(handler)](const envelope<dynamic_event>& event,
                                                                     context& ctx) {
      return self->call(handler, event, ctx);
    };
  }

  /// Runs `handler` on `event`. `dispatch_ctx` is used when the plugin has no
  /// context of its own. Never throws; every failure names plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler,
                                                     const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx) noexcept {
    try {
      context& ctx = options_.ctx ? *options_.ctx : dispatch_ctx;
      auto r = call_unnamed(handler, event, ctx);
      if (!r) {
        r.error().plugin = options_.name;
        r.error().hook = handler;
      }
      aura::detail::check_plugin_answer(r, ctx, options_.name, handler);
      return r;
    } catch (const std::exception& ex) {
      return fail(error{errc::hook_failed, std::string("Lua adapter: ") + ex.what(), options_.name, handler, {}});
    } catch (...) {
      return fail(error{errc::hook_failed, "Lua adapter: unknown exception", options_.name, handler, {}});
    }
  }

  /// States made after load (each replacing one that hit a bound, or serving
  /// one more concurrent caller).
  [[nodiscard]] std::size_t states_created() const { return pool_->created(); }

 private:
  // make_shared needs a public constructor; only lua_plugin can make a key
  // (explicit: `{}` from outside does not convert).
  struct key {
    explicit key() = default;
  };

 public:
  lua_plugin(key, std::string source, std::string chunk_name, std::string display_name, lua_options options)
      : source_(std::move(source)),
        chunk_name_(std::move(chunk_name)),
        display_name_(std::move(display_name)),
        options_(std::move(options)) {}

 private:
  [[nodiscard]] static result<std::shared_ptr<lua_plugin>> make(std::string source, std::string chunk_name,
                                                                std::string display_name, lua_options options) {
    auto plugin = std::make_shared<lua_plugin>(key{}, std::move(source), std::move(chunk_name),
                                               std::move(display_name), std::move(options));
    auto first = plugin->make_state(&plugin->handlers_);
    if (!first) {
      first.error().plugin = plugin->options_.name;
      return fail(std::move(first.error()));
    }
    lua_plugin* raw = plugin.get();  // the pool lives inside the plugin: a raw pointer cannot dangle
    plugin->pool_ = std::make_unique<lua::state_pool>([raw] { return raw->make_state(nullptr); },
                                                      plugin->options_.limits.max_states);
    plugin->pool_->adopt(std::move(*first));
    return plugin;
  }

  static int open_libraries(lua_State* L) {
    lua::open_plugin_environment(L);
    return 0;
  }

  /// Global names, to tell the script's functions from the library's.
  [[nodiscard]] static std::set<std::string> global_functions(lua_State* L) {
    std::set<std::string> names;
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TFUNCTION) names.emplace(lua_tostring(L, -2));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return names;
  }

  /// A state with the sandbox, the `aura` table and the script run.
  [[nodiscard]] result<std::unique_ptr<lua::state>> make_state(std::vector<std::string>* handlers_out) {
    std::unique_ptr<lua::state> s = lua::state::create(options_.limits);
    if (!s) return fail(errc::load_error, "cannot allocate a Lua state (memory cap too small?)");
    s->plugin = options_.name;
    lua_State* L = s->L();

    lua_pushcfunction(L, &open_libraries);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
      std::string text = lua::error_text(L);
      return fail(errc::load_error, "cannot set up the Lua sandbox: " + text);
    }
    std::set<std::string> library;
    if (handlers_out != nullptr) library = global_functions(L);

    int status = luaL_loadbufferx(L, source_.data(), source_.size(), chunk_name_.c_str(), "t");
    if (status != LUA_OK) {
      std::string text = lua::error_text(L);
      std::string where = lua::error_position(text);
      return fail(errc::load_error, (status == LUA_ERRSYNTAX ? "syntax error: " : "cannot load script: ") + text,
                  where.empty() ? display_name_ : where);
    }
    // The top level runs under the same bounds as a call, with the plugin's
    // own context (if any) for aura.log and friends.
    s->ctx = options_.ctx.get();
    s->begin_call();
    status = lua_pcall(L, 0, 0, 0);
    s->end_call();
    s->ctx = nullptr;
    if (status != LUA_OK) {
      error e = lua::call_failure(*s, status, false);
      e.message = "error running the script: " + e.message;
      e.code = errc::load_error;
      if (e.where.empty()) e.where = display_name_;
      return fail(std::move(e));
    }
    if (s->hit_limit()) {
      return fail(errc::load_error, "the script's top level ran into the memory cap", display_name_);
    }
    if (handlers_out != nullptr) {
      for (auto& name : global_functions(L)) {
        if (library.count(name) == 0) handlers_out->push_back(name);
      }
    }
    return s;
  }

  [[nodiscard]] result<decision<dynamic_event>> call_unnamed(const std::string& handler,
                                                             const envelope<dynamic_event>& event, context& ctx) {
    auto lease = pool_->acquire();
    if (!lease) return fail(std::move(lease.error()));
    lua::state& s = **lease;
    lua_State* L = s.L();

    const std::string time_text = lua::format_event_time(event.time);
    lua::call_request req;
    req.handler = &handler;
    req.event = &event;
    req.time_text = &time_text;
    req.config = &ctx.config();

    s.ctx = &ctx;
    s.begin_call();
    lua_pushcfunction(L, &lua::run_handler);
    lua_pushlightuserdata(L, &req);
    const int status = lua_pcall(L, 1, 1, 0);
    s.end_call();
    s.ctx = nullptr;
    if (status != LUA_OK) {
      error e = lua::call_failure(s, status, req.missing_handler);
      lua_settop(L, 0);
      if (s.hit_limit() || status == LUA_ERRMEM) lease->discard();
      return fail(std::move(e));
    }
    if (s.hit_limit()) {
      // The script caught the limit error with pcall and answered anyway:
      // the call still failed, and the state is not trusted again.
      error e = lua::call_failure(s, LUA_ERRMEM, false);
      lua_settop(L, 0);
      lease->discard();
      return fail(std::move(e));
    }
    auto d = lua::read_decision(L, -1, s.json());
    lua_settop(L, 0);
    return d;
  }

  std::string source_;
  std::string chunk_name_;    // "@path" or "=name", as Lua wants it
  std::string display_name_;  // path or name, for `where`
  lua_options options_;
  std::vector<std::string> handlers_;
  std::unique_ptr<lua::state_pool> pool_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_LUA_HPP
// ---- end aura/adapters/lua.hpp

namespace aura::plugin {

namespace detail {
class lua_instance final : public plugin_instance {
 public:
  explicit lua_instance(std::shared_ptr<lua_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override { return p_->hook(spec.handler); }

 private:
  std::shared_ptr<lua_plugin> p_;
};
}  // namespace detail

/// Reads `[plugin.runtime.limits]` for a Lua plugin over the host's defaults:
/// instructions, memory_bytes, max_depth, timeout_ms, max_states (non-negative integers).
[[nodiscard]] inline result<lua_limits> lua_limits_from_json(const nlohmann::json& j, lua_limits out = {}) {
  if (j.is_null()) return out;
  if (!j.is_object()) return fail(errc::invalid_argument, "lua limits must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      return fail(errc::invalid_argument, "lua limit \"" + key + "\" must be a non-negative integer", "/" + key);
    }
    const auto n = v.get<std::uint64_t>();
    if (key == "instructions") {
      out.instructions = n;
    } else if (key == "memory_bytes") {
      out.memory = static_cast<std::size_t>(n);
    } else if (key == "max_depth") {
      out.max_depth = static_cast<std::size_t>(n);
    } else if (key == "timeout_ms") {
      out.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(n));
    } else if (key == "max_states") {
      if (n == 0) return fail(errc::invalid_argument, "lua limit \"max_states\" must be at least 1", "/" + key);
      out.max_states = static_cast<std::size_t>(n);
    } else {
      return fail(errc::invalid_argument,
                  "unknown lua limit \"" + key + "\" (instructions, memory_bytes, max_depth, timeout_ms, max_states)",
                  "/" + key);
    }
  }
  return out;
}

/// `limits` in manifest form (what lua_limits_from_json reads back).
[[nodiscard]] inline nlohmann::json lua_limits_to_json(const lua_limits& l) {
  return nlohmann::json{{"instructions", l.instructions},
                        {"memory_bytes", l.memory},
                        {"max_depth", l.max_depth},
                        {"timeout_ms", l.timeout.count()},
                        {"max_states", l.max_states}};
}

/// The loader for "lua" plugins in the host process only, whatever the isolation asked.
[[nodiscard]] inline runtime_loader lua_in_process_loader(lua_limits limits) {
  return [limits](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    lua_options o;
    o.name = req.spec.name;
    // the manifest's limits over the host's
    auto merged = detail::manifest_limits(req.spec, limits, [](const nlohmann::json& j, const lua_limits& d) {
      return lua_limits_from_json(j, d);
    });
    if (!merged) return fail(std::move(merged.error()));
    o.limits = *merged;
    o.ctx = req.ctx;
    auto p = lua_plugin::load(req.spec.dir / req.spec.runtime.entrypoint, std::move(o));
    if (!p) return fail(detail::adapter_load_error(std::move(p.error()), req.spec));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::lua_instance>(std::move(*p)));
  };
}

/// The loader for "lua" plugins, with the sandbox's limits: in process when
/// the host resolved `in_process` for the plugin, else isolated (the default).
[[nodiscard]] inline runtime_loader lua_loader(lua_limits limits = {}) {
  return isolating_loader(runtime_kind::lua, lua_in_process_loader(limits), lua_limits_to_json(limits));
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIMES_LUA_HPP
// ---- end aura/plugin/runtimes/lua.hpp
#endif

namespace aura::plugin {

/// Every runtime kind this build supports.
[[nodiscard]] inline runtime_registry default_runtimes(std::shared_ptr<native_registry> natives =
                                                           std::make_shared<native_registry>()) {
  runtime_registry r;
  r.set(runtime_kind::native, native_loader(std::move(natives)));
  r.set(runtime_kind::process, process_loader());
  r.set(runtime_kind::command, command_loader());
  // lua and wasm run isolated in aura-worker without the runtime in the host;
  // in process only where the host links it.
#if AURA_PLUGIN_WASM
  r.set(runtime_kind::wasm, wasm_loader());
#else
  r.set(runtime_kind::wasm, isolating_loader(runtime_kind::wasm, nullptr));
#endif
#if AURA_PLUGIN_LUA
  r.set(runtime_kind::lua, lua_loader());
#else
  r.set(runtime_kind::lua, isolating_loader(runtime_kind::lua, nullptr));
#endif
  return r;
}

}  // namespace aura::plugin
#endif  // AURA_SI_AURA_PLUGIN_RUNTIMES_DEFAULTS_HPP
// ---- end aura/plugin/runtimes/defaults.hpp
#endif  // AURA_SI_AURA_PLUGIN_PLUGIN_HPP
// ---- end aura/plugin/plugin.hpp
