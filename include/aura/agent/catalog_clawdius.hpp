// aura/agent/catalog_clawdius.hpp - Clawdius's 26 hook names, so its WASM
// plugins hook the names they were written for. Clawdius plugins answer
// ok / block(reason) / modify(data): `block` is a deny, so it counts on the
// hooks that run before an operation (vetoable); `modify` is a patch of the
// operation's data, honoured where there is data still to change (patchable).
// Hooks that report something that already happened are neither.
#pragma once

#include <array>
#include <string_view>

#include "aura/core/event.hpp"

namespace aura::agent {

struct clawdius_hook {
  std::string_view name;
  event_flags flags = event_flags::none;
  std::string_view summary;
};

/// The Clawdius hooks by category (session, tool, LLM, file, checkpoint, git,
/// sandbox, config, system), in its document's order.
inline constexpr std::array<clawdius_hook, 26> clawdius_hooks{{
    {"session_start", event_flags::none, "Clawdius: a session began"},
    {"session_end", event_flags::none, "Clawdius: a session ended"},
    {"message_sent", vetoable | patchable, "Clawdius: a user message is about to be sent"},
    {"message_received", patchable, "Clawdius: a message arrived (its text may be rewritten)"},
    {"tool_before_execute", vetoable | patchable, "Clawdius: before a tool runs"},
    {"tool_after_execute", patchable, "Clawdius: after a tool ran (its result may be rewritten)"},
    {"tool_error", event_flags::none, "Clawdius: a tool failed"},
    {"llm_before_request", vetoable | patchable, "Clawdius: before a request goes to the model"},
    {"llm_after_response", patchable, "Clawdius: the model answered (the answer may be rewritten)"},
    {"llm_error", event_flags::none, "Clawdius: a model call failed"},
    {"file_read", vetoable, "Clawdius: a file is about to be read"},
    {"file_write", vetoable | patchable, "Clawdius: a file is about to be written (content may be rewritten)"},
    {"file_delete", vetoable, "Clawdius: a file is about to be deleted"},
    {"checkpoint_created", event_flags::none, "Clawdius: a checkpoint was created"},
    {"checkpoint_restored", event_flags::none, "Clawdius: a checkpoint was restored"},
    {"git_commit", vetoable | patchable, "Clawdius: a commit is about to be made (message may be rewritten)"},
    {"git_push", vetoable, "Clawdius: a push is about to be made"},
    {"git_checkout", vetoable, "Clawdius: a checkout is about to be made"},
    {"sandbox_enter", vetoable, "Clawdius: a sandbox is about to be entered"},
    {"sandbox_exit", event_flags::none, "Clawdius: a sandbox was left"},
    {"sandbox_violation", event_flags::none, "Clawdius: a sandbox rule was broken"},
    {"config_loaded", event_flags::none, "Clawdius: configuration was loaded"},
    {"config_changed", vetoable, "Clawdius: configuration is about to change"},
    {"startup", event_flags::none, "Clawdius: the host started"},
    {"shutdown", event_flags::none, "Clawdius: the host is stopping"},
    {"error", event_flags::none, "Clawdius: an error occurred"},
}};

}  // namespace aura::agent
