// aura/core/context.hpp - what a hook may use of the host, checked against permissions.
#pragma once

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

namespace aura {

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
  context& set_config(nlohmann::json c) { config_ = std::move(c); return *this; }
  context& set_facts(aura::facts f) { facts_ = std::move(f); return *this; }
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

  /// Sends an HTTP request if the owner may reach the URL's host.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<http_response> http(const http_request& request) {
    if (auto denied = check_api("http")) return fail(std::move(*denied));
    const std::string_view host = url_host(request.url);
    if (host.empty()) return fail(refusal(errc::invalid_argument, "not an absolute http(s) URL: " + request.url));
    if (!perms_.allows_host(host)) {
      return fail(refusal(errc::permission_denied,
                          "network access to \"" + std::string(host) + "\" is not in the plugin's permissions"));
    }
    if (!http_) return fail(refusal(errc::unsupported, "the host provides no HTTP client"));
    return http_->send(request);
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
    if (key.empty()) return refusal(errc::invalid_argument, "storage key is empty");
    return std::nullopt;
  }

  std::string owner_;
  permissions perms_;
  std::shared_ptr<logger> logger_;
  std::shared_ptr<clock_source> clock_;
  std::shared_ptr<aura::storage> storage_;
  std::shared_ptr<http_client> http_;
  nlohmann::json config_ = nlohmann::json::object();
  aura::facts facts_;
};

}  // namespace aura
