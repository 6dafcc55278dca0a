// fault_scenarios.cpp: the fault group of stress scenarios — faults around the broker
// rather than in what clients send. Each runs on a broker of its own (context::launch_own)
// and reports its own probes, so it cannot run against a broker given by URL.
#include "stress/fault_scenarios.hpp"

namespace mqtt::cert::stress {

std::vector<scenario> fault_scenarios() {
  return {
      {"webhook-faults", "faults",
       "the auth webhook stops, hangs and answers garbage mid-run: fail closed, no crash, recovery",
       webhook_faults},
      {"tls-handshake-stall", "faults",
       "TLS connections that stall in the handshake beside plain and full TLS clients", tls_handshake_stall},
      // Last: it ends its broker on purpose.
      {"sigterm-under-load", "faults", "SIGTERM while a dozen clients publish and subscribe",
       sigterm_under_load},
  };
}

}  // namespace mqtt::cert::stress
