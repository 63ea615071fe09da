// The Catch2 matchers: each on decisions, hook results, hook answers and
// outcomes, and each made to fail, with the message it gives.
#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

#include <string>

#include "events.hpp"

using aura::testing::HasDiagnostic;
using aura::testing::HasEffect;
using aura::testing::IsAllow;
using aura::testing::IsDeny;
using aura::testing::Mutates;
using harness_test::chat_before;
using harness_test::intent_before_log;
using dyn = aura::decision<aura::dynamic_event>;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("IsAllow and IsDeny on bare decisions", "[testing][matchers]") {
  const dyn allow = aura::allow();
  const dyn deny = aura::deny("Intent must reference an OPS-### ticket.");
  CHECK_THAT(allow, IsAllow());
  CHECK_THAT(deny, IsDeny());
  CHECK_THAT(deny, IsDeny("OPS-###"));

  auto m = IsAllow();
  CHECK_FALSE(m.match(deny));
  CHECK(contains(m.toString(), "is allowed"));
  CHECK(contains(m.toString(), "but it was deny: \"Intent must reference an OPS-### ticket.\""));
  CHECK(contains(m.toString(), "\"decision\": \"deny\""));  // the whole decision, as JSON

  auto d = IsDeny("SEC-");
  CHECK_FALSE(d.match(deny));
  CHECK(contains(d.toString(), "reason containing \"SEC-\""));
  CHECK(contains(d.toString(), "but the reason was \"Intent must reference an OPS-### ticket.\""));
  auto any = IsDeny();
  CHECK_FALSE(any.match(allow));
  CHECK(contains(any.toString(), "but it was allow"));
  // A matcher that passed says only what it expects.
  auto ok = IsDeny();
  CHECK(ok.match(deny));
  CHECK(ok.toString() == "is denied");
}

TEST_CASE("matchers on a hook's result: an error fails every verdict matcher", "[testing][matchers]") {
  const aura::result<dyn> failed = aura::fail(aura::error{aura::errc::timeout, "no answer in 2000 ms", "slow", "on_x", {}});
  auto a = IsAllow();
  CHECK_FALSE(a.match(failed));
  CHECK(contains(a.toString(), "but the hook failed: plugin \"slow\": hook \"on_x\": no answer in 2000 ms"));
  CHECK(contains(a.toString(), "\"code\": \"timeout\""));
  CHECK_THAT(failed, HasDiagnostic(aura::errc::timeout, "2000 ms"));
  auto other = HasDiagnostic(aura::errc::crashed);
  CHECK_FALSE(other.match(failed));
  CHECK(contains(other.toString(), "has a diagnostic crashed"));
  CHECK(contains(other.toString(), "the diagnostics are: timeout (plugin \"slow\""));
  const aura::result<dyn> fine = dyn(aura::allow());
  CHECK_THAT(fine, IsAllow());
  auto none = HasDiagnostic(aura::errc::timeout);
  CHECK_FALSE(none.match(fine));
  CHECK(contains(none.toString(), "but there are no diagnostics"));
}

TEST_CASE("Mutates on a bare JSON decision reads the patch", "[testing][matchers]") {
  const dyn merge = aura::mutate(nlohmann::json{{"args", {{"cmd", "ls -la"}}}, {"drop", nullptr}});
  CHECK_THAT(merge, Mutates());
  CHECK_THAT(merge, Mutates("/args/cmd", "ls -la"));
  auto removed = Mutates("/drop", nullptr);
  CHECK_FALSE(removed.match(merge));  // null in a merge patch removes: it writes no value
  CHECK(contains(removed.toString(), "writes no value at \"/drop\""));
  auto wrong = Mutates("/args/cmd", "rm -rf /");
  CHECK_FALSE(wrong.match(merge));
  CHECK(contains(wrong.toString(), "the patch writes \"ls -la\" at \"/args/cmd\", not \"rm -rf /\""));

  const dyn ops = aura::mutate(nlohmann::json::array({{{"op", "replace"}, {"path", "/summary"}, {"value", "a"}},
                                                      {{"op", "add"}, {"path", "/summary"}, {"value", "b"}}}),
                               aura::patch_format::json_patch);
  CHECK_THAT(ops, Mutates("/summary", "b"));
  CHECK_FALSE(Mutates("/summary", "a").match(ops));
  CHECK_FALSE(Mutates("/other", 1).match(ops));

  auto not_mutation = Mutates();
  CHECK_FALSE(not_mutation.match(dyn(aura::allow())));
  CHECK(contains(not_mutation.toString(), "but it was allow"));
}

