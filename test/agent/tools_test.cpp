// tool_registry and the before-tool-execution pipeline (issue 4, part 3).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent_fixtures.hpp"

using aura::agent::injected_message;
using aura::agent::invalid_args_policy;
using aura::agent::tool_before_execution;
using aura::agent::tool_pipeline;
using aura::agent::tool_registry;
using aura::agent::tool_status;
using aura::agent::turn_effects;
using json = nlohmann::json;

namespace {

turn_effects say(std::string text) {
  turn_effects fx;
  fx.messages.push_back(injected_message{"user", std::move(text), "", true});
  return fx;
}

/// A hook that sets one argument.
auto set_arg(std::string key, json value) {
  return [key, value](const tool_before_execution&) {
    return aura::mutate([key, value](tool_before_execution& e) { e.args[key] = value; });
  };
}

struct fixture {
  tool_registry tools;
  fixture() { agent_test::add_tools(tools); }
};

}  // namespace

// ---- registry ------------------------------------------------------------------

TEST_CASE_METHOD(fixture, "tool_registry compiles schemas once and validates with JSON pointers", "[agent][tools]") {
  CHECK(tools.size() == 2);
  CHECK(tools.names() == std::vector<std::string>{"read_file", "write_file"});
  auto def = tools.lookup("write_file");
  REQUIRE(def);
  CHECK(def->description == "Writes a file");
  CHECK(tools.validate("write_file", {{"path", "a"}, {"content", ""}}));
  auto bad = tools.validate("write_file", {{"path", "a"}, {"content", ""}, {"line", -1}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == aura::errc::validation_failed);
  CHECK(bad.error().where == "/line");
  auto unknown = tools.validate("nope", json::object());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == aura::errc::not_found);
  auto listed = tools.describe();
  REQUIRE(listed.size() == 2);
  CHECK(listed[1]["name"] == "write_file");
  CHECK(listed[1]["input_schema"]["required"] == json::array({"path", "content"}));
}

TEST_CASE_METHOD(fixture, "tool_registry: a name conflict is an error unless the new tool says override",
                 "[agent][tools]") {
  auto again = tools.add({"write_file", "other", json{{"type", "object"}}, false, "plugin-a"});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == aura::errc::already_exists);
  CHECK(again.error().message.find("override") != std::string::npos);
  CHECK(again.error().plugin == "plugin-a");
  CHECK(tools.lookup("write_file")->description == "Writes a file");

  REQUIRE(tools.add({"write_file", "replaced", json{{"type", "object"}}, true, "plugin-a"}));
  CHECK(tools.lookup("write_file")->description == "replaced");
  CHECK(tools.lookup("write_file")->owner == "plugin-a");
  auto taken = tools.add({"write_file", "third", json{{"type", "object"}}, false, "plugin-b"});
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message.find("plugin-a") != std::string::npos);
  CHECK(tools.remove_owner("plugin-a") == 1);
  CHECK_FALSE(tools.contains("write_file"));
  CHECK(tools.remove("read_file"));
  CHECK_FALSE(tools.remove("read_file"));
}

TEST_CASE_METHOD(fixture, "tool_registry rejects bad names and bad schemas, naming them", "[agent][tools]") {
  auto empty = tools.add({"", "", json{{"type", "object"}}, false, {}});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == aura::errc::invalid_argument);
  auto spaced = tools.add({"my tool", "", json{{"type", "object"}}, false, {}});
  REQUIRE_FALSE(spaced);
  CHECK(spaced.error().where == "position 3");
  auto schema = tools.add({"broken", "", json{{"type", 12}}, false, "p"});
  REQUIRE_FALSE(schema);
  CHECK(schema.error().code == aura::errc::schema_error);
  CHECK(schema.error().message.find("\"broken\"") != std::string::npos);
  CHECK(schema.error().plugin == "p");
  CHECK_FALSE(tools.contains("broken"));
}

// ---- pipeline: ordering and chaining -------------------------------------------------

