// stress_runner.hpp: `mqttcert stress` — robustness scenarios (stress/) against a live
// broker, each probed before, during and after, with the broker's CPU and RSS watched,
// scored survived / degraded / failed with the evidence and the command that repeats it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mqtt::cert::cli {

struct stress_options {
  std::string broker_url;     // or
  std::string launch;         // refbroker, mosquitto, nanomq
  bool allow_remote = false;  // abuse: loopback only unless asked
  std::vector<std::string> scenarios{"all"};  // names, groups or "all"
  std::optional<double> duration_s;  // the abuse phase of each scenario
  bool quick = false;                // CI size
  std::optional<int> broker_pid;
  std::string profile_path;  // its stress_outcomes: known problems that do not fail the run
  std::string json_path, junit_path, markdown_path;
  bool list = false;
  int probe_timeout_ms = 5000;
};

// run_stress carries out `mqttcert stress` and returns its exit status: 0 nothing failed
// (degraded scenarios and failures the profile records included), 1 a scenario failed, 2 it could not run (one line on
// stderr saying why).
int run_stress(const stress_options& options, const std::string& command_line);

}  // namespace mqtt::cert::cli
