// aura/agent/events.hpp - the agent host events, typed, with their flags and effects.
//
// Each event carries `host` (host_state: iteration, tokens, agent, mode, model,
// stats, workdir, message and todo counts, tool history, session, tools, plugin
// config) plus its own fields. Its JSON form, what plugins see, is
// {"host": {...}, <fields>}; every field is optional on input.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/detail/json.hpp"
#include "aura/agent/effects.hpp"
#include "aura/agent/message.hpp"
#include "aura/agent/state.hpp"
#include "aura/core/event.hpp"

namespace aura::agent {

/// A session begins (startup, resume or clear). Hooks may inject messages and
/// extend the system prompt for the first turn.
struct session_start {
  static constexpr std::string_view name = "session.start";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string source = "startup";  ///< "startup", "resume", "clear"
};

/// A session ends.
struct session_end {
  static constexpr std::string_view name = "session.end";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string reason;  ///< "exit", "clear", "error", ...
};

/// Before a request goes to the model: the prompt may be rewritten (patch) or
/// refused (deny); effects may skip the request, inject, disable tools...
struct chat_before {
  static constexpr std::string_view name = "chat.before";
  static constexpr event_flags flags = vetoable | patchable;
  using effects = chat_effects;
  host_state host;
  std::string prompt;  ///< the user's text for this turn (empty on tool follow-ups)
};

/// A tool call the model asked for, not executed yet (idelchi/aura's `Calls`).
struct pending_call {
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
};

/// After the model answered; effects may rewrite or drop the response.
struct chat_after_response {
  static constexpr std::string_view name = "chat.after_response";
  static constexpr event_flags flags = event_flags::none;
  using effects = response_effects;
  host_state host;
  std::string response;
  std::string thinking;
  std::int64_t tokens = 0;
  std::vector<pending_call> calls;  ///< the response's tool calls, unexecuted
};

/// Before a tool runs. Dispatch it through tool_pipeline (tool_pipeline.hpp),
/// which re-validates every argument change against the tool's schema; a deny
/// blocks the call, a patch changes `args`.
struct tool_before_execution {
  static constexpr std::string_view name = "tool.before_execution";
  static constexpr event_flags flags = vetoable | patchable;
  using effects = turn_effects;
  host_state host;
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
};

/// After a tool ran; effects may rewrite the output the model gets.
struct tool_after_execution {
  static constexpr std::string_view name = "tool.after_execution";
  static constexpr event_flags flags = event_flags::none;
  using effects = tool_output_effects;
  host_state host;
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
  std::string output;
  bool is_error = false;
  std::int64_t duration_ms = 0;
};

/// A model or tool error; effects decide retry / skip (error_effects::action).
struct agent_error {
  static constexpr std::string_view name = "agent.error";
  static constexpr event_flags flags = event_flags::none;
  using effects = error_effects;
  host_state host;
  std::string kind;     ///< "model", "tool", "network", "rate_limit", ...
  std::string message;
  std::string tool;     ///< for tool errors
  int retries = 0;      ///< retries already made for this error
  bool retryable = false;  ///< transient (rate_limit, server, network)
  int status_code = 0;     ///< HTTP status when the provider kept it, else 0
};

/// Before the history is compacted; effects may skip it.
struct compaction_before {
  static constexpr std::string_view name = "compaction.before";
  static constexpr event_flags flags = event_flags::none;
  using effects = compaction_effects;
  host_state host;
  bool automatic = true;  ///< triggered by the context limit rather than the user
  std::int64_t keep_last = 0;  ///< how many recent messages will be preserved
};

/// After compaction: read-only (hooks may still inject, e.g. re-add the todo list).
struct compaction_after {
  static constexpr std::string_view name = "compaction.after";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string summary;
  std::int64_t messages_before = 0;
  std::int64_t messages_after = 0;
  std::int64_t tokens_before = 0;
  std::int64_t tokens_after = 0;
  bool success = true;  ///< false when compaction failed (the history is unchanged)
};

/// The active agent changed: read-only.
struct agent_switch {
  static constexpr std::string_view name = "agent.switch";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string from;
  std::string to;
  std::string reason;  ///< "user", "failover", "task", "cycle" or "resume"
};

/// The message array about to be sent. Run it through transform_pipeline
/// (transforms.hpp): hooks return a new array for this request only.
struct messages_transform {
  static constexpr std::string_view name = "messages.transform";
  static constexpr event_flags flags = patchable;
  host_state host;
  std::vector<message> messages;
};

// ---- JSON ------------------------------------------------------------------------

#define AURA_AGENT_JSON_BEGIN(T)                                                                      \
  template <class BasicJson>                                                                          \
  void to_json(BasicJson& j, const T& e) {                                                            \
    j = BasicJson::object();                                                                          \
    j["host"] = e.host;
#define AURA_AGENT_JSON_PUT(f) j[#f] = e.f;
#define AURA_AGENT_JSON_MID(T)                                                                        \
  }                                                                                                   \
  template <class BasicJson>                                                                          \
  void from_json(const BasicJson& j, T& e) {                                                          \
    if (!j.is_object()) throw std::invalid_argument(std::string(T::name) + " payload must be a JSON object"); \
    detail::read(j, "host", e.host);
#define AURA_AGENT_JSON_GET(f) detail::read(j, #f, e.f);
#define AURA_AGENT_JSON_END }

template <class BasicJson>
void to_json(BasicJson& j, const pending_call& c) {
  j = {{"tool", c.tool}, {"call_id", c.call_id}, {"args", c.args}};
}
template <class BasicJson>
void from_json(const BasicJson& j, pending_call& c) {
  detail::read(j, "tool", c.tool);
  detail::read(j, "call_id", c.call_id);
  detail::read(j, "args", c.args);
}

AURA_AGENT_JSON_BEGIN(session_start)
AURA_AGENT_JSON_PUT(source)
AURA_AGENT_JSON_MID(session_start)
AURA_AGENT_JSON_GET(source)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(session_end)
AURA_AGENT_JSON_PUT(reason)
AURA_AGENT_JSON_MID(session_end)
AURA_AGENT_JSON_GET(reason)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(chat_before)
AURA_AGENT_JSON_PUT(prompt)
AURA_AGENT_JSON_MID(chat_before)
AURA_AGENT_JSON_GET(prompt)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(chat_after_response)
AURA_AGENT_JSON_PUT(response) AURA_AGENT_JSON_PUT(thinking) AURA_AGENT_JSON_PUT(tokens) AURA_AGENT_JSON_PUT(calls)
AURA_AGENT_JSON_MID(chat_after_response)
AURA_AGENT_JSON_GET(response) AURA_AGENT_JSON_GET(thinking) AURA_AGENT_JSON_GET(tokens) AURA_AGENT_JSON_GET(calls)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(tool_before_execution)
AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(call_id) AURA_AGENT_JSON_PUT(args)
AURA_AGENT_JSON_MID(tool_before_execution)
AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(call_id) AURA_AGENT_JSON_GET(args)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(tool_after_execution)
AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(call_id) AURA_AGENT_JSON_PUT(args)
AURA_AGENT_JSON_PUT(output) AURA_AGENT_JSON_PUT(is_error) AURA_AGENT_JSON_PUT(duration_ms)
AURA_AGENT_JSON_MID(tool_after_execution)
AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(call_id) AURA_AGENT_JSON_GET(args)
AURA_AGENT_JSON_GET(output) AURA_AGENT_JSON_GET(is_error) AURA_AGENT_JSON_GET(duration_ms)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(agent_error)
AURA_AGENT_JSON_PUT(kind) AURA_AGENT_JSON_PUT(message) AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(retries)
AURA_AGENT_JSON_PUT(retryable) AURA_AGENT_JSON_PUT(status_code)
AURA_AGENT_JSON_MID(agent_error)
AURA_AGENT_JSON_GET(kind) AURA_AGENT_JSON_GET(message) AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(retries)
AURA_AGENT_JSON_GET(retryable) AURA_AGENT_JSON_GET(status_code)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(compaction_before)
AURA_AGENT_JSON_PUT(automatic) AURA_AGENT_JSON_PUT(keep_last)
AURA_AGENT_JSON_MID(compaction_before)
AURA_AGENT_JSON_GET(automatic) AURA_AGENT_JSON_GET(keep_last)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(compaction_after)
AURA_AGENT_JSON_PUT(summary) AURA_AGENT_JSON_PUT(messages_before) AURA_AGENT_JSON_PUT(messages_after)
AURA_AGENT_JSON_PUT(tokens_before) AURA_AGENT_JSON_PUT(tokens_after) AURA_AGENT_JSON_PUT(success)
AURA_AGENT_JSON_MID(compaction_after)
AURA_AGENT_JSON_GET(summary) AURA_AGENT_JSON_GET(messages_before) AURA_AGENT_JSON_GET(messages_after)
AURA_AGENT_JSON_GET(tokens_before) AURA_AGENT_JSON_GET(tokens_after) AURA_AGENT_JSON_GET(success)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(agent_switch)
AURA_AGENT_JSON_PUT(from) AURA_AGENT_JSON_PUT(to) AURA_AGENT_JSON_PUT(reason)
AURA_AGENT_JSON_MID(agent_switch)
AURA_AGENT_JSON_GET(from) AURA_AGENT_JSON_GET(to) AURA_AGENT_JSON_GET(reason)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(messages_transform)
AURA_AGENT_JSON_PUT(messages)
AURA_AGENT_JSON_MID(messages_transform)
AURA_AGENT_JSON_GET(messages)
AURA_AGENT_JSON_END

#undef AURA_AGENT_JSON_BEGIN
#undef AURA_AGENT_JSON_PUT
#undef AURA_AGENT_JSON_MID
#undef AURA_AGENT_JSON_GET
#undef AURA_AGENT_JSON_END

}  // namespace aura::agent
