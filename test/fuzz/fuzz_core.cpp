// Fuzzes the core's parsers of untrusted input: the condition language, the
// wire decision a plugin answers with, and JSON Patch application. The first
// byte chooses the target, the rest is the input. Nothing may crash, hang or
// leak; every rejection must be an aura::error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <aura/core/core.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto c = aura::condition::parse(input);
      if (c) {
        aura::facts f;
        f.set("history", 6).set("auto", true).set("model", "m");
        (void)c->evaluate(f);
      } else if (c.error().where.empty()) {
        __builtin_trap();  // a parse error must name its position
      }
      break;
    }
    case 1: {
      auto d = aura::wire::parse_decision(input);
      if (d) (void)aura::wire::encode(*d);
      break;
    }
    case 2: {
      // "<document>\n<patch>": apply the patch to the document, both ways.
      const auto nl = input.find('\n');
      if (nl == std::string_view::npos) break;
      auto doc = nlohmann::json::parse(input.substr(0, nl), nullptr, false);
      auto patch = nlohmann::json::parse(input.substr(nl + 1), nullptr, false);
      if (doc.is_discarded() || patch.is_discarded()) break;
      const auto before = doc;
      (void)aura::apply_json_patch(doc, patch);
      (void)aura::apply_merge_patch(doc, patch);
      if (doc != before) __builtin_trap();  // patches apply to copies only
      break;
    }
  }
  return 0;
}
