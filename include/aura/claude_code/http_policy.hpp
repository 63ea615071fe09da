// aura/claude_code/http_policy.hpp - the settings' limits on http hooks.
//
// `allowedHttpHookUrls` lists the URL patterns http hooks may POST to,
// compared with the URL's parsed parts (scheme, host, port, path; `*` a
// wildcard; a pattern without a path allows every path of its origin;
// unset: any URL; empty: none). `httpHookAllowedEnvVars` lists the
// variables headers may use: a hook's effective allowedEnvVars is its own
// list intersected with it. As in Claude Code, both lists merge across
// every settings file that sets them, and for a hook the managed file
// declares a list applies only when the managed file itself sets it (a
// user's or project's list does not restrict the administrator's hooks).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/settings.hpp"

namespace aura::claude_code {

struct http_hook_policy {
  std::optional<std::vector<std::string>> allowed_urls;      ///< nullopt: no restriction
  std::optional<std::vector<std::string>> allowed_env_vars;  ///< nullopt: no restriction
};

namespace detail {

/// `*` matches any run of characters (also none); everything else itself (case-sensitive).
[[nodiscard]] inline bool glob_matches(const std::string& pat, const std::string& text) noexcept {
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pat.size() && pat[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

[[nodiscard]] inline std::string ascii_lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

/// The parts of a URL allowedHttpHookUrls compares: the scheme and host in
/// lower case (the host without a trailing dot and without user info), the
/// port ("" for the scheme's default), the path ("/" when empty) and the
/// query (with its '?'); the fragment is dropped.
struct url_parts {
  std::string scheme, host, port, path, query;
};

/// `url` split into its parts; nullopt when it is not `scheme://host...`.
/// In a pattern (`pattern` true) '*' may stand in any part.
[[nodiscard]] inline std::optional<url_parts> parse_url(const std::string& url, bool pattern) {
  const auto s = url.find("://");
  if (s == std::string::npos || s == 0) return std::nullopt;
  url_parts u;
  u.scheme = ascii_lower(url.substr(0, s));
  for (char c : u.scheme) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || (pattern && c == '*');
    if (!ok) return std::nullopt;
  }
  std::string rest = url.substr(s + 3);
  rest = rest.substr(0, rest.find('#'));
  const auto auth_end = rest.find_first_of("/?");
  std::string authority = rest.substr(0, auth_end);
  std::string tail = auth_end == std::string::npos ? std::string() : rest.substr(auth_end);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string host = authority;
  if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
    for (char c : u.port) {
      if (!((c >= '0' && c <= '9') || (pattern && c == '*'))) return std::nullopt;
    }
  }
  if (host.empty()) return std::nullopt;
  u.host = ascii_lower(host);
  if (u.host.back() == '.') u.host.pop_back();
  if ((u.scheme == "http" && u.port == "80") || (u.scheme == "https" && u.port == "443")) u.port.clear();
  const auto q = tail.find('?');
  u.path = tail.substr(0, q);
  u.query = q == std::string::npos ? std::string() : tail.substr(q);
  if (u.path.empty()) u.path = "/";
  return u;
}

/// `pattern` against `text` one '/'-separated segment at a time ('*' stays
/// within a segment): for patterns that are not URLs.
[[nodiscard]] inline bool segment_glob_matches(const std::string& pattern, const std::string& text) {
  std::size_t p = 0, t = 0;
  for (;;) {
    const auto pe = std::min(pattern.find('/', p), pattern.size());
    const auto te = std::min(text.find('/', t), text.size());
    if ((pe == pattern.size()) != (te == text.size())) return false;
    if (!glob_matches(pattern.substr(p, pe - p), text.substr(t, te - t))) return false;
    if (pe == pattern.size()) return true;
    p = pe + 1;
    t = te + 1;
  }
}

}  // namespace detail

/// Whether `url` matches one allowedHttpHookUrls pattern, compared part by
/// part as Claude Code 2.1.332 does: the scheme (`*` any), the host (`*`
/// wildcards, case-insensitive), the port (`*` any; any as well when the
/// pattern's host has a wildcard and names no port; else equal, a scheme's
/// default port being the same as none), then the path and query (`*`
/// wildcards, case-sensitive), except that a pattern without a path (and
/// not ending in '/') allows every path of its origin. User info and the
/// fragment of the URL take no part. A pattern that is not a URL is matched
/// as text against `scheme://host[:port]/path?query`, segment by segment.
[[nodiscard]] inline bool http_url_allowed_by(const std::string& url, const std::string& pattern) {
  if (pattern == "*") return true;
  const auto u = detail::parse_url(url, false);
  if (!u) return false;
  const auto p = detail::parse_url(pattern, true);
  if (!p) {
    const std::string text = u->scheme + "://" + u->host + (u->port.empty() ? "" : ":" + u->port) + u->path + u->query;
    return detail::segment_glob_matches(pattern, text);
  }
  if (p->scheme != "*" && p->scheme != u->scheme) return false;
  if (!detail::glob_matches(p->host, u->host)) return false;
  const bool any_port = p->port == "*" || (p->port.empty() && p->host.find('*') != std::string::npos);
  if (!any_port && !detail::glob_matches(p->port, u->port)) return false;
  const bool no_path = p->path == "/" && p->query.empty() && pattern.back() != '/';
  if (no_path) return true;
  return detail::glob_matches(p->path + p->query, u->path + u->query);
}

/// The limits for `hook` from the settings files read (lowest precedence first).
[[nodiscard]] inline http_hook_policy http_policy_for(const std::vector<settings_file>& files, const hook_command& hook) {
  http_hook_policy out;
  const settings_file* managed = nullptr;
  for (const auto& f : files) {
    if (f.from == scope::managed) managed = &f;
  }
  auto merged = [&](std::optional<std::vector<std::string>> settings_file::*list) {
    std::optional<std::vector<std::string>> u;
    if (hook.from == scope::managed && !(managed && (managed->*list))) return u;
    for (const auto& f : files) {
      if (!(f.*list)) continue;
      if (!u) u.emplace();
      for (const auto& v : *(f.*list)) u->push_back(v);
    }
    return u;
  };
  out.allowed_urls = merged(&settings_file::allowed_http_hook_urls);
  out.allowed_env_vars = merged(&settings_file::http_hook_allowed_env_vars);
  return out;
}

/// Why the policy stops `url` (empty: it may be sent).
[[nodiscard]] inline std::string http_url_refusal(const http_hook_policy& policy, const std::string& url) {
  if (!policy.allowed_urls) return {};
  for (const auto& p : *policy.allowed_urls) {
    if (http_url_allowed_by(url, p)) return {};
  }
  return "HTTP hook blocked: " + url + " does not match any pattern in allowedHttpHookUrls";
}

/// The hook's allowedEnvVars that the policy leaves it.
[[nodiscard]] inline std::vector<std::string> http_env_vars_allowed(const http_hook_policy& policy, const hook_command& hook) {
  if (!policy.allowed_env_vars) return hook.allowed_env_vars;
  std::vector<std::string> out;
  for (const auto& v : hook.allowed_env_vars) {
    for (const auto& a : *policy.allowed_env_vars) {
      if (a == v) {
        out.push_back(v);
        break;
      }
    }
  }
  return out;
}

}  // namespace aura::claude_code