TEST_CASE("Mutates with the input: hook answers and outcomes", "[testing][matchers]") {
  aura::testing::harness h;
  auto retitle = [](const intent_before_log& e) {
    return aura::mutate([s = e.summary](intent_before_log& v) { v.summary = "[OPS] " + s; });
  };
  auto ev = h.synth<intent_before_log>("Ship it", std::vector<std::string>{"OPS-7"});

  // A typed patch on its own cannot be judged...
  const aura::decision<intent_before_log> bare = retitle(ev.data);
  auto blind = Mutates("/summary", "[OPS] Ship it");
  CHECK_FALSE(blind.match(bare));
  CHECK(contains(blind.toString(), "typed C++ patch can only be checked against its input"));
  // ...but with its input it can, before (decide) and after (run) the chain.
  auto answer = h.decide(retitle, ev);
  CHECK_THAT(answer, Mutates("/summary", "[OPS] Ship it"));
  CHECK_THAT(answer, Mutates("/tickets/0", "OPS-7"));
  auto out = h.run(retitle, ev);
  CHECK_THAT(out, Mutates("/summary", "[OPS] Ship it"));

  auto wrong = Mutates("/summary", "Ship it");
  CHECK_FALSE(wrong.match(out));
  CHECK(contains(wrong.toString(), "\"/summary\" is \"[OPS] Ship it\", not \"Ship it\""));
  CHECK(contains(wrong.toString(), "the whole outcome: {"));
  CHECK(contains(wrong.toString(), "\"verdict\": \"mutate\""));
  auto missing = Mutates("/nowhere", 1);
  CHECK_FALSE(missing.match(answer));
  CHECK(contains(missing.toString(), "nothing is at \"/nowhere\" after the change"));
  auto malformed = Mutates("/tickets/x/y", 1);
  CHECK_FALSE(malformed.match(out));

  auto deny_out = h.run([](const intent_before_log&) { return aura::deny("no"); }, ev);
  auto m = Mutates("/summary", "Ship it");
  CHECK_FALSE(m.match(deny_out));
  CHECK(contains(m.toString(), "but it was deny by \"hook-under-test\": \"no\""));
  CHECK(contains(m.toString(), "\"denied_by\": \"hook-under-test\""));

  // A JSON patch that does not apply to the input is reported as such.
  auto bad = h.decide(
      [](const aura::envelope<aura::dynamic_event>&) -> dyn {
        return aura::mutate(nlohmann::json::array({{{"op", "replace"}, {"path", "/gone"}, {"value", 1}}}),
                            aura::patch_format::json_patch);
      },
      h.synth_event("x", {{"a", 1}}));
  auto unapplied = Mutates("/gone", 1);
  CHECK_FALSE(unapplied.match(bad));
  CHECK(contains(unapplied.toString(), "the change cannot be applied"));
}

TEST_CASE("HasEffect on JSON and typed effects, decisions and outcomes", "[testing][matchers]") {
  const dyn with = dyn(aura::allow()).set_effects({{"notice", "tests are slow"}, {"disable_tools", {"bash"}}});
  CHECK_THAT(with, HasEffect("/notice"));
  CHECK_THAT(with, HasEffect("notice", "tests are slow"));
  CHECK_THAT(with, HasEffect("/disable_tools/0", "bash"));
  auto wrong = HasEffect("/notice", "other");
  CHECK_FALSE(wrong.match(with));
  CHECK(contains(wrong.toString(), "the effect at \"/notice\" is \"tests are slow\""));
  auto absent = HasEffect("/inject_message");
  CHECK_FALSE(absent.match(with));
  CHECK(contains(absent.toString(), "the effects have nothing at \"/inject_message\""));
  auto none = HasEffect("/notice");
  CHECK_FALSE(none.match(dyn(aura::allow())));
  CHECK(contains(none.toString(), "but there are no effects"));

  aura::testing::harness h;
  aura::chain<chat_before> c;
  REQUIRE(c.add("a", [](const chat_before&) { return aura::allow().with(chat_before::effects{{"first"}}); }));
  REQUIRE(c.add("b", [](const chat_before&) { return aura::allow().with(chat_before::effects{{"second"}}); }));
  auto out = h.run(c, h.synth<chat_before>("hello"));
  CHECK_THAT(out, IsAllow());
  CHECK_THAT(out, HasEffect("/notices", nlohmann::json{"first", "second"}));
  CHECK_THAT(out, HasEffect("/notices/1", "second"));
  auto third = HasEffect("/notices/2");
  CHECK_FALSE(third.match(out));
  CHECK(contains(third.toString(), "\"effects\": {"));
}

TEST_CASE("HasDiagnostic on outcomes, and Catch's echo of the subject", "[testing][matchers]") {
  aura::testing::harness h;
  h.declare("session.start", aura::event_flags::none);
  auto out = h.run([](const aura::envelope<aura::dynamic_event>&) -> dyn { return aura::deny("not allowed to"); },
                   h.synth_event("session.start", {{"user", "ann"}}));
  CHECK_THAT(out, IsAllow());
  CHECK_THAT(out, HasDiagnostic(aura::errc::protocol_violation));
  CHECK_THAT(out, HasDiagnostic(aura::errc::protocol_violation, "hook-under-test"));
  auto wrong = HasDiagnostic(aura::errc::protocol_violation, "timeout");
  CHECK_FALSE(wrong.match(out));
  CHECK(contains(wrong.toString(), "the diagnostics are: protocol_violation (plugin \"plugin-under-test\": hook "
                                   "\"hook-under-test\": hook denied an event that is not vetoable"));

  CHECK(Catch::Detail::stringify(out) == "outcome allow (1 diagnostics)");
  auto denied = h.run([](const intent_before_log&) { return aura::deny("cite OPS"); }, h.synth<intent_before_log>("x"));
  CHECK(Catch::Detail::stringify(denied) == "outcome deny by \"hook-under-test\": \"cite OPS\"");
  CHECK(Catch::Detail::stringify(dyn(aura::deny("r"))) == "decision deny: \"r\"");
  CHECK(Catch::Detail::stringify(aura::result<dyn>(aura::fail(aura::errc::crashed, "gone"))) ==
        "hook result error: gone");
  CHECK(aura::testing::describe(denied).find("\"reason\": \"cite OPS\"") != std::string::npos);
}
