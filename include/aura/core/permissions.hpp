// aura/core/permissions.hpp - what a plugin declared it may do; the context checks it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/glob.hpp"
#include "aura/core/network_rule.hpp"
#include "aura/core/storage_limits.hpp"
#include "aura/core/url.hpp"

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
