#!/usr/bin/env python3
"""suite_power.py measures the suite's power: it starts mqtt-refbroker-faulty once per
seeded fault (reference-broker/core/fault_injection.hpp), runs the conformance suite and the
session/QoS property against it, and records which tests fail. A fault is killed when at
least one test fails; every statement expected_failures.tsv lists for it must be among the
failures. Writes a JSON record and the Markdown kill matrix (docs/suite-power.md).

Exit status: 0 when every fault is killed as expected (or documented as equivalent) and the
score reaches --target; 1 otherwise; 2 when it cannot run.

Usage: suite_power.py --faulty BIN --mqttcert BIN --profile JSON --out DIR
                      [--markdown FILE] [--jobs N] [--faults A,B] [--property-cases N]
                      [--no-property] [--target 0.95]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HEADER = ROOT / "reference-broker/core/fault_injection.hpp"
EXPECTED = HERE / "expected_failures.tsv"
PROPERTY_EXPECTED = ROOT / "property/faults/expected_rules.tsv"
# The fault-free run every fault is measured against: mqtt-refbroker, built beside
# mqtt-refbroker-faulty from the same sources without the fault hooks.
BASELINE = "baseline"


def read_faults():
    """(name, chapter comment, what it does) for each fault, in catalogue order."""
    faults, chapter = [], "3 Control packets"
    for line in HEADER.read_text(encoding="utf-8").splitlines():
        m = re.match(r'\s*// (\d[\d.]* .*)$', line)
        if m:
            chapter = re.sub(r"\s*\(.*\)$", "", m.group(1))
        m = re.match(r'\s*"([a-z0-9-]+)",\s*// (.*)$', line)
        if m:
            faults.append((m.group(1), chapter, m.group(2).strip()))
    return faults


def read_tsv(path, key_cols):
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if cols[0] == "fault":
            continue
        rows[cols[0]] = cols[1:key_cols + 1] + ["\t".join(cols[key_cols + 1:])]
    return rows


def scram_flags(args, fault, workdir):
    """--password-file and --allow-anonymous for the profile's SCRAM-SHA-256 user, as the
    suite expects of a broker whose profile names one (empty when it names none)."""
    auth = json.loads(pathlib.Path(args.profile).read_text()).get("authentication", {})
    if auth.get("method") != "SCRAM-SHA-256":
        return []
    passwords = workdir / f"{fault}.passwords"
    passwords.unlink(missing_ok=True)
    subprocess.run([args.passwd, "--scram", str(passwords), auth["username"], auth["password"]],
                   check=True, stdout=subprocess.DEVNULL)
    return ["--password-file", str(passwords), "--allow-anonymous", "true"]


def broker_binary(faulty, fault):
    """mqtt-refbroker-faulty for a fault; for the baseline mqtt-refbroker beside it."""
    return faulty if fault != BASELINE else os.path.join(os.path.dirname(faulty), "mqtt-refbroker")


def start_broker(faulty, fault, time_scale, workdir, extra=()):
    port_file = workdir / f"{fault}.port"
    port_file.unlink(missing_ok=True)  # the broker writes it once bound
    log = open(workdir / f"{fault}.broker.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [broker_binary(faulty, fault)] + (["--fault", fault] if fault != BASELINE else []) +
        ["--time-scale", str(time_scale), "--listen",
         "tcp://127.0.0.1:0", "--port-file", str(port_file), "--log-level", "warn"] + list(extra),
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while time.time() < deadline:
        if port_file.exists() and port_file.read_text().strip():
            return proc, int(port_file.read_text().split()[0])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop_broker(proc)
    return None, None


def stop_broker(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_against_fault(args, fault, time_scale, command, json_path, workdir, env):
    """Runs mqttcert `command` against a fresh faulty broker; returns the JSON results."""
    proc, port = start_broker(args.faulty, fault, time_scale, workdir,
                              scram_flags(args, fault, workdir))
    if not proc:
        return None, "the faulty broker did not start"
    try:
        return run_mqttcert(args, command + ["--broker", f"tcp://127.0.0.1:{port}"], json_path,
                            env)
    finally:
        stop_broker(proc)


def run_mqttcert(args, command, json_path, env):
    """Runs mqttcert `command` writing JSON to `json_path` (its output beside it, .log);
    returns (results, None), or (None, why) when it could not run."""
    cmd = [args.mqttcert] + command + ["--json", str(json_path)]
    try:
        with open(json_path.with_suffix(".log"), "w", encoding="utf-8") as log:
            status = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    timeout=900).returncode
    except subprocess.TimeoutExpired:
        return None, "mqttcert ran past 900 s"
    if status not in (0, 1) or not json_path.exists():
        return None, f"mqttcert exited {status} (see {json_path.with_suffix('.log')})"
    return json.loads(json_path.read_text(encoding="utf-8"))["results"], None


def measure(args, fault, time_scale, property_row):
    workdir = pathlib.Path(args.out)
    env = dict(os.environ, MQTTCERT_TIME_SCALE=str(time_scale))
    started = time.time()
    record = {"fault": fault, "conformance": [], "property": [], "invariants": [], "errors": []}
    results, error = run_against_fault(
        args, fault, time_scale,
        ["run", "--profile", args.profile, "--protocol", "all", "-j", "2"],
        workdir / f"{fault}.conformance.json", workdir, env)
    if error:
        record["errors"].append("conformance: " + error)
    for r in results or []:
        if r["verdict"] == "failed":
            record["conformance"].append({"statement": r["statement"], "test": r["test"]})
    if args.property:
        # The protocol the fault's row in expected_rules.tsv names, else both and across.
        protocol = property_row[0] if property_row and property_row[0] != "-" else "all"
        results, error = run_against_fault(
            args, fault, 1,
            ["property", "--protocol", protocol, "--cases", str(args.property_cases),
             "--seed", "1", "--save", str(workdir / f"{fault}.counterexample.json")],
            workdir / f"{fault}.property.json", workdir, dict(os.environ))
        if error:
            record["errors"].append("property: " + error)
        for r in results or []:
            if r["verdict"] == "failed":
                rules = sorted(set(re.findall(r"^VIOLATED (\S+)", r.get("report", ""), re.M)))
                record["property"].append({"test": r["test"], "rules": rules})
    if args.invariants:
        # The invariant binaries launch their own brokers (the auth-webhook one with a
        # webhook), through MQTTCERT_REFBROKER: a wrapper that adds the fault.
        wrapper = workdir / f"{fault}.refbroker.sh"
        wrapper.write_text(f'#!/bin/sh\nexec "{os.path.abspath(broker_binary(args.faulty, fault))}"'
                           + ("" if fault == BASELINE else f" --fault {fault}") + ' "$@"\n')
        wrapper.chmod(0o755)
        results, error = run_mqttcert(
            args, ["interop", "--launch", "refbroker", "-j", "2"],
            workdir / f"{fault}.invariants.json", dict(os.environ, MQTTCERT_REFBROKER=str(wrapper)))
        if error:
            record["errors"].append("invariants: " + error)
        for r in results or []:
            if r["verdict"] == "failed":
                record["invariants"].append({"invariant": r["invariant"], "test": r["test"]})
    record["seconds"] = round(time.time() - started, 1)
    return record


def verdict(record, must_fail):
    failed = {c["statement"] for c in record["conformance"]}
    missing = [k for k in must_fail if k not in failed]
    killed = bool(record["conformance"] or record["property"] or record["invariants"])
    return killed, missing


def short_list(items, n=4):
    items = list(items)
    return ", ".join(items[:n]) + (f" (+{len(items) - n})" if len(items) > n else "")


def markdown(records, faults, expected, equivalent, score, args):
    lines = [
        "# Suite power: seeded faults and the tests that kill them",
        "",
        "Generated by `conformance/faults/suite_power.py` (CTest `suite-power.matrix`, label",
        "`suite-power`); do not edit by hand. Each row starts `mqtt-refbroker-faulty --fault NAME`",
        "and runs the whole conformance suite (`mqttcert run --protocol all`) and the session/QoS",
        f"property (`mqttcert property --cases {args.property_cases} --seed 1`, the protocol of the",
        "fault's row in `property/faults/expected_rules.tsv`, else all)",
        "and the interop invariants (`mqttcert interop --launch refbroker`: ordering, backlog, auth",
        "webhook, each launching the faulty broker itself) against it. A fault is **killed** when at least one test fails on it; the statements",
        "`conformance/faults/expected_failures.tsv` lists for it must be among the failures",
        "(the short check `ctest -L conformance -R conformance.fault` runs only those).",
        "",
        f"**Score: {score['killed']} of {score['total']} faults killed "
        f"({100.0 * score['killed'] / score['total']:.1f}%)**"
        + (f", {score['equivalent']} documented as equivalent" if score["equivalent"] else "")
        + f". Conformance tests run per fault: {score['tests_per_run']}.",
        "",
        "| fault | chapter | what it breaks | conformance failures | statements failed | property | invariants | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    by_name = {r["fault"]: r for r in records}
    for name, chapter, what in faults:
        r = by_name.get(name)
        if r is None:
            continue
        must = expected.get(name, [""])[0]
        must_fail = [k.strip() for k in must.split(",") if k.strip() and k.strip() != "-"]
        killed, missing = verdict(r, must_fail)
        statements = sorted({c["statement"] for c in r["conformance"]})
        prop = short_list(sorted({rule for p in r["property"] for rule in p["rules"]})) or (
            "-" if not r["property"] else "failed")
        inv = short_list(sorted({i["invariant"] for i in r["invariants"]})) or "-"
        if r["errors"]:
            v = "could not run: " + "; ".join(r["errors"])
        elif name in equivalent:
            v = "equivalent: " + equivalent[name]
        elif not killed:
            v = "**survived**"
        elif missing:
            v = "killed, but not by " + ", ".join(missing)
        else:
            v = "killed"
        lines.append(f"| `{name}` | {chapter} | {what} | {len(r['conformance'])} | "
                     f"{short_list(statements) or '-'} | {prop} | {inv} | {v} |")
    lines += ["", "Per fault, the failing tests are in the JSON record beside the report "
              "(`suite-power.json`), with each run's full results.", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faulty", required=True)
    ap.add_argument("--mqttcert", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--markdown")
    ap.add_argument("--passwd", help="mqtt-passwd (default: auth/mqtt-passwd beside --faulty)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--faults", help="comma-separated subset (default: every fault)")
    ap.add_argument("--update", action="store_true",
                    help="with --faults: replace those faults' records in OUT/suite-power.json "
                         "and write the matrix of all of them")
    ap.add_argument("--property-cases", type=int, default=30)
    ap.add_argument("--no-property", dest="property", action="store_false")
    ap.add_argument("--no-invariants", dest="invariants", action="store_false")
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument("--report-only", action="store_true",
                    help="measure nothing: write the matrix again from OUT/suite-power.json "
                         "(after editing expected_failures.tsv)")
    ap.add_argument("--baseline-only", action="store_true",
                    help="only check that nothing fails without a fault (the same runs, by URL)")
    args = ap.parse_args()
    if not args.passwd:
        args.passwd = os.path.join(os.path.dirname(args.faulty), "auth", "mqtt-passwd")
    for path in (args.faulty, args.mqttcert, args.profile, args.passwd):
        if not os.path.exists(path):
            print(f"suite_power: {path}: no such file", file=sys.stderr)
            return 2
    os.makedirs(args.out, exist_ok=True)

    faults = read_faults()
    names = [f[0] for f in faults]
    if args.faults:
        wanted = [f.strip() for f in args.faults.split(",") if f.strip()]
        unknown = [f for f in wanted if f not in names]
        if unknown:
            print(f"suite_power: unknown fault(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        faults = [f for f in faults if f[0] in wanted]
    expected = read_tsv(EXPECTED, 1)
    no_row = [f[0] for f in faults if f[0] not in expected]
    for name in no_row:
        expected[name] = ["", "no row in expected_failures.tsv"]
    # "equivalent: why" in the why column marks a fault no test can tell from correct behaviour.
    equivalent = {k: v[1][len("equivalent: "):] for k, v in expected.items()
                  if v[1].startswith("equivalent: ")}
    property_rows = read_tsv(PROPERTY_EXPECTED, 2)
    time_scale = json.loads(pathlib.Path(args.profile).read_text()).get("time_scale", 1)

    if args.report_only:
        args.update, faults = True, []
    # Without a fault nothing may fail, or a fault's failures would prove nothing.
    base = measure(args, BASELINE, time_scale, None) if not args.report_only else {
        "conformance": [], "property": [], "invariants": [], "errors": [], "seconds": 0}
    base_failures = [f"conformance {c['test']} ({c['statement']})" for c in base["conformance"]]
    base_failures += [f"property {p['test']} ({', '.join(p['rules'])})" for p in base["property"]]
    base_failures += [f"invariant {i['test']}" for i in base["invariants"]]
    print(f"baseline (no fault): {len(base_failures)} failures ({base['seconds']} s)"
          + (f" ERROR {'; '.join(base['errors'])}" if base["errors"] else ""), flush=True)
    if base_failures or base["errors"]:
        for f in base_failures:
            print("  " + f)
        print("suite power: the fault-free broker fails: those are the suite's false failures, "
              "fix them first")
        return 1
    if args.baseline_only:
        return 0

    records = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(measure, args, f[0], time_scale, property_rows.get(f[0])): f[0]
                   for f in faults}
        for done, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            r = fut.result()
            records.append(r)
            print(f"[{done}/{len(faults)}] {r['fault']}: {len(r['conformance'])} conformance "
                  f"failures, {len(r['property'])} property failures, {len(r['invariants'])} "
                  f"invariant failures ({r['seconds']} s)"
                  + (f" ERROR {'; '.join(r['errors'])}" if r["errors"] else ""), flush=True)

    if args.update:
        previous = pathlib.Path(args.out) / "suite-power.json"
        if not previous.exists():
            print(f"suite_power: --update: no {previous} to update", file=sys.stderr)
            return 2
        measured = {r["fault"] for r in records}
        records += [r for r in json.loads(previous.read_text())["faults"]
                    if r["fault"] not in measured and r["fault"] in names]
        faults = read_faults()
        for name in [f[0] for f in faults if f[0] not in expected]:
            expected[name] = ["", "no row in expected_failures.tsv"]
    order = {n: i for i, n in enumerate(names)}
    records.sort(key=lambda r: order[r["fault"]])
    problems = [f"{n}: no row in {EXPECTED.name}" for n in no_row]
    killed_count = 0
    for r in records:
        must = [k.strip() for k in expected[r["fault"]][0].split(",")
                if k.strip() and k.strip() != "-"]
        killed, missing = verdict(r, must)
        if r["errors"]:
            problems.append(f"{r['fault']}: could not run: {'; '.join(r['errors'])}")
        elif killed:
            killed_count += 1
            if missing:
                problems.append(f"{r['fault']}: killed, but expected failures missing: "
                                f"{', '.join(missing)}")
        elif r["fault"] not in equivalent:
            problems.append(f"{r['fault']}: survived: no test failed")
    tests_per_run = 0
    reference = pathlib.Path(args.out) / f"{BASELINE}.conformance.json"
    if reference and reference.exists():
        tests_per_run = len(json.loads(reference.read_text())["results"])
    score = {"total": len(records), "killed": killed_count, "equivalent": len(
        [r for r in records if r["fault"] in equivalent]), "tests_per_run": tests_per_run}
    with open(pathlib.Path(args.out) / "suite-power.json", "w", encoding="utf-8") as f:
        json.dump({"score": score, "faults": records}, f, indent=1)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(
            markdown(records, faults, expected, equivalent, score, args), encoding="utf-8")
    ratio = killed_count / max(1, len(records))
    print(f"suite power: {killed_count} of {len(records)} faults killed ({100 * ratio:.1f}%)")
    for p in problems:
        print("  " + p)
    if ratio < args.target:
        print(f"suite power: below the target of {100 * args.target:.0f}%")
    return 1 if problems or ratio < args.target else 0


if __name__ == "__main__":
    sys.exit(main())
