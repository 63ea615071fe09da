// The MCP server without a transport: lifecycle, bad input, tools/list
// pagination, tools/call through the tool pipeline, output schemas,
// cancellation, progress, logging and list_changed.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include <aura/agent/catalog.hpp>
#include <aura/mcp/log_forwarder.hpp>
#include <aura/mcp/server.hpp>

#include "mcp/mcp_test_util.hpp"

using namespace std::chrono_literals;
using namespace mcp_test;
using aura::mcp::server;
using aura::mcp::tool_catalog;

namespace {

struct fixture {
  tool_catalog catalog;
  aura::bus bus;
  aura::agent::tool_pipeline pipeline{catalog.registry()};
  aura::mcp::server_options opts;
  recorder r;
  fixture() {
    (void)aura::agent::declare_catalog(bus);
    auto echo = text_tool("echo", echo_schema(), [](const json& a) {
      return a["text"].get<std::string>() + (a.contains("count") ? " x" + std::to_string(a["count"].get<int>()) : "");
    });
    REQUIRE(catalog.set_source("host", {echo}).empty());
  }
};

}  // namespace

TEST_CASE("mcp: initialize negotiates the revision and states the capabilities", "[mcp][lifecycle]") {
  fixture f;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  SECTION("a revision aura speaks is kept") {
    s->receive(request(1, "initialize", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object()}}));
    auto res = f.r.response(1);
    CHECK(res["result"]["protocolVersion"] == "2025-06-18");
    CHECK(res["result"]["capabilities"]["tools"]["listChanged"] == true);
    CHECK(res["result"]["capabilities"].contains("logging"));
    CHECK(res["result"]["serverInfo"]["name"] == "aura");
    s->receive(request(2, "initialize", {{"protocolVersion", "2025-06-18"}}));
    CHECK(f.r.response(2)["error"]["message"].get<std::string>().find("already initialized") != std::string::npos);
  }
  SECTION("an unknown revision gets aura's latest") {
    s->receive(request(1, "initialize", {{"protocolVersion", "1999-01-01"}}));
    CHECK(f.r.response(1)["result"]["protocolVersion"] == std::string(aura::mcp::latest_protocol_version));
  }
  SECTION("no protocolVersion is invalid params naming it") {
    s->receive(request(1, "initialize", json::object()));
    auto res = f.r.response(1);
    CHECK(res["error"]["code"] == -32602);
    CHECK(res["error"]["message"].get<std::string>().find("/params/protocolVersion") != std::string::npos);
  }
  SECTION("requests before initialize are refused; ping is not") {
    s->receive(request(1, "tools/list"));
    CHECK(f.r.response(1)["error"]["message"].get<std::string>().find("not initialized") != std::string::npos);
    s->receive(request(2, "ping"));
    CHECK(f.r.response(2)["result"] == json::object());
  }
}

