#!/usr/bin/env bash
# Configures and builds vigie (RelWithDebInfo, clang) into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset default
cmake --build --preset default -j "$(nproc)"
