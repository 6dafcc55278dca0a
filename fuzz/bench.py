#!/usr/bin/env python3
"""bench.py: runs every libFuzzer target for a fixed time and tables its speed and coverage.

Each target starts from a fresh copy of its seed corpus (corpora/<target>/) with the
dictionary and -max_len its row in fuzz/targets.tsv gives it (as oss-fuzz/build.sh does), runs for --seconds with -print_final_stats=1, and reports exec/s
(libFuzzer's stat::average_exec_per_sec), the edge coverage it reached (the last `cov:`)
and its features (`ft:`). Targets run --jobs at a time; with 2 cores, 2 jobs keep each
fuzzer on a core of its own, more would understate exec/s.

  python3 fuzz/bench.py --bin build/fuzz/fuzz --seconds 300 --jobs 2 \
      --markdown fuzz/bench-results.md
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def targets_in(bin_dir, only):
    found = sorted(p for p in bin_dir.iterdir()
                   if p.name.endswith("_fuzzer") and os.access(p, os.X_OK) and p.is_file())
    if only:
        found = [p for p in found if any(o in p.name for o in only)]
    return found


def table_rows():
    """fuzz/targets.tsv as {name: (dict file, max_len)}: the same dictionary and -max_len
    that fuzz/CMakeLists.txt and oss-fuzz/build.sh give each target."""
    rows = {}
    for line in (ROOT / "fuzz" / "targets.tsv").read_text().splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) != 6:
            continue
        name, _source, _defines, _libraries, dictionary, max_len = cols
        rows[name] = (dictionary, max_len)
    return rows


def flags_of(target, rows):
    """-dict= and -max_len= for a target, from its row; none for a binary without one."""
    if target not in rows:
        return []
    dictionary, max_len = rows[target]
    flags = [f"-max_len={max_len}"]
    if dictionary != "-":
        flags.append(f"-dict={ROOT / 'fuzz' / dictionary}")
    return flags


def run_one(binary, seconds, rows, artifacts):
    name = binary.name
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as work:
        corpus = pathlib.Path(work) / "corpus"
        seeds = ROOT / "corpora" / name
        if seeds.is_dir():
            shutil.copytree(seeds, corpus)
        else:
            corpus.mkdir()
        command = [str(binary), f"-max_total_time={seconds}", "-print_final_stats=1",
                   f"-artifact_prefix={work}/"] + flags_of(name, rows) + [str(corpus)]
        started = time.monotonic()
        log_path = pathlib.Path(work) / "fuzzer.log"
        with open(log_path, "wb") as log_file:
            fuzzer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file)
            rss_mb = watch_peak_rss(fuzzer, seconds + 120)
        took = time.monotonic() - started
        log = log_path.read_text(errors="replace")
        stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", log, re.M))
        covs = re.findall(r"cov: (\d+) ft: (\d+)", log)
        crashed = fuzzer.returncode != 0
        kept = keep_evidence(pathlib.Path(work), name, artifacts) if crashed else None
        return {
            "target": name,
            "seconds": round(took),
            "runs": int(stats.get("number_of_executed_units", 0)),
            "exec_per_sec": int(stats.get("average_exec_per_sec", 0)),
            "cov": int(covs[-1][0]) if covs else 0,
            "ft": int(covs[-1][1]) if covs else 0,
            "corpus": len(list(corpus.iterdir())),
            "rss_mb": rss_mb,
            "result": "CRASH (exit %d)" % fuzzer.returncode if crashed else "clean",
            "kept": str(kept) if kept else None,
        }


def watch_peak_rss(process, timeout):
    """Waits for `process` and returns its peak RSS in MiB, from the VmHWM of
    /proc/PID/status sampled every half second (the last sample is at most that long
    before it exits). Not libFuzzer's stat::peak_rss_mb: that comes from getrusage, whose
    high-water mark Linux keeps across execve, so it reports this script's own RSS at the
    fork whenever that is larger (bench.py made every target of a run show 49 MiB)."""
    peak_kb = 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = pathlib.Path(f"/proc/{process.pid}/status").read_text()
            found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if found:
                peak_kb = max(peak_kb, int(found.group(1)))
        except OSError:
            pass  # not there yet, or already gone
        try:
            process.wait(timeout=0.5)
            return round(peak_kb / 1024)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise


def keep_evidence(work, name, artifacts):
    """Copies what libFuzzer left in `work` (crash-, oom-, timeout-, leak- inputs) and the
    run's log (fuzzer.log, written there) to artifacts/<target>/ before the temporary
    folder goes: a crash found while benchmarking is a finding, and its input is the only
    way to replay it."""
    into = artifacts / name
    into.mkdir(parents=True, exist_ok=True)
    for f in work.iterdir():
        if f.is_file():
            shutil.copy2(f, into / f.name)
    return into


def markdown(rows, seconds, jobs):
    lines = [f"| target | exec/s | edges (cov) | features (ft) | corpus | peak RSS MiB | "
             f"result |", "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| `{r['target']}` | {r['exec_per_sec']:,} | {r['cov']:,} | "
                     f"{r['ft']:,} | {r['corpus']:,} | {r['rss_mb']} | {r['result']} |")
    header = (f"{len(rows)} targets, {seconds} s each, {jobs} at a time, "
              f"on {os.cpu_count()} cores; from the seed corpora in corpora/.\n\n")
    return header + "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=pathlib.Path, default=ROOT / "build/fuzz/fuzz",
                        help="folder with the libFuzzer binaries (cmake --preset fuzz)")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[], help="substrings of target names")
    parser.add_argument("--markdown", type=pathlib.Path, help="write the table here")
    parser.add_argument("--artifacts", type=pathlib.Path, default=pathlib.Path("fuzz-bench-artifacts"),
                        help="where a crashing target's inputs and log are kept")
    args = parser.parse_args()
    if not args.bin.is_dir():
        sys.exit(f"bench.py: no folder {args.bin}; build the fuzz preset first "
                 "(cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_targets)")
    binaries = targets_in(args.bin, args.only)
    if not binaries:
        sys.exit(f"bench.py: no *_fuzzer binaries in {args.bin}")
    print(f"bench.py: {len(binaries)} targets, {args.seconds} s each, {args.jobs} at a time",
          flush=True)
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows_of = table_rows()
        futures = [pool.submit(run_one, b, args.seconds, rows_of, args.artifacts)
                   for b in binaries]
        for f in concurrent.futures.as_completed(futures):
            r = f.result()
            rows.append(r)
            kept = f" (input and log kept in {r['kept']})" if r["kept"] else ""
            print(f"[{len(rows)}/{len(binaries)}] {r['target']}: {r['exec_per_sec']:,} exec/s, "
                  f"cov {r['cov']:,}, ft {r['ft']:,}, corpus {r['corpus']:,}, "
                  f"{r['rss_mb']} MiB, {r['result']}{kept}", flush=True)
            rows.sort(key=lambda r: r["target"])
            table = markdown(rows, args.seconds, args.jobs)
            if args.markdown:  # after every row: a run stopped early keeps what it measured
                args.markdown.write_text(table)
    print(table)
    return 1 if any(r["result"] != "clean" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
