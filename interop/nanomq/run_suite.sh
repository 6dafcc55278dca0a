#!/usr/bin/env bash
# run_suite.sh runs the conformance suite against NanoMQ, which Debian does not package.
# Which NanoMQ, in order:
#   MQTTCERT_NANOMQ_URL=tcp://127.0.0.1:PORT  a NanoMQ already running (loopback only),
#   NANOMQ_BIN=/path/to/nanomq                a binary mqttcert launches on a free port,
#   BUILT_BINARY                              the one the CTest set-up built from the snapshot.
# With none of them it prints "skipped: NanoMQ not available" and exits 77 (CTest: skipped).
# Usage: run_suite.sh MQTTCERT_BINARY PROFILE REPORT_DIR BUILT_BINARY
set -euo pipefail

mqttcert="$1"
profile="$2"
out="$3"
built="$4"
mkdir -p "$out"
reports=(--json "$out/nanomq-suite.json" --junit "$out/nanomq-suite.junit.xml"
         --html "$out/nanomq-suite.html")

url="${MQTTCERT_NANOMQ_URL:-}"
if [ -n "$url" ]; then
  case "$url" in
    tcp://127.*|tcp://localhost:*|tcp://\[::1\]:*) ;;
    *) echo "run_suite: MQTTCERT_NANOMQ_URL must be a loopback address, got $url" >&2; exit 2 ;;
  esac
  exec "$mqttcert" run --broker "$url" --protocol all -j 2 --profile "$profile" "${reports[@]}"
fi
if [ -z "${NANOMQ_BIN:-}" ] && [ ! -x "$built" ]; then
  echo "skipped: NanoMQ not available (no source snapshot when this build was configured, so"
  echo "nothing built $built; set NANOMQ_BIN=/path/to/nanomq or MQTTCERT_NANOMQ_URL)"
  exit 77
fi
exec "$mqttcert" run --launch nanomq --protocol all -j 2 --profile "$profile" "${reports[@]}"
