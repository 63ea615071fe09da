// The budgeted matcher (aura/adapters/lua/pattern.hpp) must answer exactly as
// Lua 5.4's own: every case runs in a stock state (luaL_openlibs) and in an
// aura sandbox state, and the two printed results (or error messages) must match.
#include <aura/adapters/lua.hpp>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

const char* const show = R"(
  local function show(...)
    local t = table.pack(...)
    local o = {}
    for i = 1, t.n do o[#o + 1] = type(t[i]) .. ":" .. tostring(t[i]) end
    return table.concat(o, ",")
  end
  local function run(f)
    local ok, a = pcall(function() return show(f()) end)
    if ok then return a end
    return "error:" .. tostring(a):gsub("^.-:%d+: ", "")
  end
  local function all(it) local o = {} for a, b in it do o[#o + 1] = tostring(a) .. "|" .. tostring(b) end return table.concat(o, ";") end
  return run, all
)";

/// Evaluates `expr` (with run/all in scope) and returns the printed result.
std::string eval(lua_State* L, const std::string& expr) {
  const std::string code = std::string("local run, all = (function() ") + show + " end)() return run(function() return " +
                           expr + " end)";
  if (luaL_loadbufferx(L, code.data(), code.size(), "=case", "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    std::string e = lua_tostring(L, -1);
    lua_settop(L, 0);
    return "harness error: " + e;
  }
  std::string out = lua_tostring(L, -1);
  lua_settop(L, 0);
  return out;
}

}  // namespace

TEST_CASE("lua patterns: the bounded matcher answers as Lua's own", "[security][lua][pattern]") {
  lua_State* stock = luaL_newstate();
  luaL_openlibs(stock);
  aura::lua_limits limits;
  auto sandboxed = aura::lua::state::create(limits);
  REQUIRE(sandboxed);
  lua_pushcfunction(sandboxed->L(), [](lua_State* l) -> int {
    aura::lua::open_sandbox(l);
    return 0;
  });
  REQUIRE(lua_pcall(sandboxed->L(), 0, 0, 0) == LUA_OK);

  const std::vector<std::string> cases = {
      R"~(string.find("hello world", "o w"))~", R"~(string.find("hello", "l+"))~", R"~(string.find("hello", "^h"))~",
      R"~(string.find("hello", "^e"))~", R"~(string.find("hello", "o$"))~", R"~(string.find("hello", "(h)(e)"))~",
      R"~(string.find("hello", "()ll()"))~", R"~(string.match("THE (quick) fox", "%((%a+)%)"))~",
      R"~(string.match("x = 10 + y", "%d+"))~", R"~(string.match("  trim  ", "^%s*(.-)%s*$"))~",
      R"~(string.match("a [[x]] b", "%b[]"))~", R"~(string.match("THE (quick) fox", "%f[%a]%a+", 5))~",
      R"~(string.match("abcabc", "(abc)%1"))~", R"~(string.find("a.b", "%."))~", R"~(string.find("a-b", "[%-]"))~",
      R"~(string.match("key=val", "(%w+)=(%w+)"))~", R"~(string.match("aaa", "a-b"))~", R"~(string.match("aaa", "a*"))~",
      R"~(string.match("", "a*"))~", R"~(string.find("abc", ""))~", R"~(string.find("abc", "", 10))~",
      R"~(string.match("abc", "[^a]"))~", R"~(string.match("abc", "[a-b]+"))~", R"~(string.find("hello", "l", 4))~",
      R"~(string.find("hello", "l", -2))~", R"~(string.find("hello", "xyz"))~", R"~(string.find("hello", "[l"))~",
      R"~(string.find("hello", "%"))~", R"~(string.find("hello", "(()"))~", R"~(string.find("hello", "%1"))~",
      R"~(string.find("a+b", "+", 1, true))~", R"~(string.find("a.b", ".", 1, true))~", R"~(string.find("a\0b", "\0b"))~",
      R"~(string.match("2024-01-02", "(%d+)-(%d+)-(%d+)"))~", R"~(string.match("f(a(b)c)", "%b()"))~",
      R"~(string.match("hello", ".-(l+)(.*)"))~", R"~(string.match("  x", "^%s*$"))~", R"~(string.match("A1_b", "[%w_]+"))~",
      R"~(string.match("caps LOCK", "%u+"))~", R"~(string.match("tab\there", "%c"))~", R"~(string.match("x", "x?x?x"))~",
      R"~(string.match("ab", "a?b?c?"))~", R"~(string.match("[]", "[]]"))~", R"~(string.match("^x", "[%^x]+"))~",
      R"~(string.match("hello", "%f[%l]"))~", R"~(string.find("THE END", "%f[%z]"))~", R"~(string.match("x$y", "x$y"))~",
      R"~(string.gsub("hello world", "o", "0"))~", R"~(string.gsub("hello world", "(%w+)", "<%1>"))~",
      R"~(string.gsub("hello", "", "-"))~", R"~(string.gsub("abc", "%w", "%0%0"))~",
      R"~(string.gsub("hello world", "%w+", {hello = "HI"}))~",
      R"~(string.gsub("hello world", "%w+", function(w) return w:upper() end))~", R"~(string.gsub("abc", "b", "%%"))~",
      R"~(string.gsub("hello", "l", "L", 1))~", R"~(string.gsub("abc", "^a", "X"))~", R"~(string.gsub("aaa", "^a", "X"))~",
      R"~(string.gsub("$x $y", "%$(%w+)", {x = "1"}))~", R"~(string.gsub("abc", "b", "%2"))~", R"~(string.gsub("abc", "b", "%z"))~",
      R"~(string.gsub("abc", "b", false))~", R"~(string.gsub("abc", "(b)", function() return false end))~",
      R"~(string.gsub("a,b,,c", ",", ";", 2))~", R"~(string.gsub("x", "x*", "-"))~", R"~(string.gsub("abc", ".", {a = 1, b = true}))~",
      R"~(all(string.gmatch("one two three", "%a+")))~", R"~(all(string.gmatch("k=v, a=b", "(%w+)=(%w+)")))~",
      R"~(all(string.gmatch("abc", "")))~", R"~(all(string.gmatch("hello", "l*")))~", R"~(all(string.gmatch("hello world", "%a+", 3)))~",
      R"~(all(string.gmatch("hello", "()l")))~", R"~(all(string.gmatch("abc", "^a")))~", R"~(("x"):rep(3, ","))~",
      R"~(table.concat({1, 2, 3}, "-"))~", R"~(table.concat({1, 2, 3}, "-", 2, 3))~", R"~(table.concat({}, "x"))~",
      R"~(table.concat({1, {}, 3}))~", R"~(table.unpack({1, 2, 3}))~", R"~(table.unpack({1, 2, 3}, 2))~",
      R"~(table.unpack({1, 2, 3}, -1, 1))~", R"~((function() local t = {1, 2, 3} table.insert(t, 2, 9) return table.concat(t, ",") end)())~",
      R"~((function() local t = {1, 2, 3} table.insert(t, 5, 9) return t end)())~",
      R"~((function() local t = {1, 2, 3} return table.remove(t, 1), table.concat(t, ",") end)())~",
      R"~((function() local t = {1, 2, 3} return table.remove(t), table.remove({}), #t end)())~",
      R"~((function() local t = {1, 2, 3, 4, 5} table.move(t, 2, 4, 1) return table.concat(t, ",") end)())~",
      R"~((function() local t = {1, 2, 3, 4, 5} table.move(t, 1, 3, 3) return table.concat(t, ",") end)())~",
      R"~((function() local t = table.move({1, 2, 3}, 1, 3, 2, {}) return t[1], t[2], t[4] end)())~",
      R"~((function() local t = {5, 2, 8, 1} table.sort(t) return table.concat(t, ",") end)())~",
      R"~((function() local t = {5, 2, 8, 1} table.sort(t, function(a, b) return a > b end) return table.concat(t, ",") end)())~",
      R"~((function() local t = {3, "x"} table.sort(t) end)())~", R"~(table.sort({1, 2}, 3))~",
  };
  for (const auto& c : cases) {
    INFO(c);
    const std::string want = eval(stock, c);
    sandboxed->begin_call();
    const std::string got = eval(sandboxed->L(), c);
    sandboxed->end_call();
    CHECK(got == want);
  }
  lua_close(stock);
}
