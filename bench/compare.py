#!/usr/bin/env python3
"""compare.py: mqtt-refbroker against Mosquitto and NanoMQ on the issue-15 scenario matrix.

Runs mqtt-bench against each broker in turn, each started fresh per scenario on an
ephemeral loopback port, and writes a Markdown report (targets met or missed, tables with
ratios against Mosquitto and NanoMQ from the same run, machine, versions, commands) and
SVG plots.

Usage: bench/compare.py --build build/release [--quick] [--duration 10] [--repeat 1]
                        [--only ID] [--out FILE] [--json FILE] [--svg-dir DIR]
       bench/compare.py --from-json FILE [--out FILE] [--svg-dir DIR]
NanoMQ: NANOMQ_BIN, or built from ../shared/third_party/nanomq/ into BUILD/nanomq.
Only the Python 3 standard library is used.
"""
import argparse
import json
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_report  # noqa: E402
from compare_brokers import SAMPLE_S, broker, held_rss_kb, log_tail, mosquitto_config, sampler  # noqa: E402
import compare_scenarios  # noqa: E402
import plot_svg  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
# With --baseline-refbroker: an earlier mqtt-refbroker binary, run in the same scenarios,
# so a change is measured before and after in one run.
BASELINE = compare_report.BASELINE
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NANOMQ_BUILD_SH = os.path.join(REPO, "..", "shared", "third_party", "nanomq", "build.sh")
FORMAT = "mqttcert-compare/2"


def system_busy_ticks():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # all but idle and iowait


# ---- one measurement -----------------------------------------------------------------

def bench_error(p):
    """bench_error is mqtt-bench's one-line reason for a failed run."""
    lines = [l.strip() for l in ((p.stderr or "") + "\n" + (p.stdout or "")).splitlines() if l.strip()]
    lines = [l for l in lines if not l.startswith("Run with --help")]
    err = next((l for l in lines if "error" in l.lower()), lines[0] if lines else "?")
    return f"mqtt-bench exit {p.returncode}: {err}"


def run_bench(cmd, t0=None, timeout=900):
    """run_bench runs one mqtt-bench command; returns (CompletedProcess, [(seconds since
    t0, stdout line)]) so a phase it prints ("queued: ...") can be placed in time."""
    t0 = time.monotonic() if t0 is None else t0
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks, err = [], []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    reader.start()
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    for line in p.stdout:
        marks.append((round(time.monotonic() - t0, 3), line.rstrip("\n")))
    rc = p.wait()
    timed_out = not timer.is_alive()
    timer.cancel()
    reader.join()
    stderr = "".join(err) + (f"\nerror: timed out after {timeout} s" if timed_out else "")
    out = "\n".join(l for _, l in marks)
    return subprocess.CompletedProcess(cmd, 124 if timed_out else rc, out, stderr), marks


def hold_window(scen, r, marks):
    """hold_window: (start, end) of the hold in seconds since mqtt-bench started, or None.
    queue prints "queued: ..." when the hold begins; conn holds right after its last
    CONNACK, elapsed_s after its first connect()."""
    hold = scen["params"].get("hold_s")
    if not hold:
        return None
    if scen["section"] == "queue":
        t = next((t for t, l in marks if l.startswith("queued:")), None)
        return (t, t + hold) if t is not None else None
    if scen["section"] == "memory" and r.get("elapsed_s"):
        return (r["elapsed_s"] + SAMPLE_S, r["elapsed_s"] + hold)
    return None


