// 3.3 PUBLISH: RETAIN, topic matching, acknowledgements, overlapping subscriptions.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Publish : public v311_test {
 protected:
  std::unique_ptr<raw_client> subscriber(const std::string& filter,
                                         codec::qos q = codec::qos::at_most_once) {
    auto c = connect_client("sub");
    if (!c) return nullptr;
    if (!subscribe(*c, filter, q)) {
      ADD_FAILURE() << "setup: SUBSCRIBE " << filter << " failed";
      return nullptr;
    }
    return c;
  }
};

// [MQTT-3.3.1-5] A RETAIN 1 message is stored for future subscribers.
TEST_F(V311Publish, RetainedMessageStored) {
  statement("MQTT-3.3.1-5");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true));
  auto sub = subscriber(t, codec::qos::at_least_once);
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
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, a, "A", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, b, "B", codec::qos::at_least_once, true, 2));
  auto sub = subscriber(topic_prefix() + "/+");
  ASSERT_TRUE(sub);
  codec::publish_packet x, y;
  ASSERT_TRUE(receive_publish(*sub, &x));
  ASSERT_TRUE(receive_publish(*sub, &y));
  EXPECT_NE(x.topic, y.topic);
}

// [MQTT-3.3.1-8] Retained messages sent on subscribe have RETAIN 1.
TEST_F(V311Publish, RetainedDeliveryHasRetainFlag) {
  statement("MQTT-3.3.1-8");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_TRUE(got.retain);
}

// [MQTT-3.3.1-9] Messages to established subscriptions have RETAIN 0.
TEST_F(V311Publish, LiveDeliveryClearsRetainFlag) {
  statement("MQTT-3.3.1-9");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "live", codec::qos::at_least_once, true));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_FALSE(got.retain);
}

// [MQTT-3.3.1-10] An empty retained message removes the retained message.
TEST_F(V311Publish, EmptyRetainedPublishRemovesRetainedMessage) {
  statement("MQTT-3.3.1-10");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_least_once, true, 2));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
}

// [MQTT-3.3.1-11] An empty message is never stored as the retained message.
TEST_F(V311Publish, EmptyRetainedPublishIsNotStored) {
  statement("MQTT-3.3.1-11");
  const std::string t = topic("r");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_least_once, true));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
}

// [MQTT-3.3.1-12] RETAIN 0 neither stores nor replaces the retained message.
TEST_F(V311Publish, NonRetainedPublishLeavesRetainedMessage) {
  statement("MQTT-3.3.1-12");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, t, "passing", codec::qos::at_least_once, false, 2));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("kept"));
}

// [MQTT-3.3.2-3] The Topic Name sent matches the subscriber's filter (the published name).
TEST_F(V311Publish, ForwardedTopicNameMatchesFilter) {
  statement("MQTT-3.3.2-3");
  auto sub = subscriber(topic_prefix() + "/#");
  ASSERT_TRUE(sub);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  const std::string t = topic("deep/er");
  ASSERT_TRUE(publish(*pub, t, "x"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.topic, t);
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
  const std::string t = topic("o");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, topic_prefix() + "/#", codec::qos::at_most_once, 1));
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once, 2));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  bool qos1 = false;
  for (int i = 0; i < 2 && !qos1; ++i) {
    codec::publish_packet got;
    auto ok = receive_publish(*sub, &got, true, i == 0 ? expect_timeout : quiet_window);
    if (!ok) break;
    qos1 = got.qos_level == codec::qos::at_least_once;
  }
  EXPECT_TRUE(qos1) << "no copy delivered at the highest matching QoS (1)";
}
