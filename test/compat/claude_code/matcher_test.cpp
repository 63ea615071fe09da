// Claude Code hooks reference, "Configuration > Structure" (matcher): simple
// strings match exactly, `Edit|Write` and regular expressions such as
// `Notebook.*` / `mcp__.*` are supported, `*`, "" or no matcher match all
// tools; matchers only apply to the events that have a match field.
#include <catch2/catch.hpp>

#include "aura/claude_code/matcher.hpp"

using aura::claude_code::matcher_field;
using aura::claude_code::file_matcher_matches;
using aura::claude_code::matcher_matches;

TEST_CASE("claude_code matcher: exact names are exact (Write does not match WriteFile)") {
  CHECK(matcher_matches("Bash", "Bash"));
  CHECK_FALSE(matcher_matches("Bash", "bash"));  // case-sensitive
  CHECK_FALSE(matcher_matches("Write", "WriteFile"));
  CHECK_FALSE(matcher_matches("Write", "MultiWrite"));
}

TEST_CASE("claude_code matcher: Edit|Write is a list of exact names") {
  CHECK(matcher_matches("Edit|Write", "Edit"));
  CHECK(matcher_matches("Edit|Write", "Write"));
  CHECK(matcher_matches("Edit|MultiEdit|Write", "MultiEdit"));
  CHECK_FALSE(matcher_matches("Edit|Write", "NotebookEdit"));
  CHECK_FALSE(matcher_matches("Edit|Write", "Bash"));
}

TEST_CASE("claude_code matcher: other patterns are regular expressions searched in the name") {
  CHECK(matcher_matches("mcp__.*", "mcp__github__create_issue"));
  CHECK(matcher_matches("mcp__memory__.*", "mcp__memory__store"));
  CHECK_FALSE(matcher_matches("mcp__memory__.*", "mcp__github__store"));
  CHECK(matcher_matches("Notebook.*", "NotebookEdit"));
  CHECK(matcher_matches("^(Edit|Write)$", "Write"));
  CHECK_FALSE(matcher_matches("^(Edit|Write)$", "NotebookEdit"));
}

TEST_CASE("claude_code matcher: empty and * match everything; a broken regex matches nothing") {
  CHECK(matcher_matches("", "Bash"));
  CHECK(matcher_matches("*", "mcp__x__y"));
  CHECK_FALSE(matcher_matches("mcp__(", "mcp__("));
}

TEST_CASE("claude_code matcher: which input field each event matches on") {
  CHECK(matcher_field("PreToolUse") == "tool_name");
  CHECK(matcher_field("PostToolUse") == "tool_name");
  CHECK(matcher_field("PostToolUseFailure") == "tool_name");
  CHECK(matcher_field("PermissionRequest") == "tool_name");
  CHECK(matcher_field("Notification") == "notification_type");
  CHECK(matcher_field("PreCompact") == "trigger");
  CHECK(matcher_field("SessionStart") == "source");
  CHECK(matcher_field("SessionEnd") == "reason");
  CHECK(matcher_field("SubagentStop") == "agent_type");
  CHECK(matcher_field("PermissionDenied") == "tool_name");
  CHECK(matcher_field("PostCompact") == "trigger");
  CHECK(matcher_field("ConfigChange") == "source");
  CHECK(matcher_field("StopFailure") == "error");
  CHECK(matcher_field("InstructionsLoaded") == "load_reason");
  CHECK(matcher_field("Elicitation") == "mcp_server_name");
  CHECK(matcher_field("ElicitationResult") == "mcp_server_name");
  CHECK(matcher_field("UserPromptExpansion") == "command_name");
  CHECK(matcher_field("FileChanged") == "file_path");
  for (const char* none : {"TeammateIdle", "TaskCreated", "TaskCompleted", "PostToolBatch", "WorktreeCreate", "WorktreeRemove", "CwdChanged"}) {
    CHECK(matcher_field(none).empty());
  }
  CHECK(matcher_field("UserPromptSubmit").empty());
  CHECK(matcher_field("Stop").empty());
}

TEST_CASE("claude_code matcher: FileChanged's matcher is a list of literal file names") {
  CHECK(file_matcher_matches(".envrc|.env", ".env"));
  CHECK(file_matcher_matches(".envrc|.env", ".envrc"));
  CHECK_FALSE(file_matcher_matches(".envrc|.env", ".envrc.bak"));
  CHECK(file_matcher_matches("", "anything"));
}

TEST_CASE("claude_code matcher: a renamed tool answers to its old name (Task is now Agent), in lists and regexes") {
  // Claude Code 2.1.332's alias table (Task -> Agent, KillShell / KillBash -> TaskStop, ...).
  CHECK(matcher_matches("Task", "Agent"));
  CHECK(matcher_matches("Bash|Task", "Agent"));
  CHECK(matcher_matches("KillShell", "TaskStop"));
  CHECK(matcher_matches("KillBash", "TaskStop"));
  CHECK(matcher_matches("^Task$", "Agent"));
  CHECK(matcher_matches("Agent", "Agent"));
  CHECK_FALSE(matcher_matches("Task", "Bash"));
  CHECK_FALSE(matcher_matches("^Task$", "TaskStop"));  // TaskStop's old names are KillShell and KillBash
  CHECK_FALSE(matcher_matches("Agent", "Task"));
}
