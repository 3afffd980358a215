#!/usr/bin/env bash
# Installs what vigie needs to build, run and test on Debian 12 (the packages DESIGN.md lists,
# the test peers rsyslog, ripgrep and netcat (Graphite), Prometheus 2.42 with promtool and VictoriaMetrics for the
# metrics compatibility tests and benchmark, and clang for the fuzz targets).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libre2-dev libsimdjson-dev prometheus-cpp-dev libboost-dev libboost-system-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libzstd-dev libsnappy-dev libcurl4-openssl-dev libxxhash-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  rsyslog bsdutils ripgrep zstd gzip curl procps openssl ccache netcat-openbsd python3
  prometheus victoria-metrics prometheus-node-exporter prometheus-alertmanager
)
# Hyperscan is built for amd64 only; Vectorscan is its port to the other architectures.
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  packages+=(libhyperscan-dev)
else
  packages+=(libvectorscan-dev)
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The tests and the benchmark start prometheus, victoria-metrics and node_exporter themselves on
# free loopback ports with temporary data directories; the packaged services would hold the fixed
# ports 9090, 8428, 9100 and 9093 and write to /var/lib, so they must not run.
for service in prometheus victoria-metrics prometheus-node-exporter prometheus-alertmanager; do
  if command -v systemctl >/dev/null && systemctl is-enabled "$service" >/dev/null 2>&1; then
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
# The npm packages of the tests' peers (client libraries nobody here wrote) and of the web UI's
# build: one folder per concern, each with a package.json and a package-lock.json, installed
# with `npm ci` when its lock changed since the last install. Node.js comes from Debian when the
# machine has none.
if ! command -v npm >/dev/null; then
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
for lock in tests/npm/*/package-lock.json web/package-lock.json; do
  [ -f "$lock" ] || continue
  dir=$(dirname "$lock")
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
