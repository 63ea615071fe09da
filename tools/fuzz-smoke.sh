#!/usr/bin/env bash
# Runs every libFuzzer target in a build folder for a bounded time over its
# seed corpus (test/fuzz/corpus/<name>/, the target name less "fuzz_"), and
# prints executions per target. Long runs: see docs/reliability.md.
#   tools/fuzz-smoke.sh <build-dir> [seconds-per-target]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:?usage: fuzz-smoke.sh <build-dir> [seconds]}
SECONDS_EACH=${2:-10}
status=0
found=0
for bin in "$BUILD"/test/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  corpus="$ROOT/test/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
  log=$(mktemp)
  if "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
       -artifact_prefix="$work/" "$work" >"$log" 2>&1; then
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "fuzz: $name ok, ${execs:-?} executions in ${SECONDS_EACH}s"
  else
    echo "fuzz: $name FAILED" >&2
    tail -40 "$log" >&2
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null >&2
    status=1
  fi
  rm -rf "$work" "$log"
done
[ $found -eq 1 ] || { echo "fuzz: no fuzz targets in $BUILD" >&2; exit 1; }
exit $status
