"""compare_report.py: the Markdown report of a compare.py run, from its raw results
document: the issue-15 targets judged from the numbers (met or missed, by how much), one
summary table per section, and per scenario a detail table with ratios and the commands.

Pure functions of the results document; nothing here runs a broker.
"""
import compare_scenarios

BASELINE = "mqtt-refbroker-before"
REF = "mqtt-refbroker"
SHORT = {REF: "ref", "mosquitto": "mosq", "nanomq": "nmq", BASELINE: "before"}
PRETTY = {"mosquitto": "Mosquitto", "nanomq": "NanoMQ", BASELINE: BASELINE, REF: REF}


# ---- reading one run ----------------------------------------------------------------------

def _errors(r):
    e = r.get("errors", 0)
    return sum(e.values()) if isinstance(e, dict) else int(e)


def _lat_ms(k):
    return lambda r: r["latency"][k] / 1000


def _per_delivery(r):
    return 1e6 * r["broker_cpu_s"] / max(1, r["delivered_total"])


def _held_mb(r):
    held = r.get("broker_rss_held_mb")
    return held if held is not None else r["broker_rss_sampled_peak_mb"]


def _kib_per_conn(r):
    return (_held_mb(r) - r["broker_rss_before_mb"]) * 1024 / max(1, r["connected"])


def _bytes_per_held(r):
    if not r["delivered"]:
        raise KeyError("nothing delivered")
    return (_held_mb(r) - r["broker_rss_before_mb"]) * 1048576 / r["delivered"]


def _kept(r):
    lo, hi = r["per_session_min"], r["per_session_max"]
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


_LOSSES = ("lost / dup / out-of-order",
           lambda r: "%d / %d / %d" % (r["totals"]["lost"], r["totals"]["duplicates"],
                                       r["totals"]["out_of_order"]), None)
# _ANOMALIES is for the summary tables only (the detail tables show the three counts).
_ANOMALIES = ("lost + dup + out-of-order",
              lambda r: r["totals"]["lost"] + r["totals"]["duplicates"] + r["totals"]["out_of_order"], "lo")
_COMMON = [
    ("broker CPU s", lambda r: r["broker_cpu_s"], "lo"),
    ("broker peak RSS MiB (VmHWM)", lambda r: r["broker_peak_rss_mb"], "lo"),
    ("broker threads", lambda r: r["broker_threads"], None),
    ("mqtt-bench CPU s", lambda r: r["bench_cpu_s"], None),
    ("other load CPU s", lambda r: r["other_cpu_s"], None),
]
_LATENCY = [
    ("latency p50 ms", _lat_ms("p50_us"), "lo"), ("latency p99 ms", _lat_ms("p99_us"), "lo"),
    ("latency p99.9 ms", _lat_ms("p99_9_us"), "lo"), ("latency max ms", _lat_ms("max_us"), "lo"),
]

# section -> [(label, extractor, better)]; better is "hi", "lo" or None (no ratio).
METRICS = {
    "latency": [("out msg/s", lambda r: r["out_msgs_per_s"], "hi")] + _LATENCY + [
        ("broker CPU µs per delivery", _per_delivery, "lo"),
        ("broker context switches per delivery",
         lambda r: r["broker_context_switches"] / max(1, r["delivered_total"]), "lo"),
        _LOSSES, ("errors", _errors, "lo")] + _COMMON,
    "throughput": [("in msg/s", lambda r: r["in_msgs_per_s"], "hi"),
                   ("out msg/s", lambda r: r["out_msgs_per_s"], "hi")] + _LATENCY + [
        ("broker CPU µs per delivery", _per_delivery, "lo"),
        ("broker context switches per delivery",
         lambda r: r["broker_context_switches"] / max(1, r["delivered_total"]), "lo"),
        _LOSSES, ("errors", _errors, "lo")] + _COMMON,
    "conn": [("conn/s", lambda r: r["conn_per_s"], "hi"),
             ("connected", lambda r: r["connected"], "hi"),
             ("CONNACK p50 ms", _lat_ms("p50_us"), "lo"), ("CONNACK p99 ms", _lat_ms("p99_us"), "lo"),
             ("CONNACK max ms", _lat_ms("max_us"), "lo"),
             ("warm-up run conn/s", lambda r: r["warmup"][0]["conn_per_s"], None),
             ("errors", _errors, "lo")] + _COMMON,
    "memory": [("connected", lambda r: r["connected"], "hi"),
               ("conn/s", lambda r: r["conn_per_s"], "hi"),
               ("RSS before MiB", lambda r: r["broker_rss_before_mb"], "lo"),
               ("RSS while held MiB", _held_mb, "lo"),
               ("(held − before) per connection KiB", _kib_per_conn, "lo"),
               ("RSS sampled peak MiB", lambda r: r["broker_rss_sampled_peak_mb"], "lo"),
               ("errors", _errors, "lo")] + _COMMON,
    "queue": [("published", lambda r: r["published"], None),
              ("publish msg/s", lambda r: r["publish_rate"], "hi"),
              ("delivered after reconnect", lambda r: r["delivered"], None),
              ("kept per session (min–max)", _kept, None),
              ("sessions present", lambda r: r["sessions_present"], None),
              ("duplicates", lambda r: r["duplicates"], "lo"),
              ("out of order", lambda r: r["out_of_order"], "lo"),
              ("errors", _errors, "lo"),
              ("RSS before MiB", lambda r: r["broker_rss_before_mb"], "lo"),
              ("RSS peak during hold MiB", _held_mb, "lo"),
              ("RSS per held message B", _bytes_per_held, "lo")] + _COMMON,
}

