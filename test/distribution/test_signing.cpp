// Signatures (minisign interop both ways), the pack format (reproducible,
// AURA-FILES), unpacking attacks, verification after install, trust rotation.
#include <catch2/catch.hpp>

#include "dist_test_util.hpp"

using namespace aura::distribution;
using aura_test::temp_tree;
namespace fs = std::filesystem;

namespace {

bool have_minisign() { return std::string(AURA_TEST_MINISIGN).size() > 0 && fs::exists(AURA_TEST_MINISIGN); }

std::string slurp(const fs::path& p) {
  auto r = read_file(p);
  REQUIRE(r);
  return *r;
}

/// A tar archive with one entry of raw type `type` (devices, FIFOs, ...).
std::string tar_with_type(const std::string& path, char type) {
  auto t = write_tar({tar_entry{path, tar_entry::kind::file, false, "", {}}});
  REQUIRE(t);
  std::string s = *t;
  s[156] = type;
  std::memset(&s[148], ' ', 8);
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(s[i]);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", sum);
  std::memcpy(&s[148], buf, 7);
  return s;
}

}  // namespace

TEST_CASE("minisign: aura's keys and signatures round-trip and fail on any change", "[distribution][minisign]") {
  const auto k = secret_key::generate();
  auto parsed = secret_key::parse(k.file_text(), "k");
  REQUIRE(parsed);
  CHECK(parsed->key == k.key);
  auto pub = public_key::parse(k.public_part().file_text(), "pub");
  REQUIRE(pub);
  CHECK(pub->id_text() == k.public_part().id_text());
  for (bool legacy : {false, true}) {
    auto s = sign(k, "hello", "trusted text", legacy);
    auto back = signature::parse(s.file_text(), "sig");
    REQUIRE(back);
    CHECK(back->prehashed == !legacy);
    CHECK(verify(*pub, *back, "hello", "m"));
    auto changed = verify(*pub, *back, "hellO", "m");
    REQUIRE_FALSE(changed);
    CHECK(changed.error().message.find("does not match") != std::string::npos);
    back->trusted_comment = "other";
    auto tc = verify(*pub, *back, "hello", "m");
    REQUIRE_FALSE(tc);
    CHECK(tc.error().message.find("trusted comment") != std::string::npos);
  }
  const auto other = secret_key::generate();
  auto wrong = verify(other.public_part(), sign(k, "x", "t"), "x", "file.txt");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("signed by key " + k.public_part().id_text()) != std::string::npos);
  // Malformed files say what is wrong.
  CHECK(public_key::parse("untrusted comment: x\nnot base64!\n", "p.pub").error().message.find("base64") != std::string::npos);
  CHECK(signature::parse("untrusted comment: x\nRWQ=\n", "s.minisig").error().message.find("4 lines") != std::string::npos);
  CHECK_FALSE(signature::parse("no comment\n", "s"));
  // An unknown key derivation is refused, naming it.
  std::string raw = *base64_decode(k.file_text().substr(k.file_text().find('\n') + 1, 212), "k");
  raw[2] = 'X';
  raw[3] = 'y';
  auto odd = secret_key::parse("untrusted comment: x\n" + base64_encode(raw) + "\n", "odd.key");
  REQUIRE_FALSE(odd);
  CHECK(odd.error().message.find("unknown key derivation \"Xy\"") != std::string::npos);
}

TEST_CASE("minisign: password-protected secret keys (scrypt) decrypt with the password only", "[distribution][minisign]") {
  const auto k = secret_key::generate();
  const std::string pw = "correct horse";
  // Small scrypt limits keep the test fast; minisign's own are the defaults.
  const std::string text = k.file_text(&pw, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN);
  CHECK(text.rfind("untrusted comment: minisign encrypted secret key\n", 0) == 0);
  CHECK(secret_key::encrypted(text));
  CHECK_FALSE(secret_key::encrypted(k.file_text()));
  auto back = secret_key::parse(text, "enc.key", &pw);
  REQUIRE(back);
  CHECK(back->key == k.key);
  CHECK(back->id == k.id);
  const std::string wrong_pw = "wrong horse";
  auto wrong = secret_key::parse(text, "enc.key", &wrong_pw);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message == "enc.key: wrong password for the encrypted secret key (its checksum does not match)");
  auto none = secret_key::parse(text, "enc.key");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("enc.key: the secret key is encrypted with a password, and none was given") != std::string::npos);
  // Two encryptions differ (a fresh salt each), both decrypt.
  const std::string again = k.file_text(&pw, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN);
  CHECK(again != text);
  CHECK(secret_key::parse(again, "again.key", &pw));
  // A key file asking scrypt for absurd memory is refused before running it.
  std::string raw = *base64_decode(text.substr(text.find('\n') + 1, 212), "k");
  raw[46 + 7] = 0x7f;
  auto greedy = secret_key::parse("untrusted comment: x\n" + base64_encode(raw) + "\n", "greedy.key", &pw);
  REQUIRE_FALSE(greedy);
  CHECK(greedy.error().message.find("scrypt limits") != std::string::npos);
}

