// The MCP transports and the client: stdio (a bounded line reader), the
// Streamable HTTP endpoint spoken to with raw sockets, aura's client against
// both, and a process plugin's tool (served in its own process) that crashes.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <aura/agent/catalog.hpp>
#include <aura/agent/pipeline_sink.hpp>
#include <aura/mcp/client.hpp>
#include <aura/mcp/plugin_tools.hpp>
#include <aura/mcp/stdio.hpp>
#include <aura/mcp/streamable_http.hpp>
#include <aura/plugin/runtimes/defaults.hpp>
#include <aura/testing/http.hpp>

#include "mcp/mcp_test_util.hpp"
#include "plugin/plugin_test_util.hpp"

using namespace std::chrono_literals;
using namespace mcp_test;

namespace {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

/// One HTTP/1.1 exchange over a fresh connection (chunked bodies decoded).
/// `abandon_after_head`: close the socket once the status line is in.
http_reply http(int port, const std::string& method, const std::map<std::string, std::string>& headers,
                const std::string& body = "", bool abandon_after_head = false) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string req = method + " /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
    if (abandon_after_head && raw.find("\r\n\r\n") != std::string::npos) break;
  }
  ::close(fd);
  http_reply out;
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  out.status = std::atoi(raw.substr(9, 3).c_str());
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    const auto eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    const auto colon = line.find(':');
    std::string k = line.substr(0, colon);
    for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[k] = line.substr(colon + 2);
    pos = eol + 2;
  }
  std::string rest = raw.substr(head_end + 4);
  if (out.headers["transfer-encoding"] == "chunked") {
    std::size_t p = 0;
    while (p < rest.size()) {
      const auto eol = rest.find("\r\n", p);
      if (eol == std::string::npos) break;
      const std::size_t n = std::stoul(rest.substr(p, eol - p), nullptr, 16);
      if (n == 0) break;
      out.body += rest.substr(eol + 2, n);
      p = eol + 2 + n + 2;
    }
  } else {
    out.body = rest;
  }
  return out;
}

std::map<std::string, std::string> mcp_headers(const std::string& session = "") {
  std::map<std::string, std::string> h{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  if (!session.empty()) {
    h["Mcp-Session-Id"] = session;
    h["MCP-Protocol-Version"] = "2025-06-18";
  }
  return h;
}

/// The JSON-RPC messages of an SSE body.
std::vector<json> sse_messages(const std::string& body) {
  std::vector<json> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const auto eol = body.find('\n', pos);
    out.push_back(json::parse(body.substr(pos + 6, eol - pos - 6)));
    pos = eol;
  }
  return out;
}

/// aura::http_client over raw sockets (the tests need no libcurl).
class socket_http final : public aura::http_client {
 public:
  aura::result<aura::http_response> send(const aura::http_request& r) override {
    const auto colon = r.url.rfind(':');
    const int port = std::atoi(r.url.substr(colon + 1).c_str());
    auto got = http(port, r.method, r.headers, r.body);
    if (got.status == 0) return aura::fail(aura::errc::io_error, "no answer");
    return aura::http_response{got.status, got.headers, got.body};
  }
};

struct served {
  aura::mcp::tool_catalog catalog;
  aura::agent::tool_pipeline pipeline{catalog.registry()};
  std::unique_ptr<aura::mcp::server> srv;
  served(aura::mcp::server_options opts = {}) {
    aura::mcp::tool_entry slow;
    slow.name = "slow";
    slow.call = [](const json&, const aura::mcp::call_control& ctl) -> aura::result<json> {
      const auto until = std::chrono::steady_clock::now() + 5s;
      while (!ctl.is_cancelled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
      return json{{"content", json::array({{{"type", "text"}, {"text", "slow done"}}})}};
    };
    REQUIRE(catalog.set_source("host", {text_tool("echo", echo_schema(), [](const json& a) { return a["text"].get<std::string>(); }),
                                        slow})
                .empty());
    srv = std::make_unique<aura::mcp::server>(catalog, opts, &pipeline);
  }
};

}  // namespace

