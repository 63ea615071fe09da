#!/usr/bin/env bash
# Compile time of a file including <aura/aura.hpp> beside one including only
# <nlohmann/json.hpp> (DESIGN §7 budget: <= 1.3x). Each is compiled N times
# (g++ -std=c++17 -O0 -c); the median wall time of each and their ratio are printed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-5}
CXX=${CXX:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <nlohmann/json.hpp>\nint main() { return nlohmann::json::object().size(); }\n' > "$work/baseline.cpp"
printf '#include <aura/aura.hpp>\nint main() { aura::bus bus; return static_cast<int>(bus.events().size()); }\n' > "$work/aura.cpp"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {
  for _ in $(seq "$N"); do
    local s e
    s=$(date +%s.%N)
    $CXX -std=c++17 -O0 -I "$ROOT/include" -c "$1" -o "$work/out.o"
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
base=$(measure "$work/baseline.cpp")
aura=$(measure "$work/aura.cpp")
printf 'compile time (median of %d, %s -O0): nlohmann/json.hpp %.2f s, aura/aura.hpp %.2f s, ratio %.2f\n' \
  "$N" "$CXX" "$base" "$aura" "$(echo "$aura / $base" | bc -l)"
