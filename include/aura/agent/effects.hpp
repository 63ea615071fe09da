// aura/agent/effects.hpp - side outputs of agent hooks and how a chain folds them.
//
// Fold rules (hooks fold in chain order; see docs/agent.md):
//   messages        concatenate; a hook that sets a notice has its own messages dropped
//   notices         concatenate (display only, never sent to the model)
//   disable_tools   union of glob patterns, "*" disables every tool
//   append_system   concatenate; joined with a blank line, for this turn only
//   stop            the first hook's reason wins (Claude Code's "continue": false)
//   skip_request    OR
//   output          the last hook that sets it wins (after tool execution)
//   response        the last hook that sets it wins; drop_response (OR) beats it
//   retry / skip    OR each; retry wins over skip, at most max_retries retries
//   skip_compaction OR
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/detail/json.hpp"
#include "aura/core/glob.hpp"

namespace aura::agent {

/// A message a hook adds to the conversation.
struct injected_message {
  std::string role = "user";  ///< "user", "system" or "assistant"
  std::string content;
  std::string prefix;         ///< shown before the content ("[todo] ", ...)
  bool eject = true;          ///< removed from the history after one turn

  /// The text as the model sees it: prefix then content.
  [[nodiscard]] std::string text() const { return prefix + content; }
  friend bool operator==(const injected_message& a, const injected_message& b) {
    return a.role == b.role && a.content == b.content && a.prefix == b.prefix && a.eject == b.eject;
  }
};

/// The effects every agent event accepts.
struct turn_effects {
  std::vector<injected_message> messages;
  std::vector<std::string> notices;         ///< display only
  std::vector<std::string> disabled_tools;  ///< glob patterns over tool names
  std::vector<std::string> system_append;   ///< this turn only
  std::optional<std::string> stop;          ///< end the agent loop with this reason (first wins)

  /// Folds a later hook's effects into these (see the rules at the top).
  void fold(const turn_effects& add) {
    notices.insert(notices.end(), add.notices.begin(), add.notices.end());
    // A notice overrides the same hook's message: the hook meant it for the user only.
    if (add.notices.empty()) messages.insert(messages.end(), add.messages.begin(), add.messages.end());
    for (const auto& p : add.disabled_tools)
      if (std::find(disabled_tools.begin(), disabled_tools.end(), p) == disabled_tools.end()) disabled_tools.push_back(p);
    for (const auto& s : add.system_append)
      if (!s.empty()) system_append.push_back(s);
    if (!stop && add.stop) stop = add.stop;
  }

