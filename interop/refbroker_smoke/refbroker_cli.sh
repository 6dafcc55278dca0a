#!/usr/bin/env bash
# refbroker_cli.sh BROKER: Test mqtt-refbroker's command line: a bad flag, value, URL or config
# file gets one "mqtt-refbroker: error: ..." line naming it and exit 2; a port in use gets
# exit 1; --help lists the options; --threads N keeps every broker thread on N CPUs;
# every thread runs under SCHED_BATCH unless --scheduling normal.
# Prints PASS or FAIL with expected and observed per check; exit 1 on any failure.
set -uo pipefail

BROKER=${1:?usage: refbroker_cli.sh PATH/TO/mqtt-refbroker}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/checks.sh"

# refused NAME WORD ARGS...: the broker exits 2 with one error line that mentions WORD.
refused() {
  local name=$1 word=$2
  shift 2
  timeout 10 "$BROKER" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$? lines
  lines=$(grep -c . "$WORK/err")
  if [[ $rc -eq 2 && $lines -eq 1 ]] && grep -q "^mqtt-refbroker: error: .*$word" "$WORK/err"; then
    pass "$name: exit 2, $(cat "$WORK/err")"
  else
    fail "$name" "exit 2 and one 'mqtt-refbroker: error:' line naming $word" \
      "exit $rc, stderr: $(head -c 400 "$WORK/err")"
  fi
}

refused "unknown flag" "--bogus" --bogus
refused "value out of range" "--max-qos" --max-qos 3
refused "value of the wrong type" "--threads" --threads many
refused "unknown scheduling policy" "--scheduling" --scheduling fifo
refused "unsupported listen URL" "foo://x" --listen foo://x
refused "TLS listener without a certificate" "--tls-cert" --listen tls+tcp://127.0.0.1:0
refused "unreadable config file" "$WORK/missing.conf" --config "$WORK/missing.conf"
printf 'max-packet-sise = 5\n' >"$WORK/misspelt.conf"
refused "misspelt config key" "max-packet-sise" --config "$WORK/misspelt.conf"

if "$BROKER" --help >"$WORK/help" 2>&1 && grep -q -- "--threads N" "$WORK/help" &&
  grep -q -- "--listen" "$WORK/help" && grep -q -- "--auth-webhook-url" "$WORK/help"; then
  pass "--help exits 0 and lists --listen, --threads, --auth-webhook-url"
else
  fail "--help" "exit 0 and the options listed" "$(head -c 400 "$WORK/help")"
fi

# policy_check NAME POLICY WORD: every thread of $PID runs under sched(7) policy POLICY
# (0 SCHED_OTHER, 3 SCHED_BATCH, as /proc/PID/task/TID/sched prints it) and the start
# line logs scheduling=WORD.
policy_check() {
  local name=$1 policy=$2 word=$3 policies
  policies=$(sort -u < <(grep -h '^policy' /proc/"$PID"/task/*/sched 2>/dev/null | tr -s ' '))
  if [[ $policies == "policy : $policy" ]] && grep -q "event=start .* scheduling=$word" "$WORK/log"; then
    pass "$name: every thread under policy $policy, logged"
  else
    fail "$name" "every thread under policy $policy and scheduling=$word logged" \
      "$policies; $(grep event=start "$WORK/log")"
  fi
}

# start ARGS...: starts the broker on an ephemeral port; sets PID and PORT.
start() {
  rm -f "$WORK/port"
  "$BROKER" --listen tcp://127.0.0.1:0 --port-file "$WORK/port" "$@" 2>"$WORK/log" &
  PID=$!
  BROKER_PIDS+=("$PID")
  wait_for test -s "$WORK/port"
  PORT=$(head -n1 "$WORK/port" 2>/dev/null)
}

start --threads 1
if [[ -z $PORT ]]; then
  fail "--threads 1" "the broker starts" "$(cat "$WORK/log")"
else
  cpus=$(sort -u < <(cat /proc/"$PID"/task/*/status | grep '^Cpus_allowed_list'))
  threads=$(ls /proc/"$PID"/task | wc -l)
  if [[ $(echo "$cpus" | wc -l) -eq 1 && $cpus =~ :[[:space:]]*[0-9]+$ ]] &&
    grep -q "event=config option=threads value=1 cpus=1" "$WORK/log"; then
    pass "--threads 1: all $threads threads on one CPU ($cpus), logged"
  else
    fail "--threads 1" "every thread on one CPU and a config log line" "$cpus; $(grep threads "$WORK/log")"
  fi

  policy_check "default scheduling (SCHED_BATCH)" 3 batch

  # A second broker on the same port cannot start: exit 1, not 2.
  timeout 10 "$BROKER" --listen "tcp://127.0.0.1:$PORT" >/dev/null 2>"$WORK/err2"
  rc=$?
  if [[ $rc -eq 1 ]]; then
    pass "port in use: exit 1, $(tail -n1 "$WORK/err2")"
  else
    fail "port in use" "exit 1" "exit $rc, $(tail -n1 "$WORK/err2")"
  fi
  kill -TERM "$PID"
  wait "$PID"
  rc=$?
  if [[ $rc -eq 0 ]]; then pass "SIGTERM: exit 0"; else fail "SIGTERM" "exit 0" "exit $rc"; fi
fi

start --scheduling normal
policy_check "--scheduling normal (SCHED_OTHER)" 0 normal
kill -TERM "$PID"
wait "$PID"

finish_checks