TEST_CASE("mcp: bad messages get JSON-RPC errors and the session goes on", "[mcp][faults]") {
  fixture f;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  auto err_with = [&](int code) {
    return f.r.wait([code](const json& m) { return m.contains("error") && m["error"]["code"] == code; });
  };
  s->receive(std::string_view("{not json"));
  auto parse = err_with(-32700);
  CHECK(parse["id"].is_null());
  s->receive(std::string_view("[1,2]"));
  CHECK(err_with(-32600)["error"]["message"].get<std::string>().find("batches") != std::string::npos);
  s->receive(json{{"id", 5}, {"method", "ping"}});
  CHECK(f.r.response(5)["error"]["message"].get<std::string>().find("/jsonrpc") != std::string::npos);
  s->receive(request(6, "resources/list"));
  CHECK(f.r.response(6)["error"]["code"] == -32601);
  s->receive(json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/list"}, {"params", 3}});
  CHECK(f.r.response(7)["error"]["code"] == -32602);
  s->receive(json{{"jsonrpc", "2.0"}, {"id", {{"x", 1}}}, {"method", "ping"}});
  CHECK(f.r.wait([](const json& m) {
    return m.contains("error") && m["error"]["message"].get<std::string>().find("/id") != std::string::npos;
  }).is_object());
  s->receive(request(8, "ping"));
  CHECK(f.r.response(8)["result"] == json::object());  // still serving
}

TEST_CASE("mcp: tools/list pages with an opaque cursor", "[mcp][tools]") {
  fixture f;
  std::vector<aura::mcp::tool_entry> many;
  for (const char* n : {"a1", "a2", "a3", "a4"}) many.push_back(text_tool(n, {{"type", "object"}}, [](const json&) { return "x"; }));
  REQUIRE(f.catalog.set_source("more", many).empty());
  f.opts.page_size = 2;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  std::vector<std::string> names;
  json cursor;
  for (int page = 0; page < 5; ++page) {
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    s->receive(request(100 + page, "tools/list", params));
    auto res = f.r.response(100 + page)["result"];
    CHECK(res["tools"].size() <= 2);
    for (const auto& t : res["tools"]) names.push_back(t["name"]);
    cursor = res.value("nextCursor", json());
    if (cursor.is_null()) break;
  }
  CHECK(names == std::vector<std::string>{"a1", "a2", "a3", "a4", "echo"});
  CHECK(f.r.response(100)["result"]["tools"][0]["inputSchema"]["type"] == "object");
  s->receive(request(200, "tools/list", {{"cursor", "not-a-cursor!"}}));
  auto bad = f.r.response(200);
  CHECK(bad["error"]["code"] == -32602);
  CHECK(bad["error"]["message"].get<std::string>().find("/params/cursor") != std::string::npos);
}

TEST_CASE("mcp: tools/call validates arguments and answers content blocks", "[mcp][tools]") {
  fixture f;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}, {"count", 2}}}}));
  auto ok = f.r.response(1)["result"];
  CHECK(ok["content"][0] == json{{"type", "text"}, {"text", "hi x2"}});
  CHECK(ok["isError"] == false);

  s->receive(request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}, {"count", 0}}}}));
  auto bad = f.r.response(2)["result"];
  CHECK(bad["isError"] == true);
  CHECK(aura::mcp::result_text(bad).find("(at /count)") != std::string::npos);

  s->receive(request(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}, {"extra", 1}}}}));
  CHECK(aura::mcp::result_text(f.r.response(3)["result"]).find("extra") != std::string::npos);

  s->receive(request(4, "tools/call", {{"name", "nope"}}));
  CHECK(f.r.response(4)["error"]["message"] == "unknown tool: \"nope\"");
  s->receive(request(5, "tools/call", {{"name", "echo"}, {"arguments", "text"}}));
  CHECK(f.r.response(5)["error"]["message"].get<std::string>().find("/params/arguments") != std::string::npos);
}

TEST_CASE("mcp: hooks veto, rewrite and observe MCP calls", "[mcp][pipeline]") {
  fixture f;
  std::atomic<int> observed{0};
  REQUIRE(f.pipeline.add({"no-secrets", 0}, [](const aura::agent::tool_before_execution& e) -> aura::decision<aura::agent::tool_before_execution> {
    if (e.args.value("text", "") == "secret") return aura::deny("secrets stay home");
    if (e.args.value("text", "") == "shout") {
      return aura::mutate([](aura::agent::tool_before_execution& v) { v.args["text"] = "SHOUT"; });
    }
    if (e.args.value("text", "") == "break") {
      return aura::mutate([](aura::agent::tool_before_execution& v) { v.args["count"] = "many"; });
    }
    return aura::allow();
  }));
  REQUIRE(f.bus.on<aura::agent::tool_after_execution>({"redact", 0}, [&](const aura::agent::tool_after_execution& e)
                                                                         -> aura::decision<aura::agent::tool_after_execution> {
    ++observed;
    if (e.output.find("SHOUT") == std::string::npos) return aura::allow();
    aura::agent::tool_output_effects fx;
    fx.output = "[redacted]";
    return aura::allow().with(fx);
  }));
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "secret"}}}}));
  auto vetoed = f.r.response(1)["result"];
  CHECK(vetoed["isError"] == true);
  CHECK(aura::mcp::result_text(vetoed) == "blocked by hook \"no-secrets\": secrets stay home");

  s->receive(request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "shout"}}}}));
  CHECK(aura::mcp::result_text(f.r.response(2)["result"]) == "[redacted]");  // mutated to SHOUT, then rewritten

  s->receive(request(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "break"}}}}));
  auto broken = aura::mcp::result_text(f.r.response(3)["result"]);
  CHECK(broken.find("hook \"no-secrets\" gave invalid arguments") != std::string::npos);
  CHECK(broken.find("(at /count)") != std::string::npos);

  s->receive(request(4, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "plain"}}}}));
  CHECK(aura::mcp::result_text(f.r.response(4)["result"]) == "plain");
  CHECK(observed == 2);  // the calls that ran; vetoed ones are not after_execution'd
}

