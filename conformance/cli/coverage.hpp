// coverage.hpp: which catalogue statements (broker_testable yes/partial) have a test.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"

namespace mqtt::cert::cli {

// print_coverage writes per-section counts and the uncovered IDs, as plain text or (when
// `markdown`) as the body of docs/coverage.md.
void print_coverage(std::ostream& out, const std::vector<test_result>& listed, bool markdown,
                    const std::string& command_line);

}  // namespace mqtt::cert::cli
