#!/usr/bin/env python3
"""Notification / PreCompact / SessionEnd / SubagentStop / PermissionRequest / PostToolUseFailure: log, answer per event."""
import json
import os
import sys

data = json.load(sys.stdin)
event = data["hook_event_name"]
log = os.path.join(os.environ["CLAUDE_PROJECT_DIR"], ".claude", "events.jsonl")
with open(log, "a") as f:
    f.write(json.dumps(data) + "\n")
if event == "PermissionRequest":
    cmd = data.get("tool_input", {}).get("command", "")
    if cmd.startswith("ls"):
        print(json.dumps({"hookSpecificOutput": {"hookEventName": event,
                                                 "decision": {"behavior": "allow", "updatedInput": {"command": cmd + " -la"}}}}))
    else:
        print(json.dumps({"hookSpecificOutput": {"hookEventName": event,
                                                 "decision": {"behavior": "deny", "message": "only ls is pre-approved", "interrupt": True}}}))
elif event == "PostToolUseFailure":
    print(json.dumps({"hookSpecificOutput": {"hookEventName": event, "additionalContext": "the tool failed: " + data.get("error", "")}}))
elif event == "SubagentStop" and not data.get("stop_hook_active"):
    print("subagent must summarise", file=sys.stderr)
    sys.exit(2)
elif event == "PreCompact":
    print("compaction noted", file=sys.stderr)
    sys.exit(2)