TEST_CASE("mcp stdio: one message per line, oversize lines refused, EOF ends the session", "[mcp][stdio]") {
  served s;
  int to_server[2], from_server[2];
  REQUIRE(::pipe(to_server) == 0);
  REQUIRE(::pipe(from_server) == 0);
  aura::result<void> outcome;
  std::thread t([&] { outcome = aura::mcp::serve_stdio(*s.srv, to_server[0], from_server[1], aura::mcp::stdio_limits{256}); });
  auto say = [&](const std::string& line) { REQUIRE(::write(to_server[1], line.data(), line.size()) == static_cast<ssize_t>(line.size())); };
  say(request(1, "initialize", {{"protocolVersion", "2025-06-18"}}).dump() + "\n");
  say("\n");  // blank lines are skipped
  say(std::string(1000, 'x') + "\n");
  say(request(2, "ping").dump() + "\n");
  say(request(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "over stdio"}}}}).dump());  // no newline: EOF ends it
  ::close(to_server[1]);
  t.join();
  ::close(from_server[1]);
  REQUIRE(outcome);
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(from_server[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
  ::close(to_server[0]);
  ::close(from_server[0]);
  std::vector<json> lines;
  for (std::size_t p = 0, e; (e = all.find('\n', p)) != std::string::npos; p = e + 1) lines.push_back(json::parse(all.substr(p, e - p)));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["result"]["protocolVersion"] == "2025-06-18");
  CHECK(lines[1]["error"]["message"].get<std::string>().find("more than 256 bytes") != std::string::npos);
  CHECK(lines[2]["id"] == 2);
  CHECK(aura::mcp::result_text(lines[3]["result"]) == "over stdio");
}

namespace {
std::size_t threads_now() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}
}  // namespace

TEST_CASE("mcp stdio: a long call runs beside the next messages; threads do not pile up", "[mcp][stdio]") {
  served s;
  int to_server[2], from_server[2];
  REQUIRE(::pipe(to_server) == 0);
  REQUIRE(::pipe(from_server) == 0);
  const std::size_t before = threads_now();
  aura::result<void> outcome;
  std::thread t([&] { outcome = aura::mcp::serve_stdio(*s.srv, to_server[0], from_server[1]); });
  auto say = [&](const json& m) {
    const std::string line = m.dump() + "\n";
    REQUIRE(::write(to_server[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  };
  std::string pending;
  auto next = [&]() -> json {  // the next message from the server
    for (;;) {
      if (auto e = pending.find('\n'); e != std::string::npos) {
        json m = json::parse(pending.substr(0, e));
        pending.erase(0, e + 1);
        return m;
      }
      char buf[4096];
      const ssize_t n = ::read(from_server[0], buf, sizeof buf);
      REQUIRE(n > 0);
      pending.append(buf, static_cast<std::size_t>(n));
    }
  };
  say(request(1, "initialize", {{"protocolVersion", "2025-06-18"}}));
  CHECK(next()["id"] == 1);
  say(request(2, "tools/call", {{"name", "slow"}}));  // runs for 5 s unless cancelled
  say(request(3, "ping"));
  CHECK(next()["id"] == 3);  // answered while the slow call runs
  for (int i = 0; i < 200; ++i) {  // one at a time, as a client waiting for each answer does
    say(request(100 + i, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "n" + std::to_string(i)}}}}));
    const json m = next();
    REQUIRE(m["id"] == 100 + i);
    REQUIRE(aura::mcp::result_text(m["result"]) == "n" + std::to_string(i));
  }
  // the serving thread, the slow call's and at most two readers
  CHECK(threads_now() <= before + 4);
  say(notification("notifications/cancelled", {{"requestId", 2}}));
  ::close(to_server[1]);
  t.join();
  ::close(from_server[1]);
  REQUIRE(outcome);
  CHECK(threads_now() == before);
  // the cancelled call's answer is never sent: nothing more came
  char buf[4096];
  std::string rest = pending;
  for (ssize_t n; (n = ::read(from_server[0], buf, sizeof buf)) > 0;) rest.append(buf, static_cast<std::size_t>(n));
  CHECK(rest.find("slow done") == std::string::npos);
  ::close(to_server[0]);
  ::close(from_server[0]);
}

