#!/usr/bin/env bash
# test.sh installs the dependencies, builds the default preset and runs every CTest test
# (all labels: unit, conformance, property, fuzz, interop). Exits non-zero on any failure.
# Usage: bash ci/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash ci/install-deps.sh
bash ci/build.sh default

echo "test: running ctest --preset default (all labels)"
if ctest --preset default --output-on-failure -j2; then
  echo "test: all tests passed"
else
  status=$?
  echo "test: some tests failed (ctest exit $status)" >&2
  exit "$status"
fi
