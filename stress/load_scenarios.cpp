// load_scenarios.cpp: the load group of stress scenarios.
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

std::vector<scenario> load_scenarios() { return {}; }

}  // namespace mqtt::cert::stress