TEST_CASE("minisign: a key minisign -G encrypted with a password signs what minisign verifies", "[distribution][minisign][interop]") {
  if (!have_minisign()) {
    WARN("minisign not installed: interop not checked");
    return;
  }
  temp_tree t;
  const auto msg = t.write("AURA-FILES", "aura-files 1 demo 1.0.0\n");
  // minisign reads the password (twice) from stdin when it is not a terminal.
  auto env = aura::plugin::host_environment();
  auto made = aura::plugin::detail::run_command({AURA_TEST_MINISIGN, "-G", "-p", "pw.pub", "-s", "pw.key"}, t.path(), env,
                                                "s3cret pass\ns3cret pass\n", std::chrono::seconds(120));
  REQUIRE(made);
  INFO(made->out + made->err);
  REQUIRE(made->exit_code == 0);
  const std::string key_text = slurp(t.path() / "pw.key");
  REQUIRE(secret_key::encrypted(key_text));
  const std::string pw = "s3cret pass";
  auto sk = secret_key::parse(key_text, "pw.key", &pw);
  REQUIRE(sk);
  auto pub = public_key::parse(slurp(t.path() / "pw.pub"), "pw.pub");
  REQUIRE(pub);
  CHECK(sk->public_part().key == pub->key);
  t.write("AURA-FILES.minisig", sign(*sk, slurp(msg), "aura plugin demo 1.0.0").file_text());
  std::string out;
  CHECK(dist_test::run({AURA_TEST_MINISIGN, "-V", "-p", "pw.pub", "-m", "AURA-FILES"}, t.path(), &out) == 0);
  INFO(out);
  CHECK(out.find("Signature and comment signature verified") != std::string::npos);
}

TEST_CASE("minisign: Debian's minisign verifies aura's signatures and aura verifies minisign's", "[distribution][minisign][interop]") {
  if (!have_minisign()) {
    WARN("minisign not installed: interop not checked");
    return;
  }
  temp_tree t;
  const auto msg = t.write("AURA-FILES", "aura-files 1 demo 1.0.0\n");
  // minisign's keys -> aura signs -> minisign -V (prehashed and legacy)
  REQUIRE(dist_test::run({AURA_TEST_MINISIGN, "-G", "-W", "-p", "m.pub", "-s", "m.key"}, t.path()) == 0);
  auto sk = secret_key::parse(slurp(t.path() / "m.key"), "m.key");
  REQUIRE(sk);
  for (bool legacy : {false, true}) {
    t.write("AURA-FILES.minisig", sign(*sk, slurp(msg), "aura plugin demo 1.0.0", legacy).file_text());
    std::string out;
    CHECK(dist_test::run({AURA_TEST_MINISIGN, "-V", "-p", "m.pub", "-m", "AURA-FILES"}, t.path(), &out) == 0);
    INFO(out);
    CHECK(out.find("aura plugin demo 1.0.0") != std::string::npos);
    // -H demands a prehashed signature: legacy ones fail it
    CHECK((dist_test::run({AURA_TEST_MINISIGN, "-V", "-H", "-p", "m.pub", "-m", "AURA-FILES"}, t.path()) == 0) == !legacy);
  }
  // aura's keys -> minisign signs (both formats) -> aura verifies
  const auto k = secret_key::generate();
  t.write("a.key", k.file_text());
  t.write("a.pub", k.public_part().file_text());
  for (bool legacy : {false, true}) {
    std::vector<std::string> argv{AURA_TEST_MINISIGN, "-S", "-s", "a.key", "-t", "signed by minisign", "-m", "AURA-FILES"};
    if (legacy) argv.insert(argv.begin() + 2, "-l");
    std::string out;
    REQUIRE(dist_test::run(argv, t.path(), &out) == 0);
    auto s = signature::parse(slurp(t.path() / "AURA-FILES.minisig"), "sig");
    REQUIRE(s);
    CHECK(s->prehashed == !legacy);
    CHECK(s->trusted_comment == "signed by minisign");
    CHECK(verify(k.public_part(), *s, slurp(msg), "AURA-FILES"));
    CHECK_FALSE(verify(k.public_part(), *s, "aura-files 1 demo 1.0.1\n", "AURA-FILES"));
  }
  // minisign -V with aura's public key file
  CHECK(dist_test::run({AURA_TEST_MINISIGN, "-V", "-p", "a.pub", "-m", "AURA-FILES"}, t.path()) == 0);
}

