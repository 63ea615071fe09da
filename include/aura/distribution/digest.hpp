// aura/distribution/digest.hpp - the byte-level tools distribution is built
// on: SHA-256 and BLAKE2b (libsodium), base64, hex, whole-file reads and
// writes that never leave a half-written file behind.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <sodium.h>
#include <unistd.h>

#include "aura/core/error.hpp"

namespace aura::distribution {

namespace fs = std::filesystem;

/// libsodium must be initialised once before use; this is idempotent and thread-safe.
[[nodiscard]] inline bool sodium_ready() noexcept {
  static const bool ok = ::sodium_init() >= 0;
  return ok;
}

[[nodiscard]] inline std::string to_hex(const unsigned char* p, std::size_t n, bool upper = false) {
  static const char* lo = "0123456789abcdef";
  static const char* up = "0123456789ABCDEF";
  const char* d = upper ? up : lo;
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
[[nodiscard]] inline std::string sha256_hex(std::string_view bytes) {
  (void)sodium_ready();
  std::array<unsigned char, crypto_hash_sha256_BYTES> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(h.data(), h.size());
}

/// BLAKE2b-512 of `bytes` (minisign's prehash).
[[nodiscard]] inline std::array<unsigned char, 64> blake2b_512(std::string_view bytes) {
  (void)sodium_ready();
  std::array<unsigned char, 64> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  return h;
}

[[nodiscard]] inline std::string base64_encode(std::string_view bytes) {
  (void)sodium_ready();
  const std::size_t n = sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(n, '\0');
  sodium_bin2base64(out.data(), n, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(n - 1);  // the terminating NUL
  return out;
}

/// Base64 (standard alphabet, padded); `what` names the text in the error.
[[nodiscard]] inline result<std::string> base64_decode(std::string_view text, const std::string& what) {
  (void)sodium_ready();
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return fail(errc::parse_error, what + " is not valid base64");
  }
  out.resize(len);
  return out;
}

/// The whole file, or an error naming it.
[[nodiscard]] inline result<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(error{errc::io_error, "cannot read \"" + file.string() + "\": " + std::strerror(errno), {}, {}, file.string()});
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes `bytes` to a temporary file beside `file`, then renames it into place.
[[nodiscard]] inline result<void> write_file(const fs::path& file, std::string_view bytes) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  const fs::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(error{errc::io_error, "cannot write \"" + tmp.string() + "\": " + std::strerror(errno), {}, {}, file.string()});
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return fail(error{errc::io_error, "short write to \"" + tmp.string() + "\"", {}, {}, file.string()});
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fail(error{errc::io_error, "cannot rename into \"" + file.string() + "\"", {}, {}, file.string()});
  }
  return {};
}

}  // namespace aura::distribution