  /// Whether a tool is disabled by any pattern ("*" disables all).
  [[nodiscard]] bool tool_disabled(std::string_view tool) const {
    return std::any_of(disabled_tools.begin(), disabled_tools.end(),
                       [&](const std::string& p) { return p == "*" || glob_match(p, tool); });
  }
  /// `tools` minus the disabled ones.
  [[nodiscard]] std::vector<std::string> enabled_tools(const std::vector<std::string>& tools) const {
    std::vector<std::string> out;
    for (const auto& t : tools)
      if (!tool_disabled(t)) out.push_back(t);
    return out;
  }
  /// What to append to the system prompt for this turn: the parts joined with a blank line.
  [[nodiscard]] std::string system_suffix() const {
    std::string out;
    for (const auto& s : system_append) {
      if (!out.empty()) out += "\n\n";
      out += s;
    }
    return out;
  }
  [[nodiscard]] bool empty() const noexcept {
    return messages.empty() && notices.empty() && disabled_tools.empty() && system_append.empty() && !stop;
  }
};

/// chat.before: the turn effects plus skipping the request.
struct chat_effects : turn_effects {
  bool skip_request = false;
  void fold(const chat_effects& add) {
    turn_effects::fold(add);
    skip_request = skip_request || add.skip_request;
  }
};

/// tool.after_execution: the turn effects plus a rewritten tool output.
struct tool_output_effects : turn_effects {
  std::optional<std::string> output;
  void fold(const tool_output_effects& add) {
    turn_effects::fold(add);
    if (add.output) output = add.output;
  }
  /// The output the model gets.
  [[nodiscard]] std::string final_output(const std::string& original) const { return output ? *output : original; }
};

/// chat.after_response: the turn effects plus rewriting or dropping the response.
struct response_effects : turn_effects {
  std::optional<std::string> response;
  bool drop_response = false;
  void fold(const response_effects& add) {
    turn_effects::fold(add);
    if (add.response) response = add.response;
    drop_response = drop_response || add.drop_response;
  }
  /// The response to keep; nullopt when a hook dropped it.
  [[nodiscard]] std::optional<std::string> final_response(const std::string& original) const {
    if (drop_response) return std::nullopt;
    return response ? *response : original;
  }
};

/// What the host does about an error.
enum class error_action { surface, retry, skip };

[[nodiscard]] constexpr std::string_view to_string(error_action a) noexcept {
  switch (a) {
    case error_action::surface: return "surface";
    case error_action::retry: return "retry";
    case error_action::skip: return "skip";
  }
  return "unknown";
}

/// agent.error: the turn effects plus retry / skip.
struct error_effects : turn_effects {
  static constexpr int max_retries = 3;
  bool retry = false;
  bool skip = false;
  void fold(const error_effects& add) {
    turn_effects::fold(add);
    retry = retry || add.retry;
    skip = skip || add.skip;
  }
  /// Retry wins while fewer than max_retries retries were made; then skip if
  /// any hook asked for it; else the error surfaces.
  [[nodiscard]] error_action action(int retries_so_far) const noexcept {
    if (retry && retries_so_far < max_retries) return error_action::retry;
    if (skip) return error_action::skip;
    return error_action::surface;
  }
};

/// compaction.before: the turn effects plus skipping the compaction.
struct compaction_effects : turn_effects {
  bool skip_compaction = false;
  void fold(const compaction_effects& add) {
    turn_effects::fold(add);
    skip_compaction = skip_compaction || add.skip_compaction;
  }
};

// ---- JSON ------------------------------------------------------------------------
// Canonical keys: "inject_message" [messages], "notice" [strings],
// "disable_tools" [patterns], "append_system" [strings], "stop" {"reason"},
// plus the event's own. Input also takes one item instead of an array, the
// spellings "message"/"messages"/"notices", and notices as {"message"} objects
// (the command adapter's form). Unknown keys throw, so a plugin's typo becomes
// a protocol error instead of a silent no-op.

template <class BasicJson>
void to_json(BasicJson& j, const injected_message& m) {
  j = {{"role", m.role}, {"content", m.content}, {"prefix", m.prefix}, {"eject", m.eject}};
}
/// A string (the content) or an object; "source" and "hook_event_name", which
/// the command adapter adds, are accepted and ignored.
template <class BasicJson>
void from_json(const BasicJson& j, injected_message& m) {
  if (j.is_string()) {
    m.content = j.template get<std::string>();
    return;
  }
  detail::reject_unknown(j, {"role", "content", "prefix", "eject", "source", "hook_event_name"}, "message");
  detail::read(j, "role", m.role);
  detail::read(j, "content", m.content);
  detail::read(j, "prefix", m.prefix);
  detail::read(j, "eject", m.eject);
  if (m.role != "user" && m.role != "system" && m.role != "assistant")
    throw std::invalid_argument("injected message role must be user, system or assistant, not \"" + m.role + "\"");
}

namespace detail {
/// One value or an array of them.
template <class Fn>
void each_item(const nlohmann::json& v, Fn&& fn) {
  if (v.is_array()) {
    for (const auto& item : v) fn(item);
  } else if (!v.is_null()) {
    fn(v);
  }
}
template <class BasicJson>
std::string notice_text(const BasicJson& v) {
  if (v.is_string()) return v.template get<std::string>();
  reject_unknown(v, {"message", "content", "source"}, "notice");
  std::string text;
  read(v, "message", text);
  if (text.empty()) read(v, "content", text);
  return text;
}
template <class BasicJson>
void write_turn(BasicJson& j, const turn_effects& e) {
  j = nlohmann::json::object();
  if (!e.messages.empty()) j["inject_message"] = e.messages;
  if (!e.notices.empty()) j["notice"] = e.notices;
  if (!e.disabled_tools.empty()) j["disable_tools"] = e.disabled_tools;
  if (!e.system_append.empty()) j["append_system"] = e.system_append;
  if (e.stop) j["stop"] = {{"reason", *e.stop}};
}
template <class BasicJson>
void read_turn(const BasicJson& j, turn_effects& e) {
  for (const char* key : {"inject_message", "message", "messages"}) {
    if (auto it = j.find(key); it != j.end())
      each_item(*it, [&](const BasicJson& m) { e.messages.push_back(m.template get<injected_message>()); });
  }
  for (const char* key : {"notice", "notices"}) {
    if (auto it = j.find(key); it != j.end())
      each_item(*it, [&](const BasicJson& n) { e.notices.push_back(notice_text(n)); });
  }
  read_list(j, "disable_tools", e.disabled_tools);
  read_list(j, "append_system", e.system_append);
  if (auto it = j.find("stop"); it != j.end() && !it->is_null()) {
    std::string reason;
    if (it->is_string()) {
      reason = it->template get<std::string>();
    } else {
      reject_unknown(*it, {"reason"}, "stop");
      read(*it, "reason", reason);
    }
    e.stop = reason;
  }
}
#define AURA_AGENT_TURN_KEYS \
  "inject_message", "message", "messages", "notice", "notices", "disable_tools", "append_system", "stop"
}  // namespace detail

template <class BasicJson>
void to_json(BasicJson& j, const turn_effects& e) { detail::write_turn(j, e); }
template <class BasicJson>
void from_json(const BasicJson& j, turn_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS}, "effects");
  detail::read_turn(j, e);
}

