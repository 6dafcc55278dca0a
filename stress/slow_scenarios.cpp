// slow_scenarios.cpp: the slow group of stress scenarios.
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

std::vector<scenario> slow_scenarios() { return {}; }

}  // namespace mqtt::cert::stress
