// `aura tools`: the plugins' tools as an MCP tools/list result.
#include <iostream>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

/// `aura tools --call NAME [--args JSON]`: one tool call, through a host that
/// loaded its plugin (a tool without `run` is served by the plugin's process).
int call_one(setup& s, const std::string& name, const json& args, const json& context) {
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  for (const auto& d : s.found->plugins) {
    if (!d.enabled) continue;
    for (const auto& t : d.spec.tools) {
      if (registered_tool_name(d.spec, t) != name) continue;
      std::vector<plugin_tool> list;
      if (t.in_process()) {
        if (auto r = host.load(d.spec); !r) {
          print_error(r.error());
          return 1;
        }
        auto got = host.tools(d.spec.name);
        if (!got) {
          print_error(got.error());
          return 1;
        }
        list = std::move(*got);
      } else {
        auto got = tools_of(d.spec, environment_for(d.spec.perms, host_environment()));
        if (!got) {
          print_error(got.error());
          return 1;
        }
        list = std::move(*got);
      }
      for (auto& pt : list) {
        if (pt.name != name) continue;
        pt.config = s.settings.config.merged(d.spec.name, d.spec.config);  // plugin.yaml < global < per-plugin
        auto out = call_tool(pt, args, std::chrono::seconds(30), s.max_tool_permission, context);
        if (!out) {
          print_error(out.error());
          return 1;
        }
        std::cout << out->dump(2) << "\n";
        return out->value("isError", false) ? 1 : 0;
      }
    }
  }
  throw cli_error{"no enabled plugin offers a tool named \"" + name + "\""};
}

int run_tools(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--call", "--args", "--enable", "--context"}, {});
  s.discover_all();
  if (p.has("--call")) {
    return call_one(s, p.get("--call"), p.has("--args") ? read_json_arg(p.get("--args"), "--args") : json::object(),
                    p.has("--context") ? read_json_arg(p.get("--context"), "--context") : json());
  }
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
  std::vector<std::string> enabled;  // opt-in tools (plugin.yaml opt_in) are listed only when named
  for (auto [it, end] = p.opts.equal_range("--enable"); it != end; ++it) enabled.push_back(it->second);
  std::cout << mcp_tools_list(all, enabled).dump(2) << "\n";
  // A manifest that did not read (a bad tool schema among them) lists no tools: a failure too.
  return failures == 0 && s.found->errors.empty() ? 0 : 1;
}

}  // namespace

extern const command tools_command{"tools", "", "tools", "the plugins' tools as an MCP tools/list result",
    "usage: aura tools [--enable TOOL]... [--call NAME [--args JSON|@FILE] [--context JSON|@FILE]]\n\nPrints the enabled plugins' tools as an MCP tools/list result (JSON).\n"
    "An opt-in tool (plugin.yaml opt_in) is listed only when --enable names it.\n"
    "--call runs one tool (by its namespaced name) and prints its MCP tools/call result;\n"
    "a tool may require no more than .codineer/settings.json's permission mode allows (default danger-full-access);\n"
    "a plugin.yaml tool gets --context (the host state, as aura dispatch's data.host) beside its arguments;\n"
    "exit status 1 when the result is an error.\n",
    &run_tools};

}  // namespace aura_cli
