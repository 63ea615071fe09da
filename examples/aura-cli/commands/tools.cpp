// `aura tools`: the plugins' tools as an MCP tools/list result.
#include <iostream>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_tools(setup& s, args_view& a) {
  (void)parse_rest(a, {}, {});
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  std::vector<plugin_tool> all;
  int failures = 0;
  for (const auto& d : s.found->plugins) {
    if (!d.enabled) continue;
    auto t = tools_of(d.spec, environment_for(d.spec.perms, host_environment()));
    if (!t) {
      print_error(t.error());
      ++failures;
      continue;
    }
    for (auto& x : *t) all.push_back(std::move(x));
  }
  std::cout << mcp_tools_list(all).dump(2) << "\n";
  // A manifest that did not read (a bad tool schema among them) lists no tools: a failure too.
  return failures == 0 && s.found->errors.empty() ? 0 : 1;
}

}  // namespace

extern const command tools_command{"tools", "", "tools", "the plugins' tools as an MCP tools/list result",
    "usage: aura tools\n\nPrints the enabled plugins' tools as an MCP tools/list result (JSON).\n",
    &run_tools};

}  // namespace aura_cli
