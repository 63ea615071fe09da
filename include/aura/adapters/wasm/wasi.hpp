// aura/adapters/wasm/wasi.hpp - the WASI preview 1 calls (module
// "wasi_snapshot_preview1") that C (wasi-libc), Rust std and AssemblyScript
// emit, so that ordinary code - printf, time, clock, random - runs under the
// same fuel and memory limits as the aura.* calls.
//
// What a plugin gets (docs/adapters/wasm.md §1.5):
//   * fd 1 and 2 are the plugin's log: each complete line written is one log
//     line (stdout at info, stderr at warn); a partial line is logged when the
//     call ends. fd 0 is an empty stdin. All three are character devices, so
//     libc line-buffers them;
//   * clock_time_get / clock_res_get: realtime (the context's clock, which a
//     test harness may fake), monotonic, and the process and thread CPU-time
//     clocks (both: the CPU time this instance's calls have used, measured
//     on the calling thread; not the host process's, which would leak what
//     else the host does);
//   * random_get: bytes from std::random_device;
//   * args and environ are empty; sched_yield does nothing;
//   * proc_exit(0) ends the call as `return 0` from the called export would
//     (the output set so far is the answer; the instance is not reused, as
//     an exited program is not); any other code ends it as the hook's error
//     naming the code;
//   * there is no filesystem, no socket, no other descriptor: a call on fd 3
//     and up (or a path, whose directory fd cannot exist) returns EBADF, one
//     on stdio that it does not support ENOTSUP; poll_oneoff and proc_raise
//     ENOSYS. Each refusal is also a host diagnostic at debug level, naming the call.
// Every function is linked for every plugin: none of them reaches outside
// the instance (the log obeys the plugin's "log" scope like aura.log).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>

#include "aura/adapters/wasm/host_imports.hpp"
#include "aura/adapters/wasm/wabt.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/utf8.hpp"

