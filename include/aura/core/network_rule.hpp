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
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aura/core/error.hpp"
#include "aura/core/url.hpp"
#include "aura/core/url_host.hpp"

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
