#!/usr/bin/env python3
"""compare.py: run the same mqtt-bench scenarios against mqtt-refbroker, Mosquitto and
(when NANOMQ_BIN is set) NanoMQ, one broker at a time, each fresh per scenario on an
ephemeral loopback port, and print a Markdown table with absolute numbers and ratios
against Mosquitto (and NanoMQ) from the same run, plus machine, versions and commands.

Usage: bench/compare.py --build build/release [--duration 10] [--repeat 1] [--out FILE]
Only the Python 3 standard library is used.
"""
import argparse
import json
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
# With --baseline-refbroker: an earlier mqtt-refbroker binary, run in the same scenarios,
# so a change is measured before and after in one run.
BASELINE = "mqtt-refbroker-before"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scenarios(duration):
    d = str(duration)
    ps = ["pub-sub", "--payload", "64", "-d", d]
    return [
        ("qos0 fan-in 8->1, 64 B, max rate", ps + ["-p", "8", "-s", "1", "-q", "0"]),
        ("qos1 1->1, 64 B, max rate", ps + ["-p", "1", "-s", "1", "-q", "1", "--inflight", "16"]),
        ("qos0 fan-out 1->50, 64 B, max rate", ps + ["-p", "1", "-s", "50", "-q", "0", "--window", "20"]),
        ("qos1 1->1, 64 B, 5000 msg/s (latency)", ps + ["-p", "1", "-s", "1", "-q", "1", "--rate", "5000"]),
        ("conn 1000, 100 at a time", ["conn", "-n", "1000", "-c", "100", "--hold", "1"]),
    ]


# ---- brokers -------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"broker not listening on {port} after {timeout} s")


class broker:
    """One broker process, started fresh for one scenario."""

    def __init__(self, name, tmp):
        self.name, self.tmp, self.proc, self.port, self.cmd = name, tmp, None, None, None

    def start(self, args):
        log = open(os.path.join(self.tmp, f"{self.name}.log"), "ab")
        if self.name.startswith("mqtt-refbroker"):
            port_file = os.path.join(self.tmp, "refbroker.port")
            if os.path.exists(port_file):
                os.unlink(port_file)
            binary = args.baseline_refbroker if self.name == BASELINE else args.refbroker
            self.cmd = [binary, "--listen", "tcp://127.0.0.1:0", "--port-file", port_file,
                        "--log-level", "warn"]
            if args.refbroker_threads:
                self.cmd += ["--threads", str(args.refbroker_threads)]
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=log)
            deadline = time.monotonic() + 10
            while not os.path.exists(port_file):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mqtt-refbroker did not write its port file")
                time.sleep(0.02)
            self.port = int(open(port_file).read().split()[0])
        elif self.name == "mosquitto":
            self.port = free_port()
            conf = os.path.join(self.tmp, "mosquitto.conf")
            with open(conf, "w") as f:
                f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        "log_dest stderr\nlog_type error\nlog_type warning\n")
            self.cmd = [args.mosquitto, "-c", conf]
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=log)
        else:  # nanomq
            self.port = free_port()
            self.cmd = [args.nanomq, "start", "--url", f"nmq-tcp://127.0.0.1:{self.port}"]
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=log, cwd=self.tmp)
        wait_listening(self.port, self.proc)

    def cpu_ticks(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12]), int(fields[17])  # utime+stime, num_threads

    def context_switches(self):
        n = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                txt = open(f"/proc/{self.proc.pid}/task/{tid}/status").read()
            except OSError:
                continue
            n += sum(int(v) for v in re.findall(r"^\w*voluntary_ctxt_switches:\s+(\d+)", txt, re.M))
        return n

    def status_kb(self, key):
        m = re.search(rf"^{key}:\s+(\d+) kB", open(f"/proc/{self.proc.pid}/status").read(), re.M)
        return int(m.group(1)) if m else 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def system_busy_ticks():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # all but idle and iowait


# ---- one measurement -----------------------------------------------------------------

def run_one(args, name, scen_args, tmp):
    b = broker(name, tmp)
    b.start(args)
    try:
        out_json = os.path.join(tmp, "bench.json")
        cmd = [args.bench] + scen_args + ["--port", str(b.port), "--cpu", str(args.bench_cpu),
                                          "--json", out_json, "--client-prefix", f"cmp-{os.getpid()}"]
        t0_cpu, _ = b.cpu_ticks()
        cs0 = b.context_switches()
        sys0 = system_busy_ticks()
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wall = time.monotonic() - t0
        sys1 = system_busy_ticks()
        t1_cpu, threads = b.cpu_ticks()
        cs1 = b.context_switches()
        hwm, rss = b.status_kb("VmHWM"), b.status_kb("VmRSS")
        alive = b.proc.poll() is None
    finally:
        b.stop()
    if p.returncode != 0:
        return {"failed": (p.stderr or p.stdout).strip().splitlines()[-1:] or ["?"],
                "broker_cmd": shlex.join(b.cmd), "bench_cmd": shlex.join(cmd)}
    r = json.load(open(out_json))
    broker_cpu = (t1_cpu - t0_cpu) / CLK_TCK
    r.update({
        "broker_cmd": shlex.join(b.cmd), "bench_cmd": shlex.join(cmd),
        "broker_cpu_s": broker_cpu, "broker_threads": threads,
        "broker_context_switches": cs1 - cs0,
        "broker_peak_rss_mb": hwm / 1024, "broker_rss_end_mb": rss / 1024,
        "wall_s": wall, "broker_alive": alive,
        # CPU used by anything but this broker and mqtt-bench: noise from other jobs.
        "other_cpu_s": max(0.0, (sys1 - sys0) / CLK_TCK - broker_cpu - r.get("bench_cpu_s", 0)),
    })
    return r


