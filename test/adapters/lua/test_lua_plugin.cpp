// Lua adapter: decisions, garbage answers, load errors, sandbox escapes,
// bounds, host API permissions, and concurrent calls.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/adapters/lua.hpp>
#include <aura/core/core.hpp>

using nlohmann::json;

namespace {

std::string script_path(const char* file) { return std::string(AURA_LUA_SCRIPTS) + "/" + file; }

std::shared_ptr<aura::lua_plugin> load(const char* file, aura::lua_options options = {}) {
  auto p = aura::lua_plugin::load(script_path(file), std::move(options));
  if (!p) FAIL(p.error().describe());
  return *p;
}

aura::envelope<aura::dynamic_event> event(json data = json::object()) {
  auto e = aura::make_envelope("intent.before_log", std::move(data), "test", "s-1");
  return e;
}

aura::result<aura::decision<aura::dynamic_event>> run(aura::lua_plugin& p, const std::string& handler,
                                                      json data = json::object()) {
  aura::context ctx;
  return p.call(handler, event(std::move(data)), ctx);
}

struct recording_logger final : aura::logger {
  void write(aura::log_level level, std::string_view source, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(std::string(aura::to_string(level)) + " " + std::string(source) + ": " + std::string(message));
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

struct route_http final : aura::http_client {
  aura::result<aura::http_response> send(const aura::http_request& r) override {
    last = r;
    if (r.url.find("down") != std::string::npos) return aura::fail(aura::errc::io_error, "connection refused");
    return aura::http_response{201, {{"content-type", "text/plain"}}, "created " + r.body};
  }
  aura::http_request last;
};

}  // namespace

namespace Catch {
template <class T>
struct StringMaker<aura::result<T>> {
  static std::string convert(const aura::result<T>& r) { return r ? "ok" : "error: " + r.error().describe(); }
};
}  // namespace Catch

TEST_CASE("lua: each decision kind", "[lua]") {
  auto p = load("decisions.lua");

  auto allow = run(*p, "on_allow");
  REQUIRE(allow);
  CHECK(allow->is_allow());
  CHECK_FALSE(allow->effects().has_value());

  auto deny = run(*p, "on_deny", {{"summary", "fix it"}});
  REQUIRE(deny);
  CHECK(deny->is_deny());
  CHECK(deny->reason() == "summary must mention a ticket, got: fix it");

  auto mutate = run(*p, "on_mutate", {{"summary", "fix it"}});
  REQUIRE(mutate);
  REQUIRE(mutate->is_mutate());
  CHECK(mutate->json_patch_format() == aura::patch_format::merge);
  CHECK(mutate->json_patch() == json{{"summary", "fix it [OPS-1]"}, {"draft", nullptr}});

  auto jp = run(*p, "on_json_patch", {{"tickets", json::array()}});
  REQUIRE(jp);
  CHECK(jp->json_patch_format() == aura::patch_format::json_patch);
  CHECK(jp->json_patch() == json::parse(R"([{"op":"add","path":"/tickets/-","value":"OPS-2"}])"));

  auto plain = run(*p, "on_plain_table");
  REQUIRE(plain);
  CHECK(plain->is_deny());
  CHECK(plain->reason() == "plain");
}

TEST_CASE("lua: decisions carry effects", "[lua]") {
  auto p = load("decisions.lua");
  auto a = run(*p, "on_allow_effects");
  REQUIRE(a);
  REQUIRE(a->effects());
  CHECK(*a->effects() == json{{"notice", "seen intent.before_log"}});
  auto d = run(*p, "on_deny_effects");
  REQUIRE(d);
  CHECK(d->reason() == "blocked");
  CHECK(*d->effects() == json{{"notice", "denied"}});
  auto m = run(*p, "on_mutate_effects");
  REQUIRE(m);
  CHECK(m->json_patch() == json{{"n", 1}});
  CHECK(m->json_patch_format() == aura::patch_format::merge);
  CHECK(*m->effects() == json{{"notice", "patched"}});
}

TEST_CASE("lua: the handler sees the wire event and a context table", "[lua]") {
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("guard").set_config({{"threshold", 3}});
  auto p = load("decisions.lua", {"guard", {}, ctx});
  auto e = event({{"summary", "s"}, {"tickets", json::array()}, {"empty", json::object()}});
  e.meta = {{"k", "v"}};
  aura::context unused;
  auto r = p->call("echo", e, unused);
  REQUIRE(r);
  const json& got = r->json_patch();
  CHECK(got["id"] == e.id);
  CHECK(got["name"] == "intent.before_log");
  CHECK(got["time"] == aura::format_time(e.time));
  CHECK(got["source"] == "test");
  CHECK(got["session"] == "s-1");
  CHECK(got["data"] == e.data);  // [] stays an array and {} an object
  CHECK(got["meta"] == json{{"k", "v"}});
  CHECK(got["hook"] == "echo");
  CHECK(got["plugin"] == "guard");
  CHECK(got["config"] == json{{"threshold", 3}});
}

TEST_CASE("lua: handlers() lists the script's global functions", "[lua]") {
  auto p = load("decisions.lua");
  CHECK(p->name() == "decisions");
  CHECK(p->has_handler("on_allow"));
  CHECK(p->has_handler("count_calls"));
  CHECK_FALSE(p->has_handler("helper"));  // local
  CHECK_FALSE(p->has_handler("pairs"));   // library
  CHECK_FALSE(p->has_handler("counter"));  // not a function
}

TEST_CASE("lua: a plugin in a bus chain", "[lua]") {
  auto p = load("decisions.lua");
  aura::bus bus;
  bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  REQUIRE(bus.on("intent.before_log", aura::hook_options("check").owned_by("decisions"), p->hook("check_ticket")));
  auto ok = bus.emit("intent.before_log", json{{"summary", "x"}, {"tickets", {"OPS-12"}}});
  CHECK(ok.verdict == aura::verdict::allow);
  auto no = bus.emit("intent.before_log", json{{"summary", "x"}, {"tickets", {"JIRA-1"}}});
  CHECK(no.verdict == aura::verdict::deny);
  CHECK(no.reason == "Intent must reference an OPS-### ticket.");
}

TEST_CASE("lua: a handler answering garbage is a protocol error naming it", "[lua]") {
  auto p = load("garbage.lua");
  struct expectation {
    const char* handler;
    aura::errc code;
    const char* text;
    const char* where;
  };
  const expectation cases[] = {
      {"returns_nothing", aura::errc::protocol_error, "handler returned nothing", ""},
      {"returns_number", aura::errc::protocol_error, "handler returned a number", ""},
      {"returns_string", aura::errc::protocol_error, "handler returned a string", ""},
      {"unknown_kind", aura::errc::protocol_error, "unknown decision \"maybe\"", "/decision"},
      {"deny_without_reason", aura::errc::protocol_error, "a deny needs a string \"reason\"", "/reason"},
      {"bad_patch_format", aura::errc::protocol_error, "\"patch_format\" must be", "/patch_format"},
      {"function_in_patch", aura::errc::protocol_error, "a function has no JSON form", "/patch/a/b"},
      {"cyclic_patch", aura::errc::protocol_error, "cycle", "/patch/loop/self"},
      {"raises", aura::errc::hook_failed, "garbage.lua:14: boom in handler", ""},
      {"raises_table", aura::errc::hook_failed, "error object is a table value", ""},
      {"calls_nil", aura::errc::hook_failed, "attempt to index a nil value (local 'x')", ""},
      {"bad_deny_arg", aura::errc::hook_failed, "bad argument #1 to 'deny'", ""},
      {"bad_mutate_format", aura::errc::hook_failed, "patch format must be", ""},
      {"not_a_function", aura::errc::not_found, "no function \"not_a_function\"", ""},
      {"no_such_handler", aura::errc::not_found, "no function \"no_such_handler\"", ""},
  };
  for (const auto& c : cases) {
    INFO(c.handler);
    auto r = run(*p, c.handler);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == c.code);
    CHECK_THAT(r.error().message, Catch::Contains(c.text));
    CHECK(r.error().plugin == "garbage");
    CHECK(r.error().hook == c.handler);
    if (c.where[0] != '\0') CHECK(r.error().where == c.where);
  }
  // a raised error keeps its position
  auto r = run(*p, "raises");
  CHECK_THAT(r.error().where, Catch::EndsWith("garbage.lua:14"));
  // and the state is still good for the next call
  auto again = run(*p, "returns_nothing");
  CHECK(again.error().code == aura::errc::protocol_error);
}

TEST_CASE("lua: a garbage answer fails the hook by its policy in a chain", "[lua]") {
  auto p = load("garbage.lua");
  aura::bus bus;
  bus.declare("e", aura::vetoable);
  REQUIRE(bus.on("e", aura::hook_options("g").with_policy(aura::fail_closed), p->hook("returns_number")));
  auto out = bus.emit("e", json::object());
  CHECK(out.verdict == aura::verdict::deny);
  REQUIRE_FALSE(out.diagnostics.empty());
}

TEST_CASE("lua: load errors name the file and line", "[lua]") {
  auto syntax = aura::lua_plugin::load(script_path("syntax_error.lua"), {});
  REQUIRE_FALSE(syntax);
  CHECK(syntax.error().code == aura::errc::load_error);
  CHECK_THAT(syntax.error().message, Catch::Contains("syntax error"));
  CHECK_THAT(syntax.error().where, Catch::EndsWith("syntax_error.lua:5"));
  CHECK(syntax.error().plugin == "syntax_error");

  auto top = aura::lua_plugin::load(script_path("top_level_error.lua"), {});
  REQUIRE_FALSE(top);
  CHECK(top.error().code == aura::errc::load_error);
  CHECK_THAT(top.error().message, Catch::Contains("refusing to load"));
  CHECK_THAT(top.error().where, Catch::EndsWith("top_level_error.lua:2"));

  auto missing = aura::lua_plugin::load(script_path("no_such_file.lua"), {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == aura::errc::not_found);
  CHECK(missing.error().message == "cannot open Lua script " + script_path("no_such_file.lua"));
  auto directory = aura::lua_plugin::load(AURA_LUA_SCRIPTS, {});  // exists, but is not a script
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code == aura::errc::io_error);
  CHECK(directory.error().where == AURA_LUA_SCRIPTS);

  auto src = aura::lua_plugin::load_source("x = = 1", "inline", {});
  REQUIRE_FALSE(src);
  CHECK(src.error().where == "inline:1");
  CHECK(src.error().plugin == "inline");

  auto bytecode = aura::lua_plugin::load_source(std::string("\x1bLuaT\0", 6), "bin", {});
  REQUIRE_FALSE(bytecode);
  CHECK_THAT(bytecode.error().message, Catch::Contains("binary chunk"));

  auto spin = aura::lua_plugin::load_source("while true do end", "spin", {});
  REQUIRE_FALSE(spin);
  CHECK(spin.error().code == aura::errc::load_error);
  CHECK_THAT(spin.error().message, Catch::Contains("instruction budget"));
}

TEST_CASE("lua: sandbox escapes fail", "[lua][sandbox]") {
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("sandbox").set_permissions(aura::permissions{});  // the defaults a plugin gets
  auto p = load("sandbox.lua", {"sandbox", {}, ctx});
  struct attempt {
    const char* handler;
    const char* text;
  };
  const attempt attempts[] = {
      {"io_open", "global 'io'"},
      {"os_execute", "field 'execute'"},
      {"os_getenv", "environment variable \"HOME\" is not in the plugin's permissions"},
      {"os_exit", "field 'exit'"},
      {"call_require", "global 'require'"},
      {"call_dofile", "global 'dofile'"},
      {"call_loadfile", "global 'loadfile'"},
      {"string_dump", "field 'dump'"},
      {"debug_registry", "global 'debug'"},
      {"call_print", "global 'print'"},
      {"gc_stop", "collectgarbage(\"stop\") is not available"},
      {"string_metatable_edit", "attempt to index a nil value"},
      {"string_lib_edit", "read-only table 'string'"},
      {"string_lib_rawset", "table expected"},
      {"set_string_metatable", "table expected"},
      {"edit_aura", "read-only table 'aura'"},
      {"rawset_aura", "table expected"},
      {"edit_aura_storage", "read-only table 'aura.storage'"},
  };
  for (const auto& a : attempts) {
    INFO(a.handler);
    auto r = run(*p, a.handler);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == aura::errc::hook_failed);
    CHECK_THAT(r.error().message, Catch::Contains(a.text));
  }
  CHECK_FALSE(std::filesystem::exists("/tmp/aura-lua-escaped"));

