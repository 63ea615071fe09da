// Effects and their fold rules, the events, the catalog and the condition
// vocabulary (issue 4, parts 1, 2, 5, 6).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <aura/agent/shell.hpp>

#include "agent_fixtures.hpp"

namespace ag = aura::agent;
using json = nlohmann::json;

namespace {
ag::injected_message im(std::string content, std::string role = "user") {
  return ag::injected_message{std::move(role), std::move(content), "", true};
}
}  // namespace

// ---- fold rules ----------------------------------------------------------------------

TEST_CASE("fold: injected messages concatenate in hook order", "[agent][effects]") {
  ag::turn_effects acc, a, b;
  a.messages = {im("one")};
  b.messages = {im("two", "system"), im("three")};
  acc.fold(a);
  acc.fold(b);
  REQUIRE(acc.messages.size() == 3);
  CHECK(acc.messages[0].content == "one");
  CHECK(acc.messages[1].role == "system");
  CHECK(acc.messages[2].content == "three");
  ag::injected_message prefixed{"user", "tests pending", "[todo] ", false};
  CHECK(prefixed.text() == "[todo] tests pending");
  CHECK_FALSE(prefixed.eject);
  CHECK(ag::injected_message{}.eject);  // eject after one turn by default
}

TEST_CASE("fold: a notice is display only and overrides the same hook's message", "[agent][effects]") {
  ag::turn_effects acc, a, b;
  a.messages = {im("for the model")};
  b.messages = {im("hidden")};
  b.notices = {"for the user"};
  acc.fold(a);
  acc.fold(b);
  CHECK(acc.notices == std::vector<std::string>{"for the user"});
  REQUIRE(acc.messages.size() == 1);
  CHECK(acc.messages[0].content == "for the model");
  ag::turn_effects c;
  c.notices = {"second"};
  acc.fold(c);
  CHECK(acc.notices == std::vector<std::string>{"for the user", "second"});
}

TEST_CASE("fold: disabled tools are a union of patterns; * disables all", "[agent][effects]") {
  ag::turn_effects acc, a, b;
  a.disabled_tools = {"bash", "web_*"};
  b.disabled_tools = {"web_*", "write_file"};
  acc.fold(a);
  acc.fold(b);
  CHECK(acc.disabled_tools == std::vector<std::string>{"bash", "web_*", "write_file"});
  CHECK(acc.tool_disabled("web_fetch"));
  CHECK(acc.tool_disabled("bash"));
  CHECK_FALSE(acc.tool_disabled("read_file"));
  CHECK(acc.enabled_tools({"bash", "read_file", "web_search"}) == std::vector<std::string>{"read_file"});
  ag::turn_effects all;
  all.disabled_tools = {"*"};
  acc.fold(all);
  CHECK(acc.tool_disabled("read_file"));
  CHECK(acc.enabled_tools({"read_file"}).empty());
}

TEST_CASE("fold: system prompt additions join with a blank line", "[agent][effects]") {
  ag::turn_effects acc, a, b, c;
  a.system_append = {"Be terse."};
  b.system_append = {""};
  c.system_append = {"Use British spelling."};
  acc.fold(a);
  acc.fold(b);
  acc.fold(c);
  CHECK(acc.system_suffix() == "Be terse.\n\nUse British spelling.");
  CHECK(ag::turn_effects{}.system_suffix().empty());
}

TEST_CASE("fold: skip_request is an OR", "[agent][effects]") {
  ag::chat_effects acc, yes, no;
  yes.skip_request = true;
  acc.fold(no);
  CHECK_FALSE(acc.skip_request);
  acc.fold(yes);
  acc.fold(no);
  CHECK(acc.skip_request);
}

TEST_CASE("fold: the last rewritten tool output wins", "[agent][effects]") {
  ag::tool_output_effects acc, a, b, none;
  CHECK(acc.final_output("raw") == "raw");
  a.output = "first";
  b.output = "second";
  acc.fold(a);
  acc.fold(b);
  acc.fold(none);
  CHECK(acc.final_output("raw") == "second");
}

TEST_CASE("fold: the last rewritten response wins; a drop beats any rewrite", "[agent][effects]") {
  ag::response_effects acc, a, b, drop;
  a.response = "A";
  b.response = "B";
  acc.fold(a);
  acc.fold(b);
  CHECK(acc.final_response("orig") == std::optional<std::string>("B"));
  drop.drop_response = true;
  acc.fold(drop);
  acc.fold(a);
  CHECK_FALSE(acc.final_response("orig"));
  CHECK(ag::response_effects{}.final_response("orig") == std::optional<std::string>("orig"));
}

