// install from each source kind, lock and --frozen, registry publish and
// resolve (directory and HTTP), the plugin_host's load-time verification,
// change notifications, and per-plugin log files.
#include <catch2/catch.hpp>

#include <aura/plugin/plugin.hpp>
#include <aura/plugin/runtimes/defaults.hpp>
#if defined(AURA_TEST_HTTP)
#include <aura/net/curl_http_client.hpp>
#endif
#if defined(AURA_TEST_HTTP) && (!defined(AURA_PLUGIN_TOML) || AURA_PLUGIN_TOML)
#include <aura/distribution/remote_wasm.hpp>
#include <aura/plugin/clawdius_config.hpp>
#endif

#include <thread>

#include "dist_test_util.hpp"

using namespace aura::distribution;
using aura_test::temp_tree;
namespace fs = std::filesystem;

namespace {

install_options options_for(const temp_tree& t) {
  install_options o;
  o.root = t.path() / "root" / "plugins";
  o.lock = t.path() / "root" / "aura.lock";
  o.trust = trust_store({t.path() / "trust"});
  return o;
}

bool nothing_staged(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string()[0] == '.') return false;
  }
  return true;
}

void git(const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> argv{AURA_TEST_GIT, "-c", "user.email=t@example.com", "-c", "user.name=t"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  INFO(out);
  REQUIRE(dist_test::run(argv, dir, &out) == 0);
}

}  // namespace

TEST_CASE("install: a directory, then remove; nothing half-installed after a failure", "[distribution][install]") {
  temp_tree t;
  dist_test::write_plugin(t, "src", "demo");
  auto o = options_for(t);
  auto r = install((t.path() / "src").string(), o);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].name == "demo");
  CHECK(fs::exists(o.root / "demo" / "AURA-FILES"));
  CHECK(fs::exists(o.root / "demo" / "hook.sh"));
  auto lock = lock_file::read(o.lock);
  REQUIRE(lock);
  CHECK(lock->plugins.at("demo").version == "1.0.0");
  CHECK(lock->plugins.at("demo").resolved.rfind("sha256:", 0) == 0);
  CHECK(lock_drift(o.root, *lock).empty());
  auto again = install((t.path() / "src").string(), o);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == aura::errc::already_exists);
  // --name
  auto o2 = o;
  o2.name = "demo-two";
  REQUIRE(install((t.path() / "src").string(), o2));
  CHECK(fs::exists(o.root / "demo-two" / "aura-plugin.json"));
  // drift
  t.write("root/plugins/demo/hook.sh", "changed");
  auto drift = lock_drift(o.root, *lock_file::read(o.lock));
  REQUIRE(drift.size() == 1);
  CHECK(drift[0].find("demo: file \"hook.sh\" was changed") != std::string::npos);
  REQUIRE(remove("demo", o.root, o.lock));
  CHECK_FALSE(fs::exists(o.root / "demo"));
  CHECK_FALSE(lock_file::read(o.lock)->plugins.count("demo"));
  CHECK(remove("demo", o.root, o.lock).error().code == aura::errc::not_found);
  CHECK_FALSE(remove("../x", o.root, o.lock));
  // A strict policy refuses an unsigned source, and leaves nothing behind.
  auto strict = o;
  strict.policy.allow_unsigned = false;
  auto refused = install((t.path() / "src").string(), strict);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("unsigned") != std::string::npos);
  CHECK(nothing_staged(o.root));
  CHECK_FALSE(fs::exists(o.root / "demo"));
  CHECK_FALSE(install("/no/such/source", o));
}

