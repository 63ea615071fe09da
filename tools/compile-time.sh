#!/usr/bin/env bash
# Compile time of aura beside its baselines (DESIGN §7, issue 15), in CPU time
# (user + sys of the compiler), so a machine loaded by other work still gives
# meaningful ratios. The pairs are compiled interleaved (a, b, a, b, ...) so
# load changes hit both alike; the median of N of each and their ratio print.
#   1. a file including <aura/aura.hpp> beside one including only
#      <nlohmann/json.hpp> that instantiates nothing (budget <= 1.3x);
#   2. a realistic user file (one event, one hook, one emit) beside the same
#      program written with nlohmann::json and std::function (budget <= 1.6x).
# Both pairs are measured twice: header-only (the default) and in the compiled
# mode (the aura file built with -DAURA_COMPILED, as linking
# aura::aura_compiled does; the library's own one-off compile is not counted,
# like a prebuilt fmt or spdlog).
# Usage: tools/compile-time.sh [N]   (CXX, CXXFLAGS from the environment)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-5}
CXX=${CXX:-g++}
FLAGS=${CXXFLAGS:--std=c++17 -O0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '#include <nlohmann/json.hpp>\nint main() { return 0; }\n' > "$work/json_only.cpp"
printf '#include <aura/aura.hpp>\nint main() { return 0; }\n' > "$work/aura_only.cpp"
cat > "$work/user_aura.cpp" <<'EOF'
#include <aura/aura.hpp>
struct file_write {
  static constexpr std::string_view name = "file.write";
  static constexpr aura::event_flags flags = aura::vetoable;
  std::string path;
};
int main() {
  aura::bus bus;
  (void)bus.on<file_write>("no-etc", [](const file_write& w) {
    return w.path.rfind("/etc/", 0) == 0 ? aura::decision<file_write>(aura::deny("system path"))
                                         : aura::decision<file_write>(aura::allow());
  });
  return bus.emit(file_write{"/tmp/x"}).allowed() ? 0 : 1;
}
EOF
cat > "$work/user_twin.cpp" <<'EOF'
#include <nlohmann/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>
struct file_write {
  std::string path;
};
struct verdict {
  bool allowed = true;
  std::string reason;
};
int main() {
  std::vector<std::function<std::optional<std::string>(const file_write&)>> hooks;
  hooks.emplace_back([](const file_write& w) -> std::optional<std::string> {
    if (w.path.rfind("/etc/", 0) == 0) return std::string("system path");
    return std::nullopt;
  });
  verdict v;
  const file_write w{"/tmp/x"};
  for (auto& h : hooks) {
    if (auto r = h(w)) {
      v = {false, *r};
      break;
    }
  }
  nlohmann::json record = {{"path", w.path}, {"allowed", v.allowed}};
  return record["allowed"].get<bool>() ? 0 : 1;
}
EOF

# CPU seconds (user + sys) of one compile.
cpu() {  # cpu <file.cpp> [extra flags]
  local t
  # shellcheck disable=SC2086
  t=$( { /usr/bin/time -f '%U %S' $CXX $FLAGS ${2:-} -I "$ROOT/include" -c "$1" -o "$work/out.o" >/dev/null; } 2>&1 | tail -1)
  echo "$t" | awk '{printf "%.3f\n", $1 + $2}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

pair() {  # pair <label> <baseline.cpp> <aura.cpp> [flags for the aura file]
  local base_times aura_times
  base_times=$work/base.t
  aura_times=$work/aura.t
  : > "$base_times"
  : > "$aura_times"
  for _ in $(seq "$N"); do
    cpu "$2" >> "$base_times"
    cpu "$3" "${4:-}" >> "$aura_times"
  done
  local b a
  b=$(median < "$base_times")
  a=$(median < "$aura_times")
  printf '%s: baseline %.2f s, aura %.2f s, ratio %.2f (CPU, median of %d interleaved, %s %s)\n' \
    "$1" "$b" "$a" "$(echo "$a / $b" | bc -l)" "$N" "$CXX" "$FLAGS"
}

pair "header-only: include only (budget 1.3)" "$work/json_only.cpp" "$work/aura_only.cpp"
pair "header-only: one event, one hook, one emit (budget 1.6)" "$work/user_twin.cpp" "$work/user_aura.cpp"
pair "compiled mode: include only (budget 1.3)" "$work/json_only.cpp" "$work/aura_only.cpp" -DAURA_COMPILED
pair "compiled mode: one event, one hook, one emit (budget 1.6)" "$work/user_twin.cpp" "$work/user_aura.cpp" -DAURA_COMPILED
