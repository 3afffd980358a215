#!/usr/bin/env bash
# End-to-end benchmark of vigie-collector, beside rsyslog doing the same job, on this machine.
#
#   bench/collector/run.sh            (from the repository root, after building vigied and
#                                      vigie-collector with ./scripts/build.sh; BUILD=build by default)
#
# 1. file -> vigie-collector -> vigied, until vigied has acknowledged every line (durable):
#    MiB/s, lines/s, CPU seconds per GiB of each process.
# 2. syslog over TCP (octet counting) -> vigie-collector -> vigied: messages/s.
# 3. rsyslog on the same file: imfile -> omfwd (TCP, octet-counted) -> a receiver that counts
#    lines: MiB/s, lines/s, CPU seconds per GiB of rsyslogd.
# Results go to bench/RESULTS-collector.md, copied into bench/RESULTS.md. Nothing here asserts
# anything about time.
# Needs python3 and rsyslog (apt-get install python3 rsyslog).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
SIZE_MIB=${SIZE_MIB:-1024}
SYSLOG_MESSAGES=${SYSLOG_MESSAGES:-2000000}
COLLECTOR_EXTRA=${COLLECTOR_EXTRA:-}  # YAML appended to the collector's configuration.
ONLY_FILE=${ONLY_FILE:-}             # Set: run the file benchmark only (for experiments).
REPEAT=${REPEAT:-3}                  # File runs; the median is reported.
WORK=$ROOT/bench/work/collector
RESULTS=$ROOT/bench/RESULTS-collector.md
. bench/collector/common.sh

mkdir -p "$WORK"
INPUT=$WORK/input.log
if [ ! -f "$INPUT" ] || [ "$(stat -c %s "$INPUT")" -lt $((SIZE_MIB << 20)) ]; then
  python3 bench/collector/make_logs.py --mib "$SIZE_MIB" --out "$INPUT"
fi
BYTES=$(stat -c %s "$INPUT")
LINES=$(wc -l < "$INPUT")
MIB=$(calc "$BYTES / 1048576")

start_vigied() {  # $1: directory
  "$ROOT/$BUILD/server/vigied" --data-dir "$1/data" --grpc-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 --ready-file "$1/vigied.json" --log-level warn > "$1/vigied.log" 2>&1 &
  VIGIED=$!
  PIDS+=("$VIGIED")
  wait_file "$1/vigied.json"
  GRPC=$(json "$1/vigied.json" '["grpc"]')
}

start_collector() {  # $1: directory, $2: config
  printf '%s\n%s\n' "$2" "$COLLECTOR_EXTRA" > "$1/collector.yaml"
  "$ROOT/$BUILD/collector/vigie-collector" --config "$1/collector.yaml" --server "$GRPC" \
    --state-dir "$1/state" --metrics-listen 127.0.0.1:0 --ready-file "$1/collector.json" \
    --log-level warn > "$1/collector.log" 2>&1 &
  COLLECTOR=$!
  PIDS+=("$COLLECTOR")
  wait_file "$1/collector.json"
  METRICS=$(json "$1/collector.json" '["metrics"]')
}

wait_acked() {  # $1: entries
  python3 bench/collector/wait_metric.py "$METRICS" vigie_collector_entries_acked_total "$1"
}