TEST_CASE("install: a signed pack; a tampered or unsafe pack leaves nothing", "[distribution][install][pack]") {
  temp_tree t;
  dist_test::write_plugin(t, "src", "demo");
  const auto k = secret_key::generate();
  auto p = pack(t.path() / "src", &k);
  REQUIRE(p);
  t.write("demo-1.0.0.tar.gz", p->bytes);
  auto o = options_for(t);
  o.policy.allow_unsigned = false;
  auto untrusted = install((t.path() / "demo-1.0.0.tar.gz").string(), o);
  REQUIRE_FALSE(untrusted);
  CHECK(untrusted.error().message.find("not in the trust store") != std::string::npos);
  CHECK(nothing_staged(o.root));
  REQUIRE(o.trust.add(k.public_part()));
  auto r = install((t.path() / "demo-1.0.0.tar.gz").string(), o);
  REQUIRE(r);
  CHECK((*r)[0].key_id == k.public_part().id_text());
  CHECK((*r)[0].resolved == "sha256:" + sha256_hex(p->bytes));
  // A pack whose file differs from its signed AURA-FILES.
  auto entries = unpack(p->bytes, "x");
  REQUIRE(entries);
  for (auto& e : *entries) if (e.path == "hook.sh") e.data = "#!/bin/sh\nexit 0\n";
  t.write("evil.tar.gz", *gzip(*write_tar(*entries)));
  auto o2 = o;
  o2.root = t.path() / "root2";
  auto evil = install((t.path() / "evil.tar.gz").string(), o2);
  REQUIRE_FALSE(evil);
  CHECK(evil.error().message.find("\"hook.sh\" was changed") != std::string::npos);
  CHECK(nothing_staged(o2.root));
  // An unsafe pack.
  t.write("escape.tar.gz", *gzip(*write_tar({{"../../x", tar_entry::kind::file, false, "x", {}}})));
  auto esc = install((t.path() / "escape.tar.gz").string(), o2);
  REQUIRE_FALSE(esc);
  CHECK(esc.error().message.find("\"..\"") != std::string::npos);
  CHECK(nothing_staged(o2.root));
}

TEST_CASE("install: git URLs with @ref and #subpath, plugin packs, --frozen", "[distribution][install][git]") {
  if (std::string(AURA_TEST_GIT).empty()) {
    WARN("git not installed");
    return;
  }
  temp_tree t;
  dist_test::write_plugin(t, "work/plugins/alpha", "alpha", "1.0.0");
  dist_test::write_plugin(t, "work/plugins/beta", "beta", "1.0.0");
  git({"init", "-q"}, t.path() / "work");
  git({"add", "."}, t.path() / "work");
  git({"commit", "-q", "-m", "one"}, t.path() / "work");
  git({"tag", "v1"}, t.path() / "work");
  git({"clone", "-q", "--bare", "work", "bare.git"}, t.path());
  const std::string url = "file://" + (t.path() / "bare.git").string();
  auto o = options_for(t);
  // a pack: both plugins
  auto both = install(url + "@v1#plugins", o);
  REQUIRE(both);
  REQUIRE(both->size() == 2);
  CHECK(fs::exists(o.root / "alpha" / "hook.sh"));
  CHECK(fs::exists(o.root / "beta" / "hook.sh"));
  CHECK((*both)[0].resolved.rfind("git:", 0) == 0);
  CHECK_FALSE(fs::exists(o.root / "alpha" / ".git"));
  const std::string first_commit = (*both)[0].resolved;
  // a new commit upstream: update picks it up; --frozen returns to the locked commit
  dist_test::write_plugin(t, "work/plugins/alpha", "alpha", "1.1.0", "newer");
  git({"commit", "-q", "-am", "two"}, t.path() / "work");
  git({"push", "-q", (t.path() / "bare.git").string(), "HEAD"}, t.path() / "work");
  auto sub = options_for(t);
  sub.root = t.path() / "r2";
  sub.lock = t.path() / "r2.lock";
  auto one = install(url + "#plugins/alpha", sub);
  REQUIRE(one);
  CHECK((*one)[0].version == "1.1.0");
  CHECK((*one)[0].resolved != first_commit);
  auto frozen = install_frozen(o);
  REQUIRE(frozen);
  CHECK(lock_file::read(o.lock)->plugins.at("alpha").version == "1.0.0");
  CHECK(lock_file::read(o.lock)->plugins.at("alpha").resolved == first_commit);
  // a lock naming a commit the source no longer resolves to fails --frozen
  auto lf = lock_file::read(o.lock);
  lf->plugins.at("alpha").resolved = "git:0000000000000000000000000000000000000000";
  REQUIRE(lf->write(o.lock));
  CHECK_FALSE(install_frozen(o));
  // a bad ref or subpath
  CHECK_FALSE(install(url + "@no-such-ref", sub));
  auto bad_sub = install(url + "#../etc", sub);
  REQUIRE_FALSE(bad_sub);
  CHECK(bad_sub.error().message.find("#subpath") != std::string::npos);
  // a repository whose plugin links outside itself
  fs::create_symlink("/etc/passwd", t.path() / "work/plugins/beta/passwd");
  git({"add", "."}, t.path() / "work");
  git({"commit", "-q", "-m", "link"}, t.path() / "work");
  auto link = install((t.path() / "work").string() + "/.git#plugins/beta", sub);
  REQUIRE_FALSE(link);
  CHECK(link.error().message.find("outside the plugin root") != std::string::npos);
  CHECK(nothing_staged(sub.root));
}

