#!/usr/bin/env bash
# run-main.sh installs the dependencies, builds the default preset and runs the main job:
# certify the embedded reference broker with the whole conformance suite (MQTT 3.1.1 and
# 5.0) and print the report. Reports are written to build/report/ (JUnit, JSON, HTML).
# Usage: bash ci/run-main.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="$root/build/default"
report_dir="$root/build/report"

bash ci/install-deps.sh
bash ci/build.sh default

mkdir -p "$report_dir"
echo "main: certifying the reference broker (mqttcert run --launch refbroker --protocol all)"
"$build_dir/conformance/cli/mqttcert" run --launch refbroker --protocol all -j 2 \
  --junit "$report_dir/refbroker.junit.xml" \
  --json "$report_dir/refbroker.json" \
  --html "$report_dir/refbroker.html"
echo "main: reports in $report_dir (refbroker.html, refbroker.json, refbroker.junit.xml)"