# section -> (label of the metric the median run is chosen by, True if higher is better)
MEDIAN_BY = {"latency": ("latency p99 ms", False), "throughput": ("out msg/s", True),
             "conn": ("conn/s", True), "memory": ("RSS while held MiB", False),
             "queue": ("publish msg/s", True)}


def metric(section, label, r):
    """metric is one row's value for run r (None when the run failed or lacks it)."""
    if r is None or "failed" in r:
        return None
    get = next(g for l, g, _ in METRICS[section] + [_ANOMALIES] if l == label)
    try:
        return get(r)
    except (KeyError, TypeError, IndexError, ZeroDivisionError):
        return None


def brief(r):
    """brief keeps the headline numbers of a warm-up run."""
    out = {k: r[k] for k in ("mode", "conn_per_s", "connected", "out_msgs_per_s") if k in r}
    out["errors"] = _errors(r)
    return out


def median_run(section, runs):
    """median_run is the median run by the section's key metric (failed runs set aside;
    the first failure when every run failed)."""
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return runs[0] if runs else None
    label, _ = MEDIAN_BY[section]
    ok.sort(key=lambda r: metric(section, label, r) or 0)
    return ok[(len(ok) - 1) // 2]


def medians(doc):
    """medians: {scenario id: {broker: median run}} plus the scenario dicts by id."""
    return {s["id"]: {b: median_run(s["section"], s["runs"].get(b, [])) for b in doc["brokers"]}
            for s in doc["scenarios"]}


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return a / b
    return None


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, int) or abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}×"


# ---- targets ---------------------------------------------------------------------------------

def _over(r):
    return f"over by {100 * (r - 1):.0f} %"


def _judge(name, items, need, lo_is_better, fail_note, missing_label="not measured"):
    """_judge turns (where, ratio or None, why missing) items into a target line.
    need: the bound on the ratio (≤ need when lo_is_better, else ≥ need)."""
    got = [(w, r) for w, r, _ in items if r is not None]
    missing = [(w, why) for w, r, why in items if r is None]
    ok = [(w, r) for w, r in got if (r <= need if lo_is_better else r >= need)]
    bad = [(w, r) for w, r in got if (r > need if lo_is_better else r < need)]
    if not items:
        return {"target": name, "verdict": "not measured", "detail": fail_note}
    if not got:
        return {"target": name, "verdict": "not measured",
                "detail": "; ".join(f"{w}: {why}" for w, why in missing[:4])}
    verdict = "missed" if bad else ("met" if not missing else "met where measured")
    lo, hi = min(r for _, r in got), max(r for _, r in got)
    if len(got) == 1:
        parts = [] if bad else [f"{got[0][0]} {fmt_ratio(got[0][1])}"]
    else:
        span = fmt_ratio(lo) if f"{lo:.2f}" == f"{hi:.2f}" else f"{fmt_ratio(lo)}–{fmt_ratio(hi)}"
        parts = [f"met in {len(ok)} of {len(got)}, ratios {span}"]
    if bad:
        bad.sort(key=lambda x: -x[1] if lo_is_better else x[1])
        if lo_is_better:
            shown = [f"{w} {fmt_ratio(r)} ({_over(r)})" for w, r in bad[:5]]
        else:
            shown = [f"{w} {fmt_ratio(r)}, needs {need:g}× (short by {100 * (need - r) / need:.0f} %)"
                     for w, r in bad[:5]]
        parts.append("missed: " + ", ".join(shown) + (f" and {len(bad) - 5} more" if len(bad) > 5 else ""))
    if missing:
        # one entry per scenario: "lat-q1-p16-20k vs NanoMQ" and "... vs Mosquitto" share a cause
        why = {}
        for w, y in missing:
            why.setdefault(w.split(" vs ")[0], y)
        parts.append(f"{missing_label}: " + ", ".join(f"{w} ({y})" for w, y in why.items()))
    return {"target": name, "verdict": verdict, "detail": "; ".join(parts)}


