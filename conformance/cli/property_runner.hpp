// property_runner.hpp: `mqttcert property` — generated session/QoS command sequences
// (property/model) against a broker over the network, each checked by the model; the
// first unexpected failure is shrunk, printed as numbered commands and per-connection
// transcripts, and saved for `--replay`. Known violations come from the broker profile
// (property_violations) and are reported without stopping the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mqtt::cert::cli {

struct property_cli_options {
  std::string broker_url;    // or
  std::string launch;        // refbroker, mosquitto, nanomq
  std::string profile_path;  // limits shape generation; property_violations are expected
  std::string protocol = "all";  // 3.1.1, 5.0 or all (3.1.1, 5.0 and sessions across both)
  int cases = 100;               // sequences per property
  std::optional<std::uint64_t> seed;  // default: from the clock, printed
  int clients = 3;
  int answer_timeout_ms = 2000;
  std::string replay_path;  // run this saved sequence once instead of generating
  std::string save_path;    // where a counterexample goes (default: in the working directory)
  std::string json_path, junit_path, html_path;
  std::string username, password;
};

// run_property carries out `mqttcert property` and returns its exit status: 0 every
// property held (expected violations included), 1 one failed, 2 it could not run (one
// line on stderr saying why).
int run_property(const property_cli_options& options, const std::string& command_line);

}  // namespace mqtt::cert::cli
