#include "codec/reason_code.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

namespace mqtt::codec {
namespace {

using pt = packet_type;

std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v);
  return buf;
}

// Table 2-6 (MQTT 5.0 section 2.4) restated line by line: value, name, Packets column.
struct table_row {
  std::uint8_t value;
  std::string_view name;
  std::vector<packet_type> packets;
};

const std::vector<table_row>& table_2_6() {
  static const std::vector<table_row> rows = {
      {0x00, "Success", {pt::connack, pt::puback, pt::pubrec, pt::pubrel, pt::pubcomp,
                         pt::unsuback, pt::auth}},
      {0x00, "Normal disconnection", {pt::disconnect}},
      {0x00, "Granted QoS 0", {pt::suback}},
      {0x01, "Granted QoS 1", {pt::suback}},
      {0x02, "Granted QoS 2", {pt::suback}},
      {0x04, "Disconnect with Will Message", {pt::disconnect}},
      {0x10, "No matching subscribers", {pt::puback, pt::pubrec}},
      {0x11, "No subscription existed", {pt::unsuback}},
      {0x18, "Continue authentication", {pt::auth}},
      {0x19, "Re-authenticate", {pt::auth}},
      {0x80, "Unspecified error",
       {pt::connack, pt::puback, pt::pubrec, pt::suback, pt::unsuback, pt::disconnect}},
      {0x81, "Malformed Packet", {pt::connack, pt::disconnect}},
      {0x82, "Protocol Error", {pt::connack, pt::disconnect}},
      {0x83, "Implementation specific error",
       {pt::connack, pt::puback, pt::pubrec, pt::suback, pt::unsuback, pt::disconnect}},
      {0x84, "Unsupported Protocol Version", {pt::connack}},
      {0x85, "Client Identifier not valid", {pt::connack}},
      {0x86, "Bad User Name or Password", {pt::connack}},
      {0x87, "Not authorized",
       {pt::connack, pt::puback, pt::pubrec, pt::suback, pt::unsuback, pt::disconnect}},
      {0x88, "Server unavailable", {pt::connack}},
      {0x89, "Server busy", {pt::connack, pt::disconnect}},
      {0x8A, "Banned", {pt::connack}},
      {0x8B, "Server shutting down", {pt::disconnect}},
      {0x8C, "Bad authentication method", {pt::connack, pt::disconnect}},
      {0x8D, "Keep Alive timeout", {pt::disconnect}},
      {0x8E, "Session taken over", {pt::disconnect}},
      {0x8F, "Topic Filter invalid", {pt::suback, pt::unsuback, pt::disconnect}},
      {0x90, "Topic Name invalid", {pt::connack, pt::puback, pt::pubrec, pt::disconnect}},
      {0x91, "Packet Identifier in use", {pt::puback, pt::pubrec, pt::suback, pt::unsuback}},
      {0x92, "Packet Identifier not found", {pt::pubrel, pt::pubcomp}},
      {0x93, "Receive Maximum exceeded", {pt::disconnect}},
      {0x94, "Topic Alias invalid", {pt::disconnect}},
      {0x95, "Packet too large", {pt::connack, pt::disconnect}},
      {0x96, "Message rate too high", {pt::disconnect}},
      {0x97, "Quota exceeded",
       {pt::connack, pt::puback, pt::pubrec, pt::suback, pt::disconnect}},
      {0x98, "Administrative action", {pt::disconnect}},
      {0x99, "Payload format invalid", {pt::connack, pt::puback, pt::pubrec, pt::disconnect}},
      {0x9A, "Retain not supported", {pt::connack, pt::disconnect}},
      {0x9B, "QoS not supported", {pt::connack, pt::disconnect}},
      {0x9C, "Use another server", {pt::connack, pt::disconnect}},
      {0x9D, "Server moved", {pt::connack, pt::disconnect}},
      {0x9E, "Shared Subscriptions not supported", {pt::suback, pt::disconnect}},
      {0x9F, "Connection rate exceeded", {pt::connack, pt::disconnect}},
      {0xA0, "Maximum connect time", {pt::disconnect}},
      {0xA1, "Subscription Identifiers not supported", {pt::suback, pt::disconnect}},
      {0xA2, "Wildcard Subscriptions not supported", {pt::suback, pt::disconnect}},
  };
  return rows;
}