TEST_CASE("mcp http: sessions, streams and refusals on the one endpoint", "[mcp][http]") {
  served s;
  aura::mcp::http_transport_options ho;
  ho.limits.max_body_bytes = 4096;
  aura::mcp::http_transport tr(*s.srv, ho);
  REQUIRE(tr.start());
  const int port = tr.port();
  REQUIRE(port > 0);

  auto init = http(port, "POST", mcp_headers(), request(1, "initialize", {{"protocolVersion", "2025-06-18"}}).dump());
  REQUIRE(init.status == 200);
  const std::string sid = init.headers["mcp-session-id"];
  REQUIRE(sid.size() == 32);
  CHECK(json::parse(init.body)["result"]["protocolVersion"] == "2025-06-18");
  CHECK(http(port, "POST", mcp_headers(sid), notification("notifications/initialized").dump()).status == 202);

  auto call = http(port, "POST", mcp_headers(sid), request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}).dump());
  CHECK(call.status == 200);
  CHECK(call.headers["content-type"] == "text/event-stream");
  auto msgs = sse_messages(call.body);
  REQUIRE(msgs.size() == 1);
  CHECK(aura::mcp::result_text(msgs[0]["result"]) == "hi");

  auto list = http(port, "POST", mcp_headers(sid), request(3, "tools/list").dump());
  CHECK(list.headers["content-type"] == "application/json");
  CHECK(json::parse(list.body)["result"]["tools"].size() == 2);

  SECTION("refusals") {
    auto no_session = http(port, "POST", mcp_headers(), request(4, "tools/list").dump());
    CHECK(no_session.status == 400);
    CHECK(no_session.body.find("Mcp-Session-Id") != std::string::npos);
    CHECK(http(port, "POST", mcp_headers("0123"), request(4, "ping").dump()).status == 404);
    auto h = mcp_headers(sid);
    h["MCP-Protocol-Version"] = "1999-01-01";
    CHECK(http(port, "POST", h, request(4, "ping").dump()).status == 400);
    auto bad_json = http(port, "POST", mcp_headers(sid), "{oops");
    CHECK(bad_json.status == 400);
    CHECK(json::parse(bad_json.body)["error"]["code"] == -32700);
    CHECK(http(port, "POST", mcp_headers(sid), "[]").status == 400);
    auto big = http(port, "POST", mcp_headers(sid), std::string(5000, ' '));
    CHECK(big.status == 413);
    CHECK(big.body.find("the limit is 4096") != std::string::npos);
    auto text = mcp_headers(sid);
    text["Content-Type"] = "text/plain";
    CHECK(http(port, "POST", text, "{}").status == 415);
    auto evil = mcp_headers(sid);
    evil["Origin"] = "http://evil.example";
    CHECK(http(port, "POST", evil, request(5, "ping").dump()).status == 403);
    CHECK(http(port, "GET", {{"Mcp-Session-Id", sid}}).status == 405);  // no Accept: text/event-stream
    CHECK(http(port, "PUT", mcp_headers(sid), "{}").status == 405);
    CHECK(http(port, "POST", mcp_headers(sid), request(6, "ping").dump()).status == 200);  // still serving
  }
  SECTION("a client that leaves mid-call does not take the server down") {
    auto left = http(port, "POST", mcp_headers(sid), request(7, "tools/call", {{"name", "slow"}}).dump(), true);
    CHECK(left.status == 200);
    auto ping = http(port, "POST", mcp_headers(sid), request(8, "ping").dump());
    CHECK(json::parse(ping.body)["result"] == json::object());
  }
  SECTION("DELETE ends the session") {
    CHECK(http(port, "DELETE", {{"Mcp-Session-Id", sid}}).status == 200);
    CHECK(http(port, "POST", mcp_headers(sid), request(9, "ping").dump()).status == 404);
    CHECK(tr.sessions() == 0);
  }
  tr.stop();
}

TEST_CASE("mcp http: only loopback addresses are served", "[mcp][http]") {
  served s;
  aura::mcp::http_transport_options ho;
  ho.host = "0.0.0.0";
  aura::mcp::http_transport tr(*s.srv, ho);
  auto r = tr.start();
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("loopback addresses only") != std::string::npos);
}

