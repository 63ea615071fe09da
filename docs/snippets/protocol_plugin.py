#!/usr/bin/env python3
import json, sys

def send(msg):
    sys.stdout.write(json.dumps(msg, separators=(",", ":")) + "\n")
    sys.stdout.flush()

for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    method, rid = msg.get("method"), msg.get("id")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid,
              "result": {"aura": 1, "sdk": "0.1.0", "hooks": ["on_intent_before_log"]}})
    elif method == "event":
        data = msg["params"]["event"]["data"]
        if "OPS-" in data.get("summary", ""):
            result = {"decision": "allow"}
        else:
            result = {"decision": "deny", "reason": "Intent must reference an OPS-### ticket."}
        send({"jsonrpc": "2.0", "id": rid, "result": result})
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": rid, "result": {}})
        break
    elif rid is not None:
        send({"jsonrpc": "2.0", "id": rid,
              "error": {"code": -32601, "message": "unknown method " + method}})
