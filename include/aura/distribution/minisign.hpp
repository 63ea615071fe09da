// aura/distribution/minisign.hpp - ed25519 keys and signatures in the minisign
// file formats, so Debian's `minisign` and aura sign and verify each other's
// files. Signatures are the legacy `Ed` (over the message) or the prehashed
// `ED` (over its BLAKE2b-512), each with a trusted comment covered by a second
// (global) signature. Secret keys are read plain (`minisign -G -W`) or
// encrypted with a password (`minisign -G`: scrypt, XOR, checksum).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/distribution/digest.hpp"

namespace aura::distribution {

using key_id = std::array<unsigned char, 8>;

/// minisign shows a key id as the 8 bytes read little-endian, in upper-case hex.
[[nodiscard]] inline std::string key_id_text(const key_id& id) {
  key_id r{};
  for (std::size_t i = 0; i < 8; ++i) r[i] = id[7 - i];
  return to_hex(r.data(), r.size(), true);
}

namespace detail {

/// The base64 line after "untrusted comment: ..." in a minisign file.
[[nodiscard]] inline result<std::vector<std::string>> minisign_lines(std::string_view text, const std::string& what) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string line(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() < 2 || lines[0].rfind("untrusted comment:", 0) != 0) {
    return fail(errc::parse_error, what + ": not a minisign file (line 1 must be \"untrusted comment: ...\")");
  }
  return lines;
}

}  // namespace detail

/// A public key: "Ed" || key id || 32-byte ed25519 key.
struct public_key {
  key_id id{};
  std::array<unsigned char, 32> key{};

  [[nodiscard]] std::string id_text() const { return key_id_text(id); }
  /// The base64 line (what `minisign -P` takes).
  [[nodiscard]] std::string base64() const {
    std::string raw = "Ed";
    raw.append(reinterpret_cast<const char*>(id.data()), id.size());
    raw.append(reinterpret_cast<const char*>(key.data()), key.size());
    return base64_encode(raw);
  }
  [[nodiscard]] std::string file_text() const {
    return "untrusted comment: minisign public key " + id_text() + "\n" + base64() + "\n";
  }
  /// A .pub file's text or its bare base64 line; `what` names it in errors.
  [[nodiscard]] static result<public_key> parse(std::string_view text, const std::string& what) {
    std::string line(text);
    if (line.rfind("untrusted comment:", 0) == 0) {
      auto lines = detail::minisign_lines(text, what);
      if (!lines) return fail(std::move(lines.error()));
      line = (*lines)[1];
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
    auto raw = base64_decode(line, what + ": the public key");
    if (!raw) return fail(std::move(raw.error()));
    if (raw->size() != 42 || raw->compare(0, 2, "Ed") != 0) {
      return fail(errc::parse_error, what + ": not an Ed25519 minisign public key (42 bytes starting with \"Ed\")");
    }
    public_key k;
    std::copy(raw->begin() + 2, raw->begin() + 10, k.id.begin());
    std::copy(raw->begin() + 10, raw->end(), k.key.begin());
    return k;
  }
};

/// scrypt bounds aura accepts from a key file (minisign writes opslimit 2^25,
/// memlimit 1 GiB): a file asking for more is refused rather than run.
inline constexpr std::uint64_t max_key_opslimit = 1ull << 32;
inline constexpr std::uint64_t max_key_memlimit = 4ull << 30;

/// A secret key (64-byte ed25519 secret, which holds the public key too).
struct secret_key {
  key_id id{};
  std::array<unsigned char, 64> key{};

