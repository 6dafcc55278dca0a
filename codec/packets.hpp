// packets.hpp: the fifteen MQTT Control Packets as plain structs, for 3.1, 3.1.1 and 5.0.
// Fields that exist only in 5.0 (properties, most reason codes) are ignored when a packet
// is encoded for 3.1.1 and left at their defaults when one is decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/properties.hpp"
#include "codec/reason_code.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec {

struct will_message {
  std::string topic;
  byte_buffer payload;
  qos qos_level = qos::at_most_once;
  bool retain = false;
  properties props;  // Will Properties (5.0)
  bool operator==(const will_message&) const = default;
};

struct connect_packet {
  protocol_version version = protocol_version::v5_0;
  bool clean_start = true;  // Clean Session in 3.1.1
  std::uint16_t keep_alive = 0;
  std::string client_id;
  properties props;
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::optional<byte_buffer> password;
  bool operator==(const connect_packet&) const = default;
};

struct connack_packet {
  bool session_present = false;
  // 5.0: a Reason Code; 3.1.1: a connect_return_code value.
  std::uint8_t reason = 0;
  properties props;
  bool operator==(const connack_packet&) const = default;
};

struct publish_packet {
  bool dup = false;
  qos qos_level = qos::at_most_once;
  bool retain = false;
  std::string topic;
  std::uint16_t packet_id = 0;  // present on the wire only for QoS 1 and 2
  properties props;
  byte_buffer payload;
  bool operator==(const publish_packet&) const = default;
};

// pub_response_packet is PUBACK, PUBREC, PUBREL or PUBCOMP: same layout, different type.
template <packet_type Type>
struct pub_response_packet {
  static constexpr packet_type type = Type;
  std::uint16_t packet_id = 0;
  reason_code reason = reason_code::success;
  properties props;
  bool operator==(const pub_response_packet&) const = default;
};
using puback_packet = pub_response_packet<packet_type::puback>;
using pubrec_packet = pub_response_packet<packet_type::pubrec>;
using pubrel_packet = pub_response_packet<packet_type::pubrel>;
using pubcomp_packet = pub_response_packet<packet_type::pubcomp>;

enum class retain_handling : std::uint8_t {
  send_on_subscribe = 0,
  send_if_new_subscription = 1,
  do_not_send = 2,
};

// subscribe_options is the Subscription Options byte (5.0) / Requested QoS byte (3.1.1).
struct subscribe_options {
  qos max_qos = qos::at_most_once;
  bool no_local = false;
  bool retain_as_published = false;
  retain_handling handling = retain_handling::send_on_subscribe;
  bool operator==(const subscribe_options&) const = default;
};

struct subscription {
  std::string filter;
  subscribe_options options;
  bool operator==(const subscription&) const = default;
};

struct subscribe_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<subscription> subscriptions;
  bool operator==(const subscribe_packet&) const = default;
};

struct suback_packet {
  std::uint16_t packet_id = 0;
  properties props;
  // One per subscription: a Reason Code (5.0) or 0x00/0x01/0x02/0x80 (3.1.1).
  std::vector<std::uint8_t> reasons;
  bool operator==(const suback_packet&) const = default;
};

struct unsubscribe_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::string> filters;
  bool operator==(const unsubscribe_packet&) const = default;
};

struct unsuback_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::uint8_t> reasons;  // 5.0 only; empty in 3.1.1
  bool operator==(const unsuback_packet&) const = default;
};

struct pingreq_packet {
  bool operator==(const pingreq_packet&) const = default;
};

struct pingresp_packet {
  bool operator==(const pingresp_packet&) const = default;
};

struct disconnect_packet {
  reason_code reason = reason_code::normal_disconnection;
  properties props;
  bool operator==(const disconnect_packet&) const = default;
};

struct auth_packet {
  reason_code reason = reason_code::success;
  properties props;
  bool operator==(const auth_packet&) const = default;
};

// packet holds any one Control Packet; the alternative order follows packet_type.
using packet = std::variant<connect_packet, connack_packet, publish_packet, puback_packet,
                            pubrec_packet, pubrel_packet, pubcomp_packet, subscribe_packet,
                            suback_packet, unsubscribe_packet, unsuback_packet,
                            pingreq_packet, pingresp_packet, disconnect_packet, auth_packet>;

// type_of returns the packet_type of whichever packet `p` holds.
inline packet_type type_of(const packet& p) {
  return static_cast<packet_type>(p.index() + 1);
}

}  // namespace mqtt::codec