  // what stays available works
  auto count = run(*p, "gc_count");
  REQUIRE(count);
  CHECK(count->json_patch() == json{{"kb", true}});
  auto text = run(*p, "load_text");
  REQUIRE(text);
  CHECK(text->json_patch() == json{{"r", 2}});
  auto env = run(*p, "load_with_env");
  REQUIRE(env);
  CHECK(env->json_patch() == json{{"r", 7}});
  auto up = run(*p, "upper");
  REQUIRE(up);
  CHECK(up->json_patch() == json{{"r", "ABC"}, {"r2", "X"}});

  for (const char* h : {"load_binary", "load_binary_mode_b", "load_reader_binary"}) {
    INFO(h);
    auto r = run(*p, h);
    REQUIRE(r);
    CHECK_THAT(r->reason(), Catch::StartsWith("nil / ") && Catch::Contains("binary chunk"));
  }
  auto mt = run(*p, "string_metatable");
  REQUIRE(mt);
  CHECK(mt->reason() == "locked");
  auto amt = run(*p, "aura_metatable");
  REQUIRE(amt);
  CHECK(amt->reason() == "locked");
}

TEST_CASE("lua: only the reduced library is global", "[lua][sandbox]") {
  auto p = load("sandbox.lua");
  auto r = run(*p, "globals");
  REQUIRE(r);
  std::vector<std::string> seen;
  std::string names = r->reason();
  for (std::size_t pos = 0; pos <= names.size();) {
    auto comma = names.find(',', pos);
    if (comma == std::string::npos) comma = names.size();
    seen.push_back(names.substr(pos, comma - pos));
    pos = comma + 1;
  }
  for (const char* gone : {"io", "require", "package", "debug", "dofile", "loadfile", "print", "coroutine"}) {
    INFO(gone);
    CHECK(std::find(seen.begin(), seen.end(), gone) == seen.end());
  }
  for (const char* kept : {"aura", "string", "table", "math", "utf8", "os", "pairs", "pcall", "load", "_G"}) {
    INFO(kept);
    CHECK(std::find(seen.begin(), seen.end(), kept) != seen.end());
  }
}

