// variant_runner.hpp: the reference broker in its configuration variants. Some statements
// bind only a broker that lacks a capability (Maximum QoS below 2, no retained messages,
// ClientIDs it refuses), so against the default reference broker their tests skip. Its
// profile lists variant profiles ("variants"), each with the mqtt-refbroker flags that
// make it such a broker ("launch_flags"); the tests the main pass skipped run again
// against each variant, and the first variant that executes a test gives its verdict.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert::cli {

struct variant_pass {
  std::string name;       // the variant profile's name
  std::string flags;      // its launch flags, space-separated, for the report
  int rerun = 0;          // skipped tests run against it
  int executed = 0;       // of those, how many it executed (passed or failed)
};

// run_variants runs, for each variant `profile` lists (paths relative to `profile_path`'s
// folder), the tests in `results` that skipped, and replaces each skipped result with
// the first variant's executed one (its note names the variant). nullopt and `error`
// when a variant cannot be loaded or launched.
std::optional<std::vector<variant_pass>> run_variants(
    const broker_profile& profile, const std::string& profile_path,
    const std::vector<suite_binary>& binaries, int jobs, std::vector<test_result>& results,
    std::string* error);

}  // namespace mqtt::cert::cli
