#!/usr/bin/env bash
# run-main.sh installs the dependencies, builds the default preset and runs the main job.
# For now the main job exercises the codec: a short decode/encode/framer benchmark and a
# summary of the unit tests. It becomes `mqttcert run` against the reference broker once
# those exist.
# Usage: bash ci/run-main.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="$root/build/default"

bash ci/install-deps.sh
bash ci/build.sh default

echo "main: codec benchmark (short run)"
"$build_dir/bench/codec_bench" --benchmark_min_time=0.1

echo "main: unit tests (ctest -L unit)"
log="$build_dir/run-main-unit.log"
if ctest --preset default -L unit -j2 --output-on-failure >"$log" 2>&1; then
  sed -n '/tests passed/,$p' "$log"
  echo "main: done"
else
  status=$?
  cat "$log"
  echo "main: unit tests failed (ctest exit $status); full log in $log" >&2
  exit "$status"
fi
