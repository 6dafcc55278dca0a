#!/usr/bin/env bash
# mqttcert_cli.sh MQTTCERT: bad input to mqttcert (unknown flag or value, bad or unreachable
# broker URL, a profile that does not parse, contradictory options) gets one
# "mqttcert: ..." line naming the problem and exit 2, for run, interop, matrix, fuzz and stress alike.
# Prints PASS or FAIL with expected and observed per check; exit 1 on any failure.
set -uo pipefail

MQTTCERT=${1:?usage: mqttcert_cli.sh PATH/TO/mqttcert}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../interop/refbroker_smoke/checks.sh"

# refused NAME WORD ARGS...: mqttcert exits 2 with one stderr line that mentions WORD.
refused() {
  local name=$1 word=$2
  shift 2
  timeout 20 "$MQTTCERT" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$? lines
  lines=$(grep -c . "$WORK/err")
  if [[ $rc -eq 2 && $lines -eq 1 ]] && grep -q -- "^mqttcert: .*$word" "$WORK/err"; then
    pass "$name: exit 2, $(cat "$WORK/err")"
  else
    fail "$name" "exit 2 and one 'mqttcert:' line naming $word" \
      "exit $rc, stderr: $(head -c 400 "$WORK/err")"
  fi
}

printf '{"name": "x", "limts": {}}\n' >"$WORK/typo.json"
printf 'not json\n' >"$WORK/garbage.json"

refused "run: unknown flag" "--bogus" run --bogus
refused "run: unknown protocol" "--protocol" run --protocol 4.0
refused "run: bad broker URL" "foo" run --broker foo://127.0.0.1:1
refused "run: unreachable broker" "unreachable" run --broker tcp://127.0.0.1:1
refused "run: profile with an unknown key" "limts" run --broker tcp://127.0.0.1:1 --profile "$WORK/typo.json"
refused "run: profile that is not JSON" "JSON" run --broker tcp://127.0.0.1:1 --profile "$WORK/garbage.json"
refused "interop: no broker" "--broker" interop
refused "interop: both --broker and --launch" "exactly one" interop --broker tcp://127.0.0.1:1 --launch refbroker
refused "interop: unknown broker name" "--launch" interop --launch foo
refused "interop: unknown invariant" "--invariant" interop --launch refbroker --invariant speed
refused "interop: unreachable broker" "unreachable" interop --broker tcp://127.0.0.1:1
refused "interop: profile that does not parse" "limts" interop --broker tcp://127.0.0.1:1 --profile "$WORK/typo.json"
refused "property: unreachable broker" "unreachable" property --broker tcp://127.0.0.1:1 --cases 1
refused "property: unknown protocol" "--protocol" property --protocol 4.0
refused "property: profile that does not parse" "limts" property --broker tcp://127.0.0.1:1 --profile "$WORK/typo.json"
printf '{' >"$WORK/replay.json"
refused "property: replay file that is not JSON" "replay.json" property --broker tcp://127.0.0.1:1 --replay "$WORK/replay.json"
refused "property: zero cases" "--cases" property --broker tcp://127.0.0.1:1 --cases 0
refused "matrix: no reports directory" "--reports" matrix --markdown "$WORK/m.md"
refused "matrix: nothing to write" "--markdown" matrix --reports "$WORK"
refused "stress: no broker" "exactly one" stress
refused "stress: unknown scenario" "nope" stress --launch refbroker --scenario nope
refused "stress: remote broker without --allow-remote" "loopback" stress --broker tcp://10.1.2.3:1883
refused "stress: unreachable broker" "unreachable" stress --broker tcp://127.0.0.1:1
refused "stress: unknown broker name" "--launch" stress --launch foo
refused "stress: profile with an unknown key" "limts" stress --broker tcp://127.0.0.1:1 --profile "$WORK/typo.json"

if "$MQTTCERT" interop --help >"$WORK/help" 2>&1 && grep -q -- "--webhook-listen" "$WORK/help" &&
  grep -q -- "--queue-limit" "$WORK/help"; then
  pass "interop --help exits 0 and lists --webhook-listen, --queue-limit"
else
  fail "interop --help" "exit 0 and the options listed" "$(head -c 400 "$WORK/help")"
fi

finish_checks
