#!/usr/bin/env python3
"""A minimal JSON-RPC process plugin (docs/protocol.md): allows every event."""
import json
import sys

for line in sys.stdin:
    msg = json.loads(line)
    method = msg.get("method")
    if method == "initialize":
        result = {"aura": 1, "sdk": "0.1.0", "hooks": ["on_tick"]}
    elif method == "event":
        result = {"decision": "allow"}
    elif method == "shutdown":
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": None}) + "\n")
        sys.stdout.flush()
        break
    else:
        continue
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\n")
    sys.stdout.flush()
