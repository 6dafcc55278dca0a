#!/usr/bin/env python3
"""crosscheck_clients.py: one throughput scenario measured with clients this project did
not write (mosquitto_pub and mosquitto_sub from Debian's mosquitto-clients), against
mqtt-refbroker, Mosquitto and NanoMQ, so the ratios mqtt-bench reports can be checked
with an independent load generator.

The scenario: every broker allows N queued messages per session; one mosquitto_sub (QoS Q, stops after N messages with -C) and one
mosquitto_pub -l sending N lines of 63 bytes (+ newline dropped: 63-byte payloads) at QoS
Q, as fast as its own flow control lets it (max_inflight 20 at QoS 1/2). The rate is N
divided by the time from the first publish to the subscriber's exit. mqtt-bench's nearest
scenario is `pub-sub -p 1 -s 1 -q Q --inflight 20` at max rate (--with-bench runs it too).

  python3 bench/crosscheck_clients.py --build build/release [--messages 200000] [--qos 1]
      [--repeat 3] [--with-bench] [--out FILE]
Each broker is started fresh per run on an ephemeral loopback port, as compare.py does.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (resolve_nanomq and the defaults)
from compare_brokers import broker  # noqa: E402

BROKERS = ["mqtt-refbroker", "mosquitto", "nanomq"]


def clients_run(port, messages, qos, tmp):
    """One mosquitto_sub / mosquitto_pub pair; returns (msg/s or None when messages were
    missing, received, what went wrong or None)."""
    lines = os.path.join(tmp, "lines.txt")
    if not os.path.exists(lines):
        with open(lines, "w") as f:
            row = "x" * 55
            for i in range(messages):
                f.write(f"{i:07d}/{row}\n")  # 63 bytes each
    topic = f"crosscheck/{os.getpid()}"
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic,
                            "-q", str(qos), "-C", str(messages), "-i", f"xc-sub-{os.getpid()}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)  # mosquitto_sub has no "subscribed" signal; it subscribes on connect
    t0 = time.monotonic()
    # stdin stays open until the subscriber has everything: at end of input mosquitto_pub
    # 2.0.11 disconnects without sending what it still queues (34,470 of 100,000 arrived).
    pub = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic,
                            "-q", str(qos), "-l", "-i", f"xc-pub-{os.getpid()}"],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    feeder = threading.Thread(target=lambda: _feed(pub, lines), daemon=True)
    feeder.start()
    try:
        out, err = sub.communicate(timeout=max(60, messages / 1000))
    except subprocess.TimeoutExpired:
        sub.kill()
        out, err = sub.communicate()
    took = time.monotonic() - t0
    pub.kill()
    pub.wait()
    received = len(out.splitlines())
    if received < messages:
        return None, received, f"mosquitto_sub got {received} of {messages} in {took:.1f} s"
    seqs = [int(l[:7]) for l in out.splitlines()]
    late = sum(1 for a, b in zip(seqs, seqs[1:]) if b < a)
    # All arrived: the rate stands; reordering is reported beside it [MQTT-4.6.0-6].
    return messages / took, received, f"{late} out of order" if late else None


def _feed(pub, lines):
    try:
        with open(lines) as f:
            for line in f:
                pub.stdin.write(line)
        pub.stdin.flush()
    except (BrokenPipeError, ValueError):
        pass  # mosquitto_pub was stopped: the subscriber has what it will get


def bench_run(args, port, qos, tmp):
    out = os.path.join(tmp, "bench.json")
    cmd = [args.bench, "pub-sub", "--payload", "64", "-d", "5", "-p", "1", "-s", "1",
           "-q", str(qos), "--inflight", "20", "--port", str(port), "--json", out]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return None
    return json.load(open(out))["out_msgs_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(compare.REPO, "build", "release"))
    ap.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    ap.add_argument("--nanomq-dir", help="where NanoMQ is built when NANOMQ_BIN is unset")
    ap.add_argument("--messages", type=int, default=200000)
    ap.add_argument("--qos", type=int, choices=(0, 1, 2), default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per broker (median)")
    ap.add_argument("--with-bench", action="store_true",
                    help="also run mqtt-bench's nearest scenario against each broker")
    ap.add_argument("--out", help="also write the Markdown table to FILE")
    args = ap.parse_args()
    for tool in ("mosquitto_pub", "mosquitto_sub"):
        if not shutil.which(tool):
            sys.exit(f"crosscheck_clients.py: {tool} not found (apt-get install -y mosquitto-clients)")
    args.refbroker_threads, args.baseline_refbroker = 0, None  # compare_brokers.broker reads them
    skipped = compare.locate_binaries(args, "crosscheck_clients.py")
    names = [b for b in BROKERS if b != "nanomq" or args.nanomq]
    rates = {b: [] for b in names}
    bench_rates = {b: [] for b in names}
    errors = {b: [] for b in names}
    with tempfile.TemporaryDirectory(prefix="mqtt-crosscheck-") as tmp:
        for i in range(args.repeat):
            for name in names:  # interleaved, as compare.py does
                print(f"[{i + 1}/{args.repeat}] {name} ...", file=sys.stderr, flush=True)
                b = broker(name, tmp)
                # A queue limit of N on every broker: mosquitto_pub does not wait for the
                # subscriber, so a broker with a smaller per-session queue may drop (allowed).
                b.start(args, queue_limit=args.messages)
                try:
                    rate, _, err = clients_run(b.port, args.messages, args.qos, tmp)
                    if args.with_bench:
                        bench_rates[name].append(bench_run(args, b.port, args.qos, tmp))
                finally:
                    b.stop()
                if err:
                    errors[name].append(err)
                if rate:
                    rates[name].append(rate)
    med = {b: statistics.median(r) if r else None for b, r in rates.items()}
    bmed = {b: statistics.median([x for x in r if x]) if any(r) else None for b, r in bench_rates.items()}
    lines = [f"QoS {args.qos}, {args.messages:,} messages of 63 B, mosquitto_pub -l → mosquitto_sub, "
             f"median of {args.repeat}" + (f"; NanoMQ skipped: {skipped}" if skipped else ""), "",
             "| broker | mosquitto_pub/sub msg/s | ref ÷ broker | mqtt-bench msg/s | ref ÷ broker | errors |",
             "|---|---:|---:|---:|---:|---|"]
    for b in names:
        ratio = (f"{med['mqtt-refbroker'] / med[b]:.2f}x" if med[b] and med["mqtt-refbroker"] else "-")
        bratio = (f"{bmed['mqtt-refbroker'] / bmed[b]:.2f}x" if bmed.get(b) and bmed.get("mqtt-refbroker") else "-")
        lines.append(f"| {b} | {med[b]:,.0f} | {ratio} | " if med[b] else f"| {b} | failed | - | ")
        lines[-1] += (f"{bmed[b]:,.0f} | {bratio} | " if bmed.get(b) else "- | - | ")
        lines[-1] += "; ".join(errors[b]) or "none"
    text = "\n".join(lines)
    print(text)
    if args.out:
        open(args.out, "w").write(text + "\n")
    return 1 if any(errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
