// aura/adapters/detail/answer_check.hpp - the boundary every adapter's answer crosses.
#pragma once

#include <string>
#include <string_view>

#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/utf8.hpp"

namespace aura::detail {

/// Makes a plugin's answer (decision or error) valid UTF-8 so the outcome
/// always serialises; a repair is reported to the host through `ctx`'s
/// logger as a warning naming plugin and hook.
inline void check_plugin_answer(result<decision<dynamic_event>>& answer, context& ctx, std::string_view plugin,
                                std::string_view hook) {
  const std::size_t replaced = sanitize_answer(answer);
  if (replaced == 0) return;
  ctx.diagnose(log_level::warn, "plugin \"" + std::string(plugin) + "\": hook \"" + std::string(hook) + "\": " +
                                    std::to_string(replaced) +
                                    " invalid UTF-8 sequence(s) in the answer replaced with U+FFFD");
}

}  // namespace aura::detail
