#include "codec/reason_code.hpp"

#include <cstddef>

namespace mqtt::codec {

namespace {

// The "Packets" column of table 2-6 as a bit set: bit N stands for packet_type N.
constexpr std::uint16_t bit(packet_type t) {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t));
}

constexpr std::uint16_t connack = bit(packet_type::connack);
constexpr std::uint16_t puback = bit(packet_type::puback);
constexpr std::uint16_t pubrec = bit(packet_type::pubrec);
constexpr std::uint16_t pubrel = bit(packet_type::pubrel);
constexpr std::uint16_t pubcomp = bit(packet_type::pubcomp);
constexpr std::uint16_t suback = bit(packet_type::suback);
constexpr std::uint16_t unsuback = bit(packet_type::unsuback);
constexpr std::uint16_t disconnect = bit(packet_type::disconnect);
constexpr std::uint16_t auth = bit(packet_type::auth);

struct reason_row {
  std::uint8_t value;
  std::string_view name;
  std::uint16_t packets;
};

// One row per line of table 2-6 (MQTT 5.0 section 2.4), in table order. 0x00 has three
// lines, one per name, each with its own packets.
constexpr reason_row reason_table[] = {
    {0x00, "Success", connack | puback | pubrec | pubrel | pubcomp | unsuback | auth},
    {0x00, "Normal disconnection", disconnect},
    {0x00, "Granted QoS 0", suback},
    {0x01, "Granted QoS 1", suback},
    {0x02, "Granted QoS 2", suback},
    {0x04, "Disconnect with Will Message", disconnect},
    {0x10, "No matching subscribers", puback | pubrec},
    {0x11, "No subscription existed", unsuback},
    {0x18, "Continue authentication", auth},
    {0x19, "Re-authenticate", auth},
    {0x80, "Unspecified error", connack | puback | pubrec | suback | unsuback | disconnect},
    {0x81, "Malformed Packet", connack | disconnect},
    {0x82, "Protocol Error", connack | disconnect},
    {0x83, "Implementation specific error",
     connack | puback | pubrec | suback | unsuback | disconnect},
    {0x84, "Unsupported Protocol Version", connack},
    {0x85, "Client Identifier not valid", connack},
    {0x86, "Bad User Name or Password", connack},
    {0x87, "Not authorized", connack | puback | pubrec | suback | unsuback | disconnect},
    {0x88, "Server unavailable", connack},
    {0x89, "Server busy", connack | disconnect},
    {0x8A, "Banned", connack},
    {0x8B, "Server shutting down", disconnect},
    // Table 2-6 lists DISCONNECT for 0x8C, but table 3-10 (Disconnect Reason Codes) does
    // not. We follow table 2-6, the table that defines the shared values.
    {0x8C, "Bad authentication method", connack | disconnect},
    {0x8D, "Keep Alive timeout", disconnect},
    {0x8E, "Session taken over", disconnect},
    {0x8F, "Topic Filter invalid", suback | unsuback | disconnect},
    {0x90, "Topic Name invalid", connack | puback | pubrec | disconnect},
    {0x91, "Packet Identifier in use", puback | pubrec | suback | unsuback},
    {0x92, "Packet Identifier not found", pubrel | pubcomp},
    {0x93, "Receive Maximum exceeded", disconnect},
    {0x94, "Topic Alias invalid", disconnect},
    {0x95, "Packet too large", connack | disconnect},
    {0x96, "Message rate too high", disconnect},
    {0x97, "Quota exceeded", connack | puback | pubrec | suback | disconnect},
    {0x98, "Administrative action", disconnect},
    {0x99, "Payload format invalid", connack | puback | pubrec | disconnect},
    {0x9A, "Retain not supported", connack | disconnect},
    {0x9B, "QoS not supported", connack | disconnect},
    {0x9C, "Use another server", connack | disconnect},
    {0x9D, "Server moved", connack | disconnect},
    {0x9E, "Shared Subscriptions not supported", suback | disconnect},
    {0x9F, "Connection rate exceeded", connack | disconnect},
    {0xA0, "Maximum connect time", disconnect},
    {0xA1, "Subscription Identifiers not supported", suback | disconnect},
    {0xA2, "Wildcard Subscriptions not supported", suback | disconnect},
};

constexpr std::string_view unknown_reason_name = "Unknown reason code";

}  // namespace

std::string_view reason_code_name(std::uint8_t value, packet_type t) {
  // Prefer the row whose Packets column names `t`; otherwise the value's first row
  // (for 0x00 that is "Success").
  const reason_row* first = nullptr;
  for (const reason_row& row : reason_table) {
    if (row.value != value) continue;
    if ((row.packets & bit(t)) != 0) return row.name;
    if (first == nullptr) first = &row;
  }
  return first != nullptr ? first->name : unknown_reason_name;
}

std::string_view reason_code_name(reason_code c) {
  auto value = static_cast<std::uint8_t>(c);
  for (const reason_row& row : reason_table) {
    if (row.value == value) return row.name;
  }
  return unknown_reason_name;
}

bool reason_code_allowed(std::uint8_t value, packet_type t) {
  for (const reason_row& row : reason_table) {
    if (row.value == value && (row.packets & bit(t)) != 0) return true;
  }
  return false;
}

std::string_view connect_return_code_name(std::uint8_t value) {
  // Table 3.1 of MQTT 3.1.1; 6-255 are reserved for future use.
  switch (value) {
    case 0x00: return "Connection Accepted";
    case 0x01: return "Connection Refused, unacceptable protocol version";
    case 0x02: return "Connection Refused, identifier rejected";
    case 0x03: return "Connection Refused, Server unavailable";
    case 0x04: return "Connection Refused, bad user name or password";
    case 0x05: return "Connection Refused, not authorized";
    default: return "Reserved";
  }
}

connect_return_code to_connect_return_code(reason_code c) {
  switch (c) {
    case reason_code::success: return connect_return_code::accepted;
    case reason_code::unsupported_protocol_version:
      return connect_return_code::unacceptable_protocol_version;
    case reason_code::client_identifier_not_valid:
      return connect_return_code::identifier_rejected;
    case reason_code::bad_user_name_or_password:
      return connect_return_code::bad_user_name_or_password;
    case reason_code::not_authorized:
    case reason_code::banned:  // a ban is a refusal to authorize, not an outage
      return connect_return_code::not_authorized;
    default:
      // Server unavailable, Server busy and every other refusal: 3.1.1 has no closer code.
      return connect_return_code::server_unavailable;
  }
}

}  // namespace mqtt::codec
