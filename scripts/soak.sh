#!/usr/bin/env bash
# Soak: runs the crash tests, the collector's (CollectorCrashTest: kills of the collector and
# vigied, an outage, rename rotations) and the server's (CrashTest: vigie push while vigied is
# killed), N times each under AddressSanitizer and UndefinedBehaviorSanitizer, beside busy
# loops that keep every core loaded, as a parallel ctest would. Stops at the first failure and
# prints its seed; `VIGIE_CRASH_SEED=<seed>` replays the same kill schedule.
#
#   scripts/soak.sh                  # builds the asan preset, then 20 rounds
#   scripts/soak.sh -n 3 --no-build  # 3 rounds with what build-asan/ holds
#   cmake --build --preset asan --target soak      # builds what it needs, then 20 rounds
#
# Not part of ctest: it takes too long for every run. Options:
#   -n N            rounds (default 20; $SOAK_ROUNDS)
#   --hogs N        busy loops beside the tests (default: one per core; $SOAK_HOGS)
#   --preset P      the CMake preset to build and test: asan (default), or default (no
#                   sanitizers: quicker, to try the script)
#   --build-dir D   test the binaries of D instead of the preset's directory (implies --no-build)
#   --no-build      use the binaries already built
#   --keep-going    run every round and count failures instead of stopping at the first
# Logs go to <build dir>/soak/: round-<i>-<test>.log, and any sanitizer report of any process
# (the tests, vigied, vigie-collector, vigie) as sanitizer.<pid>, which fails the round.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${SOAK_ROUNDS:-20}
hogs=${SOAK_HOGS:-$(nproc)}
preset=asan
dir=
build=1
keep_going=0
while [ $# -gt 0 ]; do
  case $1 in
    -n) rounds=$2; shift 2 ;;
    --hogs) hogs=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --build-dir) dir=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $preset in
  asan) dir=${dir:-build-asan} ;;
  default) dir=${dir:-build} ;;
  *) echo "soak.sh: --preset must be asan or default, not '$preset'" >&2; exit 2 ;;
esac

if [ "$build" = 1 ]; then
  [ -f "$dir/build.ninja" ] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)" --target vigied vigie vigie-collector \
    collector_crash_it crash_test
fi

dir=$(cd "$dir" && pwd)
logs=$dir/soak
rm -rf "$logs"
mkdir -p "$logs"
# Every sanitized process writes its report (if any) here instead of to a stderr nobody keeps.
export ASAN_OPTIONS="log_path=$logs/sanitizer:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$logs/sanitizer:print_stacktrace=1:${UBSAN_OPTIONS:-}"

hog_pids=()
stop_hogs() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_hogs EXIT
for _ in $(seq "$hogs"); do
  (while :; do :; done) &
  hog_pids+=($!)
done

tests=("collector:$dir/tests/collector/collector_crash_it:CollectorCrashTest.*"
       "server:$dir/tests/integration/crash_test:CrashTest.*")
failures=0
started=$(date +%s)
echo "soak: $rounds rounds of ${#tests[@]} crash tests, preset $preset, $hogs busy loops"
for round in $(seq "$rounds"); do
  for entry in "${tests[@]}"; do
    IFS=: read -r name binary filter <<<"$entry"
    log=$logs/round-$round-$name.log
    t0=$(date +%s)
    status=ok
    "$binary" --gtest_filter="$filter" >"$log" 2>&1 || status=failed
    if compgen -G "$logs/sanitizer.*" >/dev/null; then status="failed (sanitizer report)"; fi
    seed=$(sed -n 's/^crash test seed \([0-9]*\).*/\1/p' "$log" | head -1)
    echo "round $round/$rounds $name: $status in $(( $(date +%s) - t0 )) s, seed $seed"
    if [ "$status" != ok ]; then
      failures=$((failures + 1))
      tail -n 40 "$log"
      for report in "$logs"/sanitizer.*; do [ -e "$report" ] && head -n 40 "$report"; done
      echo "soak: $name failed in round $round; replay: VIGIE_CRASH_SEED=$seed $binary" \
        "--gtest_filter='$filter' (log: $log)"
      [ "$keep_going" = 1 ] || exit 1
      mkdir -p "$logs/round-$round-reports"
      mv "$logs"/sanitizer.* "$logs/round-$round-reports/" 2>/dev/null || true
    fi
  done
done
total=$(( $(date +%s) - started ))
echo "soak: $((rounds * ${#tests[@]} - failures)) of $((rounds * ${#tests[@]})) passed" \
  "in $total s ($((total / rounds)) s a round)"
[ "$failures" = 0 ]
