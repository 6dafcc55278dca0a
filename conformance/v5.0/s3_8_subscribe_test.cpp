// 3.8 SUBSCRIBE and 3.9 SUBACK: options, replacement, one reason code per filter in
// order, and the QoS of delivered messages. Bad flags and empty payloads are table rows.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Subscribe : public v5_test {};

// [MQTT-3.8.3-3] No Local: the server does not send a client its own publications.
TEST_F(V5Subscribe, NoLocalSuppressesOwnPublications) {
  statement("MQTT-3.8.3-3");
  const std::string t = topic("nl");
  auto self = connect_client("self");
  ASSERT_TRUE(self);
  codec::subscribe_options o;
  o.no_local = true;
  ASSERT_TRUE(subscribe(*self, t, o));
  auto other = connect_client("other");
  ASSERT_TRUE(other);
  ASSERT_TRUE(subscribe(*other, t, codec::qos::at_most_once));
  ASSERT_TRUE(publish(*self, t, "mine"));
  ASSERT_TRUE(receive_publish(*other, nullptr)) << "control subscriber got nothing";
  auto r = self->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH back to the publisher", r);
}

// [MQTT-3.8.3-4] No Local on a Shared Subscription is a Protocol Error: the server closes
// (optionally after DISCONNECT 0x82).
TEST_F(V5Subscribe, NoLocalOnSharedSubscriptionIsProtocolError) {
  statement("MQTT-3.8.3-4");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 1;
  codec::subscribe_options o;
  o.no_local = true;
  s.subscriptions.push_back({"$share/mqttcert/" + topic("x"), o});
  c->send_packet(s);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.8.4-1] Every SUBSCRIBE is answered with a SUBACK, several in a row included.
TEST_F(V5Subscribe, EverySubscribeGetsSuback) {
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
    EXPECT_TRUE(ack && ack->packet_id == id)
        << mismatch("S→C SUBACK for packet id " + std::to_string(id), r);
  }
}

// [MQTT-3.8.4-2] The SUBACK has the SUBSCRIBE's Packet Identifier.
TEST_F(V5Subscribe, SubackReusesPacketIdentifier) {
  statement("MQTT-3.8.4-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::suback_packet ack;
  ASSERT_TRUE(subscribe(*c, topic("x"), {}, 0xBEEF, &ack));
  EXPECT_EQ(ack.packet_id, 0xBEEF);
}

// [MQTT-3.8.4-3] Subscribing again to the same filter replaces the subscription: one
// copy, at the new maximum QoS.
TEST_F(V5Subscribe, SameFilterReplacesSubscription) {
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
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once) << "the replaced QoS 1 subscription delivered";
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("exactly one copy", r);
}

// [MQTT-3.8.4-6] A SUBSCRIBE with several filters gets one reason code per filter.
TEST_F(V5Subscribe, SubackHasOneReasonPerFilter) {
  statement("MQTT-3.8.4-6");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 5;
  for (int i = 0; i < 4; ++i) s.subscriptions.push_back({topic("m" + std::to_string(i)), {}});
  c->send_packet(s);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C SUBACK", r);
  EXPECT_EQ(ack->reasons.size(), 4U) << mismatch("SUBACK with 4 reason codes", r);
}

// [MQTT-3.9.3-1] SUBACK reason codes follow the order of the filters (here each filter
// asks a different QoS, so the granted QoS shows the order).
TEST_F(V5Subscribe, SubackReasonsInFilterOrder) {
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
      << mismatch("S→C SUBACK 90 .. 0006 00 02 00 01", r);
}

// [MQTT-3.8.4-8] Delivery uses the lower of the published QoS and the granted QoS.
TEST_F(V5Subscribe, DeliveryQosIsMinimumOfPublishAndGranted) {
  statement("MQTT-3.8.4-8");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "down", codec::qos::at_least_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once);
  // And the other way round: a QoS 0 publish is not upgraded by a QoS 1 subscription.
  const std::string t2 = topic("y");
  ASSERT_TRUE(subscribe(*sub, t2, codec::qos::at_least_once, 2));
  ASSERT_TRUE(publish(*pub, t2, "stay"));
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once);
}
