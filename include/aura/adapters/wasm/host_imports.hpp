// aura/adapters/wasm/host_imports.hpp - the `aura.*` functions a WASM plugin may import,
// which of them its permissions grant, and what each does.
//
// Conventions (the ABI, see docs/adapters/wasm.md):
//   * every (ptr, len) is an i32 pair naming guest memory; the host checks
//     ptr + len <= memory size before touching it; a bad pair traps the call;
//   * functions that return data take (out_ptr, out_cap), write at most
//     out_cap bytes and return the full length, so a guest seeing a result
//     larger than its buffer may call again with a bigger one;
//   * negative results: -1 = not found, -2 = refused or failed (the reason is
//     logged under the plugin's name).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/json_budget.hpp"
#include "aura/core/utf8.hpp"

#include "aura/adapters/wasm/wabt.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"
#include "aura/core/permissions.hpp"

namespace aura::wasm {

/// The host functions of module "aura".
enum class host_fn : std::uint8_t {
  output_set,    ///< (ptr, len) -> ()            the decision JSON
  error_set,     ///< (ptr, len) -> ()            an error message, with a non-zero return
  log,           ///< (level, ptr, len) -> ()     0 debug, 1 info, 2 warn, 3 error
  config_get,    ///< (key_ptr, key_len, out_ptr, out_cap) -> i32   JSON of config[key]
  storage_get,   ///< (key_ptr, key_len, out_ptr, out_cap) -> i32
  storage_set,   ///< (key_ptr, key_len, val_ptr, val_len) -> i32   0 ok
  http_request,  ///< (req_ptr, req_len, out_ptr, out_cap) -> i32   JSON request -> JSON response
};

struct host_fn_spec {
  host_fn fn;
  std::string_view name;
  std::vector<wabt::Type> params;
  std::vector<wabt::Type> results;
};

/// Every host function with its exact signature.
[[nodiscard]] inline const std::array<host_fn_spec, 7>& host_fns() {
  using T = wabt::Type;
  static const std::array<host_fn_spec, 7> specs{{
      {host_fn::output_set, "output_set", {T::I32, T::I32}, {}},
      {host_fn::error_set, "error_set", {T::I32, T::I32}, {}},
      {host_fn::log, "log", {T::I32, T::I32, T::I32}, {}},
      {host_fn::config_get, "config_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_get, "storage_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_set, "storage_set", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::http_request, "http_request", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
  }};
  return specs;
}

/// Which capability imports a plugin's permissions link. The rule is the one
/// the context applies at call time, decided once at load:
///   config_get   : call_api allows "config"
///   storage_get  : call_api allows "storage" and storage != none
///   storage_set  : call_api allows "storage" and storage is writable
///   http_request : call_api allows "http" and `network` names at least one host
/// output_set, error_set and log are always linked (log lines of a plugin
/// without the "log" scope are dropped by its context).
struct grants {
  bool config = false;
  bool storage_read = false;
  bool storage_write = false;
  bool http = false;

  [[nodiscard]] static grants from(const permissions& p) {
    grants g;
    g.config = p.allows_api("config");
    const bool storage_api = p.allows_api("storage");
    g.storage_read = storage_api && p.storage != storage_scope::none;
    g.storage_write = storage_api && p.allows_storage_write();
    g.http = p.allows_api("http") && !p.network.empty();
    return g;
  }

  [[nodiscard]] bool allows(host_fn fn) const noexcept {
    switch (fn) {
      case host_fn::output_set:
      case host_fn::error_set:
      case host_fn::log: return true;
      case host_fn::config_get: return config;
      case host_fn::storage_get: return storage_read;
      case host_fn::storage_set: return storage_write;
      case host_fn::http_request: return http;
    }
    return false;
  }

  /// What permission a refused import needs, for the load error.
  [[nodiscard]] static std::string_view requirement(host_fn fn) noexcept {
    switch (fn) {
      case host_fn::config_get: return "call_api \"config\"";
      case host_fn::storage_get: return "call_api \"storage\" and a storage scope";
      case host_fn::storage_set: return "call_api \"storage\" and a writable storage scope";
      case host_fn::http_request: return "call_api \"http\" and at least one network host";
      default: return "nothing";
    }
  }
};

/// The state of the one call an instance runs; host functions read and fill it.
struct call_state {
  context* ctx = nullptr;        ///< capabilities; null while instantiating without a plugin context
  std::size_t output_limit = 0;  ///< bytes output_set / error_set accept
  bool has_output = false;
  std::string output;            ///< what the guest handed to output_set (last call wins)
  bool has_error = false;
  std::string error_message;     ///< what the guest handed to error_set
  /// Why the host trapped the guest (bad pointer, fuel, deadline, size): it
  /// outranks the bare trap message when the call's error is reported.
  std::optional<error> fault;
  bool exited = false;  ///< the guest called proc_exit(0): its trap is a normal return
  // Fuel: `budget_left` is what has not yet been moved into the guest's counter.
  std::uint64_t budget = 0;
  std::uint64_t budget_left = 0;
  std::uint64_t slice = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds deadline_ms{0};  ///< the bound `deadline` was computed from
  std::uint64_t host_bytes = 0;              ///< guest bytes host functions read in this call, not yet charged

  void reset_outputs() {
    has_output = false;
    output.clear();
    has_error = false;
    error_message.clear();
    fault.reset();
    exited = false;
  }
};

/// The guest bytes [ptr, ptr+len), or nothing when they are not all inside memory.
[[nodiscard]] inline std::optional<std::string_view> guest_bytes(wabt::interp::Memory& memory, std::uint32_t ptr,
                                                                 std::uint32_t len) {
  const std::uint64_t end = static_cast<std::uint64_t>(ptr) + len;
  if (end > memory.ByteSize()) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(memory.UnsafeData()) + ptr, len);
}

namespace detail {

/// Copies `bytes` to the guest's (out_ptr, out_cap) buffer (at most out_cap of
/// them) and returns the full length; false if the buffer is out of bounds.
inline bool write_back(wabt::interp::Memory& memory, std::uint32_t out_ptr, std::uint32_t out_cap,
                       std::string_view bytes, std::int32_t& ret) {
  const std::uint64_t end = static_cast<std::uint64_t>(out_ptr) + out_cap;
  if (end > memory.ByteSize()) return false;
  const std::size_t n = bytes.size() < out_cap ? bytes.size() : out_cap;
  if (n > 0) std::memcpy(memory.UnsafeData() + out_ptr, bytes.data(), n);
  ret = bytes.size() > 0x7fffffffu ? -2 : static_cast<std::int32_t>(bytes.size());
  return true;
}

inline void note(call_state& st, std::string_view what, const error& e) {
  if (st.ctx) (void)st.ctx->log(log_level::warn, std::string(what) + ": " + e.describe());
}

inline nlohmann::json http_to_json(const http_response& r) {
  return nlohmann::json{{"status", r.status}, {"headers", r.headers}, {"body", r.body}};
}

inline result<http_request> http_from_json(std::string_view bytes) {
  auto parsed = parse_bounded(bytes);
  if (!parsed) return fail(errc::invalid_argument, "http request: " + parsed.error().message);
  nlohmann::json& j = *parsed;
  if (!j.is_object()) return fail(errc::invalid_argument, "http request is not a JSON object");
  http_request req;
  auto text = [&](const char* key, std::string& out) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text("method", req.method) || !text("url", req.url) || !text("body", req.body)) {
    return fail(errc::invalid_argument, "http request fields method, url and body must be strings");
  }
  if (auto h = j.find("headers"); h != j.end()) {
    if (!h->is_object()) return fail(errc::invalid_argument, "http request \"headers\" must be an object");
    for (auto it = h->begin(); it != h->end(); ++it) {
      if (!it->is_string()) return fail(errc::invalid_argument, "http header values must be strings");
      req.headers[it.key()] = it->get<std::string>();
    }
  }
  if (auto t = j.find("timeout_ms"); t != j.end()) {
    if (!t->is_number_unsigned()) return fail(errc::invalid_argument, "http \"timeout_ms\" must be a non-negative integer");
    req.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
  }
  return req;
}

}  // namespace detail

