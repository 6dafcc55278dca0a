"""compare_report_test.py: the issue-15 target judgement and the report, fed with the
synthetic results in testdata/compare_results.json (numbers chosen so each verdict is known).

Run: python3 -m unittest bench/compare_report_test.py   (or ctest -L bench)
"""
import copy
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_brokers  # noqa: E402
import compare_report  # noqa: E402


def load():
    with open(os.path.join(HERE, "testdata", "compare_results.json")) as f:
        return json.load(f)


def target(doc, starts):
    return next(t for t in compare_report.judge_targets(doc) if t["target"].startswith(starts))


class TargetJudgement(unittest.TestCase):
    def setUp(self):
        self.doc = load()

    def test_latency_p99_missed_by_how_much(self):
        t = target(self.doc, "Latency p99 ")
        self.assertEqual(t["verdict"], "missed")
        self.assertIn("met in 3 of 4", t["detail"])
        self.assertIn("lat-q1-1x1-5k vs Mosquitto 3.00× (over by 200 %)", t["detail"])

    def test_cpu_per_delivery_compares_with_mosquitto_only(self):
        t = target(self.doc, "Broker CPU per delivery")
        self.assertEqual(t["verdict"], "missed")
        self.assertIn("lat-q1-1x1-5k 2.11× (over by 111 %)", t["detail"])  # 94 µs ÷ 44.5 µs

    def test_connection_rate_needs_one_and_a_half(self):
        t = target(self.doc, "Connection set-up")
        self.assertEqual(t["verdict"], "missed")
        self.assertIn("conn-1k-cold 0.59×, needs 1.5× (short by 61 %)", t["detail"])
        self.assertIn("met in 1 of 2", t["detail"])

    def test_throughput_at_exactly_three_times_is_met(self):
        t = target(self.doc, "Throughput ≥ 3× Mosquitto")
        self.assertEqual(t["verdict"], "missed")  # fan-in is only 2×
        self.assertIn("tp-fanin-q1 2.00×, needs 3× (short by 33 %)", t["detail"])
        self.assertNotIn("tp-pairs-q0", t["detail"].split("missed:")[1])

    def test_a_failed_broker_run_is_not_measured_not_met(self):
        t = target(self.doc, "Throughput ≥ 2× NanoMQ")
        self.assertEqual(t["verdict"], "met where measured")
        self.assertIn("not measured: tp-fanin-q1 (NanoMQ run failed)", t["detail"])

    def test_a_tail_next_to_lost_messages_is_not_judged(self):
        # Closed loop: Mosquitto's 498 lost messages hold their --window slots, so its tail
        # was measured with fewer messages in flight. Not a miss, not a pass: not judged.
        t = target(self.doc, "Tail under saturation: max latency")
        self.assertIn("tp-fanin-q1 1.33×", t["detail"])  # 40 ms ÷ 30 ms: judged, missed
        runs = [s for s in self.doc["scenarios"] if s["id"] == "tp-fanin-q1"][0]["runs"]
        runs["mosquitto"][0]["totals"]["lost"] = 498
        t = target(self.doc, "Tail under saturation: max latency")
        self.assertNotIn("tp-fanin-q1 1.33×", t["detail"])
        self.assertIn("not judged: tp-fanin-q1 (Mosquitto lost 498)", t["detail"])
        self.assertIn("keeps its --window slot for the rest of the run", t["detail"])

    def test_memory_and_queue(self):
        self.assertEqual(target(self.doc, "10,000 idle")["verdict"], "met")
        self.assertIn("70.2 MiB", target(self.doc, "10,000 idle")["detail"])
        q = target(self.doc, "1 M queued")
        self.assertEqual(q["verdict"], "met")
        self.assertIn("315 B per held message", q["detail"])  # 300 MiB over 1,000,000

    def test_memory_over_100_mib_is_missed_by_the_excess(self):
        doc = copy.deepcopy(self.doc)
        mem = next(s for s in doc["scenarios"] if s["id"] == "mem-10k-idle")
        mem["runs"]["mqtt-refbroker"][0]["broker_rss_held_mb"] = 112.5
        t = target(doc, "10,000 idle")
        self.assertEqual(t["verdict"], "missed")
        self.assertIn("over by 12.5 MiB", t["detail"])

    def test_queue_limit_not_enforced_is_missed(self):
        doc = copy.deepcopy(self.doc)
        q = next(s for s in doc["scenarios"] if s["section"] == "queue")
        q["runs"]["mqtt-refbroker"][0]["per_session_max"] = 12000
        self.assertIn("limit not enforced: 2,000 over", target(doc, "1 M queued")["detail"])

    def test_nanomq_skipped_says_why(self):
        doc = copy.deepcopy(self.doc)
        doc["brokers"].remove("nanomq")
        doc["skipped"] = {"nanomq": "build.sh failed (exit 1): nanomq: configure failed"}
        t = target(doc, "Throughput ≥ 2× NanoMQ")
        self.assertEqual(t["verdict"], "not measured")
        self.assertIn("NanoMQ skipped: build.sh failed", t["detail"])
        self.assertIn("**NanoMQ skipped:** build.sh failed", compare_report.render(doc))

    def test_median_of_three_runs(self):
        tp = next(s for s in self.doc["scenarios"] if s["id"] == "tp-pairs-q0")
        r = compare_report.median_run("throughput", tp["runs"]["mqtt-refbroker"])
        self.assertEqual(r["out_msgs_per_s"], 300000)


class Report(unittest.TestCase):
    def test_report_embeds_plots_and_lists_failures(self):
        text = compare_report.render(load(), {"throughput.svg": "svg/throughput.svg"})
        self.assertIn("![Throughput at max rate, msg/s out per scenario and broker](svg/throughput.svg)", text)
        self.assertIn("- `tp-fanin-q1` nanomq FAILED: mqtt-bench exit 1: error: could not set up all subscribers",
                      text)
        self.assertIn("| `conn-1k-cold` | 10,574 · 17,913 · 5,000 | 0.59× | 2.11× |", text)
        self.assertIn("| `lat-q1-1x1-5k` | **1.20×** ✗ | 0.75× | **3.00×** ✗ |", text)


class HeldRss(unittest.TestCase):
    def test_highest_idle_sample_after_the_load(self):
        # (seconds, rss kB, cpu ticks): idle, busy connecting, idle hold, busy closing
        samples = [(0.0, 5000, 0), (0.1, 5000, 0), (0.2, 30000, 8), (0.3, 60000, 16),
                   (0.4, 70000, 16), (0.5, 70100, 17), (0.6, 90000, 25), (0.7, 20000, 25)]
        self.assertEqual(compare_brokers.held_rss_kb(samples), (70100, "idle samples"))
        # the hold window mqtt-bench gave (queue prints "queued:" when it begins) wins
        self.assertEqual(compare_brokers.held_rss_kb(samples, (0.35, 0.45)), (70000, "hold window"))
        self.assertEqual(compare_brokers.held_rss_kb(samples, (9, 10)), (70100, "idle samples"))

    def test_never_idle_after_load(self):
        self.assertEqual(compare_brokers.held_rss_kb([(0, 1, 0), (0.1, 2, 0), (0.2, 3, 9)]), (None, "none"))


if __name__ == "__main__":
    unittest.main()
