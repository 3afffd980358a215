#!/usr/bin/env bash
# Sets up, builds and runs vigie on this host: vigied (data in ./vigie-data, gRPC on
# 127.0.0.1:4317, HTTP and UI on http://127.0.0.1:9470) and a vigie-collector shipping this
# host's logs to it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
./build/server/vigied --data-dir ./vigie-data &
pids+=($!)
./build/collector/vigie-collector --state-dir ./vigie-collector-state &
pids+=($!)
echo "vigie is running: try  ./build/cli/vigie grep '{host=\"$(hostname)\"}' --since 15m"
wait
