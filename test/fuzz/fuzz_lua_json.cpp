// libFuzzer target: the Lua adapter's JSON <-> Lua conversion.
//
// Input starting with 'L': the rest is a Lua expression, run in a fresh
// sandboxed state under small bounds; whatever value it yields is read as
// JSON (which must never crash or raise), and a value that converts must
// survive JSON -> Lua -> JSON unchanged.
// Any other input: parsed as JSON; JSON -> Lua -> JSON must give the same
// document back (unsigned integers past 2^63-1 come back as floats), or fail
// only for the documented reasons (depth, memory, non-finite numbers).
#include <aura/adapters/lua.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>

namespace {

std::unique_ptr<aura::lua::state> sandboxed_state() {
  aura::lua_limits limits;
  limits.instructions = 200'000;
  limits.memory = 16u << 20;
  auto s = aura::lua::state::create(limits);
  if (!s) std::abort();
  lua_pushcfunction(s->L(), [](lua_State* L) -> int {
    aura::lua::open_sandbox(L);
    aura::lua::install_host_api(L);
    return 0;
  });
  if (lua_pcall(s->L(), 0, 0, 0) != LUA_OK) std::abort();
  return s;
}

/// The document as it should come back from a round trip.
nlohmann::json expected_back(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<double>(u);
      }
      return static_cast<std::int64_t>(u);
    }
    case nlohmann::json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : j) out.push_back(expected_back(v));
      return out;
    }
    case nlohmann::json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = expected_back(it.value());
      return out;
    }
    default:
      return j;
  }
}

bool has_non_finite(const nlohmann::json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (has_non_finite(v)) return true;
    }
  }
  return false;
}

/// Same value and same number kinds (1 and 1.0 differ).
bool same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_float() != b.is_number_float()) return false;
  if (a.type() != b.type() && !(a.is_number_integer() && b.is_number_integer())) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a == b;
}

[[noreturn]] void mismatch(const char* what, const nlohmann::json& in, const nlohmann::json& out) {
  std::fprintf(stderr, "%s\n in:  %s\n out: %s\n", what,
               in.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str(),
               out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::abort();
}

void json_round_trip(aura::lua::state& s, const nlohmann::json& doc) {
  lua_State* L = s.L();
  s.begin_call();
  auto pushed = aura::lua::push_json_protected(L, doc, s.json());
  if (!pushed) {
    if (pushed.error().code != aura::errc::limit_exceeded) mismatch("push failed unexpectedly", doc, {});
    return;
  }
  auto back = aura::lua::read_json(L, -1, s.json());
  if (lua_gettop(L) != 1) mismatch("read_json moved the stack", doc, {});
  lua_settop(L, 0);
  if (!back) {
    if (!has_non_finite(doc) && back.error().code != aura::errc::limit_exceeded) {
      mismatch(("read failed: " + back.error().message).c_str(), doc, {});
    }
    return;
  }
  if (!same(expected_back(doc), *back)) mismatch("round trip changed the document", doc, *back);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && data[0] == 'L') {
    auto s = sandboxed_state();
    lua_State* L = s->L();
    const std::string code = "return " + std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
    s->begin_call();
    if (luaL_loadbufferx(L, code.data(), code.size(), "=fuzz", "t") != LUA_OK) return 0;
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) return 0;
    auto j = aura::lua::read_json(L, -1, s->json());
    if (lua_gettop(L) != 1) std::abort();
    lua_settop(L, 0);
    if (j && !s->hit_limit()) json_round_trip(*s, *j);
    return 0;
  }
  static std::unique_ptr<aura::lua::state> shared = sandboxed_state();
  const nlohmann::json doc =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  json_round_trip(*shared, doc);
  if (shared->hit_limit()) shared = sandboxed_state();
  return 0;
}
