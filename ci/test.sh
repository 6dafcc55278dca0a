#!/usr/bin/env bash
# test.sh installs the dependencies, builds the default preset and runs every CTest test
# (labels unit, conformance, property, fuzz, interop, stress) but the suite-power kill
# matrix (about 40 minutes; `ctest --preset default -L suite-power` runs it,
# conformance.fault.* are its short version). The stress tests launch the reference broker
# built with ASan+UBSan (preset asan, target mqtt-refbroker only). Then it builds the
# libFuzzer targets (preset fuzz, clang-14, ASan+UBSan) and fuzzes each for a few seconds
# from its corpus (fuzz.<target>.run). Prints how long each phase took.
# Exits non-zero on any failure.
# Usage: bash ci/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
phase_start=$SECONDS
phase() { echo "test: $1 ($((SECONDS - phase_start)) s)"; phase_start=$SECONDS; }

bash ci/install-deps.sh
bash ci/build.sh asan -- --target mqtt-refbroker
bash ci/build.sh default -DMQTTCERT_STRESS_REFBROKER="$root/build/asan/reference-broker/mqtt-refbroker"
phase "built the default preset and the ASan+UBSan reference broker"

status=0
echo "test: running ctest --preset default (every label but suite-power)"
ctest --preset default --output-on-failure -j2 -LE suite-power || status=$?
phase "ran ctest"

echo "test: building the libFuzzer targets (preset fuzz) and fuzzing each briefly"
bash ci/build.sh fuzz -DMQTTCERT_FUZZ_SECONDS=2 -- --target fuzz_targets
ctest --test-dir build/fuzz --output-on-failure -j2 -R '^fuzz\..*\.run$' || status=$?
phase "built and ran the libFuzzer targets"

if [ "$status" -eq 0 ]; then
  echo "test: all tests passed"
else
  echo "test: some tests failed (ctest exit $status)" >&2
fi
exit "$status"
