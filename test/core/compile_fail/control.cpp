// The control case: the same shapes compile when the flags allow them, so the
// compile-failure tests fail for the right reason.
#include <aura/aura.hpp>

struct observed {
  static constexpr std::string_view name = "observed";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  int n = 0;
};

int main() {
  aura::decision<observed> d = aura::deny("no");
  aura::decision<observed> m = aura::mutate(observed{1});
  return d.is_deny() && m.is_mutate() ? 0 : 1;
}
