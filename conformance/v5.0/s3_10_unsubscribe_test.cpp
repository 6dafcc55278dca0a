// 3.10 UNSUBSCRIBE: literal filter matching, what stops and what completes after an
// UNSUBSCRIBE, and one UNSUBACK per request. Bad flags and empty payloads are rows of
// data/malformed_packets.json; UNSUBACK itself is s3_11.
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
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto r = unsubscribe(*sub, t, 2);
  ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  auto pub = connect_publisher(t, "late", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
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

// [MQTT-3.10.4-1] Filters are compared literally: UNSUBSCRIBE "…/a" does not remove the
// subscription "…/+" that matches it (0x11), while UNSUBSCRIBE "…/+" does.
TEST_F(V5Unsubscribe, FiltersComparedLiterally) {
  statement("MQTT-3.10.4-1");
  const std::string wild = topic_prefix() + "/+";
  const std::string t = topic("a");
  auto sub = connect_subscriber(wild, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  auto r = unsubscribe(*sub, t, 2);
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C UNSUBACK", r);
  EXPECT_EQ(ack->reasons, std::vector<std::uint8_t>{0x11})
      << mismatch("S→C UNSUBACK B0 .. 0002 00 11 (No subscription existed)", r);
  auto pub = connect_publisher(t, "still");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(receive_publish(*sub, nullptr)) << "the wildcard subscription was removed";
  auto r2 = unsubscribe(*sub, wild, 3);
  const auto* ack2 = r2.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack2) << mismatch("S→C UNSUBACK", r2);
  EXPECT_EQ(ack2->reasons, std::vector<std::uint8_t>{0x00})
      << mismatch("S→C UNSUBACK B0 .. 0003 00 00 (Success)", r2);
  ASSERT_TRUE(publish(*pub, t, "gone"));
  auto r3 = sub->expect_no_packet();
  EXPECT_EQ(r3.status, recv_status::timeout) << mismatch("no PUBLISH after the exact match", r3);
}

// [MQTT-3.10.4-3] A QoS 2 delivery already started completes after UNSUBSCRIBE: the
// PUBREC sent afterwards is still answered with PUBREL.
TEST_F(V5Unsubscribe, StartedQosTwoDeliveryCompletes) {
  statement("MQTT-3.10.4-3");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("x");
  codec::publish_packet got;
  auto [sub, pub] =
      deliver_unacknowledged(make_publish(t, "inflight", codec::qos::exactly_once, 1), &got);
  ASSERT_TRUE(sub);
  auto r = unsubscribe(*sub, t, 2);
  ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  codec::pubrec_packet rec;
  rec.packet_id = got.packet_id;
  sub->send_packet(rec);
  auto r2 = sub->expect_packet();
  const auto* rel = r2.as<codec::pubrel_packet>();
  ASSERT_TRUE(rel && rel->packet_id == got.packet_id) << mismatch("S→C PUBREL 62 ..", r2);
  EXPECT_EQ(rel->reason, codec::reason_code::success)
      << mismatch("S→C PUBREL with reason 00 (the delivery is still known)", r2);
  codec::pubcomp_packet comp;
  comp.packet_id = got.packet_id;
  sub->send_packet(comp);
}

// [MQTT-3.10.4-6] Several filters in one UNSUBSCRIBE act like consecutive UNSUBSCRIBEs
// answered by one UNSUBACK: [a, b, a] gives 00 00 11, and neither filter delivers.
TEST_F(V5Unsubscribe, MultipleFiltersActAsConsecutiveUnsubscribes) {
  statement("MQTT-3.10.4-6");
  const std::string a = topic("a"), b = topic("b");
  auto sub = connect_subscriber(a, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, b, codec::qos::at_most_once, 2));
  auto r = send_unsubscribe(*sub, {a, b, a}, 3);
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack && ack->packet_id == 3) << mismatch("S→C UNSUBACK B0 .. 0003", r);
  EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{0x00, 0x00, 0x11}))
      << mismatch("S→C UNSUBACK B0 .. 0003 00 00 00 11", r);
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("a single UNSUBACK", r2);
  auto pub = connect_publisher(a, "x");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, b, "y"));
  auto r3 = sub->expect_no_packet();
  EXPECT_EQ(r3.status, recv_status::timeout) << mismatch("no PUBLISH after UNSUBSCRIBE", r3);
}
