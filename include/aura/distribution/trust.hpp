// aura/distribution/trust.hpp - the publisher keys a host trusts, per repo and
// global (a repo's store is searched first and is where new keys go), and key
// rotation: a new key is accepted when its .pub file is signed by a key
// already trusted; the old key is then retired, so what it signed must be
// reinstalled from the new key's releases.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/distribution/digest.hpp"
#include "aura/distribution/minisign.hpp"

namespace aura::distribution {

/// Key files live as <KEYID>.pub; a retired key has <KEYID>.retired holding its successor's id.
class trust_store {
 public:
  trust_store() = default;
  /// `dirs` in search order (repo first, then global); keys are added to the first.
  explicit trust_store(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {}

  [[nodiscard]] const std::vector<fs::path>& dirs() const noexcept { return dirs_; }

  /// The trusted key with this id, if any store holds it.
  [[nodiscard]] std::optional<public_key> find(const key_id& id) const {
    for (const auto& d : dirs_) {
      const fs::path f = d / (key_id_text(id) + ".pub");
      std::error_code ec;
      if (!fs::exists(f, ec)) continue;
      auto text = read_file(f);
      if (!text) continue;
      auto k = public_key::parse(*text, f.string());
      if (k && k->id == id) return *k;
    }
    return std::nullopt;
  }

  /// The id of the key that replaced this one, when it was rotated.
  [[nodiscard]] std::optional<std::string> successor(const key_id& id) const {
    for (const auto& d : dirs_) {
      auto text = read_file(d / (key_id_text(id) + ".retired"));
      if (text) {
        while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
        return *text;
      }
    }
    return std::nullopt;
  }

  /// Trusts `k` (in the first store).
  [[nodiscard]] result<void> add(const public_key& k) const {
    if (dirs_.empty()) return fail(errc::invalid_argument, "the trust store has no directory");
    return write_file(dirs_.front() / (k.id_text() + ".pub"), k.file_text());
  }

  /// Removes a key from every store; not_found if none held it.
  [[nodiscard]] result<void> remove(const std::string& id_text) const {
    bool any = false;
    for (const auto& d : dirs_) {
      std::error_code ec;
      any = fs::remove(d / (id_text + ".pub"), ec) || any;
    }
    if (!any) return fail(errc::not_found, "no trusted key has the id " + id_text);
    return {};
  }

  /// Every trusted key, with the store it is in.
  [[nodiscard]] std::vector<std::pair<public_key, fs::path>> list() const {
    std::vector<std::pair<public_key, fs::path>> out;
    for (const auto& d : dirs_) {
      std::error_code ec;
      for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (it->path().extension() != ".pub") continue;
        auto text = read_file(it->path());
        if (!text) continue;
        if (auto k = public_key::parse(*text, it->path().string())) out.emplace_back(*k, it->path());
      }
    }
    return out;
  }

  /// A rotation statement: `new_pub_file` (the new key's .pub text) signed by a
  /// trusted key (`minisign -S -s OLD.key -m NEW.pub`). On success the new key
  /// is trusted (cached in the first store) and the old one is retired.
  [[nodiscard]] result<public_key> accept_rotation(std::string_view new_pub_file, std::string_view statement,
                                                   const std::string& what) const {
    auto fresh = public_key::parse(new_pub_file, what);
    if (!fresh) return fail(std::move(fresh.error()));
    auto sig = signature::parse(statement, what + ".minisig");
    if (!sig) return fail(std::move(sig.error()));
    auto old = find(sig->id);
    if (!old) {
      return fail(errc::permission_denied, what + ": the rotation to key " + fresh->id_text() + " is signed by key " +
                                               key_id_text(sig->id) + ", which this host does not trust");
    }
    if (successor(old->id) && *successor(old->id) != fresh->id_text()) {
      return fail(errc::permission_denied, what + ": key " + old->id_text() + " was already rotated to " +
                                               *successor(old->id) + "; it cannot sign another rotation");
    }
    if (auto ok = verify(*old, *sig, new_pub_file, what); !ok) return fail(std::move(ok.error()));
    if (auto r = add(*fresh); !r) return fail(std::move(r.error()));
    if (auto r = write_file(dirs_.front() / (old->id_text() + ".retired"), fresh->id_text() + "\n"); !r) {
      return fail(std::move(r.error()));
    }
    return *fresh;
  }

 private:
  std::vector<fs::path> dirs_;
};

}  // namespace aura::distribution