TEST_CASE_METHOD(fixture, "tool pipeline: hooks run in (priority, name) order, each seeing the previous arguments",
                 "[agent][tools]") {
  tool_pipeline p(tools);
  std::vector<std::string> seen;
  auto record = [&](std::string tag, std::string content) {
    return [&seen, tag, content](const tool_before_execution& e) {
      seen.push_back(tag + ":" + e.args["content"].get<std::string>());
      return aura::mutate([content](tool_before_execution& v) { v.args["content"] = content; });
    };
  };
  REQUIRE(p.add({"zeta", -5}, record("zeta", "1")));
  REQUIRE(p.add({"beta", 0}, record("beta", "2")));
  REQUIRE(p.add({"alpha", 0}, record("alpha", "3")));
  REQUIRE(p.add({"last", 10}, record("last", "4")));
  CHECK(p.names() == std::vector<std::string>{"zeta", "alpha", "beta", "last"});
  auto out = p.run(agent_test::write_call());
  REQUIRE(out.runs());
  CHECK(seen == std::vector<std::string>{"zeta:hi", "alpha:1", "beta:3", "last:2"});
  CHECK(out.args["content"] == "4");
  CHECK(out.modified);
  REQUIRE(out.trail.size() == 4);
  CHECK(out.trail[0].hook == "zeta");
  CHECK(out.trail[0].kind == aura::decision_kind::mutate);
  auto dup = p.add({"alpha", 3}, record("x", "y"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == aura::errc::already_exists);
}

TEST_CASE_METHOD(fixture, "tool pipeline: a whole new payload value is a mutation too", "[agent][tools]") {
  tool_pipeline p(tools);
  REQUIRE(p.add("replace", [](const tool_before_execution& e) {
    tool_before_execution next = e;
    next.args = {{"path", "b.txt"}, {"content", "new"}};
    return aura::mutate(std::move(next));
  }));
  auto out = p.run(agent_test::write_call());
  REQUIRE(out.runs());
  CHECK(out.args == json{{"path", "b.txt"}, {"content", "new"}});
}

// ---- pipeline: re-validation after each hook, both policies ----------------------------

TEST_CASE_METHOD(fixture, "tool pipeline: every change is re-validated at once (reject_call)", "[agent][tools]") {
  struct bad_case {
    const char* what;
    json value;  // assigned to args[key], or null to erase "path"
    const char* key;
    const char* pointer;
  };
  const bad_case cases[] = {
      {"unknown field", true, "colour", "/colour"},
      {"wrong type", "seven", "line", "/line"},
      {"missing required field", nullptr, "path", ""},
      {"enum", "truncate", "mode", "/mode"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      tool_pipeline p(tools);
      bool later_ran = false;
      REQUIRE(p.add({"a-fine", 0}, set_arg("content", "ok")));
      REQUIRE(p.add({"b-bad", 0}, [c](const tool_before_execution&) {
        json value = c.value;
        std::string key = c.key;
        return aura::mutate([value, key](tool_before_execution& e) {
          if (value.is_null()) {
            e.args.erase(key);
          } else {
            e.args[key] = value;
          }
        });
      }));
      REQUIRE(p.add({"c-later", 0}, [&](const tool_before_execution&) {
        later_ran = true;
        return aura::allow();
      }));
      auto out = p.run(agent_test::write_call());
      INFO(out.reason);
      CHECK(out.status == tool_status::rejected);
      CHECK_FALSE(later_ran);
      CHECK(out.decided_by == "b-bad");
      CHECK(out.reason.find("hook \"b-bad\"") != std::string::npos);
      CHECK(out.reason.find("\"write_file\"") != std::string::npos);
      REQUIRE(out.diagnostics.size() == 1);
      CHECK(out.diagnostics[0].code == aura::errc::validation_failed);
      CHECK(out.diagnostics[0].hook == "b-bad");
      if (std::string(c.pointer).empty()) {
        CHECK(out.reason.find("(at (root))") != std::string::npos);
      } else {
        CHECK(out.diagnostics[0].where == c.pointer);
        CHECK(out.reason.find(std::string("(at ") + c.pointer + ")") != std::string::npos);
      }
    }
  }
}

TEST_CASE_METHOD(fixture, "tool pipeline: discard_patch drops an invalid change and goes on", "[agent][tools]") {
  tool_pipeline p(tools, {invalid_args_policy::discard_patch, true, aura::tracing::decisions});
  std::string seen_line_type;
  REQUIRE(p.add({"a", 0}, set_arg("mode", "append")));
  REQUIRE(p.add({"b", 0}, [](const tool_before_execution&) {
    return aura::mutate([](tool_before_execution& e) { e.args["line"] = "three"; })
        .with(say("b changed the line"));
  }));
  REQUIRE(p.add({"c", 0}, [&](const tool_before_execution& e) {
    seen_line_type = e.args["line"].type_name();
    return aura::mutate([](tool_before_execution& v) { v.args["backup"] = true; }).with(say("c made a backup"));
  }));
  auto out = p.run(agent_test::write_call());
  REQUIRE(out.runs());
  CHECK(seen_line_type == "number");
  CHECK(out.args["line"] == 0);
  CHECK(out.args["mode"] == "append");
  CHECK(out.args["backup"] == true);
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].hook == "b");
  CHECK(out.diagnostics[0].where == "/line");
  CHECK(out.diagnostics[0].message.find("discarded") != std::string::npos);
  // The discarded hook's message goes with its change; the valid hook's stays.
  REQUIRE(out.effects.messages.size() == 1);
  CHECK(out.effects.messages[0].content == "c made a backup");
  REQUIRE(out.trail.size() == 3);
  CHECK(out.trail[1].failed);
}

