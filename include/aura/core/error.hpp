// aura/core/error.hpp - the error type every fallible aura call returns.
#pragma once

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
