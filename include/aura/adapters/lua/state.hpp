// aura/adapters/lua/state.hpp - one lua_State with its memory account, its
// instruction budget and the call it is serving.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "aura/adapters/lua/json.hpp"
#include "aura/adapters/lua/limits.hpp"
#include "aura/adapters/lua/watchdog.hpp"
#include "aura/core/context.hpp"

namespace aura::lua {

class state;

namespace detail {
inline void count_hook(lua_State* L, lua_Debug* ar);
}  // namespace detail

/// A Lua state owned by one plugin. Its allocator counts bytes against the
/// memory cap, its count hook ends calls past their instruction budget or
/// deadline, and its extra space points back here so C functions find the
/// context of the call in progress. Used by one thread at a time.
class state {
 public:
  /// A bare state (no library, no script) with the allocator and hook set;
  /// nullptr if Lua cannot even allocate it.
  [[nodiscard]] static std::unique_ptr<state> create(const lua_limits& limits) {
    std::unique_ptr<state> s(new state(limits));
    // The cap applies from the first allocation, but the bare state must fit.
    s->memory_.cap = limits.memory;
    s->L_ = lua_newstate(&limited_alloc, &s->memory_);
    if (s->L_ == nullptr) return nullptr;
    *static_cast<state**>(lua_getextraspace(s->L_)) = s.get();
    lua_atpanic(s->L_, &panic);
    // Each call leaves a few young tables behind and little that lives on:
    // the generational collector's case.
    lua_gc(s->L_, LUA_GCGEN, 0, 0);
    if (s->hooked_) lua_sethook(s->L_, &detail::count_hook, LUA_MASKCOUNT, static_cast<int>(s->budget_.interval));
    if (s->timeout_.count() > 0) {
      watchdog::instance().add(s->L_, &s->budget_, &detail::count_hook);
      s->watched_ = true;
    }
    return s;
  }

  state(const state&) = delete;
  state& operator=(const state&) = delete;

  ~state() {
    if (L_ == nullptr) return;
    if (watched_) watchdog::instance().remove(L_);
    // Finalizers a script left behind run in lua_close: make any Lua code
    // they run stop at its first instruction.
    budget_.stopped = stop_reason::closing;
    lua_sethook(L_, &detail::count_hook, LUA_MASKCOUNT, 1);
    memory_.cap = 0;  // closing only frees
    lua_close(L_);
  }

  /// The state a C function runs in.
  [[nodiscard]] static state& of(lua_State* L) noexcept { return **static_cast<state**>(lua_getextraspace(L)); }

  [[nodiscard]] lua_State* L() const noexcept { return L_; }
  [[nodiscard]] memory_account& memory() noexcept { return memory_; }
  [[nodiscard]] call_budget& budget() noexcept { return budget_; }
  [[nodiscard]] const json_limits& json() const noexcept { return json_; }

  /// Resets the counters before a call (or the script's top-level run).
  void begin_call() noexcept {
    if (budget_.stopped != stop_reason::none && hooked_) {
      lua_sethook(L_, &detail::count_hook, LUA_MASKCOUNT, static_cast<int>(budget_.interval));
    }
    budget_.stopped = stop_reason::none;
    budget_.executed = 0;
    memory_.refused = false;
    if (timeout_.count() > 0) {
      budget_.has_deadline = true;
      budget_.deadline = std::chrono::steady_clock::now() + timeout_;
      const auto ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(budget_.deadline.time_since_epoch()).count();
      budget_.watched.store(ns == 0 || ns == call_budget::expired_mark ? 1 : ns);
      watchdog::instance().call_started();
    }
  }

  /// The call is over: the watchdog stops looking at it.
  void end_call() noexcept {
    if (watched_) budget_.watched.store(0);
  }

  /// Whether the last call ran into a bound; such a state is not reused.
  [[nodiscard]] bool hit_limit() const noexcept {
    return budget_.stopped != stop_reason::none || memory_.refused;
  }

