#!/usr/bin/env python3
"""PreToolUse (Bash): JSON decisions, the way the hooks guide's example does it."""
import json
import sys

try:
    data = json.load(sys.stdin)
except json.JSONDecodeError as e:
    print(f"Error: invalid JSON input: {e}", file=sys.stderr)
    sys.exit(1)

command = data.get("tool_input", {}).get("command", "")

def answer(decision, reason, **extra):
    out = {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                  "permissionDecision": decision,
                                  "permissionDecisionReason": reason}}
    out["hookSpecificOutput"].update(extra)
    print(json.dumps(out))
    sys.exit(0)

if command.startswith("grep "):
    answer("deny", "Use 'rg' (ripgrep) instead of 'grep' for better performance")
if command.startswith("sudo "):
    answer("ask", "This command runs as root")
if command.startswith("npm test"):
    # rewrite without a decision: the normal permission flow still applies
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                             "updatedInput": {"command": command + " -- --ci"}}}))
    sys.exit(0)
if command == "stop-now":
    print(json.dumps({"continue": False, "stopReason": "policy: session over"}))
    sys.exit(0)
if command == "crash":
    print("something went wrong", file=sys.stderr)
    sys.exit(1)
if command == "exit2-with-json":
    print(json.dumps({"hookSpecificOutput": {"permissionDecision": "allow"}}))
    print("exit 2 wins", file=sys.stderr)
    sys.exit(2)
sys.exit(0)
