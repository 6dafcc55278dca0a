#!/usr/bin/env bash
# build.sh installs the dependencies, then configures and builds one CMake preset.
# Usage: bash ci/build.sh [preset] [-DVAR=VALUE ...] [-- cmake --build arguments, e.g. --target T]
#   (preset default: default; see CMakePresets.json)
# Idempotent: a second run only rebuilds what changed. With ccache installed (install-deps
# installs it) objects are kept between builds of any checkout on this machine, so CI's
# clean checkouts rebuild only what changed since the last build.
set -euo pipefail

preset="${1:-default}"
[ $# -gt 0 ] && shift
configure_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do configure_args+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash ci/install-deps.sh

if command -v ccache >/dev/null; then
  # base_dir turns the checkout's absolute paths into relative ones and hash_dir off leaves
  # the working directory out of the hash: a checkout elsewhere hits the same entries.
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
  configure_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

echo "build: configuring preset '$preset'"
cmake --preset "$preset" --log-level=WARNING "${configure_args[@]}"

echo "build: building preset '$preset' with $(nproc) jobs${*:+ ($*)}"
start=$SECONDS
cmake --build --preset "$preset" -j"$(nproc)" "$@"

echo "build: preset '$preset' is up to date ($((SECONDS - start)) s)"