TEST_CASE("fold: retry and skip are ORs; retry wins, at most 3 retries", "[agent][effects]") {
  ag::error_effects acc, retry, skip;
  retry.retry = true;
  skip.skip = true;
  CHECK(acc.action(0) == ag::error_action::surface);
  acc.fold(skip);
  CHECK(acc.action(0) == ag::error_action::skip);
  acc.fold(retry);
  acc.fold(ag::error_effects{});
  CHECK(acc.retry);
  CHECK(acc.action(0) == ag::error_action::retry);
  CHECK(acc.action(2) == ag::error_action::retry);
  CHECK(acc.action(3) == ag::error_action::skip);  // retries used up
  ag::error_effects only_retry;
  only_retry.fold(retry);
  CHECK(only_retry.action(3) == ag::error_action::surface);
  CHECK(ag::to_string(ag::error_action::retry) == "retry");
}

TEST_CASE("fold: skip_compaction is an OR; the first stop reason wins", "[agent][effects]") {
  ag::compaction_effects acc, skip;
  skip.skip_compaction = true;
  acc.fold(skip);
  acc.fold(ag::compaction_effects{});
  CHECK(acc.skip_compaction);
  ag::turn_effects t, s1, s2;
  s1.stop = "first";
  s2.stop = "second";
  t.fold(s1);
  t.fold(s2);
  CHECK(t.stop == std::optional<std::string>("first"));
  CHECK_FALSE(t.empty());
}

TEST_CASE("effects JSON: canonical form round-trips; short spellings read; typos throw", "[agent][effects]") {
  ag::chat_effects e;
  e.messages = {im("hi")};
  e.notices = {"n"};
  e.disabled_tools = {"bash"};
  e.system_append = {"s"};
  e.skip_request = true;
  json j = e;
  CHECK(j["inject_message"][0]["content"] == "hi");
  auto back = j.get<ag::chat_effects>();
  CHECK(back.messages == e.messages);
  CHECK(back.notices == e.notices);
  CHECK(back.skip_request);

  auto short_form = json::parse(R"({"message":"one","notice":{"message":"shown","source":"cmd"},
                                    "disable_tools":"web_*","append_system":"x"})")
                        .get<ag::turn_effects>();
  CHECK(short_form.messages.at(0).content == "one");
  CHECK(short_form.notices == std::vector<std::string>{"shown"});
  CHECK(short_form.disabled_tools == std::vector<std::string>{"web_*"});
  CHECK(short_form.system_append == std::vector<std::string>{"x"});
  CHECK_THROWS_WITH(json::parse(R"({"skip_request":true})").get<ag::turn_effects>(),
                    Catch::Contains("skip_request"));
  CHECK_THROWS(json::parse(R"({"inject_message":[{"role":"tool","content":"x"}]})").get<ag::turn_effects>());
  CHECK(json::parse(R"({"retry":true,"skip":true})").get<ag::error_effects>().action(0) == ag::error_action::retry);
  CHECK(json::parse(R"({"output":"o"})").get<ag::tool_output_effects>().output == std::optional<std::string>("o"));
  auto r = json::parse(R"({"response":"r","drop_response":true})").get<ag::response_effects>();
  CHECK_FALSE(r.final_response("x"));
  CHECK(json::parse(R"({"skip_compaction":true,"stop":{"reason":"done"}})").get<ag::compaction_effects>().stop ==
        std::optional<std::string>("done"));
}

TEST_CASE("effects fold across a real chain, native and JSON hooks together", "[agent][effects]") {
  aura::bus bus;
  REQUIRE(bus.on<ag::chat_before>({"a", 0}, [](const ag::chat_before&) {
    ag::chat_effects fx;
    fx.system_append = {"From a."};
    fx.messages = {im("a says")};
    return aura::allow().with(fx);
  }));
  REQUIRE(bus.on("chat.before", {"b", 1},
                 [](const aura::envelope<aura::dynamic_event>& env, aura::context&)
                     -> aura::result<aura::decision<aura::dynamic_event>> {
                   CHECK(env.data["prompt"] == "hello");
                   auto d = aura::wire::parse_decision(std::string_view(
                       R"({"decision":"mutate","patch":{"prompt":"hello!"},
                           "effects":{"append_system":"From b.","skip_request":true,"disable_tools":["bash"]}})"));
                   return d;
                 }));
  REQUIRE(bus.on<ag::chat_before>({"c", 2}, [](const ag::chat_before& e) {
    CHECK(e.prompt == "hello!");
    ag::chat_effects fx;
    fx.notices = {"c only shows this"};
    fx.messages = {im("dropped by the notice")};
    return aura::allow().with(fx);
  }));
  ag::chat_before ev;
  ev.prompt = "hello";
  auto out = bus.emit(ev);
  CHECK(out.verdict == aura::verdict::mutate);
  CHECK(out.data.prompt == "hello!");
  CHECK(out.effects.system_suffix() == "From a.\n\nFrom b.");
  CHECK(out.effects.skip_request);
  CHECK(out.effects.tool_disabled("bash"));
  REQUIRE(out.effects.messages.size() == 1);
  CHECK(out.effects.notices == std::vector<std::string>{"c only shows this"});

  REQUIRE(bus.on("chat.before", {"typo", 3},
                 [](const aura::envelope<aura::dynamic_event>&, aura::context&) {
                   return aura::wire::parse_decision(std::string_view(R"({"decision":"allow","effects":{"skip":true}})"));
                 }));
  auto typo = bus.emit(ev);
  REQUIRE_FALSE(typo.diagnostics.empty());
  CHECK(typo.diagnostics.back().hook == "typo");
  CHECK(typo.diagnostics.back().message.find("\"skip\"") != std::string::npos);
}