bool table_allows(std::uint8_t value, packet_type t) {
  for (const table_row& row : table_2_6()) {
    if (row.value == value &&
        std::find(row.packets.begin(), row.packets.end(), t) != row.packets.end()) {
      return true;
    }
  }
  return false;
}

bool table_has(std::uint8_t value) {
  for (const table_row& row : table_2_6()) {
    if (row.value == value) return true;
  }
  return false;
}

constexpr packet_type all_packet_types[] = {
    pt::connect,   pt::connack, pt::publish,     pt::puback,   pt::pubrec,
    pt::pubrel,    pt::pubcomp, pt::subscribe,   pt::suback,   pt::unsubscribe,
    pt::unsuback,  pt::pingreq, pt::pingresp,    pt::disconnect, pt::auth,
};

// ---- reason_code_allowed -----------------------------------------------------------------

TEST(ReasonCodeAllowed, EveryValueAndPacketMatchesTable26) {
  // All 256 values against all 15 packet types: allowed exactly where table 2-6 says.
  for (unsigned v = 0; v <= 0xFF; ++v) {
    auto value = static_cast<std::uint8_t>(v);
    for (packet_type t : all_packet_types) {
      SCOPED_TRACE(hex_byte(v) + " in " + std::string(packet_type_name(t)));
      EXPECT_EQ(reason_code_allowed(value, t), table_allows(value, t));
    }
  }
}

TEST(ReasonCodeAllowed, EachTableRowIsAllowedInItsPackets) {
  for (const table_row& row : table_2_6()) {
    for (packet_type t : row.packets) {
      SCOPED_TRACE(hex_byte(row.value) + " " + std::string(row.name) + " in " +
                   std::string(packet_type_name(t)));
      EXPECT_TRUE(reason_code_allowed(row.value, t));
    }
  }
}

TEST(ReasonCodeAllowed, PacketsWithoutReasonCodesAllowNone) {
  // CONNECT, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and PINGRESP carry no Reason Code.
  for (packet_type t : {pt::connect, pt::publish, pt::subscribe, pt::unsubscribe,
                        pt::pingreq, pt::pingresp}) {
    for (unsigned v = 0; v <= 0xFF; ++v) {
      SCOPED_TRACE(hex_byte(v) + " in " + std::string(packet_type_name(t)));
      EXPECT_FALSE(reason_code_allowed(static_cast<std::uint8_t>(v), t));
    }
  }
}

TEST(ReasonCodeAllowed, OutOfRangePacketTypeAllowsNone) {
  EXPECT_FALSE(reason_code_allowed(0x00, static_cast<packet_type>(0)));
  EXPECT_FALSE(reason_code_allowed(0x00, static_cast<packet_type>(16)));
  EXPECT_FALSE(reason_code_allowed(0x80, static_cast<packet_type>(255)));
}

// The per-packet tables of chapter 3, which each packet's MUST refers to. They agree with
// table 2-6 except where noted.
void expect_packet_allows_exactly(packet_type t, std::initializer_list<std::uint8_t> values,
                                  std::initializer_list<std::uint8_t> extra_from_2_6 = {}) {
  std::set<std::uint8_t> want(values);
  want.insert(extra_from_2_6.begin(), extra_from_2_6.end());
  for (unsigned v = 0; v <= 0xFF; ++v) {
    auto value = static_cast<std::uint8_t>(v);
    SCOPED_TRACE(hex_byte(v) + " in " + std::string(packet_type_name(t)));
    EXPECT_EQ(reason_code_allowed(value, t), want.count(value) == 1);
  }
}