namespace aura::wasm {

inline constexpr std::string_view wasi_module = "wasi_snapshot_preview1";

/// WASI errno values (the preview 1 `errno` enum) aura's WASI returns.
enum class wasi_errno : std::uint16_t {
  success = 0,
  badf = 8,
  inval = 28,
  nosys = 52,
  notsup = 58,
  spipe = 70,
};

/// What a WASI function does here.
enum class wasi_op : std::uint8_t {
  args_sizes_get,   ///< (count_ptr, size_ptr): 0, 0
  args_get,         ///< nothing to copy
  clock_res_get,    ///< (id, res_ptr)
  clock_time_get,   ///< (id, precision, time_ptr)
  fd_write,         ///< (fd, iovs, iovs_len, nwritten_ptr)
  fd_read,          ///< (fd, iovs, iovs_len, nread_ptr): stdin is empty
  fd_fdstat_get,    ///< (fd, stat_ptr): stdio are character devices
  fd_close,         ///< (fd): stdio closes as a no-op
  fd_seek,          ///< stdio: ESPIPE
  fd_prestat,       ///< no preopened directory: EBADF, not logged (libc probes fd 3 at start)
  fd_other,         ///< stdio: ENOTSUP; any other fd: EBADF
  path,             ///< a directory fd: EBADF
  nosys,            ///< ENOSYS
  sched_yield,      ///< 0
  random_get,       ///< (buf, len)
  proc_exit,        ///< (code): ends the call
};

struct wasi_fn_spec {
  std::string_view name;
  std::string_view params;  ///< one letter per parameter: i = i32, I = i64
  bool returns_errno;       ///< every function but proc_exit returns an i32 errno
  wasi_op op;
};

/// Every preview 1 function, with its core-wasm signature.
[[nodiscard]] inline const std::array<wasi_fn_spec, 46>& wasi_fns() {
  using o = wasi_op;
  static const std::array<wasi_fn_spec, 46> specs{{
      {"args_get", "ii", true, o::args_get},
      {"args_sizes_get", "ii", true, o::args_sizes_get},
      {"environ_get", "ii", true, o::args_get},
      {"environ_sizes_get", "ii", true, o::args_sizes_get},
      {"clock_res_get", "ii", true, o::clock_res_get},
      {"clock_time_get", "iIi", true, o::clock_time_get},
      {"fd_advise", "iIIi", true, o::fd_other},
      {"fd_allocate", "iII", true, o::fd_other},
      {"fd_close", "i", true, o::fd_close},
      {"fd_datasync", "i", true, o::fd_other},
      {"fd_fdstat_get", "ii", true, o::fd_fdstat_get},
      {"fd_fdstat_set_flags", "ii", true, o::fd_other},
      {"fd_fdstat_set_rights", "iII", true, o::fd_other},
      {"fd_filestat_get", "ii", true, o::fd_other},
      {"fd_filestat_set_size", "iI", true, o::fd_other},
      {"fd_filestat_set_times", "iIIi", true, o::fd_other},
      {"fd_pread", "iiiIi", true, o::fd_other},
      {"fd_prestat_get", "ii", true, o::fd_prestat},
      {"fd_prestat_dir_name", "iii", true, o::fd_prestat},
      {"fd_pwrite", "iiiIi", true, o::fd_other},
      {"fd_read", "iiii", true, o::fd_read},
      {"fd_readdir", "iiiIi", true, o::fd_other},
      {"fd_renumber", "ii", true, o::fd_other},
      {"fd_seek", "iIii", true, o::fd_seek},
      {"fd_sync", "i", true, o::fd_other},
      {"fd_tell", "ii", true, o::fd_seek},
      {"fd_write", "iiii", true, o::fd_write},
      {"path_create_directory", "iii", true, o::path},
      {"path_filestat_get", "iiiii", true, o::path},
      {"path_filestat_set_times", "iiiiIIi", true, o::path},
      {"path_link", "iiiiiii", true, o::path},
      {"path_open", "iiiiiIIii", true, o::path},
      {"path_readlink", "iiiiii", true, o::path},
      {"path_remove_directory", "iii", true, o::path},
      {"path_rename", "iiiiii", true, o::path},
      {"path_symlink", "iiiii", true, o::path},
      {"path_unlink_file", "iii", true, o::path},
      {"poll_oneoff", "iiii", true, o::nosys},
      {"proc_exit", "i", false, o::proc_exit},
      {"proc_raise", "i", true, o::nosys},
      {"sched_yield", "", true, o::sched_yield},
      {"random_get", "ii", true, o::random_get},
      {"sock_accept", "iii", true, o::fd_other},
      {"sock_recv", "iiiiii", true, o::fd_other},
      {"sock_send", "iiiii", true, o::fd_other},
      {"sock_shutdown", "ii", true, o::fd_other},
  }};
  return specs;
}

/// The index of WASI function `name` in wasi_fns(), if there is one.
[[nodiscard]] inline std::optional<std::uint8_t> find_wasi_fn(std::string_view name) {
  const auto& specs = wasi_fns();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

[[nodiscard]] inline std::vector<wabt::Type> wasi_params(const wasi_fn_spec& s) {
  std::vector<wabt::Type> out;
  for (const char c : s.params) out.push_back(c == 'I' ? wabt::Type::I64 : wabt::Type::I32);
  return out;
}
[[nodiscard]] inline std::vector<wabt::Type> wasi_results(const wasi_fn_spec& s) {
  return s.returns_errno ? std::vector<wabt::Type>{wabt::Type::I32} : std::vector<wabt::Type>{};
}

/// Per-instance WASI state: the log's partial lines and per-call budget.
class wasi_state {
 public:
  /// Lines fd_write may log in one call; what follows is dropped with one notice.
  static constexpr std::size_t max_lines_per_call = 1000;

  void begin_call(std::size_t output_limit) noexcept {
    limit_ = output_limit;
    bytes_ = 0;
    lines_ = 0;
    cut_ = false;
    call_cpu_start_ = thread_cpu_ns();
    in_call_ = true;
  }

  /// Adds the call's CPU time to the instance's (the CPU-time clocks).
  void end_call() noexcept {
    if (!in_call_) return;
    cpu_used_ += thread_cpu_ns() - call_cpu_start_;
    in_call_ = false;
  }

  /// Logs what is left of a partial line (at the end of each guest call).
  void flush(context* ctx) {
    for (int fd = 1; fd <= 2; ++fd) {
      std::string& pending = fd == 1 ? out_ : err_;
      if (!pending.empty()) emit(ctx, fd, pending);
      pending.clear();
    }
  }

  /// Appends bytes written to fd 1 or 2, logging each complete line.
  void write(context* ctx, int fd, std::string_view bytes) {
    if (bytes_ >= limit_) {
      cut(ctx);
      return;
    }
    if (bytes.size() > limit_ - bytes_) {
      bytes = bytes.substr(0, limit_ - bytes_);
      bytes_ = limit_;
    } else {
      bytes_ += bytes.size();
    }
    std::string& pending = fd == 1 ? out_ : err_;
    for (;;) {
      const auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) break;
      pending.append(bytes.data(), nl);
      emit(ctx, fd, pending);
      pending.clear();
      bytes.remove_prefix(nl + 1);
    }
    pending.append(bytes.data(), bytes.size());
    if (pending.size() >= limit_) {  // a line as long as the whole budget: log what there is
      emit(ctx, fd, pending);
      pending.clear();
    }
  }

  /// CPU-time clocks: the CPU time this instance's calls have used so far,
  /// the running call's included (each call measured on its thread).
  [[nodiscard]] std::uint64_t cpu_ns() const noexcept {
    return cpu_used_ + (in_call_ ? thread_cpu_ns() - call_cpu_start_ : 0);
  }

  [[nodiscard]] std::random_device& random() {
    if (!random_) random_ = std::make_unique<std::random_device>();
    return *random_;
  }

 private:
  void emit(context* ctx, int fd, std::string& line) {
    if (!ctx) return;
    if (lines_ >= max_lines_per_call) {
      cut(ctx);
      return;
    }
    ++lines_;
    make_valid_utf8(line);
    (void)ctx->log(fd == 1 ? log_level::info : log_level::warn, line);
  }

  void cut(context* ctx) {
    if (cut_ || !ctx) return;
    cut_ = true;
    ctx->diagnose(log_level::warn, "wasi: further stdout/stderr of this call dropped (more than " +
                                        std::to_string(limit_) + " bytes or " + std::to_string(max_lines_per_call) +
                                        " lines)");
  }

  std::string out_, err_;
  std::size_t limit_ = 0, bytes_ = 0, lines_ = 0;
  bool cut_ = false;
  static std::uint64_t thread_cpu_ns() noexcept {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
  }

  std::uint64_t cpu_used_ = 0, call_cpu_start_ = 0;
  bool in_call_ = false;
  std::unique_ptr<std::random_device> random_;
};

namespace detail {

inline bool put_u32(wabt::interp::Memory& m, std::uint32_t at, std::uint32_t v) {
  if (static_cast<std::uint64_t>(at) + 4 > m.ByteSize()) return false;
  std::memcpy(m.UnsafeData() + at, &v, 4);  // wasm memory is little-endian, as are aura's hosts
  return true;
}
inline bool put_u64(wabt::interp::Memory& m, std::uint32_t at, std::uint64_t v) {
  if (static_cast<std::uint64_t>(at) + 8 > m.ByteSize()) return false;
  std::memcpy(m.UnsafeData() + at, &v, 8);
  return true;
}
inline std::optional<std::uint32_t> get_u32(wabt::interp::Memory& m, std::uint64_t at) {
  if (at + 4 > m.ByteSize()) return std::nullopt;
  std::uint32_t v = 0;
  std::memcpy(&v, m.UnsafeData() + at, 4);
  return v;
}

}  // namespace detail

/// Runs WASI function `spec` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why: a bad pointer, or proc_exit).
inline bool run_wasi_fn(const wasi_fn_spec& spec, call_state& st, wasi_state& ws, wabt::interp::Memory& memory,
                        const wabt::interp::Values& params, wabt::interp::Values& results,
                        std::string& trap_message) {
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  const std::string full = std::string(wasi_module) + "." + std::string(spec.name);
  auto bad = [&](std::string_view what, std::uint32_t ptr) {
    trap_message = full + ": " + std::string(what) + " (ptr " + std::to_string(ptr) + ") is outside guest memory (" +
                   std::to_string(memory.ByteSize()) + " bytes)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  auto refused = [&](wasi_errno e, std::string_view why) {
    if (st.ctx) st.ctx->diagnose(log_level::debug, full + ": refused (errno " +
                                                   std::to_string(static_cast<unsigned>(e)) + "): " + std::string(why));
    return e;
  };
  const bool stdio = !spec.params.empty() && spec.params[0] == 'i' && u32(0) <= 2;
  wasi_errno rc = wasi_errno::success;
  switch (spec.op) {
    case wasi_op::args_sizes_get:
      if (!detail::put_u32(memory, u32(0), 0)) return bad("the count", u32(0));
      if (!detail::put_u32(memory, u32(1), 0)) return bad("the size", u32(1));
      break;
    case wasi_op::args_get: break;
    case wasi_op::clock_res_get:
    case wasi_op::clock_time_get: {
      const std::uint32_t id = u32(0);
      const std::uint32_t out = spec.op == wasi_op::clock_res_get ? u32(1) : u32(2);
      if (id > 3) {
        rc = wasi_errno::inval;
        break;
      }
      std::uint64_t value = 1;  // resolution: nanoseconds
      if (spec.op == wasi_op::clock_time_get) {
        using namespace std::chrono;
        // realtime is the context's clock, so a test harness's fake clock is what the guest sees
        const auto now = st.ctx ? st.ctx->now() : time_point(clock_type::now());
        value = id == 0   ? static_cast<std::uint64_t>(duration_cast<nanoseconds>(now.time_since_epoch()).count())
                : id == 1 ? static_cast<std::uint64_t>(
                                duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count())
                          : ws.cpu_ns();
      }
      if (!detail::put_u64(memory, out, value)) return bad("the result", out);
      break;
    }
    case wasi_op::fd_write:
    case wasi_op::fd_read: {
      const std::uint32_t fd = u32(0), iovs = u32(1), count = u32(2), done_at = u32(3);
      if (static_cast<std::uint64_t>(iovs) + 8ull * count > memory.ByteSize()) return bad("the iovec array", iovs);
      st.host_bytes += 8ull * count;
      if (spec.op == wasi_op::fd_read ? fd != 0 : (fd != 1 && fd != 2)) {
        rc = fd <= 2 ? refused(wasi_errno::badf, "fd " + std::to_string(fd) + " is not open for this")
                     : refused(wasi_errno::badf, "no file descriptor " + std::to_string(fd) + " (no files)");
        break;
      }
      std::uint64_t total = 0;
      for (std::uint32_t i = 0; i < count && spec.op == wasi_op::fd_write; ++i) {
        const std::uint32_t base = *detail::get_u32(memory, iovs + 8ull * i);
        const std::uint32_t len = *detail::get_u32(memory, iovs + 8ull * i + 4);
        auto bytes = guest_bytes(memory, base, len);
        if (!bytes) return bad("an iovec's buffer", base);
        st.host_bytes += len;
        total += len;
        ws.write(st.ctx, static_cast<int>(fd), *bytes);
      }
      if (total > 0xffffffffull) total = 0xffffffffull;
      if (!detail::put_u32(memory, done_at, static_cast<std::uint32_t>(total))) return bad("the count", done_at);
      break;
    }
    case wasi_op::fd_fdstat_get: {
      if (!stdio) {
        rc = refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
        break;
      }
      // fdstat: u8 filetype, u16 flags at 2, u64 rights_base at 8, u64 rights_inheriting at 16
      const std::uint32_t at = u32(1);
      if (static_cast<std::uint64_t>(at) + 24 > memory.ByteSize()) return bad("the fdstat", at);
      std::memset(memory.UnsafeData() + at, 0, 24);
      memory.UnsafeData()[at] = 2;                       // character_device
      (void)detail::put_u64(memory, at + 8, u32(0) == 0 ? 1u << 1 : 1u << 6);  // fd_read : fd_write
      break;
    }
    case wasi_op::fd_close:
      if (!stdio) rc = refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
      break;
    case wasi_op::fd_seek:
      rc = stdio ? wasi_errno::spipe
                 : refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
      break;
    case wasi_op::fd_prestat: rc = wasi_errno::badf; break;
    case wasi_op::fd_other:
      rc = stdio ? refused(wasi_errno::notsup, "fd " + std::to_string(u32(0)) + " is the plugin's stdio")
                 : refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) +
                                                 " (an aura WASM plugin has no files or sockets)");
      break;
    case wasi_op::path: rc = refused(wasi_errno::badf, "an aura WASM plugin has no filesystem"); break;
    case wasi_op::nosys: rc = refused(wasi_errno::nosys, "not available to an aura WASM plugin"); break;
    case wasi_op::sched_yield: break;
    case wasi_op::random_get: {
      auto buf = guest_bytes(memory, u32(0), u32(1));
      if (!buf) return bad("the buffer", u32(0));
      st.host_bytes += u32(1);
      auto* p = memory.UnsafeData() + u32(0);
      std::random_device& rd = ws.random();
      const std::uint64_t len = u32(1);  // 64-bit: `i += 4` must not wrap near 4 GiB
      for (std::uint64_t i = 0; i < len; i += 4) {
        const std::uint32_t r = rd();
        std::memcpy(p + i, &r, static_cast<std::size_t>(len - i < 4 ? len - i : 4));
      }
      break;
    }
    case wasi_op::proc_exit:
      if (u32(0) == 0) {  // exit(0): a normal end; the trap is only how the guest stops
        trap_message = full + "(0): the plugin exited with code 0";  // what a load (start function) reports
        st.exited = true;
        return false;
      }
      trap_message = full + "(" + std::to_string(static_cast<std::int32_t>(u32(0))) + "): the plugin exited with code " +
                     std::to_string(static_cast<std::int32_t>(u32(0)));
      st.fault = error{errc::hook_failed, trap_message, {}, {}, {}};
      return false;
  }
  if (results.empty()) results.resize(1);
  results[0] = wabt::interp::Value::Make(static_cast<std::uint32_t>(rc));
  return true;
}

}  // namespace aura::wasm