// ---- events ----------------------------------------------------------------------------

static_assert(ag::tool_before_execution::flags == (aura::vetoable | aura::patchable));
static_assert(ag::chat_before::flags == (aura::vetoable | aura::patchable));
static_assert(ag::compaction_after::flags == aura::event_flags::none, "compaction.after is read-only");
static_assert(ag::agent_switch::flags == aura::event_flags::none, "agent.switch is read-only");
static_assert(ag::messages_transform::flags == aura::patchable);
static_assert(std::is_same_v<aura::effects_t<ag::agent_error>, ag::error_effects>);
static_assert(std::is_same_v<aura::effects_t<ag::compaction_before>, ag::compaction_effects>);
static_assert(std::is_same_v<aura::effects_t<ag::tool_after_execution>, ag::tool_output_effects>);
static_assert(std::is_same_v<aura::effects_t<ag::chat_after_response>, ag::response_effects>);
static_assert(ag::intent_before_log::flags == (aura::vetoable | aura::patchable));
static_assert(ag::zone_before_claim::flags == aura::vetoable);
static_assert(aura::event_traits<ag::zone_blocked>::flags == aura::event_flags::none);

TEST_CASE("every agent event carries the host state and round-trips through JSON", "[agent][events]") {
  ag::host_state h;
  h.session_id = "s-42";
  h.iteration = 3;
  h.tokens = 51234;
  h.context_percent = 40.5;
  h.agent = "build";
  h.mode = "auto";
  h.autonomous = true;
  h.model = {"anthropic/claude-x", "anthropic", 200000, 70.5, {"tools", "vision"}};
  h.stats = {12, 30, 2, 1, 900000};
  h.workdir = "/repo";
  h.message_count = 44;
  h.todos = {2, 1, 5};
  h.tool_history = {{"bash", false, 120}, {"read_file", true, 3}};
  h.available_tools = {"bash", "read_file"};
  h.plugin_config = {{"level", 2}};
  std::size_t seen = 0;
  ag::agent_events::each([&](auto* tag) {
    using E = std::remove_const_t<std::remove_pointer_t<decltype(tag)>>;
    E e{};
    e.host = h;
    json j = e;
    CHECK(j["host"]["session_id"] == "s-42");
    CHECK(j["host"]["todos"]["total"] == 8);
    CHECK(j["host"]["model"]["params_billions"] == 70.5);
    auto back = j.get<E>();
    CHECK(json(back) == j);
    CHECK(back.host.model.capabilities == h.model.capabilities);
    CHECK(back.host.tool_history.size() == 2);
    CHECK_THROWS(json::array().get<E>());
    ++seen;
  });
  CHECK(seen == 11);
  ag::model_info unresolved;
  json m = unresolved;
  CHECK(m["params_billions"].is_null());
  CHECK_FALSE(m.get<ag::model_info>().params_billions);
  // Partial objects read with defaults.
  auto partial = json::parse(R"({"tool":"bash","args":{"cmd":"ls"}})").get<ag::tool_before_execution>();
  CHECK(partial.tool == "bash");
  CHECK(partial.host.session_id.empty());
}