def _why_missing(doc, res, b):
    if b not in doc["brokers"]:
        return f"{PRETTY.get(b, b)} skipped: {doc.get('skipped', {}).get(b, 'not in this run')}"
    r = res.get(b)
    if r is None:
        return f"{PRETTY.get(b, b)} not run"
    if "failed" in r:
        return f"{PRETTY.get(b, b)} run failed"
    return "no value"


def _ratio_items(doc, med, ids, section, label, others):
    items = []
    for sid in ids:
        res = med[sid]
        a = metric(section, label, res.get(REF))
        for o in others:
            b = metric(section, label, res.get(o))
            r = ratio(a, b)
            why = None
            if r is None:
                why = _why_missing(doc, res, REF) if a is None else _why_missing(doc, res, o)
            items.append((f"{sid} vs {PRETTY[o]}" if len(others) > 1 else sid, r, why))
    return items


def _tail_items(doc, med, ids, label):
    """_tail_items: the refbroker's tail ÷ Mosquitto's per throughput scenario, except where
    either lost messages. Max rate is a closed loop: a lost message keeps its slot in
    mqtt-bench's --window for the rest of the run, so that broker ran with fewer messages
    in flight, and a shorter queue, than the other; its tail is not comparable. Returns the
    items and whether any was set aside for losses."""
    items = _ratio_items(doc, med, ids, "throughput", label, ["mosquitto"])
    out, set_aside = [], False
    for (where, r, why), sid in zip(items, ids):
        lost = [(b, (med[sid].get(b) or {}).get("totals", {}).get("lost", 0)) for b in (REF, "mosquitto")]
        lost = [(b, n) for b, n in lost if n > 0]
        if r is not None and lost:
            r, why = None, " and ".join(f"{PRETTY[b]} lost {n:,}" for b, n in lost)
            set_aside = True
        out.append((where, r, why))
    return out, set_aside


def judge_targets(doc):
    """judge_targets returns one {target, verdict, detail} per issue-15 target, computed
    from the median runs: verdict is met, missed, met where measured or not measured."""
    med = medians(doc)
    by_section = {}
    for s in doc["scenarios"]:
        by_section.setdefault(s["section"], []).append(s)
    ids = lambda sec, pred=lambda s: True: [s["id"] for s in by_section.get(sec, []) if pred(s)]
    both = ["mosquitto", "nanomq"]
    out = []
    lat = ids("latency")
    for label, pct in (("latency p50 ms", "p50"), ("latency p99 ms", "p99"), ("latency p99.9 ms", "p99.9")):
        out.append(_judge(f"Latency {pct} at fixed rates ≤ Mosquitto's and ≤ NanoMQ's (refbroker ÷ other ≤ 1)",
                          _ratio_items(doc, med, lat, "latency", label, both), 1.0, True,
                          "no latency scenario in this run"))
    out.append(_judge("Broker CPU per delivery at fixed rates ≤ Mosquitto's",
                      _ratio_items(doc, med, lat, "latency", "broker CPU µs per delivery", ["mosquitto"]),
                      1.0, True, "no latency scenario in this run"))
    tp = ids("throughput")
    for label, what in (("latency p99.9 ms", "p99.9"), ("latency max ms", "max latency")):
        items, set_aside = _tail_items(doc, med, tp, label)
        t = _judge(f"Tail under saturation: {what} ≤ Mosquitto's in every throughput scenario",
                   items, 1.0, True, "no throughput scenario in this run", missing_label="not judged")
        if set_aside:
            t["detail"] += (" — a lost message keeps its --window slot for the rest of the run, "
                            "so that broker carried fewer messages in flight: not comparable")
        out.append(t)
    out.append(_judge("Connection set-up (1,000 and 10,000 connects, cold and warm) ≥ 1.5× Mosquitto's rate",
                      _ratio_items(doc, med, ids("conn"), "conn", "conn/s", ["mosquitto"]), 1.5, False,
                      "no connection scenario in this run"))
    out.append(_memory_target(doc, med, ids("memory")))
    out.append(_queue_target(doc, med, by_section.get("queue", [])))
    guard = ids("throughput", lambda s: s["params"]["topology"] in ("p16", "fanin") and s["params"]["qos"] in (0, 1))
    out.append(_judge("Throughput ≥ 3× Mosquitto's on pairs and fan-in at QoS 0 and 1 (out msg/s)",
                      _ratio_items(doc, med, guard, "throughput", "out msg/s", ["mosquitto"]), 3.0, False,
                      "no pairs or fan-in scenario at QoS 0/1 in this run"))
    out.append(_judge("Throughput ≥ 2× NanoMQ's on pairs and fan-in at QoS 0 and 1 (out msg/s)",
                      _ratio_items(doc, med, guard, "throughput", "out msg/s", ["nanomq"]), 2.0, False,
                      "no pairs or fan-in scenario at QoS 0/1 in this run"))
    if BASELINE in doc["brokers"] and tp:
        out.append(_judge(f"Throughput does not regress against {BASELINE} (≥ 0.95×, out msg/s)",
                          _ratio_items(doc, med, tp, "throughput", "out msg/s", [BASELINE]), 0.95, False, ""))
    return out


