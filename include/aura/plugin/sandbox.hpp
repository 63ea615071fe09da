// aura/plugin/sandbox.hpp - enforcing a plugin's declared permissions.
//
// - hooks: a hook on an event outside `read_events` is a load error;
// - storage: `directory_storage` keeps each key as a file under one directory
//   and refuses keys that would leave it (absolute paths, "..", symlinks out);
// - environment: `environment_for` passes only the declared variables;
// - network: an entry that can never match is a load error
//   (check_network_permissions); aura::context checks every URL;
// - host API scopes: aura::context checks them on every call.
// Deny on a non-vetoable event and mutate on a non-patchable one are refused
// by the chain (a protocol_violation diagnostic).
#pragma once

#include <algorithm>
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
#include "aura/core/storage_limits.hpp"
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

/// Load errors for `network` entries that can never match, each naming the
/// plugin and the entry (core/network_rule.hpp says which forms parse).
[[nodiscard]] inline std::vector<error> check_network_permissions(const manifest& m) {
  std::vector<error> out;
  for (std::size_t i = 0; i < m.perms.network.size(); ++i) {
    if (auto rule = parse_network_rule(m.perms.network[i]); !rule) {
      out.push_back(error{errc::load_error, "permissions.network[" + std::to_string(i) + "]: " + rule.error().message,
                          m.name, {}, m.file.string()});
    }
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
/// half a value. `read_only` refuses set and remove. Every key is checked by
/// check_storage_key against `limits`; with `count_usage` (plugin_private
/// storage) the byte and key quotas are enforced too, from a walk of the
/// directory at the first write and running totals after it. Repository
/// storage (the repository is not the plugin's) gets only the key and
/// value-size limits.
class directory_storage final : public storage {
 public:
  directory_storage(std::filesystem::path root, std::string owner, bool read_only = false,
                    storage_limits limits = {}, bool count_usage = true)
      : root_(std::move(root)), owner_(std::move(owner)), read_only_(read_only), limits_(limits),
        count_usage_(count_usage) {}

  [[nodiscard]] const storage_limits& limits() const noexcept { return limits_; }

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
    if (auto bad = check_storage_key(key, limits_); !bad) return fail(std::move(bad.error()).with_plugin(owner_));
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
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec)) return std::optional<std::string>{};  // absent, or a key's parent
    std::ifstream in(*file, std::ios::binary);
    if (!in) return fail(error{errc::io_error, "cannot read storage key \"" + std::string(key) + "\"", owner_, {}, {}});
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
    if (std::filesystem::is_directory(*file, ec)) {
      return fail(error{errc::invalid_argument,
                        "storage key \"" + std::string(key) + "\" is the parent of other keys; it cannot hold a value",
                        owner_, {}, {}});
    }
    std::optional<std::uint64_t> old;
    if (std::filesystem::is_regular_file(*file, ec)) old = std::filesystem::file_size(*file, ec);
    storage_limits effective = limits_;
    if (!count_usage_) effective.max_bytes = effective.max_keys = ~std::uint64_t{0};
    if (count_usage_ && !usage_) usage_ = measure();
    const usage used = count_usage_ ? *usage_ : usage{};
    if (auto ok = check_storage_quota(key, value.size(), old, used.bytes, used.keys, effective); !ok) {
      return fail(std::move(ok.error()).with_plugin(owner_));
    }
    std::filesystem::create_directories(file->parent_path(), ec);
    if (ec) {
      for (auto p = file->parent_path(); p.has_relative_path(); p = p.parent_path()) {
        std::error_code ignored;
        if (std::filesystem::is_regular_file(p, ignored)) {
          return fail(error{errc::invalid_argument,
                            "storage key \"" + std::string(key) + "\" lies under a key that holds a value", owner_, {}, {}});
        }
      }
      return fail(error{errc::io_error, "cannot create the directory of storage key \"" + std::string(key) + "\": " +
                                            ec.message(), owner_, {}, {}});
    }
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
    if (usage_) {
      usage_->bytes = usage_->bytes - std::min(usage_->bytes, old.value_or(0)) + value.size();
      if (!old) ++usage_->keys;
    }
    return {};
  }

  [[nodiscard]] result<bool> remove(std::string_view key) override {
    if (read_only_) return fail(error{errc::permission_denied, "the plugin's storage is read-only", owner_, {}, {}});
    auto file = resolve(key);
    if (!file) return fail(std::move(file.error()));
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec)) return false;
    const auto size = std::filesystem::file_size(*file, ec);
    const bool removed = std::filesystem::remove(*file, ec);
    if (removed && usage_) {
      usage_->bytes -= std::min<std::uint64_t>(usage_->bytes, size);
      if (usage_->keys > 0) --usage_->keys;
    }
    return removed;
  }

 private:
  struct usage {
    std::uint64_t bytes = 0;
    std::uint64_t keys = 0;
  };
  // What the directory already holds (values written by an earlier run count).
  [[nodiscard]] usage measure() const {
    usage u;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) {
        u.bytes += it->file_size(ec);
        ++u.keys;
      }
    }
    return u;
  }

  std::filesystem::path root_;
  std::string owner_;
  bool read_only_;
  storage_limits limits_;
  bool count_usage_;
  std::optional<usage> usage_;
  std::mutex mutex_;
};

}  // namespace aura::plugin
