// aura/nats/subjects.hpp - the NATS subjects of the fleet, derived from names
// so that a host and its workers agree without configuration:
//   hooks:  <prefix>.<event>.<plugin>.<handler>   (request/reply, queue group)
//   events: aura.events.<event>                   (JetStream, one message per event)
// An event name's dots stay subject tokens (`tool.before_execution` is two),
// so `aura.events.tool.>` selects a family; characters a subject cannot hold
// (whitespace, `*`, `>`) and empty tokens become `_`.
#pragma once

#include <string>
#include <string_view>

namespace aura::nats {

/// `name` as one or more subject tokens (dots kept as token separators).
[[nodiscard]] inline std::string subject_tokens(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  bool token_empty = true;
  for (char c : name) {
    if (c == '.') {
      if (token_empty) out += '_';
      out += '.';
      token_empty = true;
      continue;
    }
    const bool bad = c == '*' || c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
    out += bad ? '_' : c;
    token_empty = false;
  }
  if (token_empty) out += '_';
  return out;
}

/// A name as exactly one token (its dots too become `_`): plugin and handler names.
[[nodiscard]] inline std::string subject_token(std::string_view name) {
  std::string out = subject_tokens(name);
  for (char& c : out) {
    if (c == '.') c = '_';
  }
  return out;
}

/// Where one plugin hook is served.
[[nodiscard]] inline std::string hook_subject(std::string_view prefix, std::string_view event, std::string_view plugin,
                                              std::string_view handler) {
  return std::string(prefix) + "." + subject_tokens(event) + "." + subject_token(plugin) + "." +
         subject_token(handler);
}

/// The stream subject of an event; `prefix` is `aura.events` unless a host changes it.
[[nodiscard]] inline std::string event_subject(std::string_view event, std::string_view prefix = "aura.events") {
  return std::string(prefix) + "." + subject_tokens(event);
}

}  // namespace aura::nats
