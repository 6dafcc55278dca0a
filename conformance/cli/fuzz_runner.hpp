// fuzz_runner.hpp: `mqttcert fuzz` — generated and mutated packet sequences over many
// concurrent connections to a live broker (netfuzz/ makes and judges them), with the
// broker's liveness, a periodic health probe and its CPU/RSS watched. A crash, hang or
// wrong answer saves a reproducer that `--replay FILE` runs again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mqtt::cert::cli {

struct fuzz_options {
  std::string broker_url;    // or
  std::string launch;        // refbroker, mosquitto, nanomq
  bool allow_remote = false; // hostile traffic: loopback only unless asked
  double duration_s = 60;
  std::optional<std::uint64_t> max_sequences;
  std::optional<std::uint64_t> seed;  // default: from the clock, printed
  int jobs = 64;
  std::string protocol = "all";       // 3.1.1, 5.0, all
  std::optional<int> broker_pid;      // watch this process (a launched broker's by default)
  std::string save_dir = ".";         // where reproducers go
  std::string replay_path;
  std::string corpus_dir;             // default: the repository's corpora/
  std::string json_path, junit_path;
  int answer_timeout_ms = 1000;
  int probe_every = 100;              // sequences between health probes
  int probe_timeout_ms = 5000;
  int keep = 32;                      // sequences a crash or hang reproducer holds
};

// run_fuzz carries out `mqttcert fuzz` and returns its exit status: 0 clean, 1 a crash,
// hang or wrong answer (or, with --replay, the reproducer reproduced), 2 it could not
// run (one line on stderr saying why).
int run_fuzz(const fuzz_options& options, const std::string& command_line);

}  // namespace mqtt::cert::cli
