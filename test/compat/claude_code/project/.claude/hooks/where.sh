#!/bin/sh
# Any event: record where the hook ran and what it saw (POSIX sh, no jq).
input=$(cat)
{
  echo "pwd=$(pwd)"
  echo "project=$CLAUDE_PROJECT_DIR"
  echo "home=${HOME:-unset}"
  echo "custom=${AURA_CC_TEST_VAR:-unset}"
  echo "input=$input"
} > "$CLAUDE_PROJECT_DIR/.claude/where.log"
