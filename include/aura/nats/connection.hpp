// aura/nats/connection.hpp - one connection to a NATS cluster, from options a
// host or a manifest gives (server URLs, credentials file, TLS), with the
// reconnect policy the fleet relies on: reconnect forever, buffering what is
// published meanwhile, so a server restart is a pause, not a failure.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/nats/fwd.hpp"

namespace aura::nats {

/// TLS towards the servers (all files PEM).
struct tls_options {
  bool enabled = false;           ///< also implied by a `tls://` URL
  std::string ca_file;            ///< the CAs the server's certificate must chain to
  std::string cert_file;          ///< a client certificate (mutual TLS), with key_file
  std::string key_file;
  std::string expected_hostname;  ///< checked against the server certificate; empty: the URL's host
  bool skip_verify = false;       ///< for tests only: accepts any server certificate
};

struct connection_options {
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};
  std::string name = "aura";          ///< the client name the servers show
  std::string credentials_file;       ///< a NATS .creds file (JWT and NKey seed); empty: none
  tls_options tls;
  std::chrono::milliseconds connect_timeout{2000};
  int max_reconnect = -1;             ///< -1: forever
  std::chrono::milliseconds reconnect_wait{100};
  int reconnect_buffer_bytes = 8 * 1024 * 1024;  ///< what is buffered while reconnecting
  /// Each publish is written at once instead of by libnats' flusher thread,
  /// which waits a millisecond for more to batch: a remote hook's round trip
  /// is two publishes, so this is the difference between ~2 ms and ~0.1 ms.
  /// The event stream turns it off (it batches on purpose).
  bool send_asap = true;
};

/// An aura error for a failed libnats call: `what`, the status text and the
/// library's last error message.
[[nodiscard]] inline error nats_failure(natsStatus s, std::string what) {
  std::string text = what + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  if (const char* detail = nats_GetLastError(&last); detail != nullptr && *detail != '\0') {
    text += " (" + std::string(detail) + ")";
  }
  const errc code = s == NATS_TIMEOUT ? errc::timeout : errc::io_error;
  return error{code, std::move(text), {}, {}, {}};
}

/// Reads connection options from JSON (a manifest's `runtime.nats` or a
/// host's settings): `servers` (a URL or a list), `name`, `credentials`,
/// `tls` {`ca`, `cert`, `key`, `hostname`, `skip_verify`},
/// `connect_timeout_ms`, `max_reconnect`, `reconnect_wait_ms`. An unknown key
/// or a wrong type is an error naming `where` and the JSON pointer.
template <class Json = nlohmann::json>
[[nodiscard]] result<connection_options> read_connection_options(const nlohmann::json& in, const std::string& where,
                                                                 connection_options base = {}) {
  const Json& j = in;
  if (j.is_null()) return base;
  auto bad = [&](const std::string& ptr, const std::string& what) {
    return fail(errc::invalid_argument, what, where + ptr);
  };
  if (!j.is_object()) return bad("", "NATS options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "servers") {
      base.servers.clear();
      if (v.is_string()) {
        base.servers.push_back(v.template get<std::string>());
      } else if (v.is_array() && !v.empty()) {
        for (const auto& s : v) {
          if (!s.is_string()) return bad("/servers", "every server must be a URL string");
          base.servers.push_back(s.template get<std::string>());
        }
      } else {
        return bad("/servers", "\"servers\" must be a URL or a non-empty list of URLs");
      }
    } else if (k == "name" || k == "credentials") {
      if (!v.is_string()) return bad("/" + k, "\"" + k + "\" must be a string");
      (k == "name" ? base.name : base.credentials_file) = v.template get<std::string>();
    } else if (k == "connect_timeout_ms" || k == "reconnect_wait_ms" || k == "max_reconnect") {
      if (!v.is_number_integer()) return bad("/" + k, "\"" + k + "\" must be an integer");
      const auto n = v.template get<long long>();
      if (k == "max_reconnect") {
        base.max_reconnect = static_cast<int>(n);
      } else if (n <= 0) {
        return bad("/" + k, "\"" + k + "\" must be positive");
      } else {
        (k == "connect_timeout_ms" ? base.connect_timeout : base.reconnect_wait) = std::chrono::milliseconds(n);
      }
    } else if (k == "tls") {
      if (!v.is_object()) return bad("/tls", "\"tls\" must be an object");
      base.tls.enabled = true;
      for (auto t = v.begin(); t != v.end(); ++t) {
        const std::string& tk = t.key();
        if (tk == "skip_verify") {
          if (!t.value().is_boolean()) return bad("/tls/skip_verify", "must be a boolean");
          base.tls.skip_verify = t.value().template get<bool>();
          continue;
        }
        std::string* field = tk == "ca" ? &base.tls.ca_file
                           : tk == "cert" ? &base.tls.cert_file
                           : tk == "key" ? &base.tls.key_file
                           : tk == "hostname" ? &base.tls.expected_hostname : nullptr;
        if (field == nullptr) return bad("/tls/" + tk, "unknown TLS option (ca, cert, key, hostname, skip_verify)");
        if (!t.value().is_string()) return bad("/tls/" + tk, "must be a string");
        *field = t.value().template get<std::string>();
      }
      if (base.tls.cert_file.empty() != base.tls.key_file.empty()) {
        return bad("/tls", "\"cert\" and \"key\" go together");
      }
    } else {
      return bad("/" + k, "unknown NATS option \"" + k + "\"");
    }
  }
  return base;
}