TEST_CASE("the catalog lists every event once, with its flags, and declares them on a bus", "[agent][events]") {
  const auto& all = ag::catalog();
  CHECK(all.size() == 28 + ag::clawdius_hooks.size());  // agent, workflow, then Clawdius (test/compat/clawdius)
  std::set<std::string_view> names;
  for (const auto& e : all) CHECK(names.insert(e.name).second);
  for (const char* n : {"session.start", "session.end", "chat.before", "chat.after_response", "tool.before_execution",
                        "tool.after_execution", "agent.error", "compaction.before", "compaction.after", "agent.switch",
                        "messages.transform", "intent.before_log", "intent.after_log", "intent.mismatch",
                        "prove.started", "prove.passed", "prove.failed", "pr_review.finding", "pr_review.done",
                        "zone.before_claim", "zone.blocked", "live.push", "live.pull", "msg.received", "commit.pre",
                        "commit.post", "daemon.start", "daemon.stop"})
    CHECK(ag::find_event(n));
  CHECK_FALSE(ag::find_event("nope"));
  CHECK(ag::find_event("commit.pre")->flags == (aura::vetoable | aura::patchable));

  aura::bus bus;
  REQUIRE(bus.on<ag::intent_before_log>("typed", [](const ag::intent_before_log&) { return aura::allow(); }));
  REQUIRE(ag::declare_catalog(bus));
  CHECK(bus.flags_of("zone.before_claim") == aura::vetoable);
  // A JSON deny on a read-only event is a protocol violation, not a veto.
  REQUIRE(bus.on("compaction.after", "p", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                                               -> aura::result<aura::decision<aura::dynamic_event>> {
    return aura::decision<aura::dynamic_event>(aura::deny("no"));
  }));
  auto out = bus.emit("compaction.after", json::object());
  CHECK(out.allowed());
  CHECK(out.diagnostics.at(0).code == aura::errc::protocol_violation);
}

TEST_CASE("workflow events: vetoable intents and zones through the bus", "[agent][events]") {
  aura::bus bus;
  REQUIRE(bus.on<ag::intent_before_log>("ticket", [](const ag::intent_before_log& e) -> aura::decision<ag::intent_before_log> {
    if (e.tickets.empty()) return aura::deny("Intent must reference an OPS-### ticket.");
    return aura::mutate([](ag::intent_before_log& v) { v.summary += " [checked]"; });
  }));
  auto denied = bus.emit(ag::intent_before_log{"refactor", {}, {}});
  CHECK(denied.denied());
  CHECK(denied.reason == "Intent must reference an OPS-### ticket.");
  auto ok = bus.emit(ag::intent_before_log{"refactor", {"OPS-1"}, {"a.cpp"}});
  CHECK(ok.mutated());
  CHECK(ok.data.summary == "refactor [checked]");

  REQUIRE(bus.on<ag::zone_before_claim>("held", [](const ag::zone_before_claim& z) -> aura::decision<ag::zone_before_claim> {
    if (z.zone == "core") return aura::deny("core is held by agent-2");
    return aura::allow();
  }));
  CHECK(bus.emit(ag::zone_before_claim{"core", "agent-1", {"include/aura/core"}}).denied());
  CHECK(bus.emit(ag::zone_before_claim{"docs", "agent-1", {"docs"}}).allowed());
  json j = ag::prove_failed{"ctest", "test_agent", 8, "1 failed"};
  CHECK(j["exit_code"] == 8);
  CHECK(j.get<ag::prove_failed>().output == "1 failed");
}

// ---- conditions ------------------------------------------------------------------------

namespace {
struct conditions {
  aura::predicate_registry reg;
  ag::host_state h;
  conditions() {
    ag::register_predicates(reg);
    h.workdir = std::filesystem::temp_directory_path().string();
    h.context_percent = 72.5;
    h.message_count = 10;
    h.iteration = 4;
    h.stats = {6, 20, 3, 1, 150000};
    h.model = {"ollama/Qwen2.5-Coder", "ollama", 32768, 7.6, {"tools", "Thinking"}};
  }
  bool eval(const std::string& text) const {
    auto c = aura::condition::parse(text, &reg);
    if (!c) FAIL(c.error().describe());
    return c->evaluate(ag::make_facts(h));
  }
};
}  // namespace

TEST_CASE("conditions: todo, auto and context", "[agent][conditions]") {
  conditions c;
  CHECK(c.eval("todo_empty"));
  CHECK_FALSE(c.eval("todo_done"));
  CHECK_FALSE(c.eval("todo_pending"));
  c.h.todos = {1, 1, 2};
  CHECK_FALSE(c.eval("todo_empty"));
  CHECK(c.eval("todo_pending"));
  CHECK_FALSE(c.eval("todo_done"));
  c.h.todos = {0, 0, 4};
  CHECK(c.eval("todo_done"));
  CHECK_FALSE(c.eval("todo_pending"));
  CHECK_FALSE(c.eval("auto"));
  c.h.autonomous = true;
  CHECK(c.eval("auto and todo_done"));
  CHECK(c.eval("context_above:70"));
  CHECK_FALSE(c.eval("context_above:72.5"));
  CHECK(c.eval("context_below:72.6"));
  CHECK_FALSE(c.eval("context_below:50"));
  CHECK_FALSE(aura::condition::parse("context_above:lots", &c.reg));
  CHECK_FALSE(aura::condition::parse("todo_empty:3", &c.reg));
}

