"""bench_test.py: fuzz/bench.py keeps what a crashing target leaves behind (its input and
its log) instead of losing it with the temporary folder, and tables the crash.

Run: python3 -m unittest fuzz/bench_test.py   (or ctest -R fuzz.bench_test)
"""
import os
import pathlib
import re
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent

# A stand-in for a libFuzzer binary: writes a crash input where -artifact_prefix says,
# prints libFuzzer-style stats and exits 77 as libFuzzer does on a crash.
CRASHING = """#!/bin/sh
for a in "$@"; do case "$a" in -artifact_prefix=*) p="${a#-artifact_prefix=}";; esac; done
echo "stat::number_of_executed_units: 5" >&2
echo "==1== ERROR: libFuzzer: deadly signal" >&2
printf 'AB' > "${p}crash-0123"
exit 77
"""
CLEAN = """#!/bin/sh
echo "#5 DONE cov: 12 ft: 34 corp: 1/1b" >&2
echo "stat::average_exec_per_sec: 1000" >&2
echo "stat::peak_rss_mb: 999" >&2
exit 0
"""


class BenchKeepsCrashes(unittest.TestCase):
    def run_bench(self, scripts):
        with tempfile.TemporaryDirectory() as tmp:
            bins = pathlib.Path(tmp) / "bin"
            bins.mkdir()
            for name, text in scripts.items():
                f = bins / name
                f.write_text(text)
                f.chmod(f.stat().st_mode | stat.S_IXUSR)
            artifacts = pathlib.Path(tmp) / "kept"
            done = subprocess.run(
                [sys.executable, str(HERE / "bench.py"), "--bin", str(bins), "--seconds", "1",
                 "--artifacts", str(artifacts)],
                capture_output=True, text=True, timeout=60)
            kept = {p.relative_to(artifacts).as_posix(): p.read_bytes()
                    for p in artifacts.rglob("*") if p.is_file()} if artifacts.exists() else {}
            return done, kept

    def test_a_crash_keeps_its_input_and_log_and_fails_the_run(self):
        done, kept = self.run_bench({"boom_fuzzer": CRASHING, "calm_fuzzer": CLEAN})
        self.assertEqual(done.returncode, 1)
        self.assertEqual(kept.get("boom_fuzzer/crash-0123"), b"AB")
        self.assertIn(b"deadly signal", kept.get("boom_fuzzer/fuzzer.log", b""))
        self.assertNotIn("calm_fuzzer", {k.split("/")[0] for k in kept})
        self.assertIn("| `boom_fuzzer` |", done.stdout)
        self.assertIn("CRASH (exit 77)", done.stdout)
        self.assertIn("kept in", done.stdout)

    def test_a_clean_run_keeps_nothing(self):
        done, kept = self.run_bench({"calm_fuzzer": CLEAN})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(kept, {})
        self.assertIn("| `calm_fuzzer` | 1,000 | 12 | 34 |", done.stdout)
        found = re.search(r"calm_fuzzer: 1,000 exec/s, cov 12, ft 34, corpus 0, (\d+) MiB, clean",
                          done.stdout)
        self.assertIsNotNone(found, done.stdout)
        # The RSS is the target's own (VmHWM), not libFuzzer's getrusage figure (999
        # here), which inherits the parent's high-water mark across execve.
        self.assertLess(int(found.group(1)), 50)


if __name__ == "__main__":
    unittest.main()
