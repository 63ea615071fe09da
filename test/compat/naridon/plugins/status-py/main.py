# A python-kind plugin (not executable: started as `python3 main.py`).
import json
import sys

for line in sys.stdin:
    m = json.loads(line)
    mid, method = m.get("id"), m.get("method")
    if method == "initialize":
        out = {"aura": 1, "sdk": "0.1.0", "hooks": ["zone_before_claim"]}
    elif method == "event":
        zone = m["params"]["event"]["data"].get("zone", "")
        out = {"decision": "deny", "reason": "zone %s is frozen" % zone} if zone == "release" else {"decision": "allow"}
    elif method == "tools/call":
        out = {"content": [{"type": "text", "text": "owner of %s: nobody" % m["params"]["arguments"].get("zone")}],
               "isError": False}
    elif method == "shutdown":
        out = {}
    else:
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no"}}) + "\n")
        sys.stdout.flush()
        continue
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": mid, "result": out}) + "\n")
    sys.stdout.flush()
