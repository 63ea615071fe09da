// Events the harness tests share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <aura/core/event.hpp>
#include <nlohmann/json.hpp>

namespace harness_test {

struct intent_before_log {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string summary;
  std::vector<std::string> tickets;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(intent_before_log, summary, tickets)

/// An event with typed effects folded across hooks.
struct chat_before {
  static constexpr std::string_view name = "chat.before";
  static constexpr aura::event_flags flags = aura::vetoable;
  struct effects {
    std::vector<std::string> notices;
    void fold(const effects& other) { notices.insert(notices.end(), other.notices.begin(), other.notices.end()); }
  };
  std::string prompt;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(chat_before::effects, notices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(chat_before, prompt)

/// Observed, never vetoed or changed.
struct session_started {
  static constexpr std::string_view name = "session.start";
  std::string user;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(session_started, user)

}  // namespace harness_test
