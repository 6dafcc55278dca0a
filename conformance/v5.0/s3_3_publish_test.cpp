// 3.3 PUBLISH: RETAIN handling, forwarding of properties, and the acknowledgement a
// PUBLISH calls for. QoS 3 and wildcard Topic Names are rows of data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Publish : public v5_test {
 protected:
  // retained_then_subscribe publishes `payloads` retained to a fresh topic in order, then
  // subscribes a new client with `o` and returns it (nullptr on setup failure).
  std::unique_ptr<raw_client> subscriber(const std::string& t, codec::subscribe_options o = {}) {
    auto c = connect_client("sub");
    if (!c) return nullptr;
    if (!subscribe(*c, t, o)) {
      ADD_FAILURE() << "setup: SUBSCRIBE " << t << " failed";
      return nullptr;
    }
    return c;
  }
};

// [MQTT-3.3.1-5] A retained PUBLISH replaces the topic's retained message.
TEST_F(V5Publish, RetainedPublishReplacesRetainedMessage) {
  statement("MQTT-3.3.1-5");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "first", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, t, "second", codec::qos::at_least_once, true, 2));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("second"));
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("only the latest retained message", r);
}

// [MQTT-3.3.1-6] A retained PUBLISH with an empty payload removes the retained message.
TEST_F(V5Publish, EmptyRetainedPublishRemovesRetainedMessage) {
  statement("MQTT-3.3.1-6");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
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

// [MQTT-3.3.1-7] An empty-payload retained message is never stored as the retained one.
TEST_F(V5Publish, EmptyRetainedPublishIsNotStored) {
  statement("MQTT-3.3.1-7");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_least_once, true, 1));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
}

// [MQTT-3.3.1-8] RETAIN 0 leaves the existing retained message alone.
TEST_F(V5Publish, NonRetainedPublishLeavesRetainedMessage) {
  statement("MQTT-3.3.1-8");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
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

// [MQTT-3.3.1-9] Retain Handling 0 sends matching retained messages on subscribe.
TEST_F(V5Publish, RetainHandlingZeroSendsRetainedOnSubscribe) {
  statement("MQTT-3.3.1-9");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true));
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_TRUE(got.retain) << "retained message sent on subscribe with RETAIN 0";
}

// [MQTT-3.3.1-10] Retain Handling 1 sends retained messages only for a new subscription.
TEST_F(V5Publish, RetainHandlingOneSkipsExistingSubscription) {
  statement("MQTT-3.3.1-10");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true));
  codec::subscribe_options o;
  o.handling = codec::retain_handling::send_if_new_subscription;
  auto sub = subscriber(t, o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(receive_publish(*sub, nullptr)) << "new subscription got no retained message";
  ASSERT_TRUE(subscribe(*sub, t, o, 2));
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("no retained message for the existing subscription", r);
}

// [MQTT-3.3.1-11] Retain Handling 2 sends no retained messages on subscribe.
TEST_F(V5Publish, RetainHandlingTwoSendsNothing) {
  statement("MQTT-3.3.1-11");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "kept", codec::qos::at_least_once, true));
  codec::subscribe_options o;
  o.handling = codec::retain_handling::do_not_send;
  auto sub = subscriber(t, o);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
}

// [MQTT-3.3.1-12] Retain As Published 0: forwarded messages have RETAIN 0.
TEST_F(V5Publish, RetainAsPublishedZeroClearsRetain) {
  statement("MQTT-3.3.1-12");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto sub = subscriber(t);
  ASSERT_TRUE(sub);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "live", codec::qos::at_least_once, true));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_FALSE(got.retain) << "forwarded with RETAIN 1 on a Retain As Published 0 subscription";
}

// [MQTT-3.3.1-13] Retain As Published 1: the forwarded RETAIN equals the published one.
TEST_F(V5Publish, RetainAsPublishedOneKeepsRetain) {
  statement("MQTT-3.3.1-13");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  codec::subscribe_options o;
  o.retain_as_published = true;
  auto sub = subscriber(t, o);
  ASSERT_TRUE(sub);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "live", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, t, "plain", codec::qos::at_least_once, false, 2));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b));
  EXPECT_TRUE(a.retain) << "RETAIN 1 message forwarded with RETAIN 0";
  EXPECT_FALSE(b.retain) << "RETAIN 0 message forwarded with RETAIN 1";
}