TEST_CASE_METHOD(fixture, "tool pipeline: the model's own arguments are checked before hooks run", "[agent][tools]") {
  tool_pipeline p(tools);
  bool ran = false;
  REQUIRE(p.add("repair", [&](const tool_before_execution&) {
    ran = true;
    return aura::mutate([](tool_before_execution& e) { e.args["path"] = "fixed.txt"; });
  }));
  auto bad = agent_test::write_call({{"content", "x"}});
  auto out = p.run(bad);
  CHECK(out.status == tool_status::rejected);
  CHECK_FALSE(ran);
  CHECK(out.reason.find("do not fit its schema") != std::string::npos);

  p.set_options({invalid_args_policy::reject_call, false, aura::tracing::decisions});
  auto repaired = p.run(bad);
  CHECK(ran);
  REQUIRE(repaired.runs());
  CHECK(repaired.args["path"] == "fixed.txt");

  // Deferred: with no hook changing them, invalid arguments are still refused.
  tool_pipeline bare(tools, {invalid_args_policy::reject_call, false, aura::tracing::decisions});
  auto unchecked = bare.run(bad);
  CHECK(unchecked.status == tool_status::rejected);
  CHECK(unchecked.reason.find("missing required property") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "tool pipeline: an unknown tool is rejected", "[agent][tools]") {
  tool_pipeline p(tools);
  auto call = agent_test::write_call();
  call.tool = "rm_rf";
  auto out = p.run(call);
  CHECK(out.status == tool_status::rejected);
  CHECK(out.reason == "no tool named \"rm_rf\"");
  CHECK(out.diagnostics.at(0).code == aura::errc::not_found);
}

// ---- pipeline: blocks and messages -----------------------------------------------------

TEST_CASE_METHOD(fixture, "tool pipeline: the first block stops the call and its message is folded into the reason",
                 "[agent][tools]") {
  tool_pipeline p(tools);
  bool later_ran = false;
  REQUIRE(p.add({"a-note", 0}, [](const tool_before_execution&) { return aura::allow().with(say("noted")); }));
  REQUIRE(p.add({"b-guard", 0}, [](const tool_before_execution& e) -> aura::decision<tool_before_execution> {
    if (e.args["path"] == "a.txt") return aura::deny("a.txt is protected").with(say("Use b.txt instead."));
    return aura::allow();
  }));
  REQUIRE(p.add({"c-guard", 0}, [&](const tool_before_execution&) {
    later_ran = true;
    return aura::deny("second block");
  }));
  auto out = p.run(agent_test::write_call());
  CHECK(out.status == tool_status::blocked);
  CHECK_FALSE(out.runs());
  CHECK_FALSE(later_ran);
  CHECK(out.decided_by == "b-guard");
  CHECK(out.reason == "blocked by hook \"b-guard\": a.txt is protected\nUse b.txt instead.");
  CHECK(out.reason.find("second block") == std::string::npos);
  // Messages are suppressed when the call is blocked (a-note's and b-guard's).
  CHECK(out.effects.messages.empty());
}

TEST_CASE_METHOD(fixture, "tool pipeline: messages are injected only when the call survives", "[agent][tools]") {
  SECTION("survives: messages of every hook in order") {
    tool_pipeline p(tools);
    REQUIRE(p.add({"a", 0}, [](const tool_before_execution&) { return aura::allow().with(say("one")); }));
    REQUIRE(p.add({"b", 0}, [](const tool_before_execution&) {
      return aura::mutate([](tool_before_execution& e) { e.args["backup"] = true; }).with(say("two"));
    }));
    auto out = p.run(agent_test::write_call());
    REQUIRE(out.runs());
    REQUIRE(out.effects.messages.size() == 2);
    CHECK(out.effects.messages[0].content == "one");
    CHECK(out.effects.messages[1].content == "two");
  }
  SECTION("invalid arguments: no message") {
    tool_pipeline p(tools);
    REQUIRE(p.add({"a", 0}, [](const tool_before_execution&) { return aura::allow().with(say("one")); }));
    REQUIRE(p.add({"b", 0}, set_arg("line", -4)));
    auto out = p.run(agent_test::write_call());
    CHECK(out.status == tool_status::rejected);
    CHECK(out.effects.messages.empty());
  }
  SECTION("notices and disabled tools still come through on a block") {
    tool_pipeline p(tools);
    REQUIRE(p.add({"a", 0}, [](const tool_before_execution&) {
      turn_effects fx;
      fx.notices.push_back("write_file was checked");
      fx.disabled_tools.push_back("write_*");
      return aura::deny("no").with(fx);
    }));
    auto out = p.run(agent_test::write_call());
    CHECK(out.status == tool_status::blocked);
    CHECK(out.effects.notices == std::vector<std::string>{"write_file was checked"});
    CHECK(out.effects.tool_disabled("write_file"));
  }
}

// ---- pipeline: failures, gates, identity ------------------------------------------------

TEST_CASE_METHOD(fixture, "tool pipeline: a failing hook follows its failure policy", "[agent][tools]") {
  tool_pipeline p(tools);
  REQUIRE(p.add({"a-throws", 0}, [](const tool_before_execution&) -> aura::decision<tool_before_execution> {
    throw std::runtime_error("boom");
  }));
  REQUIRE(p.add({"b-edit", 0}, set_arg("backup", true)));
  auto open = p.run(agent_test::write_call());
  REQUIRE(open.runs());
  CHECK(open.args["backup"] == true);
  REQUIRE(open.diagnostics.size() == 1);
  CHECK(open.diagnostics[0].hook == "a-throws");
  CHECK(open.diagnostics[0].message.find("boom") != std::string::npos);

  REQUIRE(p.add(aura::hook_options("0-closed").with_policy(aura::fail_closed),
                [](const tool_before_execution&) -> aura::result<aura::decision<tool_before_execution>> {
                  return aura::fail(aura::errc::timeout, "no answer in time");
                }));
  auto closed = p.run(agent_test::write_call());
  CHECK(closed.status == tool_status::rejected);
  CHECK(closed.decided_by == "0-closed");
  CHECK(closed.reason == "hook \"0-closed\" failed: no answer in time");
}

TEST_CASE_METHOD(fixture, "tool pipeline: only the arguments may change", "[agent][tools]") {
  tool_pipeline p(tools);
  REQUIRE(p.add("sneaky", [](const tool_before_execution&) {
    return aura::mutate([](tool_before_execution& e) {
      e.tool = "read_file";
      e.call_id = "other";
      e.args["backup"] = true;
    });
  }));
  auto out = p.run(agent_test::write_call());
  REQUIRE(out.runs());
  CHECK(out.args["backup"] == true);
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == aura::errc::protocol_violation);
  CHECK(out.diagnostics[0].hook == "sneaky");
}

