"""compare_brokers.py: the brokers compare.py measures, as processes: start one on an
ephemeral loopback port with the configuration a scenario asks for (mqtt-refbroker,
Mosquitto, NanoMQ), read what it uses from /proc (CPU ticks, threads, context switches,
RSS, sampled on a thread while a run goes on), stop it.
"""
import os
import re
import signal
import socket
import subprocess
import threading
import time

from compare_report import BASELINE

SAMPLE_S = 0.1  # RSS/CPU sampling period for the memory and queue sections


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


def log_tail(path, n=3):
    try:
        lines = [l.strip() for l in open(path, errors="replace").read().splitlines() if l.strip()]
    except OSError:
        return ""
    return " / ".join(lines[-n:])


class broker:
    """One broker process, started fresh for one scenario."""

    def __init__(self, name, tmp):
        self.name, self.tmp, self.proc, self.port, self.cmd = name, tmp, None, None, None
        self.log = os.path.join(tmp, f"{name}.log")

    def start(self, args, queue_limit=None):
        log = open(self.log, "wb")  # this run's output only, for log_tail
        if self.name.startswith("mqtt-refbroker"):
            port_file = os.path.join(self.tmp, "refbroker.port")
            if os.path.exists(port_file):
                os.unlink(port_file)
            binary = args.baseline_refbroker if self.name == BASELINE else args.refbroker
            self.cmd = [binary, "--listen", "tcp://127.0.0.1:0", "--port-file", port_file,
                        "--log-level", "warn"]
            if args.refbroker_threads:
                self.cmd += ["--threads", str(args.refbroker_threads)]
            if queue_limit:
                self.cmd += ["--max-queued", str(queue_limit)]
            self.proc = self._spawn(log)
            deadline = time.monotonic() + 10
            while not os.path.exists(port_file):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    self.stop()
                    raise RuntimeError("mqtt-refbroker did not write its port file: " + log_tail(self.log))
                time.sleep(0.02)
            self.port = int(open(port_file).read().split()[0])
        elif self.name == "mosquitto":
            self.port = free_port()
            conf = os.path.join(self.tmp, "mosquitto.conf")
            with open(conf, "w") as f:
                f.write(mosquitto_config(self.port, queue_limit))
            self.cmd = [args.mosquitto, "-c", conf]
            self.proc = self._spawn(log)
        else:  # nanomq
            self.port = free_port()
            conf = os.path.join(self.tmp, "nanomq.conf")
            with open(conf, "w") as f:
                f.write(nanomq_config(self.port, queue_limit))
            pid_file = os.path.join(self.tmp, "nanomq.pid")
            if os.path.exists(pid_file):
                os.unlink(pid_file)
            self.cmd = [args.nanomq, "start", "--conf", conf]
            # NanoMQ refuses to start while its pid file names a live process: one per instance.
            env = dict(os.environ, NANOMQ_PID_FILE=pid_file)
            self.proc = self._spawn(log, cwd=self.tmp, env=env)
        log.close()  # the broker holds its own descriptor
        try:
            wait_listening(self.port, self.proc)
        except RuntimeError as e:
            self.stop()
            tail = log_tail(self.log)
            raise RuntimeError(f"{e}: {tail}" if tail else str(e))

    def _spawn(self, log, **kw):
        """Popen of self.cmd; a missing or unusable binary fails the run, not the runner."""
        try:
            return subprocess.Popen(self.cmd, stdout=log, stderr=log, **kw)
        except OSError as e:
            log.close()
            raise RuntimeError(f"cannot start {self.cmd[0]}: {e.strerror}") from e

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


def mosquitto_config(port, queue_limit=None):
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false",
             "log_dest stderr", "log_type error", "log_type warning"]
    if queue_limit:
        lines.append(f"max_queued_messages {queue_limit}")
    return "\n".join(lines) + "\n"


def nanomq_config(port, queue_limit=None):
    # mqtt.max_mqueue_len is NanoMQ's per-connection resend queue; it is the nearest it has
    # to a per-session limit (see the report's notes for what it does to offline sessions).
    mqtt = f"mqtt {{\n    max_mqueue_len = {queue_limit}\n}}\n" if queue_limit else ""
    return (mqtt + f"listeners.tcp {{\n    bind = \"127.0.0.1:{port}\"\n}}\n"
            "log {\n    to = [console]\n    level = warn\n}\n")


class sampler:
    """sampler reads the broker's VmRSS and CPU ticks every SAMPLE_S seconds on a thread,
    from start() until stop(): [(seconds since t0, rss_kb, cpu_ticks), ...]."""

    def __init__(self, b, t0):
        self.b, self.t0, self.samples, self.done = b, t0, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            try:
                ticks, _ = self.b.cpu_ticks()
                self.samples.append((round(time.monotonic() - self.t0, 3), self.b.status_kb("VmRSS"), ticks))
            except (OSError, IndexError, ValueError):
                return
            if self.done.wait(SAMPLE_S):
                return

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.samples


def held_rss_kb(samples, window=None, idle_ticks=1):
    """held_rss_kb returns (highest RSS of the hold in kB or None, how it was found).
    With window (start, end seconds, the clock of the samples) it is the highest sample
    inside it. Without one, or with no sample inside, it is the highest sample taken while
    the broker sat idle (at most idle_ticks CPU ticks since the previous sample) after it
    first got busy: between connecting/publishing and closing/reconnecting."""
    if window:
        inside = [rss for t, rss, _ in samples if window[0] <= t <= window[1]]
        if inside:
            return max(inside), "hold window"
    busy_seen, best = False, None
    for (_, _, t0), (_, rss, t1) in zip(samples, samples[1:]):
        if t1 - t0 > idle_ticks + 1:
            busy_seen = True
        elif busy_seen and t1 - t0 <= idle_ticks:
            best = rss if best is None else max(best, rss)
    return best, ("idle samples" if best is not None else "none")
