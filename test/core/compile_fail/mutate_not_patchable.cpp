// Must NOT compile: mutate on an event that is not patchable.
#include <aura/aura.hpp>

struct observed {
  static constexpr std::string_view name = "observed";
  static constexpr aura::event_flags flags = aura::vetoable;
  int n = 0;
};

int main() {
  aura::decision<observed> d = aura::mutate(observed{1});
  return d.is_mutate() ? 0 : 1;
}
