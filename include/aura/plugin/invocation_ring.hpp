// aura/plugin/invocation_ring.hpp - every hook invocation's latency, input
// size and output size, kept on disk in a bounded ring per plugin
// (<log_dir>/<name>.calls, beside the plugin's log), so `aura plugin stats`
// reports real invocations after the fact. The plugin host writes it around
// every call, whatever the runtime; readers are other processes.
//
// The file (little-endian; docs/distribution.md documents it too):
//   header, 64 bytes: "AURACALL", u32 version (1), u32 capacity (records),
//     u32 record size (128), u32 zero, u64 written (records ever written: the
//     next goes to slot written % capacity), 32 bytes zero.
//   capacity records of 128 bytes at 64 + slot * 128:
//     u64 seq (1 for the first record ever written; 0: an empty slot),
//     u64 start (Unix time, microseconds), u64 latency (nanoseconds),
//     u64 input bytes (the event's JSON payload), u64 output bytes (the
//     decision's reason plus its JSON patch, or the error's message),
//     u8 outcome (0 allow, 1 deny, 2 mutate, 3 error), u8 handler length,
//     u8 event length, 81 bytes: handler then event (each cut to fit),
//     u32 FNV-1a of bytes 0..123.
// Writers take flock(LOCK_EX) for each record (and a mutex among a
// process's threads), so concurrent hosts interleave whole records.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"

