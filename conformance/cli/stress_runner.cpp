#include "conformance/cli/stress_runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "conformance/cli/fuzz_connection.hpp"
#include "conformance/cli/live_target.hpp"
#include "conformance/cli/process_stats.hpp"
#include "conformance/cli/reports.hpp"
#include "conformance/cli/stress_report.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/profile.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::cli {
namespace {

using clock_type = std::chrono::steady_clock;
using stress::outcome;

std::atomic<bool> interrupted{false};

int cannot_run(const std::string& why) {
  std::cerr << "mqttcert: stress: " << why << "\n";
  return 2;
}

// raise_fd_limit lifts the soft open-files limit to the hard one: the flood opens
// thousands of sockets, and a broker launched from here inherits the limit.
rlim_t raise_fd_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return 0;
  l.rlim_cur = l.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &l);
  ::getrlimit(RLIMIT_NOFILE, &l);
  return l.rlim_cur;
}

// select_scenarios resolves names, groups and "all", in the list's order.
std::optional<std::vector<const stress::scenario*>> select_scenarios(
    const std::vector<std::string>& names, std::string* error) {
  const auto& all = stress::all_scenarios();
  std::vector<const stress::scenario*> picked;
  for (const auto& n : names) {
    bool known = false;
    for (const auto& s : all) {
      if (n == "all" || n == s.name || n == s.group) {
        known = true;
        if (std::find(picked.begin(), picked.end(), &s) == picked.end()) picked.push_back(&s);
      }
    }
    if (!known) {
      *error = "no scenario or group named '" + n + "' (mqttcert stress --list shows them)";
      return std::nullopt;
    }
  }
  std::sort(picked.begin(), picked.end());  // all_scenarios() order: they live in one vector
  return picked;
}

// broker_watch probes the broker once a second and samples its process four times a
// second, on two threads, while a scenario runs.
class broker_watch {
 public:
  broker_watch(std::function<stress::probe_sample()> probe, std::optional<pid_t> pid)
      : probe_(std::move(probe)), pid_(pid) {}
  ~broker_watch() { stop(); }

