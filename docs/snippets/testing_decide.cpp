#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

#include "../../examples/testing/ticket_check.hpp"

using aura::testing::Mutates;
using ticket_check::intent_before_log;

// A typed hook whose patch is C++ code: only its input shows what it writes.
aura::decision<intent_before_log> retitle(const intent_before_log& e) {
  return aura::mutate([title = "[OPS] " + e.summary](intent_before_log& v) { v.summary = title; });
}

TEST_CASE("retitle prefixes the summary") {
  aura::testing::harness h;
  auto answer = h.decide(retitle, h.synth<intent_before_log>("Ship it"));
  CHECK_THAT(answer, Mutates("/summary", "[OPS] Ship it"));
}
