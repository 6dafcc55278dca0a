// abuse_scenarios.hpp: the abuse scenarios that live in their own file (sessions).
#pragma once

#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

scenario_report takeover_ping_pong(context& c);
scenario_report reconnect_storm(context& c);

}  // namespace mqtt::cert::stress
