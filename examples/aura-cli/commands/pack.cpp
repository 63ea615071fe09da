// `aura plugin pack`: a reproducible NAME-VERSION.tar.gz with AURA-FILES, signed.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int run_pack(setup&, args_view& a) {
  auto p = parse_rest(a, {"--sign", "--out", "--password-file"}, {"--legacy", "--files-only"});
  const fs::path dir = p.positional.empty() ? fs::path(".") : fs::path(p.positional[0]);
  namespace d = aura::distribution;
  if (p.has("--files-only")) {
    auto files = d::files_of(dir);
    if (!files) {
      print_error(files.error());
      return 1;
    }
    if (auto w = d::write_file(dir / d::files_manifest_name, files->text()); !w) {
      print_error(w.error());
      return 1;
    }
    std::cout << "wrote " << (dir / d::files_manifest_name).string() << " (" << files->files.size()
              << " files); sign it with: minisign -S -s KEY -m " << (dir / d::files_manifest_name).string() << "\n";
    return 0;
  }
  std::optional<d::secret_key> key;
  if (p.has("--sign")) key = read_secret_key(p, p.get("--sign"));
  auto r = d::pack(dir, key ? &*key : nullptr, p.has("--legacy"));
  if (!r) {
    print_error(r.error());
    return 1;
  }
  const fs::path out = fs::path(p.get("--out", ".")) / r->file_name;
  if (auto w = d::write_file(out, r->bytes); !w) {
    print_error(w.error());
    return 1;
  }
  std::cout << "packed " << out.string() << " (" << r->files.files.size() << " files, sha256 "
            << d::sha256_hex(r->bytes) << ", " << (r->sig ? "signed by " + d::key_id_text(r->sig->id) : "unsigned") << ")\n";
  return 0;
}

}  // namespace

extern const command pack_command{"pack", "plugin", "plugin pack [DIR]", "make a reproducible, signed NAME-VERSION.tar.gz",
    "usage: aura plugin pack [DIR] [--sign KEY [--password-file FILE]] [--legacy] [--out DIR]\n"
    "       aura plugin pack [DIR] --files-only\n\n"
    "Packs the plugin at DIR (default .): files sorted, no times or owners, modes\n"
    "0644/0755, plus AURA-FILES (name, version, a SHA-256 per file). The same tree\n"
    "gives the same bytes. --sign KEY signs AURA-FILES (a minisign secret key, e.g.\n"
    "from `aura plugin keys generate` or `minisign -G`; an encrypted key's password\n"
    "is the first line of --password-file FILE, else $AURA_KEY_PASSWORD; --legacy: an `Ed`\n"
    "signature instead of the prehashed `ED`). --files-only writes DIR/AURA-FILES\n"
    "to sign with minisign itself; pack then carries DIR/AURA-FILES.minisig.\n",
    &run_pack};

}  // namespace aura_cli
