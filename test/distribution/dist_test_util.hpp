// Helpers for the distribution tests: running a tool, a small plugin tree.
#pragma once

#include <string>
#include <vector>

#include <aura/distribution/distribution.hpp>

#include "plugin/plugin_test_util.hpp"

namespace dist_test {

/// Runs argv (in `dir`); returns the exit status, output in `out`.
inline int run(const std::vector<std::string>& argv, const std::filesystem::path& dir = ".", std::string* out = nullptr) {
  auto env = aura::plugin::host_environment();
  auto r = aura::plugin::detail::run_command(argv, dir, env, {}, std::chrono::seconds(60));
  if (!r) return -100;
  if (out) *out = r->out + r->err;
  return r->exit_code;
}

inline std::string manifest(const std::string& name, const std::string& version, const std::string& extra = "") {
  return "{\"plugin\": {\"name\": \"" + name + "\", \"version\": \"" + version +
         "\", \"description\": \"A plugin that checks things\", \"license\": \"MIT\", \"authors\": [\"a@example.com\"],"
         " \"runtime\": {\"kind\": \"command\", \"entrypoint\": \"./hook.sh\"}, \"hooks\": [{\"event\": \"commit\", "
         "\"handler\": \"check\"}]" + extra + "}}";
}

/// A command plugin that denies with `reason`.
inline std::filesystem::path write_plugin(const aura_test::temp_tree& t, const std::string& rel, const std::string& name,
                                          const std::string& version = "1.0.0", const std::string& reason = "no") {
  t.write(rel + "/aura-plugin.json", manifest(name, version));
  t.write(rel + "/hook.sh", "#!/bin/sh\ncat >/dev/null\necho '" + reason + "' >&2\nexit 2\n", true);
  return t.path() / rel;
}

}  // namespace dist_test
