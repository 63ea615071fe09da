// `aura tools`: the plugins' tools as an MCP tools/list result.
#include <iostream>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/idelchi_tool_definitions.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

/// `aura tools --call NAME [--args JSON]`: one tool call, through a host that
/// loaded its plugin (a tool without `run` is served by the plugin's process).
int call_one(setup& s, const std::string& name, const json& args, const json& context,
             const std::map<std::string, std::string>& task_env) {
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
        auto out = call_tool(with_task_env(pt, task_env), args, std::chrono::seconds(30), s.max_tool_permission, context);
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

/// idelchi/aura's tool definitions (.aura/config/tools/**/*.yaml) when the
/// project has them; false after printing the problems of ones that do not read.
bool read_definitions(aura::agent::tool_overrides& out) {
  std::error_code ec;
  if (!fs::is_directory(std::string(idelchi_tools_path), ec)) return true;
  auto defs = read_idelchi_tool_definitions(std::string(idelchi_tools_path));
  for (const auto& e : defs.errors) print_error(e);
  if (!defs.errors.empty()) return false;
  std::cerr << "aura: " << idelchi_tools_path << ": " << defs.overrides.entries.size() << " tool definition(s) from "
            << defs.files.size() << " file(s)\n";
  out = std::move(defs.overrides);
  return true;
}

/// Why a tool definition keeps `name` from being called now, or empty.
std::string withheld(const aura::agent::tool_overrides& defs, const std::string& name, const aura::context& ctx,
                     aura::bus& bus) {
  const auto* d = defs.find(name);
  if (!d) return {};
  if (d->disabled) return "tool \"" + name + "\" is disabled by its tool definition (" + d->where + ")";
  if (d->condition.empty()) return {};
  auto c = aura::condition::parse(d->condition, &bus.predicates());
  if (!c) return "tool \"" + name + "\": its tool definition's condition (" + d->where + "): " + c.error().message;
  if (!c->evaluate(ctx.facts())) {
    return "tool \"" + name + "\" is not offered now: its condition \"" + d->condition + "\" (" + d->where +
           ") does not hold for --context";
  }
  return {};
}

int run_tools(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--call", "--args", "--enable", "--context", "--task-env"}, {});
  s.discover_all();
  aura::agent::tool_overrides defs;
  if (!read_definitions(defs)) return 1;
  const json host = p.has("--context") ? read_json_arg(p.get("--context"), "--context") : json();
  aura::bus bus;  // the condition vocabulary, over --context's host state
  declare_agent_vocabulary(bus);
  aura::context facts_ctx;
  export_host_state(json{{"host", host.is_object() ? host : json::object()}}, facts_ctx);
  if (p.has("--call")) {
    if (auto why = withheld(defs, p.get("--call"), facts_ctx, bus); !why.empty()) throw cli_error{why};
    return call_one(s, p.get("--call"), p.has("--args") ? read_json_arg(p.get("--args"), "--args") : json::object(), host,
                    task_env_of(p));
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
  const auto report = apply_tool_overrides(all, defs, facts_ctx.facts(), &bus.predicates());
  for (const auto& e : report.problems) print_error(e), ++failures;
  // idelchi/aura defines built-in tools aura has not: a definition of none of the plugins' tools is a warning.
  for (const auto& e : report.unmatched) std::cerr << "aura: warning: " << e.describe() << "\n";
  std::vector<std::string> enabled;  // opt-in tools (plugin.yaml opt_in) are listed only when named
  for (auto [it, end] = p.opts.equal_range("--enable"); it != end; ++it) enabled.push_back(it->second);
  std::cout << mcp_tools_list(all, enabled).dump(2) << "\n";
  // A manifest that did not read (a bad tool schema among them) lists no tools: a failure too.
  return failures == 0 && s.found->errors.empty() ? 0 : 1;
}

}  // namespace

extern const command tools_command{"tools", "", "tools", "the plugins' tools as an MCP tools/list result",
    "usage: aura tools [--enable TOOL]... [--call NAME [--args JSON|@FILE] [--context JSON|@FILE] [--task-env NAME=VALUE]...]\n\nPrints the enabled plugins' tools as an MCP tools/list result (JSON).\n"
    "An opt-in tool (plugin.yaml opt_in) is listed only when --enable names it.\n"
    "idelchi/aura's tool definitions (.aura/config/tools/**/*.yaml) apply: disabled tools are\n"
    "neither listed nor called, a condition is checked against --context, texts and parallel replace the tool's.\n"
    "--call runs one tool (by its namespaced name) and prints its MCP tools/call result;\n"
    "a tool may require no more than .codineer/settings.json's permission mode allows (default danger-full-access);\n"
    "a plugin.yaml tool gets --context (the host state, as aura dispatch's data.host) beside its arguments;\n"
    "--task-env: a task's env (idelchi/aura), the variables the tool's plugin may read;\n"
    "exit status 1 when the result is an error.\n",
    &run_tools};

}  // namespace aura_cli
