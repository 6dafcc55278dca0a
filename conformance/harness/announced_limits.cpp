#include "conformance/harness/announced_limits.hpp"

#include <random>

#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

namespace mqtt::cert {
namespace {

template <typename T>
void settle(const char* what, T claimed, T announced, T& into, std::vector<std::string>& out) {
  if (claimed != announced) {
    out.push_back(std::string("the profile says ") + what + " is " + std::to_string(claimed) +
                  ", the broker's CONNACK says " + std::to_string(announced));
  }
  into = announced;
}

}  // namespace

std::optional<std::vector<std::string>> check_announced_limits(const broker_address& broker,
                                                               broker_profile& profile) {
  raw_client c("capabilities", codec::protocol_version::v5_0);
  if (!c.connect(broker)) return std::nullopt;
  connect_options o;
  o.client_id = "mqcCaps" + std::to_string(std::random_device{}() % 100000000);
  codec::connack_packet ack;
  if (!connect_session(c, o, &ack)) return std::nullopt;
  disconnect(c);
  const auto& p = ack.props;
  std::vector<std::string> out;
  // Absent properties mean the spec's defaults (3.2.2.3.4 - 3.2.2.3.13).
  int qos = profile.maximum_qos;
  settle("maximum_qos", qos, int(p.maximum_qos.value_or(2)), qos, out);
  profile.maximum_qos = static_cast<std::uint8_t>(qos);
  settle("retain_available", profile.retain_available, p.retain_available.value_or(1) == 1,
         profile.retain_available, out);
  settle("wildcard_subscription_available", profile.wildcard_subscription_available,
         p.wildcard_subscription_available.value_or(1) == 1,
         profile.wildcard_subscription_available, out);
  settle("shared_subscription_available", profile.shared_subscription_available,
         p.shared_subscription_available.value_or(1) == 1, profile.shared_subscription_available,
         out);
  settle("subscription_identifiers_available", profile.subscription_identifiers_available,
         p.subscription_identifier_available.value_or(1) == 1,
         profile.subscription_identifiers_available, out);
  settle("topic_alias_maximum", profile.topic_alias_maximum,
         std::uint16_t(p.topic_alias_maximum.value_or(0)), profile.topic_alias_maximum, out);
  settle("max_packet_size", profile.max_packet_size, std::uint32_t(p.maximum_packet_size.value_or(0)),
         profile.max_packet_size, out);
  return out;
}

}  // namespace mqtt::cert
