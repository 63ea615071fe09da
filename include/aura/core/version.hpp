// aura/core/version.hpp - the SDK version, for plugins' compatibility checks.
#pragma once

#include <string_view>

#define AURA_VERSION_MAJOR 0
#define AURA_VERSION_MINOR 1
#define AURA_VERSION_PATCH 0

namespace aura {
inline constexpr int version_major = AURA_VERSION_MAJOR;
inline constexpr int version_minor = AURA_VERSION_MINOR;
inline constexpr int version_patch = AURA_VERSION_PATCH;
inline constexpr std::string_view version_string = "0.1.0";
}  // namespace aura
