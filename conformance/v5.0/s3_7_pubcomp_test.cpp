// 3.7 PUBCOMP: the server's PUBCOMP carries a PUBCOMP Reason Code (0x00 or 0x92), and
// its optional Reason String and User Properties never push it past the client's Maximum
// Packet Size.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Pubcomp : public v5_test {
 protected:
  // Table 3-7, PUBCOMP Reason Codes: 0x00 Success, 0x92 Packet Identifier not found.
  static bool is_pubcomp_reason(codec::reason_code r) {
    return r == codec::reason_code::success ||
           r == codec::reason_code::packet_identifier_not_found;
  }
  // pubcomp_for sends PUBREL for `id` and returns the reply.
  static received pubcomp_for(raw_client& c, std::uint16_t id) {
    codec::pubrel_packet rel;
    rel.packet_id = id;
    c.send_packet(rel);
    return c.expect_packet();
  }
  void check_small_pubcomp() {
    MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("pub", o);
    ASSERT_TRUE(c);
    auto r = pubcomp_for(*c, 0x0404);  // no QoS 2 exchange open: 0x92 case
    ASSERT_TRUE(r.as<codec::pubcomp_packet>()) << mismatch("S→C PUBCOMP 70 .. 0404", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C PUBCOMP of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.7.2-1] The server's PUBCOMP uses a PUBCOMP Reason Code: 0x00 after a normal
// QoS 2 exchange, 0x00 or 0x92 for a PUBREL with an unknown Packet Identifier.
TEST_F(V5Pubcomp, ReasonCodeIsAPubcompReasonCode) {
  statement("MQTT-3.7.2-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  codec::publish_packet p;
  p.topic = topic("comp");
  p.payload = payload_bytes("x");
  p.qos_level = codec::qos::exactly_once;
  p.packet_id = 9;
  pub->send_packet(p);
  auto r = pub->expect_ack();
  ASSERT_TRUE(r.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 .. 0009", r);
  auto r2 = pubcomp_for(*pub, 9);
  const auto* comp = r2.as<codec::pubcomp_packet>();
  ASSERT_TRUE(comp && comp->packet_id == 9) << mismatch("S→C PUBCOMP 70 .. 0009", r2);
  EXPECT_EQ(comp->reason, codec::reason_code::success) << mismatch("S→C PUBCOMP reason 00", r2);
  auto r3 = pubcomp_for(*pub, 0x6666);
  const auto* comp2 = r3.as<codec::pubcomp_packet>();
  ASSERT_TRUE(comp2 && comp2->packet_id == 0x6666) << mismatch("S→C PUBCOMP 70 .. 6666", r3);
  EXPECT_TRUE(is_pubcomp_reason(comp2->reason))
      << mismatch("S→C PUBCOMP with reason 00 or 92 (Packet Identifier not found)", r3);
}

// [MQTT-3.7.2-2] No Reason String that would make the PUBCOMP exceed the client's Maximum
// Packet Size (16 bytes), here for the 0x92 case that invites an explanation.
TEST_F(V5Pubcomp, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.7.2-2");
  check_small_pubcomp();
}

// [MQTT-3.7.2-3] No User Property that would make the PUBCOMP exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Pubcomp, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.7.2-3");
  check_small_pubcomp();
}
