// fault_scenarios.hpp: the fault group's scenarios, one file each; fault_scenarios.cpp
// lists them.
#pragma once

#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

scenario_report webhook_faults(context& c);       // webhook_fault_scenario.cpp
scenario_report tls_handshake_stall(context& c);  // tls_stall_scenario.cpp
scenario_report sigterm_under_load(context& c);   // sigterm_scenario.cpp

}  // namespace mqtt::cert::stress