TEST(ReasonCodeAllowed, ConnackMatchesTable31) {
  // [MQTT-3.2.2-8] The CONNACK sender uses one of the Connect Reason Code values.
  SCOPED_TRACE("MQTT-3.2.2-8");
  expect_packet_allows_exactly(pt::connack,
                               {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
                                0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C,
                                0x9D, 0x9F});
}

TEST(ReasonCodeAllowed, PubackMatchesTable34) {
  SCOPED_TRACE("MQTT-3.4.2-1");
  expect_packet_allows_exactly(pt::puback,
                               {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
}

TEST(ReasonCodeAllowed, PubrecMatchesTable35) {
  SCOPED_TRACE("MQTT-3.5.2-1");
  expect_packet_allows_exactly(pt::pubrec,
                               {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
}

TEST(ReasonCodeAllowed, PubrelMatchesTable36) {
  SCOPED_TRACE("MQTT-3.6.2-1");
  expect_packet_allows_exactly(pt::pubrel, {0x00, 0x92});
}

TEST(ReasonCodeAllowed, PubcompMatchesTable37) {
  SCOPED_TRACE("MQTT-3.7.2-1");
  expect_packet_allows_exactly(pt::pubcomp, {0x00, 0x92});
}

TEST(ReasonCodeAllowed, SubackMatchesTable38) {
  SCOPED_TRACE("MQTT-3.9.3-2");
  expect_packet_allows_exactly(pt::suback, {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91,
                                            0x97, 0x9E, 0xA1, 0xA2});
}

TEST(ReasonCodeAllowed, UnsubackMatchesTable39) {
  SCOPED_TRACE("MQTT-3.11.3-2");
  expect_packet_allows_exactly(pt::unsuback, {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91});
}

TEST(ReasonCodeAllowed, DisconnectMatchesTable310PlusBadAuthenticationMethod) {
  // Table 3-10 omits 0x8C (Bad authentication method), which table 2-6 lists for
  // DISCONNECT; reason_code_allowed follows table 2-6.
  SCOPED_TRACE("MQTT-3.14.2-1");
  expect_packet_allows_exactly(pt::disconnect,
                               {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2},
                               {0x8C});
}

TEST(ReasonCodeAllowed, AuthMatchesTable311) {
  SCOPED_TRACE("MQTT-3.15.2-1");
  expect_packet_allows_exactly(pt::auth, {0x00, 0x18, 0x19});
}

// ---- reason_code_name --------------------------------------------------------------------

TEST(ReasonCodeName, EveryRowHasItsNameInItsPackets) {
  for (const table_row& row : table_2_6()) {
    for (packet_type t : row.packets) {
      SCOPED_TRACE(hex_byte(row.value) + " in " + std::string(packet_type_name(t)));
      EXPECT_EQ(reason_code_name(row.value, t), row.name);
    }
  }
}

TEST(ReasonCodeName, ZeroDependsOnThePacket) {
  EXPECT_EQ(reason_code_name(0x00, pt::connack), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::puback), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::pubrec), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::pubrel), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::pubcomp), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::unsuback), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::auth), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::disconnect), "Normal disconnection");
  EXPECT_EQ(reason_code_name(0x00, pt::suback), "Granted QoS 0");
  // Packets without Reason Codes fall back to the first name.
  EXPECT_EQ(reason_code_name(0x00, pt::publish), "Success");
  EXPECT_EQ(reason_code_name(0x00, pt::connect), "Success");
}

TEST(ReasonCodeName, KnownValueInAnotherPacketStillHasItsName) {
  // The name does not depend on whether the packet may carry the value.
  EXPECT_EQ(reason_code_name(0x92, pt::puback), "Packet Identifier not found");
  EXPECT_EQ(reason_code_name(0x01, pt::disconnect), "Granted QoS 1");
  EXPECT_EQ(reason_code_name(0x8B, pt::connack), "Server shutting down");
}

TEST(ReasonCodeName, UnknownValues) {
  for (unsigned v = 0; v <= 0xFF; ++v) {
    auto value = static_cast<std::uint8_t>(v);
    if (table_has(value)) continue;
    for (packet_type t : all_packet_types) {
      SCOPED_TRACE(hex_byte(v) + " in " + std::string(packet_type_name(t)));
      EXPECT_EQ(reason_code_name(value, t), "Unknown reason code");
    }
    EXPECT_EQ(reason_code_name(static_cast<reason_code>(value)), "Unknown reason code");
  }
}

