// 3.3 PUBLISH: DUP, RETAIN, the Topic Name, acknowledgements, overlapping subscriptions.
// QoS 3 and wildcard Topic Names are rows of data/malformed_packets.json.
#include "conformance/harness/s3_3_publish_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

#include <algorithm>

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Publish : public publish_checks<v311::session_test> {
 protected:
  // one_of_two_copies_at_qos1 reads up to the two copies overlapping subscriptions may
  // give and says whether one came at QoS 1.
  bool one_of_two_copies_at_qos1(raw_client& sub) {
    for (int i = 0; i < 2; ++i) {
      codec::publish_packet got;
      if (!receive_publish(sub, &got, true, i == 0 ? expect_timeout : quiet_window)) return false;
      if (got.qos_level == codec::qos::at_least_once) return true;
    }
    return false;
  }
};

// [MQTT-3.3.1-1] A PUBLISH the server re-delivers (to a CleanSession 0 client reconnecting
// without having acknowledged it) has DUP 1.
TEST_F(V311Publish, RedeliveredPublishHasDupFlag) {
  statement("MQTT-3.3.1-1");
  const std::string id = session_id("s");
  auto [sub, pub] = deliver_unacknowledged(
      make_publish(topic("d"), "x", codec::qos::at_least_once, 1), nullptr, session(id, false));
  ASSERT_TRUE(sub);
  sub->close();  // no PUBACK
  auto again = resume(id, "again");
  ASSERT_TRUE(again);
  auto r = again->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH re-delivered", r);
  EXPECT_TRUE(p->dup) << mismatch("S→C PUBLISH 3A … (DUP 1, QoS 1)", r);
}

// [MQTT-3.3.1-2] A QoS 0 PUBLISH has DUP 0, even when it carries a message the publisher
// sent with DUP 1 at QoS 1 and the subscription downgrades it.
TEST_F(V311Publish, QosZeroDeliveryHasDupZero) {
  statement("MQTT-3.3.1-2");
  const std::string t = topic("d");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  auto p = make_publish(t, "x", codec::qos::at_least_once, 3);
  p.dup = true;
  ASSERT_TRUE(publish(*pub, p));
  auto r = sub->expect_packet();
  ASSERT_FALSE(r.bytes.empty()) << mismatch("S→C PUBLISH 30 …", r);
  EXPECT_EQ(r.bytes[0], 0x30) << mismatch("S→C PUBLISH 30 … (DUP 0, QoS 0)", r);
}

// [MQTT-3.3.1-3] The incoming DUP flag is not propagated: a first delivery of a message
// received with DUP 1 has DUP 0.
TEST_F(V311Publish, IncomingDupNotPropagated) {
  statement("MQTT-3.3.1-3");
  check_incoming_dup_not_forwarded(codec::qos::at_least_once, "d", 4);
}

// [MQTT-3.3.1-5] A RETAIN 1 message is stored for future subscribers.
TEST_F(V311Publish, RetainedMessageStored) {
  statement("MQTT-3.3.1-5");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "kept");
  ASSERT_TRUE(pub);
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("kept"));
  EXPECT_EQ(got.qos_level, codec::qos::at_least_once) << "retained QoS not kept";
}

// [MQTT-3.3.1-6] A new subscription gets the retained message of every matching topic.
TEST_F(V311Publish, NewSubscriptionGetsRetainedOfAllMatchingTopics) {
  statement("MQTT-3.3.1-6");
  const std::string a = topic("a"), b = topic("b");
  clear_retained_at_end(a);
  clear_retained_at_end(b);
  auto pub = connect_publisher(a, "A", codec::qos::at_least_once, true);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, b, "B", codec::qos::at_least_once, true, 2));
  auto sub = connect_subscriber(topic_prefix() + "/+");
  ASSERT_TRUE(sub);
  codec::publish_packet x, y;
  ASSERT_TRUE(receive_publish(*sub, &x));
  ASSERT_TRUE(receive_publish(*sub, &y));
  EXPECT_NE(x.topic, y.topic);
}

// [MQTT-3.3.1-7] A retained QoS 0 message replaces the earlier retained message: a new
// subscriber gets the QoS 0 message or nothing, never the old one.
TEST_F(V311Publish, RetainedQosZeroReplacesRetainedMessage) {
  statement("MQTT-3.3.1-7");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "old");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "new", codec::qos::at_most_once, true));
  ASSERT_TRUE(still_open(*pub));  // the QoS 0 PUBLISH has been processed
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto r = sub->expect_packet(quiet_window);
  if (const auto* p = r.as<codec::publish_packet>())
    EXPECT_EQ(p->payload, payload_bytes("new")) << mismatch("retained \"new\" or nothing", r);
  else
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch("retained \"new\" or nothing", r);
}

// [MQTT-3.3.1-7] (SHOULD) The retained QoS 0 message is stored as the new retained message.
TEST_F(V311Publish, RetainedQosZeroIsStored) {
  statement("MQTT-3.3.1-7");
  should();
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_publisher(t, "zero", codec::qos::at_most_once, true);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(still_open(*pub));
  auto sub = connect_subscriber(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("zero"));
}

// [MQTT-3.3.1-8] Retained messages sent on subscribe have RETAIN 1.
TEST_F(V311Publish, RetainedDeliveryHasRetainFlag) {
  statement("MQTT-3.3.1-8");
  check_retained_sent_on_subscribe_has_retain_set();
}

// [MQTT-3.3.1-9] Messages to established subscriptions have RETAIN 0.
TEST_F(V311Publish, LiveDeliveryClearsRetainFlag) {
  statement("MQTT-3.3.1-9");
  check_live_delivery_has_retain_clear();
}

