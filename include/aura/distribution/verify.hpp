// aura/distribution/verify.hpp - checks an installed plugin before it loads:
// every file as AURA-FILES lists it (a file changed, missing or added after
// install fails, naming the file), then the signature over AURA-FILES by a
// trusted, unretired key. Unsigned plugins load only where the policy allows.
// load_verifier() turns this into the plugin_host's load-time check.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/glob.hpp"
#include "aura/distribution/pack.hpp"
#include "aura/distribution/trust.hpp"
#include "aura/plugin/manifest.hpp"

namespace aura::distribution {

/// Whether plugins without a signature load.
struct verify_policy {
  bool allow_unsigned = true;                 ///< false: only `unsigned_allowed` names load unsigned
  std::vector<std::string> unsigned_allowed;  ///< globs of plugin names allowed unsigned under a strict policy
  [[nodiscard]] bool allows_unsigned(const std::string& name) const {
    if (allow_unsigned) return true;
    for (const auto& g : unsigned_allowed) {
      if (g == name || glob_match(g, name)) return true;
    }
    return false;
  }
};

/// What verification found.
struct verification {
  bool has_files = false;  ///< AURA-FILES was there and matched the tree
  bool is_signed = false;  ///< and was signed by a trusted key
  std::string key_id;      ///< the signer
  std::string name, version;
};

/// The tree of `dir` against its AURA-FILES (absent: has_files false, no error).
[[nodiscard]] inline result<verification> verify_files(const fs::path& dir, const std::string& plugin_name = {}) {
  verification v;
  const fs::path list = dir / files_manifest_name;
  std::error_code ec;
  if (!fs::exists(list, ec)) return v;
  auto text = read_file(list);
  if (!text) return fail(std::move(text.error()));
  auto files = file_manifest::parse(*text, list.string());
  if (!files) return fail(std::move(files.error()));
  auto tree = read_tree(dir);
  if (!tree) return fail(std::move(tree.error()));
  const auto now = file_manifest::of(files->name, files->version, *tree);
  const std::string who = plugin_name.empty() ? files->name : plugin_name;
  std::set<std::string> listed;
  for (const auto& f : files->files) listed.insert(f.path);
  for (const auto& want : files->files) {
    auto it = std::find_if(now.files.begin(), now.files.end(), [&](const file_record& r) { return r.path == want.path; });
    const std::string where = (dir / want.path).string();
    if (it == now.files.end()) {
      return fail(error{errc::permission_denied, "file \"" + want.path + "\" listed in AURA-FILES is missing", who, {}, where});
    }
    if (it->sha256 != want.sha256 || it->kind != want.kind) {
      return fail(error{errc::permission_denied, "file \"" + want.path + "\" was changed after install (" +
                                                     (it->kind != want.kind ? "its type or mode differs" : "SHA-256 " + it->sha256 + ", AURA-FILES says " + want.sha256) + ")",
                        who, {}, where});
    }
  }
  for (const auto& have : now.files) {
    if (!listed.count(have.path)) {
      return fail(error{errc::permission_denied, "file \"" + have.path + "\" was added after install (it is not in AURA-FILES)", who, {}, (dir / have.path).string()});
    }
  }
  v.has_files = true;
  v.name = files->name;
  v.version = files->version;
  return v;
}

/// The signature over `dir`'s AURA-FILES, checked against `trust`.
[[nodiscard]] inline result<verification> verify_signature(const fs::path& dir, const trust_store& trust,
                                                           verification v, const std::string& who) {
  const fs::path sig_file = dir / files_signature_name;
  std::error_code ec;
  if (!fs::exists(sig_file, ec)) return v;
  auto sig_text = read_file(sig_file);
  if (!sig_text) return fail(std::move(sig_text.error()));
  auto sig = signature::parse(*sig_text, sig_file.string());
  if (!sig) return fail(error{sig.error().code, sig.error().message, who, {}, sig_file.string()});
  const std::string id = key_id_text(sig->id);
  if (auto next = trust.successor(sig->id)) {
    return fail(error{errc::permission_denied, "signed by key " + id + ", which was rotated to key " + *next +
                                                   ": install the release signed by the new key",
                      who, {}, sig_file.string()});
  }
  auto key = trust.find(sig->id);
  if (!key) {
    return fail(error{errc::permission_denied, "signed by key " + id + ", which is not in the trust store (" +
                                                   "`aura plugin keys trust FILE.pub` adds it)", who, {}, sig_file.string()});
  }
  auto text = read_file(dir / files_manifest_name);
  if (!text) return fail(std::move(text.error()));
  if (auto ok = verify(*key, *sig, *text, (dir / files_manifest_name).string()); !ok) {
    return fail(error{ok.error().code, ok.error().message, who, {}, sig_file.string()});
  }
  v.is_signed = true;
  v.key_id = id;
  return v;
}

/// Files, then signature, then policy.
[[nodiscard]] inline result<verification> verify_plugin(const fs::path& dir, const std::string& name,
                                                        const trust_store& trust, const verify_policy& policy) {
  auto v = verify_files(dir, name);
  if (!v) return v;
  if (v->has_files && !v->name.empty() && !name.empty() && v->name != name) {
    return fail(error{errc::permission_denied, "AURA-FILES belongs to plugin \"" + v->name + "\", not \"" + name + "\"", name, {}, (dir / files_manifest_name).string()});
  }
  if (v->has_files) {
    auto s = verify_signature(dir, trust, *v, name);
    if (!s) return s;
    v = std::move(s);
  }
  if (!v->is_signed && !policy.allows_unsigned(name)) {
    return fail(error{errc::permission_denied, std::string("the plugin is unsigned") +
                                                   (v->has_files ? "" : " (no AURA-FILES: not installed from a pack)") +
                                                   " and the host policy allows only signed plugins",
                      name, {}, dir.string()});
  }
  return v;
}

/// The plugin_host's load-time check (host_options::verify_load): every load,
/// reload and upgrade verifies the plugin's files and signature again.
[[nodiscard]] inline std::function<result<void>(const plugin::manifest&)> load_verifier(trust_store trust,
                                                                                       verify_policy policy) {
  return [trust = std::move(trust), policy = std::move(policy)](const plugin::manifest& m) -> result<void> {
    auto v = verify_plugin(m.dir, m.name, trust, policy);
    if (!v) return fail(std::move(v.error()));
    return {};
  };
}

}  // namespace aura::distribution
