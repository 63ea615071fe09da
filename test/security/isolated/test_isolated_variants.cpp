// Variants of the issue's classes in the isolated mode, next to the same
// guests in process: every library function class that can run long in C,
// strings that are not UTF-8, URL-parser bypasses through aura.http, storage
// quota edges through the host's context. Each case checks that the call
// ends by its deadline + the kill margin, that the error names plugin and
// hook, and that the plugin (the host) still answers afterwards.
#include <catch2/catch.hpp>

#include <aura/adapters/lua.hpp>
#include <aura/core/storage_limits.hpp>
#include <aura/core/utf8.hpp>
#include <aura/plugin/sandbox.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "guests.hpp"

using namespace iso_test;
using aura::errc;

namespace {

/// Hooks that each spend their time inside one C library function (or a
/// few), where no instruction hook fires.
const char* const c_work = R"(
function ok(e, c) return aura.allow() end
function move(e, c) table.move({}, 1, 1e8, 1, {}) return aura.allow() end
function concat(e, c)
  local t = setmetatable({}, {__index = function(t, i) return "x" end})
  return aura.deny(#table.concat(t, ",", 1, 1e9))
end
function unpack(e, c) return aura.deny(select("#", table.unpack({}, 1, 1e8))) end
function sort(e, c)
  local t = setmetatable({}, {__len = function() return 1e8 end, __index = function(t, i) return -i end})
  table.sort(t) return aura.allow()
end
function insert(e, c)
  local t = setmetatable({}, {__len = function() return math.maxinteger - 1 end})
  table.insert(t, 1, "x") return aura.allow()
end
function find(e, c) string.find(("a"):rep(400), ".-.-.-.-b") return aura.allow() end
function gsub(e, c) string.gsub(("a"):rep(400), ".-.-.-.-b", "") return aura.allow() end
function gmatch(e, c) for m in string.gmatch(("a"):rep(400), ".-.-.-.-b") do end return aura.allow() end
function gsub_grow(e, c) local s = ("a"):rep(1 << 20) for i = 1, 40 do s = s:gsub("a", "%0%0") end return aura.allow() end
function format(e, c) local s = ("x"):rep(1 << 20) for i = 1, 1e6 do s = string.format("%s%s", s, "y") end return aura.allow() end
function format_width(e, c) for i = 1, 1e8 do local s = string.format("%99d%-99s%99.99f", i, "x", i) end return aura.allow() end
function rep(e, c) local s = ("x"):rep(1 << 30, ("y"):rep(64)) return aura.deny(#s) end
function pack(e, c) return aura.deny(#string.pack("c2000000000", "")) end
function pack_loop(e, c) for i = 1, 1e8 do local s = string.pack(">i8 <d z s4", i, i, "abc", "def") end return aura.allow() end
function utf8_len(e, c) local s = ("\u{10FFFF}"):rep(1 << 22) for i = 1, 1e6 do local n = utf8.len(s) end return aura.allow() end
function utf8_codes(e, c) local s = ("\u{7FF}"):rep(1 << 22) for i = 1, 1e6 do for p, cp in utf8.codes(s) do end end return aura.allow() end
function utf8_codepoint(e, c) return aura.deny(select("#", utf8.codepoint(("a"):rep(1 << 24), 1, -1))) end
function tostring_loop(e, c) error(setmetatable({}, {__tostring = function() while true do end end})) end
function load_huge(e, c) for i = 1, 1e6 do load(("x = 1 "):rep(1 << 16)) end return aura.allow() end
)";

struct outcome {
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  std::chrono::milliseconds took{};
};

template <class Plugin>
outcome run(Plugin& p, const std::string& hook, aura::context& ctx, std::chrono::milliseconds timeout) {
  outcome o;
  o.took = timed([&] { o.r = p.call(hook, event(), ctx, timeout); });
  return o;
}

/// The call ended by the deadline + margin (+ slack for a loaded box) and,
/// if it failed, its error names the plugin and the hook.
void check_bounded(const outcome& o, const std::string& plugin, const std::string& hook,
                   std::chrono::milliseconds timeout) {
  INFO(plugin << "/" << hook << " took " << o.took.count() << " ms: "
              << (o.r ? std::string("answered") : o.r.error().describe()));
  CHECK(o.took < timeout + 50ms + slack);
  if (!o.r) {
    CHECK(o.r.error().plugin == plugin);
    CHECK(o.r.error().hook == hook);
  }
}

}  // namespace

TEST_CASE("isolated variants: C library work in Lua ends by the deadline, in a worker and in process",
          "[security][isolated][lua]") {
  // The worker's own Lua limits are off (lua_guest), so what stops the call
  // in the worker is the host's deadline from outside; in process it is the
  // bounded library functions and the watchdog.
  auto iso = load_or_die(lua_guest("cwork", c_work));
  aura::lua_options lo;
  lo.name = "cwork-inproc";
  lo.limits.timeout = 300ms;
  auto inproc = aura::lua_plugin::load_source(c_work, "cwork.lua", lo);
  REQUIRE(inproc);
  const auto timeout = 300ms;
  for (const char* hook : {"move", "concat", "unpack", "sort", "insert", "find", "gsub", "gmatch", "gsub_grow",
                           "format", "format_width", "rep", "pack", "pack_loop", "utf8_len", "utf8_codes",
                           "utf8_codepoint", "tostring_loop", "load_huge"}) {
    DYNAMIC_SECTION("isolated " << hook) {
      aura::context ctx;
      auto o = run(*iso, hook, ctx, timeout);
      check_bounded(o, "cwork", hook, timeout);
      // still serving: a fresh worker if this one was killed
      CHECK(iso->call("ok", event(), ctx, 2000ms));
    }
    DYNAMIC_SECTION("in process " << hook) {
      aura::context ctx;
      outcome o;
      o.took = timed([&] { o.r = (*inproc)->call(hook, event(), ctx); });
      check_bounded(o, "cwork-inproc", hook, timeout);
      CHECK((*inproc)->call("ok", event(), ctx));
    }
  }
}

namespace {

const char* const bad_bytes = R"(
function reason(e, c) return aura.deny("bad \xff\xfe reason") end
function message(e, c) error("bad \xc3\x28 message") end
function patch(e, c) return aura.mutate({command = "ls \xed\xa0\x80", ["k\xff"] = "v"}) end
function logline(e, c) aura.log("warn", "bad \xf8\x88\x80\x80\x80 log") return aura.allow() end
function effects(e, c) return aura.allow({{kind = "note", text = "\x80\x80"}}) end
)";

struct recording_logger final : aura::logger {
  std::mutex m;
  std::vector<std::string> lines;
  void write(aura::log_level, std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> lock(m);
    lines.emplace_back(message);
  }
};

/// What a host serialising the outcome does: must not throw.
std::string serialise(const aura::result<aura::decision<aura::dynamic_event>>& r) {
  if (r) return aura::wire::encode(*r).dump();
  return nlohmann::json{{"error", r.error().describe()}, {"plugin", r.error().plugin}, {"hook", r.error().hook}}.dump();
}

}  // namespace

TEST_CASE("isolated variants: strings that are not UTF-8 always serialise, in a worker and in process",
          "[security][isolated][utf8]") {
  auto log = std::make_shared<recording_logger>();
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("bytes").set_logger(log);
  auto o = lua_guest("bytes", bad_bytes, ctx);
  auto iso = load_or_die(std::move(o));
  aura::lua_options lo;
  lo.name = "bytes-inproc";
  lo.ctx = ctx;
  auto inproc = aura::lua_plugin::load_source(bad_bytes, "bytes.lua", lo);
  REQUIRE(inproc);
  for (const char* hook : {"reason", "message", "patch", "logline", "effects"}) {
    DYNAMIC_SECTION("isolated " << hook) {
      aura::context dispatch;
      auto r = iso->call(hook, event(), dispatch, 2000ms);
      std::string text;
      REQUIRE_NOTHROW(text = serialise(r));
      CHECK(aura::is_valid_utf8(text.data(), text.size()));
      if (!r) CHECK(r.error().plugin == "bytes");
    }
    DYNAMIC_SECTION("in process " << hook) {
      aura::context dispatch;
      auto r = (*inproc)->call(hook, event(), dispatch);
      std::string text;
      REQUIRE_NOTHROW(text = serialise(r));
      CHECK(aura::is_valid_utf8(text.data(), text.size()));
    }
  }
  std::lock_guard<std::mutex> lock(log->m);
  for (const auto& l : log->lines) CHECK(aura::is_valid_utf8(l.data(), l.size()));
}

namespace {

/// Records every URL that reaches it: a request refused by the parser or the
/// permissions must never get here.
struct recording_http final : aura::http_client {
  std::mutex m;
  std::vector<std::string> urls;
  aura::result<aura::http_response> send(const aura::http_request& req) override {
    std::lock_guard<std::mutex> lock(m);
    urls.push_back(req.url);
    aura::http_response r;
    r.status = 200;
    r.body = "ok";
    return r;
  }
};

const char* const fetcher = R"(
function fetch(e, c)
  local ok, r = pcall(aura.http, {url = e.data.url})
  if not ok then return aura.deny("refused: " .. tostring(r)) end
  if r == nil then return aura.deny("failed") end
  return aura.allow()
end
)";

}  // namespace

