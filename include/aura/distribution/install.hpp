// aura/distribution/install.hpp - installs plugins into a root from a local
// directory, a pack (.tar.gz), a git URL (`URL[@ref][#subpath]`, with the git
// CLI), a registry name (`publisher/plugin[@range]`) or a remote .wasm with
// its hash (`https://…/NAME.wasm#sha256=HEX[&hooks=…]`, Clawdius). A source holding no
// manifest at its top but plugins below is a plugin pack: each is installed.
//
// Nothing is half-installed: the source is materialised and checked in a
// staging directory inside the root, every plugin is verified there, and only
// then renamed into place (an update renames the old version aside first and
// removes it after). aura.lock records what was installed.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"
#include "aura/distribution/lock.hpp"
#include "aura/distribution/pack.hpp"
#include "aura/distribution/registry.hpp"
#include "aura/distribution/remote_wasm.hpp"
#include "aura/distribution/trust.hpp"
#include "aura/distribution/verify.hpp"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/discovery.hpp"
#include "aura/plugin/sandbox.hpp"

namespace aura::distribution {

struct install_options {
  fs::path root;                      ///< the plugin root (.aura/plugins, ~/.aura/plugins)
  fs::path lock;                      ///< aura.lock to update; empty: none
  trust_store trust;
  verify_policy policy;
  std::string name;                   ///< --name: the installed directory (one plugin only)
  std::string registry;               ///< directory or URL, for registry names
  std::shared_ptr<http_client> http;  ///< for HTTP registries and remote .wasm files
  bool replace = false;               ///< update: an installed plugin of the name is swapped
  std::string expect_resolved;        ///< --frozen: the source must resolve to exactly this
  std::string lock_source;            ///< --frozen: the source aura.lock keeps (not the pinned one fetched)
  unpack_limits limits;
  std::chrono::milliseconds git_timeout{120000};
};

struct installed_plugin {
  std::string name;  ///< the directory under the root (and the lock entry)
  std::string version;
  std::string source;
  std::string resolved;
  std::string key_id;
  fs::path dir;
  bool changed = true;  ///< false: the same bytes were installed already
};

/// How a source string is read.
enum class source_kind { directory, tarball, git, registry, remote_wasm };

struct parsed_source {
  source_kind kind = source_kind::directory;
  std::string location;  ///< path, URL or publisher/name
  std::string ref;       ///< git @ref, or a registry version range
  std::string subpath;   ///< git #subpath
};

[[nodiscard]] inline result<parsed_source> parse_source(const std::string& s) {
  parsed_source p;
  std::error_code ec;
  auto ends = [&](const char* suffix) {
    const std::string x(suffix);
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (is_wasm_url(s)) {
    auto w = parse_wasm_url(s);
    if (!w) return fail(std::move(w.error()));
    p.kind = source_kind::remote_wasm;
    p.location = w->url;
    p.ref = w->sha256;
    return p;
  }
  const bool url = s.find("://") != std::string::npos || s.rfind("git@", 0) == 0;
  if (!url && fs::is_directory(s, ec)) {
    p.location = s;
    return p;
  }
  if (!url && (ends(".tar.gz") || ends(".tgz"))) {
    p.kind = source_kind::tarball;
    p.location = s;
    return p;
  }
  if (url || s.rfind("git+", 0) == 0 || s.find(".git") != std::string::npos) {
    p.kind = source_kind::git;
    std::string rest = s.rfind("git+", 0) == 0 ? s.substr(4) : s;
    if (auto hash = rest.find('#'); hash != std::string::npos) {
      p.subpath = rest.substr(hash + 1);
      rest = rest.substr(0, hash);
      if (auto why = unsafe_path(p.subpath); !why.empty()) return fail(errc::invalid_argument, "source \"" + s + "\": #subpath is " + why);
    }
    const auto slash = rest.rfind('/');
    if (auto at = rest.rfind('@'); at != std::string::npos && slash != std::string::npos && at > slash) {
      p.ref = rest.substr(at + 1);
      rest = rest.substr(0, at);
    }
    p.location = rest;
    return p;
  }
  if (auto reg = registry_name(s)) {
    p.kind = source_kind::registry;
    p.location = reg->first;
    p.ref = reg->second;
    return p;
  }
  return fail(errc::not_found, "source \"" + s + "\" is not a directory, a .tar.gz, a git URL or a registry name (publisher/plugin[@range])");
}

namespace detail {

struct scratch_dir {
  fs::path path;
  ~scratch_dir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

[[nodiscard]] inline std::string random_tag() {
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd());
}

[[nodiscard]] inline result<std::string> git(const std::vector<std::string>& args, const fs::path& dir, std::chrono::milliseconds timeout) {
  auto env = plugin::host_environment();
  env["GIT_TERMINAL_PROMPT"] = "0";
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = plugin::detail::run_command(argv, dir, env, {}, timeout);
  if (!r) return fail(std::move(r.error()));
  if (r->exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return fail(errc::io_error, "`" + cmd + "` failed (status " + std::to_string(r->exit_code) + "): " + r->err);
  }
  while (!r->out.empty() && (r->out.back() == '\n' || r->out.back() == '\r')) r->out.pop_back();
  return r->out;
}

/// A registry release's signer must be trusted: already, through a rotation
/// the registry serves (cached), or on first use of a publisher none of whose
/// keys is trusted yet.
[[nodiscard]] inline result<void> trust_signer(const registry& reg, const std::string& plugin_id, const std::string& key, const trust_store& trust) {
  const std::string publisher = plugin_id.substr(0, plugin_id.find('/'));
  auto keys = reg.publisher_keys(publisher);
  if (!keys) return fail(std::move(keys.error()));
  if (std::find(keys->begin(), keys->end(), key) == keys->end()) {
    return fail(error{errc::permission_denied, plugin_id + " is signed by key " + key + ", which the registry does not register to " + publisher, plugin_id, {}, {}});
  }
  auto pub_text = reg.fetch("keys/" + key + ".pub");
  if (!pub_text) return fail(std::move(pub_text.error()));
  auto pub = public_key::parse(*pub_text, "keys/" + key + ".pub");
  if (!pub) return fail(std::move(pub.error()));
  if (trust.find(pub->id)) return {};
  if (auto stmt = reg.fetch("keys/" + key + ".pub.minisig")) {
    auto ok = trust.accept_rotation(*pub_text, *stmt, reg.location() + "/keys/" + key + ".pub");
    if (!ok) return fail(std::move(ok.error()));
    return {};
  }
  for (const auto& other : *keys) {
    auto t = reg.fetch("keys/" + other + ".pub");
    if (!t) continue;
    if (auto k = public_key::parse(*t, other); k && trust.find(k->id)) {
      return fail(error{errc::permission_denied, plugin_id + " is signed by key " + key + ", not by " + publisher + "'s trusted key " + other + ", and no rotation signed by it introduces the new key", plugin_id, {}, {}});
    }
  }
  return trust.add(*pub);  // trust on first use of this publisher
}

}  // namespace detail

/// Installs `source` into `opts.root`; returns each plugin installed.
[[nodiscard]] inline result<std::vector<installed_plugin>> install(const std::string& source, const install_options& opts) {
  auto src = parse_source(source);
  if (!src) return fail(std::move(src.error()));
  std::error_code ec;
  fs::create_directories(opts.root, ec);
  if (ec) return fail(error{errc::io_error, "cannot create the plugin root \"" + opts.root.string() + "\": " + ec.message(), {}, {}, opts.root.string()});
  detail::scratch_dir stage{opts.root / (".staging-" + detail::random_tag())};
  const fs::path tree = stage.path / "tree";
  std::string resolved;
  std::string registry_key;
  std::string registry_id;
  switch (src->kind) {
    case source_kind::directory: {
      auto entries = read_source_tree(src->location, opts.limits);  // less its .auraignore, as `pack`
      if (!entries) return fail(std::move(entries.error()));
      if (auto w = write_tree(tree, *entries); !w) return fail(std::move(w.error()));
      // AURA-FILES and its signature travel with the tree when the author made them.
      for (const char* f : {files_manifest_name, files_signature_name}) {
        if (fs::exists(fs::path(src->location) / f, ec)) fs::copy_file(fs::path(src->location) / f, tree / f, ec);
      }
      break;
    }
    case source_kind::tarball:
    case source_kind::registry: {
      std::string bytes;
      std::string what = src->location;
      if (src->kind == source_kind::tarball) {
        auto b = read_file(src->location);
        if (!b) return fail(std::move(b.error()));
        bytes = std::move(*b);
      } else {
        if (opts.registry.empty()) return fail(errc::invalid_argument, "installing " + source + " needs a registry (--registry DIR|URL, or $AURA_REGISTRY)");
        registry reg(opts.registry, opts.http);
        auto rel = reg.resolve(src->location, src->ref);
        if (!rel) return fail(std::move(rel.error()));
        auto b = reg.fetch(rel->file);
        if (!b) return fail(std::move(b.error()));
        if (sha256_hex(*b) != rel->sha256) {
          return fail(error{errc::permission_denied, rel->file + " from " + opts.registry + " has SHA-256 " + sha256_hex(*b) + ", the index says " + rel->sha256, src->location, {}, {}});
        }
        if (auto t = detail::trust_signer(reg, src->location, rel->key_id, opts.trust); !t) return fail(std::move(t.error()));
        bytes = std::move(*b);
        what = opts.registry + "/" + rel->file;
        registry_key = rel->key_id;
        registry_id = src->location;
      }
      resolved = "sha256:" + sha256_hex(bytes);
      auto entries = unpack(bytes, what, opts.limits);
      if (!entries) return fail(std::move(entries.error()));
      if (auto w = write_tree(tree, *entries); !w) return fail(std::move(w.error()));
      break;
    }
    case source_kind::remote_wasm: {
      auto entries = fetch_wasm(*parse_wasm_url(source), opts.http, opts.limits);
      if (!entries) return fail(std::move(entries.error()));
      resolved = "sha256:" + src->ref;
      if (auto w = write_tree(tree, *entries); !w) return fail(std::move(w.error()));
      break;
    }
    case source_kind::git: {
      const fs::path clone = stage.path / "clone";
      auto c = detail::git({"clone", "--quiet", "--", src->location, clone.string()}, opts.root, opts.git_timeout);
      if (!c) return fail(std::move(c.error()));
      const std::string ref = !opts.expect_resolved.empty() && opts.expect_resolved.rfind("git:", 0) == 0 ? opts.expect_resolved.substr(4) : src->ref;
      if (!ref.empty()) {
        if (auto r = detail::git({"checkout", "--quiet", ref, "--"}, clone, opts.git_timeout); !r) return fail(std::move(r.error()));
      }
      auto head = detail::git({"rev-parse", "HEAD"}, clone, opts.git_timeout);
      if (!head) return fail(std::move(head.error()));
      resolved = "git:" + *head;
      const fs::path from = src->subpath.empty() ? clone : clone / src->subpath;
      if (!fs::is_directory(from, ec)) return fail(errc::not_found, source + ": #" + src->subpath + " is not a directory of the repository");
      auto entries = read_source_tree(from, opts.limits);  // refuses links out of the tree, devices, bombs
      if (!entries) return fail(std::move(entries.error()));
      if (auto w = write_tree(tree, *entries); !w) return fail(std::move(w.error()));
      for (const char* f : {files_manifest_name, files_signature_name}) {
        if (fs::exists(from / f, ec)) fs::copy_file(from / f, tree / f, ec);
      }
      break;
    }
  }
  // One plugin, or a pack of them.
  std::vector<fs::path> dirs;
  if (auto found = plugin::find_manifest(tree); found && *found) {
    dirs.push_back(tree);
  } else {
    auto d = plugin::discover({plugin::plugin_root{tree, "source", true}});
    if (!d.errors.empty()) return fail(std::move(d.errors.front()));
    for (const auto& p : d.plugins) dirs.push_back(p.spec.dir);
    if (dirs.empty()) return fail(errc::not_found, "source \"" + source + "\" holds no plugin manifest");
  }
  if (!opts.name.empty() && dirs.size() != 1) return fail(errc::invalid_argument, "--name names one plugin, but \"" + source + "\" holds " + std::to_string(dirs.size()));
  std::vector<installed_plugin> out;
  for (const auto& dir : dirs) {
    auto m = manifest_in(dir);
    if (!m) return fail(std::move(m.error()));
    installed_plugin ip;
    ip.name = opts.name.empty() ? m->name : opts.name;
    if (!unsafe_path(ip.name).empty() || ip.name.find('/') != std::string::npos || ip.name[0] == '.') {
      return fail(errc::invalid_argument, "\"" + ip.name + "\" cannot be an installed plugin's directory name");
    }
    ip.version = m->version;
    ip.source = dirs.size() == 1 ? source : source + (src->kind == source_kind::git && src->subpath.empty() ? "#" : "/") + dir.lexically_relative(tree).generic_string();
    if (dirs.size() > 1 && src->kind == source_kind::git) {
      ip.source = src->location + (src->ref.empty() ? "" : "@" + src->ref) + "#" + (src->subpath.empty() ? "" : src->subpath + "/") + dir.lexically_relative(tree).generic_string();
    }
    if (!opts.lock_source.empty() && dirs.size() == 1) ip.source = opts.lock_source;
    // Files: the author's AURA-FILES (checked), or one written now, unsigned.
    if (!fs::exists(dir / files_manifest_name, ec)) {
      auto files = files_of(dir);
      if (!files) return fail(std::move(files.error()));
      if (auto w = write_file(dir / files_manifest_name, files->text()); !w) return fail(std::move(w.error()));
    }
    auto v = verify_plugin(dir, m->name, opts.trust, opts.policy);
    if (!v) return fail(std::move(v.error()));
    if (src->kind == source_kind::registry && v->key_id != registry_key) {
      return fail(error{errc::permission_denied, registry_id + " is signed by key " + v->key_id + ", the index says " + registry_key, m->name, {}, {}});
    }
    ip.key_id = v->key_id;
    auto text = read_file(dir / files_manifest_name);
    if (!text) return fail(std::move(text.error()));
    const std::string files_sum = sha256_hex(*text);
    ip.resolved = resolved.empty() ? "sha256:" + files_sum : resolved;
    if (!opts.expect_resolved.empty() && ip.resolved != opts.expect_resolved) {
      return fail(error{errc::version_mismatch, "--frozen: " + source + " now resolves to " + ip.resolved + ", aura.lock says " + opts.expect_resolved, ip.name, {}, opts.lock.string()});
    }
    ip.dir = opts.root / ip.name;
    if (fs::exists(ip.dir, ec)) {
      if (!opts.replace) return fail(error{errc::already_exists, "plugin \"" + ip.name + "\" is already installed in " + opts.root.string() + " (`aura plugin update` replaces it)", ip.name, {}, ip.dir.string()});
      auto old = read_file(ip.dir / files_manifest_name);
      ip.changed = !old || sha256_hex(*old) != files_sum;
    }
    out.push_back(ip);
    fs::rename(dir, stage.path / ("ready-" + std::to_string(out.size())), ec);
    if (ec) return fail(error{errc::io_error, "cannot stage \"" + ip.name + "\": " + ec.message(), ip.name, {}, dir.string()});
  }
  // Everything checked: move each into place.
  auto lock = opts.lock.empty() ? result<lock_file>(lock_file{}) : lock_file::read(opts.lock);
  if (!lock) return fail(std::move(lock.error()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& ip = out[i];
    const fs::path ready = stage.path / ("ready-" + std::to_string(i + 1));
    const fs::path aside = stage.path / ("old-" + std::to_string(i + 1));
    if (fs::exists(ip.dir, ec)) {
      fs::rename(ip.dir, aside, ec);
      if (ec) return fail(error{errc::io_error, "cannot move the old \"" + ip.name + "\" aside: " + ec.message(), ip.name, {}, ip.dir.string()});
    }
    fs::rename(ready, ip.dir, ec);
    if (ec) {
      std::error_code back;
      if (fs::exists(aside, back)) fs::rename(aside, ip.dir, back);
      return fail(error{errc::io_error, "cannot move \"" + ip.name + "\" into place: " + ec.message(), ip.name, {}, ip.dir.string()});
    }
    auto text = read_file(ip.dir / files_manifest_name);
    lock->plugins[ip.name] = lock_entry{ip.version, ip.source, ip.resolved, text ? sha256_hex(*text) : std::string(), ip.key_id};
  }
  if (!opts.lock.empty()) {
    if (auto w = lock->write(opts.lock); !w) return fail(std::move(w.error()));
  }
  return out;
}

/// Installs exactly what aura.lock records (`install --frozen`): each entry's
/// source must resolve to the commit or bytes the lock names.
[[nodiscard]] inline result<std::vector<installed_plugin>> install_frozen(const install_options& opts) {
  auto lock = lock_file::read(opts.lock);
  if (!lock) return fail(std::move(lock.error()));
  if (lock->plugins.empty()) return fail(error{errc::not_found, "--frozen: " + opts.lock.string() + " lists no plugins", {}, {}, opts.lock.string()});
  std::vector<installed_plugin> out;
  for (const auto& [name, e] : lock->plugins) {
    install_options o = opts;
    o.name = name;
    o.replace = true;
    o.expect_resolved = e.resolved;
    o.lock_source = e.source;  // the lock is reproduced as it was, range and all
    std::string source = e.source;
    if (auto p = parse_source(source); p && p->kind == source_kind::registry) source = p->location + "@=" + e.version;
    auto r = install(source, o);
    if (!r) return fail(std::move(r.error()));
    out.insert(out.end(), r->begin(), r->end());
  }
  return out;
}

/// Installs each plugin again from its aura.lock source, newest in range
/// (`update`); `only`: just that one. Unchanged plugins report changed=false.
[[nodiscard]] inline result<std::vector<installed_plugin>> update(const install_options& opts, const std::string& only = {}) {
  auto lock = lock_file::read(opts.lock);
  if (!lock) return fail(std::move(lock.error()));
  if (!only.empty() && !lock->plugins.count(only)) {
    return fail(error{errc::not_found, "plugin \"" + only + "\" is not in " + opts.lock.string() + " (install it first)", only, {}, opts.lock.string()});
  }
  std::vector<installed_plugin> out;
  for (const auto& [name, e] : lock->plugins) {
    if (!only.empty() && name != only) continue;
    install_options o = opts;
    o.name = name;
    o.replace = true;
    auto r = install(e.source, o);
    if (!r) return fail(std::move(r.error()));
    out.insert(out.end(), r->begin(), r->end());
  }
  return out;
}

/// Removes an installed plugin (and its lock entry).
[[nodiscard]] inline result<void> remove(const std::string& name, const fs::path& root, const fs::path& lock) {
  if (!unsafe_path(name).empty() || name.find('/') != std::string::npos || name.empty() || name[0] == '.') {
    return fail(errc::invalid_argument, "\"" + name + "\" is not an installed plugin's name");
  }
  std::error_code ec;
  const fs::path dir = root / name;
  if (!fs::is_directory(dir, ec)) return fail(error{errc::not_found, "no plugin \"" + name + "\" is installed in " + root.string(), name, {}, dir.string()});
  const fs::path aside = root / (".removing-" + name + "-" + detail::random_tag());
  fs::rename(dir, aside, ec);
  if (ec) return fail(error{errc::io_error, "cannot remove \"" + dir.string() + "\": " + ec.message(), name, {}, dir.string()});
  fs::remove_all(aside, ec);
  if (!lock.empty()) {
    auto lf = lock_file::read(lock);
    if (!lf) return fail(std::move(lf.error()));
    lf->plugins.erase(name);
    if (auto w = lf->write(lock); !w) return w;
  }
  return {};
}

/// What drifted between aura.lock and the root: one line per difference.
[[nodiscard]] inline std::vector<std::string> lock_drift(const fs::path& root, const lock_file& lock) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& [name, e] : lock.plugins) {
    const fs::path dir = root / name;
    if (!fs::is_directory(dir, ec)) {
      out.push_back(name + ": in aura.lock but not installed");
      continue;
    }
    auto text = read_file(dir / files_manifest_name);
    if (!text) {
      out.push_back(name + ": installed without AURA-FILES");
      continue;
    }
    if (sha256_hex(*text) != e.files) {
      out.push_back(name + ": installed files differ from aura.lock (" + e.version + " from " + e.source + ")");
    } else if (auto v = verify_files(dir, name); !v) {
      out.push_back(name + ": " + v.error().message);
    }
  }
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.empty() || n[0] == '.' || !it->is_directory(ec)) continue;
    if (!lock.plugins.count(n)) out.push_back(n + ": installed but not in aura.lock");
  }
  return out;
}

}  // namespace aura::distribution