  void start() {
    start_ = clock_type::now();
    running_ = true;
    prober_ = std::thread([this] {
      while (running_) {
        auto p = probe_();
        {
          std::lock_guard g(lock_);
          during_.add(p);
        }
        for (int i = 0; i < 10 && running_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    if (pid_) sampler_ = std::thread([this] {
      while (running_) {
        if (auto s = sample_process(*pid_, seconds())) {
          std::lock_guard g(lock_);
          samples_.push_back(*s);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    });
  }
  void stop() {
    running_ = false;
    if (prober_.joinable()) prober_.join();
    if (sampler_.joinable()) sampler_.join();
  }
  double seconds() const { return std::chrono::duration<double>(clock_type::now() - start_).count(); }
  probe_window during() {
    std::lock_guard g(lock_);
    return during_;
  }
  std::vector<process_sample> samples() {
    std::lock_guard g(lock_);
    return samples_;
  }
  std::optional<long> latest_rss() {
    std::lock_guard g(lock_);
    if (samples_.empty()) return std::nullopt;
    return samples_.back().rss_kib;
  }

 private:
  std::function<stress::probe_sample()> probe_;
  std::optional<pid_t> pid_;
  clock_type::time_point start_;
  std::atomic<bool> running_{false};
  std::thread prober_, sampler_;
  std::mutex lock_;
  probe_window during_;
  std::vector<process_sample> samples_;
};

// The run's target, which a scenario that kills a launched broker can have relaunched.
struct stress_target {
  explicit stress_target(const stress_options& options) : o(options) {}
  const stress_options& o;
  std::optional<live_target> live;
  std::atomic<std::uint64_t> probes{0};  // the watch thread and scenarios both probe
  std::string run_id;

  stress::probe_sample probe() {
    const auto n = std::to_string(probes++);
    const auto p = health_probe(live->address, run_id + "-probe" + n, run_id + "/probe/" + n,
                                std::chrono::milliseconds(o.probe_timeout_ms));
    return {p.ok, p.took, p.failure};
  }
  bool alive() {
    if (live->running && live->running->launched && !live->running->launched->running()) return false;
    if (live->pid && !sample_process(*live->pid, 0)) return false;
    return tcp_connect_check(live->address, std::chrono::milliseconds(2000)) == connect_outcome::connected;
  }
  std::optional<long> rss() {
    if (!live->pid) return std::nullopt;
    auto s = sample_process(*live->pid, 0);
    return s ? std::optional(s->rss_kib) : std::nullopt;
  }
};

std::unique_ptr<broker_process> launch_own(const std::string& kind, const stress::own_broker_request& r,
                                           std::string* error) {
  if (kind == "refbroker")
    return broker_process::start_refbroker(default_refbroker_path(), error, 1, r.refbroker_flags);
  if (kind == "mosquitto") return broker_process::start_mosquitto("/usr/sbin/mosquitto", error, r.mosquitto_config);
  if (kind == "nanomq") {
    const std::string binary = nanomq_binary(error);
    if (binary.empty()) return nullptr;
    return broker_process::start_nanomq(binary, error, r.nanomq_config);
  }
  *error = "the scenario needs a broker of its own, which mqttcert can only start with --launch";
  return nullptr;
}

stress::context make_context(stress_target& t, broker_watch& watch, const stress::scenario& s) {
  stress::context c;
  c.address = t.live->address;
  c.url = t.live->url;
  c.broker_kind = t.live->kind;
  c.pid = t.live->pid;
  c.quick = t.o.quick;
  c.duration_s = t.o.duration_s ? *t.o.duration_s : (t.o.quick ? 5.0 : 20.0);
  c.run_id = t.run_id + "-" + std::string(s.name);
  c.probe = [&t] { return t.probe(); };
  c.rss_kib = [&t, &watch]() -> std::optional<long> {
    if (auto r = watch.latest_rss()) return r;
    return t.rss();
  };
  const bool tty = ::isatty(STDOUT_FILENO);
  c.progress = [tty, name = std::string(s.name)](const std::string& line) {
    if (tty) std::cout << "\r\x1b[K  " << name << ": " << line.substr(0, 110) << std::flush;
  };
  c.stopping = [] { return interrupted.load(); };
  c.launch_own = [kind = t.live->kind](const stress::own_broker_request& r, std::string* error) {
    return launch_own(kind, r, error);
  };
  return c;
}

// recover probes after a scenario until three in a row answer, or 15 s pass.
probe_window recover(stress_target& t) {
  probe_window w;
  const auto until = clock_type::now() + std::chrono::seconds(15);
  int in_a_row = 0;
  while (in_a_row < 3 && clock_type::now() < until) {
    auto p = t.probe();
    w.add(p);
    in_a_row = p.ok ? in_a_row + 1 : 0;
    if (!p.ok) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  w.recovered = in_a_row >= 3;
  return w;
}

// judge folds what the runner saw into the scenario's own verdict.
void judge(scenario_run& r, const stress::scenario& s, bool alive) {
  auto& rep = r.report;
  if (rep.result == outcome::skipped) return;
  if (!alive) {
    rep.fail("the broker is gone or no longer accepts TCP connections after the scenario");
    return;
  }
  if (rep.on_own_broker) return;
  if (!r.after.recovered)
    rep.fail("the probe did not answer three times in a row within 15 s after the scenario (" +
             r.after.first_failure + ")");
  if (r.during.failures > 0)
    rep.degrade(std::to_string(r.during.failures) + " of " + std::to_string(r.during.count()) +
                " probes failed during the scenario (first: " + r.during.first_failure + ")");
  if (r.rss_before_kib && r.rss_after_kib &&
      *r.rss_after_kib - *r.rss_before_kib > s.memory_allowance_mib * 1024)
    rep.degrade("RSS stayed " + mib_text(*r.rss_after_kib - *r.rss_before_kib) +
                " above where it started (allowance " + std::to_string(s.memory_allowance_mib) + " MiB)");
}

// relaunch starts the launched broker again after a scenario ended it, so the next
// scenario is judged on its own.
bool relaunch(stress_target& t, std::string* note) {
  if (t.live->kind.empty()) return false;
  std::string error;
  *note = "";
  live_target_request req{"", t.live->kind, t.o.allow_remote, std::nullopt, "stress sends hostile traffic"};
  t.live.reset();
  t.live = open_live_target(req, &error);
  *note = t.live ? "relaunched " + t.live->text : "could not relaunch the broker: " + error;
  return t.live.has_value();
}

scenario_run run_one(stress_target& t, const stress::scenario& s) {
  scenario_run r;
  r.name = std::string(s.name);
  r.group = std::string(s.group);
  r.summary = std::string(s.summary);
  const auto started = clock_type::now();
  for (int i = 0; i < 3; ++i) r.before.add(t.probe());
  r.rss_before_kib = t.rss();
  broker_watch watch([&t] { return t.probe(); }, t.live->pid);
  auto ctx = make_context(t, watch, s);
  watch.start();
  try {
    r.report = s.run(ctx);
  } catch (const std::exception& e) {
    r.report.fail(std::string("mqttcert's scenario threw (a bug in mqttcert): ") + e.what());
  }
  watch.stop();
  r.during = watch.during();
  r.samples = watch.samples();
  const bool alive = t.alive();
  if (alive) r.after = recover(t);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let freed memory settle
  r.rss_after_kib = t.rss();
  judge(r, s, alive);
  r.seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return r;
}

}  // namespace

int run_stress(const stress_options& o, const std::string& command_line) {
  const auto& all = stress::all_scenarios();
  if (o.list) {
    for (const auto& s : all) std::cout << s.group << "\t" << s.name << "\t" << s.summary << "\n";
    return 0;
  }
  std::string error;
  auto picked = select_scenarios(o.scenarios, &error);
  if (!picked) return cannot_run(error);
  std::optional<broker_profile> profile;
  if (!o.profile_path.empty() && !(profile = load_profile(o.profile_path, &error))) return cannot_run(error);
  const rlim_t fds = raise_fd_limit();
  stress_target t{o};
  t.live = open_live_target({o.broker_url, o.launch, o.allow_remote, o.broker_pid,
                             "stress sends hostile traffic"},
                            &error);
  if (!t.live) return cannot_run(error);
  t.run_id = "mqttcert-stress-" + std::to_string(::getpid());
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::cout << "mqttcert stress: " << t.live->text << ", " << picked->size() << " scenarios"
            << (o.quick ? " (quick)" : "") << ", open-files limit " << fds
            << (t.live->pid ? ", watching pid " + std::to_string(*t.live->pid) : "") << "\n" << std::flush;
  const std::string started_at = iso_time_now();
  std::vector<scenario_run> runs;
  std::string dead_after;  // the scenario after which the broker was gone for good
  for (std::size_t i = 0; i < picked->size() && !interrupted; ++i) {
    const auto& s = *(*picked)[i];
    std::cout << "[" << i + 1 << "/" << picked->size() << "] " << s.name << ": " << s.summary << "\n" << std::flush;
    scenario_run r;
    if (dead_after.empty()) {
      r = run_one(t, s);
    } else {
      r.name = std::string(s.name);
      r.group = std::string(s.group);
      r.summary = std::string(s.summary);
      r.report.skip("the broker has not been running since " + dead_after);
    }
    r.reproduce = reproduce_command(o, s.name);
    if (profile && (r.report.result == outcome::degraded || r.report.result == outcome::failed))
      if (auto* k = profile->find_stress_outcome(s.name, stress::outcome_name(r.report.result), r.report.evidence))
        r.known = k->reason;
    print_run(std::cout, r, ::isatty(STDOUT_FILENO));
    std::string note;
    if (dead_after.empty() && !t.alive()) {
      if (relaunch(t, &note)) std::cout << "  " << note << "\n";
      else dead_after = std::string(s.name) + (note.empty() ? "" : " (" + note + ")");
    }
    runs.push_back(std::move(r));
  }
  return finish_report(o, runs, run_info{t.live ? t.live->text : o.broker_url, "stress", command_line, started_at});
}

}  // namespace mqtt::cert::cli
