#!/usr/bin/env python3
"""aura test plugin: answers with bytes that are not UTF-8 - in a reason
(raw, inside the JSON text), in a patch value (as an escaped lone
surrogate), and on stderr before crashing."""
import json
import sys

out = sys.stdout.buffer
for line in sys.stdin.buffer:
    msg = json.loads(line)
    rid = msg.get("id")
    if msg.get("method") == "initialize":
        out.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": {
            "aura": 1, "sdk": "0.1.0", "hooks": ["on_raw", "on_surrogate", "on_crash", "on_ok"]}}).encode() + b"\n")
    elif msg.get("method") == "event":
        hook = msg["params"].get("hook")
        head = b'{"jsonrpc":"2.0","id":' + json.dumps(rid).encode() + b',"result":'
        if hook == "on_raw":
            out.write(head + b'{"decision":"deny","reason":"bad \xff\xfe reason"}}\n')
        elif hook == "on_surrogate":
            out.write(head + b'{"decision":"mutate","patch":{"command":"ls \\ud800"}}}\n')
        elif hook == "on_crash":
            sys.stderr.buffer.write(b"bad \xff\xfe stderr\n")
            sys.stderr.flush()
            out.flush()
            sys.exit(3)
        else:
            out.write(head + b'{"decision":"allow"}}\n')
    elif msg.get("method") == "shutdown":
        out.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": {}}).encode() + b"\n")
        out.flush()
        sys.exit(0)
    out.flush()
