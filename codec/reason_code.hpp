// reason_code.hpp: MQTT 5.0 Reason Codes (2.4) and MQTT 3.1.1 CONNACK return codes (3.2.2.3).
#pragma once

#include <cstdint>
#include <string_view>

#include "codec/wire_types.hpp"

namespace mqtt::codec {

// reason_code holds every MQTT 5.0 Reason Code by its spec name. Several names share a
// value (0x00 is Success, Normal disconnection and Granted QoS 0); the packet decides
// which name applies, see reason_code_name().
enum class reason_code : std::uint8_t {
  success = 0x00,
  normal_disconnection = 0x00,
  granted_qos_0 = 0x00,
  granted_qos_1 = 0x01,
  granted_qos_2 = 0x02,
  disconnect_with_will_message = 0x04,
  no_matching_subscribers = 0x10,
  no_subscription_existed = 0x11,
  continue_authentication = 0x18,
  re_authenticate = 0x19,
  unspecified_error = 0x80,
  malformed_packet = 0x81,
  protocol_error = 0x82,
  implementation_specific_error = 0x83,
  unsupported_protocol_version = 0x84,
  client_identifier_not_valid = 0x85,
  bad_user_name_or_password = 0x86,
  not_authorized = 0x87,
  server_unavailable = 0x88,
  server_busy = 0x89,
  banned = 0x8A,
  server_shutting_down = 0x8B,
  bad_authentication_method = 0x8C,
  keep_alive_timeout = 0x8D,
  session_taken_over = 0x8E,
  topic_filter_invalid = 0x8F,
  topic_name_invalid = 0x90,
  packet_identifier_in_use = 0x91,
  packet_identifier_not_found = 0x92,
  receive_maximum_exceeded = 0x93,
  topic_alias_invalid = 0x94,
  packet_too_large = 0x95,
  message_rate_too_high = 0x96,
  quota_exceeded = 0x97,
  administrative_action = 0x98,
  payload_format_invalid = 0x99,
  retain_not_supported = 0x9A,
  qos_not_supported = 0x9B,
  use_another_server = 0x9C,
  server_moved = 0x9D,
  shared_subscriptions_not_supported = 0x9E,
  connection_rate_exceeded = 0x9F,
  maximum_connect_time = 0xA0,
  subscription_identifiers_not_supported = 0xA1,
  wildcard_subscriptions_not_supported = 0xA2,
};

// is_error says whether a Reason Code reports failure (0x80 and above, 2.4).
constexpr bool is_error(reason_code c) { return static_cast<std::uint8_t>(c) >= 0x80; }

// reason_code_name returns the spec's name for a value as used in packet `t`,
// e.g. 0x00 is "Granted QoS 0" in SUBACK and "Normal disconnection" in DISCONNECT.
// Unknown values give "Unknown reason code".
std::string_view reason_code_name(std::uint8_t value, packet_type t);
std::string_view reason_code_name(reason_code c);

// reason_code_allowed says whether table 2-6 lets packet `t` carry `value`.
bool reason_code_allowed(std::uint8_t value, packet_type t);

// connect_return_code is the MQTT 3.1.1 CONNACK Connect Return code (table 3.1).
enum class connect_return_code : std::uint8_t {
  accepted = 0x00,
  unacceptable_protocol_version = 0x01,
  identifier_rejected = 0x02,
  server_unavailable = 0x03,
  bad_user_name_or_password = 0x04,
  not_authorized = 0x05,
};

std::string_view connect_return_code_name(std::uint8_t value);

// to_connect_return_code maps a 5.0 CONNACK reason to the closest 3.1.1 return code
// (the mapping brokers use when they answer a 3.1.1 client).
connect_return_code to_connect_return_code(reason_code c);

}  // namespace mqtt::codec