TEST_CASE("mcp: a tool with an outputSchema answers structuredContent that fits it", "[mcp][tools]") {
  fixture f;
  aura::mcp::tool_entry t;
  t.name = "stats";
  t.output_schema = {{"type", "object"}, {"properties", {{"n", {{"type", "integer"}}}}}, {"required", {"n"}}};
  t.call = [](const json& args, const aura::mcp::call_control&) -> aura::result<json> {
    const std::string mode = args.value("mode", "");
    if (mode == "text") return json{{"content", json::array({{{"type", "text"}, {"text", "{\"n\": 3}"}}})}};
    if (mode == "bad") return json{{"content", json::array()}, {"structuredContent", {{"n", "three"}}}};
    if (mode == "none") return json{{"content", json::array({{{"type", "text"}, {"text", "plain"}}})}};
    return json{{"content", json::array()}, {"structuredContent", {{"n", 7}}}};
  };
  REQUIRE(f.catalog.set_source("stats", {t}).empty());
  aura::mcp::tool_entry broken = t;
  broken.name = "broken";
  broken.output_schema = {{"type", 12}};
  auto problems = f.catalog.set_source("broken", {broken});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message.find("outputSchema of tool \"broken\"") != std::string::npos);

  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(0, "tools/list"));
  CHECK(f.r.response(0)["result"]["tools"][1]["outputSchema"]["required"][0] == "n");
  s->receive(request(1, "tools/call", {{"name", "stats"}}));
  auto ok = f.r.response(1)["result"];
  CHECK(ok["structuredContent"] == json{{"n", 7}});
  CHECK(ok["content"][0]["text"] == "{\"n\":7}");  // a text block too, for older clients
  s->receive(request(2, "tools/call", {{"name", "stats"}, {"arguments", {{"mode", "text"}}}}));
  CHECK(f.r.response(2)["result"]["structuredContent"] == json{{"n", 3}});
  s->receive(request(3, "tools/call", {{"name", "stats"}, {"arguments", {{"mode", "bad"}}}}));
  auto bad = f.r.response(3)["result"];
  CHECK(bad["isError"] == true);
  CHECK(aura::mcp::result_text(bad).find("does not fit its outputSchema") != std::string::npos);
  CHECK(aura::mcp::result_text(bad).find("(at /n)") != std::string::npos);
  s->receive(request(4, "tools/call", {{"name", "stats"}, {"arguments", {{"mode", "none"}}}}));
  CHECK(aura::mcp::result_text(f.r.response(4)["result"]).find("gave no structured result") != std::string::npos);
}

TEST_CASE("mcp: collisions between sources are reported, the first keeps the name", "[mcp][tools]") {
  tool_catalog catalog;
  REQUIRE(catalog.set_source("plugin:a", {text_tool("t", {{"type", "object"}}, [](const json&) { return "a"; })}).empty());
  auto problems = catalog.set_source("plugin:b", {text_tool("t", {{"type", "object"}}, [](const json&) { return "b"; }),
                                                  text_tool("u", {{"type", "object"}}, [](const json&) { return "b"; })});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].code == aura::errc::already_exists);
  CHECK(problems[0].message == "tool \"t\" of plugin \"b\" collides with the tool of plugin \"a\" (the first keeps the name)");
  CHECK(catalog.find("t")->source == "plugin:a");
  CHECK(catalog.find("u"));
  catalog.remove_source("plugin:a");
  CHECK_FALSE(catalog.find("t"));
  CHECK_FALSE(catalog.registry().contains("t"));
}

TEST_CASE("mcp: notifications/cancelled ends a call and its answer is never sent", "[mcp][cancel]") {
  fixture f;
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> started{false};
  aura::mcp::tool_entry slow;
  slow.name = "slow";
  slow.call = [&](const json&, const aura::mcp::call_control& ctl) -> aura::result<json> {
    started = true;
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!ctl.is_cancelled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    saw_cancel = ctl.is_cancelled();
    return json{{"content", json::array({{{"type", "text"}, {"text", "finished"}}})}};
  };
  REQUIRE(f.catalog.set_source("slow", {slow}).empty());
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request("c1", "tools/call", {{"name", "slow"}}));
  CHECK(s->calls_in_flight() == 1);
  while (!started) std::this_thread::yield();
  s->receive(notification("notifications/cancelled", {{"requestId", "c1"}, {"reason", "user"}}));
  CHECK(s->calls_in_flight() == 0);
  s->receive(request("after", "ping"));
  CHECK(f.r.response("after").is_object());
  s->close();  // joins the worker
  CHECK(saw_cancel);
  CHECK(f.r.response("c1", 50ms).is_null());
  s->receive(notification("notifications/cancelled", {{"requestId", "unknown"}}));  // ignored
}