TEST(ReasonCodeName, ByEnumerator) {
  struct named {
    reason_code code;
    std::string_view name;
  };
  const named all[] = {
      {reason_code::success, "Success"},
      {reason_code::normal_disconnection, "Success"},  // same value, no packet to decide
      {reason_code::granted_qos_0, "Success"},
      {reason_code::granted_qos_1, "Granted QoS 1"},
      {reason_code::granted_qos_2, "Granted QoS 2"},
      {reason_code::disconnect_with_will_message, "Disconnect with Will Message"},
      {reason_code::no_matching_subscribers, "No matching subscribers"},
      {reason_code::no_subscription_existed, "No subscription existed"},
      {reason_code::continue_authentication, "Continue authentication"},
      {reason_code::re_authenticate, "Re-authenticate"},
      {reason_code::unspecified_error, "Unspecified error"},
      {reason_code::malformed_packet, "Malformed Packet"},
      {reason_code::protocol_error, "Protocol Error"},
      {reason_code::implementation_specific_error, "Implementation specific error"},
      {reason_code::unsupported_protocol_version, "Unsupported Protocol Version"},
      {reason_code::client_identifier_not_valid, "Client Identifier not valid"},
      {reason_code::bad_user_name_or_password, "Bad User Name or Password"},
      {reason_code::not_authorized, "Not authorized"},
      {reason_code::server_unavailable, "Server unavailable"},
      {reason_code::server_busy, "Server busy"},
      {reason_code::banned, "Banned"},
      {reason_code::server_shutting_down, "Server shutting down"},
      {reason_code::bad_authentication_method, "Bad authentication method"},
      {reason_code::keep_alive_timeout, "Keep Alive timeout"},
      {reason_code::session_taken_over, "Session taken over"},
      {reason_code::topic_filter_invalid, "Topic Filter invalid"},
      {reason_code::topic_name_invalid, "Topic Name invalid"},
      {reason_code::packet_identifier_in_use, "Packet Identifier in use"},
      {reason_code::packet_identifier_not_found, "Packet Identifier not found"},
      {reason_code::receive_maximum_exceeded, "Receive Maximum exceeded"},
      {reason_code::topic_alias_invalid, "Topic Alias invalid"},
      {reason_code::packet_too_large, "Packet too large"},
      {reason_code::message_rate_too_high, "Message rate too high"},
      {reason_code::quota_exceeded, "Quota exceeded"},
      {reason_code::administrative_action, "Administrative action"},
      {reason_code::payload_format_invalid, "Payload format invalid"},
      {reason_code::retain_not_supported, "Retain not supported"},
      {reason_code::qos_not_supported, "QoS not supported"},
      {reason_code::use_another_server, "Use another server"},
      {reason_code::server_moved, "Server moved"},
      {reason_code::shared_subscriptions_not_supported, "Shared Subscriptions not supported"},
      {reason_code::connection_rate_exceeded, "Connection rate exceeded"},
      {reason_code::maximum_connect_time, "Maximum connect time"},
      {reason_code::subscription_identifiers_not_supported,
       "Subscription Identifiers not supported"},
      {reason_code::wildcard_subscriptions_not_supported,
       "Wildcard Subscriptions not supported"},
  };
  for (const named& n : all) {
    SCOPED_TRACE(hex_byte(static_cast<unsigned>(n.code)));
    EXPECT_EQ(reason_code_name(n.code), n.name);
  }
}

TEST(ReasonCodeName, EnumeratorValuesMatchTable26) {
  // Every enumerator's value is a row of table 2-6 with the same name.
  for (const table_row& row : table_2_6()) {
    if (row.value == 0x00) continue;  // three names, checked in ZeroDependsOnThePacket
    EXPECT_EQ(reason_code_name(static_cast<reason_code>(row.value)), row.name);
  }
}