TEST_CASE("lua: overwriting aura does not reach the next call", "[lua][sandbox]") {
  aura::lua_limits one;
  one.max_states = 1;  // the same state serves both calls
  auto p = load("sandbox.lua", {"sandbox", one, nullptr});
  auto hijacked = run(*p, "clobber_aura");
  REQUIRE(hijacked);
  CHECK(hijacked->reason() == "hijacked");  // its own call sees what it did
  auto next = run(*p, "plain_allow");
  REQUIRE(next);
  CHECK(next->is_allow());

  auto meta = run(*p, "meta_globals");
  REQUIRE(meta);
  auto after = run(*p, "plain_allow");  // the host's handler lookup ignores _G's metatable
  REQUIRE(after);
  CHECK(after->is_allow());
  CHECK(p->states_created() == 0);
}

TEST_CASE("lua: an infinite loop ends at the instruction budget", "[lua][limits]") {
  aura::lua_limits limits;
  limits.instructions = 200'000;
  limits.max_states = 1;
  auto p = load("limits.lua", {"limits", limits, nullptr});
  for (const char* h : {"spin", "spin_in_pcall"}) {
    INFO(h);
    auto r = run(*p, h);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == aura::errc::limit_exceeded);
    CHECK_THAT(r.error().message, Catch::Contains("instruction budget of 200000 exceeded"));
    CHECK(r.error().hook == h);
  }
  auto ok = run(*p, "quick");
  REQUIRE(ok);
  CHECK(p->states_created() == 2);  // each stopped state was replaced
  CHECK(ok->json_patch() == json{{"sum", 5050}});
}

