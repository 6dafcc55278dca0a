#include "interop/invariants/invariant_report.hpp"

#include <cstdio>

#include <gtest/gtest.h>

namespace mqtt::cert::invariants {

void report(const std::string& summary, const std::vector<std::string>& problems,
            const std::string& context) {
  ::testing::Test::RecordProperty("summary", summary);
  std::printf("%s\n", summary.c_str());
  constexpr std::size_t max_reported = 50;  // "... and N more": the runner judges the rest by these
  for (std::size_t i = 0; i < problems.size() && i < max_reported; ++i) ADD_FAILURE() << problems[i];
  if (problems.size() > max_reported)
    ADD_FAILURE() << "... and " << problems.size() - max_reported << " more problems";
  if (!problems.empty() && !context.empty()) std::printf("%s\n", context.c_str());
}

}  // namespace mqtt::cert::invariants