TEST_CASE("registry: first-publish checks, publish, resolve ranges, install and update", "[distribution][registry]") {
  temp_tree t;
  const auto k = secret_key::generate();
  const fs::path reg = t.dir("registry");
  auto publish_version = [&](const std::string& version, const std::string& extra = "") {
    const std::string rel = "src-" + version;
    dist_test::write_plugin(t, rel, "gate", version);
    if (!extra.empty()) t.write(rel + "/aura-plugin.json", extra);
    auto p = pack(t.path() / rel, &k);
    REQUIRE(p);
    const auto file = t.write(p->file_name, p->bytes);
    return publish(reg, file, "acme", k.public_part());
  };
  // First publish: metadata review.
  auto no_license = publish_version("0.9.0", "{\"plugin\": {\"name\": \"gate\", \"version\": \"0.9.0\", \"runtime\": {\"kind\": \"command\", \"entrypoint\": \"./hook.sh\"}}}");
  REQUIRE_FALSE(no_license);
  CHECK(no_license.error().message.find("a license") != std::string::npos);
  CHECK(no_license.error().message.find("at least one author") != std::string::npos);
  // Unsigned packs are refused.
  dist_test::write_plugin(t, "unsigned", "gate", "1.0.0");
  auto up = pack(t.path() / "unsigned");
  auto unsigned_file = t.write("unsigned.tar.gz", up->bytes);
  CHECK(publish(reg, unsigned_file, "acme", k.public_part()).error().message.find("not signed") != std::string::npos);
  // Without a key on the first publish of a publisher.
  CHECK_FALSE(publish(reg, unsigned_file, "acme"));
  REQUIRE(publish_version("1.0.0"));
  REQUIRE(publish_version("1.2.0"));
  REQUIRE(publish_version("2.0.0"));
  auto dup = publish_version("1.2.0");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message.find("already published") != std::string::npos);
  // Another key may not publish for acme.
  const auto intruder = secret_key::generate();
  dist_test::write_plugin(t, "evil", "gate", "3.0.0");
  auto ep = pack(t.path() / "evil", &intruder);
  auto evil_file = t.write("evil.tar.gz", ep->bytes);
  CHECK(publish(reg, evil_file, "acme", intruder.public_part()).error().message.find("not registered") != std::string::npos);
  registry r(reg.string());
  CHECK(r.resolve("acme/gate", "^1")->version == "1.2.0");
  CHECK(r.resolve("acme/gate", "*")->version == "2.0.0");
  CHECK(r.resolve("acme/gate", "=1.0.0")->version == "1.0.0");
  CHECK(r.resolve("acme/gate", "^3").error().message.find("published: 1.0.0, 1.2.0, 2.0.0") != std::string::npos);
  CHECK(r.resolve("acme/nope", "*").error().code == aura::errc::not_found);
  // Install: the publisher's key is trusted on first use; the lock pins it.
  auto o = options_for(t);
  o.registry = reg.string();
  o.policy.allow_unsigned = false;
  auto got = install("acme/gate@~1.0", o);
  REQUIRE(got);
  CHECK((*got)[0].version == "1.0.0");
  CHECK((*got)[0].key_id == k.public_part().id_text());
  CHECK(o.trust.find(k.id));
  // Lock reproducibility: --frozen in a fresh root gives the same aura.lock, byte for byte, and no drift.
  const std::string locked = *read_file(o.lock);
  fs::remove_all(o.root);
  auto refrozen = install_frozen(o);
  REQUIRE(refrozen);
  CHECK((*refrozen)[0].version == "1.0.0");
  CHECK(*read_file(o.lock) == locked);
  CHECK(lock_drift(o.root, *lock_file::read(o.lock)).empty());
  // update within the range of the source: ~1.0 has nothing newer; a ^1 install moves to 1.2.0
  auto same = update(o, "gate");
  REQUIRE(same);
  CHECK_FALSE((*same)[0].changed);
  auto lf = lock_file::read(o.lock);
  lf->plugins.at("gate").source = "acme/gate@^1";
  REQUIRE(lf->write(o.lock));
  auto newer = update(o);
  REQUIRE(newer);
  CHECK((*newer)[0].changed);
  CHECK((*newer)[0].version == "1.2.0");
  CHECK(update(o, "nope").error().code == aura::errc::not_found);
  // A tarball swapped in the registry fails its index hash.
  auto idx = nlohmann::json::parse(*read_file(reg / "index.json"));
  const std::string f2 = idx["plugins"]["acme/gate"]["versions"]["2.0.0"]["file"];
  t.write("registry/" + f2, *read_file(reg / idx["plugins"]["acme/gate"]["versions"]["1.0.0"]["file"].get<std::string>()));
  auto swapped = install("acme/gate@2", options_for(t));
  CHECK_FALSE(swapped);
  auto o3 = options_for(t);
  o3.root = t.path() / "r3";
  o3.registry = reg.string();
  auto sw = install("acme/gate@^2", o3);
  REQUIRE_FALSE(sw);
  CHECK(sw.error().message.find("the index says") != std::string::npos);
}

