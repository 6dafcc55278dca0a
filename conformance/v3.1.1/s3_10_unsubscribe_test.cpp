// 3.10 UNSUBSCRIBE and 3.11 UNSUBACK: literal filter comparison, delivery after removal,
// multi-filter packets. Flag and empty-payload errors are rows of
// data/malformed_packets.json.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Unsubscribe : public v311::session_test {
 protected:
  // unsubscribe sends UNSUBSCRIBE for `filters` and expects UNSUBACK with `id`.
  static ::testing::AssertionResult unsubscribe(raw_client& c, std::vector<std::string> filters,
                                                std::uint16_t id = 2) {
    auto r = send_unsubscribe(c, std::move(filters), id);
    const auto* ack = r.as<codec::unsuback_packet>();
    if (ack && ack->packet_id == id) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << mismatch("S→C UNSUBACK for id " + std::to_string(id), r);
  }
};

// [MQTT-3.10.4-1] UNSUBSCRIBE compares filters character by character: "<p>/x" (which
// "<p>/+" matches) and "<p>/+/" remove nothing; "<p>/+" removes the subscription.
TEST_F(V311Unsubscribe, FiltersComparedLiterally) {
  statement("MQTT-3.10.4-1");
  const std::string filter = topic_prefix() + "/+";
  auto sub = connect_subscriber(filter, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(unsubscribe(*sub, {topic("x"), filter + "/"}, 2));
  auto pub = connect_publisher(topic("x"), "still", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(receive_publish(*sub, nullptr)) << "a non-identical filter removed the subscription";
  ASSERT_TRUE(unsubscribe(*sub, {filter}, 3));
  ASSERT_TRUE(publish(*pub, topic("x"), "gone", codec::qos::at_least_once, false, 2));
  EXPECT_TRUE(silent(*sub, "no PUBLISH after the identical filter was unsubscribed"));
}

// [MQTT-3.10.4-2] After UNSUBSCRIBE no new messages arrive for the removed filter.
TEST_F(V311Unsubscribe, UnsubscribedFilterStopsDelivery) {
  statement("MQTT-3.10.4-2");
  const std::string t = topic("x");
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto r = send_unsubscribe(*sub, {t}, 2);
  ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  auto pub = connect_publisher(t, "late", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("no PUBLISH after UNSUBSCRIBE", r2);
}

// [MQTT-3.10.4-3] A QoS 2 delivery started before the UNSUBSCRIBE is completed: after the
// UNSUBACK, our PUBREC still gets the PUBREL.
TEST_F(V311Unsubscribe, InflightQosTwoDeliveryCompletedAfterUnsubscribe) {
  statement("MQTT-3.10.4-3");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("x");
  codec::publish_packet got;
  auto [sub, pub] = deliver_unacknowledged(make_publish(t, "x", codec::qos::exactly_once, 1), &got);
  ASSERT_TRUE(sub);
  ASSERT_EQ(got.qos_level, codec::qos::exactly_once) << "S→C PUBLISH QoS 2 expected";
  const std::uint16_t id = got.packet_id;
  ASSERT_TRUE(unsubscribe(*sub, {t}));
  codec::pubrec_packet rec;
  rec.packet_id = id;
  sub->send_packet(rec);
  auto r2 = sub->expect_packet();
  const auto* rel = r2.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == id)
      << mismatch("S→C PUBREL with the PUBLISH's Packet Identifier", r2);
}

// [MQTT-3.10.4-4] UNSUBACK with the same Packet Identifier.
TEST_F(V311Unsubscribe, UnsubackEchoesPacketIdentifier) {
  statement("MQTT-3.10.4-4");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, topic("x"), codec::qos::at_most_once));
  auto r = send_unsubscribe(*c, {topic("x")}, 0x0A0B);
  const auto* ack = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x0A0B) << mismatch("S→C UNSUBACK B0 02 0A0B", r);
}

// [MQTT-3.10.4-5] UNSUBACK even when nothing was subscribed.
TEST_F(V311Unsubscribe, UnsubackSentEvenWithoutSubscription) {
  statement("MQTT-3.10.4-5");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  auto r = send_unsubscribe(*c, {topic("never")}, 0x0C0D);
  const auto* ack = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x0C0D) << mismatch("S→C UNSUBACK B0 02 0C0D", r);
}

// [MQTT-3.10.4-6] An UNSUBSCRIBE with several filters removes each of them and gets one
// UNSUBACK.
TEST_F(V311Unsubscribe, MultiFilterUnsubscribeOneUnsuback) {
  statement("MQTT-3.10.4-6");
  const std::string a = topic("a"), b = topic("b"), keep = topic("k");
  auto sub = connect_subscriber(a, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, b, codec::qos::at_least_once, 2));
  ASSERT_TRUE(subscribe(*sub, keep, codec::qos::at_least_once, 3));
  ASSERT_TRUE(unsubscribe(*sub, {a, topic("never"), b}, 4));
  EXPECT_TRUE(silent(*sub, "a single UNSUBACK"));
  auto pub = connect_publisher(a, "a", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, b, "b", codec::qos::at_least_once, false, 2));
  ASSERT_TRUE(publish(*pub, keep, "k", codec::qos::at_least_once, false, 3));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.topic, keep) << "a removed filter still delivered";
  EXPECT_TRUE(silent(*sub, "nothing for the removed filters"));
}

