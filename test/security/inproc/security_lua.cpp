// Adversarial Lua plugins run in process: code where the instruction hook
// used to be unable to fire, library functions that loop in C, answers that
// expand on the host, and strings that are not UTF-8. Each attack must end
// within its deadline plus inproc::margin with an error naming plugin and hook.
#include <aura/adapters/lua.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "inproc_support.hpp"

using namespace std::chrono_literals;
using aura::errc;
using nlohmann::json;

namespace {

aura::envelope<aura::dynamic_event> event() {
  return aura::make_envelope(std::string("tool.before_execution"), json{{"tool", "bash"}}, std::string(), std::string());
}

/// Only the wall-clock deadline bounds these calls (no instruction budget).
aura::lua_limits deadline_only(std::chrono::milliseconds timeout = 300ms) {
  aura::lua_limits l;
  l.instructions = 0;
  l.timeout = timeout;
  return l;
}

/// Only the instruction budget bounds these calls (no deadline).
aura::lua_limits budget_only(std::uint64_t instructions = 10'000'000) {
  aura::lua_limits l;
  l.instructions = instructions;
  l.timeout = 0ms;
  return l;
}

std::shared_ptr<aura::lua_plugin> load(const std::string& name, const std::string& body, aura::lua_limits limits) {
  aura::lua_options o;
  o.name = name;
  o.limits = limits;
  auto p = aura::lua_plugin::load_source("function on_event(event, ctx)\n" + body + "\nend\n", name, o);
  if (!p) FAIL(p.error().describe());
  return *p;
}

/// The deadline (or, with none, 5 s) plus the margin.
std::chrono::milliseconds bound(const aura::lua_limits& l) { return (l.timeout.count() > 0 ? l.timeout : 5000ms) + inproc::margin; }

/// Runs the attack once: it must fail with `code` in time, naming plugin and hook.
aura::result<aura::decision<aura::dynamic_event>> attack(const std::string& name, const std::string& body,
                                                        aura::lua_limits limits, errc code) {
  auto p = load(name, body, limits);
  aura::context ctx;
  inproc::stopwatch w;
  auto r = p->call("on_event", event(), ctx);
  CHECK(w.elapsed() < bound(limits));
  inproc::require_failure(r, code, name, "on_event");
  // The state that overran is discarded: the next call runs on a fresh one and answers.
  if (code == errc::timeout || r.error().message.find("instruction budget") != std::string::npos) {
    (void)p->call("on_event", event(), ctx);
    CHECK(p->states_created() >= 1);
  }
  return r;
}

}  // namespace

// ---- 1. code the instruction hook could not reach ---------------------------

TEST_CASE("lua: an xpcall message handler that loops ends at the deadline", "[security][lua]") {
  attack("xpcall_loop", R"(xpcall(function() error("x") end, function() while true do end end) return aura.allow())",
         deadline_only(), errc::timeout);
}

TEST_CASE("lua: an xpcall handler looping after the body ran out of time", "[security][lua]") {
  attack("xpcall_after_stop", R"(xpcall(function() while true do end end, function(m) while true do end end)
    return aura.allow())", deadline_only(), errc::timeout);
}

TEST_CASE("lua: nested xpcall handlers that loop are all bounded", "[security][lua]") {
  attack("xpcall_nested", R"(
    local function h() xpcall(function() error("inner") end, function() while true do end end) while true do end end
    xpcall(function() error("outer") end, h) return aura.allow())", deadline_only(), errc::timeout);
}

TEST_CASE("lua: an xpcall handler loop against the instruction budget", "[security][lua]") {
  attack("xpcall_budget", R"(xpcall(function() error("x") end, function() while true do end end) return aura.allow())",
         budget_only(), errc::limit_exceeded);
}

TEST_CASE("lua: pcall catching the limit error cannot carry on", "[security][lua]") {
  attack("pcall_swallow", R"(while true do pcall(function() while true do end end) end)", deadline_only(),
         errc::timeout);
}

TEST_CASE("lua: a __gc finalizer is refused at setmetatable", "[security][lua]") {
  auto r = attack("gc_loop", R"(setmetatable({}, {__gc = function() while true do end end}) return aura.allow())",
                  deadline_only(), errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("__gc"));
}

TEST_CASE("lua: __gc added after setmetatable marks nothing and collectgarbage is refused", "[security][lua]") {
  auto p = load("gc_late", R"(
    for i = 1, 2000 do local mt = {} setmetatable({}, mt) mt.__gc = function() while true do end end end
    local ok, err = pcall(collectgarbage, "collect")
    return aura.deny(ok and "collected" or "refused"))", deadline_only());
  aura::context ctx;
  inproc::stopwatch w;
  auto r = p->call("on_event", event(), ctx);
  REQUIRE(r);
  CHECK(r->reason() == "refused");
  p.reset();  // lua_close runs no finalizer: the plugin is destroyed at once
  CHECK(w.elapsed() < 300ms + inproc::margin);
}

