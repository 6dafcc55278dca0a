#include "conformance/cli/fuzz_runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "codec/hex.hpp"
#include "conformance/cli/broker_launch.hpp"
#include "conformance/cli/fuzz_connection.hpp"
#include "conformance/cli/fuzz_reproducer.hpp"
#include "conformance/cli/live_target.hpp"
#include "conformance/cli/process_stats.hpp"
#include "conformance/cli/reports.hpp"
#include "netfuzz/oracle.hpp"
#include "netfuzz/sequence_builder.hpp"

#ifndef MQTTCERT_SOURCE_DIR
#define MQTTCERT_SOURCE_DIR "."
#endif

namespace mqtt::cert::cli {
namespace {

using clock_type = std::chrono::steady_clock;

int cannot_run(const std::string& why) {
  std::cerr << "mqttcert: fuzz: " << why << "\n";
  return 2;
}

std::string default_corpus_dir() {
  namespace fs = std::filesystem;
  for (const auto& candidate : {std::string(MQTTCERT_SOURCE_DIR) + "/corpora", std::string("corpora")})
    if (fs::is_directory(candidate)) return candidate;
  return "corpora";
}

// note_key groups notes by what happened, without the packet's place in its sequence.
std::string note_key(const std::string& what) {
  auto k = what;
  if (k.rfind("packet ", 0) == 0) {
    if (auto at = k.find("): "); at != std::string::npos) k = k.substr(k.find('(') + 1);
  }
  std::string out;
  bool hex = false;  // inside a 0x... number: its letters are digits too
  for (std::size_t i = 0; i < k.size(); ++i) {
    const auto c = static_cast<unsigned char>(k[i]);
    if (c == 'x' && i > 0 && k[i - 1] == '0') hex = true;
    else if (!std::isxdigit(c)) hex = false;
    out += std::isdigit(c) || (hex && std::isxdigit(c)) ? '#' : k[i];
  }
  return out.size() > 160 ? out.substr(0, 160) : out;
}

// The run's shared state: workers write, the main thread watches and reports.
struct fuzz_state {
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> working{0};  // workers still running
  std::atomic<std::uint64_t> failures{0}, notes{0}, connect_retries{0};
  std::mutex lock;  // guards everything below
  std::deque<netfuzz::sequence> recent;  // the last `keep` sequences started
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> note_kinds;  // key -> (count, example)
  std::map<std::string, std::string> failure_files;  // key -> reproducer path
  std::vector<std::string> failure_lines;
  std::string fatal_kind, fatal_what;  // crash or hang, and what showed it
  std::vector<netfuzz::sequence> fatal_sequences;
  std::array<std::uint64_t, 4> verdicts{};
};

struct run_context {
  explicit run_context(const fuzz_options& options) : o(options) {}
  const fuzz_options& o;
  sockaddr_in address{};
  std::string broker_text;
  std::uint64_t seed = 0;
  std::string command_line;
  netfuzz::builder_settings settings;
  netfuzz::seed_material material;
  exchange_timing timing;
  std::optional<pid_t> pid;
};

std::string reproducer_path(const run_context& c, const std::string& kind, std::uint64_t number) {
  return (std::filesystem::path(c.o.save_dir) /
          ("mqttcert-fuzz-" + kind + "-" + std::to_string(c.seed) + "-" + std::to_string(number) + ".json"))
      .string();
}

bool process_gone(const run_context& c) { return c.pid && !sample_process(*c.pid, 0); }

// declare_fatal records the first crash or hang, with the sequences sent just before.
void declare_fatal(fuzz_state& st, const std::string& kind, const std::string& what) {
  std::lock_guard g(st.lock);
  if (!st.fatal_kind.empty()) return;
  st.fatal_kind = kind;
  st.fatal_what = what;
  st.fatal_sequences.assign(st.recent.begin(), st.recent.end());
  std::sort(st.fatal_sequences.begin(), st.fatal_sequences.end(),
            [](const auto& a, const auto& b) { return a.number < b.number; });
  st.stop = true;
}

// connect_failed decides what a failed connect means: the broker is gone (crash), it
// does not answer (hang), or it was a passing refusal under load (retry).
void connect_failed(const run_context& c, fuzz_state& st, const exchange_result& r) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (process_gone(c)) {
      declare_fatal(st, "crash", "process " + std::to_string(*c.pid) + " is gone");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
    if (tcp_connect_check(c.address, c.timing.connect) == connect_outcome::connected) {
      st.connect_retries++;
      return;
    }
  }
  if (r.connect == connect_outcome::refused)
    declare_fatal(st, "crash", "the broker refuses connections (" + r.connect_error + ")");
  else
    declare_fatal(st, "hang", "TCP connects to the broker fail: " + r.connect_error);
}

void worker(const run_context& c, fuzz_state& st, int job) {
  const std::string client_id = "nf" + std::to_string(c.seed % 100000) + "w" + std::to_string(job);
  while (!st.stop) {
    const std::uint64_t n = st.next++;
    if (c.o.max_sequences && n >= *c.o.max_sequences) break;
    auto s = netfuzz::build_sequence(c.seed, n, client_id, c.settings, c.material);
    {
      std::lock_guard g(st.lock);
      st.recent.push_back(s);
      while (st.recent.size() > static_cast<std::size_t>(c.o.keep)) st.recent.pop_front();
    }
    const auto r = run_exchange(s, c.address, c.timing);
    if (r.connect != connect_outcome::connected) {
      connect_failed(c, st, r);
      continue;
    }
    const auto j = netfuzz::judge(s.stream(), s.version, r.observed);
    st.done++;
    std::lock_guard g(st.lock);
    st.verdicts[static_cast<int>(j.outcome)]++;
    if (j.outcome == netfuzz::verdict::note) {
      st.notes++;
      auto key = note_key(j.what);
      auto it = st.note_kinds.find(key);
      if (it != st.note_kinds.end()) it->second.first++;
      else if (st.note_kinds.size() < 200) st.note_kinds[key] = {1, n};
    } else if (j.outcome == netfuzz::verdict::wrong_answer || j.outcome == netfuzz::verdict::not_closed) {
      st.failures++;
      const auto key = std::string(netfuzz::verdict_name(j.outcome)) + ": " + note_key(j.what);
      if (st.failure_files.count(key) || st.failure_files.size() >= 20) continue;
      fuzz_reproducer rep{std::string(netfuzz::verdict_name(j.outcome)), j.what, j.statement,
                          c.broker_text, c.seed, c.command_line, {s}};
      const auto path = reproducer_path(c, rep.kind, n);
      const bool saved = save_reproducer(path, rep);
      st.failure_files[key] = saved ? path : "(could not save " + path + ")";
      st.failure_lines.push_back("FAILED " + rep.kind + " [" + j.statement + "] sequence " +
                                 std::to_string(n) + " (" + s.recipe + "): " + j.what +
                                 "\n  sent     " + codec::to_hex(s.stream(), " ").substr(0, 600) +
                                 "\n  received " + codec::to_hex(r.received, " ").substr(0, 300) +
                                 "\n  saved to " + st.failure_files[key]);
    }
  }
}

// replay runs a saved reproducer once, in order, and says whether what it was saved
// for happens again: for a crash or hang, the broker gone or its health probe failing;
// for a wrong answer or an unclosed connection, the same verdict on a sequence.
int replay(const run_context& c, const fuzz_reproducer& rep) {
  std::cout << "mqttcert fuzz: replaying " << c.o.replay_path << " (" << rep.sequences.size()
            << " sequences, " << rep.kind << ": " << rep.what << ") against " << c.broker_text << "\n";
  const bool liveness = rep.kind == "crash" || rep.kind == "hang";
  bool same_verdict = false, broker_down = false;
  for (const auto& s : rep.sequences) {
    const auto r = run_exchange(s, c.address, c.timing);
    if (r.connect != connect_outcome::connected) {
      std::cout << "  sequence " << s.number << ": cannot connect (" << r.connect_error << ")\n";
      broker_down = true;
      break;
    }
    const auto j = netfuzz::judge(s.stream(), s.version, r.observed);
    std::cout << "  sequence " << s.number << ": " << netfuzz::verdict_name(j.outcome)
              << (j.what.empty() ? "" : ": " + j.what) << "\n";
    if (j.outcome == netfuzz::verdict::wrong_answer || j.outcome == netfuzz::verdict::not_closed) {
      std::cout << "    received " << codec::to_hex(r.received, " ").substr(0, 300) << "\n";
      same_verdict = same_verdict || netfuzz::verdict_name(j.outcome) == rep.kind;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (!broker_down && process_gone(c)) {
    std::cout << "  the broker process " << *c.pid << " is gone\n";
    broker_down = true;
  } else if (!broker_down && tcp_connect_check(c.address, c.timing.connect) != connect_outcome::connected) {
    std::cout << "  the broker no longer accepts connections\n";
    broker_down = true;
  } else if (!broker_down) {
    const auto p = health_probe(c.address, "nfprobe-replay", "nfprobe/replay",
                                std::chrono::milliseconds(c.o.probe_timeout_ms));
    std::cout << "  health probe: " << (p.ok ? "ok (" + std::to_string(p.took.count()) + " ms)" : p.failure) << "\n";
    broker_down = !p.ok;
  }
  const bool reproduced = liveness ? broker_down : same_verdict || broker_down;
  std::cout << (reproduced ? "reproduced" : "did not reproduce") << " (" << rep.kind << ")\n";
  return reproduced ? 1 : 0;
}

std::string progress_line(const fuzz_state& st, double seconds, const std::optional<process_sample>& ps,
                          double cpu_percent) {
  std::ostringstream o;
  o.precision(0);
  o << std::fixed << st.done.load() << " sequences in " << seconds << " s ("
    << (seconds > 0 ? static_cast<double>(st.done.load()) / seconds : 0) << "/s), "
    << st.failures.load() << " failures, " << st.notes.load() << " notes";
  if (ps) o << ", broker RSS " << mib_text(ps->rss_kib) << ", CPU " << cpu_percent << "%";
  return o.str();
}

// connect_target checks the flags, launches or resolves the broker and fills `c`; 0 when
// the run can start, else the exit code (2, with the one-line reason printed).
int connect_target(const fuzz_options& o, run_context& c, std::optional<live_target>& target) {
  if (o.jobs < 1) return cannot_run("--jobs must be at least 1");
  if (!o.save_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.save_dir, ec);
    if (!std::filesystem::is_directory(o.save_dir)) return cannot_run("cannot create --save directory " + o.save_dir);
  }
  std::string error;
  target = open_live_target({o.broker_url, o.launch, o.allow_remote, o.broker_pid,
                             "fuzzing sends hostile traffic"},
                            &error);
  if (!target) return cannot_run(error);
  c.address = target->address;
  c.pid = target->pid;
  c.broker_text = target->text;
  c.timing.answer = std::chrono::milliseconds(o.answer_timeout_ms);
  c.seed = o.seed ? *o.seed
                  : static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007;
  if (o.protocol == "3.1.1") c.settings.versions = {codec::protocol_version::v3_1_1};
  if (o.protocol == "5.0") c.settings.versions = {codec::protocol_version::v5_0};
  return 0;
}

// watch_result is what the watching thread saw of the broker while the workers ran.
struct watch_result {
  std::vector<process_sample> samples;
  std::optional<process_sample> last_sample;
  double cpu_percent = 0;
  std::uint64_t probes = 0;
  long long slowest_probe_ms = 0;
  double seconds = 0;
};

// broker_watch probes the broker's health and samples its process between sequences.
class broker_watch {
 public:
  broker_watch(const run_context& c, fuzz_state& st) : c_(c), st_(st) {}

  // probe: a fresh client connects, subscribes and gets its own message back; twice
  // failed is a hang, a gone process a crash.
  void probe(const std::string& when) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto p = health_probe(c_.address, "nfprobe" + std::to_string(c_.seed % 100000),
                                  "nfprobe/" + std::to_string(c_.seed % 100000) + "/" + std::to_string(r.probes),
                                  std::chrono::milliseconds(c_.o.probe_timeout_ms));
      ++r.probes;
      if (p.ok) {
        r.slowest_probe_ms = std::max<long long>(r.slowest_probe_ms, p.took.count());
        return;
      }
      if (process_gone(c_)) {
        declare_fatal(st_, "crash", "process " + std::to_string(*c_.pid) + " is gone");
        return;
      }
      if (attempt == 1) declare_fatal(st_, "hang", "health probe " + when + " failed twice: " + p.failure);
      else std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }

  // sample reads the process's CPU and RSS; false when it is gone.
  bool sample(double elapsed) {
    auto s = sample_process(*c_.pid, elapsed);
    if (!s) return false;
    if (r.last_sample && s->seconds > r.last_sample->seconds)
      r.cpu_percent = 100 * (s->cpu_seconds - r.last_sample->cpu_seconds) / (s->seconds - r.last_sample->seconds);
    r.last_sample = s;
    r.samples.push_back(*s);
    return true;
  }

  watch_result r;

 private:
  const run_context& c_;
  fuzz_state& st_;
};

// run_workers starts --jobs workers and watches the broker until the time or the count is
// up or a crash or hang ends the run, printing progress as it goes.
watch_result run_workers(const run_context& c, fuzz_state& st, const std::optional<running_broker>& running) {
  const fuzz_options& o = c.o;
  const auto start = clock_type::now();
  std::vector<std::thread> workers;
  st.working = o.jobs;
  for (int j = 0; j < o.jobs; ++j) workers.emplace_back([&, j] {
    worker(c, st, j);
    st.working--;
  });
  const bool tty = ::isatty(STDOUT_FILENO);
  broker_watch watch(c, st);
  std::uint64_t last_probe_at = 0;
  auto last_print = start;
  auto last_sample_time = start - std::chrono::seconds(10);
  auto seconds_since = [&] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
  while (!st.stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double elapsed = seconds_since();
    if (running && running->launched && !running->launched->running()) {
      declare_fatal(st, "crash", "the launched broker exited: " + running->launched->exit_description());
      break;
    }
    if (clock_type::now() - last_sample_time >= std::chrono::seconds(1) && c.pid) {
      last_sample_time = clock_type::now();
      if (!watch.sample(elapsed)) {
        declare_fatal(st, "crash", "process " + std::to_string(*c.pid) + " is gone");
        break;
      }
    }
    if (st.done >= last_probe_at + static_cast<std::uint64_t>(o.probe_every)) {
      last_probe_at = st.done;
      watch.probe("after " + std::to_string(last_probe_at) + " sequences");
    }
    const auto since_print = clock_type::now() - last_print;
    if ((tty && since_print >= std::chrono::milliseconds(500)) ||
        (!tty && since_print >= std::chrono::seconds(10))) {
      last_print = clock_type::now();
      const std::string line = progress_line(st, elapsed, watch.r.last_sample, watch.r.cpu_percent);
      if (tty) std::cout << "\r\x1b[K" << line << std::flush;
      else std::cout << "  " << line << "\n" << std::flush;
    }
    if (elapsed >= o.duration_s || st.working == 0) break;
  }
  st.stop = true;
  for (auto& w : workers) w.join();
  if (tty) std::cout << "\r\x1b[K";
  if (st.fatal_kind.empty()) watch.probe("at the end");
  watch.r.seconds = seconds_since();
  return std::move(watch.r);
}

// print_summary prints how the run ended, saves a crash or hang reproducer and returns its
// path ("" when there is none).
std::string print_summary(const run_context& c, fuzz_state& st, const watch_result& w) {
  std::cout << progress_line(st, w.seconds, w.last_sample, w.cpu_percent) << "\n";
  std::cout << "  " << w.probes << " health probes, slowest " << w.slowest_probe_ms << " ms; "
            << st.connect_retries << " refused connects that recovered\n";
  if (!w.samples.empty()) {
    long peak = 0;
    for (const auto& s : w.samples) peak = std::max(peak, s.rss_kib);
    std::cout << "  broker pid " << *c.pid << ": RSS " << mib_text(w.samples.front().rss_kib) << " at start, "
              << mib_text(w.samples.back().rss_kib) << " at end, peak " << mib_text(peak) << "; CPU "
              << static_cast<long>(w.samples.back().cpu_seconds - w.samples.front().cpu_seconds) << " s\n";
  }
  std::string fatal_path;
  if (!st.fatal_kind.empty()) {
    const std::uint64_t last = st.fatal_sequences.empty() ? 0 : st.fatal_sequences.back().number;
    fatal_path = reproducer_path(c, st.fatal_kind, last);
    fuzz_reproducer r{st.fatal_kind, st.fatal_what, "", c.broker_text, c.seed, c.command_line, st.fatal_sequences};
    if (!save_reproducer(fatal_path, r)) fatal_path = "(could not save " + fatal_path + ")";
    std::cout << "FAILED " << st.fatal_kind << ": " << st.fatal_what << "\n  the last "
              << st.fatal_sequences.size() << " sequences sent are saved to " << fatal_path
              << "\n  replay: mqttcert fuzz --broker URL --replay " << fatal_path << "\n";
  }
  for (const auto& line : st.failure_lines) std::cout << line << "\n";
  if (!st.note_kinds.empty()) {
    std::cout << "  notes (allowed behaviour, counted): \n";
    std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> sorted(st.note_kinds.begin(), st.note_kinds.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    for (std::size_t i = 0; i < sorted.size() && i < 12; ++i)
      std::cout << "    " << sorted[i].second.first << " x " << sorted[i].first << " (e.g. sequence "
                << sorted[i].second.second << ")\n";
  }
  return fatal_path;
}

// fuzz_results: one row per oracle, as `mqttcert run` writes its tests.
std::vector<test_result> fuzz_results(const run_context& c, const fuzz_state& st, const watch_result& w,
                                      const std::string& fatal_path, const std::string& growth) {
  std::vector<test_result> results;
  auto add = [&](const std::string& name, const std::string& statement, bool ok,
                 const std::string& report, const std::string& note, bool warning = false) {
    test_result t;
    t.version = c.o.protocol == "all" ? "all" : "v" + c.o.protocol;
    t.test = "NetworkFuzz." + name;
    t.statement = statement;
    t.section = "4.13";
    t.level = warning ? "should" : "must";
    t.seconds = w.seconds;
    t.outcome = ok ? verdict::passed : warning ? verdict::non_strict : verdict::failed;
    t.report = report;
    t.note = note;
    results.push_back(std::move(t));
  };
  const std::string counted = std::to_string(st.done.load()) + " sequences, seed " + std::to_string(c.seed);
  add("BrokerStaysUp", "fuzz/liveness", st.fatal_kind != "crash",
      st.fatal_kind == "crash" ? st.fatal_what + "; reproducer " + fatal_path : "", counted);
  add("HealthProbeAnswers", "fuzz/health-probe", st.fatal_kind != "hang",
      st.fatal_kind == "hang" ? st.fatal_what + "; reproducer " + fatal_path : "",
      std::to_string(w.probes) + " probes, slowest " + std::to_string(w.slowest_probe_ms) + " ms");
  std::string failure_report;
  for (const auto& line : st.failure_lines) failure_report += line + "\n";
  add("MalformedPacketsRefused", "fuzz/malformed-handling", st.failures == 0, failure_report,
      std::to_string(st.notes.load()) + " notes (allowed behaviour)");
  if (c.pid) add("MemoryBounded", "fuzz/memory", growth.empty(), growth, "", true);
  return results;
}

}  // namespace

int run_fuzz(const fuzz_options& o, const std::string& command_line) {
  std::optional<fuzz_reproducer> rep;
  if (!o.replay_path.empty()) {
    std::string error;
    rep = load_reproducer(o.replay_path, &error);
    if (!rep) return cannot_run(error);
  }
  run_context c(o);
  c.command_line = command_line;
  std::optional<live_target> target;
  if (const int status = connect_target(o, c, target); status != 0) return status;
  if (rep) return replay(c, *rep);

  const std::string corpus = o.corpus_dir.empty() ? default_corpus_dir() : o.corpus_dir;
  std::string notes;
  c.material = netfuzz::load_seed_material(
      corpus, (std::filesystem::path(corpus).parent_path() / "fuzz").string(), &notes);
  std::cout << "mqttcert fuzz: " << c.broker_text << ", seed " << c.seed << ", " << o.jobs
            << " connections, protocol " << o.protocol << ", "
            << (o.max_sequences ? std::to_string(*o.max_sequences) + " sequences or " : "")
            << o.duration_s << " s" << (c.pid ? ", watching pid " + std::to_string(*c.pid) : "")
            << "\nmqttcert fuzz: from " << corpus << ": " << notes << "\n" << std::flush;

  fuzz_state st;
  const std::string started_at = iso_time_now();
  const watch_result w = run_workers(c, st, target->running);
  const std::string fatal_path = print_summary(c, st, w);
  std::string growth;
  if (rss_keeps_growing(w.samples, &growth))
    std::cout << "  WARNING: " << growth << " (unbounded growth? check with a longer run)\n";
  else
    growth.clear();
  const bool failed = !st.fatal_kind.empty() || st.failures > 0;
  std::cout << (failed ? "FAILED" : "clean") << ": seed " << c.seed << ", " << st.done.load() << " sequences, "
            << st.failures.load() << " wrong answers or unclosed connections"
            << (st.fatal_kind.empty() ? "" : ", " + st.fatal_kind) << "\n";

  const auto results = fuzz_results(c, st, w, fatal_path, growth);
  run_info info{c.broker_text, "generic", command_line, started_at};
  if (!o.junit_path.empty() && !write_junit(o.junit_path, results, info))
    return cannot_run("cannot write " + o.junit_path);
  if (!o.json_path.empty() && !write_json(o.json_path, results, info))
    return cannot_run("cannot write " + o.json_path);
  return failed ? 1 : 0;
}

}  // namespace mqtt::cert::cli
