# Shell helpers of the collector's benchmark scripts (sourced by run.sh and statsd_run.sh).
PIDS=()  # Every process the script starts; only these are stopped.
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Arithmetic with awk (bc is not always installed): calc EXPR [DECIMALS]. A comparison goes in
# parentheses: awk reads a bare > as a redirection.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
cpu_seconds() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat"; }
now() { date +%s.%N; }
wait_file() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "no $1" >&2; exit 1; }
