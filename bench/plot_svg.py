"""plot_svg.py: compare.py's results as SVG charts, written by hand (standard library only):
grouped bars (throughput, connection set-up) and log-scale line panels (latency against
offered rate). The SVGs are static (no script, no external fonts) with a white background,
so they read the same in a browser and on GitHub, light or dark theme.

charts(doc) -> {"throughput.svg": text, "latency.svg": text, "connections.svg": text}
for the charts the results document has data for.
"""
import math
from xml.sax.saxutils import escape

import compare_report
import compare_scenarios

COLORS = {"mqtt-refbroker": "#0072B2", "mosquitto": "#E69F00", "nanomq": "#009E73",
          "mqtt-refbroker-before": "#CC79A7"}
FALLBACK = ["#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
# percentile -> (stroke-dasharray, marker)
PERCENTILES = [("p50", "latency p50 ms", "", "circle"),
               ("p99", "latency p99 ms", "7,4", "square"),
               ("p99.9", "latency p99.9 ms", "2,3", "triangle")]


def color_of(name, i=0):
    return COLORS.get(name, FALLBACK[i % len(FALLBACK)])


# ---- scales and labels ------------------------------------------------------------------

def nice_ticks(vmax, n=5):
    """nice_ticks: 0 and steps of 1, 2, 2.5 or 5 × 10^k up to at least vmax, about n steps."""
    vmax = vmax if vmax and vmax > 0 else 1.0
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    count = math.ceil(vmax / step - 1e-9)
    return [i * step for i in range(count + 1)]


def log_ticks(lo, hi):
    """log_ticks: (domain low, domain high, labelled ticks, unlabelled ticks) for a log axis
    over [lo, hi]: the domain runs from the 1-2-5 step at or below lo to the one at or
    above hi; 1, 2 and 5 × 10^k are labelled when it spans at most 3 decades, else only
    the powers of ten."""
    steps = [m * 10.0 ** k for k in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 2)
             for m in (1, 2, 5)]
    d0 = max(v for v in steps if v <= lo * (1 + 1e-9))
    d1 = min(v for v in steps if v >= hi * (1 - 1e-9))
    if d1 <= d0:
        d1 = min(v for v in steps if v > d0)
    inside = [v for v in steps if d0 * (1 - 1e-9) <= v <= d1 * (1 + 1e-9)]
    if math.log10(d1 / d0) <= 3:
        return d0, d1, inside, []
    major = [v for v in inside if abs(math.log10(v) - round(math.log10(v))) < 1e-9]
    return d0, d1, major, [v for v in inside if v not in major]


def si(v):
    """si: 142567 -> '143k', 1.2e6 -> '1.2M', 0.05 -> '0.05'."""
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e3:
        return f"{v / 1e3:.3g}k"
    if a == 0:
        return "0"
    return f"{v:.3g}"


class svg:
    """svg collects elements of one drawing; text() and line() take user units (px)."""

    def __init__(self, width, height, title):
        self.w, self.h, self.parts = width, height, []
        self.parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
        self.text(width / 2, 24, title, size=16, anchor="middle", weight="bold")

    def text(self, x, y, s, size=12, anchor="start", weight="normal", color="#222222", rotate=None):
        tr = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'font-weight="{weight}" fill="{color}"{tr}>{escape(str(s))}</text>')

    def line(self, x1, y1, x2, y2, color="#222222", width=1, dash=""):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'stroke="{color}" stroke-width="{width}"{d}/>')

    def rect(self, x, y, w, h, color, tip=None):
        t = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{color}">{t}</rect>')

    def polyline(self, pts, color, dash="", width=2):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        p = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        self.parts.append(f'<polyline points="{p}" fill="none" stroke="{color}" stroke-width="{width}"{d}/>')

    def marker(self, x, y, kind, color, tip=None):
        t = f"<title>{escape(tip)}</title>" if tip else ""
        if kind == "circle":
            self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">{t}</circle>')
        elif kind == "square":
            self.parts.append(f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}">{t}</rect>')
        else:
            self.parts.append(f'<polygon points="{x:.1f},{y - 4.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f} '
                              f'{x + 4.5:.1f},{y + 3.5:.1f}" fill="{color}">{t}</polygon>')

    def render(self):
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}" font-family="{FONT}">\n'
                + "\n".join(self.parts) + "\n</svg>\n")