/// An open connection; closes and frees it when the last owner lets go.
class connection {
 public:
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() {
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
  }

  /// Connects (within `connect_timeout`); an error names the servers tried.
  [[nodiscard]] static result<std::shared_ptr<connection>> open(const connection_options& o) {
    if (o.servers.empty()) return fail(errc::invalid_argument, "no NATS server URL given");
    natsOptions* raw = nullptr;
    if (auto s = natsOptions_Create(&raw); s != NATS_OK) return fail(nats_failure(s, "natsOptions_Create"));
    std::unique_ptr<natsOptions, void (*)(natsOptions*)> opts(raw, natsOptions_Destroy);
    std::vector<const char*> urls;
    std::string list;
    for (const auto& u : o.servers) {
      urls.push_back(u.c_str());
      list += (list.empty() ? "" : ", ") + u;
    }
    auto step = [&](natsStatus s, const char* what) -> std::optional<error> {
      if (s == NATS_OK) return std::nullopt;
      error e = nats_failure(s, what);
      e.where = list;
      return e;
    };
    std::optional<error> e;
    if (!e) e = step(natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size())), "servers");
    if (!e) e = step(natsOptions_SetName(opts.get(), o.name.c_str()), "client name");
    if (!e) e = step(natsOptions_SetTimeout(opts.get(), o.connect_timeout.count()), "connect timeout");
    if (!e) e = step(natsOptions_SetMaxReconnect(opts.get(), o.max_reconnect), "max reconnect");
    if (!e) e = step(natsOptions_SetReconnectWait(opts.get(), o.reconnect_wait.count()), "reconnect wait");
    if (!e) e = step(natsOptions_SetReconnectBufSize(opts.get(), o.reconnect_buffer_bytes), "reconnect buffer");
    if (!e) e = step(natsOptions_SetSendAsap(opts.get(), o.send_asap), "send asap");
    if (!e && !o.credentials_file.empty()) {
      e = step(natsOptions_SetUserCredentialsFromFiles(opts.get(), o.credentials_file.c_str(), nullptr),
               "credentials file");
    }
    if (!e && o.tls.enabled) {
      e = step(natsOptions_SetSecure(opts.get(), true), "TLS");
      if (!e && !o.tls.ca_file.empty()) {
        e = step(natsOptions_LoadCATrustedCertificates(opts.get(), o.tls.ca_file.c_str()), "TLS CA file");
      }
      if (!e && !o.tls.cert_file.empty()) {
        e = step(natsOptions_LoadCertificatesChain(opts.get(), o.tls.cert_file.c_str(), o.tls.key_file.c_str()),
                 "TLS certificate and key");
      }
      if (!e && !o.tls.expected_hostname.empty()) {
        e = step(natsOptions_SetExpectedHostname(opts.get(), o.tls.expected_hostname.c_str()), "TLS hostname");
      }
      if (!e && o.tls.skip_verify) e = step(natsOptions_SkipServerVerification(opts.get(), true), "TLS verify");
    }
    if (e) return fail(std::move(*e));
    natsConnection* nc = nullptr;
    if (auto s = natsConnection_Connect(&nc, opts.get()); s != NATS_OK) {
      error err = nats_failure(s, "cannot connect to NATS");
      err.where = list;
      return fail(std::move(err));
    }
    return std::shared_ptr<connection>(new connection(nc));
  }

  [[nodiscard]] natsConnection* get() const noexcept { return nc_; }
  [[nodiscard]] bool connected() const noexcept { return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED; }

 private:
  explicit connection(natsConnection* nc) noexcept : nc_(nc) {}
  natsConnection* nc_ = nullptr;
};

}  // namespace aura::nats