  // ---- the call in progress (read by the host API functions) ---------------
  context* ctx = nullptr;          ///< the plugin's context; null outside a call
  /// The dispatch's task env (context::task_env, idelchi/aura): os.getenv reads it first.
  const std::map<std::string, std::string>* task_env = nullptr;
  std::string plugin;              ///< the plugin's name, for messages
  int aura_ref = LUA_NOREF;        ///< registry reference of the `aura` proxy
  std::string scratch;             ///< text handed from C++ to Lua (never on the C stack)
  nlohmann::json scratch_json;     ///< JSON handed from C++ to Lua

 private:
  explicit state(const lua_limits& limits)
      : hooked_(limits.instructions != 0 || limits.timeout.count() > 0), timeout_(limits.timeout) {
    budget_.limit = limits.instructions;
    budget_.interval = limits.check_interval == 0 ? 1 : limits.check_interval;
    if (budget_.limit != 0 && budget_.limit < budget_.interval) {
      budget_.interval = static_cast<std::uint32_t>(budget_.limit);
    }
    if (budget_.interval > 0x7fffffffu) budget_.interval = 0x7fffffffu;
    json_.max_depth = limits.max_depth;
    json_.max_nodes = limits.max_nodes;
    json_.max_bytes = limits.max_bytes;
  }

  // Reached only by an error outside protected mode, which aura never makes;
  // say what happened before Lua aborts.
  static int panic(lua_State* L) {
    const char* msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    std::fprintf(stderr, "aura: unprotected Lua error: %s\n", msg);
    return 0;
  }

  lua_State* L_ = nullptr;
  memory_account memory_;
  call_budget budget_;
  json_limits json_;
  bool hooked_;
  bool watched_ = false;
  std::chrono::milliseconds timeout_;
};

namespace detail {

/// Whether the call has run out of instructions or time; records why.
inline bool budget_spent(call_budget& b) noexcept {
  if (b.stopped != stop_reason::none) return true;
  if (b.limit != 0 && b.executed > b.limit) {
    b.stopped = stop_reason::instructions;
  } else if (b.watched.load(std::memory_order_relaxed) == call_budget::expired_mark ||
             (b.has_deadline && std::chrono::steady_clock::now() > b.deadline)) {
    b.stopped = stop_reason::timeout;
  } else {
    return false;
  }
  return true;
}

/// Raises the error for a stopped call.
inline int raise_stopped(lua_State* L, const call_budget& b) {
  switch (b.stopped) {
    case stop_reason::instructions:
      return luaL_error(L, "instruction budget of %I exceeded", static_cast<lua_Integer>(b.limit));
    case stop_reason::timeout:
      return luaL_error(L, "time limit exceeded");
    case stop_reason::closing:
    case stop_reason::none:
      break;
  }
  return luaL_error(L, "the Lua state is closing");
}

/// The count hook: every `interval` instructions, checks the budget and the
/// deadline. Once a call is stopped the hook fires at every instruction, so a
/// script that catches the error with pcall cannot carry on. The watchdog may
/// also make it fire at the next instruction: a deadline that has not passed
/// (a late poke) puts the interval back.
inline void count_hook(lua_State* L, lua_Debug* /*ar*/) {
  call_budget& b = state::of(L).budget();
  b.executed += b.interval;
  if (!budget_spent(b)) {
    if (lua_gethookcount(L) != static_cast<int>(b.interval)) {
      lua_sethook(L, &count_hook, LUA_MASKCOUNT, static_cast<int>(b.interval));
    }
    return;
  }
  lua_sethook(L, &count_hook, LUA_MASKCOUNT, 1);
  raise_stopped(L, b);
}

}  // namespace detail

/// Charges `steps` of C work (a pattern match, a table loop) to the call's
/// instruction budget and checks its deadline; raises the limit error (as the
/// count hook would) when either is spent. For the bounded library functions.
inline void charge(lua_State* L, std::uint64_t steps) {
  call_budget& b = state::of(L).budget();
  b.executed += steps;
  if (!detail::budget_spent(b)) return;
  lua_sethook(L, &detail::count_hook, LUA_MASKCOUNT, 1);
  detail::raise_stopped(L, b);
}

}  // namespace aura::lua