TEST_CASE("pack: reproducible bytes, sorted entries, AURA-FILES of every file", "[distribution][pack]") {
  temp_tree t;
  const auto dir = dist_test::write_plugin(t, "p", "demo");
  t.write("p/lib/z.txt", "zzz");
  t.write("p/lib/a.txt", "aaa");
  t.write("p/.git/HEAD", "ignored");
  auto one = pack(dir);
  REQUIRE(one);
  CHECK(one->file_name == "demo-1.0.0.tar.gz");
  fs::last_write_time(dir / "lib/a.txt", fs::file_time_type::clock::now() - std::chrono::hours(5));
  auto two = pack(dir);
  REQUIRE(two);
  CHECK(one->bytes == two->bytes);  // byte-identical on repeat, whatever the mtimes
  auto entries = unpack(one->bytes, "demo.tar.gz");
  REQUIRE(entries);
  std::vector<std::string> paths;
  for (const auto& e : *entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"AURA-FILES", "aura-plugin.json", "hook.sh", "lib/a.txt", "lib/z.txt"});
  CHECK((*entries)[2].executable);
  const std::string files = (*entries)[0].data;
  CHECK(files.rfind("aura-files 1 demo 1.0.0\n", 0) == 0);
  CHECK(files.find("F " + sha256_hex("aaa") + " lib/a.txt\n") != std::string::npos);
  CHECK(files.find("X ") != std::string::npos);
  // The ustar headers carry no time and no owner.
  auto tar = gunzip(one->bytes, "x", 1 << 20);
  REQUIRE(tar);
  CHECK(std::string(tar->data() + 136, 11) == "00000000000");
  CHECK(std::string(tar->data() + 108, 7) == "0000000");
  // Signed: the signature travels and verifies.
  const auto k = secret_key::generate();
  auto s = pack(dir, &k);
  REQUIRE(s);
  REQUIRE(s->sig);
  CHECK(verify(k.public_part(), *s->sig, s->files.text(), "AURA-FILES"));
  CHECK(pack(dir, &k)->bytes == s->bytes);  // ed25519 is deterministic: still reproducible
}

TEST_CASE("pack: a signature made beside the tree (minisign -S) is carried only while it is current", "[distribution][pack]") {
  temp_tree t;
  const auto dir = dist_test::write_plugin(t, "p", "demo");
  const auto k = secret_key::generate();
  auto files = files_of(dir);
  REQUIRE(files);
  t.write("p/AURA-FILES", files->text());
  t.write("p/AURA-FILES.minisig", sign(k, files->text(), "c").file_text());
  auto ok = pack(dir);
  REQUIRE(ok);
  REQUIRE(ok->sig);
  CHECK(ok->sig->id == k.id);
  t.write("p/hook.sh", "#!/bin/sh\nexit 0\n", true);
  auto stale = pack(dir);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().message.find("--files-only") != std::string::npos);
}

