// 3.8 SUBSCRIBE: SUBACK for every SUBSCRIBE, replacing subscriptions, multi-filter
// packets, granted QoS. Flag, payload and requested-QoS errors are rows of
// data/malformed_packets.json.
#include "conformance/harness/s3_8_subscribe_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Subscribe : public subscribe_checks<v311::session_test> {};

// [MQTT-3.8.3-2] A filter with wildcards is either refused (SUBACK 0x80) or supported: a
// granted "<prefix>/+/c" and "<prefix>/#" actually deliver matching messages.
TEST_F(V311Subscribe, WildcardFilterRefusedOrHonoured) {
  statement("MQTT-3.8.3-2");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  auto r = send_subscribe(*sub, {{topic_prefix() + "/+/c", {}}, {topic_prefix() + "/#", {}}}, 3);
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack && ack->reasons.size() == 2) << mismatch("S→C SUBACK 90 04 0003 xx xx", r);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  if (ack->reasons[0] < 0x80) {
    ASSERT_TRUE(publish(*pub, topic("b/c"), "plus"));
    codec::publish_packet got;
    EXPECT_TRUE(receive_publish(*sub, &got)) << "granted '+' filter delivers nothing";
    if (ack->reasons[1] < 0x80) {
      sub->expect_no_packet(quiet_window);  // drops the copy for '#', if one is sent
    }
  }
  if (ack->reasons[1] < 0x80) {
    ASSERT_TRUE(publish(*pub, topic("deep/er/x"), "hash"));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got)) << "granted '#' filter delivers nothing";
    EXPECT_EQ(got.payload, payload_bytes("hash"));
  }
}

// [MQTT-3.8.4-1] Every SUBSCRIBE gets a SUBACK.
TEST_F(V311Subscribe, EverySubscribeGetsSuback) {
  statement("MQTT-3.8.4-1");
  check_every_subscribe_gets_suback();
}

// [MQTT-3.8.4-2] SUBACK has the SUBSCRIBE's Packet Identifier.
TEST_F(V311Subscribe, SubackReusesPacketIdentifier) {
  statement("MQTT-3.8.4-2");
  check_suback_reuses_packet_identifier();
}

// [MQTT-3.8.4-3] An identical filter replaces the subscription: one copy, new QoS.
TEST_F(V311Subscribe, SameFilterReplacesSubscription) {
  statement("MQTT-3.8.4-3");
  check_same_filter_replaces_subscription();
}

// [MQTT-3.8.4-3] Subscribing again to an identical filter re-sends the matching retained
// message.
TEST_F(V311Subscribe, SameFilterResendsRetainedMessage) {
  statement("MQTT-3.8.4-3");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "kept");
  ASSERT_TRUE(pub);
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  codec::publish_packet first;
  ASSERT_TRUE(receive_publish(*sub, &first)) << "retained message not sent on subscribe";
  codec::subscribe_packet s;
  s.packet_id = 2;
  codec::subscribe_options o;
  o.max_qos = codec::qos::at_least_once;
  s.subscriptions.push_back({t, o});
  sub->send_packet(s);
  // The server may send the retained PUBLISH before or after the SUBACK.
  bool suback = false, retained = false;
  for (int i = 0; i < 2; ++i) {
    auto r = sub->expect_packet();
    if (const auto* a = r.as<codec::suback_packet>()) {
      suback = a->packet_id == 2;
    } else if (const auto* p = r.as<codec::publish_packet>()) {
      retained = p->retain && p->payload == payload_bytes("kept");
      if (p->qos_level != codec::qos::at_most_once) {
        codec::puback_packet ack;
        ack.packet_id = p->packet_id;
        sub->send_packet(ack);
      }
    } else {
      ADD_FAILURE() << mismatch("S→C SUBACK 90 03 0002 01 and the retained PUBLISH", r);
      break;
    }
  }
  EXPECT_TRUE(suback) << "no SUBACK for the repeated SUBSCRIBE";
  EXPECT_TRUE(retained) << "retained message not re-sent on the repeated SUBSCRIBE";
}

// [MQTT-3.8.4-4] A SUBSCRIBE with several filters acts as consecutive SUBSCRIBEs: the same
// filter twice (QoS 0, then QoS 1) leaves one subscription at QoS 1, and both get a code.
TEST_F(V311Subscribe, MultiFilterSubscribeActsAsSequence) {
  statement("MQTT-3.8.4-4");
  const std::string t = topic("x");
  const std::string other = topic("y");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_packet s;
  s.packet_id = 4;
  codec::subscribe_options q0, q1;
  q1.max_qos = codec::qos::at_least_once;
  s.subscriptions.push_back({t, q0});
  s.subscriptions.push_back({other, q1});
  s.subscriptions.push_back({t, q1});
  sub->send_packet(s);
  auto r = sub->expect_ack();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C SUBACK 90 05 0004 00 01 01", r);
  EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{0, 1, 1}))
      << mismatch("S→C SUBACK 90 05 0004 00 01 01", r);
  auto pub = connect_publisher(t, "one", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, other, "two", codec::qos::at_least_once, false, 2));
  // Two topics: the spec orders deliveries per topic only (4.6), so look each one up.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, 2, &got));
  const auto* a = find_topic(got, t);
  ASSERT_TRUE(a && find_topic(got, other)) << "expected one delivery on each of the two topics";
  EXPECT_EQ(a->qos_level, codec::qos::at_least_once) << "the later QoS 1 entry did not replace QoS 0";
  EXPECT_TRUE(silent(*sub, "exactly one copy of each message"));
}

// [MQTT-3.8.4-5] One return code per filter.
TEST_F(V311Subscribe, SubackHasOneReturnCodePerFilter) {
  statement("MQTT-3.8.4-5");
  check_suback_has_one_code_per_filter();
}

// [MQTT-3.8.4-6] Delivery uses the lower of published and granted QoS.
TEST_F(V311Subscribe, DeliveryQosIsMinimumOfPublishAndGranted) {
  statement("MQTT-3.8.4-6");
  check_delivery_qos_is_minimum("x", codec::qos::at_most_once, codec::qos::exactly_once, "down");
}