TEST_CASE("lua: a __close handler that loops ends at the deadline", "[security][lua]") {
  attack("close_loop", R"(do local x <close> = setmetatable({}, {__close = function() while true do end end}) end
    return aura.allow())", deadline_only(), errc::timeout);
}

TEST_CASE("lua: a __close handler that loops while an error unwinds", "[security][lua]") {
  attack("close_unwind", R"(local x <close> = setmetatable({}, {__close = function() while true do end end})
    error("unwinding"))", deadline_only(), errc::timeout);
}

TEST_CASE("lua: coroutines are not available to plugins", "[security][lua]") {
  auto r = attack("coroutine", R"(local co = coroutine.wrap(function() while true do end end) co())", deadline_only(),
                  errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("coroutine"));
}

TEST_CASE("lua: long instructions (8 MB concatenations) are stopped by the watchdog", "[security][lua]") {
  aura::lua_limits l = deadline_only(300ms);
  l.memory = std::size_t{96} << 20;
  l.check_interval = 100000;  // the hook alone would check only every 100,000 instructions
  const auto before = aura::lua::watchdog::instance().pokes();
  attack("long_instructions", R"(local s = ("x"):rep(4 * 1024 * 1024) while true do local t = s .. s end)", l,
         errc::timeout);
  CHECK(aura::lua::watchdog::instance().pokes() > before);
}

// ---- 2. library functions that loop in C ---------------------------------

TEST_CASE("lua: table.move over a huge empty range", "[security][lua]") {
  attack("move_1e8", "table.move({}, 1, 1e8, 1, {}) return aura.allow()", budget_only(), errc::limit_exceeded);
  attack("move_maxint", "table.move({}, 1, math.maxinteger - 1, 1, {}) return aura.allow()", deadline_only(),
         errc::timeout);
}

TEST_CASE("lua: table.insert and table.remove behind a lying __len", "[security][lua]") {
  const std::string lie = "local t = setmetatable({}, {__len = function() return math.maxinteger - 1 end}) ";
  attack("insert_len", lie + "table.insert(t, 1, 'x') return aura.allow()", budget_only(), errc::limit_exceeded);
  attack("remove_len", lie + "table.remove(t, 1) return aura.allow()", deadline_only(), errc::timeout);
}

TEST_CASE("lua: table.concat over a huge range filled by a C __index", "[security][lua]") {
  attack("concat_index", R"(local t = setmetatable({}, {__index = type})
    return aura.deny(table.concat(t, "", 1, math.maxinteger)))", budget_only(), errc::limit_exceeded);
}

TEST_CASE("lua: table.unpack of a huge range", "[security][lua]") {
  auto r = attack("unpack_huge", "return aura.deny(select('#', table.unpack({}, 1, 1e8)))", budget_only(),
                  errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("too many results"));
}

TEST_CASE("lua: table.sort of a huge virtual table", "[security][lua]") {
  attack("sort_huge", R"(local t = setmetatable({}, {__len = function() return 2^30 end, __index = function() return 1 end,
    __newindex = function() end}) table.sort(t) return aura.allow())", deadline_only(), errc::timeout);
  attack("sort_budget", R"(local t = {} for i = 1, 20000 do t[i] = (i * 7919) % 20011 end
    for k = 1, 1000 do table.sort(t, function(a, b) return a > b end) end return aura.allow())", budget_only(),
         errc::limit_exceeded);
}

TEST_CASE("lua: catastrophic backtracking in string.find and string.match", "[security][lua]") {
  attack("find_backtrack", R"(return aura.deny(tostring(string.find(("a"):rep(400), ".-.-.-.-b"))))", deadline_only(),
         errc::timeout);
  attack("match_backtrack", R"(return aura.deny(tostring(("a"):rep(5000):match("(a*)*b"))))", budget_only(),
         errc::limit_exceeded);
  attack("match_lazy", R"(return aura.deny(tostring(("x"):rep(3000):match("x-x-x-x-y"))))", deadline_only(),
         errc::timeout);
}

TEST_CASE("lua: backtracking in string.gmatch and string.gsub", "[security][lua]") {
  attack("gmatch_backtrack", R"(for m in (("a"):rep(300) .. " "):rep(4):gmatch(".-.-.-.-b") do end return aura.allow())",
         deadline_only(), errc::timeout);
  attack("gsub_backtrack", R"(return aura.deny((("a"):rep(300)):gsub(".-.-.-.-b", "x")))", budget_only(),
         errc::limit_exceeded);
}

TEST_CASE("lua: a plain find with a long needle is charged", "[security][lua]") {
  aura::lua_limits l = budget_only(2'000'000);
  l.memory = std::size_t{64} << 20;
  attack("plain_find", R"(local hay = ("a"):rep(4e6) local needle = ("a"):rep(1e5) .. "b"
    for i = 1, 100 do hay:find(needle, 1, true) end return aura.allow())", l, errc::limit_exceeded);
}

