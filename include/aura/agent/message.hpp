// aura/agent/message.hpp - the message model transforms work on.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/detail/json.hpp"

namespace aura::agent {

/// A tool call an assistant message makes; a `tool` message answers it by id.
struct tool_call_ref {
  std::string id;
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
};

/// One message of the conversation as the host keeps it.
///
/// `meta` is host-private (provider payloads, cache markers, UI state): it is
/// never serialised for plugins, and it survives a JSON transform through the
/// ID-based merge (see transforms.hpp).
struct message {
  std::string id;            ///< "m0001", "m0002", ... (see format_message_id)
  std::string role;          ///< "system", "user", "assistant" or "tool"
  std::string content;
  std::string thinking;
  std::string tool_name;     ///< on a tool result: the tool that produced it
  std::string tool_call_id;  ///< on a tool result: the call it answers
  std::vector<tool_call_ref> tool_calls;  ///< on an assistant message
  std::int64_t tokens = 0;
  std::string type = "text";  ///< "text", "tool_call", "tool_result", "summary", ...
  std::string created_at;     ///< RFC 3339 time
  nlohmann::json meta;        ///< host-private; hidden from plugins
};

/// "m0001" for 1: the ids hosts give messages, stable across transforms.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] std::string format_message_id(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "m%04llu", static_cast<unsigned long long>(n));
  return buf;
}

/// The number inside an id of the form "m<digits>"; 0 when it has another form.
[[nodiscard]] inline std::uint64_t parse_message_id(std::string_view id) noexcept {
  if (id.size() < 2 || id[0] != 'm') return 0;
  std::uint64_t n = 0;
  for (char c : id.substr(1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

/// Gives every message without an id the next free "m####" id.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void assign_ids(std::vector<message>& messages) {
  std::uint64_t last = 0;
  for (const auto& m : messages) last = std::max(last, parse_message_id(m.id));
  for (auto& m : messages)
    if (m.id.empty()) m.id = format_message_id(++last);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_call_ref& c) {
  j = {{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}};
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_call_ref& c) {
  detail::read(j, "id", c.id);
  detail::read(j, "name", c.name);
  detail::read(j, "arguments", c.arguments);
}

/// The plugin-visible form: every field but `meta`.
template <class BasicJson>
void to_json(BasicJson& j, const message& m) {
  j = {{"id", m.id},
       {"role", m.role},
       {"content", m.content},
       {"thinking", m.thinking},
       {"tool_name", m.tool_name},
       {"tool_call_id", m.tool_call_id},
       {"tool_calls", m.tool_calls},
       {"tokens", m.tokens},
       {"type", m.type},
       {"created_at", m.created_at}};
}
/// Reads the visible fields present in `j` over what `m` already holds: the
/// building block of the ID-based merge.
template <class BasicJson>
void from_json(const BasicJson& j, message& m) {
  if (!j.is_object()) throw std::invalid_argument("a message must be a JSON object");
  detail::read(j, "id", m.id);
  detail::read(j, "role", m.role);
  detail::read(j, "content", m.content);
  detail::read(j, "thinking", m.thinking);
  detail::read(j, "tool_name", m.tool_name);
  detail::read(j, "tool_call_id", m.tool_call_id);
  detail::read(j, "tool_calls", m.tool_calls);
  detail::read(j, "tokens", m.tokens);
  detail::read(j, "type", m.type);
  detail::read(j, "created_at", m.created_at);
}

}  // namespace aura::agent
