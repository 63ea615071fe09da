#!/usr/bin/env python3
"""A command hook speaking aura's own wire format (DESIGN §5) on stdin/stdout."""
import json
import sys

request = json.load(sys.stdin)
data = request["event"]["data"]
if data.get("summary", "").find("OPS-") < 0:
    print(json.dumps({"decision": "deny", "reason": "Intent must reference an OPS-### ticket."}))
else:
    print(json.dumps({"decision": "mutate", "patch": {"checked_by": request["hook"]},
                      "effects": {"notice": [{"message": "ticket ok"}]}}))