TEST_CASE("mcp: a long call with a progressToken reports progress until it ends", "[mcp][progress]") {
  fixture f;
  f.opts.progress_interval = 10ms;
  std::atomic<bool> release{false};
  aura::mcp::tool_entry slow;
  slow.name = "slow";
  slow.call = [&](const json&, const aura::mcp::call_control& ctl) -> aura::result<json> {
    ctl.progress(0.5, 1.0, "half way");
    while (!release && !ctl.is_cancelled()) std::this_thread::sleep_for(1ms);
    return json{{"content", json::array({{{"type", "text"}, {"text", "done"}}})}};
  };
  REQUIRE(f.catalog.set_source("slow", {slow}).empty());
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(9, "tools/call", {{"name", "slow"}, {"_meta", {{"progressToken", "tok"}}}}));
  auto is_progress = [](const json& m) { return m.value("method", "") == "notifications/progress"; };
  auto first = f.r.wait(is_progress);
  CHECK(first["params"]["progressToken"] == "tok");
  CHECK(first["params"]["message"] == "half way");
  CHECK(first["params"]["total"] == 1.0);
  auto later = f.r.wait([&](const json& m) { return is_progress(m) && m["params"]["progress"].get<double>() > 0.5; });
  CHECK(later["params"]["message"].get<std::string>().find("\"slow\" running for") != std::string::npos);
  release = true;
  CHECK(aura::mcp::result_text(f.r.response(9)["result"]) == "done");
  // Every progress message belongs to the call's request (an HTTP transport streams them with it).
  for (const auto& rel : f.r.related()) CHECK((rel.is_null() || rel == 9 || rel == "init"));
}

TEST_CASE("mcp: logging/setLevel filters the plugin logs forwarded as notifications/message", "[mcp][logging]") {
  fixture f;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto fwd = std::make_shared<aura::mcp::log_forwarder>();
  fwd->attach(&srv);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(1, "logging/setLevel", {{"level", "loud"}}));
  CHECK(f.r.response(1)["error"]["message"].get<std::string>().find("/params/level") != std::string::npos);
  fwd->write(aura::log_level::info, "plugin-a", "below the default (warning)");
  fwd->write(aura::log_level::error, "plugin-a", "first");
  auto first = f.r.notification("notifications/message");
  CHECK(first["params"] == json{{"level", "error"}, {"logger", "plugin-a"}, {"data", "first"}});
  s->receive(request(2, "logging/setLevel", {{"level", "debug"}}));
  CHECK(f.r.response(2)["result"] == json::object());
  fwd->write(aura::log_level::debug, "plugin-b", "now heard");
  CHECK(f.r.wait([](const json& m) { return m.value("method", "") == "notifications/message" && m["params"]["data"] == "now heard"; })
            .is_object());
  CHECK(f.r.count([](const json& m) { return m.dump().find("below the default") != std::string::npos; }) == 0);
}

TEST_CASE("mcp: list_changed is sent when the tool listing really changes", "[mcp][list_changed]") {
  fixture f;
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  auto is_changed = [](const json& m) { return m.value("method", "") == "notifications/tools/list_changed"; };
  auto extra = text_tool("extra", {{"type", "object"}}, [](const json&) { return "x"; });
  REQUIRE(f.catalog.set_source("p", {extra}).empty());
  CHECK(f.r.wait(is_changed).is_object());
  REQUIRE(f.catalog.set_source("p", {extra}).empty());  // the same listing again: no news
  s->receive(request(1, "ping"));
  (void)f.r.response(1);
  CHECK(f.r.count(is_changed) == 1);
  f.catalog.remove_source("p");
  s->receive(request(2, "ping"));
  (void)f.r.response(2);
  CHECK(f.r.count(is_changed) == 2);
}

TEST_CASE("mcp: a tool that fails or throws is a tool error; calls over the limit are refused", "[mcp][faults]") {
  fixture f;
  f.opts.max_calls = 1;
  std::atomic<bool> release{false};
  aura::mcp::tool_entry bad;
  bad.name = "bad";
  bad.call = [](const json& a, const aura::mcp::call_control&) -> aura::result<json> {
    if (a.value("mode", "") == "throw") throw std::runtime_error("boom");
    return aura::fail(aura::errc::crashed, "the plugin process died");
  };
  aura::mcp::tool_entry hold;
  hold.name = "hold";
  hold.call = [&](const json&, const aura::mcp::call_control& ctl) -> aura::result<json> {
    while (!release && !ctl.is_cancelled()) std::this_thread::sleep_for(1ms);
    return json{{"content", json::array()}};
  };
  REQUIRE(f.catalog.set_source("bad", {bad, hold}).empty());
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(1, "tools/call", {{"name", "bad"}}));
  CHECK(aura::mcp::result_text(f.r.response(1)["result"]) == "tool \"bad\" failed: the plugin process died");
  s->receive(request(2, "tools/call", {{"name", "bad"}, {"arguments", {{"mode", "throw"}}}}));
  CHECK(aura::mcp::result_text(f.r.response(2)["result"]).find("boom") != std::string::npos);
  s->receive(request(3, "tools/call", {{"name", "hold"}}));
  s->receive(request(4, "tools/call", {{"name", "hold"}}));
  CHECK(f.r.response(4)["error"]["message"].get<std::string>().find("too many tool calls in flight") != std::string::npos);
  release = true;
  CHECK(f.r.response(3)["result"]["isError"] == false);
}

