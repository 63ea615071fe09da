#!/usr/bin/env python3
"""A JSON-RPC process plugin (docs/protocol.md) that redacts secrets in tool input."""
import json
import re
import sys

SECRET = re.compile(r"(API_KEY|TOKEN)=\S+")


def reply(rid, result):
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    method = msg.get("method")
    if method == "initialize":
        reply(msg["id"], {"aura": 1, "sdk": "0.1.0", "hooks": ["on_tool"]})
    elif method == "event":
        command = msg["params"]["event"]["data"].get("tool_input", {}).get("command", "")
        clean = SECRET.sub(r"\1=[redacted]", command)
        if clean == command:
            reply(msg["id"], {"decision": "allow"})
        else:
            reply(msg["id"], {"decision": "mutate", "patch": {"tool_input": {"command": clean}}})
    elif method == "shutdown":
        reply(msg["id"], None)
        break
