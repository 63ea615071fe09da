// Must NOT compile: deny on an event that is not vetoable.
#include <aura/aura.hpp>

struct observed {
  static constexpr std::string_view name = "observed";
  static constexpr aura::event_flags flags = aura::patchable;
};

int main() {
  aura::decision<observed> d = aura::deny("no");
  return d.is_deny() ? 0 : 1;
}
