// 3.6 PUBREL: the fixed-header flags 0010 on the PUBREL the server sends. A PUBREL with
// flags 0000 from the client is a row of data/malformed_packets.json.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Pubrel : public v311::session_test {};

// [MQTT-3.6.1-1] The server's PUBREL (after our PUBREC for a QoS 2 delivery) has fixed
// header 62 02: flags 0,0,1,0.
TEST_F(V311Pubrel, ServerPubrelHasFlagsZeroZeroOneZero) {
  statement("MQTT-3.6.1-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  codec::publish_packet got;
  auto [sub, pub] = deliver_unacknowledged(make_publish(t, "x", codec::qos::exactly_once, 1), &got);
  ASSERT_TRUE(sub);
  ASSERT_EQ(got.qos_level, codec::qos::exactly_once) << "S→C PUBLISH QoS 2 expected";
  codec::pubrec_packet rec;
  rec.packet_id = got.packet_id;
  sub->send_packet(rec);
  auto r2 = sub->expect_packet();
  ASSERT_TRUE(r2.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL", r2);
  EXPECT_EQ(r2.bytes.at(0), 0x62) << mismatch("S→C PUBREL 62 02 …", r2);
}