# 1. File to durable store, REPEAT times (the median run is reported).
file_run() {  # Prints: seconds collector_cpu vigied_cpu collector_peak_rss_kib
  local run=$WORK/file
  rm -rf "$run" && mkdir -p "$run/in"
  start_vigied "$run"
  start_collector "$run" "inputs:
  - type: file
    paths: [\"$run/in/*.log\"]
    read_from: beginning"
  local t0 t1
  t0=$(now)
  ln "$INPUT" "$run/in/input.log"
  wait_acked "$LINES"
  t1=$(now)
  echo "$(calc "$t1 - $t0" 3) $(cpu_seconds "$COLLECTOR") $(cpu_seconds "$VIGIED")" \
    "$(awk '/VmHWM/ {print $2}' "/proc/$COLLECTOR/status")"
  kill "$COLLECTOR" "$VIGIED"
  wait "$COLLECTOR" "$VIGIED" 2>/dev/null || true
}
RUNS=()
for _ in $(seq "$REPEAT"); do RUNS+=("$(file_run)"); done
read -r FILE_SECONDS FILE_COLLECTOR_CPU FILE_VIGIED_CPU FILE_RSS < <(
  printf '%s\n' "${RUNS[@]}" | sort -n | sed -n "$(((REPEAT + 1) / 2))p")
if [ -n "$ONLY_FILE" ]; then
  printf 'file runs (s, collector CPU s, vigied CPU s, RSS KiB):\n'; printf '  %s\n' "${RUNS[@]}"
  exit 0
fi

# 2. Syslog over TCP.
RUN=$WORK/syslog && rm -rf "$RUN" && mkdir -p "$RUN"
start_vigied "$RUN"
start_collector "$RUN" "inputs:
  - type: syslog
    listen: [\"tcp://127.0.0.1:0\"]"
PORT=$(json "$RUN/collector.json" '["syslog"][0].rsplit(":", 1)[1]')
T0=$(now)
python3 bench/collector/syslog_send.py --port "$PORT" --messages "$SYSLOG_MESSAGES" --input "$INPUT"
wait_acked "$SYSLOG_MESSAGES"
T1=$(now)
SYSLOG_SECONDS=$(calc "$T1 - $T0" 3)
SYSLOG_COLLECTOR_CPU=$(cpu_seconds "$COLLECTOR")
kill "$COLLECTOR" "$VIGIED"; wait "$COLLECTOR" "$VIGIED" 2>/dev/null || true

# 3. rsyslog: imfile -> omfwd -> receiver.
RUN=$WORK/rsyslog && rm -rf "$RUN" && mkdir -p "$RUN/work"
python3 bench/collector/count_receiver.py --lines "$LINES" --ready "$RUN/receiver.port" \
  > "$RUN/receiver.out" &
RECEIVER=$!
PIDS+=("$RECEIVER")
wait_file "$RUN/receiver.port"
cat > "$RUN/rsyslog.conf" <<CONF
global(workDirectory="$RUN/work" maxMessageSize="64k")
module(load="imfile")
input(type="imfile" File="$RUN/input.log" Tag="bench")
action(type="omfwd" target="127.0.0.1" port="$(cat "$RUN/receiver.port")" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
CONF
ln "$INPUT" "$RUN/input.log"
T0=$(now)
/usr/sbin/rsyslogd -n -f "$RUN/rsyslog.conf" -i "$RUN/rsyslogd.pid" > "$RUN/rsyslogd.log" 2>&1 &
RSYSLOGD=$!
PIDS+=("$RSYSLOGD")
wait "$RECEIVER"
T1=$(now)
RSYSLOG_SECONDS=$(calc "$T1 - $T0" 3)
RSYSLOG_CPU=$(cpu_seconds "$RSYSLOGD")
kill "$RSYSLOGD"

per_s() { calc "$1 / $2"; }
per_gib() { calc "$1 * 1024 / $MIB" 2; }
cat > "$RESULTS" <<MD
# vigie-collector end-to-end benchmark

- Machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM
- Date: $(date -u +%Y-%m-%dT%H:%MZ)
- Command: \`bench/collector/run.sh\` (SIZE_MIB=$SIZE_MIB, SYSLOG_MESSAGES=$SYSLOG_MESSAGES)
- Input: $MIB MiB, $LINES lines replayed from the loghub samples with varied numbers
  (bench/collector/make_logs.py); collector and vigied on the same machine, default settings
  (spool with fsync, 1 MiB batches, window of 8, no compression on loopback).

| Path | Seconds | MiB/s | lines/s | CPU s/GiB (collector) | CPU s/GiB (server side) |
|---|---|---|---|---|---|
| file -> vigie-collector -> vigied (durable ack), median of $REPEAT | $(calc "$FILE_SECONDS") | $(per_s "$MIB" "$FILE_SECONDS") | $(per_s "$LINES" "$FILE_SECONDS") | $(per_gib "$FILE_COLLECTOR_CPU") | $(per_gib "$FILE_VIGIED_CPU") (vigied) |
| file -> rsyslogd (imfile, omfwd TCP) -> receiver | $(calc "$RSYSLOG_SECONDS") | $(per_s "$MIB" "$RSYSLOG_SECONDS") | $(per_s "$LINES" "$RSYSLOG_SECONDS") | $(per_gib "$RSYSLOG_CPU") (rsyslogd) | - (receiver only counts) |

Syslog over TCP (octet counting, RFC 5424) -> vigie-collector -> vigied: $SYSLOG_MESSAGES messages
in $(calc "$SYSLOG_SECONDS") s = $(per_s "$SYSLOG_MESSAGES" "$SYSLOG_SECONDS") messages/s (collector CPU
$SYSLOG_COLLECTOR_CPU s; the sender is a Python script, see bench/collector/syslog_send.py).

Collector peak RSS during the file run: $((FILE_RSS / 1024)) MiB. All file runs (seconds,
collector CPU s, vigied CPU s, collector peak RSS KiB):

$(printf -- '- %s\n' "${RUNS[@]}")

## Reading

- Target: >= 100 MiB/s file to durable store, and faster than rsyslog on the same file.
  This run: $(per_s "$MIB" "$FILE_SECONDS") MiB/s, $(calc "$RSYSLOG_SECONDS / $FILE_SECONDS")x rsyslog's
  $(per_s "$MIB" "$RSYSLOG_SECONDS") MiB/s, with $(calc "$RSYSLOG_CPU / $FILE_COLLECTOR_CPU" 0)x less agent CPU per GiB.
- What bounds it: the two cores, shared by both processes. Together they spend
  $(calc "($FILE_COLLECTOR_CPU + $FILE_VIGIED_CPU) * 1024 / $MIB" 2) CPU s/GiB, i.e. at most $(calc "2 * $MIB / ($FILE_COLLECTOR_CPU + $FILE_VIGIED_CPU)" 0) MiB/s with both cores busy; this run kept
  them $(calc "50 * ($FILE_COLLECTOR_CPU + $FILE_VIGIED_CPU) / $FILE_SECONDS" 0) % busy. vigied's share ($(per_gib "$FILE_VIGIED_CPU") CPU s/GiB) is mostly zstd and the
  n-gram filter; the collector's ($(per_gib "$FILE_COLLECTOR_CPU") CPU s/GiB) is reading, splitting, encoding and
  spooling with fsync.
- How one collector gets both cores of vigied: vigied reads and prepares (validates, cuts and
  encodes) the next batch of a Push stream while the previous one is written and fsync'ed, and
  encodes the blocks of a batch on a pool of threads (docs/protocols.md). Before that, batches
  were stored one after the other on one core, and this benchmark measured 78.5 MiB/s.
- What the collector does for it: batches waiting together are merged into requests of up to
  8 MiB (one vigied write and fsync each instead of eight); while developing, one 1 MiB batch
  per request measured about 55 MiB/s on this machine.
- The two cores are shared with the other work on the machine: runs vary by about 15 %.
MD
python3 bench/splice_section.py collector "$RESULTS"
cat "$RESULTS"
