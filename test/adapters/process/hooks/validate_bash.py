#!/usr/bin/env python3
"""A Claude Code hook in Python, in the style of the Claude Code docs examples."""
import json
import re
import sys

try:
    data = json.load(sys.stdin)
except json.JSONDecodeError as e:
    print(f"Error: invalid JSON input: {e}", file=sys.stderr)
    sys.exit(1)

event = data.get("hook_event_name")
if event == "UserPromptSubmit":
    prompt = data.get("prompt", "")
    if re.search(r"(?i)\b(password|secret)\s*[:=]", prompt):
        print(json.dumps({"decision": "block", "reason": "the prompt contains a secret"}))
        sys.exit(0)
    print(json.dumps({"hookSpecificOutput": {"hookEventName": "UserPromptSubmit",
                                             "additionalContext": "Current sprint: 42"}}))
    sys.exit(0)

if event == "PostToolUse":
    if "Traceback" in json.dumps(data.get("tool_response", "")):
        print(json.dumps({"decision": "block", "reason": "the tool failed; fix it first",
                          "hookSpecificOutput": {"hookEventName": "PostToolUse",
                                                 "additionalContext": "the last tool call raised"}}))
    sys.exit(0)

command = data.get("tool_input", {}).get("command", "")
issues = []
if re.search(r"\bgrep\b(?!.*\|)", command):
    issues.append("Use 'rg' (ripgrep) instead of 'grep'")
if re.search(r"\bfind\s+\S+\s+-name\b", command):
    issues.append("Use 'rg --files -g pattern' instead of 'find -name'")
if issues:
    for message in issues:
        print(f"• {message}", file=sys.stderr)
    sys.exit(2)
sys.exit(0)