TEST_CASE("registry: a rotated publisher key is cached on install and retires the old one", "[distribution][registry][trust]") {
  temp_tree t;
  const auto old_key = secret_key::generate();
  const auto new_key = secret_key::generate();
  const fs::path reg = t.dir("registry");
  dist_test::write_plugin(t, "v1", "gate", "1.0.0");
  REQUIRE(publish(reg, t.write("a.tar.gz", pack(t.path() / "v1", &old_key)->bytes), "acme", old_key.public_part()));
  auto o = options_for(t);
  o.registry = reg.string();
  REQUIRE(install("acme/gate@^1", o));
  // The publisher rotates: the new .pub signed by the old key, served by the registry.
  const std::string new_pub = new_key.public_part().file_text();
  t.write("registry/keys/" + new_key.public_part().id_text() + ".pub", new_pub);
  t.write("registry/keys/" + new_key.public_part().id_text() + ".pub.minisig", sign(old_key, new_pub, "rotate").file_text());
  dist_test::write_plugin(t, "v2", "gate", "1.1.0");
  REQUIRE(publish(reg, t.write("b.tar.gz", pack(t.path() / "v2", &new_key)->bytes), "acme", new_key.public_part()));
  // The installed 1.0.0 still verifies until the rotation is seen...
  CHECK(verify_plugin(o.root / "gate", "gate", o.trust, {}));
  auto up = update(o, "gate");
  REQUIRE(up);
  CHECK((*up)[0].version == "1.1.0");
  CHECK(o.trust.find(new_key.id));
  CHECK(o.trust.successor(old_key.id));
  // ...and a copy of the old release no longer does.
  auto o2 = options_for(t);
  o2.root = t.path() / "old-root";
  o2.registry = reg.string();
  auto old_again = install("acme/gate@=1.0.0", o2);
  REQUIRE_FALSE(old_again);
  CHECK(old_again.error().message.find("rotated") != std::string::npos);
}