TEST_CASE("lua: a wall-time limit ends a call", "[lua][limits]") {
  aura::lua_limits limits;
  limits.instructions = 0;  // unbounded: only the clock stops it
  limits.timeout = std::chrono::milliseconds(50);
  auto p = load("limits.lua", {"limits", limits, nullptr});
  auto r = run(*p, "spin");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::timeout);
  auto ok = run(*p, "quick");
  CHECK(ok);
}

TEST_CASE("lua: a memory bomb ends at the memory cap", "[lua][limits]") {
  aura::lua_limits limits;
  limits.memory = 4u << 20;
  limits.instructions = 0;
  limits.max_states = 1;
  auto p = load("limits.lua", {"limits", limits, nullptr});
  for (const char* h : {"memory_bomb", "memory_bomb_caught", "big_string"}) {
    INFO(h);
    auto r = run(*p, h);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == aura::errc::limit_exceeded);
    CHECK_THAT(r.error().message, Catch::Contains("memory cap of 4194304 bytes exceeded"));
  }
  auto ok = run(*p, "quick");
  REQUIRE(ok);
  CHECK(p->states_created() == 3);
  CHECK(ok->json_patch() == json{{"sum", 5050}});
}

TEST_CASE("lua: string.rep cannot spin in C", "[lua][limits]") {
  auto p = load("limits.lua");
  auto r = run(*p, "rep_empty");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("string.rep: count too large"));
}

