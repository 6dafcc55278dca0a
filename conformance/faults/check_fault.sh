#!/usr/bin/env bash
# check_fault.sh runs the tests of the statements EXPECTED_TSV lists for one injected fault
# against mqtt-refbroker-faulty and checks that they catch it: mqttcert exits 1 and every
# listed statement key is among the failed ones. (The whole suite against every fault is
# suite_power.py, CTest label suite-power.)
# Prints one verdict line ("fault NAME: caught by KEY, KEY (N failures)" or
# "fault NAME: NOT CAUGHT ..."); exits 0 when caught, 1 when not, 2 when it cannot run.
# Usage: check_fault.sh FAULTY_BINARY MQTTCERT_BINARY PROFILE FAULT EXPECTED_TSV OUTDIR
#        [MQTT_PASSWD]
# Writes OUTDIR/FAULT.json (mqttcert --json), OUTDIR/FAULT.log, OUTDIR/FAULT.broker.log.
# When the profile names a SCRAM-SHA-256 user and MQTT_PASSWD is given, the broker gets a
# password file (OUTDIR/FAULT.passwords) with that user, as a launched refbroker does.
set -euo pipefail

if [ "$#" -ne 6 ] && [ "$#" -ne 7 ]; then
  echo "usage: $0 FAULTY_BINARY MQTTCERT_BINARY PROFILE FAULT EXPECTED_TSV OUTDIR [MQTT_PASSWD]" >&2
  exit 2
fi
faulty="$1"
mqttcert="$2"
profile="$3"
fault="$4"
expected_tsv="$5"
out="$6"
mkdir -p "$out"

# The expected keys, space-separated, from the row whose first column is the fault.
expected=$(python3 - "$expected_tsv" "$fault" <<'EOF'
import sys
path, fault = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        if cols[0] == fault:
            print(" ".join(k.strip() for k in cols[1].split(",") if k.strip()))
            break
EOF
)
if [ -z "$expected" ]; then
  echo "fault $fault: cannot check: no expected failures for it in $expected_tsv" >&2
  exit 2
fi

# The broker's clock runs at the profile's time_scale, and the test processes (which read
# the same profile through mqttcert --profile) scale their waits by it.
time_scale=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("time_scale", 1))' "$profile")
export MQTTCERT_TIME_SCALE="$time_scale"

broker_flags=()
scram_login=$(python3 -c 'import json,sys
a = json.load(open(sys.argv[1])).get("authentication", {})
if a.get("method") == "SCRAM-SHA-256": print(a["username"]); print(a["password"])' "$profile")
if [ -n "$scram_login" ] && [ -n "${7:-}" ]; then
  passwords="$out/$fault.passwords"
  rm -f "$passwords"
  { read -r scram_user; read -r scram_password; } <<<"$scram_login"
  "$7" --scram "$passwords" "$scram_user" "$scram_password" >/dev/null
  broker_flags=(--password-file "$passwords" --allow-anonymous true)
fi

. "$(dirname "$0")/faulty_broker.sh"
trap stop_broker EXIT
start_faulty_broker "$faulty" "$fault" "$time_scale" "$out/$fault.broker.log" "$out/$fault.port" \
  "${broker_flags[@]}"
if [ -z "$port" ]; then
  echo "fault $fault: cannot check: the faulty broker did not start (see $out/$fault.broker.log)" >&2
  exit 2
fi

json="$out/$fault.json"
run_mqttcert_on_fault "$fault" "$json" "$out/$fault.log" "mqttcert exited 0: nothing failed" \
  "$mqttcert" run --broker "tcp://127.0.0.1:$port" --profile "$profile" --protocol all \
  --json "$json" $expected

read -r -a expected_keys <<<"$expected"
python3 - "$json" "$fault" "$elapsed" "${expected_keys[@]}" <<'EOF'
import json, sys
path, fault, elapsed, expected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(path, encoding="utf-8") as f:
    results = json.load(f)["results"]
failed = []
for r in results:
    if r["verdict"] == "failed":
        key = r["statement"]  # already the full key, "v5.0/MQTT-3.3.1-4"
        if key not in failed:
            failed.append(key)
n = sum(1 for r in results if r["verdict"] == "failed")
missing = [k for k in expected if k not in failed]
others = [k for k in failed if k not in expected]
if missing:
    print(f"fault {fault}: NOT CAUGHT: expected failures missing: {', '.join(missing)} "
          f"({n} failures, {elapsed} s)")
else:
    print(f"fault {fault}: caught by {', '.join(expected)} ({n} failures, {elapsed} s)")
if others:
    print(f"  also failed: {', '.join(others)}")
sys.exit(1 if missing else 0)
EOF