TEST_CASE("unpack: every attack is refused with a clear error", "[distribution][unpack][security]") {
  auto refused = [](const std::string& tar, const std::string& needle, unpack_limits limits = {}) {
    auto gz = gzip(tar);
    REQUIRE(gz);
    auto r = unpack(*gz, "evil.tar.gz", limits);
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().message.find(needle) != std::string::npos);
    CHECK(r.error().message.find("evil.tar.gz") != std::string::npos);
  };
  auto tar_of = [](std::vector<tar_entry> e) {
    auto t = write_tar(e);
    REQUIRE(t);
    return *t;
  };
  refused(tar_of({{"/etc/passwd", tar_entry::kind::file, false, "x", {}}}), "absolute path");
  refused(tar_of({{"a/../../x", tar_entry::kind::file, false, "x", {}}}), "\"..\"");
  refused(tar_of({{"link", tar_entry::kind::symlink, false, {}, "../outside"}}), "outside the plugin root");
  refused(tar_of({{"link", tar_entry::kind::symlink, false, {}, "/etc/passwd"}}), "outside the plugin root");
  refused(tar_of({{"hard", tar_entry::kind::hard_link, false, {}, "../../etc/shadow"}}), "outside the plugin root");
  refused(tar_with_type("dev", '3'), "device file");
  refused(tar_with_type("blk", '4'), "device file");
  refused(tar_with_type("fifo", '6'), "FIFO");
  refused(tar_with_type("pax", 'x'), "pax");
  unpack_limits few;
  few.max_entries = 2;
  refused(tar_of({{"a", tar_entry::kind::file, false, "1", {}}, {"b", tar_entry::kind::file, false, "2", {}},
                  {"c", tar_entry::kind::file, false, "3", {}}}), "more than 2 entries", few);
  unpack_limits small;
  small.max_bytes = 64 << 10;
  refused(tar_of({{"zeros", tar_entry::kind::file, false, std::string(1 << 20, '\0'), {}}}), "gzip bomb", small);
  unpack_limits one_file;
  one_file.max_file_bytes = 10;
  refused(tar_of({{"big", tar_entry::kind::file, false, std::string(100, 'x'), {}}}), "over the limit", one_file);
  refused(tar_of({{"a", tar_entry::kind::file, false, "1", {}}}).substr(0, 512), "truncated");
  auto not_gzip = unpack("plain text", "evil.tar.gz");
  REQUIRE_FALSE(not_gzip);
  CHECK(not_gzip.error().message.find("gzip") != std::string::npos);
  // Links that stay inside are fine.
  auto gz = gzip(tar_of({{"a/f", tar_entry::kind::file, false, "1", {}}, {"a/l", tar_entry::kind::symlink, false, {}, "f"},
                         {"b/l", tar_entry::kind::symlink, false, {}, "../a/f"}}));
  CHECK(unpack(*gz, "ok.tar.gz"));
}

TEST_CASE("tree: a directory with a link out, or a device file, cannot be packed or installed", "[distribution][unpack][security]") {
  temp_tree t;
  const auto dir = dist_test::write_plugin(t, "p", "demo");
  fs::create_symlink("/etc/passwd", dir / "passwd");
  auto r = read_tree(dir);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("outside the plugin root") != std::string::npos);
  fs::remove(dir / "passwd");
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
  auto f = read_tree(dir);
  REQUIRE_FALSE(f);
  CHECK(f.error().message.find("FIFO") != std::string::npos);
}

