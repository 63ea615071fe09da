// aura/plugin/sandbox.hpp - enforcing a plugin's declared permissions.
//
// - hooks: a hook on an event outside `read_events` is a load error;
// - storage: `directory_storage` keeps each key as a file under one directory
//   and refuses keys that would leave it (absolute paths, "..", symlinks out);
// - environment: `environment_for` passes only the declared variables;
// - network and host API scopes: aura::context checks them on every call.
// Deny on a non-vetoable event and mutate on a non-patchable one are refused
// by the chain (a protocol_violation diagnostic).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/core/permissions.hpp"
#include "aura/plugin/manifest.hpp"

extern char** environ;  // NOLINT: POSIX

namespace aura::plugin {

/// Load errors for hooks on events the plugin may not read, each at its line.
[[nodiscard]] inline std::vector<error> check_hook_events(const manifest& m) {
  std::vector<error> out;
  for (const auto& h : m.hooks) {
    if (m.perms.allows_event(h.event)) continue;
    error e{errc::permission_denied,
            "hook on event \"" + h.event + "\" is outside the plugin's read_events permission", m.name, h.handler,
            h.where};
    out.push_back(std::move(e));
  }
  return out;
}

/// The host process's environment.
[[nodiscard]] inline std::map<std::string, std::string> host_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

/// The variables of `from` a plugin with `perms` receives: none, the listed ones, or all.
[[nodiscard]] inline std::map<std::string, std::string> environment_for(const permissions& perms,
                                                                        const std::map<std::string, std::string>& from) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : from) {
    if (perms.allows_env(k)) out.emplace(k, v);
  }
  return out;
}

/// Storage confined to one directory: a key is a relative path below it.
/// Writes go to a temporary file renamed into place, so a reader never sees
/// half a value. `read_only` refuses set and remove.
class directory_storage final : public storage {
 public:
  directory_storage(std::filesystem::path root, std::string owner, bool read_only = false)
      : root_(std::move(root)), owner_(std::move(owner)), read_only_(read_only) {}

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

  /// The file behind `key`, or permission_denied when the key leaves the directory.
  [[nodiscard]] result<std::filesystem::path> resolve(std::string_view key) const {
    auto refuse = [&](const std::string& why) {
      return fail(error{errc::permission_denied, "storage key \"" + std::string(key) + "\" " + why, owner_, {}, {}});
    };
    if (key.empty()) return fail(error{errc::invalid_argument, "storage key is empty", owner_, {}, {}});
    if (key.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
    const std::filesystem::path rel{std::string(key)};
    if (rel.is_absolute() || key.front() == '/') return refuse("is an absolute path");
    for (const auto& part : rel) {
      if (part == "..") return refuse("climbs out with \"..\"");
    }
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    const auto base = std::filesystem::canonical(root_, ec);
    if (ec) return fail(error{errc::io_error, "storage directory \"" + root_.string() + "\" is unusable", owner_, {}, {}});
    // Follow every symlink on the way: the real path must stay inside.
    const auto real = std::filesystem::weakly_canonical(base / rel, ec);
    if (ec) return refuse("cannot be resolved");
    auto b = base.begin();
    auto r = real.begin();
    for (; b != base.end(); ++b, ++r) {
      if (r == real.end() || *b != *r) return refuse("resolves outside the plugin's storage (symlink)");
    }
    if (r == real.end()) return refuse("names the storage directory itself");
    return real;
  }

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::ifstream in(*file, std::ios::binary);
    if (!in) return std::optional<std::string>{};
    std::ostringstream buf;
    buf << in.rdbuf();
    return std::optional<std::string>{buf.str()};
  }

  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    if (read_only_) return fail(error{errc::permission_denied, "the plugin's storage is read-only", owner_, {}, {}});
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    std::filesystem::create_directories(file->parent_path(), ec);
    // A name no other writer uses: two storages over one root (a plugin's old
    // and new version during an upgrade, plugins sharing repo storage) each
    // hold their own mutex, so the pid alone would let them share a temp file.
    static std::atomic<std::uint64_t> serial{0};
    const auto tmp = file->string() + ".tmp" + std::to_string(::getpid()) + "." +
                     std::to_string(serial.fetch_add(1, std::memory_order_relaxed));
    bool written = false;
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (out) {
        out.write(value.data(), static_cast<std::streamsize>(value.size()));
        out.close();
        written = !out.fail();
      }
    }
    if (!written) {
      std::filesystem::remove(tmp, ec);
      return fail(error{errc::io_error, "cannot write storage key \"" + std::string(key) + "\"", owner_, {}, {}});
    }
    std::filesystem::rename(tmp, *file, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return fail(error{errc::io_error, "cannot store key \"" + std::string(key) + "\": " + ec.message(), owner_, {}, {}});
    }
    return {};
  }

  [[nodiscard]] result<bool> remove(std::string_view key) override {
    if (read_only_) return fail(error{errc::permission_denied, "the plugin's storage is read-only", owner_, {}, {}});
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    return std::filesystem::remove(*file, ec);
  }

 private:
  std::filesystem::path root_;
  std::string owner_;
  bool read_only_;
  std::mutex mutex_;
};

}  // namespace aura::plugin