TEST_CASE_METHOD(fixture, "tool pipeline: when-gates read agent facts; once runs once", "[agent][tools]") {
  aura::predicate_registry preds;
  aura::agent::register_predicates(preds);
  tool_pipeline p(tools);
  p.set_predicates(&preds);
  REQUIRE(p.add(aura::hook_options("careful").with_condition("tool_errors_gt:2 and not auto"), set_arg("backup", true)));
  REQUIRE(p.add(aura::hook_options("first").run_once(), set_arg("mode", "append")));
  auto bad_gate = p.add(aura::hook_options("bad").with_condition("tool_errors_gt"), set_arg("backup", true));
  REQUIRE_FALSE(bad_gate);
  CHECK(bad_gate.error().hook == "bad");

  aura::context ctx;
  auto call = agent_test::write_call();
  call.host.stats.tool_errors = 1;
  ctx.set_facts(aura::agent::make_facts(call.host));
  auto calm = p.run(call, ctx);
  CHECK(calm.args["backup"] == false);
  CHECK(calm.args["mode"] == "append");

  call.host.stats.tool_errors = 3;
  ctx.set_facts(aura::agent::make_facts(call.host));
  auto careful = p.run(call, ctx);
  CHECK(careful.args["backup"] == true);
  CHECK(careful.args["mode"] == "overwrite");  // `first` already ran once
}