def legend(s, x, y, entries):
    """legend draws entries [(label, color, dash or None, marker or None)] in one row from
    (x, y) and returns the x where it ended."""
    for label, color, dash, mark in entries:
        if dash is None and mark is None:
            s.rect(x, y - 10, 12, 12, color)
        else:
            s.line(x, y - 4, x + 26, y - 4, color, 2, dash)
            if mark:
                s.marker(x + 13, y - 4, mark, color)
        x += 32 if dash is not None or mark else 17
        s.text(x, y, label, size=12)
        x += 7.2 * len(label) + 16
    return x


# ---- charts -------------------------------------------------------------------------------

def bar_chart(title, categories, series, y_label, note=""):
    """bar_chart: grouped bars, one group per category, one bar per series
    [(name, color, [value or None per category])]; a missing value is marked "n/a"."""
    n = max(1, len(series))
    left, right, top, bottom = 78, 24, 70, 104
    width = max(640, left + right + (n * 16 + 22) * len(categories))
    group = (width - left - right) / max(1, len(categories))
    bar = min(22, (group - 22) / n)
    gap = group - n * bar
    height = 440
    ph = height - top - bottom
    s = svg(width, height, title)
    legend(s, left, 50, [(name, color, None, None) for name, color, _ in series])
    vmax = max([v for _, _, vals in series for v in vals if v is not None] or [1])
    ticks = nice_ticks(vmax * 1.12)  # headroom for the value labels
    ytop = ticks[-1]
    y = lambda v: top + ph - ph * v / ytop
    for t in ticks:
        s.line(left, y(t), width - right, y(t), "#dddddd")
        s.text(left - 6, y(t) + 4, si(t), size=11, anchor="end")
    s.line(left, top, left, top + ph, "#444444")
    s.line(left, top + ph, width - right, top + ph, "#444444")
    s.text(18, top + ph / 2, y_label, size=12, anchor="middle", rotate=-90)
    for ci, cat in enumerate(categories):
        gx = left + gap / 2 + ci * group
        for si_, (name, color, vals) in enumerate(series):
            v = vals[ci]
            x = gx + si_ * bar
            if v is None:
                s.text(x + bar / 2 + 3, top + ph - 4, "n/a", size=9, anchor="start", color=color, rotate=-90)
                continue
            s.rect(x + 1, y(v), bar - 2, top + ph - y(v), color, f"{cat} {name}: {v:,.0f}")
            s.text(x + bar / 2 + 3, y(v) - 4, si(v), size=9, anchor="start", rotate=-90)
        cx = gx + n * bar / 2
        s.line(cx, top + ph, cx, top + ph + 4, "#444444")
        s.text(cx + 4, top + ph + 16, cat, size=11, anchor="end", rotate=-35)
    if note:
        s.text(left, height - 10, note, size=11, color="#555555")
    return s.render()


