# faulty_broker.sh: sourced by the fault checks (conformance/faults/check_fault.sh,
# property/faults/check_property_fault.sh). start_faulty_broker BINARY FAULT TIME_SCALE
# LOG PORT_FILE [FLAG...] starts mqtt-refbroker-faulty with one fault (and any further
# flags) on an ephemeral loopback port and sets broker_pid and port (empty when it did not start within 10 s); stop_broker
# stops it. The caller traps stop_broker on EXIT. run_mqttcert_on_fault runs the check.
broker_pid=""
port=""

stop_broker() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  broker_pid=""
}

start_faulty_broker() {
  local binary="$1" fault="$2" time_scale="$3" log="$4" port_file="$5"
  shift 5
  rm -f "$port_file" "$port_file.tmp"
  "$binary" --fault "$fault" --time-scale "$time_scale" --listen tcp://127.0.0.1:0 \
    --port-file "$port_file" --log-level warn "$@" >"$log" 2>&1 &
  broker_pid=$!
  # The broker writes the port file through a rename once it is bound.
  port=""
  for _ in $(seq 1 200); do
    if [ -s "$port_file" ]; then
      port=$(head -n 1 "$port_file")
      break
    fi
    if ! kill -0 "$broker_pid" 2>/dev/null; then break; fi
    sleep 0.05
  done
  rm -f "$port_file"
}

# run_mqttcert_on_fault FAULT JSON LOG NOT_CAUGHT_TEXT MQTTCERT_COMMAND... runs the mqttcert
# command (which writes JSON) against the started broker, then stops the broker and sets
# `elapsed` (seconds). Unless mqttcert exited 1 (something failed) with its JSON written, it
# prints the verdict line and exits: 1 when nothing failed (NOT CAUGHT), 2 when it could not
# run.
run_mqttcert_on_fault() {
  local fault="$1" json="$2" log="$3" not_caught="$4" status start
  shift 4
  rm -f "$json"
  start=$(date +%s)
  set +e
  "$@" >"$log" 2>&1
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  stop_broker
  if [ "$status" -ne 1 ] || [ ! -s "$json" ]; then
    case "$status" in
      0) echo "fault $fault: NOT CAUGHT ($not_caught; ${elapsed} s)" ;;
      *) echo "fault $fault: cannot check: mqttcert exited $status (see $log)" ;;
    esac
    [ "$status" -eq 0 ] && exit 1 || exit 2
  fi
}