template <class BasicJson>
void to_json(BasicJson& j, const chat_effects& e) {
  detail::write_turn(j, e);
  if (e.skip_request) j["skip_request"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, chat_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "skip_request"}, "chat.before effects");
  detail::read_turn(j, e);
  detail::read(j, "skip_request", e.skip_request);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_output_effects& e) {
  detail::write_turn(j, e);
  if (e.output) j["output"] = *e.output;
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_output_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "output"}, "tool.after_execution effects");
  detail::read_turn(j, e);
  if (auto it = j.find("output"); it != j.end() && !it->is_null()) e.output = it->template get<std::string>();
}

template <class BasicJson>
void to_json(BasicJson& j, const response_effects& e) {
  detail::write_turn(j, e);
  if (e.response) j["response"] = *e.response;
  if (e.drop_response) j["drop_response"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, response_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "response", "drop_response"}, "chat.after_response effects");
  detail::read_turn(j, e);
  if (auto it = j.find("response"); it != j.end() && !it->is_null()) e.response = it->template get<std::string>();
  detail::read(j, "drop_response", e.drop_response);
}

template <class BasicJson>
void to_json(BasicJson& j, const error_effects& e) {
  detail::write_turn(j, e);
  if (e.retry) j["retry"] = true;
  if (e.skip) j["skip"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, error_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "retry", "skip"}, "agent.error effects");
  detail::read_turn(j, e);
  detail::read(j, "retry", e.retry);
  detail::read(j, "skip", e.skip);
}

template <class BasicJson>
void to_json(BasicJson& j, const compaction_effects& e) {
  detail::write_turn(j, e);
  if (e.skip_compaction) j["skip_compaction"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, compaction_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "skip_compaction"}, "compaction.before effects");
  detail::read_turn(j, e);
  detail::read(j, "skip_compaction", e.skip_compaction);
}

#undef AURA_AGENT_TURN_KEYS

}  // namespace aura::agent