TEST_CASE("lua: string.format widths, string.rep and utf8 with huge inputs", "[security][lua]") {
  auto r = attack("format_width", R"(return aura.deny(string.format("%99999d", 1)))", budget_only(), errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("invalid conversion"));
  attack("rep_huge", R"(return aura.deny(string.rep("x", 1e15)))", budget_only(), errc::hook_failed);
  attack("utf8_char_many", R"(local t = {} for i = 1, 200000 do t[i] = 0x10FFFF end
    while true do utf8.char(table.unpack(t)) end)", deadline_only(), errc::timeout);
  attack("utf8_len_loop", R"(local s = ("\u{10FFFF}"):rep(1e6) while true do utf8.len(s) end)", budget_only(2'000'000),
         errc::limit_exceeded);
  attack("pack_loop", R"(local s = ("x"):rep(1e6) while true do string.unpack("z", s .. "\0") end)", deadline_only(),
         errc::timeout);
}

// ---- 3. answers that expand on the host -------------------------------------

TEST_CASE("lua: a table of shared sub-tables does not expand to 2^26 nodes", "[security][lua]") {
  auto r = attack("shared_bomb", R"(local t = {"x"} for i = 1, 26 do t = {t, t} end return aura.mutate({x = t}))",
                  deadline_only(2000ms), errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("JSON values"));
}

TEST_CASE("lua: deep and wide answers hit the depth and node budgets", "[security][lua]") {
  auto deep = attack("deep_answer", R"(local t = {} local c = t for i = 1, 100000 do c.x = {} c = c.x end
    return aura.mutate({x = t}))", deadline_only(2000ms), errc::limit_exceeded);
  CHECK_THAT(deep.error().message, Catch::Contains("deeper"));
  aura::lua_limits l = deadline_only(2000ms);
  l.max_nodes = 1000;
  auto wide = attack("wide_answer", R"(local t = {} for i = 1, 5000 do t["k" .. i] = i end return aura.mutate(t))", l,
                     errc::limit_exceeded);
  CHECK_THAT(wide.error().message, Catch::Contains("1000"));
}

TEST_CASE("lua: string bytes in an answer are budgeted", "[security][lua]") {
  aura::lua_limits l = deadline_only(2000ms);
  l.max_bytes = 64 * 1024;
  auto r = attack("big_strings", R"(local s = ("x"):rep(10000) local t = {} for i = 1, 20 do t[i] = s end
    return aura.mutate({v = t}))", l, errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("bytes of strings"));
}

// ---- 5. strings that are not UTF-8 ------------------------------------------

namespace {
struct capture_logger : aura::logger {
  std::mutex m;
  std::vector<std::string> lines;
  void write(aura::log_level, std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> lock(m);
    lines.emplace_back(message);
  }
};
}  // namespace

TEST_CASE("lua: invalid UTF-8 in an error message, a reason and a log line always serialises", "[security][lua]") {
  auto r = attack("bad_error", R"(error("bad \255\254 message"))", deadline_only(), errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("\xEF\xBF\xBD"));

  auto p = load("bad_reason", R"(return aura.deny("bad \255\254 reason"))", deadline_only());
  aura::context ctx;
  auto d = p->call("on_event", event(), ctx);
  inproc::require_serialises(d);
  if (!d) CHECK(d.error().plugin == "bad_reason");

  auto logger = std::make_shared<capture_logger>();
  aura::context logged;
  logged.set_logger(logger);
  auto lp = load("bad_log", R"(aura.log("warn", "bad \255 line") return aura.allow())", deadline_only());
  REQUIRE(lp->call("on_event", event(), logged));
  REQUIRE(logger->lines.size() == 1);
  CHECK_NOTHROW(json(logger->lines[0]).dump());
  CHECK_THAT(logger->lines[0], Catch::Contains("\xEF\xBF\xBD"));
}

// ---- repetitions: nothing leaks --------------------------------------------

TEST_CASE("lua: descriptors and memory stay flat over repeated attacks", "[security][lua]") {
  auto p = load("repeat", R"(
    if event.data.kind == "xpcall" then xpcall(function() error("x") end, function() while true do end end) end
    if event.data.kind == "pattern" then string.find(("a"):rep(200), ".-.-.-b") end
    local t = {"x"} for i = 1, 24 do t = {t, t} end return aura.mutate({x = t}))", [] {
      aura::lua_limits l = budget_only(200'000);
      l.max_nodes = 10'000;
      return l;
    }());
  aura::context ctx;
  int i = 0;
  inproc::require_flat(150, [&] {
    auto ev = aura::make_envelope(std::string("e"), json{{"kind", (++i % 3 == 0) ? "xpcall" : (i % 3 == 1) ? "pattern" : "bomb"}},
                                  std::string(), std::string());
    auto r = p->call("on_event", ev, ctx);
    CHECK_FALSE(r.has_value());
  });
}
