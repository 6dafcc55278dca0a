#!/bin/bash
# shutdown_under_fuzz.sh: SIGTERM mqtt-refbroker while `mqttcert fuzz` runs against it,
# N times; prints each exit status. Found by the network fuzzer (issue 11): after
# event=shutdown_flush_timeout the broker sometimes aborts ("double free or corruption",
# exit 134; the ASan build reports heap-use-after-free, an invalid shared_ptr vptr, or nng's
# "pthread_mutex_lock: Invalid argument" panic). Not fixed yet.
#   usage: shutdown_under_fuzz.sh MQTT_REFBROKER MQTTCERT [RUNS] [PORT]
set -u
broker=$1 mqttcert=$2 runs=${3:-3} port=${4:-18850}
for i in $(seq "$runs"); do
  "$broker" --listen "tcp://127.0.0.1:$port" --log-level warn > "refbroker-shutdown-$i.log" 2>&1 &
  pid=$!
  sleep 1
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
  wait "$fuzz"
done
