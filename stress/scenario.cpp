// scenario.cpp: the scenario list and the report's outcome rules.
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

std::string_view outcome_name(outcome o) {
  switch (o) {
    case outcome::survived: return "survived";
    case outcome::degraded: return "degraded";
    case outcome::failed: return "failed";
    case outcome::skipped: return "skipped";
  }
  return "?";
}

void scenario_report::degrade(const std::string& why) {
  evidence.push_back("DEGRADED: " + why);
  if (result == outcome::survived) result = outcome::degraded;
}

void scenario_report::fail(const std::string& why) {
  evidence.push_back("FAILED: " + why);
  if (result != outcome::skipped) result = outcome::failed;
}

void scenario_report::skip(const std::string& why) {
  evidence.push_back("skipped: " + why);
  result = outcome::skipped;
}

const std::vector<scenario>& all_scenarios() {
  static const std::vector<scenario> list = [] {
    std::vector<scenario> all;
    for (auto group : {load_scenarios, slow_scenarios, malformed_scenarios, abuse_scenarios,
                       fault_scenarios}) {
      auto g = group();
      all.insert(all.end(), g.begin(), g.end());
    }
    return all;
  }();
  return list;
}

}  // namespace mqtt::cert::stress
