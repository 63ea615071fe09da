// aura/core/storage_limits.hpp - how much a plugin may keep in its storage,
// and which keys are keys at all.
//
// The host sets caps (plugin::host_options::storage_caps, defaults below); a
// manifest may ask for less (`[plugin.permissions.storage_quota]`), never for
// more: a request above a cap is a load error, so a plugin learns at load, not
// at its first large write, that this host will not hold its data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/error.hpp"

namespace aura {

/// Per-plugin storage caps, each with its default.
struct storage_limits {
  std::uint64_t max_bytes = 16ull << 20;       ///< all values together: 16 MiB
  std::uint64_t max_keys = 1024;               ///< number of keys
  std::uint64_t max_key_length = 256;          ///< bytes of one key
  std::uint64_t max_key_depth = 8;             ///< '/'-separated segments of one key
  std::uint64_t max_value_bytes = 1ull << 20;  ///< one value: 1 MiB
};

/// What a manifest asks for; an absent field takes the host's cap.
struct storage_request {
  std::optional<std::uint64_t> max_bytes, max_keys, max_key_length, max_key_depth, max_value_bytes;
};

/// The limits a plugin gets: its request where it made one, else the cap.
/// A request above a cap is `limit_exceeded` naming the field and both values.
[[nodiscard]] inline result<storage_limits> grant_storage(const storage_request& asked, const storage_limits& cap) {
  storage_limits out = cap;
  struct field {
    const char* name;
    const std::optional<std::uint64_t>& asked;
    std::uint64_t cap;
    std::uint64_t& into;
  };
  const field fields[] = {{"max_bytes", asked.max_bytes, cap.max_bytes, out.max_bytes},
                          {"max_keys", asked.max_keys, cap.max_keys, out.max_keys},
                          {"max_key_length", asked.max_key_length, cap.max_key_length, out.max_key_length},
                          {"max_key_depth", asked.max_key_depth, cap.max_key_depth, out.max_key_depth},
                          {"max_value_bytes", asked.max_value_bytes, cap.max_value_bytes, out.max_value_bytes}};
  for (const auto& f : fields) {
    if (!f.asked) continue;
    if (*f.asked > f.cap) {
      return fail(errc::limit_exceeded, "storage_quota." + std::string(f.name) + " = " + std::to_string(*f.asked) +
                                            " is above the host's cap of " + std::to_string(f.cap));
    }
    f.into = *f.asked;
  }
  return out;
}

/// Checks that `key` names something a storage can write and read back:
/// '/'-separated segments, none empty ("dir/", "a//b", "/abs"), none "." or
/// ".." (those two are `permission_denied`: they would leave the storage), no NUL, control character or '\\', at most `max_key_length` bytes and
/// `max_key_depth` segments. `invalid_argument` or `limit_exceeded` otherwise.
[[nodiscard]] inline result<void> check_storage_key(std::string_view key, const storage_limits& limits) {
  auto bad = [&](errc code, const std::string& why) {
    std::string shown(key.substr(0, 64));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return fail(code, "storage key \"" + shown + (key.size() > 64 ? "...\"" : "\"") + " " + why);
  };
  if (key.empty()) return fail(errc::invalid_argument, "storage key is empty");
  if (key.size() > limits.max_key_length) {
    return bad(errc::limit_exceeded, "is " + std::to_string(key.size()) + " bytes, above the limit of " +
                                         std::to_string(limits.max_key_length));
  }
  std::uint64_t depth = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size() && key[i] != '/') {
      const auto c = static_cast<unsigned char>(key[i]);
      if (c == 0) return bad(errc::invalid_argument, "contains a NUL byte");
      if (c < 0x20 || c == 0x7f) return bad(errc::invalid_argument, "contains a control character");
      if (c == '\\') return bad(errc::invalid_argument, "contains '\\' (segments are separated by '/')");
      continue;
    }
    const std::string_view seg = key.substr(start, i - start);
    if (seg.empty() && i == 0) return bad(errc::permission_denied, "is an absolute path");
    if (seg.empty()) return bad(errc::invalid_argument, "has an empty segment (a doubled or trailing '/')");
    if (seg == "..") return bad(errc::permission_denied, "climbs out with \"..\"");
    if (seg == ".") return bad(errc::invalid_argument, "has a \".\" segment");
    if (i < key.size()) ++depth;
    start = i + 1;
  }
  if (depth > limits.max_key_depth) {
    return bad(errc::limit_exceeded, "has " + std::to_string(depth) + " segments, above the limit of " +
                                         std::to_string(limits.max_key_depth));
  }
  return {};
}

}  // namespace aura
