#!/usr/bin/env python3
"""UserPromptSubmit: block secrets, add the date as context otherwise (plain stdout)."""
import json
import re
import sys

data = json.load(sys.stdin)
prompt = data.get("prompt", "")
if re.search(r"(?i)\b(password|secret)\s*[:=]", prompt):
    print(json.dumps({"decision": "block", "reason": "Security policy violation: prompt contains a secret"}))
    sys.exit(0)
if prompt.startswith("!"):
    print("Prompts starting with ! are not allowed", file=sys.stderr)
    sys.exit(2)
print("Context: the project uses Python 3.11")
