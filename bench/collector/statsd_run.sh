#!/usr/bin/env bash
# StatsD throughput of vigie-collector (into vigied) beside Etsy's statsd daemon (npm statsd 0.9,
# tests/npm/statsd), in one run on this machine, with the same sender and the same lines.
#
#   bench/collector/statsd_run.sh     (from the repository root, after building vigied and
#                                      vigie-collector, and `npm ci` in tests/npm/statsd)
#
# 1. TCP (flow control: nothing is lost, the sender waits): METRICS lines sent as fast as the
#    daemon takes them; metrics/s until the daemon has aggregated every one, and its CPU.
# 2. UDP paced at several rates for UDP_SECONDS each: the share of the lines the daemon got (the
#    kernel drops what its socket buffer cannot hold).
# Debian 12 has no prometheus-statsd-exporter package, so it is not measured. Results go to
# bench/RESULTS-statsd.md, copied into bench/RESULTS.md. Nothing here asserts anything.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
METRICS=${METRICS:-20000000}            # TCP lines for the collector.
ETSY_METRICS=${ETSY_METRICS:-2000000}   # TCP lines for Etsy's daemon (about 10x slower).
UDP_SECONDS=${UDP_SECONDS:-5}
UDP_RATES=${UDP_RATES:-"100000 500000 1000000 1500000"}
REPEAT=${REPEAT:-3}                     # TCP runs of each daemon; the median is reported.
WORK=$ROOT/bench/work/statsd
RESULTS=$ROOT/bench/RESULTS-statsd.md
NPM=$ROOT/tests/npm/statsd
. bench/collector/common.sh
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
send() { python3 bench/collector/statsd_send.py "$@" > /dev/null; }

# What a daemon has aggregated so far.
collector_count() {
  curl -s "http://$COLLECTOR_METRICS/metrics" |
    awk '/^vigie_collector_input_lines_total\{.*statsd/ {print $2}'
}
etsy_count() {  # Sum of statsd.metrics_received over the flushes written so far.
  [ -f "$WORK/etsy/flushes.json" ] || { echo 0; return; }
  python3 -c "
import json, sys
print(sum(json.loads(l)['counters'].get('statsd.metrics_received', 0) for l in open(sys.argv[1])))
" "$WORK/etsy/flushes.json"
}
wait_count() {  # $1: function, $2: at least; waits up to 10 min.
  for _ in $(seq 6000); do
    [ "$(calc "($($1) >= $2)" 0)" = 1 ] && return 0
    sleep 0.1
  done
  echo "$1 never reached $2" >&2; exit 1
}

rm -rf "$WORK" && mkdir -p "$WORK/vigie" "$WORK/etsy"

# vigied and the collector: StatsD on TCP and UDP, flushed every second.
"$ROOT/$BUILD/server/vigied" --data-dir "$WORK/vigie/data" --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --ready-file "$WORK/vigie/vigied.json" --log-level warn \
  > "$WORK/vigie/vigied.log" 2>&1 &
VIGIED=$!
PIDS+=("$VIGIED")
wait_file "$WORK/vigie/vigied.json"
cat > "$WORK/vigie/collector.yaml" <<YAML
inputs:
  - type: statsd
    listen: ["tcp://127.0.0.1:0", "udp://127.0.0.1:0"]
    flush: 1s
YAML
"$ROOT/$BUILD/collector/vigie-collector" --config "$WORK/vigie/collector.yaml" \
  --server "$(json "$WORK/vigie/vigied.json" '["grpc"]')" --state-dir "$WORK/vigie/state" \
  --metrics-listen 127.0.0.1:0 --ready-file "$WORK/vigie/collector.json" --log-level warn \
  > "$WORK/vigie/collector.log" 2>&1 &
COLLECTOR=$!
PIDS+=("$COLLECTOR")
wait_file "$WORK/vigie/collector.json"
COLLECTOR_METRICS=$(json "$WORK/vigie/collector.json" '["metrics"]')
C_TCP=$(json "$WORK/vigie/collector.json" '["statsd"][0].rsplit(":", 1)[1]')
C_UDP=$(json "$WORK/vigie/collector.json" '["statsd"][1].rsplit(":", 1)[1]')

# Etsy's statsd: TCP and UDP servers, flushed every second to a backend writing JSON lines.
E_TCP=$(free_port)
E_UDP=$(free_port)
cat > "$WORK/etsy/config.js" <<JS
{flushInterval: 1000, percentThreshold: [90], mgmt_address: "127.0.0.1", mgmt_port: $(free_port),
 servers: [{server: "./servers/tcp", address: "127.0.0.1", port: $E_TCP},
           {server: "./servers/udp", address: "127.0.0.1", port: $E_UDP}],
 backends: ["$NPM/json_backend.js"], jsonBackend: {file: "$WORK/etsy/flushes.json"}}
