#!/usr/bin/env bash
# robustness.sh runs `mqttcert stress --scenario all` (full size) against the reference
# broker, Mosquitto and NanoMQ, each launched on loopback, and writes docs/robustness.md
# from their JSON reports. About 15 minutes for the three on 2 cores.
# Usage: bash stress/robustness.sh [BUILD_DIR]   (default build/default; set NANOMQ_BIN to
#        use another NanoMQ than the one the interop set-up built)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build/default}"
mqttcert="$build/conformance/cli/mqttcert"
reports="$build/stress/reports"
[ -x "$mqttcert" ] || { echo "robustness.sh: no $mqttcert; build first (bash ci/build.sh)" >&2; exit 2; }
export NANOMQ_BIN="${NANOMQ_BIN:-$build/third_party/nanomq/build/nanomq/nanomq}"
mkdir -p "$reports"
args=()
for broker in refbroker mosquitto nanomq; do
  echo "robustness.sh: $broker"
  "$mqttcert" stress --launch "$broker" --scenario all --json "$reports/$broker.json" \
    --markdown "$reports/$broker.md"
  status=$?
  [ "$status" -le 1 ] || { echo "robustness.sh: mqttcert stress could not run against $broker" >&2; exit 2; }
  args+=("$broker=$reports/$broker.json")
done
python3 "$root/stress/robustness_table.py" --out "$root/docs/robustness.md" "${args[@]}"
