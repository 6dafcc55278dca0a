// coverage.hpp: which catalogue statements (broker_testable yes/partial) have a test, and
// for each that has none, why (conformance/statements/uncovered_reasons.tsv).
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"

namespace mqtt::cert::cli {

// print_coverage writes per-section counts, the uncovered IDs and the reason each has no
// test, as plain text (with warnings for stale reasons) or, when `markdown`, as the whole
// of docs/coverage.md, opening with `command_line`. Never blocks.
// With `run` (the results of a `mqttcert run --json` file, and the broker it ran against),
// each section also counts the statements executed and passed there: at least one of
// their tests passed. The cited statements that were not are listed with their verdicts.
struct run_results {
  std::string broker;
  std::vector<test_result> results;
};
void print_coverage(std::ostream& out, const std::vector<test_result>& listed, bool markdown,
                    const std::string& command_line,
                    const std::optional<run_results>& run = std::nullopt);

// load_run_results reads a `mqttcert run --json` file; nullopt and `error` on failure.
std::optional<run_results> load_run_results(const std::string& path, std::string* error);

}  // namespace mqtt::cert::cli
