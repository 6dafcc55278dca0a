// stress_report.hpp: what `mqttcert stress` saw of one scenario, and how it is printed
// (a block per scenario, a closing table) and written (JSON, JUnit XML, Markdown).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/cli/process_stats.hpp"
#include "conformance/cli/reports.hpp"
#include "conformance/cli/stress_runner.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::cli {

// probe_window collects the health probes of one phase (before, during, after).
struct probe_window {
  std::vector<double> ok_ms;  // the answered probes' times
  int failures = 0;
  std::string first_failure;
  bool recovered = true;  // after: three answered in a row

  void add(const stress::probe_sample& p);
  int count() const { return static_cast<int>(ok_ms.size()) + failures; }
  // summary: "3 ok, p50 2 ms, max 4 ms" or "2 of 5 failed (no CONNACK ...), p50 …".
  std::string summary() const;
};

struct scenario_run {
  std::string name, group, summary;
  stress::scenario_report report;
  probe_window before, during, after;
  std::optional<long> rss_before_kib, rss_after_kib;
  std::vector<process_sample> samples;  // during the scenario
  double seconds = 0;
  std::string reproduce;  // the command line that runs this scenario again
  std::string known;      // the profile's reason, when it records this outcome

  std::optional<long> rss_peak_kib() const;
  double cpu_seconds() const;  // the broker's CPU time during the scenario
};

// reproduce_command is the mqttcert stress command line that runs one scenario again.
std::string reproduce_command(const stress_options& o, std::string_view scenario);

// print_run prints one scenario's block: outcome, probes, memory, evidence, the command
// (`tty`: first clear the progress line).
void print_run(std::ostream& out, const scenario_run& r, bool tty);

// finish_report prints the closing table, writes --json/--junit/--markdown and returns
// the exit status (1 when any scenario failed, 2 when a report cannot be written).
int finish_report(const stress_options& o, const std::vector<scenario_run>& runs, const run_info& info);

}  // namespace mqtt::cert::cli
