// `aura plugin install`: from a directory, a pack, a git URL or a registry.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int run_install(setup&, args_view& a) {
  auto p = parse_rest(a, {"--name", "--registry"}, {"--global", "--frozen"});
  auto o = cli_install_options(p);
  if (p.has("--frozen")) {
    if (!p.positional.empty()) throw cli_error{"install --frozen takes no SOURCE: it installs what aura.lock lists"};
    auto r = aura::distribution::install_frozen(o);
    if (!r) {
      print_error(r.error());
      return 1;
    }
    print_installed(*r, "installed");
    return 0;
  }
  if (p.positional.size() != 1) throw cli_error{"install needs one SOURCE (aura plugin install --help)"};
  auto r = aura::distribution::install(p.positional[0], o);
  if (!r) {
    print_error(r.error());
    return 1;
  }
  print_installed(*r, "installed");
  return 0;
}

}  // namespace

extern const command install_command{"install", "plugin", "plugin install SOURCE", "install a plugin (dir, .tar.gz, git, registry)",
    "usage: aura plugin install SOURCE [--global] [--name N] [--registry DIR|URL]\n"
    "       aura plugin install --frozen [--global]\n\n"
    "SOURCE is a plugin directory, a .tar.gz made by `aura plugin pack`, a git URL\n"
    "(URL[@ref][#subpath]; file://, https://, ssh), or a registry name\n"
    "publisher/plugin[@version-range] (--registry, else $AURA_REGISTRY), or a remote\n"
    "WebAssembly module with its hash, as Clawdius distributes them:\n"
    "http[s]://HOST/PATH/NAME.wasm#sha256=HEX[&hooks=EVENT,...] (fetched with libcurl;\n"
    "a different SHA-256 fails; NAME becomes a wasm plugin handling those hooks). A source\n"
    "with plugins in sub-directories (a plugin pack) installs each of them.\n"
    "Plugins go to .aura/plugins (per repo; --global: ~/.aura/plugins), checked in a\n"
    "staging directory first: nothing is half-installed. A pack's AURA-FILES and its\n"
    "signature are verified against the trust store (.aura/trust, ~/.aura/trust);\n"
    "unsigned plugins install only where trust/policy.json allows them.\n"
    "aura.lock records name, version, source, resolved commit or sha256, signer;\n"
    "--frozen installs exactly what it lists (and fails if a source moved).\n",
    &run_install};

}  // namespace aura_cli