// ---- pipeline: JSON (plugin) hooks -------------------------------------------------------

namespace {
aura::json_hook json_answer(aura::decision<aura::dynamic_event> d, json* seen = nullptr) {
  return [d, seen](const aura::envelope<aura::dynamic_event>& env, aura::context&)
             -> aura::result<aura::decision<aura::dynamic_event>> {
    if (seen) *seen = env.data;
    return d;
  };
}
aura::decision<aura::dynamic_event> wire(const char* text) {
  auto d = aura::wire::parse_decision(std::string_view(text));
  if (!d) throw std::runtime_error(d.error().describe());
  return *d;
}
}  // namespace

TEST_CASE_METHOD(fixture, "tool pipeline: JSON hooks patch the arguments and are re-validated", "[agent][tools]") {
  tool_pipeline p(tools);
  json seen;
  REQUIRE(p.add({"a-native", 0}, set_arg("mode", "append")));
  REQUIRE(p.add_json({"b-plugin", 0},
                     json_answer(wire(R"({"decision":"mutate","patch":{"args":{"content":"from plugin"}},
                                          "effects":{"inject_message":[{"role":"system","content":"patched",
                                          "source":"b"}]}})"),
                                 &seen)));
  REQUIRE(p.add({"c-native", 0}, [](const tool_before_execution& e) {
    return aura::mutate([c = e.args["content"].get<std::string>()](tool_before_execution& v) {
      v.args["content"] = c + "!";
    });
  }));
  auto out = p.run(agent_test::write_call());
  REQUIRE(out.runs());
  CHECK(seen["tool"] == "write_file");
  CHECK(seen["args"]["mode"] == "append");  // the plugin saw the native hook's change
  CHECK(seen["host"]["session_id"] == "s1");
  CHECK(out.args["content"] == "from plugin!");
  REQUIRE(out.effects.messages.size() == 1);
  CHECK(out.effects.messages[0].role == "system");

  SECTION("an invalid JSON patch is rejected with the pointer") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(
        R"({"decision":"mutate","patch":[{"op":"replace","path":"/args/line","value":"x"}],"patch_format":"json_patch"})"))));
    auto bad = q.run(agent_test::write_call());
    CHECK(bad.status == tool_status::rejected);
    CHECK(bad.diagnostics.at(0).where == "/line");
    CHECK(bad.reason.find("hook \"plugin\"") != std::string::npos);
  }
  SECTION("an invalid Merge Patch of the arguments is rejected with the pointer") {
    tool_pipeline q(tools, {invalid_args_policy::discard_patch, true, aura::tracing::decisions});
    REQUIRE(q.add_json("plugin", json_answer(wire(R"({"decision":"mutate","patch":{"args":{"line":"x"}}})"))));
    auto bad = q.run(agent_test::write_call());
    REQUIRE(bad.runs());
    CHECK(bad.args["line"] == 0);
    CHECK(bad.diagnostics.at(0).where == "/line");
    CHECK(bad.diagnostics.at(0).hook == "plugin");
  }
  SECTION("a patch that cannot apply is a hook failure") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(
        R"({"decision":"mutate","patch":[{"op":"remove","path":"/args/nope"}],"patch_format":"json_patch"})"))));
    auto r = q.run(agent_test::write_call());
    REQUIRE(r.runs());
    CHECK(r.diagnostics.at(0).hook == "plugin");
    CHECK(r.diagnostics.at(0).code != aura::errc::validation_failed);
  }
  SECTION("a JSON deny blocks") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(R"({"decision":"deny","reason":"not today"})"))));
    auto r = q.run(agent_test::write_call());
    CHECK(r.status == tool_status::blocked);
    CHECK(r.reason == "blocked by hook \"plugin\": not today");
  }
  SECTION("effects that do not fit are a protocol error") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(R"({"decision":"allow","effects":{"inject_mesage":"typo"}})"))));
    auto r = q.run(agent_test::write_call());
    REQUIRE(r.runs());
    CHECK(r.diagnostics.at(0).code == aura::errc::protocol_error);
    CHECK(r.diagnostics.at(0).message.find("inject_mesage") != std::string::npos);
  }
  SECTION("a plugin renaming the tool is reverted") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(R"({"decision":"mutate","patch":{"tool":"read_file"}})"))));
    auto r = q.run(agent_test::write_call());
    REQUIRE(r.runs());
    CHECK(r.diagnostics.at(0).code == aura::errc::protocol_violation);
  }
  SECTION("a plugin removing the arguments is rejected") {
    tool_pipeline q(tools);
    REQUIRE(q.add_json("plugin", json_answer(wire(R"({"decision":"mutate","patch":{"args":null}})"))));
    auto r = q.run(agent_test::write_call());
    CHECK(r.status == tool_status::rejected);
  }
}

