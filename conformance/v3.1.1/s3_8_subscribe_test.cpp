// 3.8 SUBSCRIBE, 3.9 SUBACK, 3.10 UNSUBSCRIBE, 3.11 UNSUBACK, 3.12 PINGREQ.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Subscribe : public v311_test {};

// [MQTT-3.8.4-1] Every SUBSCRIBE gets a SUBACK.
TEST_F(V311Subscribe, EverySubscribeGetsSuback) {
  statement("MQTT-3.8.4-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  for (std::uint16_t id = 1; id <= 3; ++id) {
    codec::subscribe_packet s;
    s.packet_id = id;
    s.subscriptions.push_back({topic("f" + std::to_string(id)), {}});
    c->send_packet(s);
  }
  for (std::uint16_t id = 1; id <= 3; ++id) {
    auto r = c->expect_packet();
    const auto* ack = r.as<codec::suback_packet>();
    EXPECT_TRUE(ack && ack->packet_id == id) << mismatch("S→C SUBACK " + std::to_string(id), r);
  }
}

// [MQTT-3.8.4-2] SUBACK has the SUBSCRIBE's Packet Identifier.
TEST_F(V311Subscribe, SubackReusesPacketIdentifier) {
  statement("MQTT-3.8.4-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::suback_packet ack;
  ASSERT_TRUE(subscribe(*c, topic("x"), {}, 0xBEEF, &ack));
  EXPECT_EQ(ack.packet_id, 0xBEEF);
}

// [MQTT-3.8.4-3] An identical filter replaces the subscription: one copy, new QoS.
TEST_F(V311Subscribe, SameFilterReplacesSubscription) {
  statement("MQTT-3.8.4-3");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once, 1));
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once, 2));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "once", codec::qos::at_least_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("exactly one copy", r);
}

// [MQTT-3.8.4-5] One return code per filter.
TEST_F(V311Subscribe, SubackHasOneReturnCodePerFilter) {
  statement("MQTT-3.8.4-5");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 5;
  for (int i = 0; i < 4; ++i) s.subscriptions.push_back({topic("m" + std::to_string(i)), {}});
  c->send_packet(s);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C SUBACK", r);
  EXPECT_EQ(ack->reasons.size(), 4U) << mismatch("SUBACK with 4 return codes", r);
}

// [MQTT-3.9.3-1] Return codes follow the filter order.
TEST_F(V311Subscribe, SubackReturnCodesInFilterOrder) {
  statement("MQTT-3.9.3-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 6;
  const codec::qos order[] = {codec::qos::exactly_once, codec::qos::at_most_once,
                              codec::qos::at_least_once};
  for (int i = 0; i < 3; ++i) {
    codec::subscribe_options o;
    o.max_qos = order[i];
    s.subscriptions.push_back({topic("o" + std::to_string(i)), o});
  }
  c->send_packet(s);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C SUBACK", r);
  EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{2, 0, 1}))
      << mismatch("S→C SUBACK 90 05 0006 02 00 01", r);
}

// [MQTT-3.8.4-6] Delivery uses the lower of published and granted QoS.
TEST_F(V311Subscribe, DeliveryQosIsMinimumOfPublishAndGranted) {
  statement("MQTT-3.8.4-6");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "down", codec::qos::exactly_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once);
}

// [MQTT-3.10.4-2] After UNSUBSCRIBE no new messages arrive for the removed filter.
TEST_F(V311Subscribe, UnsubscribedFilterStopsDelivery) {
  statement("MQTT-3.10.4-2");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  codec::unsubscribe_packet u;
  u.packet_id = 2;
  u.filters.push_back(t);
  sub->send_packet(u);
  auto r = sub->expect_packet();
  ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "late", codec::qos::at_least_once));
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("no PUBLISH after UNSUBSCRIBE", r2);
}

// [MQTT-3.10.4-4] UNSUBACK with the same Packet Identifier.
TEST_F(V311Subscribe, UnsubackEchoesPacketIdentifier) {
  statement("MQTT-3.10.4-4");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, topic("x"), codec::qos::at_most_once));
  codec::unsubscribe_packet u;
  u.packet_id = 0x0A0B;
  u.filters.push_back(topic("x"));
  c->send_packet(u);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x0A0B) << mismatch("S→C UNSUBACK B0 02 0A0B", r);
}

// [MQTT-3.10.4-5] UNSUBACK even when nothing was subscribed.
TEST_F(V311Subscribe, UnsubackSentEvenWithoutSubscription) {
  statement("MQTT-3.10.4-5");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::unsubscribe_packet u;
  u.packet_id = 0x0C0D;
  u.filters.push_back(topic("never"));
  c->send_packet(u);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x0C0D) << mismatch("S→C UNSUBACK B0 02 0C0D", r);
}