TEST_CASE("mcp client: aura's client over HTTP exposes a server's tools as mcp__<server>__<tool>", "[mcp][client]") {
  served upstream;
  aura::mcp::http_transport tr(*upstream.srv);
  REQUIRE(tr.start());
  aura::mcp::client_options co;
  co.name = "up";
  co.url = "http://127.0.0.1:" + std::to_string(tr.port()) + "/mcp";
  co.http = std::make_shared<socket_http>();
  aura::mcp::client c(co);
  REQUIRE(c.connect());
  CHECK(c.protocol_version() == std::string(aura::mcp::latest_protocol_version));
  aura::mcp::tool_catalog mine;
  CHECK(aura::mcp::expose(mine, c).empty());
  REQUIRE(mine.find("mcp__up__echo"));
  CHECK(mine.registry().contains("mcp__up__echo"));  // hooks matching mcp__.* see it
  aura::agent::tool_pipeline pipeline(mine.registry());
  REQUIRE(pipeline.add({"deny-up", 0}, [](const aura::agent::tool_before_execution& e) -> aura::decision<aura::agent::tool_before_execution> {
    if (e.args.value("text", "") == "no") return aura::deny("not upstream");
    return aura::allow();
  }));
  aura::mcp::server mine_srv(mine, {}, &pipeline);
  recorder r;
  auto s = mine_srv.open("t", r.sender());
  handshake(*s, r);
  s->receive(request(1, "tools/call", {{"name", "mcp__up__echo"}, {"arguments", {{"text", "through two servers"}}}}));
  CHECK(aura::mcp::result_text(r.response(1)["result"]) == "through two servers");
  s->receive(request(2, "tools/call", {{"name", "mcp__up__echo"}, {"arguments", {{"text", "no"}}}}));
  CHECK(aura::mcp::result_text(r.response(2)["result"]) == "blocked by hook \"deny-up\": not upstream");
  s->receive(request(3, "tools/call", {{"name", "mcp__up__echo"}, {"arguments", {{"text", 3}}}}));
  CHECK(aura::mcp::result_text(r.response(3)["result"]).find("(at /text)") != std::string::npos);  // checked here, first
  s->close();
  c.close();
  CHECK(tr.sessions() == 0);  // the client DELETEd its session
}

