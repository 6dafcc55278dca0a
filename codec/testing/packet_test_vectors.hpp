// packet_test_vectors.hpp: one valid packet of every type for every version, as the
// struct and as the exact bytes (hex spaced at field boundaries, as Mosquitto's
// test/broker data does). Shared by the decoder, encoder and framer tests.
#pragma once

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/hex.hpp"
#include "codec/packets.hpp"

namespace mqtt::codec::test {

struct packet_vector {
  std::string name;
  protocol_version version;
  std::string hex;
  packet value;
};

inline void PrintTo(const packet_vector& tv, std::ostream* os) {
  *os << tv.name << " [" << tv.hex << "]";
}

inline byte_buffer bytes_of(std::string_view s) { return byte_buffer(s.begin(), s.end()); }

inline std::vector<packet_vector> packet_vectors() {
  using v = protocol_version;
  std::vector<packet_vector> out;

  {
    connect_packet p;
    p.version = v::v3_1_1;
    p.keep_alive = 60;
    p.client_id = "c1";
    out.push_back({"connect_minimal", v::v3_1_1, "10 0E 0004 4D515454 04 02 003C 0002 6331", p});
  }
  {
    connect_packet p;
    p.version = v::v3_1_1;
    p.keep_alive = 10;
    p.client_id = "id";
    p.will = will_message{"w", bytes_of("bye"), qos::at_least_once, true, {}};
    p.username = "u";
    p.password = bytes_of("p");
    out.push_back({"connect_will_user_password", v::v3_1_1,
                   "10 1C 0004 4D515454 04 EE 000A 0002 6964 0001 77 0003 627965 0001 75 0001 70",
                   p});
  }
  {
    connect_packet p;
    p.version = v::v3_1;
    p.keep_alive = 60;
    p.client_id = "c1";
    out.push_back({"connect_mqisdp", v::v3_1, "10 10 0006 4D5149736470 03 02 003C 0002 6331", p});
  }
  {
    connect_packet p;
    p.version = v::v5_0;
    p.keep_alive = 60;
    p.client_id = "c1";
    p.props.session_expiry_interval = 120;
    p.props.receive_maximum = 20;
    out.push_back({"connect_properties", v::v5_0,
                   "10 17 0004 4D515454 05 02 003C 08 11 00000078 21 0014 0002 6331", p});
  }
  {
    connect_packet p;
    p.version = v::v5_0;
    p.keep_alive = 10;
    p.client_id = "id";
    will_message w{"w", bytes_of("bye"), qos::at_most_once, false, {}};
    w.props.will_delay_interval = 10;
    p.will = w;
    p.username = "u";
    p.password = bytes_of("p");
    out.push_back({"connect_will_properties", v::v5_0,
                   "10 23 0004 4D515454 05 C6 000A 00 0002 6964 05 18 0000000A 0001 77 "
                   "0003 627965 0001 75 0001 70",
                   p});
  }
  {
    connect_packet p;
    p.version = v::v5_0;
    p.clean_start = false;
    p.client_id = "c";
    p.password = bytes_of("pw");  // 5.0 allows a password without a user name
    out.push_back({"connect_password_only", v::v5_0,
                   "10 12 0004 4D515454 05 40 0000 00 0001 63 0002 7077", p});
  }

  out.push_back({"connack_session_present", v::v3_1_1, "20 02 01 00", connack_packet{true, 0, {}}});
  out.push_back({"connack_not_authorized", v::v3_1_1, "20 02 00 05", connack_packet{false, 5, {}}});
  out.push_back({"connack_plain", v::v5_0, "20 03 00 00 00", connack_packet{}});
  {
    connack_packet p;
    p.props.assigned_client_identifier = "ab";
    p.props.topic_alias_maximum = 10;
    out.push_back({"connack_properties", v::v5_0, "20 0B 00 00 08 12 0002 6162 22 000A", p});
  }

  {
    publish_packet p;
    p.topic = "a/b";
    p.payload = bytes_of("hi");
    out.push_back({"publish_qos0", v::v3_1_1, "30 07 0003 612F62 6869", p});
    out.push_back({"publish_qos0", v::v5_0, "30 08 0003 612F62 00 6869", p});
    p.dup = true;
    p.qos_level = qos::at_least_once;
    p.retain = true;
    p.packet_id = 1;
    out.push_back({"publish_qos1_dup_retain", v::v3_1_1, "3B 09 0003 612F62 0001 6869", p});
    p.dup = false;
    p.retain = false;
    p.qos_level = qos::exactly_once;
    p.packet_id = 0x1234;
    out.push_back({"publish_qos2", v::v3_1_1, "34 09 0003 612F62 1234 6869", p});
  }
  {
    publish_packet p;
    p.qos_level = qos::at_least_once;
    p.topic = "a/b";
    p.packet_id = 10;
    p.props.payload_format_indicator = 1;
    p.props.message_expiry_interval = 60;
    p.props.content_type = "text";
    p.props.topic_alias = 5;
    p.props.user_properties = {{"k", "v"}};
    p.payload = bytes_of("hi");
    out.push_back({"publish_qos1_properties", v::v5_0,
                   "32 22 0003 612F62 000A 18 01 01 02 0000003C 03 0004 74657874 23 0005 "
                   "26 0001 6B 0001 76 6869",
                   p});
  }
  {
    publish_packet p;
    p.topic = "";
    p.props.topic_alias = 1;
    out.push_back({"publish_alias_only", v::v5_0, "30 06 0000 03 23 0001", p});
  }

  out.push_back({"puback", v::v3_1_1, "40 02 0001", puback_packet{1, {}, {}}});
  out.push_back({"puback_success_short", v::v5_0, "40 02 0001", puback_packet{1, {}, {}}});
  out.push_back({"puback_no_matching_subscribers", v::v5_0, "40 03 0001 10",
                 puback_packet{1, reason_code::no_matching_subscribers, {}}});
  {
    puback_packet p{1, reason_code::not_authorized, {}};
    p.props.reason_string = "x";
    out.push_back({"puback_reason_string", v::v5_0, "40 08 0001 87 04 1F 0001 78", p});
  }
  out.push_back({"pubrec", v::v3_1_1, "50 02 0001", pubrec_packet{1, {}, {}}});
  out.push_back({"pubrec_quota_exceeded", v::v5_0, "50 03 0001 97",
                 pubrec_packet{1, reason_code::quota_exceeded, {}}});
  out.push_back({"pubrel", v::v3_1_1, "62 02 0001", pubrel_packet{1, {}, {}}});
  out.push_back({"pubrel_not_found", v::v5_0, "62 03 0001 92",
                 pubrel_packet{1, reason_code::packet_identifier_not_found, {}}});
  out.push_back({"pubcomp", v::v3_1_1, "70 02 0001", pubcomp_packet{1, {}, {}}});
  out.push_back({"pubcomp", v::v5_0, "70 02 FFFF", pubcomp_packet{0xFFFF, {}, {}}});

  {
    subscribe_packet p;
    p.packet_id = 1;
    p.subscriptions = {{"a/b", {qos::at_least_once}}, {"#", {qos::at_most_once}}};
    out.push_back({"subscribe_two_filters", v::v3_1_1, "82 0C 0001 0003 612F62 01 0001 23 00", p});
  }
  {
    subscribe_packet p;
    p.packet_id = 1;
    p.props.subscription_identifiers = {5};
    p.subscriptions = {{"a/+",
                        {qos::exactly_once, true, true, retain_handling::send_if_new_subscription}}};
    out.push_back({"subscribe_options", v::v5_0, "82 0B 0001 02 0B 05 0003 612F2B 1E", p});
  }
  out.push_back({"suback", v::v3_1_1, "90 05 0001 01 00 80", suback_packet{1, {}, {1, 0, 0x80}}});
  out.push_back({"suback", v::v5_0, "90 05 0001 00 02 8F", suback_packet{1, {}, {2, 0x8F}}});
  out.push_back({"unsubscribe", v::v3_1_1, "A2 07 0002 0003 612F62",
                 unsubscribe_packet{2, {}, {"a/b"}}});
  out.push_back({"unsubscribe", v::v5_0, "A2 08 0002 00 0003 612F62",
                 unsubscribe_packet{2, {}, {"a/b"}}});
  out.push_back({"unsuback", v::v3_1_1, "B0 02 0002", unsuback_packet{2, {}, {}}});
  out.push_back({"unsuback", v::v5_0, "B0 05 0002 00 00 11", unsuback_packet{2, {}, {0x00, 0x11}}});
  out.push_back({"pingreq", v::v3_1_1, "C0 00", pingreq_packet{}});
  out.push_back({"pingreq", v::v5_0, "C0 00", pingreq_packet{}});
  out.push_back({"pingresp", v::v3_1_1, "D0 00", pingresp_packet{}});
  out.push_back({"pingresp", v::v5_0, "D0 00", pingresp_packet{}});
  out.push_back({"disconnect", v::v3_1_1, "E0 00", disconnect_packet{}});
  out.push_back({"disconnect_normal", v::v5_0, "E0 00", disconnect_packet{}});
  out.push_back({"disconnect_with_will", v::v5_0, "E0 01 04",
                 disconnect_packet{reason_code::disconnect_with_will_message, {}}});
  {
    disconnect_packet p{reason_code::session_taken_over, {}};
    p.props.reason_string = "x";
    out.push_back({"disconnect_reason_string", v::v5_0, "E0 06 8E 04 1F 0001 78", p});
  }
  out.push_back({"auth_success", v::v5_0, "F0 00", auth_packet{}});
  {
    auth_packet p{reason_code::continue_authentication, {}};
    p.props.authentication_method = "X";
    p.props.authentication_data = byte_buffer{0x01, 0x02};
    out.push_back({"auth_continue", v::v5_0, "F0 0B 18 09 15 0001 58 16 0002 0102", p});
  }
  return out;
}

inline byte_buffer hex_bytes(std::string_view hex) {
  auto b = from_hex(hex);
  if (!b) throw std::invalid_argument("bad hex in test: " + std::string(hex));
  return *b;
}

}  // namespace mqtt::codec::test
