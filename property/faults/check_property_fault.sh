#!/usr/bin/env bash
# check_property_fault.sh runs `mqttcert property` against mqtt-refbroker-faulty with one
# injected fault and checks that the session/QoS model catches it within 200 sequences:
# mqttcert exits 1 and the violation it shrank to has one of the rules EXPECTED_TSV lists.
# Prints one verdict line; exits 0 when caught, 1 when not, 2 when it cannot run.
# Usage: check_property_fault.sh FAULTY_BINARY MQTTCERT_BINARY FAULT EXPECTED_TSV OUTDIR
set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: $0 FAULTY_BINARY MQTTCERT_BINARY FAULT EXPECTED_TSV OUTDIR" >&2
  exit 2
fi
faulty="$1"
mqttcert="$2"
fault="$3"
expected_tsv="$4"
out="$5"
mkdir -p "$out"

row=$(awk -F'\t' -v f="$fault" '$1 == f { print $2 "\t" $3; exit }' "$expected_tsv")
if [ -z "$row" ]; then
  echo "fault $fault: cannot check: no row for it in $expected_tsv" >&2
  exit 2
fi
protocol=$(cut -f1 <<<"$row")
rules=$(cut -f2 <<<"$row")

. "$(dirname "$0")/../../conformance/faults/faulty_broker.sh"
trap stop_broker EXIT
start_faulty_broker "$faulty" "$fault" 1 "$out/$fault.broker.log" "$out/$fault.port"
if [ -z "$port" ]; then
  echo "fault $fault: cannot check: the faulty broker did not start (see $out/$fault.broker.log)" >&2
  exit 2
fi

json="$out/$fault.json"
run_mqttcert_on_fault "$fault" "$json" "$out/$fault.log" "in 200 sequences" \
  "$mqttcert" property --broker "tcp://127.0.0.1:$port" --protocol "$protocol" --cases 200 \
  --seed 1 --save "$out/$fault.counterexample.json" --json "$json"

python3 - "$json" "$fault" "$elapsed" "$rules" <<'PY'
import json, re, sys
path, fault, elapsed, rules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
expected = [r.strip() for r in rules.split(",") if r.strip()]
failed = [r for r in json.load(open(path, encoding="utf-8"))["results"] if r["verdict"] == "failed"]
report = failed[0].get("report", "") if failed else ""
seen = re.findall(r"^VIOLATED (\S+)", report, re.M)
case = re.search(r"case (\d+) of seed", report)
shrunk = re.search(r"to (\d+) commands", report)
where = f"sequence {case.group(1) if case else '?'}, shrunk to {shrunk.group(1) if shrunk else '?'} commands"
if any(r in expected for r in seen):
    print(f"fault {fault}: caught by {', '.join(seen)} ({where}; {elapsed} s)")
    sys.exit(0)
print(f"fault {fault}: NOT CAUGHT as expected: reported {', '.join(seen) or 'nothing'}, "
      f"expected one of {', '.join(expected)} ({where})")
sys.exit(1)
PY
