"""compare_scenarios.py: the scenario matrix compare.py runs, following the targets of
issue 15 (latency at fixed rates, throughput at max rate, connection set-up, memory).

A scenario is a plain dict, so the raw results JSON can carry it and `--from-json` can
rebuild the report without this module's current matrix:

  id       short and stable, for --only and the plots ("lat-q1-1x1-5k")
  section  one of SECTIONS' keys; also says which metrics the report shows
  title    one line for people ("QoS 1, 1→1, 5,000 msg/s")
  params   what the plots and the target judgement group by (qos, topology, rate, ...)
  warmup   mqtt-bench argument lists run first against the same broker, not reported
  bench    the mqtt-bench arguments that are measured
  queue_limit  QoS 1/2 messages queued per offline session, set alike on every broker
"""

# (key, heading, what the section shows)
SECTIONS = [
    ("latency", "Latency at fixed sub-saturation rates",
     "Offered rate over all publishers; 64 B payloads. The refbroker should be at or below "
     "the other brokers' p50, p99 and p99.9 and Mosquitto's CPU per delivery."),
    ("throughput", "Throughput at max rate",
     "Closed loop (`--window`, `--inflight 16`), 64 B payloads; out msg/s counts deliveries."),
    ("conn", "Connection set-up",
     "CONNECT → CONNACK, 100 handshakes at once. Cold: a fresh broker. Warm: the same run "
     "again right after a first one against the same broker process (only the second is shown)."),
    ("memory", "Memory with idle connections",
     "RSS sampled every 0.1 s from /proc. \"Held\" is the highest sample in the hold, from "
     "the last CONNACK on (or, failing that, while the broker sat idle after connecting)."),
    ("queue", "Queued messages for offline sessions",
     "Persistent sessions subscribe at QoS 1 and go offline; one publisher sends QoS 1 "
     "messages; after a hold the sessions come back and count what arrives. Every broker "
     "gets the same per-session queue limit. RSS sampled every 0.1 s; \"during hold\" is the "
     "highest sample between mqtt-bench's `queued:` line and the end of `--hold`. A held "
     "message is one owed to one session (delivered after the reconnect), so a message "
     "queued for 100 sessions counts 100 times; a broker that shares one copy of the "
     "payload among the sessions pays less than the payload size per held message."),
]
SECTION_KEYS = [k for k, _, _ in SECTIONS]

PAYLOAD = ["--payload", "64"]

# topology key -> (label, mqtt-bench arguments)
TOPOLOGIES = {
    "1x1": ("1→1", ["-p", "1", "-s", "1"]),
    "p16": ("16 pairs", ["-p", "16", "-s", "16", "--pairs"]),
    "fanin": ("fan-in 8→1", ["-p", "8", "-s", "1"]),
    "fanout": ("fan-out 1→50", ["-p", "1", "-s", "50", "--window", "20"]),
    "shared": ("shared 8→4 ($share/g)", ["-p", "8", "-s", "4", "--shared", "g"]),
}

LATENCY_RATES = [1000, 5000, 20000]
QUEUE_LIMIT = 10000  # the refbroker's default --max-queued, given to every broker

# --quick: one of each kind, short (ids from the full matrix, except the smaller queue).
QUICK_IDS = ["lat-q1-1x1-1k", "lat-q1-1x1-5k", "lat-q1-1x1-20k", "lat-q1-p16-20k",
             "tp-pairs-q1", "tp-fanin-q0",
             "conn-10k-cold", "conn-10k-warm", "mem-10k-idle", "queue-10x12k"]


def rate_label(rate):
    return f"{rate // 1000}k" if rate % 1000 == 0 else str(rate)


def _latency(duration):
    d = ["-d", str(duration)]
    out = []
    for qos in (0, 1):
        for topo in ("1x1", "p16"):
            label, targs = TOPOLOGIES[topo]
            for rate in LATENCY_RATES:
                out.append({
                    "id": f"lat-q{qos}-{topo}-{rate_label(rate)}", "section": "latency",
                    "title": f"QoS {qos} {label} at {rate:,} msg/s",
                    "params": {"qos": qos, "topology": topo, "rate": rate},
                    "bench": ["pub-sub"] + PAYLOAD + d + targs + ["-q", str(qos), "--rate", str(rate)],
                })
    return out


def _throughput(duration):
    d = ["-d", str(duration)]
    out = []
    for topo in ("p16", "fanin", "fanout", "shared"):
        label, targs = TOPOLOGIES[topo]
        for qos in (0, 1, 2):
            extra = ["--inflight", "16"] if qos else []
            out.append({
                "id": f"tp-{'pairs' if topo == 'p16' else topo}-q{qos}", "section": "throughput",
                "title": f"QoS {qos} {label} at max rate",
                "params": {"qos": qos, "topology": topo},
                "bench": ["pub-sub"] + PAYLOAD + d + targs + ["-q", str(qos)] + extra,
            })
    return out


def _conn():
    out = []
    for n in (1000, 10000):
        cmd = ["conn", "-n", str(n), "-c", "100", "--hold", "0"]
        k = f"{n // 1000}k"
        out.append({"id": f"conn-{k}-cold", "section": "conn",
                    "title": f"{n:,} connects, 100 at a time, fresh broker",
                    "params": {"connections": n, "warm": False}, "bench": cmd})
        out.append({"id": f"conn-{k}-warm", "section": "conn",
                    "title": f"{n:,} connects, 100 at a time, after a first {n:,}",
                    "params": {"connections": n, "warm": True},
                    "warmup": [cmd], "bench": cmd})
    return out


def _memory(hold):
    return [{"id": "mem-10k-idle", "section": "memory",
             "title": f"10,000 idle connections held {hold:g} s",
             "params": {"connections": 10000, "hold_s": hold},
             "bench": ["conn", "-n", "10000", "-c", "100", "--hold", f"{hold:g}"]}]


def _queue(sessions, messages, hold):
    return [{"id": f"queue-{sessions}x{messages // 1000}k", "section": "queue",
             "title": f"{sessions} offline sessions × {messages:,} QoS 1 messages, "
                      f"limit {QUEUE_LIMIT:,} per session",
             "params": {"sessions": sessions, "messages": messages, "hold_s": hold,
                        "limit": QUEUE_LIMIT},
             "queue_limit": QUEUE_LIMIT,
             "bench": ["queue", "--sessions", str(sessions), "--messages", str(messages),
                       "-q", "1", "--hold", f"{hold:g}"]}]


def matrix(duration, quick=False):
    """matrix returns the scenarios in report order: the full issue-15 matrix, or with
    quick the few in QUICK_IDS (the queue scenario with 10 sessions instead of 100)."""
    if quick:
        full = _latency(duration) + _throughput(duration) + _conn() + _memory(2) + _queue(10, 12000, 2)
        by_id = {s["id"]: s for s in full}
        return [by_id[i] for i in QUICK_IDS]
    return (_latency(duration) + _throughput(duration) + _conn() + _memory(3)
            + _queue(100, 12000, 3))


def select(scenarios, only):
    """select keeps the scenarios whose id or title contains any of the strings in only
    (all of them when only is empty)."""
    if not only:
        return list(scenarios)
    return [s for s in scenarios if any(o in s["id"] or o in s["title"] for o in only)]
