// aura/claude_code/claude_code.hpp - the Claude Code profile, all of it.
//
//   auto p = aura::claude_code::profile::load({"/path/to/project"});
//   auto oc = aura::claude_code::run_event(*p, "PreToolUse", input);
//
// docs/adapters/claude-code.md is the guide.
#pragma once

#include "aura/claude_code/background.hpp"
#include "aura/claude_code/combine.hpp"
#include "aura/claude_code/dispatch.hpp"
#include "aura/claude_code/events.hpp"
#include "aura/claude_code/frontmatter.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/http_policy.hpp"
#include "aura/claude_code/input.hpp"
#include "aura/claude_code/installed.hpp"
#include "aura/claude_code/matcher.hpp"
#include "aura/claude_code/outcome.hpp"
#include "aura/claude_code/output_cap.hpp"
#include "aura/claude_code/permission_rule.hpp"
#include "aura/claude_code/plugin.hpp"
#include "aura/claude_code/profile.hpp"
#include "aura/claude_code/runner.hpp"
#include "aura/claude_code/services.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/claude_code/terminal_sequence.hpp"
#include "aura/claude_code/hook.hpp"
