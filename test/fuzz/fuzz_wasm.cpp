// libFuzzer target: arbitrary bytes as a WASM plugin module. Loading must
// either succeed or return an error (never crash, hang or leak); a module that
// loads is then given one small event under tight limits, which must end with
// a decision or an error.
#include <aura/adapters/wasm.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static aura::context ctx = [] {
    aura::context c;
    c.set_owner("fuzz").set_permissions(aura::permissions::unrestricted());
    return c;
  }();
  aura::wasm_options options;
  options.name = "fuzz";
  options.limits.memory_pages = 16;
  options.limits.fuel = 200'000;
  options.limits.fuel_slice = 50'000;
  options.limits.deadline = std::chrono::milliseconds(200);
  options.limits.output_bytes = 4096;
  options.limits.max_instances = 1;
  auto plugin = aura::wasm_plugin::load_bytes(std::vector<std::uint8_t>(data, data + size), options);
  if (!plugin) return 0;
  auto hook = (*plugin)->hook("fuzz");
  auto env = aura::make_envelope(std::string("fuzz.event"), nlohmann::json{{"command", "ls"}});
  auto answer = hook(env, ctx);
  (void)answer;
  return 0;
}
