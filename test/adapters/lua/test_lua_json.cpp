// Lua adapter: the JSON <-> Lua conversion rules (docs/adapters/lua.md), each
// checked in both directions against a bare sandboxed state.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/adapters/lua.hpp>

using nlohmann::json;

namespace {

/// A sandboxed state with the aura table, for running snippets.
struct lua_fixture {
  lua_fixture() {
    aura::lua_limits limits;
    limits.instructions = 1'000'000;
    s = aura::lua::state::create(limits);
    REQUIRE(s);
    lua_pushcfunction(L(), [](lua_State* l) -> int {
      aura::lua::open_sandbox(l);
      aura::lua::install_host_api(l);
      return 0;
    });
    REQUIRE(lua_pcall(L(), 0, 0, 0) == LUA_OK);
  }
  lua_State* L() const { return s->L(); }

  /// Evaluates `return <expr>` and reads the value as JSON.
  aura::result<json> eval(const std::string& expr, aura::lua::json_limits limits = {}) {
    const std::string code = "return " + expr;
    s->begin_call();
    if (luaL_loadbufferx(L(), code.data(), code.size(), "=snippet", "t") != LUA_OK ||
        lua_pcall(L(), 0, 1, 0) != LUA_OK) {
      std::string msg = lua_tostring(L(), -1);
      lua_settop(L(), 0);
      FAIL(msg);
    }
    auto r = aura::lua::read_json(L(), -1, limits);
    CHECK(lua_gettop(L()) == 1);  // reading leaves the stack as it was
    lua_settop(L(), 0);
    return r;
  }

  /// Pushes `j`, binds it to global `v`, and evaluates `expr` (a Lua boolean or value).
  aura::result<json> with_value(const json& j, const std::string& expr) {
    auto pushed = aura::lua::push_json_protected(L(), j);
    if (!pushed) return aura::fail(pushed.error());
    lua_setglobal(L(), "v");
    return eval(expr);
  }

  /// JSON -> Lua -> JSON.
  aura::result<json> round_trip(const json& j, aura::lua::json_limits limits = {}) {
    auto pushed = aura::lua::push_json_protected(L(), j, limits);
    if (!pushed) return aura::fail(pushed.error());
    auto r = aura::lua::read_json(L(), -1, limits);
    lua_settop(L(), 0);
    return r;
  }

  std::unique_ptr<aura::lua::state> s;
};

}  // namespace

TEST_CASE("lua json: null is aura.null both ways", "[lua][json]") {
  lua_fixture f;
  CHECK(*f.with_value(nullptr, "v == aura.null") == true);
  CHECK(*f.with_value(json{{"a", nullptr}}, "v.a == aura.null") == true);
  CHECK(*f.with_value(json{{"a", nullptr}}, "type(v.a)") == "userdata");
  CHECK(f.eval("aura.null")->is_null());
  CHECK(f.eval("nil")->is_null());  // a top-level nil
  CHECK(*f.eval("{a = aura.null, b = nil}") == json{{"a", nullptr}});  // nil drops the key
  CHECK(*f.round_trip(json::parse(R"([null, {"x": null}])")) == json::parse(R"([null, {"x": null}])"));
}