TEST_CASE("lua: an answer nested past max_depth is refused", "[lua][limits]") {
  auto p = load("limits.lua");
  auto r = run(*p, "deep_answer");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::limit_exceeded);  // a conversion budget, like nodes and bytes
  CHECK_THAT(r.error().message, Catch::Contains("nested deeper than 128 levels"));
}

TEST_CASE("lua: host API goes through the plugin's permissions", "[lua][host]") {
  auto logs = std::make_shared<recording_logger>();
  auto http = std::make_shared<route_http>();
  auto storage = std::make_shared<aura::memory_storage>();
  auto make_ctx = [&](aura::permissions perms) {
    auto ctx = std::make_shared<aura::context>();
    ctx->set_owner("hosty").set_permissions(std::move(perms)).set_logger(logs).set_http(http).set_storage(storage);
    ctx->set_config({{"threshold", 3}, {"list", json::array()}});
    return ctx;
  };

  SECTION("granted") {
    aura::permissions perms;
    perms.call_api = {"log", "config", "storage", "http"};
    perms.storage = aura::storage_scope::plugin_private;
    perms.network = {"api.example.com"};
    auto p = load("host_api.lua", {"hosty", {}, make_ctx(perms)});

    REQUIRE(run(*p, "log"));
    REQUIRE(logs->lines.size() == 2);
    CHECK(logs->lines[0] == "info hosty: hello from hosty");
    CHECK(logs->lines[1] == "info hosty: plain message");

    auto cfg = run(*p, "config");
    REQUIRE(cfg);
    CHECK(cfg->json_patch() == json{{"all", {{"threshold", 3}, {"list", json::array()}}}, {"threshold", 3}});

    REQUIRE(storage->set("scratch", "x"));
    auto first = run(*p, "storage");
    REQUIRE(first);
    CHECK(first->json_patch() == json{{"before", nullptr}, {"visits", 1}, {"removed", true}});
    auto second = run(*p, "storage");
    REQUIRE(second);
    CHECK(second->json_patch() == json{{"before", "1"}, {"visits", 2}, {"removed", false}});

    auto h = run(*p, "http");
    REQUIRE(h);
    CHECK(h->json_patch() == json{{"status", 201}, {"body", "created q"}});
    CHECK(http->last.method == "POST");
    CHECK(http->last.headers.at("x-k") == "v");

    auto bad = run(*p, "http_bad_request");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("aura.http: expected"));
    auto level = run(*p, "bad_log_level");
    REQUIRE_FALSE(level);
    CHECK_THAT(level.error().message, Catch::Contains("invalid option 'loud'"));
  }

  SECTION("refused") {
    aura::permissions perms;  // log and config only, no storage, no network
    perms.call_api = {"config"};
    auto p = load("host_api.lua", {"hosty", {}, make_ctx(perms)});
    auto l = run(*p, "log");
    REQUIRE_FALSE(l);
    CHECK(l.error().code == aura::errc::hook_failed);
    CHECK_THAT(l.error().message, Catch::Contains("host API \"log\" is not in the plugin's call_api"));
    CHECK(logs->lines.empty());

    auto s = run(*p, "storage");
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("host API \"storage\""));
    auto guarded = run(*p, "storage_guarded");  // a script may catch the refusal
    REQUIRE(guarded);
    CHECK_THAT(guarded->reason(), Catch::StartsWith("false: ") && Catch::Contains("storage"));

    auto h = run(*p, "http");
    REQUIRE_FALSE(h);
    CHECK_THAT(h.error().message, Catch::Contains("host API \"http\""));
    CHECK(http->last.url.empty());
  }

  SECTION("network host not granted, read-only storage, config refused") {
    aura::permissions perms;
    perms.call_api = {"log", "storage", "http"};
    perms.storage = aura::storage_scope::repo_readonly;
    perms.network = {"other.example.com"};
    auto p = load("host_api.lua", {"hosty", {}, make_ctx(perms)});
    auto h = run(*p, "http");
    REQUIRE_FALSE(h);
    CHECK_THAT(h.error().message, Catch::Contains("network access to \"api.example.com\""));
    auto s = run(*p, "storage");
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("read-only"));
    auto c = run(*p, "config");
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message, Catch::Contains("host API \"config\""));
  }

  SECTION("a failing service returns nil, message") {
    aura::permissions perms;
    perms.call_api = {"http"};
    perms.network = {"*"};
    auto ctx = make_ctx(perms);
    auto p = aura::lua_plugin::load_source(
        "function h() local r, err = aura.http({url='https://down.example.com/'}) "
        "return aura.deny(tostring(r) .. ' ' .. err) end",
        "down", {"down", {}, ctx});
    REQUIRE(p);
    auto r = run(**p, "h");
    REQUIRE(r);
    CHECK(r->reason() == "nil connection refused");
  }
}

