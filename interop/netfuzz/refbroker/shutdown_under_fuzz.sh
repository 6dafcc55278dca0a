#!/bin/bash
# shutdown_under_fuzz.sh: SIGTERM mqtt-refbroker while `mqttcert fuzz` runs against it,
# N times; prints each exit status. Found by the network fuzzer (issue 11): after
# event=shutdown_flush_timeout the broker used to crash on its way out ("double free or
# corruption", exit 134; the ASan build reported heap-use-after-free, an invalid
# shared_ptr vptr, or nng's "pthread_mutex_lock: Invalid argument" panic): main() destroyed
# the server under connections whose callbacks were still running. Exits 1 on any fault.
#   usage: shutdown_under_fuzz.sh MQTT_REFBROKER MQTTCERT [RUNS]   (a free loopback port each run)
set -u
broker=$1 mqttcert=$2 runs=${3:-3}
faults=0
for i in $(seq "$runs"); do
  rm -f "refbroker-shutdown-$i.port"
  "$broker" --listen "tcp://127.0.0.1:0" --port-file "refbroker-shutdown-$i.port" --log-level info \
    > "refbroker-shutdown-$i.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do [ -s "refbroker-shutdown-$i.port" ] && break; sleep 0.1; done
  port=$(head -1 "refbroker-shutdown-$i.port")
  timeout 25 "$mqttcert" fuzz --broker "tcp://127.0.0.1:$port" --duration 20 --seed 11 \
    --save . > /dev/null 2>&1 &
  fuzz=$!
  sleep 8
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  # The exit status alone misses it: main() can return while another thread is still
  # writing the sanitizer report, so the log is checked too.
  fault=$(grep -m1 -E "ERROR: AddressSanitizer|runtime error|panic:|double free" \
          "refbroker-shutdown-$i.log")
  echo "run $i: exit status $status${fault:+, FAULT: $fault}"
  if [ "$status" -ne 0 ] || [ -n "$fault" ]; then faults=$((faults + 1)); fi
  wait "$fuzz"
done
[ "$faults" -eq 0 ]