TEST_CASE("mcp: a quick tool runs on the receiving thread, others on a worker", "[mcp][tools]") {
  fixture f;
  std::atomic<std::thread::id> ran_on{};
  auto where = [&](const std::string& name, bool quick) {
    aura::mcp::tool_entry e;
    e.name = name;
    e.quick = quick;
    e.call = [&ran_on](const json&, const aura::mcp::call_control&) -> aura::result<json> {
      ran_on = std::this_thread::get_id();
      return json{{"content", json::array({{{"type", "text"}, {"text", "ran"}}})}};
    };
    return e;
  };
  REQUIRE(f.catalog.set_source("host", {where("quick", true), where("slow", false)}).empty());
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  s->receive(request(1, "tools/call", {{"name", "quick"}}));
  // answered before receive() returned, on this thread, through the pipeline
  CHECK(f.r.count([](const json& m) { return m.value("id", json()) == 1; }) == 1);
  CHECK(aura::mcp::result_text(f.r.response(1)["result"]) == "ran");
  CHECK(ran_on.load() == std::this_thread::get_id());
  s->receive(request(2, "tools/call", {{"name", "quick"}, {"arguments", {{"x", 1}}}}));
  CHECK(f.r.response(2)["result"]["isError"] == false);
  s->receive(request(3, "tools/call", {{"name", "slow"}}));
  CHECK(aura::mcp::result_text(f.r.response(3)["result"]) == "ran");
  CHECK(ran_on.load() != std::this_thread::get_id());
  // a progress token sends a quick tool to a worker too (its progress needs the ticker)
  s->receive(request(4, "tools/call", {{"name", "quick"}, {"_meta", {{"progressToken", "p"}}}}));
  CHECK(aura::mcp::result_text(f.r.response(4)["result"]) == "ran");
  CHECK(ran_on.load() != std::this_thread::get_id());
  CHECK(s->calls_in_flight() == 0);
}

TEST_CASE("mcp: with a hand-off a call runs on the receiving thread once another reads; refused, a worker", "[mcp][tools]") {
  fixture f;
  std::atomic<std::thread::id> ran_on{};
  aura::mcp::tool_entry e;
  e.name = "slow";
  e.call = [&ran_on](const json&, const aura::mcp::call_control&) -> aura::result<json> {
    ran_on = std::this_thread::get_id();
    return json{{"content", json::array({{{"type", "text"}, {"text", "ran"}}})}};
  };
  REQUIRE(f.catalog.set_source("host", {e}).empty());
  server srv(f.catalog, f.opts, &f.pipeline, &f.bus);
  auto s = srv.open("t", f.r.sender());
  handshake(*s, f.r);
  int asked = 0;
  const std::function<bool()> yes = [&asked] { return ++asked, true; };
  const std::function<bool()> no = [&asked] { return ++asked, false; };
  s->receive(request(1, "tools/call", {{"name", "slow"}}).dump(), &yes);
  CHECK(asked == 1);
  CHECK(f.r.count([](const json& m) { return m.value("id", json()) == 1; }) == 1);  // answered before receive returned
  CHECK(ran_on.load() == std::this_thread::get_id());
  s->receive(request(2, "tools/call", {{"name", "slow"}}).dump(), &no);
  CHECK(asked == 2);
  CHECK(aura::mcp::result_text(f.r.response(2)["result"]) == "ran");
  CHECK(ran_on.load() != std::this_thread::get_id());
  // nothing that answers at once asks for a hand-off
  s->receive(request(3, "ping").dump(), &yes);
  s->receive(request(4, "tools/call", {{"name", "nope"}}).dump(), &yes);
  CHECK(asked == 2);
  CHECK(f.r.response(4).contains("error"));
  CHECK(s->calls_in_flight() == 0);
}