TEST_CASE("isolated variants: URL-parser bypasses through aura.http are refused in the host",
          "[security][isolated][net]") {
  auto http = std::make_shared<recording_http>();
  aura::permissions perms;
  perms.network = {"allowed.example", "*.corp.example"};
  perms.call_api = {"http", "log"};
  auto ctx = context_with(perms);
  ctx->set_http(http);
  auto iso = load_or_die(lua_guest("fetch", fetcher, ctx));
  aura::lua_options lo;
  lo.name = "fetch-inproc";
  lo.ctx = ctx;
  auto inproc = aura::lua_plugin::load_source(fetcher, "fetch.lua", lo);
  REQUIRE(inproc);
  auto with_url = [](const std::string& url) {
    auto e = event();
    e.data["url"] = url;
    return e;
  };
  for (const char* url : {"127.0.0.1:18777/stolen?via=http://allowed.example",
                          "https://evil.example\\@allowed.example/", "https:evil.example/?x=://allowed.example",
                          "http://evil.example\\.corp.example/", "file:///etc/passwd", "gopher://allowed.example/",
                          "https://allowed.example:8443/", "http://allowed.example.evil.example/",
                          "http://0x7f.1/", "https://user@evil.example/#@allowed.example", "ftp://allowed.example/",
                          "http://[::1]/", "https://allowed%2eexample.evil.example/"}) {
    DYNAMIC_SECTION(url) {
      aura::context dispatch;
      auto a = iso->call("fetch", with_url(url), dispatch, 2000ms);
      REQUIRE(a);
      INFO("isolated: " << a->reason());
      CHECK(a->is_deny());  // raised (permission_denied) or nil (not a URL): never sent
      auto b = (*inproc)->call("fetch", with_url(url), dispatch);
      REQUIRE(b);
      CHECK(b->is_deny());
      CHECK(b->reason() == a->reason());  // the same answer in both modes
      std::lock_guard<std::mutex> lock(http->m);
      CHECK(http->urls.empty());
    }
  }
  SECTION("the allowed host gets through, rebuilt") {
    aura::context dispatch;
    auto a = iso->call("fetch", with_url("HTTPS://Allowed.Example./path"), dispatch, 2000ms);
    REQUIRE(a);
    CHECK(a->is_allow());
    std::lock_guard<std::mutex> lock(http->m);
    REQUIRE(http->urls.size() == 1);
    CHECK(http->urls[0] == "https://allowed.example/path");
  }
}

