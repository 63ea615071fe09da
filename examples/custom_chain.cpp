// A custom chain: priorities, a condition over host facts, a once-only hook,
// failure policies, a JSON hook next to typed ones, and the outcome's trail.
#include <aura/aura.hpp>

#include <iostream>
#include <stdexcept>
#include <string>

struct file_write {
  static constexpr std::string_view name = "file.write";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string path;
  std::string content;
  struct effects {  // side outputs hooks may return, folded across the chain
    std::vector<std::string> notices;
    void fold(const effects& o) { notices.insert(notices.end(), o.notices.begin(), o.notices.end()); }
  };
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(file_write, path, content)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(file_write::effects, notices)

int main() {
  aura::chain<file_write> chain;

  // Lower priority runs first; equal priorities run in name order.
  (void)chain.add({"protect-etc", -10}, [](const file_write& w) -> aura::decision<file_write> {
    if (w.path.rfind("/etc/", 0) == 0) return aura::deny("writes under /etc are not allowed");
    return aura::allow();
  });

  // Runs only when the host's facts say so: more than 5 turns and not in auto mode.
  (void)chain.add(aura::hook_options("long-session-notice").with_condition("turns_gt:5 and not auto"),
                  [](const file_write&) {
                    return aura::allow().with(file_write::effects{{"long session: consider a checkpoint"}});
                  });

  // A hook that runs once per chain lifetime, e.g. a first-write banner.
  (void)chain.add(aura::hook_options("first-write").run_once(), [](const file_write&) {
    return aura::allow().with(file_write::effects{{"first write of the session"}});
  });

  // A hook that fails: fail_open lets the chain go on, with a diagnostic.
  (void)chain.add(aura::hook_options("flaky-scanner").with_priority(5).with_policy(aura::fail_open),
                  [](const file_write&) -> aura::decision<file_write> {
                    throw std::runtime_error("scanner unavailable");
                  });

  // A hook over the JSON form of the event, as a plugin would see it: redacts secrets.
  (void)chain.add_json({"redact", 10}, [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                                            -> aura::result<aura::decision<aura::dynamic_event>> {
    const std::string content = e.data.at("content");
    if (content.find("API_KEY=") == std::string::npos) return aura::decision<aura::dynamic_event>(aura::allow());
    return aura::decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"content", "[redacted]"}}));
  });

  aura::context host;
  host.mutable_facts().set("turns", 7).set("auto", false);

  for (const auto& w : {file_write{"notes.txt", "API_KEY=123"}, file_write{"/etc/hosts", "x"}}) {
    auto out = chain.dispatch(aura::make_envelope(w), host);
    std::cout << w.path << ": " << aura::to_string(out.verdict);
    if (out.denied()) std::cout << " by " << out.denied_by << " (" << out.reason << ")";
    std::cout << ", content \"" << out.data.content << "\"\n";
    for (const auto& step : out.trail) {
      std::cout << "  " << step.hook << " -> " << aura::to_string(step.kind) << (step.failed ? " (failed)" : "")
                << "\n";
    }
    for (const auto& n : out.effects.notices) std::cout << "  notice: " << n << "\n";
    for (const auto& d : out.diagnostics) std::cout << "  diagnostic: " << d.describe() << "\n";
  }
  for (const auto& s : chain.stats()) {
    std::cout << "stats " << s.hook << ": calls=" << s.calls << " errors=" << s.errors << "\n";
  }
  return 0;
}
