// Event types shared by the core tests.
#pragma once

#include <aura/core/core.hpp>

#include <string>
#include <vector>

namespace test_events {

struct intent {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string summary;
  std::vector<std::string> tickets;
  struct effects {
    std::vector<std::string> notes;
    void fold(const effects& other) { notes.insert(notes.end(), other.notes.begin(), other.notes.end()); }
  };
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(intent, summary, tickets)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(intent::effects, notes)

struct observed {  // neither vetoable nor patchable
  static constexpr std::string_view name = "intent.after_log";
  int count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(observed, count)

}  // namespace test_events