JS
node "$NPM/node_modules/statsd/stats.js" "$WORK/etsy/config.js" > "$WORK/etsy/statsd.log" 2>&1 &
ETSY=$!
PIDS+=("$ETSY")
for _ in $(seq 100); do grep -q "server is up" "$WORK/etsy/statsd.log" && break; sleep 0.1; done

tcp_run() {  # $1: count function, $2: port, $3: lines, $4: pid. Prints: seconds cpu_seconds
  local start_count t0 c0 t1
  start_count=$($1)
  c0=$(cpu_seconds "$4")
  t0=$(now)
  send --proto tcp --port "$2" --metrics "$3"
  wait_count "$1" "$start_count + $3"
  t1=$(now)
  echo "$(calc "$t1 - $t0" 3) $(calc "$(cpu_seconds "$4") - $c0" 2)"
}
udp_run() {  # $1: count function, $2: port, $3: rate. Prints: received share in %
  local start_count lines
  lines=$(calc "$3 * $UDP_SECONDS" 0)
  start_count=$($1)
  send --proto udp --port "$2" --metrics "$lines" --rate "$3"
  # Until two flushes add nothing: a daemon slower than the rate works through its backlog.
  local previous=-1 current
  current=$($1)
  while [ "$current" != "$previous" ]; do
    sleep 2.2
    previous=$current
    current=$($1)
  done
  calc "($current - $start_count) * 100 / $lines" 1
}

# TCP runs alternate between the daemons, REPEAT times each; the median run of each is reported.
C_RUNS=()
E_RUNS=()
for _ in $(seq "$REPEAT"); do
  C_RUNS+=("$(tcp_run collector_count "$C_TCP" "$METRICS" "$COLLECTOR")")
  E_RUNS+=("$(tcp_run etsy_count "$E_TCP" "$ETSY_METRICS" "$ETSY")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(((REPEAT + 1) / 2))p"; }
read -r C_SECONDS C_CPU < <(median "${C_RUNS[@]}")
read -r E_SECONDS E_CPU < <(median "${E_RUNS[@]}")
UDP_ROWS=""
for rate in $UDP_RATES; do
  UDP_ROWS+="| $rate | $(udp_run collector_count "$C_UDP" "$rate") % | $(udp_run etsy_count "$E_UDP" "$rate") % |"$'\n'
done
VIGIED_CPU=$(cpu_seconds "$VIGIED")

C_RATE=$(calc "$METRICS / $C_SECONDS" 0)
E_RATE=$(calc "$ETSY_METRICS / $E_SECONDS" 0)
cat > "$RESULTS" <<MD
# StatsD: vigie-collector beside Etsy's statsd (\`bench/collector/statsd_run.sh\`)

$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),
the sender (Python, prebuilt lines: 60% counters, 20% timers, 15% gauges, 5% sets over 10,000
names, one in ten tagged) on the same cores. The collector flushes every second into vigied
(durable); Etsy's daemon flushes every second to a backend that writes JSON. Debian 12 has no
prometheus-statsd-exporter package: not measured.

Median of $REPEAT TCP runs each, alternating (all runs, seconds and CPU s: vigie-collector
$(printf '%s; ' "${C_RUNS[@]}")Etsy $(printf '%s; ' "${E_RUNS[@]}")).

| TCP, as fast as taken | lines | seconds | metrics/s | daemon CPU s | CPU µs per metric |
|---|---|---|---|---|---|
| vigie-collector | $METRICS | $C_SECONDS | $C_RATE | $C_CPU | $(calc "$C_CPU * 1000000 / $METRICS" 2) |
| Etsy statsd 0.9 (node $(node --version)) | $ETSY_METRICS | $E_SECONDS | $E_RATE | $E_CPU | $(calc "$E_CPU * 1000000 / $ETSY_METRICS" 2) |

vigie-collector / Etsy: **$(calc "$C_RATE / $E_RATE" 1)×** the metrics per second, and
**$(calc "($E_CPU / $ETSY_METRICS) / ($C_CPU / $METRICS)" 1)×** less CPU per metric. vigied's CPU
over the whole run (the flushes it stored): $VIGIED_CPU s.

UDP, paced for ${UDP_SECONDS} s at each rate (lines per second): the share each daemon received
and aggregated (the kernel drops what the socket buffer cannot hold; net.core.rmem_max is
$(cat /proc/sys/net/core/rmem_max) bytes here).

| rate | vigie-collector | Etsy statsd |
|---|---|---|
$UDP_ROWS
MD
python3 bench/splice_section.py statsd "$RESULTS"
cat "$RESULTS"
