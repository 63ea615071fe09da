// aura/claude_code/events.hpp - Claude Code's hook events and aura's names for them.
//
// Each Claude Code event has: the field its matcher is tested against
// (matcher.hpp), the aura catalog event it corresponds to (agent/catalog.hpp;
// events the catalog lacks get a name in the same style), and what exit
// status 2 does (Claude Code hooks reference, "Exit code 2 behavior per
// event"; the per-event outputs are read in outcome.hpp).
#pragma once

#include <iterator>
#include <string>
#include <string_view>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/matcher.hpp"

namespace aura::claude_code {

/// What exit status 2 (or a "block" decision) does for an event.
enum class block_kind {
  none,         ///< cannot block: stderr is shown to the user only
  tool_call,    ///< PreToolUse: the tool does not run; the text goes to the model
  permission,   ///< PermissionRequest: permission denied; the text goes to the model
  feedback,     ///< PostToolUse / PostToolUseFailure: the tool ran; the text goes to the model
  prompt,       ///< UserPromptSubmit: the prompt is erased; the text is shown to the user
  stop,         ///< Stop / SubagentStop / TeammateIdle: the agent keeps going; the text is its instruction
  action,       ///< TaskCreated / TaskCompleted / PostToolBatch: the action does not happen; the text goes to the model
  change,       ///< ConfigChange / PreCompact / Elicitation / ElicitationResult: the change, compaction or answer is refused; the text goes to the user
  worktree,     ///< WorktreeCreate: any failure (any non-zero exit) fails the creation; stdout is the worktree's path
  ignored,      ///< StopFailure: Claude Code ignores the hooks' output and exit status (but terminalSequence)
  model_switch, ///< PreModelSwitch: the switch is cancelled; the text goes to the user; a timeout cancels it too
  display,      ///< MessageDisplay: cannot block; a failure shows the original text, noted in the debug log only
  debug_only,   ///< DirectoryAdded: cannot block (the directory is added); exit 2's stderr goes to the debug log
};

struct event_info {
  std::string_view name;        ///< Claude Code's hook_event_name
  std::string_view aura_event;  ///< the aura catalog event
  block_kind blocks;
  bool stdout_is_context;       ///< plain stdout on exit 0 is added to the model's context
};

namespace detail {
inline constexpr event_info event_table[] = {
    {"PreToolUse", "tool.before_execution", block_kind::tool_call, false},
    {"PermissionRequest", "tool.permission_request", block_kind::permission, false},
    {"PostToolUse", "tool.after_execution", block_kind::feedback, false},
    {"PostToolUseFailure", "tool.after_failure", block_kind::feedback, false},
    {"Notification", "notification", block_kind::none, false},
    {"UserPromptSubmit", "chat.before", block_kind::prompt, true},
    {"Stop", "agent.stop", block_kind::stop, false},
    {"SubagentStart", "subagent.start", block_kind::none, false},
    {"SubagentStop", "subagent.stop", block_kind::stop, false},
    {"PreCompact", "compaction.before", block_kind::change, false},
    {"PostCompact", "compaction.after", block_kind::none, false},
    {"SessionStart", "session.start", block_kind::none, true},
    {"SessionEnd", "session.end", block_kind::none, false},
    {"Setup", "setup", block_kind::none, false},
    {"UserPromptExpansion", "prompt.expansion", block_kind::prompt, true},
    {"PermissionDenied", "tool.permission_denied", block_kind::none, false},
    {"PostToolBatch", "tool.after_batch", block_kind::action, false},
    {"StopFailure", "agent.stop_failure", block_kind::ignored, false},
    {"TeammateIdle", "teammate.idle", block_kind::stop, false},
    {"TaskCreated", "task.created", block_kind::action, false},
    {"TaskCompleted", "task.completed", block_kind::action, false},
    {"Elicitation", "elicitation", block_kind::change, false},
    {"ElicitationResult", "elicitation.result", block_kind::change, false},
    {"ConfigChange", "config.change", block_kind::change, false},
    {"WorktreeCreate", "worktree.create", block_kind::worktree, false},
    {"WorktreeRemove", "worktree.remove", block_kind::none, false},
    {"InstructionsLoaded", "instructions.loaded", block_kind::none, false},
    {"CwdChanged", "cwd.changed", block_kind::none, false},
    {"FileChanged", "file.changed", block_kind::none, false},
    {"DirectoryAdded", "directory.added", block_kind::debug_only, false},
    {"MessageDisplay", "message.display", block_kind::display, false},
    {"PreModelSwitch", "model.before_switch", block_kind::model_switch, false},
    {"PostModelSwitch", "model.after_switch", block_kind::none, true},
};
}  // namespace detail

/// The event named `name` (Claude Code's spelling), or null.
[[nodiscard]] inline const event_info* find_event(std::string_view name) noexcept {
  for (const auto& e : detail::event_table) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

/// The Claude Code event for an aura catalog event name, or null.
[[nodiscard]] inline const event_info* find_aura_event(std::string_view aura_name) noexcept {
  for (const auto& e : detail::event_table) {
    if (e.aura_event == aura_name) return &e;
  }
  return nullptr;
}

/// Every event, in the reference's order.
[[nodiscard]] inline const event_info* events_begin() noexcept { return std::begin(detail::event_table); }
[[nodiscard]] inline const event_info* events_end() noexcept { return std::end(detail::event_table); }

/// The event whose name equals `name` but for letter case (a likely typo), or null.
[[nodiscard]] inline const event_info* find_event_ignoring_case(std::string_view name) noexcept {
  for (const auto& e : detail::event_table) {
    if (e.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < name.size(); ++i) {
      auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
      same = lower(e.name[i]) == lower(name[i]);
    }
    if (same) return &e;
  }
  return nullptr;
}

/// Whether Claude Code gives `event`'s hooks a CLAUDE_ENV_FILE (SessionStart,
/// Setup, CwdChanged, FileChanged): the variables they export reach later Bash calls.
[[nodiscard]] inline bool has_env_file(std::string_view event) noexcept {
  return event == "SessionStart" || event == "Setup" || event == "CwdChanged" || event == "FileChanged";
}

/// Claude Code's default timeout, in seconds, of a command, http or
/// mcp_tool hook on `event`: 600, but 30 on UserPromptSubmit, PreModelSwitch
/// and PostModelSwitch and 10 on MessageDisplay (hooks reference, "timeout").
[[nodiscard]] inline double event_default_timeout(std::string_view event) noexcept {
  if (event == "UserPromptSubmit" || event == "PreModelSwitch" || event == "PostModelSwitch") return 30;
  if (event == "MessageDisplay") return 10;
  return 600;
}

/// The names of every event, ", "-separated (for error messages).
[[nodiscard]] inline std::string event_names() {
  std::string out;
  for (const auto& e : detail::event_table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace aura::claude_code
