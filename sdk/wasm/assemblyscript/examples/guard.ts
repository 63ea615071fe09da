// guard: denies rm -rf, logs what it checks, tags summaries with a merge patch, asserts a ticket.
import { Decision, jsonString, Level, log, plugin, Request } from "../assembly/index";
export { aura_abi_v1, aura_alloc, aura_on_event } from "../assembly/index";

function check(req: Request): Decision {
  const command = req.findString("command");
  if (command === null) return Decision.allow();
  log(Level.Debug, command);
  return command.includes("rm -rf") ? Decision.deny("guard: rm -rf is not allowed") : Decision.allow();
}

function tag(req: Request): Decision {
  const summary = req.findString("summary");
  if (summary === null) return Decision.fail("tag: the event has no summary");
  if (summary.startsWith("OPS-")) return Decision.allow();
  return Decision.mutate("{\"summary\":" + jsonString("OPS-0: " + summary) + "}");
}

// An assert is an abort: its message reaches the host as the call's error (then the guest traps).
function strict(req: Request): Decision {
  assert(req.findString("ticket") !== null, "strict: the event has no ticket");
  return Decision.allow();
}

plugin.hook("check", check).hook("tag", tag).hook("strict", strict);