/// Runs host function `fn` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why in aura's terms).
inline bool run_host_fn(host_fn fn, call_state& st, wabt::interp::Memory& memory, const wabt::interp::Values& params,
                        wabt::interp::Values& results, std::string& trap_message) {
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  auto bad_range = [&](std::string_view what, std::uint32_t ptr, std::uint32_t len) {
    trap_message = "aura." + std::string(host_fns()[static_cast<std::size_t>(fn)].name) + ": " + std::string(what) +
                   " (ptr " + std::to_string(ptr) + ", len " + std::to_string(len) + ") is outside guest memory (" +
                   std::to_string(memory.ByteSize()) + " bytes)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  // Every guest byte a host function reads is charged (instance.hpp turns
  // st.host_bytes into fuel after the call).
  auto charged_bytes = [&](wabt::interp::Memory& m, std::uint32_t ptr, std::uint32_t len) {
    st.host_bytes += len;
    return guest_bytes(m, ptr, len);
  };
  std::int32_t ret = 0;
  switch (fn) {
    case host_fn::output_set:
    case host_fn::error_set: {
      auto bytes = charged_bytes(memory, u32(0), u32(1));
      if (!bytes) return bad_range("the buffer", u32(0), u32(1));
      if (bytes->size() > st.output_limit) {
        trap_message = "aura." + std::string(fn == host_fn::output_set ? "output_set" : "error_set") + ": " +
                       std::to_string(bytes->size()) + " bytes exceed the output limit of " +
                       std::to_string(st.output_limit);
        st.fault = error{errc::limit_exceeded, trap_message, {}, {}, {}};
        return false;
      }
      if (fn == host_fn::output_set) {
        st.output.assign(bytes->data(), bytes->size());
        st.has_output = true;
      } else {
        st.error_message.assign(bytes->data(), bytes->size());
        st.has_error = true;
      }
      return true;
    }
    case host_fn::log: {
      auto bytes = charged_bytes(memory, u32(1), u32(2));
      if (!bytes) return bad_range("the message", u32(1), u32(2));
      const std::uint32_t level = u32(0);
      const log_level lv = level == 0 ? log_level::debug
                           : level == 1 ? log_level::info
                           : level == 2 ? log_level::warn
                                        : log_level::error;
      if (st.ctx) {
        const std::size_t cut = bytes->size() < st.output_limit ? bytes->size() : st.output_limit;
        std::string line(bytes->substr(0, cut));
        make_valid_utf8(line);  // a log line must serialise whatever the guest wrote
        (void)st.ctx->log(lv, line);  // refused without the "log" scope: dropped
      }
      return true;
    }
    case host_fn::config_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -1;
      } else {
        const nlohmann::json& config = st.ctx->config();
        const nlohmann::json* value = &config;
        if (!key->empty()) {
          auto it = config.is_object() ? config.find(std::string(*key)) : config.end();
          value = (config.is_object() && it != config.end()) ? &*it : nullptr;
        }
        if (!value) {
          ret = -1;
        } else if (!detail::write_back(memory, u32(2), u32(3), value->dump(), ret)) {
          return bad_range("the output buffer", u32(2), u32(3));
        }
      }
      break;
    }
    case host_fn::storage_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -2;
      } else if (auto got = st.ctx->storage_get(*key); !got) {
        detail::note(st, "aura.storage_get", got.error());
        ret = -2;
      } else if (!*got) {
        ret = -1;
      } else if (!detail::write_back(memory, u32(2), u32(3), **got, ret)) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      break;
    }
    case host_fn::storage_set: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      auto value = charged_bytes(memory, u32(2), u32(3));
      if (!value) return bad_range("the value", u32(2), u32(3));
      if (!st.ctx) {
        ret = -2;
      } else if (auto set = st.ctx->storage_set(*key, *value); !set) {
        detail::note(st, "aura.storage_set", set.error());
        ret = -2;
      }
      break;
    }
    case host_fn::http_request: {
      auto req_bytes = charged_bytes(memory, u32(0), u32(1));
      if (!req_bytes) return bad_range("the request", u32(0), u32(1));
      if (static_cast<std::uint64_t>(u32(2)) + u32(3) > memory.ByteSize()) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      nlohmann::json answer;
      auto req = detail::http_from_json(*req_bytes);
      if (!req) {
        answer = {{"error", req.error().message}};
      } else if (!st.ctx) {
        answer = {{"error", "no host context"}};
      } else if (auto resp = st.ctx->http(*req); !resp) {
        answer = {{"error", resp.error().describe()}};
      } else {
        answer = detail::http_to_json(*resp);
      }
      (void)detail::write_back(memory, u32(2), u32(3),
                               answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), ret);
      break;
    }
  }
  if (results.empty()) results.resize(1);
  results[0] = wabt::interp::Value::Make(static_cast<std::uint32_t>(ret));
  return true;
}

}  // namespace aura::wasm
