// aura/adapters/isolated/options.hpp - the bounds of an isolated plugin's
// worker process, and where the host finds the worker executable.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "aura/core/error.hpp"

namespace aura {

/// What bounds one isolated plugin (docs/adapters/isolated.md lists each
/// with its default; docs/security.md says why).
struct isolation_limits {
  /// RLIMIT_AS of a worker: address space, bytes. 0 = not set. (Not applied
  /// in a worker built with AddressSanitizer, which reserves terabytes.)
  std::uint64_t address_space = std::uint64_t{1} << 30;
  /// RLIMIT_CPU of a worker, seconds over its whole life (a worker past it
  /// is killed by the kernel and restarted). 0 = not set.
  std::uint64_t cpu_seconds = 60;
  /// RLIMIT_NOFILE of a worker once it has read the plugin file.
  std::uint64_t open_files = 8;
  /// A call's deadline when neither the hook (timeout_ms) nor the runtime's
  /// limits give one.
  std::chrono::milliseconds default_timeout{5000};
  /// How long after the deadline the host waits for the worker's own
  /// (in-process) limit to answer before it SIGKILLs the worker.
  std::chrono::milliseconds kill_margin{50};
  /// Starting a worker and loading the plugin in it.
  std::chrono::milliseconds load_timeout{5000};
  /// Longest line the host reads from a worker (an answer, a capability call).
  std::size_t max_line = std::size_t{1} << 20;
  /// Deepest JSON nesting accepted in a line from a worker.
  std::size_t max_json_depth = 128;
  /// Capability calls (log, storage, http) one event may make.
  std::size_t max_host_calls = 10'000;
  /// Workers serving one plugin at once (concurrent calls beyond wait for one).
  std::size_t max_workers = 2;
  /// Back-off before restarting after a worker was killed or died: doubles
  /// per consecutive failure from `restart_backoff` up to `max_backoff`.
  std::chrono::milliseconds restart_backoff{10};
  std::chrono::milliseconds max_backoff{2000};
};

namespace isolated {

/// The environment variable naming the worker executable.
inline constexpr const char* worker_env = "AURA_WORKER";
/// The worker's file name.
inline constexpr const char* worker_name = "aura-worker";

/// Where the worker is looked for, in order: `explicit_path` (if not empty),
/// $AURA_WORKER, next to the running program, and <program dir>/../libexec/aura
/// (the installed layout).
[[nodiscard]] inline std::vector<std::filesystem::path> worker_candidates(const std::filesystem::path& explicit_path) {
  std::vector<std::filesystem::path> out;
  if (!explicit_path.empty()) {
    out.push_back(explicit_path);
    return out;  // an explicit choice is not second-guessed
  }
  if (const char* env = std::getenv(worker_env); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(self.parent_path() / worker_name);
    out.push_back(self.parent_path().parent_path() / "libexec" / "aura" / worker_name);
  }
  return out;
}

/// The worker executable, or errc::not_found naming every place tried.
[[nodiscard]] inline result<std::filesystem::path> find_worker(const std::filesystem::path& explicit_path) {
  std::string tried;
  for (const auto& p : worker_candidates(explicit_path)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
    tried += (tried.empty() ? "" : ", ") + p.string();
  }
  return fail(errc::not_found,
              std::string("no isolated-plugin worker (") + worker_name + ") found; tried " +
                  (tried.empty() ? std::string("nothing") : tried) + " (set host_options::worker or $" + worker_env +
                  ", or install aura's libexec/aura/" + worker_name + ")");
}

}  // namespace isolated
}  // namespace aura