def run_one(args, name, scen, tmp):
    """run_one starts broker name, runs the scenario's warm-up commands and then its
    measured command against it, and returns the bench JSON plus what the broker used."""
    b = broker(name, tmp)
    try:
        b.start(args, scen.get("queue_limit"))
    except RuntimeError as e:
        return {"failed": f"{name} did not start: {e}", "broker_cmd": shlex.join(b.cmd or [])}
    out_json = os.path.join(tmp, "bench.json")
    prefix = f"cmp-{os.getpid()}"
    common = ["--port", str(b.port), "--cpu", str(args.bench_cpu), "--json", out_json]
    res = {"broker_cmd": shlex.join(b.cmd), "warmup": []}
    sampling = scen["section"] in ("memory", "queue")
    try:
        time.sleep(0.2)
        res["broker_rss_before_mb"] = b.status_kb("VmRSS") / 1024
        for i, w in enumerate(scen.get("warmup", [])):
            cmd = [args.bench] + w + common + ["--client-prefix", f"{prefix}-w{i}"]
            p, _ = run_bench(cmd)
            res["warmup"].append({"bench_cmd": shlex.join(cmd)})
            if p.returncode != 0:
                res["failed"] = "warm-up run: " + bench_error(p)
                return res
            res["warmup"][-1].update(compare_report.brief(json.load(open(out_json))))
            time.sleep(0.5)
        cmd = [args.bench] + scen["bench"] + common + ["--client-prefix", prefix]
        res["bench_cmd"] = shlex.join(cmd)
        t0_cpu, _ = b.cpu_ticks()
        cs0 = b.context_switches()
        sys0 = system_busy_ticks()
        t0 = time.monotonic()
        s = sampler(b, t0).start() if sampling else None
        p, marks = run_bench(cmd, t0)
        wall = time.monotonic() - t0
        samples = s.stop() if s else []
        alive = b.proc.poll() is None
        if alive:
            sys1 = system_busy_ticks()
            t1_cpu, threads = b.cpu_ticks()
            cs1 = b.context_switches()
            hwm, rss = b.status_kb("VmHWM"), b.status_kb("VmRSS")
    finally:
        b.stop()
    if not alive:
        res["failed"] = (f"{name} exited with {b.proc.returncode} during the run "
                         f"({log_tail(b.log, 2) or 'no log output'})")
        if p.returncode != 0:
            res["failed"] += "; " + bench_error(p)
        return res
    if p.returncode != 0:
        res["failed"] = bench_error(p)
        if "subcommand is required" in res["failed"] or "not expected" in res["failed"]:
            res["failed"] += " (this mqtt-bench lacks the mode or flag)"
        return res
    r = json.load(open(out_json))
    r.update(res)
    broker_cpu = (t1_cpu - t0_cpu) / CLK_TCK
    r.update({
        "broker_cpu_s": broker_cpu, "broker_threads": threads,
        "broker_context_switches": cs1 - cs0,
        "broker_peak_rss_mb": hwm / 1024, "broker_rss_end_mb": rss / 1024,
        "wall_s": wall, "broker_alive": alive,
        # CPU used by anything but this broker and mqtt-bench: noise from other jobs.
        "other_cpu_s": max(0.0, (sys1 - sys0) / CLK_TCK - broker_cpu - r.get("bench_cpu_s", 0)),
    })
    if samples:
        held, how = held_rss_kb(samples, hold_window(scen, r, marks))
        r["broker_rss_sampled_peak_mb"] = max(x[1] for x in samples) / 1024
        r["broker_rss_held_mb"] = held / 1024 if held is not None else None
        r["broker_rss_held_from"] = how
        r["rss_samples"] = samples
        r["bench_stdout"] = marks
    return r


# ---- NanoMQ and the machine ------------------------------------------------------------