TEST_CASE("conditions: counters compare with _gt / _lt", "[agent][conditions]") {
  conditions c;
  CHECK(c.eval("history_gt:9"));
  CHECK_FALSE(c.eval("history_gt:10"));
  CHECK(c.eval("history_lt:11"));
  CHECK(c.eval("tool_errors_gt:2 and tool_errors_lt:4"));
  CHECK(c.eval("tool_calls_gt:19 and tool_calls_lt:21"));
  CHECK(c.eval("turns_gt:5 and turns_lt:7"));
  CHECK(c.eval("compactions_gt:0 and compactions_lt:2"));
  CHECK(c.eval("iteration_gt:3 and iteration_lt:5"));
  CHECK(c.eval("tokens_total_gt:100000 and tokens_total_lt:200000"));
  CHECK(c.eval("model_context_gt:32767 and model_context_lt:32769"));
  CHECK_FALSE(c.eval("tool_errors_gt:3"));
}

TEST_CASE("conditions: model params in billions, false while unresolved", "[agent][conditions]") {
  conditions c;
  CHECK(c.eval("model_params_gt:7.5"));
  CHECK_FALSE(c.eval("model_params_gt:7.6"));
  CHECK(c.eval("model_params_lt:7.65"));
  c.h.model.params_billions.reset();
  CHECK_FALSE(c.eval("model_params_gt:0"));
  CHECK_FALSE(c.eval("model_params_lt:1000"));
  // The same facts object, refreshed: a stale value must not linger.
  aura::facts f = ag::make_facts(conditions{}.h);
  ag::export_facts(c.h, f);
  CHECK_FALSE(f.number("model_params"));
}

TEST_CASE("conditions: model_has and model_is ignore case", "[agent][conditions]") {
  conditions c;
  CHECK(c.eval("model_has:tools"));
  CHECK(c.eval("model_has:thinking"));
  CHECK_FALSE(c.eval("model_has:vision"));
  CHECK(c.eval("model_is:qwen2.5-coder"));
  CHECK(c.eval("model_is:OLLAMA/qwen2.5-CODER"));
  CHECK_FALSE(c.eval("model_is:qwen2.5"));
  CHECK_FALSE(aura::condition::parse("model_is", &c.reg));
  c.h.model.id.clear();
  CHECK_FALSE(c.eval("model_is:qwen2.5-coder"));
}

TEST_CASE("conditions: exists reads paths from the workdir", "[agent][conditions]") {
  conditions c;
  const auto dir = std::filesystem::temp_directory_path() / "aura_agent_exists_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "marker.txt") << "x";
  c.h.workdir = dir.string();
  CHECK(c.eval("exists:marker.txt"));
  CHECK(c.eval("exists:" + (dir / "marker.txt").string()));
  CHECK_FALSE(c.eval("exists:missing.txt"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("conditions: bash is off unless the host gives a runner, and has a timeout", "[agent][conditions]") {
  conditions off;
  auto refused = aura::condition::parse("bash:true", &off.reg);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("bash") != std::string::npos);

  aura::predicate_registry reg;
  ag::condition_options opts;
  opts.shell = ag::posix_shell();
  opts.shell_timeout = std::chrono::milliseconds(200);
  ag::register_predicates(reg, opts);
  ag::host_state h;
  h.workdir = std::filesystem::temp_directory_path().string();
  auto facts = ag::make_facts(h);
  auto eval = [&](const std::string& text) {
    auto c = aura::condition::parse(text, &reg);
    REQUIRE(c);
    return c->evaluate(facts);
  };
  CHECK(eval("bash:true"));
  CHECK_FALSE(eval("bash:false"));
  CHECK(eval("bash:\"test -d . && exit 0\""));
  CHECK_FALSE(eval("bash:\"exit 3\""));
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(eval("bash:\"sleep 5\""));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  auto status = opts.shell("exit 7", h.workdir, std::chrono::milliseconds(2000));
  CHECK(status == std::optional<int>(7));
  CHECK_FALSE(opts.shell("true", "/nonexistent/dir/for/aura", std::chrono::milliseconds(2000)) == std::optional<int>(0));
}