#if defined(AURA_TEST_HTTP)
TEST_CASE("registry: served over HTTP by python3 -m http.server", "[distribution][registry][http]") {
  temp_tree t;
  const auto k = secret_key::generate();
  const fs::path reg = t.dir("registry");
  dist_test::write_plugin(t, "src", "gate", "1.0.0");
  REQUIRE(publish(reg, t.write("g.tar.gz", pack(t.path() / "src", &k)->bytes), "acme", k.public_part()));
  dist_test::http_server server(reg);
  REQUIRE(server.ready());
  auto o = options_for(t);
  o.registry = server.url();
  o.http = std::make_shared<aura::net::curl_http_client>();
  registry r(o.registry, o.http);
  aura::result<nlohmann::json> idx = aura::fail(aura::errc::io_error, "not yet");
  for (int i = 0; i < 200 && !idx; ++i) {  // wait until it answers HTTP too
    idx = r.index();
    if (!idx) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(idx);
  auto got = install("acme/gate", o);
  REQUIRE(got);
  CHECK((*got)[0].version == "1.0.0");
  CHECK(r.fetch("nope.json").error().code == aura::errc::not_found);
}

TEST_CASE("install: a remote .wasm by URL with its integrity hash (Clawdius), locked and reproduced", "[distribution][install][http][wasm]") {
  temp_tree t;
  const std::string wasm("\0asm\1\0\0\0", 8);  // the smallest module: header and version
  t.write("site/mods/audit.wasm", wasm);
  t.write("site/mods/fake.wasm", "not wasm");
  dist_test::http_server server(t.path() / "site");
  REQUIRE(server.ready());
  auto o = options_for(t);
  o.http = std::make_shared<aura::net::curl_http_client>();
  const std::string url = server.url() + "/mods/audit.wasm";
  const std::string source = url + "#sha256=" + sha256_hex(wasm) + "&hooks=tool_before_execute,tool_after_execute";
  // The hash is required, and must be one.
  auto bare = install(url, o);
  REQUIRE_FALSE(bare);
  CHECK(bare.error().message.find("needs its integrity hash: " + url + "#sha256=HEX") != std::string::npos);
  auto short_hash = install(url + "#sha256=abc", o);
  REQUIRE_FALSE(short_hash);
  CHECK(short_hash.error().message.find("64 hex digits, got \"abc\"") != std::string::npos);
  // A wrong hash names the URL and both hashes, and leaves nothing.
  const std::string wrong(64, 'a');
  auto mismatch = install(url + "#sha256=" + wrong, o);
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message == url + " has SHA-256 " + sha256_hex(wasm) + ", the source pins " + wrong +
                                        " (the file changed, or the hash is wrong)");
  CHECK(nothing_staged(o.root));
  CHECK_FALSE(fs::exists(o.root / "audit"));
  auto missing = install(server.url() + "/mods/none.wasm#sha256=" + wrong, o);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("HTTP 404") != std::string::npos);
  auto fake = install(server.url() + "/mods/fake.wasm#sha256=" + sha256_hex("not wasm"), o);
  REQUIRE_FALSE(fake);
  CHECK(fake.error().message.find("not a WebAssembly module") != std::string::npos);
  auto offline = options_for(t);
  auto no_http = install(source, offline);
  REQUIRE_FALSE(no_http);
  CHECK(no_http.error().message.find("needs an HTTP client") != std::string::npos);
  // The right one: a wasm plugin with the hooks named, locked by its hash.
  auto got = install(source, o);
  REQUIRE(got);
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].name == "audit");
  CHECK((*got)[0].resolved == "sha256:" + sha256_hex(wasm));
  CHECK(*read_file(o.root / "audit" / "audit.wasm") == wasm);
  auto m = aura::plugin::read_manifest(o.root / "audit" / "aura-plugin.json");
  REQUIRE(m);
  CHECK(m->runtime.kind == aura::plugin::runtime_kind::wasm);
  CHECK(m->runtime.entrypoint == "audit.wasm");
  REQUIRE(m->hooks.size() == 2);
  CHECK(m->hooks[0].event == "tool_before_execute");
  CHECK(m->hooks[0].handler == "tool_before_execute");
  CHECK(verify_plugin(o.root / "audit", "audit", o.trust, {}));  // every load checks the bytes against AURA-FILES
  const std::string lock_text = *read_file(o.lock);
  CHECK(lock_file::read(o.lock)->plugins.at("audit").source == source);
  // --frozen in a fresh root reproduces the lock byte for byte.
  fs::remove_all(o.root);
  REQUIRE(install_frozen(o));
  CHECK(*read_file(o.lock) == lock_text);
  CHECK(lock_drift(o.root, *lock_file::read(o.lock)).empty());
  // The server's file changes: update refuses it, naming both hashes; the installed copy stays.
  t.write("site/mods/audit.wasm", wasm + std::string("\0", 1));
  auto changed = update(o, "audit");
  REQUIRE_FALSE(changed);
  CHECK(changed.error().message.find("the source pins " + sha256_hex(wasm)) != std::string::npos);
  CHECK(*read_file(o.root / "audit" / "audit.wasm") == wasm);
}
#endif

