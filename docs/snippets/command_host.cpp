#include <aura/adapters/command.hpp>
#include <aura/aura.hpp>

using namespace std::chrono_literals;

struct confirm_dialog {
  bool confirm(const std::string& question);
};

aura::result<void> add_block_rm(aura::bus& bus, confirm_dialog& ui) {
  aura::command_options o;
  o.name = "block-rm";
  o.argv = {"/home/me/.claude/hooks/block_rm.sh"};   // no shell: {"bash", "-c", "..."} for one
  o.protocol = aura::command_protocol::claude_code;
  o.timeout = 5000ms;
  o.ask = [&](const aura::envelope<aura::dynamic_event>& ev, const std::string& why) {
    (void)ev;
    return ui.confirm(why);                           // Claude Code "ask"
  };
  auto hook = aura::make_command_hook(o);             // result<json_hook>
  if (!hook) return tl::make_unexpected(hook.error());
  return bus.on("tool.before_execution", aura::hook_options("block-rm").with_policy(aura::fail_closed), *hook);
}
