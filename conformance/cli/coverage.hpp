// coverage.hpp: which catalogue statements (broker_testable yes/partial) have a test, and
// for each that has none, why (conformance/statements/uncovered_reasons.tsv).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"

namespace mqtt::cert::cli {

// print_coverage writes per-section counts, the uncovered IDs and the reason each has no
// test, as plain text (with warnings for stale reasons) or, when `markdown`, as the whole
// of docs/coverage.md, opening with `command_line`. Never blocks.
void print_coverage(std::ostream& out, const std::vector<test_result>& listed, bool markdown,
                    const std::string& command_line);

}  // namespace mqtt::cert::cli
