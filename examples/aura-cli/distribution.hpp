// What the distribution commands (install, remove, update, upgrade, reload,
// pack, publish, keys, logs) share: where things live, per repo and global.
//   plugins  ~/.aura/plugins (global, --global)   .aura/plugins (repo, the default)
//   lock     ~/.aura/aura.lock                     .aura/aura.lock
//   trust    ~/.aura/trust                         .aura/trust (searched first)
//   logs     $AURA_LOG_DIR, else ~/.aura/logs/plugins
// (~/.aura is $AURA_HOME when set). The host policy for unsigned plugins is
// trust/policy.json: {"unsigned": "allow"|"deny", "allow_unsigned": [globs]}
// (repo over global; default allow); $AURA_REQUIRE_SIGNED=1 makes it deny.
#pragma once

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <aura/distribution/distribution.hpp>
#if defined(AURA_CLI_HTTP)
#include <aura/net/curl_http_client.hpp>
#endif

#include "cli.hpp"

namespace aura_cli {

[[nodiscard]] inline fs::path aura_home() {
  const char* home = std::getenv("AURA_HOME");
  if (home && *home) return home;
  const char* user = std::getenv("HOME");
  return fs::path(user ? user : ".") / ".aura";
}
[[nodiscard]] inline fs::path repo_home() { return fs::path(".aura"); }

[[nodiscard]] inline aura::distribution::trust_store cli_trust(bool global_first = false) {
  std::vector<fs::path> dirs{repo_home() / "trust", aura_home() / "trust"};
  if (global_first) std::swap(dirs[0], dirs[1]);
  return aura::distribution::trust_store(dirs);
}


[[nodiscard]] inline aura::distribution::verify_policy cli_policy() {
  aura::distribution::verify_policy p;
  for (const auto& dir : {aura_home() / "trust", repo_home() / "trust"}) {  // repo last: it overrides
    auto text = aura::distribution::read_file(dir / "policy.json");
    if (!text) continue;
    auto j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw cli_error{(dir / "policy.json").string() + ": not a JSON object"};
    if (j.contains("unsigned")) {
      const std::string u = j["unsigned"].is_string() ? j["unsigned"].get<std::string>() : "";
      if (u != "allow" && u != "deny") throw cli_error{(dir / "policy.json").string() + ": /unsigned must be \"allow\" or \"deny\""};
      p.allow_unsigned = u == "allow";
    }
    if (j.contains("allow_unsigned") && j["allow_unsigned"].is_array()) {
      for (const auto& g : j["allow_unsigned"]) if (g.is_string()) p.unsigned_allowed.push_back(g.get<std::string>());
    }
  }
  const char* strict = std::getenv("AURA_REQUIRE_SIGNED");
  if (strict && std::string(strict) == "1") p.allow_unsigned = false;
  return p;
}

/// The password of an encrypted secret key, without a prompt: the first line
/// of --password-file FILE, else $AURA_KEY_PASSWORD; nullopt when neither is given.
[[nodiscard]] inline std::optional<std::string> key_password(const parsed& p) {
  if (p.has("--password-file")) {
    auto text = aura::distribution::read_file(p.get("--password-file"));
    if (!text) throw cli_error{text.error().describe()};
    std::string line = text->substr(0, text->find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (const char* env = std::getenv("AURA_KEY_PASSWORD"); env != nullptr) return std::string(env);
  return std::nullopt;
}

/// A minisign secret key file, decrypted with key_password() when it is encrypted.
[[nodiscard]] inline aura::distribution::secret_key read_secret_key(const parsed& p, const std::string& file) {
  namespace d = aura::distribution;
  auto text = d::read_file(file);
  if (!text) throw cli_error{text.error().describe()};
  const auto password = key_password(p);
  if (d::secret_key::encrypted(*text) && !password) {
    throw cli_error{file + ": the secret key is encrypted with a password: give it in $AURA_KEY_PASSWORD or "
                    "--password-file FILE (aura does not prompt)"};
  }
  auto k = d::secret_key::parse(*text, file, password ? &*password : nullptr);
  if (!k) throw cli_error{k.error().describe()};
  return *k;
}

/// Install options for the repo root, or the global one with `--global`.
[[nodiscard]] inline aura::distribution::install_options cli_install_options(const parsed& p) {
  aura::distribution::install_options o;
  const bool global = p.has("--global");
  const fs::path home = global ? aura_home() : repo_home();
  o.root = home / "plugins";
  o.lock = home / "aura.lock";
  o.trust = cli_trust(global);
  o.policy = cli_policy();
  o.name = p.get("--name");
  const char* reg = std::getenv("AURA_REGISTRY");
  o.registry = p.get("--registry", reg ? reg : "");
#if defined(AURA_CLI_HTTP)
  o.http = std::make_shared<aura::net::curl_http_client>();
#endif
  return o;
}

inline void print_installed(const std::vector<aura::distribution::installed_plugin>& list, const char* verb) {
  for (const auto& ip : list) {
    std::cout << verb << " " << ip.name << " " << ip.version << " -> " << ip.dir.string() << " ("
              << (ip.key_id.empty() ? "unsigned" : "signed by " + ip.key_id) << ", " << ip.resolved
              << (ip.changed ? "" : ", unchanged") << ")\n";
  }
}

/// What `aura doctor` says about distribution: each plugin's signature state
/// under the host policy, and aura.lock drift in both roots.
[[nodiscard]] inline std::vector<std::string> distribution_notes(const aura::plugin::discovery& found) {
  std::vector<std::string> out;
  const auto trust = cli_trust();
  const auto policy = cli_policy();
  for (const auto& d : found.plugins) {
    auto v = aura::distribution::verify_plugin(d.spec.dir, d.spec.name, trust, policy);
    if (v && v->is_signed) {
      out.push_back(d.spec.name + ": signed by key " + v->key_id);
    } else if (v) {
      out.push_back(d.spec.name + ": unsigned" + std::string(v->has_files ? "" : ", not installed from a pack") +
                    " (the host policy allows unsigned plugins" +
                    (policy.allow_unsigned ? "" : " named " + d.spec.name) + ")");
    }
  }
  for (const auto& home : {repo_home(), aura_home()}) {
    auto lock = aura::distribution::lock_file::read(home / "aura.lock");
    if (!lock) {
      out.push_back(lock.error().message);
      continue;
    }
    if (lock->plugins.empty()) continue;
    for (auto& line : aura::distribution::lock_drift(home / "plugins", *lock)) out.push_back("aura.lock drift: " + line);
  }
  return out;
}

}  // namespace aura_cli
