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
//   host -> worker  {"id":2,"method":"event","params":{hook,event,config,timeout_ms,now_ns[,task_env]}}
//                   (now_ns: the host context's clock, the guest's realtime)
//   worker -> host  {"id":"c1","method":"storage.get","params":{"key":"k"}}     (a capability)
//   host -> worker  {"id":"c1","result":{"value":"v"}}
//   worker -> host  {"method":"log","params":{"level":1,"message":"..."}}      (no answer)
//   worker -> host  {"method":"diagnose","params":{"level":0,"message":"..."}} (no answer; a host
//                   diagnostic from the worker's runtime, recorded without the "log" scope)
//   worker -> host  {"id":2,"result":{"decision":"allow"}}                      (the wire decision)
//
// A failure travels as a JSON-RPC error whose data carries aura's errc
// spelling and `where`, so the host rebuilds the same aura::error. See
// docs/design-notes.md "The isolated worker protocol" for why it looks so.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/core/error.hpp"
#include "aura/core/permissions.hpp"

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
