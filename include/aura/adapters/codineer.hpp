// aura/adapters/codineer.hpp - Codineer's own hook I/O for command hooks
// (command_protocol::codineer, chosen by a plugin.json manifest).
//
// Codineer runs each PreToolUse / PostToolUse script with one JSON object on
// stdin: `event` (and `hook_event_name`), `tool_name`, `tool_input` (the
// arguments), `tool_input_json` (the same as text), and after the tool
// `tool_output` (text) and `tool_result_is_error`. The same values are in the
// environment: HOOK_EVENT, HOOK_TOOL_NAME, HOOK_TOOL_INPUT, HOOK_TOOL_OUTPUT,
// HOOK_TOOL_IS_ERROR. The answer is the exit status: 0 allows (stdout, if
// any, is a message for the user), 2 denies with stdout as the message
// (stderr when stdout is empty), anything else is a hook failure the chain's
// failure policy answers (Codineer warns and goes on: fail_open, the default).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"

namespace aura::codineer {

/// Codineer's hook name for an aura event (its two tool hooks), else the name as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_event) {
  if (aura_event == "tool.before_execution") return "PreToolUse";
  if (aura_event == "tool.after_execution") return "PostToolUse";
  return std::string(aura_event);
}

namespace detail {
inline const nlohmann::json* member(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
}  // namespace detail

/// The stdin object and the HOOK_* variables of one hook run.
struct hook_input {
  nlohmann::json json;
  std::map<std::string, std::string> env;
};

[[nodiscard]] inline hook_input input_for(const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const nlohmann::json& d = ev.data;
  hook_input in;
  const nlohmann::json* tool = detail::member(d, {"tool_name", "tool", "name"});
  const nlohmann::json* args = detail::member(d, {"tool_input", "arguments", "input", "args"});
  const std::string tool_name = tool && tool->is_string() ? tool->get<std::string>() : std::string();
  const nlohmann::json input = args ? *args : nlohmann::json::object();
  const std::string input_text = input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  in.json = {{"event", hook_event},         {"hook_event_name", hook_event}, {"tool_name", tool_name},
             {"tool_input", input},         {"tool_input_json", input_text}};
  in.env = {{"HOOK_EVENT", hook_event}, {"HOOK_TOOL_NAME", tool_name}, {"HOOK_TOOL_INPUT", input_text}};
  if (hook_event == "PostToolUse") {
    const nlohmann::json* out = detail::member(d, {"tool_output", "output", "result", "tool_response", "response"});
    const std::string output = !out ? std::string() : out->is_string() ? out->get<std::string>() : out->dump();
    const nlohmann::json* err = detail::member(d, {"tool_result_is_error", "is_error", "isError", "error"});
    const bool is_error = err && (err->is_boolean() ? err->get<bool>() : !err->is_string() || !err->get_ref<const std::string&>().empty());
    in.json["tool_output"] = output;
    in.json["tool_result_is_error"] = is_error;
    in.env["HOOK_TOOL_OUTPUT"] = output;
    in.env["HOOK_TOOL_IS_ERROR"] = is_error ? "1" : "0";
  }
  return in;
}

/// Reads an exited hook the Codineer way (the status was neither a signal nor
/// a spawn failure). `out` / `err` are trimmed.
[[nodiscard]] inline result<decision<dynamic_event>> read_exit(int code, const std::string& out, const std::string& err,
                                                               const std::string& hook, const std::string& hook_event) {
  if (code == 2) {
    std::string message = !out.empty() ? out : err;
    if (message.empty()) message = hook_event + " hook \"" + hook + "\" denied the tool call";
    return decision<dynamic_event>::from_wire(decision_kind::deny, std::move(message), {}, patch_format::merge);
  }
  if (code != 0) {
    return fail(errc::hook_failed, hook_event + " hook exited with status " + std::to_string(code) +
                                       (err.empty() ? std::string() : ": " + err));
  }
  auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (!out.empty()) d.set_effects({{"notice", nlohmann::json::array({{{"message", out}, {"source", hook}}})}});
  return d;
}

}  // namespace aura::codineer
