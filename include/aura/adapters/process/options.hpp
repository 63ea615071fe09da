// aura/adapters/process/options.hpp - how to start and talk to a process plugin.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/context.hpp"
#include "aura/core/json_budget.hpp"
#include "aura/core/rotating_log.hpp"

namespace aura {

/// How to start and talk to a process plugin.
struct process_options {
  std::string name;                          ///< the plugin's name (errors, logs)
  std::vector<std::string> argv;             ///< program and arguments; no shell
  std::filesystem::path workdir;             ///< the plugin directory; the child runs there
  std::map<std::string, std::string> env;    ///< the child's whole environment
  std::chrono::milliseconds default_timeout{2000};  ///< per event call, unless the hook says otherwise
  std::map<std::string, std::chrono::milliseconds> hook_timeouts;  ///< per handler name
  std::size_t max_line = 16u << 20;          ///< longest line the child may print (bytes)
  json_budget answer_budget;                 ///< nodes and depth of one line's JSON (bytes: max_line)
  /// The child's stderr is appended here (empty: kept as a tail only),
  /// rotated by `stderr_rotation` (aura/core/rotating_log.hpp), through one
  /// writer that every restart of the child shares.
  std::filesystem::path stderr_log;
  rotation_policy stderr_rotation;
  /// Instead of stderr_log: the writer to append the stderr to, shared with
  /// whatever else writes that file (the plugin host: the `host/log` lines).
  std::shared_ptr<rotating_log> stderr_writer;
  std::shared_ptr<context> ctx;              ///< the plugin's context; null: the dispatch context
  std::chrono::milliseconds start_timeout{5000};      ///< spawn + `initialize`
  std::chrono::milliseconds restart_backoff{50};      ///< wait before the first restart after a failure
  std::chrono::milliseconds restart_backoff_max{5000};  ///< back-off doubles up to this
  std::chrono::milliseconds shutdown_grace{1000};     ///< used when the plugin is destroyed running
  nlohmann::json config;                     ///< sent with `initialize` and each event; null: ctx's config
};

}  // namespace aura
