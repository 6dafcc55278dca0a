// property_check.hpp: runs many generated sequences against a broker and, on the first
// failure, shrinks it (RapidCheck's shrinks of the generated sequence, greedily: the first
// smaller sequence that still fails is kept) to a minimal counterexample, with the seed
// that reproduces it. `mqttcert property` and the network CTest tests use it; the
// in-process GoogleTest properties use RapidCheck's own runner (session_qos_props.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "property/model/broker_driver.hpp"
#include "property/model/command_gen.hpp"
#include "property/model/sequence_runner.hpp"

namespace mqtt::property {

struct check_options {
  int cases = 100;
  std::uint64_t seed = 0;
  generation_options generation;
  runner_options run;  // prefix: each run gets "<prefix><case>s<shrink step>"
  std::function<std::unique_ptr<broker_driver>()> make_driver;
  bool in_transit = false;   // packets may be on the wire when a connection ends
  int max_shrink_runs = 300; // runs spent shrinking, at most
  // progress(case, cases) after each case; shrinking(step) while shrinking.
  std::function<void(int, int)> progress;
  std::function<void(int)> shrinking;
  // expected says whether a violation is a known one (a broker profile's record): a case
  // whose every violation is expected does not stop the run; the first such case per
  // rule is shrunk (with max_expected_shrink_runs) and kept as that rule's example.
  std::function<bool(const violation&)> expected;
  int max_expected_shrink_runs = 60;
  // broker_died, called after every run: for a broker the caller launched, how it died
  // during that run ("killed by signal 11"), once it is started again; empty while it
  // lives. A run it returns something for fails with rule broker-unreachable.
  std::function<std::string()> broker_died;
};

// counterexample: a shrunk failing sequence and what it showed.
struct counterexample {
  int case_index = -1;  // the generated case it was shrunk from (0-based)
  int shrink_runs = 0;
  std::vector<command> commands;
  run_result result;
};

struct check_result {
  bool passed = true;
  int cases_run = 0;
  std::optional<counterexample> failure;  // the first unexpected failure, shrunk
  std::vector<counterexample> expected;   // one per known rule seen
  int expected_cases = 0;                 // cases that failed only in known ways
  coverage covered;                       // summed over the cases run (not the shrinks)
  // Cases during which the broker died or stopped accepting connections, as run (they
  // are not shrunk: what kills a broker often needs what came before). A known one (the
  // profile's broker-unreachable record) lets a launched broker be restarted and the run
  // go on; any other stops the run.
  std::vector<counterexample> broker_lost;
};

check_result check_sequences(const check_options& o);

// run_once runs one sequence (a replayed counterexample, say).
run_result run_once(const check_options& o, const std::vector<command>& commands,
                    const std::string& prefix);

}  // namespace mqtt::property
