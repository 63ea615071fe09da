// aura/adapters/process/sdk_version.hpp - the SDK version a process plugin
// reports in `initialize`, and whether this host can serve it.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "aura/core/version.hpp"

namespace aura::detail::process {

/// "MAJOR.MINOR.PATCH" (trailing parts optional) -> numbers.
[[nodiscard]] inline std::optional<std::array<int, 3>> parse_version(std::string_view text) {
  std::array<int, 3> v{0, 0, 0};
  std::size_t part = 0;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (v[part] > 100000) return std::nullopt;
      v[part] = v[part] * 10 + (c - '0');
      digit = true;
    } else if (c == '.' && digit && part < 2) {
      ++part;
      digit = false;
    } else if ((c == '-' || c == '+') && digit) {
      break;  // pre-release or build suffix: ignored
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return v;
}

/// Whether this host can serve a plugin built against SDK `plugin`: the
/// manifest's rule for a bare version (a tilde range, plugin/version_range.hpp):
/// the same major and minor, and a patch not newer than ours.
[[nodiscard]] inline bool sdk_compatible(const std::array<int, 3>& plugin) noexcept {
  return plugin[0] == version_major && plugin[1] == version_minor && plugin[2] <= version_patch;
}

}  // namespace aura::detail::process
