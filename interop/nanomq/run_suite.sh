#!/usr/bin/env bash
# run_suite.sh runs the conformance suite against NanoMQ, which Debian does not package.
# NanoMQ comes from the environment:
#   MQTTCERT_NANOMQ_URL=tcp://127.0.0.1:PORT  a NanoMQ already running (loopback only), or
#   NANOMQ_BIN=/path/to/nanomq                a binary this script starts on a free port.
# Without either it prints "skipped: NanoMQ not provided" and exits 77 (CTest: skipped).
# Usage: run_suite.sh MQTTCERT_BINARY PROFILE OUT_DIR
set -euo pipefail

mqttcert="$1"
profile="$2"
out="$3"
mkdir -p "$out"

url="${MQTTCERT_NANOMQ_URL:-}"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; true; }
trap cleanup EXIT

if [ -z "$url" ] && [ -n "${NANOMQ_BIN:-}" ]; then
  if [ ! -x "$NANOMQ_BIN" ]; then
    echo "run_suite: NANOMQ_BIN=$NANOMQ_BIN is not an executable file" >&2
    exit 2
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  url="tcp://127.0.0.1:$port"
  "$NANOMQ_BIN" start --url "nmq-tcp://127.0.0.1:$port" >"$out/nanomq.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
fi

if [ -z "$url" ]; then
  echo "skipped: NanoMQ not provided (set NANOMQ_BIN or MQTTCERT_NANOMQ_URL)"
  exit 77
fi
case "$url" in
  tcp://127.*|tcp://localhost:*|tcp://\[::1\]:*) ;;
  *) echo "run_suite: MQTTCERT_NANOMQ_URL must be a loopback address, got $url" >&2; exit 2 ;;
esac

"$mqttcert" run --broker "$url" --protocol all -j 2 --profile "$profile" \
  --junit "$out/nanomq-suite.junit.xml" --html "$out/nanomq-suite.html"
