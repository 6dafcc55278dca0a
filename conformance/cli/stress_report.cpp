#include "conformance/cli/stress_report.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

namespace mqtt::cert::cli {
namespace {

using stress::outcome;

std::string ms_text(double ms) {
  std::ostringstream o;
  o << static_cast<long long>(std::llround(ms)) << " ms";
  return o.str();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(at, v.size() - 1)];
}

std::string memory_line(const scenario_run& r) {
  if (!r.rss_before_kib || r.report.on_own_broker) return "";
  std::string s = "broker RSS " + mib_text(*r.rss_before_kib);
  if (auto peak = r.rss_peak_kib()) s += ", peak " + mib_text(*peak);
  if (r.rss_after_kib) s += ", after " + mib_text(*r.rss_after_kib);
  std::ostringstream cpu;
  cpu.precision(1);
  cpu << std::fixed << r.cpu_seconds();
  return s + "; CPU " + cpu.str() + " s";
}

std::string probes_line(const scenario_run& r) {
  if (r.report.on_own_broker) return "on a broker of its own (its probes are in the evidence)";
  return "before: " + r.before.summary() + " | during: " + r.during.summary() +
         " | after: " + r.after.summary();
}

verdict as_verdict(outcome o, bool known) {
  if (o == outcome::failed && known) return verdict::allowed_deviation;
  switch (o) {
    case outcome::survived: return verdict::passed;
    case outcome::degraded: return verdict::non_strict;
    case outcome::failed: return verdict::failed;
    case outcome::skipped: return verdict::skipped;
  }
  return verdict::failed;
}

std::vector<test_result> as_results(const std::vector<scenario_run>& runs) {
  std::vector<test_result> out;
  for (const auto& r : runs) {
    test_result t;
    t.version = "all";
    t.test = "Stress." + r.name;
    t.statement = r.report.statement.empty() ? "stress/" + r.name : r.report.statement;
    t.section = r.group;
    t.level = r.report.result == outcome::degraded ? "should" : "must";
    t.outcome = as_verdict(r.report.result, !r.known.empty());
    t.seconds = r.seconds;
    for (const auto& e : r.report.evidence) t.report += e + "\n";
    t.note = probes_line(r);
    if (const auto m = memory_line(r); !m.empty()) t.note += "; " + m;
    t.note += "; reproduce: " + r.reproduce;
    if (!r.known.empty()) t.note = "known (profile): " + r.known + "; " + t.note;
    out.push_back(std::move(t));
  }
  return out;
}

std::string markdown_cell(std::string s) {
  for (auto& c : s)
    if (c == '|') c = '/';
  std::string out;
  for (char c : s) out += c == '\n' ? std::string("<br>") : std::string(1, c);
  return out;
}

bool write_markdown(const std::string& path, const std::vector<scenario_run>& runs, const run_info& info) {
  auto f = open_report_file(path);
  if (!f) return false;
  f << "Broker: " << info.broker_url << " — " << info.started << " — `" << info.command_line << "`\n\n";
  f << "| Scenario | Outcome | Probe (before / during / after) | Broker memory and CPU | Evidence | Reproduce |\n";
  f << "|---|---|---|---|---|---|\n";
  for (const auto& r : runs) {
    std::string evidence;
    for (const auto& e : r.report.evidence) evidence += e + "\n";
    f << "| " << r.name << " | **" << stress::outcome_name(r.report.result) << "**"
      << (r.known.empty() ? "" : " (known: " + markdown_cell(r.known) + ")") << " | "
      << markdown_cell(probes_line(r)) << " | " << markdown_cell(memory_line(r)) << " | "
      << markdown_cell(evidence) << " | `" << r.reproduce << "` |\n";
  }
  return static_cast<bool>(f);
}

}  // namespace

void probe_window::add(const stress::probe_sample& p) {
  if (p.ok) {
    ok_ms.push_back(static_cast<double>(p.took.count()));
  } else {
    if (failures++ == 0) first_failure = p.failure;
  }
}

std::string probe_window::summary() const {
  if (count() == 0) return "none";
  std::string s = failures ? std::to_string(failures) + " of " + std::to_string(count()) + " failed" :
                             std::to_string(count()) + " ok";
  if (!ok_ms.empty())
    s += ", p50 " + ms_text(percentile(ok_ms, 0.5)) + ", max " +
         ms_text(*std::max_element(ok_ms.begin(), ok_ms.end()));
  return s;
}

std::optional<long> scenario_run::rss_peak_kib() const {
  if (samples.empty()) return std::nullopt;
  long peak = 0;
  for (const auto& s : samples) peak = std::max(peak, s.rss_kib);
  return peak;
}

double scenario_run::cpu_seconds() const {
  return samples.size() < 2 ? 0 : samples.back().cpu_seconds - samples.front().cpu_seconds;
}

std::string reproduce_command(const stress_options& o, std::string_view scenario) {
  std::string c = "mqttcert stress ";
  c += o.launch.empty() ? "--broker " + o.broker_url : "--launch " + o.launch;
  c += " --scenario " + std::string(scenario);
  if (o.quick) c += " --quick";
  if (o.duration_s) {
    std::ostringstream d;
    d << *o.duration_s;
    c += " --duration " + d.str();
  }
  return c;
}

void print_run(std::ostream& out, const scenario_run& r, bool tty) {
  out << (tty ? "\r\x1b[K" : "") << "  " << stress::outcome_name(r.report.result) << " (" << static_cast<long>(r.seconds)
      << " s)\n    probe " << probes_line(r) << "\n";
  if (const auto m = memory_line(r); !m.empty()) out << "    " << m << "\n";
  for (const auto& e : r.report.evidence) out << "    " << e << "\n";
  if (!r.known.empty()) out << "    known (the profile records it): " << r.known << "\n";
  out << "    again: " << r.reproduce << "\n" << std::flush;
}

int finish_report(const stress_options& o, const std::vector<scenario_run>& runs, const run_info& info) {
  int counts[4] = {};
  int known_failures = 0;
  for (const auto& r : runs) {
    counts[static_cast<int>(r.report.result)]++;
    if (r.report.result == outcome::failed && !r.known.empty()) ++known_failures;
  }
  std::cout << "\nmqttcert stress: " << info.broker_url << "\n";
  for (const auto& r : runs)
    std::cout << "  " << stress::outcome_name(r.report.result) << (r.known.empty() ? "" : " (known)") << "\t"
              << r.name << "\n";
  std::cout << counts[0] << " survived, " << counts[1] << " degraded, " << counts[2] << " failed ("
            << known_failures << " known to the profile), " << counts[3] << " skipped\n";
  const auto results = as_results(runs);
  if (!o.json_path.empty() && !write_json(o.json_path, results, info)) {
    std::cerr << "mqttcert: stress: cannot write " << o.json_path << "\n";
    return 2;
  }
  if (!o.junit_path.empty() && !write_junit(o.junit_path, results, info)) {
    std::cerr << "mqttcert: stress: cannot write " << o.junit_path << "\n";
    return 2;
  }
  if (!o.markdown_path.empty() && !write_markdown(o.markdown_path, runs, info)) {
    std::cerr << "mqttcert: stress: cannot write " << o.markdown_path << "\n";
    return 2;
  }
  return counts[static_cast<int>(outcome::failed)] > known_failures ? 1 : 0;
}

}  // namespace mqtt::cert::cli