  [[nodiscard]] public_key public_part() const {
    public_key p;
    p.id = id;
    std::copy(key.begin() + 32, key.end(), p.key.begin());
    return p;
  }
  /// minisign's secret key file: plain (kdf "\0\0", what `minisign -G -W`
  /// writes) without a password; with one, encrypted as `minisign -G` does
  /// (kdf "Sc": scrypt(password, random salt, opslimit, memlimit) XORed over
  /// key id, key and checksum). minisign's own limits are the defaults.
  [[nodiscard]] std::string file_text(const std::string* password = nullptr,
                                      std::uint64_t opslimit = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE,
                                      std::uint64_t memlimit = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE) const {
    std::string raw = "Ed";
    raw += password ? "Sc" : std::string(2, '\0');
    raw += "B2";                               // checksum algorithm
    std::string salt(32, '\0');
    if (password) randombytes_buf(salt.data(), salt.size());
    raw += salt;
    raw += password ? le64(opslimit) + le64(memlimit) : std::string(16, '\0');
    std::string body(reinterpret_cast<const char*>(id.data()), id.size());
    body.append(reinterpret_cast<const char*>(key.data()), key.size());
    const auto sum = checksum();
    body.append(reinterpret_cast<const char*>(sum.data()), sum.size());
    if (password) (void)xor_stream(body, *password, salt, opslimit, memlimit);
    raw += body;
    return std::string("untrusted comment: minisign ") + (password ? "encrypted " : "") + "secret key\n" +
           base64_encode(raw) + "\n";
  }
  /// Whether the key file is password-protected (kdf "Sc").
  [[nodiscard]] static bool encrypted(std::string_view text) {
    auto lines = detail::minisign_lines(text, "key");
    if (!lines) return false;
    auto raw = base64_decode((*lines)[1], "key");
    return raw && raw->size() == 158 && raw->compare(2, 2, "Sc") == 0;
  }
  /// A secret key file; an encrypted one needs `password` (a wrong one is an
  /// error, found by the checksum). `what` names the file in errors.
  [[nodiscard]] static result<secret_key> parse(std::string_view text, const std::string& what,
                                                const std::string* password = nullptr) {
    auto lines = detail::minisign_lines(text, what);
    if (!lines) return fail(std::move(lines.error()));
    auto raw = base64_decode((*lines)[1], what + ": the secret key");
    if (!raw) return fail(std::move(raw.error()));
    if (raw->size() != 158 || raw->compare(0, 2, "Ed") != 0) {
      return fail(errc::parse_error, what + ": not an Ed25519 minisign secret key");
    }
    const bool scrypt = raw->compare(2, 2, "Sc") == 0;
    if (!scrypt && ((*raw)[2] != '\0' || (*raw)[3] != '\0')) {
      return fail(errc::unsupported, what + ": unknown key derivation \"" + raw->substr(2, 2) + "\" (minisign writes \"Sc\" or none)");
    }
    const std::size_t at = 2 + 2 + 2 + 32 + 8 + 8;
    std::string body = raw->substr(at);
    if (scrypt) {
      if (!password) {
        return fail(errc::permission_denied, what + ": the secret key is encrypted with a password, and none was given");
      }
      const std::uint64_t ops = load_le64(raw->data() + 38);
      const std::uint64_t mem = load_le64(raw->data() + 46);
      if (ops > max_key_opslimit || mem > max_key_memlimit) {
        return fail(errc::invalid_argument, what + ": the key's scrypt limits (opslimit " + std::to_string(ops) +
                                                ", memlimit " + std::to_string(mem) + ") are over what aura runs");
      }
      if (auto ok = xor_stream(body, *password, raw->substr(6, 32), ops, mem); !ok) {
        return fail(errc::io_error, what + ": scrypt failed (memlimit " + std::to_string(mem) + " bytes: out of memory?)");
      }
    }
    secret_key k;
    std::copy(body.begin(), body.begin() + 8, k.id.begin());
    std::copy(body.begin() + 8, body.begin() + 72, k.key.begin());
    const auto sum = k.checksum();
    // minisign leaves the checksum zero in keys it does not encrypt (-W)
    const bool zero = !scrypt && std::all_of(body.begin() + 72, body.end(), [](char c) { return c == '\0'; });
    if (!zero && body.compare(72, 32, std::string(reinterpret_cast<const char*>(sum.data()), sum.size())) != 0) {
      return fail(errc::permission_denied, what + (scrypt ? ": wrong password for the encrypted secret key (its checksum does not match)"
                                                          : ": the secret key's checksum does not match (the file is damaged)"));
    }
    return k;
  }

  /// A fresh key pair with a random id.
  [[nodiscard]] static secret_key generate() {
    (void)sodium_ready();
    secret_key k;
    std::array<unsigned char, 32> pk{};
    crypto_sign_keypair(pk.data(), k.key.data());
    randombytes_buf(k.id.data(), k.id.size());
    return k;
  }

 private:
  [[nodiscard]] std::array<unsigned char, 32> checksum() const {
    std::string in = "Ed";
    in.append(reinterpret_cast<const char*>(id.data()), id.size());
    in.append(reinterpret_cast<const char*>(key.data()), key.size());
    std::array<unsigned char, 32> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(), nullptr, 0);
    return h;
  }
  [[nodiscard]] static std::string le64(std::uint64_t v) {
    std::string s(8, '\0');
    for (std::size_t i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  }
  [[nodiscard]] static std::uint64_t load_le64(const char* p) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
  }
  /// XORs `body` with scrypt(password, salt) of its length, as minisign does.
  [[nodiscard]] static bool xor_stream(std::string& body, const std::string& password, const std::string& salt,
                                       std::uint64_t opslimit, std::uint64_t memlimit) {
    (void)sodium_ready();
    std::string stream(body.size(), '\0');
    if (crypto_pwhash_scryptsalsa208sha256(reinterpret_cast<unsigned char*>(stream.data()), stream.size(), password.data(),
                                           password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                                           static_cast<unsigned long long>(opslimit), static_cast<std::size_t>(memlimit)) != 0) {
      return false;
    }
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(body[i] ^ stream[i]);
    sodium_memzero(stream.data(), stream.size());
    return true;
  }
};

