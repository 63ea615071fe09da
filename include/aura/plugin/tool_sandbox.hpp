// aura/plugin/tool_sandbox.hpp - the sandbox a sandboxable tool's call runs
// in when the host turns it on (idelchi/aura's Sandboxable / Paths): a Linux
// Landlock ruleset the tool's child process enters before exec. It may read
// and run the system's directories and its plugin's own, read its call's
// `read` paths and write its `write` paths (a path not there yet: its nearest
// existing directory); everything else on the filesystem is refused by the
// kernel. Landlock needs Linux 5.13+; without it a sandboxed call is refused
// (never run unconfined in silence).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aura/agent/tool_paths.hpp"
#include "aura/core/error.hpp"

namespace aura::plugin {

/// What every sandboxed tool may touch beyond its own paths.
struct tool_sandbox_options {
  /// Read and execute: interpreters, libraries, the loader's cache, devices.
  std::vector<std::filesystem::path> system_read{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc",
                                                 "/proc", "/dev"};
  /// Written by nearly every shell script.
  std::vector<std::filesystem::path> system_write{"/dev/null"};
};

/// An open Landlock ruleset (closed with it).
class landlock_ruleset {
 public:
  landlock_ruleset() = default;
  explicit landlock_ruleset(int fd) noexcept : fd_(fd) {}
  landlock_ruleset(landlock_ruleset&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  landlock_ruleset& operator=(landlock_ruleset&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  landlock_ruleset(const landlock_ruleset&) = delete;
  landlock_ruleset& operator=(const landlock_ruleset&) = delete;
  ~landlock_ruleset() { reset(); }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

namespace detail {
// Landlock's filesystem rights (linux/landlock.h, ABI 1 and 3).
inline constexpr std::uint64_t ll_execute = 1ULL << 0, ll_write_file = 1ULL << 1, ll_read_file = 1ULL << 2,
                               ll_read_dir = 1ULL << 3, ll_remove_dir = 1ULL << 4, ll_remove_file = 1ULL << 5,
                               ll_make_char = 1ULL << 6, ll_make_dir = 1ULL << 7, ll_make_reg = 1ULL << 8,
                               ll_make_sock = 1ULL << 9, ll_make_fifo = 1ULL << 10, ll_make_block = 1ULL << 11,
                               ll_make_sym = 1ULL << 12, ll_truncate = 1ULL << 14;
inline constexpr std::uint64_t ll_file_rights = ll_execute | ll_write_file | ll_read_file | ll_truncate;
struct ll_ruleset_attr {
  std::uint64_t handled_access_fs;
};
struct ll_path_beneath_attr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
} __attribute__((packed));

/// The Landlock ABI version the kernel offers; 0: none.
[[nodiscard]] inline int landlock_abi() noexcept {
#if defined(SYS_landlock_create_ruleset)
  const long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
  return v > 0 ? static_cast<int>(v) : 0;
#else
  return 0;
#endif
}
}  // namespace detail

/// Whether this kernel can sandbox tools.
[[nodiscard]] inline bool tool_sandbox_supported() noexcept { return detail::landlock_abi() > 0; }

/// The ruleset for one call: the options' system paths, the plugin's
/// directory (read, run) and the call's read / write paths (relative ones
/// against `dir`). A path that cannot be opened is left out of a read list
/// (there is nothing to read) and granted through its directory in a write list.
[[nodiscard]] inline result<landlock_ruleset> make_tool_ruleset(const agent::tool_paths& paths,
                                                                const std::filesystem::path& dir,
                                                                const tool_sandbox_options& opts = {}) {
#if defined(SYS_landlock_create_ruleset) && defined(SYS_landlock_add_rule)
  using namespace detail;
  const int abi = landlock_abi();
  if (abi <= 0) {
    return fail(errc::unsupported,
                "the tool sandbox needs Landlock (Linux 5.13 or later, enabled in the kernel); this kernel does not "
                "offer it: turn the sandbox off or mark the tool sandboxable: false");
  }
  const std::uint64_t all_write = ll_write_file | ll_remove_dir | ll_remove_file | ll_make_char | ll_make_dir |
                                  ll_make_reg | ll_make_sock | ll_make_fifo | ll_make_block | ll_make_sym |
                                  (abi >= 3 ? ll_truncate : 0);
  const std::uint64_t read = ll_execute | ll_read_file | ll_read_dir;
  ll_ruleset_attr attr{read | all_write};
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0U);
  if (fd < 0) return fail(errc::io_error, std::string("landlock_create_ruleset: ") + std::strerror(errno));
  landlock_ruleset rules(static_cast<int>(fd));
  auto grant = [&](const std::filesystem::path& p, std::uint64_t rights, bool required) -> result<void> {
    const int pfd = ::open(p.c_str(), O_PATH | O_CLOEXEC);
    if (pfd < 0) {
      if (!required) return {};
      return fail(errc::io_error, "the sandbox cannot open \"" + p.string() + "\": " + std::strerror(errno));
    }
    struct stat st {};
    const bool is_dir = ::fstat(pfd, &st) == 0 && S_ISDIR(st.st_mode);
    ll_path_beneath_attr rule{is_dir ? rights : (rights & ll_file_rights), pfd};
    const long r = ::syscall(SYS_landlock_add_rule, rules.fd(), 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0U);
    const int saved = errno;
    ::close(pfd);
    if (r != 0) return fail(errc::io_error, "landlock_add_rule \"" + p.string() + "\": " + std::strerror(saved));
    return {};
  };
  auto absolute = [&](const std::string& s) {
    std::filesystem::path p(s);
    return (p.is_relative() ? dir / p : p).lexically_normal();
  };
  for (const auto& p : opts.system_read)
    if (auto r = grant(p, read, false); !r) return fail(std::move(r.error()));
  for (const auto& p : opts.system_write)
    if (auto r = grant(p, read | all_write, false); !r) return fail(std::move(r.error()));
  if (auto r = grant(dir, read, true); !r) return fail(std::move(r.error()));
  for (const auto& s : paths.read)
    if (auto r = grant(absolute(s), read, false); !r) return fail(std::move(r.error()));
  for (const auto& s : paths.write) {
    std::filesystem::path p = absolute(s);
    std::error_code ec;
    while (!std::filesystem::exists(p, ec) && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
    if (auto r = grant(p, read | all_write, true); !r) return fail(std::move(r.error()));
  }
  return rules;
#else
  (void)paths;
  (void)dir;
  (void)opts;
  return fail(errc::unsupported, "the tool sandbox needs Landlock, which this platform's headers do not declare");
#endif
}

}  // namespace aura::plugin
