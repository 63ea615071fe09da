// aura/adapters/wasm/as_env.hpp - the runtime imports (module "env") that a
// module compiled by plain `asc` (AssemblyScript) makes when its code calls
// abort/assert, Math.random, Date.now or console.log, defined as
// AssemblyScript's generated JavaScript bindings define them, so such a
// module loads without the SDK's `--use abort=...` override:
//   * abort(message, fileName, line, column) ends the call as the hook's error
//     "env.abort: <message> in <fileName>:<line>:<column>" (a null string
//     reads "null", as in the bindings);
//   * seed() -> f64: a random, non-zero value (seeds Math.random);
//   * Date.now() -> f64: the context's wall clock in ms (a harness's fake
//     clock is what the guest sees, as with WASI's realtime clock);
//   * console.log(text): one info line of the plugin log, under the same
//     per-call byte and line budget as WASI's stdout (docs/adapters/wasm.md §1.6).
// A string is an AssemblyScript String: UTF-16LE code units, its byte length
// in the u32 before the pointer; 0 is null. A pointer whose header or
// contents lie outside guest memory traps the call as a protocol error naming
// the import. Only what a module imports is linked; every call is charged
// fuel like any host call.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "aura/adapters/wasm/host_imports.hpp"
#include "aura/adapters/wasm/wabt.hpp"
#include "aura/adapters/wasm/wasi.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"

namespace aura::wasm {

inline constexpr std::string_view as_env_module = "env";

enum class as_env_op : std::uint8_t { abort, seed, date_now, console_log };

struct as_env_fn_spec {
  std::string_view name;
  std::uint8_t i32_params;  ///< every parameter is an i32
  bool returns_f64;
  as_env_op op;
};

[[nodiscard]] inline const std::array<as_env_fn_spec, 4>& as_env_fns() {
  static const std::array<as_env_fn_spec, 4> specs{{
      {"abort", 4, false, as_env_op::abort},
      {"seed", 0, true, as_env_op::seed},
      {"Date.now", 0, true, as_env_op::date_now},
      {"console.log", 1, false, as_env_op::console_log},
  }};
  return specs;
}

[[nodiscard]] inline std::optional<std::uint8_t> find_as_env_fn(std::string_view name) {
  const auto& specs = as_env_fns();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

[[nodiscard]] inline std::vector<wabt::Type> as_env_params(const as_env_fn_spec& s) {
  return std::vector<wabt::Type>(s.i32_params, wabt::Type::I32);
}
[[nodiscard]] inline std::vector<wabt::Type> as_env_results(const as_env_fn_spec& s) {
  return s.returns_f64 ? std::vector<wabt::Type>{wabt::Type::F64} : std::vector<wabt::Type>{};
}

namespace detail {

/// Appends code point `cp` to `out` as UTF-8.
inline void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// UTF-16LE to UTF-8; a lone surrogate becomes U+FFFD (the log takes UTF-8 only).
[[nodiscard]] inline std::string utf16le_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2 * i])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2 * i + 1])) << 8;
  };
  const std::size_t n = bytes.size() / 2;  // an odd last byte is no code unit (the bindings drop it too)
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
      put_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      put_utf8(out, 0xFFFD);
    } else {
      put_utf8(out, u);
    }
  }
  return out;
}

}  // namespace detail

/// Runs env function `spec` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why: a bad pointer, or the abort).
inline bool run_as_env_fn(const as_env_fn_spec& spec, call_state& st, wasi_state& ws, wabt::interp::Memory& memory,
                          const wabt::interp::Values& params, wabt::interp::Values& results,
                          std::string& trap_message) {
  const std::string full = std::string(as_env_module) + "." + std::string(spec.name);
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  // An AssemblyScript string: nullopt when its header or contents are outside memory.
  auto string_at = [&](std::uint32_t ptr) -> std::optional<std::string> {
    if (ptr == 0) return std::string("null");
    if (ptr < 4) return std::nullopt;
    const auto len = detail::get_u32(memory, static_cast<std::uint64_t>(ptr) - 4);
    if (!len) return std::nullopt;
    auto bytes = guest_bytes(memory, ptr, *len);
    if (!bytes) return std::nullopt;
    st.host_bytes += *len;
    return detail::utf16le_to_utf8(*bytes);
  };
  auto bad = [&](std::string_view what, std::uint32_t ptr) {
    trap_message = full + ": " + std::string(what) + " (ptr " + std::to_string(ptr) +
                   ") is not an AssemblyScript string inside guest memory (" + std::to_string(memory.ByteSize()) +
                   " bytes; its byte length is the u32 before it)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  switch (spec.op) {
    case as_env_op::abort: {
      auto message = string_at(u32(0));
      if (!message) return bad("the message", u32(0));
      auto file = string_at(u32(1));
      if (!file) return bad("the file name", u32(1));
      trap_message = full + ": " + *message + " in " + *file + ":" + std::to_string(u32(2)) + ":" +
                     std::to_string(u32(3));
      st.fault = error{errc::hook_failed, trap_message, {}, {}, {}};
      return false;
    }
    case as_env_op::console_log: {
      auto text = string_at(u32(0));
      if (!text) return bad("the text", u32(0));
      text->push_back('\n');  // one console.log is one line, as in a terminal
      ws.write(st.ctx, 1, *text);
      break;
    }
    case as_env_op::seed: {
      // 53 random bits, never 0: a whole number a double holds exactly
      std::random_device& rd = ws.random();
      const std::uint64_t bits = ((static_cast<std::uint64_t>(rd()) << 32) | rd()) >> 11;
      results.resize(1);
      results[0] = wabt::interp::Value::Make(static_cast<double>(bits == 0 ? 1 : bits));
      break;
    }
    case as_env_op::date_now: {
      using namespace std::chrono;
      const auto now = st.ctx ? st.ctx->now() : time_point(clock_type::now());
      results.resize(1);
      results[0] = wabt::interp::Value::Make(
          static_cast<double>(duration_cast<milliseconds>(now.time_since_epoch()).count()));
      break;
    }
  }
  return true;
}

}  // namespace aura::wasm