TEST_CASE("verify: a file changed, added or missing after install fails, naming the file", "[distribution][verify]") {
  temp_tree t;
  const auto dir = dist_test::write_plugin(t, "p", "demo");
  const auto k = secret_key::generate();
  trust_store trust({t.dir("trust")});
  verify_policy strict;
  strict.allow_unsigned = false;
  auto files = files_of(dir);
  REQUIRE(files);
  t.write("p/AURA-FILES", files->text());
  // Unsigned: loads under the default policy, not under a strict one (unless allowed by name).
  CHECK(verify_plugin(dir, "demo", trust, {}));
  auto unsigned_strict = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(unsigned_strict);
  CHECK(unsigned_strict.error().message.find("unsigned") != std::string::npos);
  verify_policy named = strict;
  named.unsigned_allowed = {"dem*"};
  CHECK(verify_plugin(dir, "demo", trust, named));
  // Signed by an unknown key, then trusted.
  t.write("p/AURA-FILES.minisig", sign(k, files->text(), "c").file_text());
  auto unknown = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("not in the trust store") != std::string::npos);
  REQUIRE(trust.add(k.public_part()));
  auto good = verify_plugin(dir, "demo", trust, strict);
  REQUIRE(good);
  CHECK(good->key_id == k.public_part().id_text());
  // Wrong key: a signature by another key with this key's id.
  const auto other = secret_key::generate();
  secret_key forged = other;
  forged.id = k.id;
  t.write("p/AURA-FILES.minisig", sign(forged, files->text(), "c").file_text());
  auto wrong = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("does not match") != std::string::npos);
  t.write("p/AURA-FILES.minisig", sign(k, files->text(), "c").file_text());
  // Tampering.
  t.write("p/hook.sh", "#!/bin/sh\nexit 0\n", true);
  auto changed = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(changed);
  CHECK(changed.error().message.find("\"hook.sh\" was changed after install") != std::string::npos);
  CHECK(changed.error().where == (dir / "hook.sh").string());
  CHECK(changed.error().plugin == "demo");
  t.write("p/hook.sh", "#!/bin/sh\ncat >/dev/null\necho 'no' >&2\nexit 2\n", true);
  REQUIRE(verify_plugin(dir, "demo", trust, strict));
  t.write("p/extra.sh", "x");
  auto added = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(added);
  CHECK(added.error().message.find("\"extra.sh\" was added") != std::string::npos);
  fs::remove(dir / "extra.sh");
  fs::remove(dir / "hook.sh");
  auto missing = verify_plugin(dir, "demo", trust, strict);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("\"hook.sh\" listed in AURA-FILES is missing") != std::string::npos);
}

TEST_CASE("trust: key rotation signed by the old key is accepted and retires the old key", "[distribution][trust]") {
  temp_tree t;
  const auto dir = dist_test::write_plugin(t, "p", "demo");
  trust_store trust({t.dir("repo-trust"), t.dir("global-trust")});
  const auto old_key = secret_key::generate();
  const auto new_key = secret_key::generate();
  const auto stranger = secret_key::generate();
  REQUIRE(trust.add(old_key.public_part()));
  CHECK(trust.list().size() == 1);
  auto files = files_of(dir);
  REQUIRE(files);
  t.write("p/AURA-FILES", files->text());
  t.write("p/AURA-FILES.minisig", sign(old_key, files->text(), "c").file_text());
  REQUIRE(verify_plugin(dir, "demo", trust, {}));
  const std::string new_pub = new_key.public_part().file_text();
  // A rotation signed by a key the host does not trust is refused.
  auto bogus = trust.accept_rotation(new_pub, sign(stranger, new_pub, "rotate").file_text(), "new.pub");
  REQUIRE_FALSE(bogus);
  CHECK(bogus.error().message.find("does not trust") != std::string::npos);
  CHECK_FALSE(trust.find(new_key.id));
  // A rotation over a different key file fails its signature.
  auto mismatched = trust.accept_rotation(new_pub, sign(old_key, "something else", "rotate").file_text(), "new.pub");
  CHECK_FALSE(mismatched);
  // The real one: new key cached, old retired.
  auto ok = trust.accept_rotation(new_pub, sign(old_key, new_pub, "rotate").file_text(), "new.pub");
  REQUIRE(ok);
  CHECK(trust.find(new_key.id));
  REQUIRE(trust.successor(old_key.id));
  CHECK(*trust.successor(old_key.id) == new_key.public_part().id_text());
  auto retired = verify_plugin(dir, "demo", trust, {});
  REQUIRE_FALSE(retired);
  CHECK(retired.error().message.find("rotated to key " + new_key.public_part().id_text()) != std::string::npos);
  t.write("p/AURA-FILES.minisig", sign(new_key, files->text(), "c").file_text());
  CHECK(verify_plugin(dir, "demo", trust, {}));
  // An old key cannot rotate to a second key.
  const auto third = secret_key::generate();
  const std::string third_pub = third.public_part().file_text();
  CHECK_FALSE(trust.accept_rotation(third_pub, sign(old_key, third_pub, "again").file_text(), "third.pub"));
  CHECK(trust.remove(new_key.public_part().id_text()));
  CHECK_FALSE(trust.remove(new_key.public_part().id_text()));
}