TEST_CASE("lua: os.getenv reads only the variables the permissions list", "[lua][host]") {
  ::setenv("AURA_LUA_TEST_VAR", "granted-value", 1);
  ::unsetenv("AURA_LUA_UNSET");
  aura::permissions perms;
  perms.env = aura::env_access::listed;
  perms.env_vars = {"AURA_LUA_TEST_VAR", "AURA_LUA_UNSET"};
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("envy").set_permissions(perms);
  auto p = load("host_api.lua", {"envy", {}, ctx});
  auto r = run(*p, "getenv");
  REQUIRE(r);
  CHECK(r->json_patch() == json{{"var", "granted-value"}, {"unset", nullptr}});
  auto home = run(*p, "getenv_home");
  REQUIRE_FALSE(home);
  CHECK_THAT(home.error().message, Catch::Contains("environment variable \"HOME\" is not in the plugin's permissions"));
}

TEST_CASE("lua: without its own context a plugin uses the dispatch context", "[lua][host]") {
  auto logs = std::make_shared<recording_logger>();
  aura::context dispatch;
  dispatch.set_owner("host-side").set_logger(logs);
  auto p = load("host_api.lua");
  auto r = p->call("log", event(), dispatch);
  REQUIRE(r);
  REQUIRE(logs->lines.size() == 2);
  CHECK(logs->lines[0] == "info host-side: hello from host_api");
}