# ---- report --------------------------------------------------------------------------

def metric_rows(kind):
    """(label, extractor, better) per row; better is 'hi' or 'lo'."""
    lat = lambda k: (lambda r: r["latency"][k] / 1000)
    errs = lambda r: sum(r["errors"].values())
    common = [
        ("broker CPU s", lambda r: r["broker_cpu_s"], "lo"),
        ("broker peak RSS MB", lambda r: r["broker_peak_rss_mb"], "lo"),
        ("broker threads", lambda r: r["broker_threads"], None),
        ("mqtt-bench CPU s", lambda r: r["bench_cpu_s"], None),
        ("other load CPU s", lambda r: r["other_cpu_s"], None),
    ]
    if kind == "conn":
        return [("conn/s", lambda r: r["conn_per_s"], "hi"),
                ("connected", lambda r: r["connected"], "hi"),
                ("CONNACK p50 ms", lat("p50_us"), "lo"), ("CONNACK p99 ms", lat("p99_us"), "lo"),
                ("errors", errs, "lo")] + common
    return [("in msg/s", lambda r: r["in_msgs_per_s"], "hi"),
            ("out msg/s", lambda r: r["out_msgs_per_s"], "hi"),
            ("latency p50 ms", lat("p50_us"), "lo"), ("latency p90 ms", lat("p90_us"), "lo"),
            ("latency p99 ms", lat("p99_us"), "lo"), ("latency p99.9 ms", lat("p99_9_us"), "lo"),
            ("lost / dup / out-of-order",
             lambda r: "%d / %d / %d" % (r["totals"]["lost"], r["totals"]["duplicates"],
                                         r["totals"]["out_of_order"]), None),
            ("errors", errs, "lo"),
            ("broker CPU us per delivery",
             lambda r: 1e6 * r["broker_cpu_s"] / max(1, r["delivered_total"]), "lo"),
            ("broker context switches per delivery",
             lambda r: r["broker_context_switches"] / max(1, r["delivered_total"]), "lo")] + common


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, int) or (isinstance(v, float) and v >= 1000):
        return f"{v:,.0f}"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def median_run(runs):
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return runs[0]
    key = (lambda r: r["conn_per_s"]) if ok[0]["mode"] == "conn" else (lambda r: r["out_msgs_per_s"])
    return sorted(ok, key=key)[(len(ok) - 1) // 2]


def table(title, kind, res, brokers):
    refs = [b for b in ("mosquitto", "nanomq", BASELINE) if b in brokers]
    head = ["metric"] + brokers + [f"ref/{b}" for b in refs]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b in brokers:
        if "failed" in res[b]:
            lines.insert(2, f"{b} FAILED: {res[b]['failed']}\n")
    for label, get, better in metric_rows(kind):
        vals = {}
        for b in brokers:
            try:
                vals[b] = get(res[b])
            except (KeyError, TypeError):
                vals[b] = None
        arrow = {"hi": " ↑", "lo": " ↓"}.get(better, "")
        row = [label + arrow] + [fmt(vals[b]) if vals[b] is not None else "-" for b in brokers]
        for ref in refs:
            a, c = vals.get("mqtt-refbroker"), vals.get(ref)
            row.append(f"{a / c:.2f}x" if better and isinstance(a, (int, float))
                       and isinstance(c, (int, float)) and c else "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return ((p.stdout or "") + (p.stderr or "")).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def context(args, brokers):
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
    cache = os.path.join(args.build, "CMakeCache.txt")
    btype = comp = "?"
    if os.path.exists(cache):
        txt = open(cache).read()
        btype = (re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", txt, re.M) or [None, "?"])[1]
        comp = (re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", txt, re.M) or [None, "?"])[1]
    git = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    nng = "?"
    for h in ("/usr/include/nng/nng.h", "/usr/local/include/nng/nng.h"):
        if os.path.exists(h):
            t = open(h).read()
            nng = ".".join(re.search(rf"#define NNG_{k}_VERSION (\d+)", t).group(1) for k in ("MAJOR", "MINOR", "PATCH"))
            break
    out = [
        f"- machine: {os.cpu_count()} CPUs (nproc {first_line(['nproc'])}), {model}, "
        f"{int(mem) // 1024} MiB RAM, Linux {platform.release()}, loopback only",
        f"- mqtt-refbroker: 0.1.0, commit {git}{' + uncommitted changes' if dirty else ''}, "
        f"CMAKE_BUILD_TYPE={btype}, {os.path.basename(comp)} "
        f"({first_line([comp, '--version']) if comp != '?' else '?'}), nng {nng}, "
        f"{f'--threads {args.refbroker_threads} (one CPU set for all its threads)' if args.refbroker_threads else 'default flags (all CPUs)'}",
        *([f"- {BASELINE}: {args.baseline_refbroker}, same flags"] if args.baseline_refbroker else []),
        f"- mosquitto: {first_line([args.mosquitto, '-h'])}, config below (defaults otherwise)",
        f"- nanomq: {first_line([args.nanomq, '--version']) if args.nanomq else 'skipped: NanoMQ not provided'}",
        f"- mqtt-bench: one epoll thread pinned to CPU {args.bench_cpu}; brokers unpinned; MQTT 3.1.1; "
        f"each broker started fresh per scenario; {args.repeat} run(s) per cell, median shown",
        f"- runner: {shlex.join([sys.argv[0]] + sys.argv[1:])}",
    ]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build", "release"),
                    help="CMake build dir (Release) holding mqtt-refbroker and mqtt-bench")
    ap.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per pub-sub scenario")
    ap.add_argument("--repeat", type=int, default=1, help="runs per broker and scenario (median)")
    ap.add_argument("--only", default="", help="run only scenarios whose title contains this")
    ap.add_argument("--bench-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    ap.add_argument("--refbroker-threads", type=int, default=0,
                    help="pass --threads N to mqtt-refbroker (its threads on the first N CPUs)")
    ap.add_argument("--baseline-refbroker", metavar="BINARY",
                    help="also run this earlier mqtt-refbroker binary (column "
                         f"{BASELINE}, ratio ref/{BASELINE}: the change, same run)")
    ap.add_argument("--out", help="also write the report (Markdown) to FILE")
    ap.add_argument("--json", help="also write every raw result to FILE")
    args = ap.parse_args()
    args.refbroker = os.path.join(args.build, "reference-broker", "mqtt-refbroker")
    args.bench = os.path.join(args.build, "bench", "mqtt_bench", "mqtt-bench")
    args.nanomq = os.environ.get("NANOMQ_BIN")
    for exe in (args.refbroker, args.bench, args.mosquitto):
        if not os.access(exe, os.X_OK):
            sys.exit(f"compare.py: missing {exe} (build mqtt-refbroker and mqtt-bench first)")
    brokers = ["mqtt-refbroker", "mosquitto"]
    if args.baseline_refbroker:
        if not os.access(args.baseline_refbroker, os.X_OK):
            sys.exit(f"compare.py: --baseline-refbroker {args.baseline_refbroker}: not an executable")
        brokers.insert(1, BASELINE)
    if args.nanomq:
        brokers.append("nanomq")
    else:
        print("skipped: NanoMQ not provided (set NANOMQ_BIN)", file=sys.stderr)

    report = ["## Machine and builds", "", context(args, brokers), "",
              "Ratios are mqtt-refbroker ÷ the other broker, same run. ↑: higher is better "
              "(ratio > 1 means the refbroker wins); ↓: lower is better (ratio < 1 wins). "
              "\"other load\" is CPU used by processes other than the broker and mqtt-bench "
              "during the scenario (background noise).", ""]
    raw = {}
    with tempfile.TemporaryDirectory(prefix="mqtt-compare-") as tmp:
        for title, scen in scenarios(args.duration):
            if args.only and args.only not in title:
                continue
            runs = {b: [] for b in brokers}
            for _ in range(args.repeat):
                for b in brokers:  # interleaved, so drifting background load hits all alike
                    print(f"[{title}] {b} ...", file=sys.stderr, flush=True)
                    runs[b].append(run_one(args, b, scen, tmp))
            res = {b: median_run(runs[b]) for b in brokers}
            raw[title] = runs
            kind = "conn" if scen[0] == "conn" else "pub-sub"
            report += [table(title, kind, res, brokers), "", "Commands (median run):", ""]
            for b in brokers:
                report.append(f"- {b}: `{res[b]['broker_cmd']}`")
                report.append(f"  bench: `{res[b]['bench_cmd']}`")
            report.append("")
        report += ["Mosquitto config (port varies per run): `listener PORT 127.0.0.1`, "
                   "`allow_anonymous true`, `persistence false`, `log_dest stderr`, "
                   "`log_type error`, `log_type warning`.", ""]
    text = "\n".join(report)
    print(text)
    if args.out:
        open(args.out, "w").write(text + "\n")
    if args.json:
        json.dump(raw, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
