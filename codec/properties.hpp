// properties.hpp: MQTT 5.0 properties (2.2.2): identifiers, types, where each may appear,
// and the decoded set as plain optional fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/decode_result.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec {

namespace detail {
class byte_reader;
}

enum class property_id : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

// property_type is the data type column of table 2-4.
enum class property_type : std::uint8_t {
  byte,
  two_byte_integer,
  four_byte_integer,
  variable_byte_integer,
  utf8_string,
  binary_data,
  utf8_string_pair,
};

// property_context is where a property set sits: a packet type, or the Will Properties.
enum class property_context : std::uint8_t {
  connect, connack, publish, will, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, disconnect, auth,
};

std::string_view property_context_name(property_context c);

struct property_info {
  property_id id;
  property_type type;
  std::string_view name;     // as in table 2-4, e.g. "Topic Alias Maximum"
  std::uint16_t contexts;    // bit (1 << property_context) per place it may appear
};

// find_property returns the table 2-4 row for an identifier, or nullptr if unknown.
const property_info* find_property(std::uint32_t id);

// property_allowed says whether table 2-4 allows `id` in context `c`.
bool property_allowed(property_id id, property_context c);

struct user_property {
  std::string name;
  std::string value;
  bool operator==(const user_property&) const = default;
};

// properties is a decoded property set. Absent properties are nullopt / empty; the two
// that may repeat are vectors, kept in wire order (user properties must be forwarded in
// order, MQTT-3.3.2-18).
struct properties {
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<byte_buffer> correlation_data;
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> authentication_method;
  std::optional<byte_buffer> authentication_data;
  std::optional<std::uint8_t> request_problem_information;
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<std::uint8_t> request_response_information;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> reason_string;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint8_t> retain_available;
  std::vector<user_property> user_properties;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> subscription_identifier_available;
  std::optional<std::uint8_t> shared_subscription_available;

  bool operator==(const properties&) const = default;
  bool empty() const { return *this == properties{}; }
};

// decode_properties reads a Property Length and the properties after it from `in`.
// Malformed (0x81): unknown identifier, identifier not allowed in `c`, truncated value,
// bad UTF-8, length past the packet. Protocol Error (0x82): a property other than User
// Property / Subscription Identifier (PUBLISH only) repeated, or a value the spec forbids
// (Receive Maximum 0, Maximum Packet Size 0, Topic Alias 0, Subscription Identifier 0,
// a 0-or-1 byte property with another value, Maximum QoS above 1), and in CONNECT
// Authentication Data without Authentication Method.
decode_error decode_properties(detail::byte_reader& in, property_context c,
                               const decode_limits& limits, properties& out);

// properties_size is the encoded size of `p` without its Property Length prefix.
// It and encode_properties throw std::length_error for a value that cannot go on the
// wire (a string over 65535 bytes, a Subscription Identifier over 268435455): the
// caller's bug, never the peer's.
std::size_t properties_size(const properties& p);

// encode_properties appends the Property Length and then every present property, in
// identifier order, user properties in their stored order.
void encode_properties(const properties& p, byte_buffer& out);

}  // namespace mqtt::codec
