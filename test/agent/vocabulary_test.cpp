// The agent condition vocabulary as a closed set: idelchi/aura's names parse,
// a misspelled one is an error with a suggestion, host facts can be declared,
// and model_context_* reads false while the model is unresolved.
#include <catch2/catch.hpp>

#include <string>

#include <aura/agent/conditions.hpp>
#include <aura/agent/state.hpp>
#include <aura/core/condition.hpp>

namespace ag = aura::agent;

TEST_CASE("vocabulary: idelchi/aura's documented conditions parse against the agent registry", "[agent][conditions]") {
  aura::predicate_registry reg;
  ag::register_predicates(reg);
  for (const char* text :
       {"auto and context_above:70", "not auto", "not todo_done", "history_gt:5 and history_lt:10",
        "todo_pending and not turns_gt:50", "model_has:tools and model_params_gt:10", "todo_empty",
        "context_below:20", "tool_errors_gt:1", "tool_calls_lt:3", "compactions_gt:0", "iteration_lt:9",
        "tokens_total_gt:100", "model_context_gt:8000", "model_context_lt:9000", "model_params_lt:0.5",
        "model_is:llama3:8b", "exists:go.mod", "model_has:vision"}) {
    INFO(text);
    CHECK(aura::condition::parse(text, &reg));
  }
}

TEST_CASE("vocabulary: a misspelled name is an error naming it, its position and a suggestion", "[agent][conditions]") {
  aura::predicate_registry reg;
  ag::register_predicates(reg);
  auto bad = aura::condition::parse("auto and todo_emtpy", &reg);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("unknown predicate \"todo_emtpy\"") != std::string::npos);
  CHECK(bad.error().message.find("did you mean \"todo_empty\"") != std::string::npos);
  CHECK(bad.error().message.find("position 10") != std::string::npos);
  auto cmp = aura::condition::parse("histroy_gt:5", &reg);
  REQUIRE_FALSE(cmp);
  CHECK(cmp.error().message.find("did you mean \"history_gt\"") != std::string::npos);
  auto arg = aura::condition::parse("contxt_above:70", &reg);
  REQUIRE_FALSE(arg);
  CHECK(arg.error().message.find("did you mean \"context_above\"") != std::string::npos);
  auto far = aura::condition::parse("zzzzzz", &reg);
  REQUIRE_FALSE(far);
  CHECK(far.error().message.find("did you mean") == std::string::npos);
  // The grammar-only check a manifest makes still accepts it: the host decides.
  CHECK(aura::condition::check_syntax("todo_emtpy"));
}

TEST_CASE("vocabulary: a host declares its own facts; without the catalog names stay open", "[agent][conditions]") {
  aura::predicate_registry reg;
  ag::register_predicates(reg);
  CHECK_FALSE(aura::condition::parse("deploy_window", &reg));
  reg.declare_fact("deploy_window");
  auto c = aura::condition::parse("deploy_window and not auto", &reg);
  REQUIRE(c);
  aura::facts f;
  f.set("deploy_window", aura::fact_value(true));
  f.set("auto", aura::fact_value(false));
  CHECK(c->evaluate(f));
  aura::predicate_registry open;
  CHECK(aura::condition::parse("anything_at_all", &open));
}

TEST_CASE("vocabulary: model_context_* is false while the model is unresolved", "[agent][conditions]") {
  aura::predicate_registry reg;
  ag::register_predicates(reg);
  auto lt = aura::condition::parse("model_context_lt:100000", &reg);
  auto gt = aura::condition::parse("model_context_gt:0", &reg);
  REQUIRE(lt);
  REQUIRE(gt);
  ag::host_state h;
  h.model.context_window = 0;
  auto facts = ag::make_facts(h);
  CHECK_FALSE(lt->evaluate(facts));
  CHECK_FALSE(gt->evaluate(facts));
  h.model.context_window = 8192;
  ag::export_facts(h, facts);
  CHECK(lt->evaluate(facts));
  CHECK(gt->evaluate(facts));
  h.model.context_window = 0;
  ag::export_facts(h, facts);  // a refresh to unresolved clears the old value
  CHECK_FALSE(lt->evaluate(facts));
}

TEST_CASE("vocabulary: todo_empty reads the host state's todos", "[agent][conditions]") {
  aura::predicate_registry reg;
  ag::register_predicates(reg);
  auto c = aura::condition::parse("todo_empty", &reg);
  REQUIRE(c);
  ag::host_state h;
  CHECK(c->evaluate(ag::make_facts(h)));
  h.todos.pending = 2;
  CHECK_FALSE(c->evaluate(ag::make_facts(h)));
}

#include <aura/agent/events.hpp>

TEST_CASE("payloads: idelchi/aura's context fields travel in the catalog's events", "[agent][events]") {
  using json = nlohmann::json;
  ag::agent_switch sw;
  sw.from = "coder";
  sw.to = "planner";
  sw.reason = "failover";
  CHECK(json(sw)["reason"] == "failover");
  CHECK(json(sw).get<ag::agent_switch>().reason == "failover");

  ag::chat_after_response r;
  r.calls.push_back({"Bash", "call_1", {{"command", "ls"}}});
  const json rj = r;
  CHECK(rj["calls"][0]["tool"] == "Bash");
  auto back = rj.get<ag::chat_after_response>();
  REQUIRE(back.calls.size() == 1);
  CHECK(back.calls[0].call_id == "call_1");
  CHECK(back.calls[0].args["command"] == "ls");

  auto err = json{{"kind", "rate_limit"}, {"message", "slow down"}, {"retryable", true}, {"status_code", 429}}
                 .get<ag::agent_error>();
  CHECK(err.retryable);
  CHECK(err.status_code == 429);
  CHECK(ag::agent_error{}.status_code == 0);  // idelchi/aura: 0 when the provider dropped it

  auto before = json{{"keep_last", 6}}.get<ag::compaction_before>();
  CHECK(before.keep_last == 6);
  CHECK(json(before)["keep_last"] == 6);
  auto after = json{{"success", false}}.get<ag::compaction_after>();
  CHECK_FALSE(after.success);
  CHECK(ag::compaction_after{}.success);
  // A wrong type is an error naming the field, not a silent default.
  CHECK_THROWS(json{{"keep_last", "six"}}.get<ag::compaction_before>());
}

TEST_CASE("payloads: an injected message's defaults are the catalog's, and explicit fields override them",
          "[agent][effects]") {
  // aura's catalog default: a user message dropped after one turn. idelchi/aura's
  // Result defaults to an assistant message that stays (Eject false): a plugin
  // ported from it states role and eject, which are read as given.
  auto plain = nlohmann::json{{"content", "hi"}}.get<ag::injected_message>();
  CHECK(plain.role == "user");
  CHECK(plain.eject);
  auto ported = nlohmann::json{{"content", "hi"}, {"role", "assistant"}, {"eject", false}, {"prefix", "[p] "}}
                    .get<ag::injected_message>();
  CHECK(ported.role == "assistant");
  CHECK_FALSE(ported.eject);
  CHECK(ported.text() == "[p] hi");
  CHECK_THROWS(nlohmann::json{{"content", "hi"}, {"role", "tool"}}.get<ag::injected_message>());
}