namespace {

const char* const hoarder = R"(
function set(e, c)
  local ok, err = aura.storage.set(e.data.key, string.rep("v", e.data.size))
  if ok then return aura.allow() end
  return aura.deny(tostring(err))
end
function get(e, c)
  local v = aura.storage.get(e.data.key)
  if v == nil then return aura.deny("missing") end
  return aura.allow()
end
)";

}  // namespace

TEST_CASE("isolated variants: storage quotas hold through an isolated plugin", "[security][isolated][storage]") {
  aura::storage_limits caps;
  caps.max_bytes = 4096;
  caps.max_keys = 4;
  caps.max_key_length = 32;
  caps.max_key_depth = 3;
  caps.max_value_bytes = 2048;
  // the plugin's real storage: a directory, as plugin_private gets it
  const auto dir = scratch() / ("hoard-" + std::to_string(::getpid()) + "-" +
                                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  auto store = std::make_shared<aura::plugin::directory_storage>(dir, "hoard", false, caps);
  aura::permissions perms;
  perms.storage = aura::storage_scope::plugin_private;
  perms.call_api = {"storage", "log"};
  auto ctx = context_with(perms, store);
  ctx->set_storage_limits(caps);
  auto iso = load_or_die(lua_guest("hoard", hoarder, ctx));
  auto set = [&](const std::string& key, int size) {
    auto e = event();
    e.data["key"] = key;
    e.data["size"] = size;
    aura::context dispatch;
    auto r = iso->call("set", e, dispatch, 2000ms);
    REQUIRE(r);
    return *r;
  };
  SECTION("a value one byte over the value cap is refused, one at it is kept") {
    CHECK(set("a", 2048).is_allow());
    auto d = set("b", 2049);
    CHECK(d.is_deny());
    CHECK(d.reason().find("2048") != std::string::npos);
  }
  SECTION("the byte total counts every key") {
    CHECK(set("a", 2048).is_allow());
    CHECK(set("b", 2048).is_allow());
    CHECK(set("c", 1).is_deny());
    CHECK(set("a", 2000).is_allow());  // replacing a value frees its bytes
  }
  SECTION("the key count") {
    for (const char* k : {"k1", "k2", "k3", "k4"}) CHECK(set(k, 1).is_allow());
    CHECK(set("k5", 1).is_deny());
    CHECK(set("k1", 2).is_allow());  // an existing key is not a new one
  }
  SECTION("key length, depth and shape") {
    CHECK(set(std::string(33, 'k'), 1).is_deny());
    CHECK(set(std::string(32, 'k'), 1).is_allow());
    CHECK(set("a/b/c/d", 1).is_deny());
    CHECK(set("dir/", 1).is_deny());
    CHECK(set("a//b", 1).is_deny());
  }
  SECTION("a key under a value and a parent of a key are refused, so every success reads back") {
    CHECK(set("x/y", 1).is_allow());
    CHECK(set("x", 1).is_deny());
    CHECK(set("x/y/z", 1).is_deny());
    auto e = event();
    e.data["key"] = "x/y";
    aura::context dispatch;
    auto r = iso->call("get", e, dispatch, 2000ms);
    REQUIRE(r);
    CHECK(r->is_allow());
  }
  SECTION("a key leaving the store is a permission error raised in the guest") {
    auto e = event();
    e.data["key"] = "../escape";
    e.data["size"] = 1;
    aura::context dispatch;
    auto r = iso->call("set", e, dispatch, 2000ms);
    REQUIRE_FALSE(r);
    CHECK(r.error().plugin == "hoard");
    CHECK(r.error().hook == "set");
  }
}
