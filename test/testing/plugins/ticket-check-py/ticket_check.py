#!/usr/bin/env python3
"""The ticket check as an aura process plugin: JSON-RPC 2.0, one message a line.

Denies an intent unless one of its OPS-### tickets exists in the tracker, asked
through the host (`host/http`), so the host's network permissions apply.
"""
import json
import re
import sys

TICKET = re.compile(r"^OPS-[0-9]{3}$")
queued = []
next_id = 0


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def read():
    if queued:
        return queued.pop(0)
    line = sys.stdin.readline()
    return json.loads(line) if line else None


def host(method, params, call_id):
    """Calls the host while event `call_id` is in flight; returns (result, error)."""
    global next_id
    next_id += 1
    my_id = "h%d" % next_id
    send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": dict(params, call=call_id)})
    while True:
        m = read()
        if m is None:
            sys.exit(0)
        if m.get("id") == my_id and "method" not in m:
            return m.get("result"), m.get("error")
        queued.append(m)


def on_intent_before_log(request, call_id):
    data = request["event"]["data"]
    tracker = request["config"].get("tracker", "https://tracker.example.com")
    cited = [t for t in data.get("tickets", []) if TICKET.match(t)]
    for ticket in cited:
        answer, err = host("host/http", {"method": "GET", "url": "%s/tickets/%s" % (tracker, ticket)}, call_id)
        if err is not None:
            raise RuntimeError("tracker lookup failed: %s" % err.get("message"))
        if answer["status"] == 200:
            host("host/log", {"level": "info", "message": "%s exists" % ticket}, call_id)
            return {"decision": "allow"}
    return {"decision": "deny", "reason": "Intent must reference an OPS-### ticket that exists in the tracker."}


def on_tidy(request, call_id):
    summary = request["event"]["data"].get("summary", "")
    if summary == summary.strip():
        return {"decision": "allow"}
    return {"decision": "mutate", "patch": {"summary": summary.strip()}, "effects": {"notice": "summary trimmed"}}


HANDLERS = {"on_intent_before_log": on_intent_before_log, "on_tidy": on_tidy}

while True:
    msg = read()
    if msg is None:
        break
    method, mid = msg.get("method"), msg.get("id")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {"aura": 1, "sdk": "0.1.0", "hooks": sorted(HANDLERS)}})
    elif method == "event":
        try:
            result = HANDLERS[msg["params"]["hook"]](msg["params"], mid)
            send({"jsonrpc": "2.0", "id": mid, "result": result})
        except Exception as ex:  # a handler failure is the hook's error, not the plugin's death
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32603, "message": str(ex)}})
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
        break
