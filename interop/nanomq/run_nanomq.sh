#!/usr/bin/env bash
# run_nanomq.sh runs the conformance suite (MODE suite), the invariants (MODE invariants),
# the session/QoS property (MODE property) or the quick stress scenarios (MODE stress)
# against NanoMQ, which Debian does not
# package. Which NanoMQ, in order:
#   MQTTCERT_NANOMQ_URL=tcp://127.0.0.1:PORT  a NanoMQ already running (loopback only; the
#                                             invariants that need to reconfigure it skip),
#   NANOMQ_BIN=/path/to/nanomq                a binary mqttcert launches on free ports,
#   BUILT_BINARY                              the one the CTest set-up built from the snapshot.
# With none of them it prints "skipped: NanoMQ not available" and exits 77 (CTest: skipped).
# Usage: run_nanomq.sh MODE MQTTCERT_BINARY PROFILE REPORT_DIR BUILT_BINARY
set -euo pipefail

mode="$1"
mqttcert="$2"
profile="$3"
out="$4"
built="$5"
mkdir -p "$out"
case "$mode" in
  suite) command=(run --protocol all -j 2 --json "$out/nanomq-suite.json"
                  --junit "$out/nanomq-suite.junit.xml" --html "$out/nanomq-suite.html") ;;
  invariants) command=(interop -j 2 --json "$out/nanomq-invariants.json") ;;
  property) command=(property --cases 30 --seed 1 --save "$out/nanomq-counterexample.json"
                     --json "$out/nanomq-property.json" --junit "$out/nanomq-property.junit.xml") ;;
  stress) command=(stress --quick --json "$out/nanomq-stress.json" --markdown "$out/nanomq-stress.md") ;;
  *) echo "run_nanomq: MODE must be suite, invariants, property or stress, got $mode" >&2; exit 2 ;;
esac

url="${MQTTCERT_NANOMQ_URL:-}"
if [ -n "$url" ]; then
  case "$url" in
    tcp://127.*|tcp://localhost:*|tcp://\[::1\]:*) ;;
    *) echo "run_nanomq: MQTTCERT_NANOMQ_URL must be a loopback address, got $url" >&2; exit 2 ;;
  esac
  exec "$mqttcert" "${command[@]}" --broker "$url" --profile "$profile"
fi
if [ -z "${NANOMQ_BIN:-}" ] && [ ! -x "$built" ]; then
  echo "skipped: NanoMQ not available (no source snapshot when this build was configured, so"
  echo "nothing built $built; set NANOMQ_BIN=/path/to/nanomq or MQTTCERT_NANOMQ_URL)"
  exit 77
fi
if [ "$mode" != invariants ]; then command+=(--profile "$profile"); fi
exec "$mqttcert" "${command[@]}" --launch nanomq