/// A .minisig file.
struct signature {
  bool prehashed = true;  ///< "ED" (BLAKE2b-512 of the message) or legacy "Ed"
  key_id id{};
  std::array<unsigned char, 64> sig{};
  std::string untrusted_comment = "signature from aura";
  std::string trusted_comment;
  std::array<unsigned char, 64> global_sig{};

  [[nodiscard]] std::string file_text() const {
    std::string raw = prehashed ? "ED" : "Ed";
    raw.append(reinterpret_cast<const char*>(id.data()), id.size());
    raw.append(reinterpret_cast<const char*>(sig.data()), sig.size());
    return "untrusted comment: " + untrusted_comment + "\n" + base64_encode(raw) + "\ntrusted comment: " +
           trusted_comment + "\n" +
           base64_encode(std::string_view(reinterpret_cast<const char*>(global_sig.data()), global_sig.size())) + "\n";
  }
  [[nodiscard]] static result<signature> parse(std::string_view text, const std::string& what) {
    auto lines = detail::minisign_lines(text, what);
    if (!lines) return fail(std::move(lines.error()));
    if (lines->size() != 4 || (*lines)[2].rfind("trusted comment: ", 0) != 0) {
      return fail(errc::parse_error, what + ": a minisign signature has 4 lines (untrusted comment, signature, "
                                     "trusted comment, global signature)");
    }
    auto raw = base64_decode((*lines)[1], what + ": the signature");
    if (!raw) return fail(std::move(raw.error()));
    if (raw->size() != 74 || (raw->compare(0, 2, "Ed") != 0 && raw->compare(0, 2, "ED") != 0)) {
      return fail(errc::parse_error, what + ": not an Ed25519 minisign signature");
    }
    signature s;
    s.prehashed = (*raw)[1] == 'D';
    s.untrusted_comment = (*lines)[0].substr(std::string_view("untrusted comment:").size());
    if (!s.untrusted_comment.empty() && s.untrusted_comment[0] == ' ') s.untrusted_comment.erase(0, 1);
    std::copy(raw->begin() + 2, raw->begin() + 10, s.id.begin());
    std::copy(raw->begin() + 10, raw->end(), s.sig.begin());
    s.trusted_comment = (*lines)[2].substr(std::string_view("trusted comment: ").size());
    auto g = base64_decode((*lines)[3], what + ": the global signature");
    if (!g) return fail(std::move(g.error()));
    if (g->size() != 64) return fail(errc::parse_error, what + ": the global signature is not 64 bytes");
    std::copy(g->begin(), g->end(), s.global_sig.begin());
    return s;
  }
};

/// Signs `message` (prehashed "ED" unless `legacy`), with a trusted comment.
[[nodiscard]] inline signature sign(const secret_key& k, std::string_view message, std::string trusted_comment,
                                    bool legacy = false) {
  (void)sodium_ready();
  signature s;
  s.prehashed = !legacy;
  s.id = k.id;
  s.trusted_comment = std::move(trusted_comment);
  if (legacy) {
    crypto_sign_detached(s.sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         k.key.data());
  } else {
    const auto h = blake2b_512(message);
    crypto_sign_detached(s.sig.data(), nullptr, h.data(), h.size(), k.key.data());
  }
  std::string global(reinterpret_cast<const char*>(s.sig.data()), s.sig.size());
  global += s.trusted_comment;
  crypto_sign_detached(s.global_sig.data(), nullptr, reinterpret_cast<const unsigned char*>(global.data()),
                       global.size(), k.key.data());
  return s;
}

/// Checks `s` over `message` with `k`: the key id, the signature, then the
/// trusted comment. `what` names the signed file in errors.
[[nodiscard]] inline result<void> verify(const public_key& k, const signature& s, std::string_view message,
                                         const std::string& what) {
  (void)sodium_ready();
  if (s.id != k.id) {
    return fail(errc::permission_denied, what + ": signed by key " + key_id_text(s.id) + ", not by key " + k.id_text());
  }
  int bad = 0;
  if (s.prehashed) {
    const auto h = blake2b_512(message);
    bad = crypto_sign_verify_detached(s.sig.data(), h.data(), h.size(), k.key.data());
  } else {
    bad = crypto_sign_verify_detached(s.sig.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                      message.size(), k.key.data());
  }
  if (bad != 0) return fail(errc::permission_denied, what + ": the signature does not match (the file was changed or signed by another key)");
  std::string global(reinterpret_cast<const char*>(s.sig.data()), s.sig.size());
  global += s.trusted_comment;
  if (crypto_sign_verify_detached(s.global_sig.data(), reinterpret_cast<const unsigned char*>(global.data()),
                                  global.size(), k.key.data()) != 0) {
    return fail(errc::permission_denied, what + ": the trusted comment was changed after signing");
  }
  return {};
}

}  // namespace aura::distribution
