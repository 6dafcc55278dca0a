// fault_scenarios.cpp: the fault group of stress scenarios.
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

std::vector<scenario> fault_scenarios() { return {}; }

}  // namespace mqtt::cert::stress
