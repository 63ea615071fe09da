// The network permission, the libcurl client and the storage quotas reached
// through each runtime's real adapter: a Lua script (aura.http,
// aura.storage), a Python JSON-RPC process plugin (host/http,
// host/storage/set) and a WASM module (http_request, storage_set imports).
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include <aura/adapters/lua.hpp>
#include <aura/adapters/process.hpp>
#include <aura/core/core.hpp>
#include <aura/net/curl_http_client.hpp>
#if defined(AURA_SECURITY_WASM_CAPS)
#include <fstream>
#include <iterator>
#include <vector>

#include <aura/adapters/wasm.hpp>
#endif

#include "support/http_test_server.hpp"

using namespace std::chrono_literals;
using json = nlohmann::json;
using aura_test::http_reply;
using aura_test::http_seen;
using aura_test::http_test_server;

namespace {

std::shared_ptr<aura::context> plugin_context(const std::string& owner, std::vector<std::string> network,
                                              aura::storage_limits limits = {}) {
  aura::permissions p;
  p.network = std::move(network);
  p.storage = aura::storage_scope::plugin_private;
  p.call_api = {"log", "config", "http", "storage"};
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner(owner)
      .set_permissions(p)
      .set_http(std::make_shared<aura::net::curl_http_client>())
      .set_storage(std::make_shared<aura::memory_storage>(limits))
      .set_storage_limits(limits);
  return ctx;
}

http_test_server make_server(int& other_port) {
  return http_test_server([&other_port](const http_seen& s) {
    http_reply r;
    if (s.target == "/hop") {
      r.status = 302;
      r.headers.emplace_back("Location", "http://localhost:" + std::to_string(other_port) + "/");
      return r;
    }
    r.body = "pong " + s.target;
    return r;
  });
}

const char* lua_script = R"(
function on_fetch(event, ctx)
  local r, err = aura.http{url = event.data.url, timeout_ms = 2000}
  if not r then return aura.deny("refused: " .. tostring(err)) end
  return aura.deny("status " .. r.status .. " " .. r.body)
end
function on_store(event, ctx)
  local ok, err = aura.storage.set(event.data.key, event.data.value)
  if ok == nil then return aura.deny("store: " .. tostring(err)) end
  return aura.allow()
end
)";

}  // namespace

TEST_CASE("runtimes: a Lua plugin's aura.http goes through the parser, the permission and curl", "[security][net]") {
  http_test_server other([](const http_seen&) { return http_reply{}; });
  int other_port = other.port();
  auto server = make_server(other_port);
  const std::string p = std::to_string(server.port());
  aura::lua_options o;
  o.name = "lua-net";
  o.ctx = plugin_context("lua-net", {"localhost:" + p}, [] {
    aura::storage_limits l;
    l.max_value_bytes = 8;
    return l;
  }());
  auto plugin = aura::lua_plugin::load_source(lua_script, "net.lua", o);
  REQUIRE(plugin);
  aura::context unused;
  auto call = [&](const std::string& handler, json data) {
    return (*plugin)->call(handler, aura::make_envelope("probe", std::move(data)), unused);
  };
  auto ok = call("on_fetch", {{"url", "http://localhost:" + p + "/x"}});
  REQUIRE(ok);
  CHECK(ok->reason() == "status 200 pong /x");
  auto trick = call("on_fetch", {{"url", "http://localhost:" + p + "\\@127.0.0.1:" + p + "/y"}});
  REQUIRE(trick);
  CHECK(trick->reason() == "status 200 pong /@127.0.0.1:" + p + "/y");  // '\' ends the authority
  auto ip = call("on_fetch", {{"url", "http://127.1:" + p + "/"}});  // a refusal raises in the script
  const std::string ip_text = ip ? ip->reason() : ip.error().describe();
  CHECK_THAT(ip_text, Catch::Contains("\"127.0.0.1:" + p + "\""));
  auto hop = call("on_fetch", {{"url", "http://localhost:" + p + "/hop"}});
  CHECK_THAT(hop ? hop->reason() : hop.error().describe(), Catch::Contains("redirect from"));
  CHECK(other.count() == 0);
  auto big = call("on_store", {{"key", "k"}, {"value", "123456789"}});
  REQUIRE(big);
  CHECK_THAT(big->reason(), Catch::Contains("8-byte value limit"));
  auto bad_key = call("on_store", {{"key", "dir/"}, {"value", "v"}});
  REQUIRE(bad_key);
  CHECK_THAT(bad_key->reason(), Catch::Contains("empty segment"));
}

