// `aura plugin keys`: make keys, trust publishers' keys, rotate a key.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

namespace d = aura::distribution;

template <class T>
T or_fail(aura::result<T> r) {
  if (!r) throw cli_error{r.error().describe()};
  return std::move(*r);
}
void or_fail(const aura::result<void>& r) {
  if (!r) throw cli_error{r.error().describe()};
}

int run_keys(setup&, args_view& a) {
  auto p = parse_rest(a, {"--password-file"}, {"--global", "--force", "--encrypt"});
  if (p.positional.empty()) throw cli_error{"keys needs generate|trust|list|remove|rotate|accept (aura plugin keys --help)"};
  const std::string what = p.positional[0];
  const auto trust = cli_trust(p.has("--global"));
  auto want = [&](std::size_t n) {
    if (p.positional.size() != n + 1) throw cli_error{"keys " + what + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s")};
  };
  if (what == "generate") {
    want(1);
    const fs::path base = p.positional[1];
    std::error_code ec;
    if (!p.has("--force") && (fs::exists(base.string() + ".key", ec) || fs::exists(base.string() + ".pub", ec))) {
      throw cli_error{base.string() + ".key or .pub exists (--force overwrites)"};
    }
    const auto k = d::secret_key::generate();
    const auto password = p.has("--encrypt") ? key_password(p) : std::nullopt;
    if (p.has("--encrypt") && !password) throw cli_error{"keys generate --encrypt needs a password: $AURA_KEY_PASSWORD or --password-file FILE"};
    or_fail(d::write_file(base.string() + ".key", password ? k.file_text(&*password) : k.file_text()));
    fs::permissions(base.string() + ".key", fs::perms::owner_read | fs::perms::owner_write, ec);
    or_fail(d::write_file(base.string() + ".pub", k.public_part().file_text()));
    std::cout << "key " << k.public_part().id_text() << ": " << base.string() << ".key (secret, " << (password ? "encrypted" : "unencrypted") << "), "
              << base.string() << ".pub\n";
    return 0;
  }
  if (what == "trust") {
    want(1);
    auto k = or_fail(d::public_key::parse(or_fail(d::read_file(p.positional[1])), p.positional[1]));
    or_fail(trust.add(k));
    std::cout << "trusted key " << k.id_text() << " in " << trust.dirs().front().string() << "\n";
    return 0;
  }
  if (what == "list") {
    for (const auto& [k, file] : trust.list()) {
      auto next = trust.successor(k.id);
      std::cout << k.id_text() << "  " << file.string() << (next ? "  (rotated to " + *next + ")" : "") << "\n";
    }
    return 0;
  }
  if (what == "remove") {
    want(1);
    or_fail(trust.remove(p.positional[1]));
    std::cout << "removed key " << p.positional[1] << "\n";
    return 0;
  }
  if (what == "rotate") {  // OLD.key NEW.pub -> NEW.pub.minisig
    want(2);
    auto old = read_secret_key(p, p.positional[1]);
    const std::string pub = or_fail(d::read_file(p.positional[2]));
    auto fresh = or_fail(d::public_key::parse(pub, p.positional[2]));
    const auto s = d::sign(old, pub, "aura key rotation " + old.public_part().id_text() + " -> " + fresh.id_text());
    or_fail(d::write_file(p.positional[2] + ".minisig", s.file_text()));
    std::cout << "wrote " << p.positional[2] << ".minisig: key " << old.public_part().id_text() << " rotates to "
              << fresh.id_text() << " (publish both files as keys/" << fresh.id_text() << ".pub[.minisig])\n";
    return 0;
  }
  if (what == "accept") {  // NEW.pub NEW.pub.minisig
    want(2);
    auto k = or_fail(trust.accept_rotation(or_fail(d::read_file(p.positional[1])), or_fail(d::read_file(p.positional[2])), p.positional[1]));
    std::cout << "trusted key " << k.id_text() << " (a rotation signed by a trusted key)\n";
    return 0;
  }
  throw cli_error{"unknown keys action \"" + what + "\" (generate, trust, list, remove, rotate, accept)"};
}

}  // namespace

extern const command keys_command{"keys", "plugin", "plugin keys ACTION", "signing keys and the trust store",
    "usage: aura plugin keys generate BASE [--force] [--encrypt]  BASE.key + BASE.pub (minisign format)\n"
    "       aura plugin keys trust FILE.pub [--global]     trust a publisher's key\n"
    "       aura plugin keys list [--global]\n"
    "       aura plugin keys remove KEYID [--global]\n"
    "       aura plugin keys rotate OLD.key NEW.pub       NEW.pub.minisig: NEW signed by OLD\n"
    "       aura plugin keys accept NEW.pub NEW.pub.minisig  trust NEW, retire OLD\n\n"
    "The trust store is .aura/trust (searched first; where keys go) and ~/.aura/trust\n"
    "(--global: the other way round). Keys are minisign's: aura reads the keys\n"
    "`minisign -G` makes (encrypted) and `minisign -G -W` (plain), and minisign\n"
    "verifies what aura signs. An encrypted key's password (rotate; generate\n"
    "--encrypt, with minisign's scrypt limits) is the first line of\n"
    "--password-file FILE, else $AURA_KEY_PASSWORD: aura never prompts.\n",
    &run_keys};

}  // namespace aura_cli