TEST_CASE("lua json: arrays and objects, including empty ones", "[lua][json]") {
  lua_fixture f;
  CHECK(*f.eval("{1, 2, 3}") == json{1, 2, 3});
  CHECK(*f.eval("{[1] = 'a', [2] = 'b'}") == json{"a", "b"});
  CHECK(*f.eval("{}") == json::object());  // an unmarked empty table is an object
  CHECK(*f.eval("aura.array()") == json::array());
  CHECK(*f.eval("aura.array({})") == json::array());
  CHECK(*f.eval("aura.array({1, 'x'})") == json{1, "x"});
  CHECK(*f.eval("{list = aura.array(), obj = {}}") == json{{"list", json::array()}, {"obj", json::object()}});

  // JSON arrays come in marked, so they stay arrays even when emptied
  CHECK(*f.with_value(json::array(), "aura.is_array(v)") == true);
  CHECK(*f.with_value(json::object(), "aura.is_array(v)") == false);
  CHECK(*f.with_value(json{1, 2}, "(function() table.remove(v); table.remove(v); return v end)()") ==
        json::array());
  CHECK(*f.with_value(json{1, 2}, "#v") == 2);
  CHECK(*f.with_value(json{1, 2}, "getmetatable(v)") == "aura.array");
  CHECK(*f.round_trip(json::array()) == json::array());
  CHECK(*f.round_trip(json::object()) == json::object());
  CHECK(*f.round_trip(json::parse(R"({"a": [], "b": {}, "c": [[], {}]})")) ==
        json::parse(R"({"a": [], "b": {}, "c": [[], {}]})"));

  // a marked array must be a sequence
  auto holes = f.eval("aura.array({1, nil, 3})");
  REQUIRE_FALSE(holes);
  CHECK_THAT(holes.error().message, Catch::Contains("holes"));
  auto keyed = f.eval("(function() local t = aura.array({1}); t.x = 1; return t end)()");
  REQUIRE_FALSE(keyed);
  CHECK_THAT(keyed.error().message, Catch::Contains("not an index"));
  // aura.array refuses a table with another metatable
  auto other = f.with_value(nullptr, "pcall(aura.array, setmetatable({}, {}))");
  CHECK(*other == false);
}

TEST_CASE("lua json: integers and floats stay apart", "[lua][json]") {
  lua_fixture f;
  CHECK(*f.with_value(1, "math.type(v)") == "integer");
  CHECK(*f.with_value(1.0, "math.type(v)") == "float");
  CHECK(*f.with_value(-0.5, "math.type(v)") == "float");
  auto one = f.eval("1");
  CHECK(one->is_number_integer());
  auto one_f = f.eval("1.0");
  CHECK(one_f->is_number_float());
  CHECK(one_f->dump() == "1.0");
  CHECK(f.eval("3 / 2")->get<double>() == 1.5);
  CHECK(f.eval("4 // 2")->is_number_integer());

  const json big = std::numeric_limits<std::int64_t>::max();
  CHECK(*f.round_trip(big) == big);
  const json small = std::numeric_limits<std::int64_t>::min();
  CHECK(*f.round_trip(small) == small);
  CHECK(f.round_trip(json(2.5))->is_number_float());
  CHECK(f.round_trip(json(1.0))->is_number_float());

  // unsigned past 2^63-1 has no Lua integer: it becomes a float
  const json huge = std::numeric_limits<std::uint64_t>::max();
  CHECK(*f.with_value(huge, "math.type(v)") == "float");
  CHECK(f.round_trip(huge)->is_number_float());

  for (const char* bad : {"0/0", "1/0", "-1/0", "{x = 0/0}"}) {
    INFO(bad);
    auto r = f.eval(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("NaN and infinite"));
  }
}

