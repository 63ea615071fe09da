// `aura plugin publish`: a signed pack into a registry directory.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int run_publish(setup&, args_view& a) {
  auto p = parse_rest(a, {"--registry", "--publisher", "--key"}, {});
  namespace d = aura::distribution;
  if (p.positional.size() != 1) throw cli_error{"publish needs one TARBALL (from aura plugin pack)"};
  if (!p.has("--registry")) throw cli_error{"publish needs --registry DIR (the directory an HTTP server serves)"};
  if (!p.has("--publisher")) throw cli_error{"publish needs --publisher NAME"};
  std::optional<d::public_key> key;
  if (p.has("--key")) {
    auto text = d::read_file(p.get("--key"));
    if (!text) {
      print_error(text.error());
      return 1;
    }
    auto k = d::public_key::parse(*text, p.get("--key"));
    if (!k) {
      print_error(k.error());
      return 1;
    }
    key = *k;
  }
  auto r = d::publish(p.get("--registry"), p.positional[0], p.get("--publisher"), key);
  if (!r) {
    print_error(r.error());
    return 1;
  }
  std::cout << "published " << r->plugin << " " << r->version << " -> " << r->file << " (sha256 " << r->sha256
            << ", signed by " << r->key_id << ")\n";
  return 0;
}

}  // namespace

extern const command publish_command{"publish", "plugin", "plugin publish TARBALL", "publish a signed pack to a registry",
    "usage: aura plugin publish TARBALL --registry DIR --publisher NAME [--key FILE.pub]\n\n"
    "Adds the pack to the registry's index.json (and copies it and the key). The pack\n"
    "must be signed by a key registered to the publisher: --key registers one on the\n"
    "publisher's first publish, or a key a registered one rotated to (keys/ID.pub\n"
    "with keys/ID.pub.minisig signed by the old key). The first publish of a name\n"
    "checks its metadata: description, license, authors, a sandboxed runtime.\n"
    "Versions are immutable.\n",
    &run_publish};

}  // namespace aura_cli