TEST_CASE_METHOD(fixture, "tool pipeline: remove and remove_plugin", "[agent][tools]") {
  tool_pipeline p(tools);
  REQUIRE(p.add(aura::hook_options("a").owned_by("x"), set_arg("backup", true)));
  REQUIRE(p.add(aura::hook_options("b").owned_by("x"), set_arg("backup", true)));
  REQUIRE(p.add("c", set_arg("backup", true)));
  CHECK(p.remove_plugin("x") == 2);
  CHECK(p.remove("c"));
  CHECK_FALSE(p.remove("c"));
  CHECK(p.size() == 0);
  auto out = p.run(agent_test::write_call());
  CHECK_FALSE(out.modified);
}

// ---- batches: idelchi/aura's Parallel, Sandboxable and Paths ------------------------

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <unistd.h>

#include <aura/agent/tool_batch.hpp>

namespace {

/// Counts how many calls run at once; each call waits (up to `wait`) for a
/// second one to join it, so a batch that runs them one by one shows 1.
struct overlap_probe {
  std::chrono::milliseconds wait{2000};  // parallel calls meet at once; serial ones wait it out
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  int peak = 0;
  std::vector<std::string> order;

  aura::agent::tool_executor executor() {
    return [this](const aura::agent::tool_execution& x) -> aura::result<json> {
      std::unique_lock<std::mutex> lock(mu);
      order.push_back(x.call.call_id);
      ++running;
      peak = std::max(peak, running);
      cv.notify_all();
      cv.wait_for(lock, wait, [&] { return running > 1; });
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
      --running;
      return json{{"tool", x.tool.name}, {"sandboxed", x.sandboxed}};
    };
  }
};

void add_tool(tool_registry& reg, const std::string& name, bool parallel, bool sandboxable = true) {
  aura::agent::tool_extras extras;
  extras.parallel = parallel;
  extras.sandboxable = sandboxable;
  REQUIRE(reg.add(aura::agent::tool_spec{name, name + " tool", json{{"type", "object"}}, false, ""}, extras));
}

}  // namespace

TEST_CASE("tool batch: parallel tools' calls run at once, others alone and in order", "[agent][tools][batch]") {
  tool_registry reg;
  add_tool(reg, "grep", true);
  add_tool(reg, "edit", false);
  {
    overlap_probe p;
    auto out = aura::agent::run_tool_batch(reg, {{"1", "grep", json::object()}, {"2", "grep", json::object()}}, p.executor());
    REQUIRE(out.size() == 2);
    CHECK(p.peak == 2);
    CHECK(out[0].parallel);
    CHECK(out[1].parallel);
    CHECK(out[0].call_id == "1");
    CHECK(out[1].output->at("tool") == "grep");
  }
  {
    overlap_probe p;
    p.wait = std::chrono::milliseconds(100);  // ample for a second call to arrive, were it run beside
    auto out = aura::agent::run_tool_batch(reg, {{"1", "edit", json::object()}, {"2", "edit", json::object()},
                                                 {"3", "grep", json::object()}}, p.executor());
    CHECK(p.peak == 1);  // not parallel: one at a time, in the calls' order
    CHECK(p.order == std::vector<std::string>{"1", "2", "3"});
    CHECK_FALSE(out[0].parallel);
    CHECK_FALSE(out[2].parallel);  // alone in its group: nothing to run beside
  }
  {
    // A per-tool override (idelchi/aura's tool definitions) beats the tool's own Parallel.
    overlap_probe p;
    p.wait = std::chrono::milliseconds(100);
    aura::agent::tool_batch_options o;
    o.parallel["grep"] = false;
    (void)aura::agent::run_tool_batch(reg, {{"1", "grep", json::object()}, {"2", "grep", json::object()}}, p.executor(), {}, o);
    CHECK(p.peak == 1);
  }
}

