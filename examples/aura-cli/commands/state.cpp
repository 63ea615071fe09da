// `aura state`: where plugin state lives between runs, and its reset.
#include <iostream>

#include "../cli.hpp"

namespace aura_cli {

namespace {

int run_state(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--all"});
  if (p.positional.empty()) throw cli_error{"state needs path or reset (aura state --help)"};
  const std::string what = p.positional[0];
  if (what == "path") {
    std::cout << (s.state.session.empty() ? s.state.dir : s.state.dir / s.state.session).string() << "\n";
    return 0;
  }
  if (what != "reset") throw cli_error{"unknown state action \"" + what + "\" (path, reset)"};
  if (s.state.session.empty() && !p.has("--all")) {
    throw cli_error{"state reset needs --session ID (one session) or --all (every session in " + s.state.dir.string() + ")"};
  }
  const fs::path target = p.has("--all") ? s.state.dir : s.state.dir / s.state.session;
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    std::cerr << "aura: no state at " << target.string() << "\n";
    return 0;
  }
  const auto removed = fs::remove_all(target, ec);
  if (ec) throw cli_error{"cannot remove " + target.string() + ": " + ec.message()};
  std::cerr << "aura: removed " << target.string() << " (" << removed << " entries)\n";
  return 0;
}

}  // namespace

extern const command state_command{"state", "", "state path|reset", "where plugin state lives; reset it",
    "usage: aura [--state-dir DIR] [--session ID] state path|reset [--all]\n\n"
    "Plugins' private storage lives in DIR/ID/<plugin> when a command runs with\n"
    "--session ID (DIR: --state-dir, else $AURA_STATE_DIR, else ./.aura/state); the\n"
    "event's session is ID too. Without --session every run starts from fresh state\n"
    "in a temporary folder, removed when the command ends.\n"
    "  state path          prints the folder of --session ID (or DIR)\n"
    "  state reset         removes the state of --session ID; --all removes DIR\n",
    &run_state};

}  // namespace aura_cli
