#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real processes on loopback), crash and
# fuzz (10 s each). Extra arguments go to ctest, e.g. ./scripts/test.sh -R grep.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --preset default -j 2 --timeout 900 "$@"
