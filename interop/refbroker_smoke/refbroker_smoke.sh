#!/usr/bin/env bash
# refbroker_smoke.sh BROKER: Test whether mosquitto_pub / mosquitto_sub round-trip QoS 0, 1
# and 2 messages and a retained message through mqtt-refbroker, for MQTT 3.1.1 and 5.0,
# over tcp:// and tls+tcp:// (a CA and server certificate made here with openssl), then
# MQTT over ws:// and wss:// (ws_roundtrip.py), and that SIGTERM stops the broker with
# status 0.
# Each check prints PASS or FAIL with expected and observed; exit 1 on any failure,
# 77 (skipped) when a tool is missing.
set -uo pipefail

BROKER=${1:?usage: refbroker_smoke.sh PATH/TO/mqtt-refbroker}
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in mosquitto_pub mosquitto_sub openssl python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

source "$HERE/checks.sh"

# --- a throwaway CA and a server certificate for 127.0.0.1 / localhost
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout ca.key -out ca.crt -subj "/CN=mqttcert smoke test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>openssl.log || { cat openssl.log; exit 1; }
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out server.csr -subj "/CN=localhost" 2>>openssl.log || { cat openssl.log; exit 1; }
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt 2>>openssl.log || { cat openssl.log; exit 1; }

# --- start the broker on ephemeral ports
"$BROKER" --listen tcp://127.0.0.1:0 --listen tls+tcp://127.0.0.1:0 --listen ws://127.0.0.1:0/mqtt \
  --listen wss://127.0.0.1:0/mqtt --tls-cert server.crt --tls-key server.key --port-file ports --sys-interval 0 \
  --log-level debug 2>broker.log &
BROKER_PID=$!
BROKER_PIDS+=("$BROKER_PID")
ports_ready() { [[ -s ports ]] && [[ $(wc -l < ports) -eq 4 ]]; }
if ! wait_for ports_ready; then
  echo "FAIL broker did not write its ports within 10 s"; cat broker.log; exit 1
fi
mapfile -t PORTS < ports
TCP_PORT=${PORTS[0]} TLS_PORT=${PORTS[1]} WS_PORT=${PORTS[2]} WSS_PORT=${PORTS[3]}
echo "broker pid $BROKER_PID: tcp $TCP_PORT, tls+tcp $TLS_PORT, ws $WS_PORT, wss $WSS_PORT"

# conn_args VERSION TRANSPORT: the mosquitto client options for one combination.
conn_args() {
  case $2 in
    tcp) echo "-h 127.0.0.1 -p $TCP_PORT -V $1" ;;
    tls) echo "-h 127.0.0.1 -p $TLS_PORT -V $1 --cafile $WORK/ca.crt" ;;
  esac
}

# roundtrip VERSION TRANSPORT QOS: a subscriber at QoS 2 receives one PUBLISH at QOS.
roundtrip() {
  local version=$1 transport=$2 qos=$3 args out sub
  read -ra args <<< "$(conn_args "$version" "$transport")"
  local topic="smoke/$version/$transport/q$qos"
  out="$WORK/sub-$version-$transport-$qos.out"
  mosquitto_sub "${args[@]}" -q 2 -t "$topic/#" -F '%t %q %r %p' -W 15 > "$out" 2>&1 &
  sub=$!
  # The subscription is in place once a QoS 0 probe comes back.
  probe() { mosquitto_pub "${args[@]}" -t "$topic/probe" -m probe -q 0 2>/dev/null; grep -q "^$topic/probe " "$out"; }
  if ! wait_for probe; then
    fail "$version $transport qos$qos: subscriber ready" "probe on $topic/probe" "$(tr '\n' '|' < "$out")"
    kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null; return
  fi
  local want="$topic/data $qos 0 payload-q$qos"
  if ! mosquitto_pub "${args[@]}" -t "$topic/data" -m "payload-q$qos" -q "$qos" 2>"$out.pub"; then
    fail "$version $transport qos$qos: publish" "mosquitto_pub exit 0" "$(cat "$out.pub")"
  elif wait_for grep -qx "$want" "$out"; then
    pass "$version $transport qos$qos round trip"
  else
    fail "$version $transport qos$qos round trip" "$want" "$(grep -v /probe "$out" | tr '\n' '|')"
  fi
  kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
}

# retained VERSION TRANSPORT: a retained QoS 1 message reaches a later subscriber with
# the RETAIN flag, and an empty retained PUBLISH clears it.
retained() {
  local version=$1 transport=$2 args got
  read -ra args <<< "$(conn_args "$version" "$transport")"
  local topic="smoke/$version/$transport/retained"
  mosquitto_pub "${args[@]}" -t "$topic" -m kept -q 1 -r
  got=$(mosquitto_sub "${args[@]}" -t "$topic" -q 1 -C 1 -W 5 -F '%t %q %r %p' 2>&1)
  if [[ $got == "$topic 1 1 kept" ]]; then
    pass "$version $transport retained delivered to a later subscriber"
  else
    fail "$version $transport retained" "$topic 1 1 kept" "$got"
  fi
  mosquitto_pub "${args[@]}" -t "$topic" -n -q 1 -r
  got=$(mosquitto_sub "${args[@]}" -t "$topic" -q 1 -C 1 -W 1 -F '%t %q %r %p' 2>/dev/null)
  if [[ -z $got ]]; then
    pass "$version $transport retained cleared by an empty retained PUBLISH"
  else
    fail "$version $transport retained clear" "no message" "$got"
  fi
}

for version in mqttv311 mqttv5; do
  for transport in tcp tls; do
    for qos in 0 1 2; do roundtrip "$version" "$transport" "$qos"; done
    retained "$version" "$transport"
  done
done

python3 "$HERE/ws_roundtrip.py" 127.0.0.1 "$WS_PORT" /mqtt || failures=$((failures + 1))
python3 "$HERE/ws_roundtrip.py" 127.0.0.1 "$WSS_PORT" /mqtt "$WORK/ca.crt" || failures=$((failures + 1))

# --- log lines and graceful shutdown
if grep -q 'event=connect ' broker.log && grep -q 'event=disconnect ' broker.log; then
  pass "broker logged connect and disconnect lines"
else
  fail "broker log" "event=connect and event=disconnect lines" "$(grep -c . broker.log) lines"
fi
kill -TERM "$BROKER_PID"
stopped() { ! kill -0 "$BROKER_PID" 2>/dev/null; }
if wait_for stopped; then
  wait "$BROKER_PID"; rc=$?
  if [[ $rc -eq 0 ]]; then pass "SIGTERM stops the broker with status 0"; else fail "SIGTERM" "exit status 0" "exit status $rc"; fi
else
  fail "SIGTERM" "broker exits within 10 s" "still running"
fi

on_failure() { echo "--- broker log (last 40 lines)"; tail -n 40 "$WORK/broker.log"; }
finish_checks