// [MQTT-3.3.1-9] The same for a retained message published at QoS 0 ("regardless of how
// the flag was set in the message it received"). (Found by the session/QoS property
// against NanoMQ, which forwards a QoS 0 one with RETAIN 1.)
TEST_F(V311Publish, LiveQos0DeliveryClearsRetainFlag) {
  statement("MQTT-3.3.1-9");
  check_live_delivery_has_retain_clear(codec::qos::at_most_once);
}

// [MQTT-3.3.1-10] An empty retained message removes the retained message.
TEST_F(V311Publish, EmptyRetainedPublishRemovesRetainedMessage) {
  statement("MQTT-3.3.1-10");
  check_empty_retained_publish_removes_retained();
}

// [MQTT-3.3.1-11] An empty message is never stored as the retained message.
TEST_F(V311Publish, EmptyRetainedPublishIsNotStored) {
  statement("MQTT-3.3.1-11");
  check_empty_retained_publish_is_not_stored();
}

// [MQTT-3.3.1-12] RETAIN 0 neither stores nor replaces the retained message.
TEST_F(V311Publish, NonRetainedPublishLeavesRetainedMessage) {
  statement("MQTT-3.3.1-12");
  check_non_retained_publish_leaves_retained();
}

// [MQTT-3.3.2-1] The server's PUBLISH starts its variable header with the Topic Name as a
// UTF-8 string: length, then the exact bytes of a multi-byte topic.
TEST_F(V311Publish, ForwardedTopicNameIsFirstUtf8Field) {
  statement("MQTT-3.3.2-1");
  const std::string t = topic("caf\xC3\xA9/\xE6\x97\xA5");
  auto [sub, pub] = connect_pair(t);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x"));
  auto r = sub->expect_packet();
  ASSERT_TRUE(r.as<codec::publish_packet>()) << mismatch("S→C PUBLISH", r);
  const std::size_t at = r.bytes.size() > 2 && (r.bytes[1] & 0x80) ? 3 : 2;
  codec::byte_buffer want = {static_cast<std::uint8_t>(t.size() >> 8),
                             static_cast<std::uint8_t>(t.size() & 0xFF)};
  want.insert(want.end(), t.begin(), t.end());
  ASSERT_GE(r.bytes.size(), at + want.size()) << mismatch("Topic Name first", r);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), r.bytes.begin() + at))
      << mismatch("Topic Name (length and UTF-8 bytes) first in the variable header", r);
}

// [MQTT-3.3.2-3] The Topic Name sent matches the subscriber's filter (the published name).
TEST_F(V311Publish, ForwardedTopicNameMatchesFilter) {
  statement("MQTT-3.3.2-3");
  check_forwarded_topic_is_published_name(topic_prefix() + "/#", topic("deep/er"));
}

// [MQTT-3.3.4-1] The server answers QoS 1 with PUBACK and QoS 2 with PUBREC, QoS 0 with
// nothing.
TEST_F(V311Publish, ReceiverAcknowledgesPerQos) {
  statement("MQTT-3.3.4-1");
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  ASSERT_TRUE(publish(*c, topic("q0"), "a"));
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no reply to QoS 0", r);
  ASSERT_TRUE(publish(*c, topic("q1"), "b", codec::qos::at_least_once, false, 11));
  ASSERT_TRUE(publish(*c, topic("q2"), "c", codec::qos::exactly_once, false, 12));
}

// [MQTT-3.3.5-1] Overlapping subscriptions: the message is delivered respecting the
// highest granted QoS (one copy at QoS 1 must arrive; extra copies are allowed).
TEST_F(V311Publish, OverlappingSubscriptionsUseHighestQos) {
  statement("MQTT-3.3.5-1");
  auto [sub, pub] = publish_to_overlapping_subscriptions(topic("o"));
  ASSERT_TRUE(sub);
  EXPECT_TRUE(one_of_two_copies_at_qos1(*sub))
      << "no copy delivered at the highest matching QoS (1)";
}

// [MQTT-3.3.5-1] The same the other way round: QoS 1 on the wildcard, subscribed first,
// QoS 0 on the exact name. (Found by the session/QoS property against Mosquitto 2.0,
// which then delivers one copy, at QoS 0.)
TEST_F(V311Publish, OverlappingSubscriptionsUseHighestQosOfWildcard) {
  statement("MQTT-3.3.5-1");
  auto [sub, pub] = publish_to_overlapping_subscriptions(topic("ow"), codec::qos::at_least_once,
                                                         codec::qos::at_most_once);
  ASSERT_TRUE(sub);
  EXPECT_TRUE(one_of_two_copies_at_qos1(*sub))
      << "no copy delivered at the highest matching QoS (1)";
}

// [MQTT-3.3.5-2] A PUBLISH the server does not authorize: 3.1.1 has no code to refuse it,
// so the server "MUST either make a positive acknowledgement, according to the normal QoS
// rules, or close the Network Connection". Needs a topic the profile says the broker
// refuses (publish_denied_topic, an ACL).
TEST_F(V311Publish, UnauthorizedPublishAcknowledgedOrClosed) {
  statement("MQTT-3.3.5-2");
  if (profile().publish_denied_topic.empty())
    MQTT_SKIP("not applicable: the profile names no topic the broker refuses PUBLISH to "
              "(publish_denied_topic)");
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  c->send_packet(make_publish(profile().publish_denied_topic, "x", codec::qos::at_least_once, 7));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::puback_packet>();
  EXPECT_TRUE((ack && ack->packet_id == 7) || r.status == recv_status::closed)
      << mismatch("S→C PUBACK 40 02 0007, or a close", r);
}
