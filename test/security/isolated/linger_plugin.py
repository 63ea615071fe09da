#!/usr/bin/env python3
"""aura test plugin: answers initialize, then on an event leaves a grandchild
holding its stdout (plain background, or after setsid) and exits at once.
argv[1]: "background", "setsid" or "detached" (setsid and every descriptor
closed: nothing left to find it by); argv[2]: file the grandchild's pid goes to."""
import json
import os
import sys
import time

MODE, PIDFILE = sys.argv[1], sys.argv[2]


def answer(rid, result):
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "initialize":
        answer(msg["id"], {"aura": 1, "sdk": "0.1.0", "hooks": ["on_event", "on_stay"]})
    elif msg.get("method") == "event" and msg["params"].get("hook") == "on_stay":
        # the grandchild stays behind while the plugin keeps running
        if os.fork() == 0:
            if MODE == "setsid":
                os.setsid()
            with open(PIDFILE, "w") as f:
                f.write(str(os.getpid()))
            os.execvp("sleep", ["sleep", "60"])
        answer(msg["id"], {"decision": "allow"})
    elif msg.get("method") == "event" and MODE == "detached":
        if os.fork() == 0:
            os.setsid()
            with open(PIDFILE, "w") as f:
                f.write(str(os.getpid()))
            null = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.closerange(3, 1024)
            os.execvp("sleep", ["sleep", "60"])
        while not (os.path.exists(PIDFILE) and open(PIDFILE).read().strip()):
            time.sleep(0.005)
        if msg["params"].get("hook") == "on_stay":
            answer(msg["id"], {"decision": "allow"})
        else:
            os._exit(0)
    elif msg.get("method") == "event":
        if os.fork() == 0:
            if MODE == "setsid":
                os.setsid()
            with open(PIDFILE, "w") as f:
                f.write(str(os.getpid()))
            os.execvp("sleep", ["sleep", "60"])  # inherits stdout: EOF never comes
        # the pid is on record before the plugin exits (the host may kill the
        # grandchild the moment it sees the exit)
        while not (os.path.exists(PIDFILE) and open(PIDFILE).read().strip()):
            time.sleep(0.005)
        os._exit(0)  # exits before answering
    elif msg.get("method") == "shutdown":
        answer(msg.get("id"), {})
        sys.exit(0)
