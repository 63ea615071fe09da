// aura's MCP client over Streamable HTTP with the libcurl client: the GET
// event stream (a server's list_changed reaches the client between calls and
// aura::mcp::upstream lists the tools again), cancellation of a running call
// (the transfer is abandoned and the server told with notifications/cancelled),
// and the SSE reader the client parses both streams with.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/mcp/client.hpp>
#include <aura/mcp/detail/sse_reader.hpp>
#include <aura/mcp/server.hpp>
#include <aura/mcp/streamable_http.hpp>
#include <aura/mcp/upstream.hpp>
#include <aura/net/curl_http_client.hpp>

#include "mcp_test_util.hpp"

using json = nlohmann::json;
using namespace std::chrono_literals;
using namespace mcp_test;

namespace {

/// A server on a loopback port with an echo tool and a slow tool that notes
/// when it was cancelled.
struct http_upstream {
  aura::mcp::tool_catalog catalog;
  std::unique_ptr<aura::mcp::server> srv;
  std::unique_ptr<aura::mcp::http_transport> tr;
  std::atomic<bool> slow_cancelled{false};
  http_upstream() {
    aura::mcp::tool_entry slow;
    slow.name = "slow";
    slow.call = [this](const json&, const aura::mcp::call_control& ctl) -> aura::result<json> {
      const auto until = std::chrono::steady_clock::now() + 20s;
      while (!ctl.is_cancelled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
      slow_cancelled = ctl.is_cancelled();
      return json{{"content", json::array({{{"type", "text"}, {"text", "slow done"}}})}};
    };
    REQUIRE(catalog.set_source("host", {text_tool("echo", echo_schema(), [](const json& a) { return a["text"].get<std::string>(); }),
                                        slow})
                .empty());
    srv = std::make_unique<aura::mcp::server>(catalog, aura::mcp::server_options{});
    tr = std::make_unique<aura::mcp::http_transport>(*srv);
    REQUIRE(tr->start());
  }
  [[nodiscard]] aura::mcp::client_options client_opts(const std::string& name) const {
    aura::mcp::client_options co;
    co.name = name;
    co.url = "http://127.0.0.1:" + std::to_string(tr->port()) + "/mcp";
    aura::net::curl_http_options ho;
    ho.max_timeout = 1h;
    co.http = std::make_shared<aura::net::curl_http_client>(ho);
    co.reconnect_delay = 50ms;
    return co;
  }
};

template <class F>
bool eventually(F&& f, std::chrono::milliseconds within = 10s) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

}  // namespace

TEST_CASE("mcp sse reader: events in pieces, CR/LF/CRLF, multi-line data, comments, a bound", "[mcp][client]") {
  std::vector<std::string> got;
  auto take = [&](std::string_view d) { got.emplace_back(d); };
  aura::mcp::detail::sse_reader r(64);
  const std::string stream = ": keepalive\r\n\r\nevent: message\r\ndata: {\"a\":1}\r\n\r\ndata:x\ndata: y\n\nid: 7\rdata: cr\r\r";
  for (char c : stream) REQUIRE(r.feed(std::string_view(&c, 1), take));  // one byte at a time
  REQUIRE(got == std::vector<std::string>{"{\"a\":1}", "x\ny", "cr"});
  aura::mcp::detail::sse_reader small(16);
  CHECK_FALSE(small.feed("data: " + std::string(40, 'z') + "\n\n", take));
  CHECK_FALSE(small.feed("data: more\n\n", take));  // the stream stays ended
  CHECK(got.size() == 3);
}

TEST_CASE("mcp client over HTTP: a list_changed on the event stream re-lists the upstream's tools", "[mcp][client]") {
  http_upstream up;
  aura::mcp::tool_catalog mine;
  {
    aura::mcp::upstream u(mine, up.client_opts("up"));
    auto started = u.start();
    REQUIRE(started);
    CHECK(started->empty());
    REQUIRE(mine.find("mcp__up__echo"));
    CHECK_FALSE(mine.find("mcp__up__added"));
    // The GET stream is open once the server counts it; then a new tool upstream is news.
    std::this_thread::sleep_for(200ms);
    REQUIRE(up.catalog.set_source("later", {text_tool("added", echo_schema(), [](const json&) { return std::string("new"); })}).empty());
    REQUIRE(eventually([&] { return mine.find("mcp__up__added") != nullptr; }));
    CHECK(u.connection().tools_changed());
    CHECK(u.refreshes() >= 1);
    auto r = u.connection().call_tool("added", {{"text", "x"}});
    REQUIRE(r);
    CHECK(aura::mcp::result_text(*r) == "new");
    // A tool removed upstream leaves the catalog too.
    REQUIRE(up.catalog.set_source("later", {}).empty());
    REQUIRE(eventually([&] { return mine.find("mcp__up__added") == nullptr; }));
  }
  CHECK(mine.list().empty());  // the upstream's tools left with it
  CHECK(eventually([&] { return up.tr->sessions() == 0; }));  // its session was DELETEd, its stream closed
}

TEST_CASE("mcp client over HTTP: a cancelled call is abandoned and the server told", "[mcp][client]") {
  http_upstream up;
  aura::mcp::client c(up.client_opts("up"));
  REQUIRE(c.connect());
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  const auto started = std::chrono::steady_clock::now();
  auto r = c.call_tool("slow", json::object(), 30s, &cancel);
  const auto took = std::chrono::steady_clock::now() - started;
  canceller.join();
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("\"tools/call\" was cancelled") != std::string::npos);
  CHECK(took < 15s);  // not the tool's 20 s: the transfer ended
  REQUIRE(eventually([&] { return up.slow_cancelled.load(); }));  // notifications/cancelled reached the tool
  // The client still works.
  auto ok = c.call_tool("echo", {{"text", "after"}});
  REQUIRE(ok);
  CHECK(aura::mcp::result_text(*ok) == "after");
}

TEST_CASE("mcp client over HTTP: a call past its timeout is an error and cancelled upstream", "[mcp][client]") {
  http_upstream up;
  aura::mcp::client c(up.client_opts("up"));
  REQUIRE(c.connect());
  auto r = c.call_tool("slow", json::object(), 300ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::timeout);
  CHECK(r.error().message.find("MCP server \"up\"") != std::string::npos);
  REQUIRE(eventually([&] { return up.slow_cancelled.load(); }));
}
