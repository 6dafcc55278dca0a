// 3.6 PUBREL: the server's PUBREL carries a PUBREL Reason Code (0x00 or 0x92), and its
// optional Reason String and User Properties never push it past the client's Maximum
// Packet Size. Bad PUBREL flags (3.6.1-1) are a row of data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Pubrel : public v5_test {
 protected:
  // Table 3-6, PUBREL Reason Codes: 0x00 Success, 0x92 Packet Identifier not found.
  static bool is_pubrel_reason(codec::reason_code r) {
    return r == codec::reason_code::success ||
           r == codec::reason_code::packet_identifier_not_found;
  }
  // pubrel_for_unknown sends PUBREC for a Packet Identifier the server never used: the
  // server answers PUBREL, 0x92 being the code for exactly this case.
  static received pubrel_for_unknown(raw_client& c, std::uint16_t id) {
    codec::pubrec_packet rec;
    rec.packet_id = id;
    c.send_packet(rec);
    return c.expect_packet();
  }
  void check_small_pubrel() {
    MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("sub", o);
    ASSERT_TRUE(c);
    auto r = pubrel_for_unknown(*c, 0x0303);
    ASSERT_TRUE(r.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL 62 .. 0303", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C PUBREL of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.6.2-1] The server's PUBREL uses a PUBREL Reason Code: 0x00 in a normal QoS 2
// delivery, 0x00 or 0x92 for a PUBREC with an unknown Packet Identifier.
TEST_F(V5Pubrel, ReasonCodeIsAPubrelReasonCode) {
  statement("MQTT-3.6.2-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("rel");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::exactly_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::exactly_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, /*acknowledge=*/false));
  codec::pubrec_packet rec;
  rec.packet_id = got.packet_id;
  sub->send_packet(rec);
  auto r = sub->expect_packet();
  const auto* rel = r.as<codec::pubrel_packet>();
  ASSERT_TRUE(rel && rel->packet_id == got.packet_id) << mismatch("S→C PUBREL 62 ..", r);
  EXPECT_EQ(rel->reason, codec::reason_code::success) << mismatch("S→C PUBREL reason 00", r);
  codec::pubcomp_packet comp;
  comp.packet_id = got.packet_id;
  sub->send_packet(comp);
  auto r2 = pubrel_for_unknown(*sub, 0x7777);
  const auto* rel2 = r2.as<codec::pubrel_packet>();
  ASSERT_TRUE(rel2 && rel2->packet_id == 0x7777) << mismatch("S→C PUBREL 62 .. 7777", r2);
  EXPECT_TRUE(is_pubrel_reason(rel2->reason))
      << mismatch("S→C PUBREL with reason 00 or 92 (Packet Identifier not found)", r2);
}

// [MQTT-3.6.2-2] No Reason String that would make the PUBREL exceed the client's Maximum
// Packet Size (16 bytes), here for the 0x92 case that invites an explanation.
TEST_F(V5Pubrel, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.6.2-2");
  check_small_pubrel();
}

// [MQTT-3.6.2-3] No User Property that would make the PUBREL exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Pubrel, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.6.2-3");
  check_small_pubrel();
}