// ---- is_error ----------------------------------------------------------------------------

TEST(ReasonCode, ErrorsAreAt0x80AndAbove) {
  // 2.4: values below 0x80 report success, 0x80 and above failure.
  EXPECT_FALSE(is_error(reason_code::success));
  EXPECT_FALSE(is_error(reason_code::granted_qos_2));
  EXPECT_FALSE(is_error(reason_code::no_matching_subscribers));
  EXPECT_FALSE(is_error(reason_code::re_authenticate));
  EXPECT_FALSE(is_error(static_cast<reason_code>(0x7F)));
  EXPECT_TRUE(is_error(reason_code::unspecified_error));
  EXPECT_TRUE(is_error(reason_code::wildcard_subscriptions_not_supported));
  EXPECT_TRUE(is_error(static_cast<reason_code>(0xFF)));
}

// ---- MQTT 3.1.1 Connect Return codes -----------------------------------------------------

TEST(ConnectReturnCode, NamesFollowTable31) {
  EXPECT_EQ(connect_return_code_name(0x00), "Connection Accepted");
  EXPECT_EQ(connect_return_code_name(0x01),
            "Connection Refused, unacceptable protocol version");
  EXPECT_EQ(connect_return_code_name(0x02), "Connection Refused, identifier rejected");
  EXPECT_EQ(connect_return_code_name(0x03), "Connection Refused, Server unavailable");
  EXPECT_EQ(connect_return_code_name(0x04), "Connection Refused, bad user name or password");
  EXPECT_EQ(connect_return_code_name(0x05), "Connection Refused, not authorized");
}

TEST(ConnectReturnCode, SixAndAboveAreReserved) {
  for (unsigned v = 6; v <= 0xFF; ++v) {
    SCOPED_TRACE(hex_byte(v));
    EXPECT_EQ(connect_return_code_name(static_cast<std::uint8_t>(v)), "Reserved");
  }
}

TEST(ConnectReturnCode, EnumeratorsCarryTheWireValues) {
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::accepted), 0u);
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::unacceptable_protocol_version), 1u);
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::identifier_rejected), 2u);
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::server_unavailable), 3u);
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::bad_user_name_or_password), 4u);
  EXPECT_EQ(static_cast<unsigned>(connect_return_code::not_authorized), 5u);
}

TEST(ConnectReturnCode, MapsV5ReasonsToClosestReturnCode) {
  using rc = reason_code;
  using cr = connect_return_code;
  EXPECT_EQ(to_connect_return_code(rc::success), cr::accepted);
  EXPECT_EQ(to_connect_return_code(rc::unsupported_protocol_version),
            cr::unacceptable_protocol_version);
  EXPECT_EQ(to_connect_return_code(rc::client_identifier_not_valid), cr::identifier_rejected);
  EXPECT_EQ(to_connect_return_code(rc::bad_user_name_or_password),
            cr::bad_user_name_or_password);
  EXPECT_EQ(to_connect_return_code(rc::not_authorized), cr::not_authorized);
  EXPECT_EQ(to_connect_return_code(rc::banned), cr::not_authorized);
  EXPECT_EQ(to_connect_return_code(rc::server_unavailable), cr::server_unavailable);
  EXPECT_EQ(to_connect_return_code(rc::server_busy), cr::server_unavailable);
}

TEST(ConnectReturnCode, OtherConnackRefusalsMapToServerUnavailable) {
  // Every other CONNACK value of table 2-6 has no 3.1.1 counterpart.
  const std::uint8_t refusals[] = {0x80, 0x81, 0x82, 0x83, 0x8C, 0x90, 0x95,
                                   0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
  for (std::uint8_t v : refusals) {
    SCOPED_TRACE(hex_byte(v));
    ASSERT_TRUE(reason_code_allowed(v, pt::connack));
    EXPECT_EQ(to_connect_return_code(static_cast<reason_code>(v)),
              connect_return_code::server_unavailable);
  }
}

}  // namespace
}  // namespace mqtt::codec
