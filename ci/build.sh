#!/usr/bin/env bash
# build.sh installs the dependencies, then configures and builds one CMake preset.
# Usage: bash ci/build.sh [preset]   (default: default; see CMakePresets.json)
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail

preset="${1:-default}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash ci/install-deps.sh

echo "build: configuring preset '$preset'"
cmake --preset "$preset" --log-level=WARNING

echo "build: building preset '$preset' with $(nproc) jobs"
cmake --build --preset "$preset" -j"$(nproc)"

echo "build: preset '$preset' is up to date"
