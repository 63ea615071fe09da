// A consumer of the adapter targets (aura::process, aura::wasm, aura::lua):
// runs a hook of each runtime it links, and checks the answers.
#include <aura/adapters/command.hpp>
#include <aura/adapters/lua.hpp>
#include <aura/adapters/wasm.hpp>

#include <cstdio>

int main() {
  aura::context ctx;
  const auto event = aura::make_envelope("consumer.event", nlohmann::json{{"n", 1}});

  // Lua: a handler that patches the event.
  auto lua = aura::lua_plugin::load_source("function on_event(e, ctx) return aura.mutate({seen = e.data.n + 1}) end",
                                           "consumer", {});
  if (!lua) return 1;
  auto patched = (*lua)->hook("on_event")(event, ctx);
  if (!patched || !patched->is_mutate() || patched->json_patch()["seen"] != 2) return 2;

  // WASM: WABT is linked; a module that is not there is a clear error.
  auto wasm = aura::wasm_plugin::load("/nonexistent/consumer.wasm", {});
  if (wasm || wasm.error().code != aura::errc::not_found) return 3;

  // Process: one command per event; exit status 0 with no output allows.
  aura::command_options opts;
  opts.name = "consumer-true";
  opts.argv = {"/bin/true"};
  auto command = aura::make_command_hook(opts);
  if (!command) return 4;
  auto allowed = (*command)(event, ctx);
  if (!allowed || !allowed->is_allow()) return 5;

  std::puts("adapters: lua mutate, wasm not_found, command allow");
  return 0;
}
