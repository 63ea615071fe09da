// aura/claude_code/http_policy.hpp - the settings' limits on http hooks.
//
// `allowedHttpHookUrls` lists the URL patterns http hooks may POST to (`*`
// is a wildcard; a pattern without a path allows every path of its origin;
// unset: any URL; empty: none). `httpHookAllowedEnvVars` lists the
// variables headers may use: a hook's effective allowedEnvVars is its own
// list intersected with it. As in Claude Code, both lists merge across
// every settings file that sets them, and for a hook the managed file
// declares a list applies only when the managed file itself sets it (a
// user's or project's list does not restrict the administrator's hooks).
#pragma once

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

/// `*` matches any run of characters (also none); everything else itself, ASCII case-insensitively.
[[nodiscard]] inline bool glob_matches(const std::string& pat, const std::string& text) noexcept {
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pat.size() && lower(pat[p]) == lower(text[t])) {
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

/// "scheme://authority" of a URL (without path, query or fragment).
[[nodiscard]] inline std::string url_origin(const std::string& url) {
  const auto s = url.find("://");
  if (s == std::string::npos) return url;
  const auto end = url.find_first_of("/?#", s + 3);
  return end == std::string::npos ? url : url.substr(0, end);
}

}  // namespace detail

/// Whether `url` matches one allowedHttpHookUrls pattern.
[[nodiscard]] inline bool http_url_allowed_by(const std::string& url, const std::string& pattern) {
  if (pattern == "*") return true;
  std::string u = url.substr(0, url.find('#'));
  const auto s = pattern.find("://");
  const bool origin_only = s != std::string::npos && pattern.find_first_of("/?#", s + 3) == std::string::npos;
  if (origin_only) return detail::glob_matches(pattern, detail::url_origin(u));
  return detail::glob_matches(pattern, u);
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
