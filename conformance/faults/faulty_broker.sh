# faulty_broker.sh: sourced by the fault checks (conformance/faults/check_fault.sh,
# property/faults/check_property_fault.sh). start_faulty_broker BINARY FAULT TIME_SCALE
# LOG PORT_FILE starts mqtt-refbroker-faulty with one fault on an ephemeral loopback port
# and sets broker_pid and port (empty when it did not start within 10 s); stop_broker
# stops it. The caller traps stop_broker on EXIT.
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
  rm -f "$port_file" "$port_file.tmp"
  "$binary" --fault "$fault" --time-scale "$time_scale" --listen tcp://127.0.0.1:0 \
    --port-file "$port_file" --log-level warn >"$log" 2>&1 &
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
