// One host, one plugin of each adapter kind, each loaded directly through its
// adapter (the plugin system of docs/plugins.md does this from manifests):
//   command  a Claude Code PreToolUse hook script (bash + jq), unmodified
//   process  a Python JSON-RPC plugin that redacts secrets (mutate)
//   wasm     a WAT module that logs an audit line
//   lua      a Lua script that rate-limits tool calls (deny)
#include <aura/aura.hpp>
#include <aura/adapters/command.hpp>
#include <aura/adapters/lua.hpp>
#include <aura/adapters/process.hpp>
#include <aura/adapters/wasm.hpp>

#include <cstdlib>
#include <iostream>

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "unexpected: " << what << "\n";
    ++failures;
  }
}
template <class T>
T take(aura::result<T> r, const char* what) {
  if (!r) {
    std::cerr << what << ": " << r.error().describe() << "\n";
    std::exit(1);
  }
  return std::move(*r);
}
}  // namespace

int main() {
  const std::string dir = AURA_EXAMPLE_PLUGINS;
  aura::bus bus;
  (void)bus.declare("tool.before_execution", aura::vetoable | aura::patchable);

  aura::command_options cmd;
  cmd.name = "block-rm";
  cmd.argv = {dir + "/block_rm.sh"};
  cmd.protocol = aura::command_protocol::claude_code;
  cmd.env = {{"PATH", "/usr/bin:/bin"}};
  auto block_rm = take(aura::make_command_hook(cmd), "command hook");

  aura::process_options proc;
  proc.name = "redact";
  proc.argv = {"/usr/bin/python3", dir + "/redact.py"};
  proc.workdir = dir;
  auto redact = take(aura::process_plugin::start(proc), "process plugin");

  aura::wasm_options wasm;
  wasm.name = "audit";
  wasm.ctx = std::make_shared<aura::context>();
  wasm.ctx->set_owner("audit");
  auto audit = take(aura::wasm_plugin::load(AURA_EXAMPLE_WASM, wasm), "wasm plugin");

  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("rate-limit").set_config({{"max_calls", 3}});
  aura::lua_options lua;
  lua.ctx = ctx;
  auto limit = take(aura::lua_plugin::load(dir + "/rate_limit.lua", lua), "lua plugin");

  (void)bus.on("tool.before_execution", {"block-rm", 0}, block_rm);
  (void)bus.on("tool.before_execution", {"redact", 10}, redact->hook("on_tool"));
  (void)bus.on("tool.before_execution", {"audit", 20}, audit->hook("on_tool"));
  (void)bus.on("tool.before_execution", {"rate-limit", 30}, limit->hook("on_tool"));

  auto call = [&](const char* command) {
    auto out = bus.emit("tool.before_execution",
                        {{"tool_name", "Bash"}, {"tool_input", {{"command", command}}}});
    std::cout << command << " -> " << aura::to_string(out.verdict);
    if (out.denied()) std::cout << " by " << out.denied_by << ": " << out.reason;
    if (out.mutated()) std::cout << " as " << out.data["tool_input"]["command"].get<std::string>();
    std::cout << "\n";
    for (const auto& d : out.diagnostics) std::cout << "  diagnostic: " << d.describe() << "\n";
    return out;
  };
  expect(call("ls -la").verdict == aura::verdict::allow, "ls is allowed");
  expect(call("rm -rf /").denied_by == "block-rm", "rm -rf / is blocked by the shell hook");
  expect(call("deploy API_KEY=s3cr3t").mutated(), "the secret is redacted");
  expect(call("echo three").allowed(), "the third call that reaches the limiter passes");
  expect(call("echo four").denied_by == "rate-limit", "the fourth is rate-limited");
  (void)redact->shutdown();
  std::cout << (failures == 0 ? "all adapters behaved" : "some adapters misbehaved") << "\n";
  return failures == 0 ? 0 : 1;
}