TEST_CASE("lua json: strings, booleans, UTF-8", "[lua][json]") {
  lua_fixture f;
  CHECK(*f.round_trip(json("h\xC3\xA9llo \xF0\x9F\x98\x80")) == json("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  CHECK(*f.round_trip(json(std::string("a\0b", 3))) == json(std::string("a\0b", 3)));
  CHECK(*f.round_trip(json(true)) == json(true));
  CHECK(*f.eval("false") == json(false));
  CHECK(*f.eval("utf8.char(233)") == json("\xC3\xA9"));
  auto bad = f.eval("'\\xff'");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("UTF-8"));
  auto bad_key = f.eval("{['\\xc3'] = 1}");
  REQUIRE_FALSE(bad_key);
  CHECK_THAT(bad_key.error().message, Catch::Contains("key is not valid UTF-8"));
  for (const char* s : {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    CHECK_FALSE(aura::lua::valid_utf8(s, std::strlen(s)));
  }
}

TEST_CASE("lua json: keys that are not strings", "[lua][json]") {
  lua_fixture f;
  // integer keys of a table that is not a sequence are written in decimal
  CHECK(*f.eval("{[10] = 'x'}") == json{{"10", "x"}});
  CHECK(*f.eval("{[1] = 'a', [3] = 'c'}") == json{{"1", "a"}, {"3", "c"}});
  CHECK(*f.eval("{[0] = 'z'}") == json{{"0", "z"}});
  CHECK(*f.eval("{[-2] = 'n', k = 1}") == json{{"-2", "n"}, {"k", 1}});
  CHECK(*f.eval("{'a', k = 'v'}") == json{{"1", "a"}, {"k", "v"}});
  // a string key that looks like a number stays a string key (an object)
  CHECK(*f.round_trip(json{{"1", "a"}}) == json{{"1", "a"}});

  struct refusal {
    const char* expr;
    const char* text;
  };
  for (const auto& r : {refusal{"{[1.5] = 1}", "key of type float"}, refusal{"{[true] = 1}", "key of type boolean"},
                        refusal{"{[{}] = 1}", "key of type table"},
                        refusal{"{[1] = 'a', ['1'] = 'b', [5] = 'c'}", "two keys are spelled \"1\""}}) {
    INFO(r.expr);
    auto out = f.eval(r.expr);
    REQUIRE_FALSE(out);
    CHECK_THAT(out.error().message, Catch::Contains(r.text));
  }
}

TEST_CASE("lua json: cycles are an error, shared tables are not", "[lua][json]") {
  lua_fixture f;
  auto self = f.eval("(function() local t = {}; t.me = t; return t end)()");
  REQUIRE_FALSE(self);
  CHECK_THAT(self.error().message, Catch::Contains("cycle"));
  CHECK(self.error().where == "/me");
  auto deep = f.eval("(function() local a = {b = {c = {}}}; a.b.c.back = a; return {root = a} end)()");
  REQUIRE_FALSE(deep);
  CHECK(deep.error().where == "/root/b/c/back");
  auto in_array = f.eval("(function() local t = {1}; t[2] = t; return t end)()");
  REQUIRE_FALSE(in_array);
  CHECK(in_array.error().where == "/1");
  // the same table twice, not inside itself, is two copies
  CHECK(*f.eval("(function() local s = {1}; return {a = s, b = s} end)()") == json{{"a", {1}}, {"b", {1}}});
}

TEST_CASE("lua json: values with no JSON form", "[lua][json]") {
  lua_fixture f;
  for (const auto& [expr, text] : {std::pair<const char*, const char*>{"{f = function() end}", "a function"},
                                   {"{u = aura.storage}", "a userdata"}, {"{p = string}", "a userdata"}}) {
    INFO(expr);
    auto r = f.eval(expr);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(text));
  }
  auto slash = f.eval("{['a/b'] = {['c~d'] = function() end}}");
  REQUIRE_FALSE(slash);
  CHECK(slash.error().where == "/a~1b/c~0d");
}

TEST_CASE("lua json: the depth limit holds both ways", "[lua][json]") {
  lua_fixture f;
  json deep = 1;
  for (int i = 0; i < 10; ++i) deep = json::array({deep});
  aura::lua::json_limits tight{10};
  CHECK(*f.round_trip(deep, tight) == deep);
  deep = json::array({deep});
  auto in = f.round_trip(deep, tight);
  REQUIRE_FALSE(in);
  CHECK(in.error().code == aura::errc::limit_exceeded);
  CHECK_THAT(in.error().message, Catch::Contains("deeper than 10"));

  auto out = f.eval("{{{{{{{{{{{1}}}}}}}}}}}", tight);
  REQUIRE_FALSE(out);
  CHECK(out.error().code == aura::errc::limit_exceeded);
  CHECK(*f.eval("{{{{{{{{{{1}}}}}}}}}}", tight) == json::parse("[[[[[[[[[[1]]]]]]]]]]"));

  // the default (128) refuses a 10000-deep document without exhausting the C stack
  const json very = json::parse(std::string(10000, '[') + std::string(10000, ']'));
  CHECK_FALSE(f.round_trip(very));
}

TEST_CASE("lua json: a round trip of a realistic event is exact", "[lua][json]") {
  lua_fixture f;
  const json doc = json::parse(R"({
    "tool": "bash", "args": {"cmd": "ls -la", "timeout": 30, "ratio": 0.25, "env": {}, "argv": []},
    "tags": ["a", "b", null, true, 1, 1.5, {"k": [1, [2, [3]]]}], "n": -7, "big": 9007199254740993,
    "unicode": "\u00e9\u4e2d\ud83d\ude00", "1": "numeric-looking key"})");
  auto r = f.round_trip(doc);
  REQUIRE(r);
  CHECK(*r == doc);
  CHECK(r->dump() == doc.dump());  // integers stay integers, floats floats
}

