// packet_rejection_vectors.hpp: every decoder rejection path as bytes, the version they
// are read with, and the outcome and reason code expected. Shared by the decoder's unit
// test and the interop test that sends each one to mqtt-refbroker over TCP.
#pragma once

#include <ostream>
#include <string>

#include "codec/decode_result.hpp"
#include "codec/reason_code.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec::test {

// A rejection: bytes, the version they are read with, the outcome and reason expected.
struct rejection {
  std::string name;
  protocol_version version;
  std::string hex;
  decode_status status;
  reason_code code;
  std::string id;  // statement ID the `why` must cite, if any
};

inline void PrintTo(const rejection& r, std::ostream* os) {
  *os << r.name << " [" << r.hex << "]";
}

inline constexpr auto M = decode_status::malformed;
inline constexpr auto P = decode_status::protocol_error;
inline constexpr auto rc_malformed = reason_code::malformed_packet;
inline constexpr auto rc_protocol = reason_code::protocol_error;

using pv = protocol_version;

inline const rejection rejections[] = {
    // Fixed header
    {"reserved_type_0", pv::v5_0, "00 00", M, rc_malformed, ""},
    {"auth_type_before_v5", pv::v3_1_1, "F0 00", M, rc_malformed, ""},
    {"remaining_length_five_bytes", pv::v5_0, "30 FF FF FF FF 7F", M, rc_malformed, ""},
    {"remaining_length_five_bytes", pv::v3_1_1, "30 FF FF FF FF 7F", M, rc_malformed, ""},
    {"remaining_length_non_minimal", pv::v5_0, "C0 80 00", M, rc_malformed, "MQTT-1.5.5-1"},
    // CONNECT
    {"connect_flags_in_fixed_header", pv::v3_1_1, "11 0E 0004 4D515454 04 02 003C 0002 6331", M,
     rc_malformed, "MQTT-2.2.2-1"},
    {"connect_flags_in_fixed_header", pv::v5_0, "12 0F 0004 4D515454 05 02 003C 00 0002 6331", M,
     rc_malformed, "MQTT-2.1.3-1"},
    {"connect_protocol_name", pv::v5_0, "10 0F 0004 4D515458 05 02 003C 00 0002 6331", P,
     reason_code::unsupported_protocol_version, "MQTT-3.1.2-1"},
    {"connect_protocol_level_6", pv::v5_0, "10 0F 0004 4D515454 06 02 003C 00 0002 6331", P,
     reason_code::unsupported_protocol_version, "MQTT-3.1.2-2"},
    {"connect_protocol_level_2", pv::v3_1_1, "10 0E 0004 4D515454 02 02 003C 0002 6331", P,
     reason_code::unsupported_protocol_version, ""},
    {"connect_mqisdp_level_4", pv::v3_1_1, "10 10 0006 4D5149736470 04 02 003C 0002 6331", P,
     reason_code::unsupported_protocol_version, ""},
    {"connect_reserved_flag", pv::v3_1_1, "10 0E 0004 4D515454 04 03 003C 0002 6331", M,
     rc_malformed, "MQTT-3.1.2-3"},
    {"connect_reserved_flag", pv::v5_0, "10 0F 0004 4D515454 05 03 003C 00 0002 6331", M,
     rc_malformed, "MQTT-3.1.2-3"},
    {"connect_will_qos_without_will", pv::v3_1_1, "10 0E 0004 4D515454 04 0A 003C 0002 6331", M,
     rc_malformed, "MQTT-3.1.2-13"},
    {"connect_will_qos_without_will", pv::v5_0, "10 0F 0004 4D515454 05 0A 003C 00 0002 6331", M,
     rc_malformed, "MQTT-3.1.2-11"},
    {"connect_will_qos_3", pv::v3_1_1,
     "10 14 0004 4D515454 04 1E 003C 0002 6331 0001 77 0001 78", M, rc_malformed,
     "MQTT-3.1.2-14"},
    {"connect_will_qos_3", pv::v5_0,
     "10 16 0004 4D515454 05 1E 003C 00 0002 6331 00 0001 77 0001 78", M, rc_malformed,
     "MQTT-3.1.2-12"},
    {"connect_will_retain_without_will", pv::v3_1_1, "10 0E 0004 4D515454 04 22 003C 0002 6331",
     M, rc_malformed, "MQTT-3.1.2-15"},
    {"connect_will_retain_without_will", pv::v5_0,
     "10 0F 0004 4D515454 05 22 003C 00 0002 6331", M, rc_malformed, "MQTT-3.1.2-13"},
    {"connect_password_without_user_name", pv::v3_1_1,
     "10 12 0004 4D515454 04 42 003C 0002 6331 0002 7077", M, rc_malformed, "MQTT-3.1.2-22"},
    {"connect_client_id_ill_formed", pv::v3_1_1, "10 0E 0004 4D515454 04 02 003C 0002 C328", M,
     rc_malformed, "MQTT-1.5.3-1"},
    {"connect_client_id_null", pv::v5_0, "10 0E 0004 4D515454 05 02 003C 00 0001 00", M,
     rc_malformed, "MQTT-1.5.4-2"},
    {"connect_client_id_surrogate", pv::v5_0, "10 10 0004 4D515454 05 02 003C 00 0003 EDA080", M,
     rc_malformed, "MQTT-1.5.4-1"},
    {"connect_client_id_truncated", pv::v3_1_1, "10 0E 0004 4D515454 04 02 003C 0005 6331", M,
     rc_malformed, ""},
    {"connect_will_payload_missing", pv::v3_1_1, "10 11 0004 4D515454 04 06 003C 0002 6331 0001 77",
     M, rc_malformed, ""},
    {"connect_user_name_missing", pv::v5_0, "10 0F 0004 4D515454 05 82 003C 00 0002 6331", M,
     rc_malformed, ""},
    {"connect_trailing_bytes", pv::v3_1_1, "10 0F 0004 4D515454 04 02 003C 0002 6331 FF", M,
     rc_malformed, ""},
    {"connect_property_not_allowed", pv::v5_0,
     "10 12 0004 4D515454 05 02 003C 03 23 0001 0002 6331", M, rc_malformed, ""},
    {"connect_receive_maximum_0", pv::v5_0, "10 12 0004 4D515454 05 02 003C 03 21 0000 0002 6331",
     P, rc_protocol, ""},
    {"connect_auth_data_without_method", pv::v5_0,
     "10 13 0004 4D515454 05 02 003C 04 16 0001 AA 0002 6331", P, rc_protocol, ""},
    {"connect_will_property_not_allowed", pv::v5_0,
     "10 19 0004 4D515454 05 06 003C 00 0002 6331 03 23 0001 0001 77 0001 78", M, rc_malformed, ""},
    // CONNACK
    {"connack_reserved_flags", pv::v3_1_1, "20 02 02 00", M, rc_malformed, ""},
    {"connack_reserved_flags", pv::v5_0, "20 03 02 00 00", M, rc_malformed, "MQTT-3.2.2-1"},
    {"connack_return_code_6", pv::v3_1_1, "20 02 00 06", M, rc_malformed, ""},
    {"connack_reason_not_for_connack", pv::v5_0, "20 03 00 04 00", M, rc_malformed,
     "MQTT-3.2.2-8"},
    {"connack_v311_extra_byte", pv::v3_1_1, "20 03 00 00 00", M, rc_malformed, ""},
    {"connack_flags_in_fixed_header", pv::v3_1_1, "21 02 00 00", M, rc_malformed, "MQTT-2.2.2-1"},
    // PUBLISH
    {"publish_qos_3", pv::v3_1_1, "36 09 0003 612F62 0001 6869", M, rc_malformed, "MQTT-3.3.1-4"},
    {"publish_qos_3", pv::v5_0, "36 0A 0003 612F62 0001 00 6869", M, rc_malformed,
     "MQTT-3.3.1-4"},
    {"publish_dup_on_qos_0", pv::v3_1_1, "38 07 0003 612F62 6869", M, rc_malformed,
     "MQTT-3.3.1-2"},
    {"publish_dup_on_qos_0", pv::v5_0, "38 08 0003 612F62 00 6869", M, rc_malformed,
     "MQTT-3.3.1-2"},
    {"publish_wildcard_plus", pv::v3_1_1, "30 07 0003 612F2B 6869", P,
     reason_code::topic_name_invalid, "MQTT-3.3.2-2"},
    {"publish_wildcard_hash", pv::v5_0, "30 08 0003 612F23 00 6869", P,
     reason_code::topic_name_invalid, "MQTT-3.3.2-2"},
    {"publish_empty_topic", pv::v3_1_1, "30 04 0000 6869", P, reason_code::topic_name_invalid,
     "MQTT-4.7.3-1"},
    // 3.3.2.3.4: "It is a Protocol Error if the Topic Name is zero length and there is no
    // Topic Alias." (0x82, not 0x90 Topic Name invalid, which is for a well-formed name.)
    {"publish_empty_topic_no_alias", pv::v5_0, "30 05 0000 00 6869", P, rc_protocol, ""},
    {"publish_packet_id_0", pv::v3_1_1, "32 09 0003 612F62 0000 6869", P, rc_protocol,
     "MQTT-2.3.1-1"},
    {"publish_packet_id_0", pv::v5_0, "32 0A 0003 612F62 0000 00 6869", P, rc_protocol,
     "MQTT-2.2.1-3"},
    {"publish_packet_id_truncated", pv::v3_1_1, "32 06 0003 612F62 00", M, rc_malformed, ""},
    {"publish_topic_ill_formed", pv::v5_0, "30 06 0002 C328 00 68", M, rc_malformed,
     "MQTT-1.5.4-1"},
    {"publish_topic_null", pv::v3_1_1, "30 05 0002 6100 68", M, rc_malformed, "MQTT-1.5.3-2"},
    {"publish_topic_truncated", pv::v3_1_1, "30 03 0005 61", M, rc_malformed, ""},
    {"publish_property_not_allowed", pv::v5_0, "30 0D 0003 612F62 05 11 0000000A 6869", M,
     rc_malformed, ""},
    {"publish_topic_alias_0", pv::v5_0, "30 0B 0003 612F62 03 23 0000 6869", P,
     reason_code::topic_alias_invalid, "MQTT-3.3.2-8"},
    {"publish_response_topic_wildcard", pv::v5_0, "30 0E 0003 612F62 06 08 0003 612F23 6869", P,
     rc_protocol, "MQTT-3.3.2-14"},
    {"connect_will_response_topic_wildcard", pv::v5_0,
     "10 1C 0004 4D515454 05 06 003C 00 0002 6331 06 08 0003 612F2B 0001 77 0001 78", P,
     rc_protocol, "MQTT-3.3.2-14"},
    {"publish_property_length_past_end", pv::v5_0, "30 08 0003 612F62 09 6869", M, rc_malformed,
     ""},
    // PUBACK, PUBREC, PUBREL, PUBCOMP
    {"puback_flags", pv::v3_1_1, "42 02 0001", M, rc_malformed, "MQTT-2.2.2-1"},
    {"puback_v311_reason_byte", pv::v3_1_1, "40 03 0001 00", M, rc_malformed, ""},
    {"puback_packet_id_0", pv::v5_0, "40 02 0000", P, rc_protocol, ""},
    {"puback_truncated", pv::v3_1_1, "40 01 00", M, rc_malformed, ""},
    {"puback_reason_not_for_puback", pv::v5_0, "40 03 0001 01", M, rc_malformed, ""},
    {"puback_property_not_allowed", pv::v5_0, "40 06 0001 00 02 01 01", M, rc_malformed, ""},
    {"pubrec_flags", pv::v5_0, "51 02 0001", M, rc_malformed, "MQTT-2.1.3-1"},
    {"pubrec_reason_not_for_pubrec", pv::v5_0, "50 03 0001 92", M, rc_malformed, ""},
    {"pubrel_flags_0", pv::v3_1_1, "60 02 0001", M, rc_malformed, "MQTT-3.6.1-1"},
    {"pubrel_flags_0", pv::v5_0, "60 02 0001", M, rc_malformed, "MQTT-2.1.3-1"},
    {"pubrel_reason_not_for_pubrel", pv::v5_0, "62 03 0001 10", M, rc_malformed, ""},
    {"pubcomp_flags", pv::v3_1_1, "72 02 0001", M, rc_malformed, ""},
    // SUBSCRIBE
    {"subscribe_flags_0", pv::v3_1_1, "80 08 0001 0003 612F62 01", M, rc_malformed,
     "MQTT-3.8.1-1"},
    {"subscribe_flags_0", pv::v5_0, "80 09 0001 00 0003 612F62 01", M, rc_malformed,
     "MQTT-3.8.1-1"},
    {"subscribe_no_payload", pv::v3_1_1, "82 02 0001", P, rc_protocol, "MQTT-3.8.3-3"},
    {"subscribe_no_payload", pv::v5_0, "82 03 0001 00", P, rc_protocol, "MQTT-3.8.3-2"},
    {"subscribe_packet_id_0", pv::v3_1_1, "82 08 0000 0003 612F62 01", P, rc_protocol,
     "MQTT-2.3.1-1"},
    {"subscribe_reserved_qos_bits", pv::v3_1_1, "82 08 0001 0003 612F62 04", M, rc_malformed,
     "MQTT-3.8.3-4"},
    {"subscribe_qos_3", pv::v3_1_1, "82 08 0001 0003 612F62 03", M, rc_malformed,
     "MQTT-3.8.3-4"},
    {"subscribe_reserved_option_bits", pv::v5_0, "82 09 0001 00 0003 612F62 40", M, rc_malformed,
     "MQTT-3.8.3-5"},
    {"subscribe_qos_3", pv::v5_0, "82 09 0001 00 0003 612F62 03", M, rc_malformed, ""},
    {"subscribe_retain_handling_3", pv::v5_0, "82 09 0001 00 0003 612F62 30", P, rc_protocol, ""},
    {"subscribe_options_missing", pv::v3_1_1, "82 07 0001 0003 612F62", M, rc_malformed, ""},
    {"subscribe_filter_ill_formed", pv::v5_0, "82 08 0001 00 0002 C328 00", M, rc_malformed,
     "MQTT-1.5.4-1"},
    {"subscribe_subscription_id_0", pv::v5_0, "82 0B 0001 02 0B 00 0003 612F62 00", P,
     rc_protocol, ""},
    {"subscribe_subscription_id_twice", pv::v5_0, "82 0D 0001 04 0B 01 0B 02 0003 612F62 00", P,
     rc_protocol, ""},
    // SUBACK
    {"suback_return_code_3", pv::v3_1_1, "90 03 0001 03", M, rc_malformed, ""},
    {"suback_reason_not_for_suback", pv::v5_0, "90 04 0001 00 04", M, rc_malformed, ""},
    {"suback_no_codes", pv::v3_1_1, "90 02 0001", P, rc_protocol, ""},
    {"suback_flags", pv::v3_1_1, "92 03 0001 00", M, rc_malformed, ""},
    // UNSUBSCRIBE, UNSUBACK
    {"unsubscribe_flags_0", pv::v3_1_1, "A0 07 0002 0003 612F62", M, rc_malformed,
     "MQTT-3.10.1-1"},
    {"unsubscribe_no_filter", pv::v3_1_1, "A2 02 0002", P, rc_protocol, "MQTT-3.10.3-2"},
    {"unsubscribe_no_filter", pv::v5_0, "A2 03 0002 00", P, rc_protocol, "MQTT-3.10.3-2"},
    {"unsubscribe_packet_id_0", pv::v5_0, "A2 08 0000 00 0003 612F62", P, rc_protocol, ""},
    {"unsubscribe_filter_truncated", pv::v3_1_1, "A2 05 0002 0003 61", M, rc_malformed, ""},
    {"unsuback_no_codes", pv::v5_0, "B0 03 0002 00", P, rc_protocol, ""},
    {"unsuback_reason_not_for_unsuback", pv::v5_0, "B0 04 0002 00 01", M, rc_malformed, ""},
    {"unsuback_v311_extra", pv::v3_1_1, "B0 03 0002 00", M, rc_malformed, ""},
    // PINGREQ, PINGRESP
    {"pingreq_flags", pv::v3_1_1, "C1 00", M, rc_malformed, "MQTT-2.2.2-1"},
    {"pingreq_body", pv::v5_0, "C0 01 00", M, rc_malformed, ""},
    {"pingresp_body", pv::v3_1_1, "D0 01 00", M, rc_malformed, ""},
    // DISCONNECT
    {"disconnect_flags", pv::v5_0, "E1 00", M, rc_malformed, "MQTT-3.14.1-1"},
    {"disconnect_flags", pv::v3_1_1, "E2 00", M, rc_malformed, "MQTT-2.2.2-1"},
    {"disconnect_v311_body", pv::v3_1_1, "E0 01 00", M, rc_malformed, ""},
    {"disconnect_reason_not_for_disconnect", pv::v5_0, "E0 01 01", M, rc_malformed,
     "MQTT-3.14.2-1"},
    {"disconnect_property_not_allowed", pv::v5_0, "E0 05 00 03 23 0001", M, rc_malformed, ""},
    {"disconnect_session_expiry_twice", pv::v5_0, "E0 0C 00 0A 11 00000001 11 00000002", P,
     rc_protocol, ""},
    // AUTH
    {"auth_flags", pv::v5_0, "F1 00", M, rc_malformed, "MQTT-3.15.1-1"},
    {"auth_reason_without_property_length", pv::v5_0, "F0 01 18", M, rc_malformed, ""},
    {"auth_reason_not_for_auth", pv::v5_0, "F0 02 87 00", M, rc_malformed, "MQTT-3.15.2-1"},
    {"auth_data_without_method", pv::v5_0, "F0 06 18 04 16 0001 AA", P, rc_protocol, ""},
};

}  // namespace mqtt::codec::test
