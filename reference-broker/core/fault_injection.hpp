// fault_injection.hpp: known faults the conformance suite must catch, compiled only into
// mqtt-refbroker-faulty (CMake option MQTTCERT_FAULTS). In every other build fault()
// is constexpr false and the faulty branches vanish.
#pragma once

#include <string>
#include <string_view>

namespace mqtt::broker {

// The faults, by the name `mqtt-refbroker-faulty --fault NAME` takes.
inline constexpr std::string_view fault_names[] = {
    "no-qos-downgrade",        // forward at the publisher's QoS, ignoring the granted one
    "retained-not-cleared",    // an empty retained PUBLISH leaves the old message
    "will-on-clean-disconnect",// publish the will after DISCONNECT 0x00
    "topic-alias-unbounded",   // accept Topic Alias values above Topic Alias Maximum
    "no-dup-on-resend",        // resend unacknowledged PUBLISH with DUP 0
    "session-present-always-0",// CONNACK never says Session Present
    "resubscribe-keeps-options",// a repeated SUBSCRIBE keeps No Local / Retain As Published
    "overlap-lowest-qos",      // overlapping subscriptions deliver at the lowest QoS
    "shared-to-every-member",  // a shared subscription delivers to all its sessions
};

#if defined(MQTTCERT_FAULTS)
// injected_fault is set once at start-up, before any connection exists.
inline std::string& injected_fault() {
  static std::string name;
  return name;
}
inline bool fault(std::string_view name) { return injected_fault() == name; }
#else
constexpr bool fault(std::string_view) { return false; }
#endif

}  // namespace mqtt::broker
