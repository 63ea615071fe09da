// aura/core/context.hpp - what a hook may use of the host, checked against permissions.
#pragma once

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

#include "aura/core/error.hpp"
#include "aura/core/facts.hpp"
#include "aura/core/host_api.hpp"
#include "aura/core/permissions.hpp"
#include "aura/core/storage_limits.hpp"
#include "aura/core/url.hpp"

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
  /// Environment variables of the task this dispatch runs for (idelchi/aura's
  /// task `env:`): a command plugin's hook process gets the ones its env
  /// permission allows, over its startup environment.
  context& set_task_env(std::map<std::string, std::string> e) { task_env_ = std::move(e); return *this; }
  [[nodiscard]] aura::facts& mutable_facts() noexcept { return facts_; }

  // ---- what hooks read ------------------------------------------------------
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] const permissions& perms() const noexcept { return perms_; }
  [[nodiscard]] const aura::facts& facts() const noexcept { return facts_; }
  [[nodiscard]] const nlohmann::json& config() const noexcept { return config_; }
  [[nodiscard]] const std::map<std::string, std::string>& task_env() const noexcept { return task_env_; }
  /// The task env variables `p` (a plugin's permissions) lets it read.
  [[nodiscard]] std::map<std::string, std::string> task_env_for(const permissions& p) const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : task_env_) {
      if (p.allows_env(k)) out.emplace(k, v);
    }
    return out;
  }

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
  std::map<std::string, std::string> task_env_;
};

}  // namespace aura