TEST_CASE("lua: the top level may log through the plugin's context only", "[lua][host]") {
  auto logs = std::make_shared<recording_logger>();
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("top").set_logger(logs);
  auto p = aura::lua_plugin::load(script_path("top_level_log.lua"), {"top", {}, ctx});
  REQUIRE(p);
  REQUIRE(logs->lines.size() == 1);
  CHECK(logs->lines[0] == "info top: loading");

  auto without = aura::lua_plugin::load(script_path("top_level_log.lua"), {});
  REQUIRE_FALSE(without);
  CHECK_THAT(without.error().message, Catch::Contains("aura.log is only available while a handler runs"));
}

TEST_CASE("lua: concurrent calls are safe", "[lua][threads]") {
  aura::lua_limits limits;
  limits.max_states = 3;
  auto p = load("decisions.lua", {"decisions", limits, nullptr});
  constexpr int threads = 6;
  constexpr int calls = 300;
  std::atomic<int> good{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      aura::context ctx;
      for (int i = 0; i < calls; ++i) {
        const std::string summary = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = p->call("on_mutate", event({{"summary", summary}}), ctx);
        if (r && r->json_patch()["summary"] == summary + " [OPS-1]") ++good;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(good.load() == threads * calls);
  CHECK(p->states_created() <= 2);  // never more than max_states live (one made at load)
}

TEST_CASE("lua: a state keeps its globals between calls", "[lua]") {
  aura::lua_limits one;
  one.max_states = 1;
  auto p = load("decisions.lua", {"decisions", one, nullptr});
  CHECK(run(*p, "count_calls")->json_patch() == json{{"calls", 1}});
  CHECK(run(*p, "count_calls")->json_patch() == json{{"calls", 2}});
}

TEST_CASE("lua: concurrent calls that hit bounds do not disturb the others", "[lua][threads][limits]") {
  aura::lua_limits limits;
  limits.instructions = 50'000;
  limits.max_states = 2;
  auto p = load("limits.lua", {"limits", limits, nullptr});
  std::atomic<int> stopped{0}, answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      aura::context ctx;
      for (int i = 0; i < 40; ++i) {
        const bool spin = (t + i) % 3 == 0;
        auto r = p->call(spin ? "spin" : "quick", event(), ctx);
        if (spin && !r && r.error().code == aura::errc::limit_exceeded) ++stopped;
        if (!spin && r && r->json_patch() == json{{"sum", 5050}}) ++answered;
      }
    });
  }
  for (auto& th : threads) th.join();
  int spins = 0;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 40; ++i) spins += (t + i) % 3 == 0 ? 1 : 0;
  }
  CHECK(stopped.load() == spins);
  CHECK(answered.load() == 160 - spins);
  // every stopped state was discarded: states made = spins + (states alive now, 0..2) - 1 adopted at load
  const auto made = static_cast<int>(p->states_created());
  CHECK(made >= spins - 1);
  CHECK(made <= spins + 1);
}