TEST_CASE("tool batch: sandboxable tools run sandboxed only when the host turns the sandbox on", "[agent][tools][batch]") {
  tool_registry reg;
  add_tool(reg, "read", true, true);
  add_tool(reg, "native", true, false);
  overlap_probe p;
  const std::vector<aura::agent::tool_call> calls{{"1", "read", json::object()}, {"2", "native", json::object()}};
  auto off = aura::agent::run_tool_batch(reg, calls, p.executor());
  CHECK_FALSE(off[0].sandboxed);
  CHECK_FALSE(off[1].sandboxed);
  aura::agent::tool_batch_options o;
  o.sandbox = true;
  auto on = aura::agent::run_tool_batch(reg, calls, p.executor(), {}, o);
  CHECK(on[0].sandboxed);
  CHECK(on[0].output->at("sandboxed") == true);  // the executor was told
  CHECK_FALSE(on[1].sandboxed);                  // Sandboxable() false: runs as it is
}

TEST_CASE("tool batch: unknown tools, bad arguments and paths errors fail their call only", "[agent][tools][batch]") {
  tool_registry reg;
  add_tool(reg, "ok", true);
  REQUIRE(reg.add(aura::agent::tool_spec{"strict", "", json{{"type", "object"}, {"required", {"path"}}}, false, "pl"}));
  int calls = 0;
  auto exec = [&](const aura::agent::tool_execution&) -> aura::result<json> {
    ++calls;
    return json("done");
  };
  auto paths = [](const aura::agent::tool_definition& d, const json&) -> aura::result<aura::agent::tool_paths> {
    if (d.name == "strict") return aura::fail(aura::errc::hook_failed, "paths exploded");
    return aura::agent::tool_paths{};
  };
  auto out = aura::agent::run_tool_batch(reg, {{"1", "nope", json::object()}, {"2", "strict", json::object()},
                                               {"3", "strict", json{{"path", "x"}}}, {"4", "ok", json::object()}},
                                         exec, paths);
  REQUIRE_FALSE(out[0].output);
  CHECK(out[0].output.error().message == "no tool named \"nope\"");
  REQUIRE_FALSE(out[1].output);
  CHECK(out[1].output.error().code == aura::errc::validation_failed);
  REQUIRE_FALSE(out[2].output);
  CHECK(out[2].output.error().message == "tool \"strict\": its paths: paths exploded");
  CHECK(out[2].output.error().plugin == "pl");
  REQUIRE(out[3].output);
  CHECK(calls == 1);
  CHECK_FALSE(out[0].ran);
  CHECK(out[3].ran);
  // An executor that throws fails its call with the reason.
  auto thrown = aura::agent::run_tool_batch(reg, {{"1", "ok", json::object()}},
                                            [](const aura::agent::tool_execution&) -> aura::result<json> {
                                              throw std::runtime_error("boom");
                                            });
  REQUIRE_FALSE(thrown[0].output);
  CHECK(thrown[0].output.error().message == "tool \"ok\" threw: boom");
}

