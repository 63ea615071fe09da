// aura/plugin/lifecycle_script.hpp - runs a plugin's Init/Shutdown script
// (Codineer's lifecycle `init`/`shutdown`, idelchi/aura's Init(ToolConfig)).
//
// Its stderr goes to the plugin's log whether the script succeeds or not: a
// failing Init is exactly when the author needs what it printed.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/host_options.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/plugin_log.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::plugin {

/// Runs one lifecycle script of `m` (argv relative to the plugin directory)
/// with `env`, bounded by host_options::lifecycle_timeout. `phase` names it in
/// errors ("Init", "Shutdown"); a non-zero exit is a load_error quoting stderr.
[[nodiscard]] inline result<void> run_lifecycle_script(const manifest& m, const std::vector<std::string>& argv,
                                                       const std::map<std::string, std::string>& env,
                                                       const char* phase, rotating_log* log,
                                                       const host_options& opts) {
  std::error_code ec;  // idelchi/aura's Init(ToolConfig): the config on stdin
  const std::string in = m.format != manifest_format::idelchi ? std::string()
      : idelchi_tool_config(opts.repo_root.empty() ? std::filesystem::current_path(ec) : opts.repo_root).dump() + "\n";
  auto r = detail::run_command(detail::resolve_argv(argv, m.dir), m.dir, env, in, opts.lifecycle_timeout);
  if (r && log != nullptr && !r->err.empty()) {
    (void)log->write(r->err.back() == '\n' ? r->err : r->err + "\n");
  }
  if (!r) {
    error e = std::move(r.error());
    e.plugin = m.name;
    e.message = std::string(phase) + " script: " + e.message;
    return fail(std::move(e));
  }
  if (r->exit_code != 0) {
    return fail(error{errc::load_error,
                      std::string(phase) + " script \"" + argv.front() + "\" exited with status " +
                          std::to_string(r->exit_code) + (r->err.empty() ? "" : ": " + r->err),
                      m.name, {}, m.file.string()});
  }
  return {};
}

}  // namespace aura::plugin