TEST_CASE("host: installed plugins are verified on every load; changes are observed; stderr logged", "[distribution][host]") {
  temp_tree t;
  const auto k = secret_key::generate();
  dist_test::write_plugin(t, "src", "demo", "1.0.0", "first");
  t.write("demo.tar.gz", pack(t.path() / "src", &k)->bytes);
  auto o = options_for(t);
  REQUIRE(o.trust.add(k.public_part()));
  REQUIRE(install((t.path() / "demo.tar.gz").string(), o));
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  verify_policy strict;
  strict.allow_unsigned = false;
  ho.verify_load = load_verifier(o.trust, strict);
  ho.log_dir = t.path() / "logs";
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
  std::vector<std::string> seen;
  host.on_change([&](const aura::plugin::plugin_change& c) {
    seen.push_back(std::to_string(static_cast<int>(c.what)) + ":" + c.name + ":" + c.version);
  });
  auto m = aura::plugin::read_manifest(o.root / "demo" / "aura-plugin.json");
  REQUIRE(m);
  REQUIRE(host.load(*m));
  CHECK(bus.emit("commit", nlohmann::json::object()).reason.find("first") != std::string::npos);
  // A file changed after install: reload fails naming it, the old version keeps running.
  t.write("root/plugins/demo/hook.sh", "#!/bin/sh\nexit 0\n", true);
  auto reloaded = host.reload("demo");
  REQUIRE_FALSE(reloaded);
  CHECK(reloaded.error().message.find("\"hook.sh\" was changed after install") != std::string::npos);
  CHECK(reloaded.error().plugin == "demo");
  CHECK(host.loaded("demo"));
  // An upgrade to a verified 1.1.0 swaps atomically and is observed.
  dist_test::write_plugin(t, "src", "demo", "1.1.0", "second");
  t.write("demo2.tar.gz", pack(t.path() / "src", &k)->bytes);
  auto o2 = o;
  o2.replace = true;
  REQUIRE(install((t.path() / "demo2.tar.gz").string(), o2));
  REQUIRE(host.reload("demo"));
  CHECK(bus.emit("commit", nlohmann::json::object()).reason.find("second") != std::string::npos);
  REQUIRE(host.unload("demo"));
  CHECK(seen == std::vector<std::string>{"0:demo:1.0.0", "2:demo:1.1.0", "1:demo:1.1.0"});
  // A plugin with no AURA-FILES is unsigned: refused under the strict policy.
  dist_test::write_plugin(t, "dev", "dev");
  auto dev = host.load(*aura::plugin::read_manifest(t.path() / "dev" / "aura-plugin.json"));
  REQUIRE_FALSE(dev);
  CHECK(dev.error().message.find("unsigned") != std::string::npos);
}