TEST_CASE("tool batch: guard paths need a recorded, unchanged read; clear forgets it", "[agent][tools][batch][paths]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("aura-filetime-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "notes.txt") << "v1";
  tool_registry reg;
  add_tool(reg, "Notepad", false);
  // Notepad's Paths as idelchi/aura's document writes it: read records, write guards.
  auto paths = [&](const aura::agent::tool_definition&, const json& a) -> aura::result<aura::agent::tool_paths> {
    aura::agent::tool_paths p;
    const std::string path = (dir / a.at("path").get<std::string>()).string();
    const std::string action = a.at("action");
    if (action == "read") p.read = p.record = {path};
    if (action == "write") p.write = p.guard = {path};
    if (action == "delete") p.write = p.clear = {path};
    return p;
  };
  auto exec = [&](const aura::agent::tool_execution& x) -> aura::result<json> {
    const fs::path file = dir / x.call.args.at("path").get<std::string>();
    const std::string action = x.call.args.at("action");
    if (action == "write") std::ofstream(file) << x.call.args.value("content", "");
    if (action == "delete") fs::remove(file);
    return json("ok");
  };
  aura::agent::file_times seen(dir);
  aura::agent::tool_batch_options o;
  o.times = &seen;
  auto write = [&](const std::string& content) {
    return aura::agent::run_tool_batch(reg, {{"w", "Notepad", {{"action", "write"}, {"path", "notes.txt"}, {"content", content}}}},
                                       exec, paths, o)[0];
  };
  auto read = [&] {
    return aura::agent::run_tool_batch(reg, {{"r", "Notepad", {{"action", "read"}, {"path", "notes.txt"}}}}, exec, paths, o)[0];
  };
  auto w = write("v22");
  REQUIRE_FALSE(w.output);
  CHECK(w.output.error().code == aura::errc::permission_denied);
  CHECK(w.output.error().message.find("has not been read: read it before writing it") != std::string::npos);
  CHECK_FALSE(w.ran);
  {
    std::ifstream in(dir / "notes.txt");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text == "v1");  // refused before the tool ran
  }
  REQUIRE(read().output);
  CHECK(seen.seen("notes.txt"));
  CHECK(seen.seen((dir / "." / "notes.txt").string()));  // one file, however it is written
  REQUIRE(write("v22").output);  // read first: the write goes through
  // The write changed the file after it was read: another write must read again.
  auto again = write("v333");  // sizes differ: a coarse clock cannot hide the change
  REQUIRE_FALSE(again.output);
  CHECK(again.output.error().message.find("changed since it was read") != std::string::npos);
  REQUIRE(read().output);
  REQUIRE(write("v333").output);
  // A read and a write in one batch: the write is checked after the read ran.
  fs::last_write_time(dir / "notes.txt", fs::last_write_time(dir / "notes.txt") + std::chrono::seconds(5));
  auto both = aura::agent::run_tool_batch(reg, {{"r", "Notepad", {{"action", "read"}, {"path", "notes.txt"}}},
                                                {"w", "Notepad", {{"action", "write"}, {"path", "notes.txt"}, {"content", "v4444"}}}},
                                          exec, paths, o);
  CHECK(both[0].output);
  CHECK(both[1].output);
  // Delete clears the mark; a file written there again is not "seen".
  REQUIRE(aura::agent::run_tool_batch(reg, {{"d", "Notepad", {{"action", "delete"}, {"path", "notes.txt"}}}}, exec, paths, o)[0].output);
  CHECK_FALSE(seen.seen("notes.txt"));
  REQUIRE(write("fresh").output);  // no file: nothing to overwrite unseen
  CHECK_FALSE(write("over").output);
  // A tool answering with an MCP error records nothing.
  seen.clear_all();
  auto failing = [](const aura::agent::tool_execution&) -> aura::result<json> { return json{{"isError", true}}; };
  (void)aura::agent::run_tool_batch(reg, {{"r", "Notepad", {{"action", "read"}, {"path", "notes.txt"}}}}, failing, paths, o);
  CHECK_FALSE(seen.seen("notes.txt"));
  fs::remove_all(dir);
}

TEST_CASE("tool paths: the five lists parse; anything else is refused naming the member", "[agent][tools][paths]") {
  auto p = aura::agent::parse_tool_paths(json{{"read", {"a"}}, {"record", {"a"}}, {"guard", nullptr}});
  REQUIRE(p);
  CHECK(p->read == std::vector<std::string>{"a"});
  CHECK(p->record == std::vector<std::string>{"a"});
  CHECK(p->guard.empty());
  CHECK(aura::agent::parse_tool_paths(json(nullptr))->empty());
  auto unknown = aura::agent::parse_tool_paths(json{{"reads", {"a"}}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "tool paths: unknown list \"reads\" (known: read, write, record, guard, clear)");
  auto not_list = aura::agent::parse_tool_paths(json{{"write", "a"}});
  REQUIRE_FALSE(not_list);
  CHECK(not_list.error().where == "/write");
  auto not_path = aura::agent::parse_tool_paths(json{{"clear", {1}}});
  REQUIRE_FALSE(not_path);
  CHECK(not_path.error().where == "/clear/0");
  CHECK_FALSE(aura::agent::parse_tool_paths(json::array()));
}
