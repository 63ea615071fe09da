// aura/core/hook_sink.hpp - a place JSON hooks join by name: a bus event's
// chain, or a host's own pipeline (the agent's tool and transform runners).
#pragma once

#include <string_view>

#include "aura/core/chain.hpp"
#include "aura/core/error.hpp"
#include "aura/core/hook.hpp"

namespace aura {

/// Where a plugin host joins the hooks of one event. The bus is the default;
/// a host routes an event elsewhere (aura::agent::sink_for) so that plugin
/// hooks run under that runner's rules, e.g. per-tool schema re-validation.
class hook_sink {
 public:
  virtual ~hook_sink() = default;
  /// Adds a JSON hook; errors as chain::add_json.
  virtual result<void> add(hook_options opts, json_hook fn) = 0;
  /// Replaces `old_name` in one step: a concurrent run sees one of the two.
  virtual result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  /// Removes a hook by name; false if there is none.
  virtual bool remove(std::string_view name) = 0;
};

}  // namespace aura
