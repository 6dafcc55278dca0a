#!/usr/bin/env bash
# test.sh installs the dependencies, builds the default preset and runs every CTest test
# (labels unit, conformance, property, fuzz, interop) but the suite-power kill matrix (about
# 40 minutes; `ctest --preset default -L suite-power` runs it, conformance.fault.* are its
# short version). Exits non-zero on any failure.
# Usage: bash ci/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash ci/install-deps.sh
bash ci/build.sh default

echo "test: running ctest --preset default (every label but suite-power)"
if ctest --preset default --output-on-failure -j2 -LE suite-power; then
  echo "test: all tests passed"
else
  status=$?
  echo "test: some tests failed (ctest exit $status)" >&2
  exit "$status"
fi