TEST_CASE("logs: a process plugin's stderr and host/log lines go to its log file, rotated by size", "[distribution][logs]") {
  temp_tree t;
  t.write("py/plugin.py", aura_test::python_rpc_plugin(R"PY(        sys.stderr.write("event seen\n"); sys.stderr.flush()
        print(json.dumps({"jsonrpc": "2.0", "id": "l1", "method": "host/log", "params": {"level": "info", "message": "logged via host"}}), flush=True)
)PY", R"PY(        sys.stderr.write("starting up\n"); sys.stderr.flush()
)PY"));
  t.write("py/aura-plugin.json", "{\"plugin\": {\"name\": \"talker\", \"version\": \"1.0.0\", \"runtime\": {\"kind\": \"process\", \"entrypoint\": \"python3 plugin.py\"}, \"hooks\": [{\"event\": \"commit\", \"handler\": \"h\"}], \"permissions\": {\"call_api\": [\"log\"]}}}");
  const fs::path logs = t.path() / "logs";
  t.write("logs/talker.log", std::string(300, 'x') + "\n");
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  ho.log_dir = logs;
  ho.log_max_bytes = 200;
  {
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
    REQUIRE(host.load(*aura::plugin::read_manifest(t.path() / "py" / "aura-plugin.json")));
    (void)bus.emit("commit", nlohmann::json::object());
    REQUIRE(host.unload("talker"));
  }
  CHECK(fs::exists(logs / "talker.log.1"));  // the full log was rotated at start
  const std::string text = *read_file(logs / "talker.log");
  CHECK(text.find("starting up") != std::string::npos);
  CHECK(text.find("event seen") != std::string::npos);
  CHECK(text.find("logged via host") != std::string::npos);
  auto tail = aura::plugin::log_tail(logs / "talker.log", 2);
  REQUIRE(tail.size() == 2);
}

#if defined(AURA_TEST_HTTP) && (!defined(AURA_PLUGIN_TOML) || AURA_PLUGIN_TOML)
TEST_CASE("clawdius config: a remote .wasm by URL is fetched into the cache and verified on every load", "[distribution][http][wasm][clawdius]") {
  temp_tree t;
  const std::string wasm("\0asm\1\0\0\0", 8);
  t.write("site/audit.wasm", wasm);
  dist_test::http_server server(t.path() / "site");
  REQUIRE(server.ready());
  auto http = std::make_shared<aura::net::curl_http_client>();
  const fs::path cache = t.path() / "cache";
  const auto fetch = wasm_cache_fetcher(cache, http);
  const std::string url = server.url() + "/audit.wasm";
  const std::string good = sha256_hex(wasm);
  const std::string bad(64, '0');
  auto config = [&](const std::string& name, const std::string& hex) {
    return t.write(name + "/.clawdius/config.toml", "[plugins]\nload = [\n  \"" + url + "#sha256=" + hex +
                                                        "\",\n]\n[plugins.hooks]\ntool_before_execute = [\"audit\"]\n");
  };
  aura::result<std::vector<aura::plugin::manifest>> got = aura::fail(aura::errc::io_error, "not yet");
  const fs::path good_file = config("a", good);
  for (int i = 0; i < 200; ++i) {  // wait until the server answers HTTP
    got = aura::plugin::read_clawdius_config(good_file, fetch);
    if (got || got.error().message.find("SHA-256") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  INFO((got ? std::string() : got.error().describe()));
  REQUIRE(got);
  REQUIRE(got->size() == 1);
  CHECK(got->at(0).name == "audit");
  CHECK(*read_file(cache / good / "audit.wasm") == wasm);
  // Without a fetcher a remote entry is an error naming the URL.
  auto none = aura::plugin::read_clawdius_config(good_file);
  REQUIRE_FALSE(none);
  CHECK(none.error().describe().find(url) != std::string::npos);
  // A wrong pin: the error names the config file, its line, the URL and both hashes.
  const fs::path bad_file = config("b", bad);
  auto wrong = aura::plugin::read_clawdius_config(bad_file, fetch);
  REQUIRE_FALSE(wrong);
  const std::string w = wrong.error().describe();
  INFO(w);
  CHECK(w.find(bad_file.string()) != std::string::npos);
  CHECK(w.find(":3") != std::string::npos);
  CHECK(w.find(url) != std::string::npos);
  CHECK(w.find(good) != std::string::npos);
  CHECK(w.find(bad) != std::string::npos);
  CHECK_FALSE(fs::exists(cache / bad));
  // The cached copy changes after the fetch: the next load refuses it.
  t.write("cache/" + good + "/audit.wasm", wasm + std::string("\0", 1));
  auto changed = aura::plugin::read_clawdius_config(good_file, fetch);
  REQUIRE_FALSE(changed);
  const std::string c = changed.error().describe();
  INFO(c);
  CHECK(c.find(good_file.string()) != std::string::npos);
  CHECK(c.find("the source pins " + good) != std::string::npos);
  CHECK(c.find(url) != std::string::npos);
}
#endif
