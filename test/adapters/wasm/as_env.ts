// A plugin compiled by plain `asc` (no asconfig "use" override), so its abort,
// Math.random, Date.now and console.log are AssemblyScript's default runtime
// imports env.abort, env.seed, env.Date.now and env.console.log (as_env.hpp).
import { Decision, plugin, Request } from "../../../sdk/wasm/assemblyscript/assembly/index";
export { aura_abi_v1, aura_alloc, aura_on_event } from "../../../sdk/wasm/assemblyscript/assembly/index";

function say(req: Request): Decision {
  const text = req.findString("text");
  console.log("as says: " + (text === null ? "nothing" : text));
  return Decision.allow();
}

// Math.random is seeded from env.seed on its first call.
function random(_req: Request): Decision {
  const a = Math.random(), b = Math.random();
  const ok = a >= 0 && a < 1 && b >= 0 && b < 1 && a != b;
  return Decision.deny(ok ? "random ok" : "random bad: " + a.toString() + " " + b.toString());
}

function now(_req: Request): Decision {
  return Decision.deny("now " + (<i64>Date.now()).toString());
}

function strict(req: Request): Decision {
  assert(req.findString("ticket") !== null, "strict: the event has no ticket");
  return Decision.allow();
}

plugin.hook("say", say).hook("random", random).hook("now", now).hook("strict", strict);
