// announced_limits.hpp: what a broker announces about itself in a 5.0 CONNACK (3.2.2.3),
// held against what its profile claims. The broker's word wins: a test is never skipped
// on the profile's word alone when the CONNACK says the feature is there (or run when it
// says it is not), and each contradiction is reported so the profile gets fixed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert {

// check_announced_limits connects once with MQTT 5.0 (a fresh ClientID, Clean Start 1),
// reads the CONNACK's Maximum QoS, Retain Available, Wildcard / Shared Subscription
// Available, Subscription Identifiers Available, Topic Alias Maximum and Maximum Packet
// Size (absent: the spec's default), overwrites those limits in `profile`, and returns one
// sentence per limit the profile claimed differently. nullopt when no 5.0 CONNACK with
// reason 0x00 came (a 3.1.1-only broker, a refusal): the profile then stands as written.
std::optional<std::vector<std::string>> check_announced_limits(const broker_address& broker,
                                                               broker_profile& profile);

}  // namespace mqtt::cert
