#!/usr/bin/env python3
"""add-reference: an aura process plugin (JSON-RPC 2.0, one message per line).

For every ticket an intent's summary names (OPS-123), it adds the tracker
link to the intent's `links`, through a JSON Merge Patch.
"""
import json
import re
import sys

TICKET = re.compile(r"\b[A-Z][A-Z0-9]+-[0-9]+\b")


def reply(mid, result=None, error=None):
    msg = {"jsonrpc": "2.0", "id": mid}
    if error is None:
        msg["result"] = result
    else:
        msg["error"] = error
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def add_links(request):
    data = request["event"]["data"]
    tracker = request["config"].get("tracker", "")
    tickets = TICKET.findall(data.get("summary", ""))
    if not tickets:
        return {"decision": "allow"}
    links = sorted(set(data.get("links", []) + [tracker + t for t in tickets]))
    return {"decision": "mutate", "patch": {"tickets": tickets, "links": links}, "patch_format": "merge"}


def main():
    for line in sys.stdin:
        msg = json.loads(line)
        method, mid = msg.get("method"), msg.get("id")
        if method == "initialize":
            reply(mid, {"sdk": "0.1.0", "hooks": ["add_links"]})
        elif method == "event":
            reply(mid, add_links(msg["params"]))
        elif method == "shutdown":
            reply(mid, {})
            return
        elif mid is not None:
            reply(mid, error={"code": -32601, "message": "no method " + str(method)})


if __name__ == "__main__":
    main()
