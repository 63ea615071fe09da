#!/usr/bin/env bash
# SessionStart: the official context-loading pattern, under set -u.
set -euo pipefail
if [ -n "$CLAUDE_ENV_FILE" ]; then
  echo 'export NODE_ENV=production' >> "$CLAUDE_ENV_FILE"
  echo "export PROJECT_NAME=\"$(basename "$CLAUDE_PROJECT_DIR") app\"" >> "$CLAUDE_ENV_FILE"
fi
if [ -f CONTEXT.md ]; then
  cat CONTEXT.md
fi
