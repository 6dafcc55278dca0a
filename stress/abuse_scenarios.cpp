// abuse_scenarios.cpp: the abuse group of stress scenarios.
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

std::vector<scenario> abuse_scenarios() { return {}; }

}  // namespace mqtt::cert::stress
