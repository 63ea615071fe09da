// `aura plugin info`: one plugin's manifest, permissions and config.
#include <iostream>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_info(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"plugin info needs one NAME"};
  s.discover_all();
  const auto* d = s.found->find(p.positional[0]);
  if (!d) {
    std::cerr << "aura: no plugin named \"" << p.positional[0] << "\"\n";
    return 1;
  }
  const manifest& m = d->spec;
  json hooks = json::array();
  for (const auto& h : m.hooks) {
    hooks.push_back({{"event", h.event}, {"handler", h.handler}, {"priority", h.priority},
                     {"timeout_ms", h.timeout.count()}, {"condition", h.condition}, {"once", h.once},
                     {"on_error", std::string(aura::to_string(h.on_error))}});
  }
  json info{{"name", m.name},
            {"version", m.version},
            {"description", m.description},
            {"authors", m.authors},
            {"license", m.license},
            {"manifest", m.file.string()},
            {"format", std::string(to_string(m.format))},
            {"runtime", {{"kind", to_string(m.runtime.kind)}, {"entrypoint", m.runtime.entrypoint}}},
            {"sdk", m.api.sdk ? m.api.sdk->str() : std::string("any")},
            {"scope", d->scope},
            {"enabled", d->enabled},
            {"hooks", hooks},
            {"permissions", json::parse(perms_text(m.perms))},
            {"config", s.settings.config.merged(m.name, m.config)}};
  json tools = json::array();
  for (const auto& t : tool_listing(m)) tools.push_back(t["name"]);
  json commands = json::array();
  for (const auto& c : m.commands) commands.push_back(c.name);
  info["tools"] = tools;
  info["commands"] = commands;
  info["tool_details"] = tool_listing(m);
  info["command_details"] = command_listing(m);
  if (p.has("--json")) {
    std::cout << info.dump(2) << "\n";
    return 0;
  }
  std::cout << m.name << " " << m.version << (m.description.empty() ? "" : " - " + m.description) << "\n";
  std::cout << "  manifest:    " << m.file.string() << " (" << to_string(m.format) << ")\n";
  std::cout << "  runtime:     " << to_string(m.runtime.kind) << " " << m.runtime.entrypoint << "\n";
  std::cout << "  sdk:         " << info["sdk"].get<std::string>() << "\n";
  std::cout << "  state:       " << (d->enabled ? "enabled" : "disabled") << " (" << d->scope << ")\n";
  std::cout << "  hooks:\n";
  for (const auto& h : m.hooks) {
    std::cout << "    " << h.event << " -> " << h.handler << " (priority " << h.priority << ", "
              << aura::to_string(h.on_error) << (h.once ? ", once" : "") << (h.condition.empty() ? "" : ", when " + h.condition)
              << ")\n";
  }
  std::cout << "  permissions: " << perms_text(m.perms) << "\n";
  std::cout << "  config:      " << info["config"].dump() << "\n";
  if (!m.tools.empty()) std::cout << "  tools:       " << tools.dump() << "\n";
  if (!m.commands.empty()) std::cout << "  commands:    " << commands.dump() << "\n";
  for (const auto& t : m.tools) {
    if (!t.usage.empty()) std::cout << "  " << t.name << " usage:    " << t.usage << "\n";
    if (!t.examples.empty()) {
      std::string ex = t.examples;
      while (!ex.empty() && ex.back() == '\n') ex.pop_back();
      std::cout << "  " << t.name << " examples: " << ex << "\n";
    }
  }
  for (const auto& c : m.commands) {
    if (c.hints.empty() && !c.forward && !c.silent) continue;
    std::cout << "  /" << c.name << ":" << (c.hints.empty() ? "" : " hints " + json(c.hints).dump())
              << (c.forward ? " forward" : "") << (c.silent ? " silent" : "") << "\n";
  }
  return 0;
}

}  // namespace

extern const command info_command{"info", "plugin", "plugin info NAME", "one plugin's manifest, permissions and config",
    "usage: aura plugin info NAME [--json]\n\nShows a plugin's manifest as read, its permissions and its merged config.\n",
    &run_info};

}  // namespace aura_cli
