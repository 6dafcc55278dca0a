// 3.10 UNSUBSCRIBE and 3.11 UNSUBACK.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Unsubscribe : public v5_test {
 protected:
  received unsubscribe(raw_client& c, std::string filter, std::uint16_t id) {
    codec::unsubscribe_packet u;
    u.packet_id = id;
    u.filters.push_back(std::move(filter));
    c.send_packet(u);
    return c.expect_packet();
  }
};

// [MQTT-3.10.4-2] After UNSUBSCRIBE no new messages arrive through the removed filter.
TEST_F(V5Unsubscribe, UnsubscribedFilterStopsDelivery) {
  statement("MQTT-3.10.4-2");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto r = unsubscribe(*sub, t, 2);
  ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "late", codec::qos::at_least_once));
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("no PUBLISH after UNSUBSCRIBE", r2);
}

// [MQTT-3.10.4-4] Every UNSUBSCRIBE is answered with an UNSUBACK.
TEST_F(V5Unsubscribe, UnsubscribeGetsUnsuback) {
  statement("MQTT-3.10.4-4");
  const std::string t = topic("x");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, t, codec::qos::at_most_once));
  auto r = unsubscribe(*c, t, 0x0A0B);
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack && ack->packet_id == 0x0A0B) << mismatch("S→C UNSUBACK B0 .. 0A0B", r);
  EXPECT_EQ(ack->reasons, std::vector<std::uint8_t>{0x00}) << mismatch("reason 00 (Success)", r);
}

// [MQTT-3.10.4-5] UNSUBACK echoes the Packet Identifier even when nothing was removed.
TEST_F(V5Unsubscribe, UnsubackSentEvenWithoutSubscription) {
  statement("MQTT-3.10.4-5");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  auto r = unsubscribe(*c, topic("never"), 0x0C0D);
  const auto* ack = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x0C0D) << mismatch("S→C UNSUBACK B0 .. 0C0D", r);
}

// [MQTT-3.11.3-1] UNSUBACK reason codes follow filter order (one existed, one did not:
// 0x00 Success then 0x11 No subscription existed).
TEST_F(V5Unsubscribe, UnsubackReasonsInFilterOrder) {
  statement("MQTT-3.11.3-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, topic("had"), codec::qos::at_most_once));
  codec::unsubscribe_packet u;
  u.packet_id = 3;
  u.filters = {topic("never"), topic("had")};
  c->send_packet(u);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C UNSUBACK", r);
  EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{0x11, 0x00}))
      << mismatch("S→C UNSUBACK B0 .. 0003 00 11 00", r);
}