def resolve_nanomq(args):
    """resolve_nanomq returns (binary, None) or (None, why it is skipped): NANOMQ_BIN when
    set, else the snapshot built by ../shared/third_party/nanomq/build.sh into
    args.nanomq_dir (a second call returns at once)."""
    env = os.environ.get("NANOMQ_BIN")
    if env:
        if os.access(env, os.X_OK):
            return os.path.abspath(env), None
        return None, f"NANOMQ_BIN={env} is not an executable"
    if not os.path.exists(NANOMQ_BUILD_SH):
        return None, f"no NANOMQ_BIN and no {os.path.normpath(NANOMQ_BUILD_SH)} to build it"
    print(f"building NanoMQ into {args.nanomq_dir} (about 40 s the first time) ...", file=sys.stderr, flush=True)
    try:
        p = subprocess.run(["bash", NANOMQ_BUILD_SH, args.nanomq_dir], capture_output=True,
                           text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"build.sh {args.nanomq_dir}: {e}"
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines or not os.access(lines[-1], os.X_OK):
        why = (p.stderr.strip().splitlines() or lines or ["no output"])[-1]
        return None, f"build.sh {args.nanomq_dir} failed (exit {p.returncode}): {why}"
    return os.path.abspath(lines[-1]), None


def command_output(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout or "") + (p.stderr or "")
    except (OSError, subprocess.TimeoutExpired):
        return ""


def first_line(cmd):
    lines = command_output(cmd).strip().splitlines()
    return lines[0] if lines else "unknown"


def nanomq_version(binary):
    """nanomq_version is the line of `nanomq --version` that names the version (the
    first line it prints is its usage)."""
    out = command_output([binary, "--version"])
    return next((l.strip() for l in out.splitlines() if re.search(r"\bv\d+\.\d+", l)), "unknown")


def context(args, brokers, skipped):
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
    if args.nanomq:
        nmq = (f"{nanomq_version(args.nanomq)} ({args.nanomq}; the snapshot in "
               f"../shared/third_party/nanomq/ is tag 0.25.3), HOCON config below")
    else:
        nmq = f"skipped: {skipped}"
    return [
        f"machine: {os.cpu_count()} CPUs (nproc {first_line(['nproc'])}), {model}, "
        f"{int(mem) // 1024} MiB RAM, Linux {platform.release()}, loopback only",
        f"mqtt-refbroker: 0.1.0, commit {git}{' + uncommitted changes' if dirty else ''}, "
        f"CMAKE_BUILD_TYPE={btype}, {os.path.basename(comp)} "
        f"({first_line([comp, '--version']) if comp != '?' else '?'}), nng {nng}, "
        f"{f'--threads {args.refbroker_threads} (one CPU set for all its threads)' if args.refbroker_threads else 'default flags (all CPUs)'}",
        *([f"{BASELINE}: {args.baseline_refbroker}, same flags"] if args.baseline_refbroker else []),
        f"mosquitto: {first_line([args.mosquitto, '-h'])}, config below (defaults otherwise)",
        f"nanomq: {nmq}",
        f"mqtt-bench: one epoll thread pinned to CPU {args.bench_cpu}; brokers unpinned; MQTT 3.1.1; "
        f"each broker started fresh per scenario; {args.repeat} run(s) per cell, median shown",
        f"runner: {shlex.join([sys.argv[0]] + sys.argv[1:])}",
    ]


def config_notes(brokers):
    notes = ["Mosquitto config (port varies per run): " +
             ", ".join(f"`{l}`" for l in mosquitto_config("PORT").splitlines()) +
             f"; the queue section adds `max_queued_messages {compare_scenarios.QUEUE_LIMIT}`."]
    if "nanomq" in brokers:
        notes.append("NanoMQ config: `listeners.tcp { bind = \"127.0.0.1:PORT\" }`, "
                     "`log { to = [console], level = warn }`; the queue section adds "
                     f"`mqtt {{ max_mqueue_len = {compare_scenarios.QUEUE_LIMIT} }}` (see the "
                     "queue section for what that limits). Started with NANOMQ_PID_FILE in a "
                     "directory of its own.")
    notes.append(f"mqtt-refbroker: the queue section adds `--max-queued {compare_scenarios.QUEUE_LIMIT}` "
                 "(its default).")
    return notes


# ---- main --------------------------------------------------------------------------------

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build", "release"),
                    help="CMake build dir (Release) holding mqtt-refbroker and mqtt-bench")
    ap.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    ap.add_argument("--nanomq-dir", help="where build.sh builds NanoMQ when NANOMQ_BIN is unset "
                                         "(default BUILD/nanomq)")
    ap.add_argument("--quick", action="store_true",
                    help=f"CI-sized run: {', '.join(compare_scenarios.QUICK_IDS)}; 3 s per pub-sub run")
    ap.add_argument("--duration", type=float, help="seconds per pub-sub run (default 10, 3 with --quick)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per broker and scenario (median)")
    ap.add_argument("--only", action="append", default=[], metavar="TEXT",
                    help="run only scenarios whose id or title contains TEXT (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the scenarios (ids, titles, commands) and exit")
    ap.add_argument("--bench-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    ap.add_argument("--refbroker-threads", type=int, default=0,
                    help="pass --threads N to mqtt-refbroker (its threads on the first N CPUs)")
    ap.add_argument("--baseline-refbroker", metavar="BINARY",
                    help="also run this earlier mqtt-refbroker binary (column "
                         f"{BASELINE}, ratio ref/{BASELINE}: the change, same run)")
    ap.add_argument("--out", help="also write the report (Markdown) to FILE")
    ap.add_argument("--json", help="also write every raw result to FILE (input of --from-json)")
    ap.add_argument("--svg-dir", help="write throughput.svg, latency.svg, connections.svg to DIR; "
                                      "the report links them relative to --out's directory")
    ap.add_argument("--from-json", metavar="FILE",
                    help="rebuild the report and plots from a --json FILE; runs nothing")
    args = ap.parse_args(argv)
    if args.duration is None:
        args.duration = 3.0 if args.quick else 10.0
    return args


