// `aura plugin remove`: deletes an installed plugin and its aura.lock entry.
#include <iostream>

#include "../distribution.hpp"

namespace aura_cli {

namespace {

int run_remove(setup&, args_view& a) {
  auto p = parse_rest(a, {}, {"--global"});
  if (p.positional.size() != 1) throw cli_error{"remove needs one plugin NAME"};
  auto o = cli_install_options(p);
  if (auto r = aura::distribution::remove(p.positional[0], o.root, o.lock); !r) {
    print_error(r.error());
    return 1;
  }
  std::cout << "removed " << p.positional[0] << " from " << o.root.string() << "\n";
  return 0;
}

}  // namespace

extern const command remove_command{"remove", "plugin", "plugin remove NAME", "remove an installed plugin",
    "usage: aura plugin remove NAME [--global]\n\n"
    "Removes .aura/plugins/NAME (--global: ~/.aura/plugins/NAME) and its aura.lock entry.\n",
    &run_remove};

}  // namespace aura_cli
