// A node-kind plugin: aura's JSON-RPC protocol, one message a line. Not executable
// on purpose: the runtime must start it as `node lib/sink.js`.
const readline = require("readline");
const rl = readline.createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.method === "initialize") {
    send({ jsonrpc: "2.0", id: m.id, result: { aura: 1, sdk: "0.1.0", hooks: ["prove_failed"] } });
  } else if (m.method === "event") {
    const goal = m.params.event.data.goal || "";
    send({ jsonrpc: "2.0", id: m.id, result: { decision: "allow", effects: { notice: "node saw " + goal } } });
  } else if (m.method === "shutdown") {
    send({ jsonrpc: "2.0", id: m.id, result: {} });
  }
});