def locate_binaries(args, tool):
    """locate_binaries sets args.refbroker and args.bench (from --build) and args.nanomq,
    exits naming what is missing of ours or Mosquitto, and returns why NanoMQ is skipped
    (None when it runs). Paths are absolute: NanoMQ runs in a temporary directory."""
    args.build = os.path.abspath(args.build)
    args.refbroker = os.path.join(args.build, "reference-broker", "mqtt-refbroker")
    args.bench = os.path.join(args.build, "bench", "mqtt_bench", "mqtt-bench")
    for exe in (args.refbroker, args.bench, args.mosquitto):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{tool}: missing {exe} (build mqtt-refbroker and mqtt-bench first)")
    args.nanomq_dir = os.path.abspath(args.nanomq_dir or os.path.join(args.build, "nanomq"))
    args.nanomq, skipped = resolve_nanomq(args)
    return skipped


def run_matrix(args):
    """run_matrix runs the selected scenarios on every broker and returns the raw results
    document (what --json writes and --from-json reads)."""
    skipped = locate_binaries(args, "compare.py")
    brokers = ["mqtt-refbroker", "mosquitto"]
    if args.baseline_refbroker:
        if not os.access(args.baseline_refbroker, os.X_OK):
            sys.exit(f"compare.py: --baseline-refbroker {args.baseline_refbroker}: not an executable")
        brokers.insert(1, BASELINE)
    if args.nanomq:
        brokers.append("nanomq")
    else:
        print(f"NanoMQ skipped: {skipped}", file=sys.stderr)
    # 10,000 connections need 10,000 descriptors in mqtt-bench and in each broker.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    scens = compare_scenarios.select(compare_scenarios.matrix(args.duration, args.quick), args.only)
    if not scens:
        sys.exit(f"compare.py: no scenario matches {args.only}")
    doc = {"format": FORMAT, "brokers": brokers, "skipped": {"nanomq": skipped} if skipped else {},
           "context": context(args, brokers, skipped), "notes": config_notes(brokers),
           "quick": args.quick, "scenarios": []}
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mqtt-compare-") as tmp:
        for scen in scens:
            runs = {b: [] for b in brokers}
            for _ in range(args.repeat):
                for b in brokers:  # interleaved, so drifting background load hits all alike
                    print(f"[{scen['id']}] {b} ...", file=sys.stderr, flush=True)
                    r = run_one(args, b, scen, tmp)
                    if "failed" in r:
                        print(f"  FAILED: {r['failed']}", file=sys.stderr)
                    runs[b].append(r)
            doc["scenarios"].append(dict(scen, runs=runs))
    doc["elapsed_s"] = round(time.monotonic() - t_start, 1)
    return doc


def main():
    args = parse_args()
    if args.list:
        for s in compare_scenarios.select(compare_scenarios.matrix(args.duration, args.quick), args.only):
            print(f"{s['id']:<16} {s['title']}")
            for w in s.get("warmup", []):
                print(f"{'':16} warm-up: mqtt-bench {shlex.join(w)}")
            print(f"{'':16} mqtt-bench {shlex.join(s['bench'])}")
        return
    # Output folders first: a run takes minutes and must not be lost to a missing one.
    for folder in [args.svg_dir] + [os.path.dirname(f) for f in (args.out, args.json) if f]:
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as e:
                sys.exit(f"compare.py: cannot create {folder}: {e.strerror}")
    if args.from_json:
        doc = json.load(open(args.from_json))
        if doc.get("format") != FORMAT:
            sys.exit(f"compare.py: {args.from_json} is not a {FORMAT} results file")
    else:
        doc = run_matrix(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
    svgs = {}
    if args.svg_dir:
        for name, svg in plot_svg.charts(doc).items():
            path = os.path.join(args.svg_dir, name)
            with open(path, "w") as f:
                f.write(svg)
            base = os.path.dirname(os.path.abspath(args.out)) if args.out else os.getcwd()
            svgs[name] = os.path.relpath(os.path.abspath(path), base)
    text = compare_report.render(doc, svgs, rebuilt_from=args.from_json)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
