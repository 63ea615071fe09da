#!/usr/bin/env python3
"""aura test plugin: JSON-RPC 2.0 over stdin/stdout, one message per line.

Written only against docs/protocol.md. The first argument picks a
misbehaviour for the fault tests; handlers pick the rest per event.
"""
import json
import os
import sys
import threading
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "normal"
HOOKS = ["on_event", "on_mutate", "on_slow", "on_crash", "on_hang", "on_garbage",
         "on_bigline", "on_halfline", "on_close_stdin", "on_host", "on_error", "on_env"]
out_lock = threading.Lock()
next_id = [1000]
waiting = {}  # id of our host call -> [event, answer]


def send(msg):
    line = json.dumps(msg, separators=(",", ":")) + "\n"
    with out_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def raw(text):
    with out_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def host(method, params, call):
    """Calls the host and waits for its answer (the main loop delivers it)."""
    with out_lock:
        next_id[0] += 1
        my_id = next_id[0]
    slot = [threading.Event(), None]
    waiting[my_id] = slot
    params = dict(params, call=call)
    send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params})
    slot[0].wait(5)
    return slot[1]


def answer(rid, decision):
    send({"jsonrpc": "2.0", "id": rid, "result": decision})


def handle_event(rid, params):
    hook = params["hook"]
    event = params["event"]
    data = event.get("data") or {}
    if hook == "on_event":
        if data.get("deny"):
            answer(rid, {"decision": "deny", "reason": "denied by py: " + str(data["deny"])})
        else:
            answer(rid, {"decision": "allow", "effects": {"seen": [event["id"]]}})
    elif hook == "on_mutate":
        answer(rid, {"decision": "mutate", "patch": {"x": data.get("x", 0) + 1}, "patch_format": "merge"})
    elif hook == "on_slow":
        time.sleep(data.get("ms", 100) / 1000.0)
        answer(rid, {"decision": "allow", "effects": {"order": [data.get("n")]}})
    elif hook == "on_crash":
        sys.stderr.write("py plugin: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)
    elif hook == "on_hang":
        time.sleep(3600)
    elif hook == "on_garbage":
        raw("this is not json at all\n")
    elif hook == "on_bigline":
        chunk = "a" * (1 << 20)
        for _ in range(data.get("mib", 20)):
            raw(chunk)
        time.sleep(3600)
    elif hook == "on_halfline":
        raw('{"jsonrpc":"2.0","id":%d,"res' % rid)
        os._exit(0)
    elif hook == "on_close_stdin":
        answer(rid, {"decision": "allow"})
        os.close(0)
        time.sleep(3600)
    elif hook == "on_host":
        results = {}
        results["log"] = host("host/log", {"level": "info", "message": "hello from py"}, rid)
        results["set"] = host("host/storage/set", {"key": "k", "value": data.get("value", "v")}, rid)
        results["get"] = host("host/storage/get", {"key": "k"}, rid)
        results["del"] = host("host/storage/delete", {"key": "k"}, rid)
        results["http"] = host("host/http", {"method": "GET", "url": data.get("url", "https://api.example.com/x")}, rid)
        results["nope"] = host("host/nope", {}, rid)
        answer(rid, {"decision": "allow", "effects": {"host": results}})
    elif hook == "on_error":
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32000, "message": "handler failed on purpose"}})
    elif hook == "on_env":
        answer(rid, {"decision": "allow", "effects": {"env": dict(os.environ), "cwd": os.getcwd()}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no handler " + hook}})


def main():
    if MODE == "prehandshake":
        raw("hello, I am chatty\n")
    if MODE == "storm":
        # fork-and-exit: a burst of children that exit at once, one that lingers
        for _ in range(10):
            if os.fork() == 0:
                os._exit(0)
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        method = msg.get("method")
        rid = msg.get("id")
        if method is None:  # an answer to one of our host calls
            slot = waiting.pop(rid, None)
            if slot is not None:
                slot[1] = msg.get("result", msg.get("error"))
                slot[0].set()
            continue
        if method == "initialize":
            if MODE == "exit_handshake":
                sys.stderr.write("py plugin: giving up during initialize\n")
                sys.stderr.flush()
                os._exit(4)
            if MODE == "hang_handshake":
                time.sleep(3600)
            sdk = "9.0.0" if MODE == "bad_version" else "0.1.0"
            answer(rid, {"aura": 1, "sdk": sdk, "hooks": HOOKS})
            if MODE == "storm":
                os._exit(1)  # dies right after every handshake
        elif method == "shutdown":
            answer(rid, {})
            if MODE == "stubborn":
                continue  # answers, but never exits on its own
            return
        elif method == "event":
            hook = msg["params"]["hook"]
            if hook in ("on_slow", "on_host"):
                threading.Thread(target=handle_event, args=(rid, msg["params"]), daemon=True).start()
            else:
                handle_event(rid, msg["params"])
    if MODE == "stubborn":
        time.sleep(3600)


main()