TEST_CASE("lua json: memory errors while pushing are reported, not raised", "[lua][json]") {
  aura::lua_limits limits;
  limits.memory = 256u << 10;
  auto s = aura::lua::state::create(limits);
  REQUIRE(s);
  json big = json::array();
  for (int i = 0; i < 20000; ++i) big.push_back("some text that takes room " + std::to_string(i));
  auto r = aura::lua::push_json_protected(s->L(), big);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::limit_exceeded);
  CHECK(s->memory().refused);
  CHECK(lua_gettop(s->L()) == 0);
}

TEST_CASE("lua: the event time is written as format_time writes it", "[lua][json]") {
  using namespace std::chrono;
  // system_clock counts nanoseconds in 64 bits: about 1678-2262 is representable.
  std::vector<long long> samples = {0, 1, 999, 1000, -1, -999, -1000, -86'400'000, 951'782'400'000 /* 2000-02-29 */,
                                    4'102'444'799'999 /* 2099-12-31T23:59:59.999 */,
                                    -2'208'988'800'000 /* 1900-01-01 */};
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {  // xorshift over +-285 years
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    samples.push_back(static_cast<long long>(x % 18'000'000'000'000ull) - 9'000'000'000'000ll);
  }
  for (long long ms : samples) {
    const aura::time_point t{milliseconds(ms)};
    INFO(ms);
    REQUIRE(aura::lua::format_event_time(t) == aura::format_time(t));
  }
}

TEST_CASE("lua: answers with members beyond the wire form take the general path", "[lua][json]") {
  auto p = aura::lua_plugin::load_source(R"(
    function extra(e, c) return { decision = "allow", note = "kept out" } end
    function extra_bad(e, c) return { decision = "allow", note = function() end } end
    function int_key(e, c) return { decision = "deny", reason = "r", [7] = 1 } end
    function null_effects(e, c) return { decision = "allow", effects = aura.null } end
    function bad_effects(e, c) return { decision = "allow", effects = "loud" } end
    function json_patch_object(e, c) return aura.mutate({ op = "add" }, "json_patch") end
  )",
                                         "answers", {});
  REQUIRE(p);
  aura::context ctx;
  auto ev = aura::make_envelope("e", json::object());
  auto extra = (*p)->call("extra", ev, ctx);
  REQUIRE(extra);
  CHECK(extra->is_allow());
  auto extra_bad = (*p)->call("extra_bad", ev, ctx);
  REQUIRE_FALSE(extra_bad);
  CHECK(extra_bad.error().where == "/note");
  auto int_key = (*p)->call("int_key", ev, ctx);
  REQUIRE(int_key);
  CHECK(int_key->reason() == "r");
  auto null_fx = (*p)->call("null_effects", ev, ctx);
  REQUIRE(null_fx);
  CHECK_FALSE(null_fx->effects());
  auto bad_fx = (*p)->call("bad_effects", ev, ctx);
  REQUIRE_FALSE(bad_fx);
  CHECK(bad_fx.error().where == "/effects");
  auto jp = (*p)->call("json_patch_object", ev, ctx);
  REQUIRE_FALSE(jp);
  CHECK_THAT(jp.error().message, Catch::Contains("must be an array"));
}