namespace aura::plugin {

/// One invocation, as recorded.
struct invocation_record {
  std::uint64_t seq = 0;
  std::uint64_t start_us = 0;    ///< Unix time of the call's start, microseconds
  std::uint64_t latency_ns = 0;
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  enum class result_kind : std::uint8_t { allow, deny, mutate, error } outcome = result_kind::allow;
  std::string handler;
  std::string event;
};

[[nodiscard]] constexpr std::string_view to_string(invocation_record::result_kind k) noexcept {
  switch (k) {
    case invocation_record::result_kind::allow: return "allow";
    case invocation_record::result_kind::deny: return "deny";
    case invocation_record::result_kind::mutate: return "mutate";
    case invocation_record::result_kind::error: return "error";
  }
  return "unknown";
}

/// log_dir/<name>.calls
[[nodiscard]] inline std::filesystem::path invocation_file(const std::filesystem::path& log_dir, std::string_view name) {
  return log_dir / (std::string(name) + ".calls");
}

namespace detail::calls {

inline constexpr std::size_t header_size = 64;
inline constexpr std::size_t record_size = 128;
inline constexpr std::size_t text_size = 81;
inline constexpr std::uint32_t version = 1;

inline void put64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void put32(unsigned char* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
[[nodiscard]] inline std::uint64_t get64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}
[[nodiscard]] inline std::uint32_t get32(const unsigned char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
[[nodiscard]] inline std::uint32_t fnv1a(const unsigned char* p, std::size_t n) noexcept {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

[[nodiscard]] inline std::array<unsigned char, header_size> header(std::uint32_t capacity, std::uint64_t written) noexcept {
  std::array<unsigned char, header_size> h{};
  std::memcpy(h.data(), "AURACALL", 8);
  put32(h.data() + 8, version);
  put32(h.data() + 12, capacity);
  put32(h.data() + 16, static_cast<std::uint32_t>(record_size));
  put64(h.data() + 24, written);
  return h;
}

/// "" when `h` (the first 64 bytes of a file of `size` bytes) is a ring header, else why not.
[[nodiscard]] inline std::string header_problem(const unsigned char* h, std::uint64_t size) {
  if (std::memcmp(h, "AURACALL", 8) != 0) return "not an invocation ring (it does not start with \"AURACALL\")";
  if (get32(h + 8) != version) return "ring version " + std::to_string(get32(h + 8)) + ", aura reads version 1";
  if (get32(h + 16) != record_size) return "record size " + std::to_string(get32(h + 16)) + ", expected 128";
  const std::uint32_t cap = get32(h + 12);
  if (cap == 0) return "capacity 0";
  const std::uint64_t want = header_size + std::uint64_t{cap} * record_size;
  if (size < want) return "truncated: " + std::to_string(size) + " bytes, a ring of " + std::to_string(cap) + " records has " + std::to_string(want);
  return {};
}

[[nodiscard]] inline std::array<unsigned char, record_size> encode(const invocation_record& r) noexcept {
  std::array<unsigned char, record_size> b{};
  put64(b.data(), r.seq);
  put64(b.data() + 8, r.start_us);
  put64(b.data() + 16, r.latency_ns);
  put64(b.data() + 24, r.input_bytes);
  put64(b.data() + 32, r.output_bytes);
  b[40] = static_cast<unsigned char>(r.outcome);
  const std::size_t hl = std::min(r.handler.size(), text_size);
  const std::size_t el = std::min(r.event.size(), text_size - hl);
  b[41] = static_cast<unsigned char>(hl);
  b[42] = static_cast<unsigned char>(el);
  std::memcpy(b.data() + 43, r.handler.data(), hl);
  std::memcpy(b.data() + 43 + hl, r.event.data(), el);
  put32(b.data() + 124, fnv1a(b.data(), 124));
  return b;
}

/// false: the slot is damaged (checksum, outcome or lengths out of range).
[[nodiscard]] inline bool decode(const unsigned char* b, invocation_record& r) {
  if (get32(b + 124) != fnv1a(b, 124) || b[40] > 3 || std::size_t{b[41]} + b[42] > text_size) return false;
  r.seq = get64(b);
  r.start_us = get64(b + 8);
  r.latency_ns = get64(b + 16);
  r.input_bytes = get64(b + 24);
  r.output_bytes = get64(b + 32);
  r.outcome = static_cast<invocation_record::result_kind>(b[40]);
  r.handler.assign(reinterpret_cast<const char*>(b + 43), b[41]);
  r.event.assign(reinterpret_cast<const char*>(b + 43 + b[41]), b[42]);
  return true;
}

/// pread/pwrite of all `n` bytes (EINTR retried).
[[nodiscard]] inline bool pread_all(int fd, void* p, std::size_t n, off_t at) noexcept {
  auto* c = static_cast<unsigned char*>(p);
  while (n > 0) {
    const ssize_t k = ::pread(fd, c, n, at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= static_cast<std::size_t>(k);
    at += k;
  }
  return true;
}
[[nodiscard]] inline bool pwrite_all(int fd, const void* p, std::size_t n, off_t at) noexcept {
  const auto* c = static_cast<const unsigned char*>(p);
  while (n > 0) {
    const ssize_t k = ::pwrite(fd, c, n, at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= static_cast<std::size_t>(k);
    at += k;
  }
  return true;
}

/// flock for one scope.
struct file_lock {
  int fd;
  explicit file_lock(int f) noexcept : fd(f) {
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~file_lock() { (void)::flock(fd, LOCK_UN); }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
};

}  // namespace detail::calls

/// The writer side: one per loaded plugin version, shared by its hooks.
class invocation_ring {
 public:
  invocation_ring(const invocation_ring&) = delete;
  invocation_ring& operator=(const invocation_ring&) = delete;
  ~invocation_ring() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Opens (or creates, with `capacity` slots) the ring at `file`. A file that
  /// is not a whole ring is moved aside to `file.corrupt` and started afresh;
  /// `note` says so then. An existing ring keeps its own capacity.
  [[nodiscard]] static result<std::shared_ptr<invocation_ring>> open(const std::filesystem::path& file,
                                                                      std::uint32_t capacity, std::string* note = nullptr) {
    namespace c = detail::calls;
    if (capacity == 0) return fail(errc::invalid_argument, file.string() + ": an invocation ring needs a capacity of at least 1");
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return fail(error{errc::io_error, "cannot open \"" + file.string() + "\": " + std::strerror(errno), {}, {}, file.string()});
      std::shared_ptr<invocation_ring> ring(new invocation_ring(fd));
      c::file_lock lock(fd);
      struct stat st {};
      if (::fstat(fd, &st) != 0) return fail(error{errc::io_error, "cannot stat \"" + file.string() + "\"", {}, {}, file.string()});
      if (st.st_size == 0) {  // new: header, then the slots as zeros
        const auto h = c::header(capacity, 0);
        if (!c::pwrite_all(fd, h.data(), h.size(), 0) ||
            ::ftruncate(fd, static_cast<off_t>(c::header_size + std::uint64_t{capacity} * c::record_size)) != 0) {
          return fail(error{errc::io_error, "cannot write \"" + file.string() + "\": " + std::strerror(errno), {}, {}, file.string()});
        }
        ring->capacity_ = capacity;
        return ring;
      }
      std::array<unsigned char, c::header_size> h{};
      const bool read = static_cast<std::uint64_t>(st.st_size) >= c::header_size && c::pread_all(fd, h.data(), h.size(), 0);
      const std::string why = read ? c::header_problem(h.data(), static_cast<std::uint64_t>(st.st_size)) : "truncated header";
      if (why.empty()) {
        ring->capacity_ = c::get32(h.data() + 12);
        return ring;
      }
      std::filesystem::rename(file, file.string() + ".corrupt", ec);
      if (ec) return fail(error{errc::io_error, file.string() + ": " + why + ", and it cannot be moved aside", {}, {}, file.string()});
      if (note) *note = file.string() + ": " + why + "; moved to " + file.string() + ".corrupt and started afresh";
    }
    return fail(error{errc::io_error, file.string() + ": cannot start an invocation ring", {}, {}, file.string()});
  }

  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }

  /// Appends `r` (its seq is assigned here). False when the write failed.
  bool record(invocation_record r) noexcept {
    namespace c = detail::calls;
    std::lock_guard<std::mutex> guard(mu_);
    c::file_lock lock(fd_);
    unsigned char w[8];
    if (!c::pread_all(fd_, w, 8, 24)) return false;
    const std::uint64_t written = c::get64(w);
    r.seq = written + 1;
    const auto b = c::encode(r);
    const auto at = static_cast<off_t>(c::header_size + (written % capacity_) * c::record_size);
    if (!c::pwrite_all(fd_, b.data(), b.size(), at)) return false;
    c::put64(w, written + 1);
    return c::pwrite_all(fd_, w, 8, 24);
  }

 private:
  explicit invocation_ring(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
  std::uint32_t capacity_ = 0;
  std::mutex mu_;
};

/// The ring of plugin `name` in `log_dir` (capacity 0: none). A damaged ring
/// moved aside is said on `log`; one that cannot open costs only the records.
[[nodiscard]] inline std::shared_ptr<invocation_ring> open_invocation_ring(const std::filesystem::path& log_dir,
                                                                         const std::string& name, std::uint32_t capacity,
                                                                         logger& log) {
  if (capacity == 0 || log_dir.empty()) return nullptr;
  std::string note;
  auto ring = invocation_ring::open(invocation_file(log_dir, name), capacity, &note);
  if (!note.empty() || !ring) log.write(log_level::warn, name, ring ? note : ring.error().message);
  return ring ? *ring : nullptr;
}

/// Runs `call` (a hook of `handler` on `env`) and records it in `ring`: the
/// latency of the call alone, then the sizes (measured after the clock stops).
template <class Call>
[[nodiscard]] result<decision<dynamic_event>> recorded_call(invocation_ring& ring, const std::string& handler,
                                                            const envelope<dynamic_event>& env, Call&& call) {
  using namespace std::chrono;
  const auto wall = system_clock::now();
  const auto t0 = steady_clock::now();
  result<decision<dynamic_event>> r = call();
  const auto t1 = steady_clock::now();
  auto size_of = [](const nlohmann::json& j) {
    return static_cast<std::uint64_t>(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size());
  };
  invocation_record rec;
  rec.start_us = static_cast<std::uint64_t>(duration_cast<microseconds>(wall.time_since_epoch()).count());
  rec.latency_ns = static_cast<std::uint64_t>(duration_cast<nanoseconds>(t1 - t0).count());
  rec.input_bytes = size_of(env.data);
  if (r) {
    rec.outcome = r->is_deny() ? invocation_record::result_kind::deny
                  : r->is_mutate() ? invocation_record::result_kind::mutate : invocation_record::result_kind::allow;
    rec.output_bytes = r->reason().size() + (r->has_json_patch() ? size_of(r->json_patch()) : 0);
  } else {
    rec.outcome = invocation_record::result_kind::error;
    rec.output_bytes = r.error().message.size();
  }
  rec.handler = handler;
  rec.event = env.name;
  (void)ring.record(std::move(rec));
  return r;
}

/// What a ring file holds, oldest record first.
struct invocation_log {
  std::filesystem::path file;
  std::uint32_t capacity = 0;
  std::uint64_t written = 0;             ///< records ever written (over capacity: the ring wrapped)
  std::vector<invocation_record> records;
  std::size_t damaged = 0;               ///< slots skipped: their checksum does not match
};

/// Reads a ring file (under its lock); an error names the file and what is wrong.
[[nodiscard]] inline result<invocation_log> read_invocations(const std::filesystem::path& file) {
  namespace c = detail::calls;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error{errc::not_found, "cannot read \"" + file.string() + "\": " + std::strerror(errno), {}, {}, file.string()});
  struct closer { int fd; ~closer() { ::close(fd); } } guard{fd};
  c::file_lock lock(fd);
  struct stat st {};
  std::array<unsigned char, c::header_size> h{};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < c::header_size || !c::pread_all(fd, h.data(), h.size(), 0)) {
    return fail(error{errc::parse_error, file.string() + ": truncated header (a ring starts with 64 bytes)", {}, {}, file.string()});
  }
  if (auto why = c::header_problem(h.data(), static_cast<std::uint64_t>(st.st_size)); !why.empty()) {
    return fail(error{errc::parse_error, file.string() + ": " + why, {}, {}, file.string()});
  }
  invocation_log out;
  out.file = file;
  out.capacity = c::get32(h.data() + 12);
  out.written = c::get64(h.data() + 24);
  std::vector<unsigned char> body(std::size_t{out.capacity} * c::record_size);
  if (!c::pread_all(fd, body.data(), body.size(), c::header_size)) {
    return fail(error{errc::io_error, file.string() + ": cannot read its records", {}, {}, file.string()});
  }
  for (std::size_t i = 0; i < out.capacity; ++i) {
    const unsigned char* b = body.data() + i * c::record_size;
    if (std::all_of(b, b + c::record_size, [](unsigned char x) { return x == 0; })) continue;  // never written
    invocation_record r;
    if (!c::decode(b, r) || r.seq == 0 || r.seq > out.written) {
      ++out.damaged;
      continue;
    }
    out.records.push_back(std::move(r));
  }
  std::sort(out.records.begin(), out.records.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

/// One hook's recorded invocations, summarised.
struct invocation_summary {
  std::string handler, event;
  std::uint64_t calls = 0, errors = 0, denies = 0, mutations = 0;
  std::uint64_t p50_ns = 0, p95_ns = 0, p99_ns = 0, max_ns = 0;
  std::uint64_t input_bytes = 0, output_bytes = 0;  ///< totals
};

/// The nearest-rank percentile `p` (0..100] of sorted `v` (not empty).
[[nodiscard]] inline std::uint64_t nearest_rank(const std::vector<std::uint64_t>& v, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

/// Per hook (handler and event), in handler order: exact percentiles of the records given.
[[nodiscard]] inline std::vector<invocation_summary> summarize(const std::vector<invocation_record>& records) {
  std::map<std::pair<std::string, std::string>, std::pair<invocation_summary, std::vector<std::uint64_t>>> by_hook;
  for (const auto& r : records) {
    auto& [s, lat] = by_hook[{r.handler, r.event}];
    s.handler = r.handler;
    s.event = r.event;
    ++s.calls;
    s.errors += r.outcome == invocation_record::result_kind::error;
    s.denies += r.outcome == invocation_record::result_kind::deny;
    s.mutations += r.outcome == invocation_record::result_kind::mutate;
    s.input_bytes += r.input_bytes;
    s.output_bytes += r.output_bytes;
    lat.push_back(r.latency_ns);
  }
  std::vector<invocation_summary> out;
  for (auto& [key, entry] : by_hook) {
    auto& [s, lat] = entry;
    std::sort(lat.begin(), lat.end());
    s.p50_ns = nearest_rank(lat, 50);
    s.p95_ns = nearest_rank(lat, 95);
    s.p99_ns = nearest_rank(lat, 99);
    s.max_ns = lat.back();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace aura::plugin