TEST_CASE("runtimes: a process plugin's host/http and host/storage/set are checked the same way", "[security][net]") {
  http_test_server other([](const http_seen&) { return http_reply{}; });
  int other_port = other.port();
  auto server = make_server(other_port);
  const std::string p = std::to_string(server.port());
  aura::process_options o;
  o.name = "py-net";
  o.argv = {AURA_SECURITY_PYTHON, AURA_SECURITY_PY_PLUGIN};
  o.default_timeout = 5000ms;
  aura::storage_limits limits;
  limits.max_value_bytes = 4;
  o.ctx = plugin_context("py-net", {"localhost:" + p}, limits);
  auto plugin = aura::process_plugin::start(o);
  REQUIRE(plugin);
  aura::context unused;
  auto host_calls = [&](json data) {
    auto r = (*plugin)->call("on_host", aura::make_envelope("test.event", std::move(data)), unused);
    REQUIRE(r);
    return (*r->effects())["host"];
  };
  auto fine = host_calls({{"url", "http://localhost:" + p + "/ok"}, {"value", "v"}});
  CHECK(fine["http"]["status"] == 200);
  CHECK(fine["http"]["body"] == "pong /ok");
  auto evil = host_calls({{"url", "https:evil.example/?x=://localhost:" + p}, {"value", "v"}});
  CHECK(evil["http"]["code"] == aura::jsonrpc::permission_denied);
  CHECK_THAT(evil["http"]["message"].get<std::string>(), Catch::Contains("\"evil.example\""));
  auto gopher = host_calls({{"url", "gopher://localhost:" + p + "/"}, {"value", "v"}});
  CHECK_THAT(gopher["http"]["message"].get<std::string>(), Catch::Contains("\"gopher:\" is not allowed"));
  auto hop = host_calls({{"url", "http://localhost:" + p + "/hop"}, {"value", "too long"}});
  CHECK_THAT(hop["http"]["message"].get<std::string>(), Catch::Contains("redirect from"));
  CHECK_THAT(hop["set"]["message"].get<std::string>(), Catch::Contains("4-byte value limit"));
  CHECK(other.count() == 0);
}

#if defined(AURA_SECURITY_WASM_CAPS)
TEST_CASE("runtimes: a WASM module's http_request and storage_set imports are checked too", "[security][net]") {
  std::ifstream in(AURA_SECURITY_WASM_CAPS, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // caps.wat asks for https://api.example.com/status: a permission for another
  // port of that host does not cover it, and no connection is attempted.
  aura::storage_limits limits;
  limits.max_value_bytes = 4;
  aura::wasm_options o;
  o.name = "wasm-net";
  o.ctx = plugin_context("wasm-net", {"api.example.com:8443"}, limits);
  o.ctx->set_config(json{{"greeting", "hi"}});
  auto loaded = aura::wasm_plugin::load_bytes(bytes, o);
  REQUIRE(loaded);
  aura::context unused;
  auto http = (*loaded)->hook("http")(aura::make_envelope(std::string("tool.before"), json::object()), unused);
  // The module gets the refusal back as its http_request answer or fails: either way it names the host.
  const std::string http_text = http ? http->json_patch().dump() : http.error().describe();
  CHECK_THAT(http_text, Catch::Contains("api.example.com"));
  CHECK_FALSE(http_text.find("\"status\":200") != std::string::npos);
  auto store = (*loaded)->hook("storage")(aura::make_envelope(std::string("tool.before"), json::object()), unused);
  REQUIRE_FALSE(store);
  // caps.wat turns a failed storage_set into its own non-zero return: the write did not happen.
  CHECK_THAT(store.error().describe(), Catch::Contains("plugin \"wasm-net\""));
}
#endif