def _memory_target(doc, med, ids):
    name = "10,000 idle connections under 100 MiB RSS"
    if not ids:
        return {"target": name, "verdict": "not measured", "detail": "no memory scenario in this run"}
    details, verdict = [], "met"
    for sid in ids:
        r = med[sid].get(REF)
        held = metric("memory", "RSS while held MiB", r)
        if held is None:
            if r and "exited with" in r.get("failed", ""):
                return {"target": name, "verdict": "missed", "detail": f"{sid}: {r['failed']}"}
            return {"target": name, "verdict": "not measured", "detail": f"{sid}: {_why_missing(doc, med[sid], REF)}"}
        per = metric("memory", "(held − before) per connection KiB", r)
        conns = r.get("connected", 0)
        others = ", ".join(f"{PRETTY[o]} {fmt(metric('memory', 'RSS while held MiB', med[sid].get(o)))} MiB"
                           for o in ("mosquitto", "nanomq") if o in doc["brokers"])
        d = f"{sid}: {held:.1f} MiB with {conns:,} connected, {fmt(per)} KiB per connection ({others})"
        if conns < 10000:
            verdict, d = "missed", d + f"; only {conns:,} of 10,000 connected"
        elif held >= 100:
            verdict, d = "missed", d + f"; over by {held - 100:.1f} MiB"
        details.append(d)
    return {"target": name, "verdict": verdict, "detail": "; ".join(details)}


def _queue_target(doc, med, scens):
    name = ("1 M queued QoS 1 messages for offline sessions held within the configured limit "
            "(not OOM), RSS per queued message reported")
    if not scens:
        return {"target": name, "verdict": "not measured", "detail": "no queue scenario in this run"}
    s = scens[0]
    r = med[s["id"]].get(REF)
    if r is None or "failed" in r:
        why = r["failed"] if r else "not run"
        # A broker that died (out of memory, say) missed it; a load generator that could
        # not run measured nothing.
        died = r is not None and "exited with" in why
        return {"target": name, "verdict": "missed" if died else "not measured",
                "detail": f"{s['id']}: {why}"}
    limit, p = s["params"]["limit"], s["params"]
    offered = p["sessions"] * p["messages"]
    held = r.get("delivered", 0)
    per = metric("queue", "RSS per held message B", r)
    d = (f"{s['id']}: {p['sessions']} sessions × {p['messages']:,} offered, "
         f"kept {_kept(r)} per session (limit {limit:,}), {held:,} delivered after the hold, "
         f"RSS {fmt(metric('queue', 'RSS peak during hold MiB', r))} MiB, {fmt(per)} B per held message")
    verdict = "met"
    if r["per_session_max"] > limit:
        verdict, d = "missed", d + f"; limit not enforced: {r['per_session_max'] - limit:,} over"
    if _errors(r) or not r.get("broker_alive", True):
        verdict, d = "missed", d + f"; {_errors(r)} errors"
    if held < 1_000_000 and verdict == "met":
        verdict = "met at a smaller size"
        d += f" (held {held:,}, not the 1 M of the target{': --quick' if doc.get('quick') else ''})"
    return {"target": name, "verdict": verdict, "detail": d}


