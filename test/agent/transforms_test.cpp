// Ephemeral message transforms and the message model (issue 4, part 4).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent_fixtures.hpp"

using aura::agent::message;
using aura::agent::messages_transform;
using aura::agent::tool_call_ref;
using aura::agent::transform_pipeline;
using json = nlohmann::json;

namespace {

message msg(std::string id, std::string role, std::string content) {
  message m;
  m.id = std::move(id);
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

/// system, user, assistant calling a tool, the tool result, assistant.
std::vector<message> history() {
  std::vector<message> h;
  h.push_back(msg("m0001", "system", "You are helpful."));
  h.push_back(msg("m0002", "user", "Read a.txt"));
  auto call = msg("m0003", "assistant", "");
  call.type = "tool_call";
  call.tool_calls.push_back(tool_call_ref{"c1", "read_file", {{"path", "a.txt"}}});
  call.thinking = "I should read it";
  h.push_back(call);
  auto result = msg("m0004", "tool", "file body");
  result.type = "tool_result";
  result.tool_name = "read_file";
  result.tool_call_id = "c1";
  result.meta = {{"cache", "ephemeral"}};
  h.push_back(result);
  auto answer = msg("m0005", "assistant", "It says: file body");
  answer.tokens = 7;
  answer.created_at = "2026-11-23T01:00:00Z";
  answer.meta = {{"provider_id", "resp_9"}};
  h.push_back(answer);
  return h;
}

std::vector<std::string> ids(const std::vector<message>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(m.id);
  return out;
}

aura::json_hook json_transform(std::function<json(const json&)> fn, json* seen = nullptr) {
  return [fn, seen](const aura::envelope<aura::dynamic_event>& env, aura::context&)
             -> aura::result<aura::decision<aura::dynamic_event>> {
    if (seen) *seen = env.data;
    return aura::decision<aura::dynamic_event>(aura::mutate(json{{"messages", fn(env.data["messages"])}}));
  };
}

}  // namespace

TEST_CASE("message ids: m0001 form, assigned to new messages after the highest", "[agent][messages]") {
  CHECK(aura::agent::format_message_id(1) == "m0001");
  CHECK(aura::agent::format_message_id(12345) == "m12345");
  CHECK(aura::agent::parse_message_id("m0042") == 42);
  CHECK(aura::agent::parse_message_id("x0042") == 0);
  CHECK(aura::agent::parse_message_id("m00a2") == 0);
  std::vector<message> v{msg("m0007", "user", "a"), msg("", "user", "b"), msg("custom", "user", "c"), msg("", "user", "d")};
  aura::agent::assign_ids(v);
  CHECK(ids(v) == std::vector<std::string>{"m0007", "m0008", "custom", "m0009"});
}

TEST_CASE("message JSON hides meta and reads partial objects over a message", "[agent][messages]") {
  auto h = history();
  json j = h[3];
  CHECK(j["tool_call_id"] == "c1");
  CHECK(j["type"] == "tool_result");
  CHECK_FALSE(j.contains("meta"));
  json calls = h[2];
  CHECK(calls["tool_calls"][0]["arguments"]["path"] == "a.txt");
  message m = h[4];
  from_json(json{{"content", "shorter"}}, m);
  CHECK(m.content == "shorter");
  CHECK(m.tokens == 7);
  CHECK(m.meta["provider_id"] == "resp_9");
  CHECK_THROWS(from_json(json{{"tokens", "many"}}, m));
  CHECK_THROWS(from_json(json::array(), m));
}

TEST_CASE("transforms chain in name order, each on the previous result; history is untouched",
          "[agent][transforms]") {
  transform_pipeline p;
  std::vector<std::string> order;
  auto append = [&order](std::string tag) {
    return [&order, tag](const messages_transform& t) {
      order.push_back(tag);
      auto v = t.messages;
      v.back().content += "+" + tag;
      return v;
    };
  };
  REQUIRE(p.add({"charlie", -100}, append("charlie")));  // priority is not used for transforms
  REQUIRE(p.add({"alpha", 100}, append("alpha")));
  REQUIRE(p.add({"bravo", 0}, append("bravo")));
  CHECK(p.names() == std::vector<std::string>{"alpha", "bravo", "charlie"});
  const auto stored = history();
  const auto copy = stored;
  auto out = p.run(stored, {});
  CHECK(order == std::vector<std::string>{"alpha", "bravo", "charlie"});
  CHECK(out.transformed);
  CHECK(out.messages.back().content == "It says: file body+alpha+bravo+charlie");
  CHECK(out.diagnostics.empty());
  REQUIRE(stored.size() == copy.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    CHECK(stored[i].content == copy[i].content);
    CHECK(stored[i].meta == copy[i].meta);
  }
  CHECK(out.trail.size() == 3);
  auto dup = p.add("alpha", append("x"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == aura::errc::already_exists);
}

TEST_CASE("transforms: every failed check falls back to the array the hook received", "[agent][transforms]") {
  struct bad_case {
    const char* what;
    std::function<std::vector<message>(std::vector<message>)> change;
    const char* where;
    const char* says;
  };
  const std::vector<bad_case> cases = {
      {"empty", [](std::vector<message>) { return std::vector<message>{}; }, "/messages", "empty"},
      {"system prompt moved",
       [](std::vector<message> v) {
         std::swap(v[0], v[1]);
         return v;
       },
       "/messages/0", "index 0"},
      {"system prompt dropped",
       [](std::vector<message> v) {
         v.erase(v.begin());
         return v;
       },
       "/messages/0", "index 0"},
      {"orphaned tool result",
       [](std::vector<message> v) {
         v.erase(v.begin() + 2);  // the assistant message holding call c1
         return v;
       },
       "/messages/2/tool_call_id", "c1"},
      {"tool result before its call",
       [](std::vector<message> v) {
         std::swap(v[2], v[3]);
         return v;
       },
       "/messages/2/tool_call_id", "c1"},
      {"duplicate id",
       [](std::vector<message> v) {
         v[4].id = "m0002";
         return v;
       },
       "/messages/4/id", "twice"},
      {"unknown role",
       [](std::vector<message> v) {
         v[1].role = "narrator";
         return v;
       },
       "/messages/1/role", "narrator"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      transform_pipeline p;
      REQUIRE(p.add("a-fine", [](const messages_transform& t) {
        auto v = t.messages;
        v[1].content = "Read a.txt, please";
        return v;
      }));
      REQUIRE(p.add("b-bad", [&c](const messages_transform& t) { return c.change(t.messages); }));
      REQUIRE(p.add("c-after", [](const messages_transform& t) {
        auto v = t.messages;
        v[1].content += "!";
        return v;
      }));
      auto out = p.run(history(), {});
      REQUIRE(out.diagnostics.size() == 1);
      CHECK(out.diagnostics[0].hook == "b-bad");
      CHECK(out.diagnostics[0].where == c.where);
      CHECK(out.diagnostics[0].message.find(c.says) != std::string::npos);
      CHECK(out.messages.size() == 5);
      CHECK(out.messages[1].content == "Read a.txt, please!");  // a-fine and c-after still apply
      CHECK(out.trail[1].failed);
    }
  }
}

TEST_CASE("transforms: errors fall back; fail_closed sends the original array", "[agent][transforms]") {
  transform_pipeline p;
  REQUIRE(p.add("a-edit", [](const messages_transform& t) {
    auto v = t.messages;
    v[1].content = "edited";
    return v;
  }));
  REQUIRE(p.add("b-error", [](const messages_transform&) -> aura::result<std::vector<message>> {
    return aura::fail(aura::errc::hook_failed, "model unavailable");
  }));
  REQUIRE(p.add("c-throws", [](const messages_transform&) -> std::vector<message> { throw std::runtime_error("bad"); }));
  auto open = p.run(history(), {});
  CHECK(open.messages[1].content == "edited");
  REQUIRE(open.diagnostics.size() == 2);
  CHECK(open.diagnostics[0].hook == "b-error");
  CHECK(open.diagnostics[1].hook == "c-throws");
  CHECK(open.diagnostics[1].message.find("bad") != std::string::npos);

  bool after = false;
  REQUIRE(p.add(aura::hook_options("b-strict").with_policy(aura::fail_closed),
                [](const messages_transform&) { return std::vector<message>{}; }));
  REQUIRE(p.add("z-after", [&](const messages_transform& t) {
    after = true;
    return t.messages;
  }));
  auto closed = p.run(history(), {});
  CHECK_FALSE(closed.transformed);
  CHECK(closed.messages[1].content == "Read a.txt");  // original, although a-edit succeeded
  CHECK_FALSE(after);
  CHECK(closed.diagnostics.back().hook == "b-strict");
  CHECK(closed.diagnostics.back().message.find("original") != std::string::npos);
}

TEST_CASE("transforms: JSON hooks never see meta; the ID merge keeps hidden and omitted fields",
          "[agent][transforms]") {
  transform_pipeline p;
  json seen;
  REQUIRE(p.add_json("plugin",
                     json_transform(
                         [](const json& in) {
                           // Keep system, user and the tool exchange by id only; shorten the answer;
                           // insert a reminder with no id.
                           json out = json::array();
                           out.push_back({{"id", in[0]["id"]}});
                           out.push_back({{"id", in[1]["id"]}});
                           out.push_back({{"role", "user"}, {"content", "Reminder: be brief"}});
                           out.push_back({{"id", in[2]["id"]}});
                           out.push_back({{"id", in[3]["id"]}, {"content", "[elided]"}});
                           out.push_back({{"id", in[4]["id"]}, {"content", "It says: file body (short)"}});
                           return out;
                         },
                         &seen)));
  const auto stored = history();
  auto out = p.run(stored, {});
  REQUIRE(out.diagnostics.empty());
  REQUIRE(out.transformed);
  for (const auto& m : seen["messages"]) CHECK_FALSE(m.contains("meta"));
  REQUIRE(out.messages.size() == 6);
  CHECK(out.messages[0].content == "You are helpful.");
  CHECK(out.messages[2].id == "m0006");
  CHECK(out.messages[2].content == "Reminder: be brief");
  CHECK(out.messages[3].thinking == "I should read it");
  CHECK(out.messages[3].tool_calls.at(0).id == "c1");
  CHECK(out.messages[4].content == "[elided]");
  CHECK(out.messages[4].meta == json{{"cache", "ephemeral"}});
  CHECK(out.messages[4].tool_call_id == "c1");
  CHECK(out.messages[5].meta == json{{"provider_id", "resp_9"}});
  CHECK(out.messages[5].tokens == 7);
  CHECK(out.messages[5].created_at == "2026-11-23T01:00:00Z");
  CHECK(stored[3].content == "file body");
}

TEST_CASE("transforms: JSON answers that do not fit fall back", "[agent][transforms]") {
  SECTION("messages not an array") {
    transform_pipeline p;
    REQUIRE(p.add_json("plugin", json_transform([](const json&) { return json("nope"); })));
    auto out = p.run(history(), {});
    CHECK_FALSE(out.transformed);
    CHECK(out.diagnostics.at(0).where == "/messages");
  }
  SECTION("a message of the wrong shape") {
    transform_pipeline p;
    REQUIRE(p.add_json("plugin", json_transform([](const json& in) {
      json out = in;
      out[1]["tokens"] = "lots";
      return out;
    })));
    auto out = p.run(history(), {});
    CHECK_FALSE(out.transformed);
    CHECK(out.diagnostics.at(0).where == "/messages/1");
  }
  SECTION("the JSON merge result is checked too") {
    transform_pipeline p;
    REQUIRE(p.add_json("plugin", json_transform([](const json& in) {
      json out = in;
      out.erase(2);  // drops the call, keeps its result
      return out;
    })));
    auto out = p.run(history(), {});
    CHECK_FALSE(out.transformed);
    CHECK(out.diagnostics.at(0).hook == "plugin");
    CHECK(out.messages.size() == 5);
  }
  SECTION("a deny is a protocol violation and changes nothing") {
    transform_pipeline p;
    REQUIRE(p.add_json("plugin", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                                     -> aura::result<aura::decision<aura::dynamic_event>> {
      return aura::decision<aura::dynamic_event>(aura::deny("no"));
    }));
    auto out = p.run(history(), {});
    CHECK_FALSE(out.transformed);
    CHECK(out.diagnostics.at(0).code == aura::errc::protocol_violation);
  }
  SECTION("allow means no change") {
    transform_pipeline p;
    REQUIRE(p.add_json("plugin", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                                     -> aura::result<aura::decision<aura::dynamic_event>> { return aura::allow(); }));
    auto out = p.run(history(), {});
    CHECK_FALSE(out.transformed);
    CHECK(out.diagnostics.empty());
    CHECK(out.messages.size() == 5);
  }
}

TEST_CASE("transforms: gates and removal", "[agent][transforms]") {
  aura::predicate_registry preds;
  aura::agent::register_predicates(preds);
  transform_pipeline p;
  p.set_predicates(&preds);
  auto trim = [](const messages_transform& t) {
    std::vector<message> v{t.messages.front(), t.messages.back()};
    return v;
  };
  REQUIRE(p.add(aura::hook_options("trim").with_condition("context_above:80").owned_by("ctx"), trim));
  aura::agent::host_state host;
  host.context_percent = 50;
  aura::context ctx;
  ctx.set_facts(aura::agent::make_facts(host));
  CHECK(p.run(history(), host, ctx).messages.size() == 5);
  host.context_percent = 91;
  ctx.set_facts(aura::agent::make_facts(host));
  CHECK(p.run(history(), host, ctx).messages.size() == 2);
  CHECK(p.remove_plugin("ctx") == 1);
  CHECK_FALSE(p.remove("trim"));
}

TEST_CASE("check_messages and merge_by_id on their own", "[agent][transforms]") {
  auto h = history();
  CHECK_FALSE(aura::agent::check_messages(h, h));
  std::vector<message> no_system(h.begin() + 1, h.end());
  CHECK_FALSE(aura::agent::check_messages(no_system, no_system));  // no system prompt to keep
  auto no_id = h;
  no_id[1].id.clear();
  auto e = aura::agent::check_messages(h, no_id);
  REQUIRE(e);
  CHECK(e->where == "/messages/1/id");
  auto merged = aura::agent::merge_by_id(h, json::array({{{"id", "m0005"}}, {{"id", "zz"}, {"role", "user"}}}));
  REQUIRE(merged);
  CHECK(merged->at(0).meta["provider_id"] == "resp_9");
  CHECK(merged->at(1).id == "zz");
  CHECK(merged->at(1).meta.is_null());
  CHECK_FALSE(aura::agent::merge_by_id(h, json::array({1})));
}