def line_panels(title, panels, x_label, y_label, legend_entries, note="", cols=2):
    """line_panels: small multiples sharing one log-log scale; panels are
    (title, [(color, dash, marker, [(x, y)], label)]); points with y None are left out."""
    pw, ph = 380, 250
    left, gapx, top, gapy, bottom = 74, 56, 84, 74, 64
    rows = math.ceil(len(panels) / cols)
    width = left + cols * pw + (cols - 1) * gapx + 24
    height = top + rows * ph + (rows - 1) * gapy + bottom
    s = svg(width, height, title)
    lx = legend(s, left, 50, legend_entries[0])
    if len(legend_entries) > 1:
        legend(s, lx + 10, 50, legend_entries[1])
    xs = [x for _, lines in panels for *_, pts, _ in lines for x, _ in pts]
    ys = [y for _, lines in panels for *_, pts, _ in lines for x, y in pts if y]
    if not ys:
        s.text(width / 2, height / 2, "no data", size=14, anchor="middle")
        return s.render()
    ylo, yhi, ymajor, yminor = log_ticks(min(ys) / 1.15, max(ys) * 1.15)
    xvals = sorted(set(xs))
    xlo, xhi = xvals[0] / 1.6, xvals[-1] * 1.6
    for pi, (ptitle, lines) in enumerate(panels):
        ox = left + (pi % cols) * (pw + gapx)
        oy = top + (pi // cols) * (ph + gapy)
        fx = lambda v: ox + pw * (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))
        fy = lambda v: oy + ph - ph * (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo))
        s.text(ox + pw / 2, oy - 10, ptitle, size=13, anchor="middle", weight="bold")
        for t in yminor:
            s.line(ox, fy(t), ox + pw, fy(t), "#f0f0f0")
        for t in ymajor:
            s.line(ox, fy(t), ox + pw, fy(t), "#dddddd")
            s.text(ox - 6, fy(t) + 4, f"{t:g}", size=11, anchor="end")
        for xv in xvals:
            s.line(fx(xv), oy, fx(xv), oy + ph, "#eeeeee")
            s.line(fx(xv), oy + ph, fx(xv), oy + ph + 4, "#444444")
            s.text(fx(xv), oy + ph + 17, si(xv), size=11, anchor="middle")
        s.line(ox, oy, ox, oy + ph, "#444444")
        s.line(ox, oy + ph, ox + pw, oy + ph, "#444444")
        s.text(ox + pw / 2, oy + ph + 36, x_label, size=12, anchor="middle")
        if pi % cols == 0:
            s.text(ox - 52, oy + ph / 2, y_label, size=12, anchor="middle", rotate=-90)
        if not any(y for *_, pts, _ in lines for _, y in pts):
            s.text(ox + pw / 2, oy + ph / 2, "no data (failed or not run)", size=12,
                   anchor="middle", color="#888888")
        for color, dash, mark, pts, label in lines:
            pts = [(x, y) for x, y in pts if y]
            if len(pts) > 1:
                s.polyline([(fx(x), fy(y)) for x, y in pts], color, dash)
            for x, y in pts:
                s.marker(fx(x), fy(y), mark, color, f"{label} at {x:,.0f} msg/s: {y:.3g} ms")
    if note:
        s.text(left, height - 10, note, size=11, color="#555555")
    return s.render()


# ---- from a results document ----------------------------------------------------------------

def _values(doc, med, ids, section, label):
    return [(b, color_of(b, i), [compare_report.metric(section, label, med[sid].get(b)) for sid in ids])
            for i, b in enumerate(doc["brokers"])]


def _note(doc):
    ctx = next((c for c in doc["context"] if c.startswith("machine: ")), "")
    return ctx.replace("machine: ", "")[:110] + ("; --quick" if doc.get("quick") else "")


def throughput_svg(doc, med):
    ids = [s["id"] for s in doc["scenarios"] if s["section"] == "throughput"]
    if not ids:
        return None
    return bar_chart("Throughput at max rate (64 B payloads)", ids,
                     _values(doc, med, ids, "throughput", "out msg/s"), "deliveries per second (msg/s out)",
                     _note(doc))


def connections_svg(doc, med):
    ids = [s["id"] for s in doc["scenarios"] if s["section"] == "conn"]
    if not ids:
        return None
    return bar_chart("Connection set-up (CONNECT → CONNACK, 100 at a time)", ids,
                     _values(doc, med, ids, "conn", "conn/s"), "connections per second", _note(doc))


def latency_svg(doc, med):
    scens = [s for s in doc["scenarios"] if s["section"] == "latency"]
    if not scens:
        return None
    groups = {}
    for s in scens:
        p = s["params"]
        groups.setdefault((p["qos"], p["topology"]), []).append(s)
    panels = []
    for (qos, topo), ss in sorted(groups.items()):
        ss = sorted(ss, key=lambda s: s["params"]["rate"])
        lines = []
        for i, b in enumerate(doc["brokers"]):
            for pct, label, dash, mark in PERCENTILES:
                pts = [(s["params"]["rate"], compare_report.metric("latency", label, med[s["id"]].get(b)))
                       for s in ss]
                lines.append((color_of(b, i), dash, mark, pts, f"{b} {pct}"))
        panels.append((f"QoS {qos}, {compare_scenarios.TOPOLOGIES[topo][0]}", lines))
    entries = [[(b, color_of(b, i), None, None) for i, b in enumerate(doc["brokers"])],
               [(pct, "#444444", dash, mark) for pct, _, dash, mark in PERCENTILES]]
    return line_panels("Latency against offered rate (publish → delivery, log scale)", panels,
                       "offered msg/s (all publishers)", "latency, ms", entries, _note(doc),
                       cols=2 if len(panels) > 1 else 1)


def charts(doc):
    med = compare_report.medians(doc)
    out = {"throughput.svg": throughput_svg(doc, med), "latency.svg": latency_svg(doc, med),
           "connections.svg": connections_svg(doc, med)}
    return {k: v for k, v in out.items() if v}
