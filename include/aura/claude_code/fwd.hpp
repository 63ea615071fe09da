// aura/claude_code/fwd.hpp - forward declarations of the Claude Code profile.
//
// The profile (aura/claude_code/claude_code.hpp) reads a project's .claude/
// settings and Claude Code plugins and runs their hooks as Claude Code does.
// docs/adapters/claude-code.md describes it and every remaining difference.
#pragma once

namespace aura::claude_code {

struct event_info;         // events.hpp: one Claude Code hook event
struct hook_command;       // settings.hpp: one {"type": "command", ...} entry
struct matcher_group;      // settings.hpp: {"matcher": ..., "hooks": [...]}
struct hook_config;        // settings.hpp: every group, by event
struct settings_file;      // settings.hpp: one settings file read
struct plugin_info;        // plugin.hpp: one Claude Code plugin
struct profile_options;    // profile.hpp: where to look
class profile;             // profile.hpp: settings + plugins + the session
struct hook_run;           // runner.hpp: what one command did
struct outcome;            // outcome.hpp: what Claude Code does with an event's hooks
struct prompt_request;     // services.hpp: what a prompt / agent hook asks the host's model
struct hook_services;      // services.hpp: the host's HTTP client and model
struct http_hook_policy;   // http_policy.hpp: allowedHttpHookUrls / httpHookAllowedEnvVars
struct scoped_component;   // frontmatter.hpp: a skill or subagent and its hooks
struct async_result;       // background.hpp: an async hook that finished

}  // namespace aura::claude_code