# ---- tables ----------------------------------------------------------------------------------

def detail_table(section, res, brokers):
    refs = [b for b in ("mosquitto", "nanomq", BASELINE) if b in brokers]
    head = ["metric"] + brokers + [f"ref/{SHORT[b]}" for b in refs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, _, better in METRICS[section]:
        vals = {b: metric(section, label, res.get(b)) for b in brokers}
        arrow = {"hi": " ↑", "lo": " ↓"}.get(better, "")
        row = [label + arrow] + [fmt(vals[b]) for b in brokers]
        row += [fmt_ratio(ratio(vals.get(REF), vals[o])) if better else "-" for o in refs]
        lines.append("| " + " | ".join(row) + " |")
    return lines


# section -> summary columns: (label, show ratios)
SUMMARY = {
    # the ratios are in the targets section's latency table
    "latency": [("out msg/s", False), ("latency p50 ms", False), ("latency p99 ms", False),
                ("latency p99.9 ms", False), ("latency max ms", False), ("broker CPU µs per delivery", False)],
    "throughput": [("out msg/s", True), ("latency p99.9 ms", False), ("latency max ms", False),
                   ("lost + dup + out-of-order", False)],
    "conn": [("conn/s", True), ("CONNACK p99 ms", False), ("errors", False)],
    "memory": [("RSS while held MiB", True), ("(held − before) per connection KiB", True), ("connected", False)],
    "queue": [("kept per session (min–max)", False), ("RSS peak during hold MiB", False),
              ("RSS per held message B", True), ("publish msg/s", True)],
}


def summary_table(section, scens, med, brokers):
    """summary_table: one row per scenario; each cell lists the brokers' values in the
    header's order, ratio cells are refbroker ÷ Mosquitto (and ÷ NanoMQ)."""
    order = " · ".join(SHORT[b] for b in brokers)
    refs = [b for b in ("mosquitto", "nanomq") if b in brokers]
    head = ["id"]
    for label, ratios in SUMMARY[section]:
        head.append(f"{label} ({order})")
        if ratios:
            head += [f"ref/{SHORT[o]}" for o in refs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scens:
        res = med[s["id"]]
        row = [f"`{s['id']}`"]
        for label, ratios in SUMMARY[section]:
            vals = {b: metric(section, label, res.get(b)) for b in brokers}
            row.append(" · ".join("FAILED" if res.get(b) and "failed" in res[b] else fmt(vals[b])
                                  for b in brokers))
            if ratios:
                row += [fmt_ratio(ratio(vals[REF], vals[o])) for o in refs]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def latency_target_table(doc, med):
    """latency_target_table: per latency scenario, refbroker ÷ Mosquitto and ÷ NanoMQ of
    p50, p99, p99.9 (and CPU per delivery ÷ Mosquitto); a ratio over 1 is marked ✗."""
    scens = [s for s in doc["scenarios"] if s["section"] == "latency"]
    cols = [(l, o) for l in ("latency p50 ms", "latency p99 ms", "latency p99.9 ms")
            for o in ("mosquitto", "nanomq") if o in doc["brokers"]]
    cols.append(("broker CPU µs per delivery", "mosquitto"))
    head = ["id"] + [f"{l.replace('latency ', '').replace(' ms', '').replace('broker ', '')} ÷ {SHORT[o]}"
                     for l, o in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scens:
        res = med[s["id"]]
        row = [f"`{s['id']}`"]
        for l, o in cols:
            r = ratio(metric("latency", l, res.get(REF)), metric("latency", l, res.get(o)))
            row.append("-" if r is None else (f"**{fmt_ratio(r)}** ✗" if r > 1 else fmt_ratio(r)))
        lines.append("| " + " | ".join(row) + " |")
    return lines


VERDICT_MARK = {"met": "✅ met", "missed": "❌ missed", "met where measured": "✅ met where measured",
                "met at a smaller size": "✅ met at a smaller size", "not measured": "⚪ not measured"}


def render(doc, svgs=None, rebuilt_from=None):
    """render returns the whole Markdown report of a results document; svgs maps chart
    file names to the relative paths the report embeds."""
    brokers = doc["brokers"]
    med = medians(doc)
    runner = next((c.split(": ", 1)[1] for c in doc["context"] if c.startswith("runner: ")), "?")
    out = ["# mqtt-refbroker against Mosquitto and NanoMQ (issue 15 targets)", "",
           f"Made by `{runner}`" + (f", rebuilt from `{rebuilt_from}`" if rebuilt_from else "")
           + (f", {doc['elapsed_s']:.0f} s" if doc.get("elapsed_s") else "") + "."
           + (" A `--quick` run: a few scenarios, short." if doc.get("quick") else ""), ""]
    for b, why in doc.get("skipped", {}).items():
        out += [f"**{PRETTY.get(b, b)} skipped:** {why}", ""]
    out += ["## Targets", "",
            "Judged from the median runs below; a ratio is mqtt-refbroker ÷ the other broker, same run.", ""]
    for t in judge_targets(doc):
        out.append(f"- {VERDICT_MARK[t['verdict']]} — {t['target']}: {t['detail']}")
    out.append("")
    if any(s["section"] == "latency" for s in doc["scenarios"]):
        out += ["Latency ratios per scenario (refbroker ÷ other; ✗: over 1, the target missed):", ""]
        out += latency_target_table(doc, med) + [""]
    if svgs:
        out += ["## Plots", ""]
        for name, alt in (("throughput.svg", "Throughput at max rate, msg/s out per scenario and broker"),
                          ("latency.svg", "Latency percentiles against offered rate, per broker"),
                          ("connections.svg", "Connection set-up rate per broker")):
            if name in svgs:
                out += [f"![{alt}]({svgs[name]})", ""]
    out += ["## Machine and builds", ""] + [f"- {c}" for c in doc["context"]] + [""]
    out += [f"- {n}" for n in doc.get("notes", [])] + [""]
    out += ["Ratios are mqtt-refbroker ÷ the other broker, same run. ↑: higher is better "
            "(ratio > 1 means the refbroker wins); ↓: lower is better (ratio < 1 wins). "
            "\"other load\" is CPU used by processes other than the broker and mqtt-bench "
            "during the scenario (background noise). Cells with several values list the brokers "
            f"in the order {' · '.join(f'{SHORT[b]} = {b}' for b in brokers)}.", ""]
    for key, heading, blurb in compare_scenarios.SECTIONS:
        scens = [s for s in doc["scenarios"] if s["section"] == key]
        if not scens:
            continue
        out += [f"## {heading}", "", blurb, ""]
        if key == "queue" and "nanomq" in brokers:
            out += [NANOMQ_QUEUE_NOTE, ""]
        out += summary_table(key, scens, med, brokers) + [""]
        for s in scens:
            for b in brokers:
                r = med[s["id"]].get(b)
                if r and "failed" in r:
                    out.append(f"- `{s['id']}` {b} FAILED: {r['failed']}")
                rate, got = s["params"].get("rate"), metric(key, "out msg/s", r) if key == "latency" else None
                if rate and got is not None and got < 0.95 * rate:
                    out.append(f"- `{s['id']}` {b} delivered {got:,.0f} of the {rate:,} msg/s offered: "
                               "saturated, so its latency there is mostly queueing")
        out.append("")
        for s in scens:
            res = med[s["id"]]
            out += ["<details>", f"<summary><code>{s['id']}</code>: {s['title']}</summary>", ""]
            out += detail_table(key, res, brokers) + ["", "Commands (median run):", ""]
            for b in brokers:
                r = res.get(b) or {}
                out.append(f"- {b}: `{r.get('broker_cmd', '-')}`")
                for w in r.get("warmup", []):
                    out.append(f"  warm-up: `{w['bench_cmd']}`")
                out.append(f"  bench: `{r.get('bench_cmd', '-')}`")
            out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


NANOMQ_QUEUE_NOTE = (
    "NanoMQ 0.25 as build.sh builds it (without SQLite) has no per-session limit for offline "
    "sessions: `mqtt.max_mqueue_len` (set to the same 10,000) sizes the resend queue of a "
    "connected client. It resumes the session (Session Present 1) but delivers none of the "
    "QoS 1/2 messages published while the session was offline, so it keeps 0 per session "
    "here; conformance/profiles/nanomq.json records the same for the conformance suite.")