// [MQTT-3.3.2-3] The Topic Name sent to a subscriber matches its (wildcard) filter: it is
// the name that was published.
TEST_F(V5Publish, ForwardedTopicNameMatchesFilter) {
  statement("MQTT-3.3.2-3");
  auto sub = subscriber(topic_prefix() + "/+/leaf");
  ASSERT_TRUE(sub);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  const std::string t = topic("mid/leaf");
  ASSERT_TRUE(publish(*pub, t, "x"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.topic, t);
}

// Properties that must reach every subscriber unchanged.
class V5PublishProperties : public V5Publish {
 protected:
  // round_trip publishes with `props` and returns what the subscriber received.
  std::optional<codec::publish_packet> round_trip(const codec::properties& props) {
    const std::string t = topic("props");
    auto sub = subscriber(t);
    if (!sub) return std::nullopt;
    auto pub = connect_client("pub");
    if (!pub) return std::nullopt;
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes("body");
    p.props = props;
    if (!publish(*pub, p)) return std::nullopt;
    codec::publish_packet got;
    auto ok = receive_publish(*sub, &got);
    if (!ok) {
      ADD_FAILURE() << ok.message();
      return std::nullopt;
    }
    return got;
  }
};

// [MQTT-3.3.2-4] Payload Format Indicator is forwarded unchanged.
TEST_F(V5PublishProperties, PayloadFormatIndicatorForwarded) {
  statement("MQTT-3.3.2-4");
  codec::properties props;
  props.payload_format_indicator = 1;
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.payload_format_indicator, std::optional<std::uint8_t>(1));
}

// [MQTT-3.3.2-15] Response Topic is forwarded unchanged.
TEST_F(V5PublishProperties, ResponseTopicForwarded) {
  statement("MQTT-3.3.2-15");
  codec::properties props;
  props.response_topic = topic("reply/here");
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.response_topic, props.response_topic);
}

// [MQTT-3.3.2-16] Correlation Data is forwarded unchanged (binary, with a zero byte).
TEST_F(V5PublishProperties, CorrelationDataForwarded) {
  statement("MQTT-3.3.2-16");
  codec::properties props;
  props.correlation_data = codec::byte_buffer{0x00, 0xFF, 0x10, 0x80};
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.correlation_data, props.correlation_data);
}

// [MQTT-3.3.2-17] All User Properties are forwarded without modification.
TEST_F(V5PublishProperties, UserPropertiesForwardedUnmodified) {
  statement("MQTT-3.3.2-17");
  codec::properties props;
  props.user_properties = {{"k", "v"}, {"empty", ""}, {"ünï", "cödé"}};
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.user_properties.size(), props.user_properties.size());
  for (const auto& u : props.user_properties) {
    bool found = false;
    for (const auto& g : got->props.user_properties) found |= g == u;
    EXPECT_TRUE(found) << "user property " << u.name << "=" << u.value << " not forwarded intact";
  }
}

// [MQTT-3.3.2-18] User Properties keep their order, repeated names included.
TEST_F(V5PublishProperties, UserPropertiesKeepOrder) {
  statement("MQTT-3.3.2-18");
  codec::properties props;
  props.user_properties = {{"b", "1"}, {"a", "2"}, {"b", "3"}, {"a", "4"}};
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.user_properties, props.user_properties);
}

// [MQTT-3.3.2-20] Content Type is forwarded unchanged.
TEST_F(V5PublishProperties, ContentTypeForwarded) {
  statement("MQTT-3.3.2-20");
  codec::properties props;
  props.content_type = "application/x-mqttcert; v=1";
  auto got = round_trip(props);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->props.content_type, props.content_type);
}

// [MQTT-3.3.4-1] The receiver answers as the QoS requires: PUBACK for 1, PUBREC for 2,
// nothing for 0.
TEST_F(V5Publish, ReceiverAcknowledgesPerQos) {
  statement("MQTT-3.3.4-1");
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  ASSERT_TRUE(publish(*c, topic("q0"), "a", codec::qos::at_most_once));
  auto r0 = c->expect_no_packet();
  EXPECT_EQ(r0.status, recv_status::timeout) << mismatch("no reply to QoS 0", r0);
  ASSERT_TRUE(publish(*c, topic("q1"), "b", codec::qos::at_least_once, false, 11));
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  ASSERT_TRUE(publish(*c, topic("q2"), "c", codec::qos::exactly_once, false, 12));
}