namespace {
/// GET requests the mock has seen (the client's event stream attempts).
std::size_t gets(const aura::testing::mock_http& h) {
  std::size_t n = 0;
  for (const auto& r : h.requests()) n += r.method == "GET" ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("mcp client over HTTP: a server without an event stream is not asked again; a failing one is", "[mcp][client]") {
  const std::string url = "http://127.0.0.1:9/mcp";
  const json init{{"jsonrpc", "2.0"},
                  {"id", 1},
                  {"result", {{"protocolVersion", aura::mcp::latest_protocol_version}, {"capabilities", json::object()},
                              {"serverInfo", {{"name", "mock"}, {"version", "1"}}}}}};
  for (const int status : {405, 500}) {
    auto h = std::make_shared<aura::testing::mock_http>();
    h->on_post(url).respond_json(200, init);
    h->on_get(url).respond(status, "no stream here");
    h->on_delete(url).respond(200);
    aura::mcp::client_options co;
    co.name = "mock";
    co.url = url;
    co.http = h;
    co.reconnect_delay = 20ms;
    aura::mcp::client c(co);
    REQUIRE(c.connect());
    std::this_thread::sleep_for(300ms);
    if (status == 405) {
      CHECK(gets(*h) == 1);  // 405: this server has none
    } else {
      CHECK(gets(*h) >= 3);  // a failure: opened again after reconnect_delay
    }
    c.close();
    const std::size_t after_close = gets(*h);
    std::this_thread::sleep_for(100ms);
    CHECK(gets(*h) == after_close);  // closed: no more attempts
  }
}

TEST_CASE("mcp client: a stdio server that dies is an error, not a hang", "[mcp][client]") {
  aura::mcp::client_options co;
  co.name = "dies";
  co.command = {"/bin/sh", "-c", "read line; exit 3"};
  co.timeout = 5s;
  aura::mcp::client c(co);
  auto r = c.connect();
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("MCP server \"dies\"") != std::string::npos);
  CHECK(r.error().message.find("connection ended") != std::string::npos);
}

TEST_CASE("mcp plugins: a process plugin's tool runs in its process; a crash mid-call is a tool error", "[mcp][plugin]") {
  aura_test::temp_tree tree;
  tree.write("pp/main.py", R"(import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    mid, method = m.get("id"), m.get("method")
    if method == "initialize":
        out = {"aura": 1, "sdk": "0.1.0", "hooks": ["guard"]}
    elif method == "event":
        args = m["params"]["event"]["data"].get("args", {})
        out = {"decision": "deny", "reason": "the plugin says no"} if args.get("word") == "forbidden" else {"decision": "allow"}
    elif method == "tools/call":
        word = m["params"]["arguments"].get("word")
        if word == "crash":
            os._exit(3)
        out = {"content": [{"type": "text", "text": "pid-served " + word}], "isError": False}
    elif method == "shutdown":
        out = {}
    else:
        out = {}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": mid, "result": out}) + "\n")
    sys.stdout.flush()
)");
  tree.write("pp/s.json", R"({"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]})");
  const auto file = tree.write("pp/aura-plugin.json", R"({"plugin": {"name": "py-tools", "version": "1.0.0",
    "runtime": {"kind": "python", "entrypoint": "main.py"},
    "hooks": [{"event": "tool.before_execution", "handler": "guard"}],
    "permissions": {"read_events": ["tool.*"]},
    "mcp_tools": [{"name": "say", "description": "Says a word", "schema": "s.json"}]}})");
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  aura::mcp::tool_catalog catalog;
  aura::agent::tool_pipeline pipeline(catalog.registry());
  aura::plugin::host_options ho;
  ho.sinks["tool.before_execution"] = aura::agent::sink_for(pipeline);
  ho.unload_grace = 500ms;
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
  aura::mcp::plugin_sync sync(host, catalog);
  auto m = aura::plugin::read_manifest(file);
  REQUIRE(m);
  REQUIRE(sync.load(*m));
  REQUIRE(catalog.find("plugin_pytools_say"));
  aura::mcp::server srv(catalog, {}, &pipeline, &bus);
  recorder r;
  auto s = srv.open("t", r.sender());
  handshake(*s, r);
  s->receive(request(1, "tools/call", {{"name", "plugin_pytools_say"}, {"arguments", {{"word", "hello"}}}}));
  CHECK(aura::mcp::result_text(r.response(1)["result"]) == "pid-served hello");
  s->receive(request(2, "tools/call", {{"name", "plugin_pytools_say"}, {"arguments", {{"word", "forbidden"}}}}));
  CHECK(aura::mcp::result_text(r.response(2)["result"]).find("the plugin says no") != std::string::npos);
  s->receive(request(3, "tools/call", {{"name", "plugin_pytools_say"}, {"arguments", json::object()}}));
  CHECK(aura::mcp::result_text(r.response(3)["result"]).find("(at (root))") != std::string::npos);
  s->receive(request(4, "tools/call", {{"name", "plugin_pytools_say"}, {"arguments", {{"word", "crash"}}}}));
  auto crashed = r.response(4)["result"];
  CHECK(crashed["isError"] == true);
  CHECK(aura::mcp::result_text(crashed).find("py-tools") != std::string::npos);
  s->receive(request(5, "ping"));
  CHECK(r.response(5)["result"] == json::object());
  // A reload is news to the client (the tools were re-listed).
  tree.write("pp/aura-plugin.json", R"({"plugin": {"name": "py-tools", "version": "1.0.1",
    "runtime": {"kind": "python", "entrypoint": "main.py"},
    "mcp_tools": [{"name": "say", "description": "Says a word, louder", "schema": "s.json"}]}})");
  REQUIRE(sync.reload("py-tools"));
  CHECK(r.notification("notifications/tools/list_changed").is_object());
  CHECK(catalog.find("plugin_pytools_say")->description == "Says a word, louder");
  REQUIRE(sync.unload("py-tools"));
  CHECK_FALSE(catalog.find("plugin_pytools_say"));
}
