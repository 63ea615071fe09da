// aura/distribution/minisign.hpp - ed25519 keys and signatures in the minisign
// file formats, so Debian's `minisign` and aura sign and verify each other's
// files. Signatures are the legacy `Ed` (over the message) or the prehashed
// `ED` (over its BLAKE2b-512), each with a trusted comment covered by a second
// (global) signature. Secret keys are read unencrypted only (`minisign -G -W`).
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
  /// minisign's unencrypted secret key file (kdf "\0\0", checksum BLAKE2b-256).
  [[nodiscard]] std::string file_text() const {
    std::string raw = "Ed";
    raw.append(2, '\0');                 // kdf: none
    raw += "B2";                          // checksum algorithm
    raw.append(32 + 8 + 8, '\0');        // kdf salt, opslimit, memlimit
    raw.append(reinterpret_cast<const char*>(id.data()), id.size());
    raw.append(reinterpret_cast<const char*>(key.data()), key.size());
    const auto sum = checksum();
    raw.append(reinterpret_cast<const char*>(sum.data()), sum.size());
    return "untrusted comment: minisign secret key\n" + base64_encode(raw) + "\n";
  }
  [[nodiscard]] static result<secret_key> parse(std::string_view text, const std::string& what) {
    auto lines = detail::minisign_lines(text, what);
    if (!lines) return fail(std::move(lines.error()));
    auto raw = base64_decode((*lines)[1], what + ": the secret key");
    if (!raw) return fail(std::move(raw.error()));
    if (raw->size() != 158 || raw->compare(0, 2, "Ed") != 0) {
      return fail(errc::parse_error, what + ": not an Ed25519 minisign secret key");
    }
    if ((*raw)[2] != '\0' || (*raw)[3] != '\0') {
      return fail(errc::unsupported, what + ": the secret key is encrypted with a password; aura reads only "
                                     "unencrypted keys (make one with `minisign -G -W` or `aura plugin keys generate`)");
    }
    secret_key k;
    const std::size_t at = 2 + 2 + 2 + 32 + 8 + 8;
    std::copy(raw->begin() + static_cast<long>(at), raw->begin() + static_cast<long>(at + 8), k.id.begin());
    std::copy(raw->begin() + static_cast<long>(at + 8), raw->begin() + static_cast<long>(at + 72), k.key.begin());
    const auto sum = k.checksum();
    // minisign leaves the checksum zero in keys it does not encrypt (-W)
    const bool zero = std::all_of(raw->begin() + static_cast<long>(at + 72), raw->end(), [](char c) { return c == '\0'; });
    if (!zero && raw->compare(at + 72, 32, std::string(reinterpret_cast<const char*>(sum.data()), sum.size())) != 0) {
      return fail(errc::parse_error, what + ": the secret key's checksum does not match (the file is damaged)");
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
