#!/usr/bin/env bash
# test.sh installs the dependencies, builds the default preset and runs every CTest test
# (labels unit, conformance, property, fuzz, interop) but the suite-power kill matrix (about
# 40 minutes; `ctest --preset default -L suite-power` runs it, conformance.fault.* are its
# short version). Then it builds the libFuzzer targets (preset fuzz, clang-14, ASan+UBSan)
# and fuzzes each for a few seconds from its corpus (fuzz.<target>.run).
# Exits non-zero on any failure.
# Usage: bash ci/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash ci/install-deps.sh
bash ci/build.sh default

status=0
echo "test: running ctest --preset default (every label but suite-power)"
ctest --preset default --output-on-failure -j2 -LE suite-power || status=$?

echo "test: building the libFuzzer targets (preset fuzz) and fuzzing each briefly"
cmake --preset fuzz --log-level=WARNING -DMQTTCERT_FUZZ_SECONDS=2
cmake --build --preset fuzz -j"$(nproc)" --target fuzz_targets
ctest --test-dir build/fuzz --output-on-failure -j2 -R '^fuzz\..*\.run$' || status=$?

if [ "$status" -eq 0 ]; then
  echo "test: all tests passed"
else
  echo "test: some tests failed (ctest exit $status)" >&2
fi
exit "$status"
