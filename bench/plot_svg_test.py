"""plot_svg_test.py: the SVG charts of testdata/compare_results.json are well-formed, scaled
and labelled; the tick helpers pick readable steps.

Run: python3 -m unittest bench/plot_svg_test.py   (or ctest -L bench)
"""
import json
import os
import re
import sys
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plot_svg  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"


def charts():
    with open(os.path.join(HERE, "testdata", "compare_results.json")) as f:
        return plot_svg.charts(json.load(f))


def texts(root):
    return [t.text for t in root.iter(NS + "text")]


def bar_height(root, tip):
    for r in root.iter(NS + "rect"):
        t = r.find(NS + "title")
        if t is not None and t.text.startswith(tip):
            return float(r.get("height"))
    raise AssertionError(f"no bar titled {tip!r}")


class Charts(unittest.TestCase):
    def setUp(self):
        self.svgs = {k: ET.fromstring(v) for k, v in charts().items()}

    def test_three_charts_with_size_and_white_background(self):
        self.assertEqual(sorted(self.svgs), ["connections.svg", "latency.svg", "throughput.svg"])
        for root in self.svgs.values():
            self.assertEqual(root.tag, NS + "svg")
            self.assertGreater(float(root.get("width")), 500)
            self.assertIsNotNone(root.get("viewBox"))
            self.assertEqual(root.find(NS + "rect").get("fill"), "#ffffff")

    def test_legend_names_every_broker(self):
        for root in self.svgs.values():
            for b in ("mqtt-refbroker", "mosquitto", "nanomq"):
                self.assertIn(b, texts(root))

    def test_bars_are_to_scale_and_a_failed_run_is_marked(self):
        root = self.svgs["throughput.svg"]
        ref = bar_height(root, "tp-pairs-q0 mqtt-refbroker")
        mosq = bar_height(root, "tp-pairs-q0 mosquitto")
        self.assertAlmostEqual(ref / mosq, 3.0, places=2)  # 300k ÷ 100k
        self.assertIn("n/a", texts(root))  # NanoMQ's fan-in run failed
        self.assertIn("300k", texts(root))
        self.assertIn("tp-fanin-q1", texts(root))

    def test_latency_panels_log_scale_ticks_and_percentile_legend(self):
        root = self.svgs["latency.svg"]
        t = texts(root)
        self.assertIn("QoS 1, 1→1", t)
        self.assertIn("QoS 1, 16 pairs", t)
        for pct in ("p50", "p99", "p99.9"):
            self.assertIn(pct, t)
        for tick in ("0.05", "0.1", "1", "5k", "20k"):
            self.assertIn(tick, t)
        # 2 panels × 3 brokers × 3 percentiles, one rate each: 18 markers with tooltips
        tips = [e.find(NS + "title").text for e in root.iter()
                if e.tag in (NS + "circle", NS + "polygon", NS + "rect") and e.find(NS + "title") is not None]
        self.assertEqual(len(tips), 18)
        self.assertIn("mqtt-refbroker p99 at 5,000 msg/s: 0.3 ms", tips)

    def test_no_chart_without_its_section(self):
        doc = {"brokers": ["mqtt-refbroker"], "context": [], "scenarios": []}
        self.assertEqual(plot_svg.charts(doc), {})


class Ticks(unittest.TestCase):
    def test_nice_ticks(self):
        self.assertEqual(plot_svg.nice_ticks(142567), [0, 50000, 100000, 150000])
        self.assertEqual(plot_svg.nice_ticks(9.4), [0, 2, 4, 6, 8, 10])

    def test_log_ticks_span_one_two_five(self):
        lo, hi, major, minor = plot_svg.log_ticks(0.04, 1.5)
        self.assertEqual((lo, hi), (0.02, 2))
        self.assertEqual([float(f"{v:g}") for v in major], [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2])
        self.assertEqual(minor, [])

    def test_log_ticks_many_decades_label_powers_of_ten(self):
        lo, hi, major, minor = plot_svg.log_ticks(0.01, 800)
        self.assertEqual([float(f"{v:g}") for v in major], [0.01, 0.1, 1, 10, 100, 1000])
        self.assertTrue(minor)

    def test_si(self):
        self.assertEqual([plot_svg.si(v) for v in (142567, 1.2e6, 0.05, 0)], ["143k", "1.2M", "0.05", "0"])

    def test_text_is_escaped(self):
        s = plot_svg.svg(100, 100, "a < b & c")
        self.assertTrue(re.search(r"a &lt; b &amp; c", s.render()))


if __name__ == "__main__":
    unittest.main()
