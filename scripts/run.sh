#!/usr/bin/env bash
# Sets up, builds and runs vigie on this host: vigied (data in ./vigie-data, gRPC on
# 127.0.0.1:4317, HTTP and UI on http://127.0.0.1:9470) and a vigie-collector shipping this
# host's logs to it. The collector starts only once vigied answers /readyz, so that its first
# connection finds the server. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh

readonly http=127.0.0.1:9470
readonly ready_timeout=30 # seconds
readonly vigied_log=./vigie-data.log

command -v curl >/dev/null || { echo "run.sh needs curl (apt-get install curl)" >&2; exit 1; }

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
./build/server/vigied --data-dir ./vigie-data --http-listen "$http" > >(tee "$vigied_log") 2>&1 &
pids+=($!)

echo "waiting up to ${ready_timeout} s for vigied to answer http://$http/readyz ..."
deadline=$((SECONDS + ready_timeout))
# A vigied already serving that port would answer too: ours must also still be running.
until curl --silent --fail --max-time 1 "http://$http/readyz" >/dev/null &&
  kill -0 "${pids[0]}" 2>/dev/null; do
  why=""
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    why="vigied exited before answering http://$http/readyz"
  elif ((SECONDS >= deadline)); then
    why="vigied did not answer http://$http/readyz within ${ready_timeout} s"
  fi
  if [[ -n $why ]]; then
    echo "$why; its log ($vigied_log):" >&2
    cat "$vigied_log" >&2
    exit 1
  fi
  sleep 0.2
done

./build/collector/vigie-collector --state-dir ./vigie-collector-state &
pids+=($!)
echo "vigie is running: try  ./build/cli/vigie grep '{host=\"$(hostname)\"}' --since 15m"
wait
