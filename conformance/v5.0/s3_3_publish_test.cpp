// 3.3 PUBLISH: DUP, RETAIN handling, the Topic Name, forwarded properties, message
// expiry, Topic Aliases, overlapping subscriptions and Subscription Identifiers, Receive
// Maximum, and the acknowledgement a PUBLISH calls for. QoS 3, wildcard or invalid Topic
// Names and invalid property strings are rows of data/malformed_packets.json.
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "conformance/harness/s3_3_publish_checks.hpp"
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Publish : public publish_checks<v5::session_test> {
 protected:
  // closes_with_reason expects a close; if a DISCONNECT comes first it must carry `want`.
  // (4.13.1: closing is a MUST, the DISCONNECT and its specific Reason Code a SHOULD.)
  ::testing::AssertionResult closes_with_reason(raw_client& c, std::uint8_t want) {
    auto obs = c.expect_close();
    char hex[8];
    std::snprintf(hex, sizeof hex, "%02X", want);
    const std::string expected = std::string("S→C DISCONNECT E0 .. ") + hex + ", then close";
    if (!obs.closed || !obs.only_errors_before() || obs.first_reason() != want)
      return ::testing::AssertionFailure() << mismatch(expected, obs);
    return ::testing::AssertionSuccess();
  }

  // collect_publishes gathers the PUBLISH packets that arrive until the line goes quiet
  // (without acknowledging them); any other packet is a failure.
  std::vector<codec::publish_packet> collect_publishes(raw_client& c) {
    std::vector<codec::publish_packet> out;
    for (auto wait = expect_timeout;; wait = quiet_window) {
      auto r = c.expect_packet(wait);
      if (r.status == recv_status::timeout) break;
      const auto* p = r.as<codec::publish_packet>();
      if (!p) {
        ADD_FAILURE() << mismatch("S→C PUBLISH or nothing", r);
        break;
      }
      out.push_back(*p);
    }
    return out;
  }
};

// [MQTT-3.3.1-1] A PUBLISH the server re-delivers (here: unacknowledged QoS 1, resent when
// the session resumes) has DUP set, and keeps its Packet Identifier.
TEST_F(V5Publish, RedeliveredPublishHasDupSet) {
  statement("MQTT-3.3.1-1");
  const std::string id = client_id("sub");
  codec::publish_packet first;
  auto [sub, pub] = deliver_unacknowledged(
      make_publish(topic("dup"), "again", codec::qos::at_least_once, 1), &first, session(id, true));
  ASSERT_TRUE(sub);
  sub->close();
  codec::connack_packet ack;
  auto back = session_client("sub2", id, false, &ack);
  ASSERT_TRUE(back);
  ASSERT_TRUE(ack.session_present) << "CONNACK Session Present 0: the session was not kept";
  auto r = back->expect_packet();
  const auto* again = r.as<codec::publish_packet>();
  ASSERT_TRUE(again) << mismatch("S→C PUBLISH (re-delivery) with DUP 1", r);
  EXPECT_TRUE(again->dup) << mismatch("S→C PUBLISH with DUP 1 (3A or 3B ..)", r);
  EXPECT_EQ(again->packet_id, first.packet_id) << mismatch("the original Packet Identifier", r);
  EXPECT_EQ(again->payload, payload_bytes("again"));
  codec::puback_packet done;
  done.packet_id = again->packet_id;
  back->send_packet(done);
  disconnect(*back);
  end_session(id);
}

// [MQTT-3.3.1-2] A QoS 0 delivery has DUP 0, even when the publisher's QoS 1 PUBLISH
// carried DUP 1 (the subscription downgrades it to QoS 0).
TEST_F(V5Publish, QosZeroDeliveryHasDupClear) {
  statement("MQTT-3.3.1-2");
  const std::string t = topic("q0");
  auto [sub, pub] = connect_pair(t);
  ASSERT_TRUE(sub);
  codec::publish_packet p;
  p.topic = t;
  p.payload = payload_bytes("x");
  p.qos_level = codec::qos::at_least_once;
  p.packet_id = 3;
  p.dup = true;
  ASSERT_TRUE(publish(*pub, p));
  auto r = sub->expect_packet();
  const auto* got = r.as<codec::publish_packet>();
  ASSERT_TRUE(got) << mismatch("S→C PUBLISH 30 ..", r);
  EXPECT_EQ(got->qos_level, codec::qos::at_most_once) << mismatch("S→C PUBLISH QoS 0", r);
  EXPECT_FALSE(got->dup) << mismatch("S→C PUBLISH 30 .. (DUP 0)", r);
}

// [MQTT-3.3.1-3] The DUP flag is not propagated: a first delivery has DUP 0 even when the
// inbound PUBLISH had DUP 1 (QoS 1 and QoS 2 subscriptions).
TEST_F(V5Publish, InboundDupNotPropagated) {
  statement("MQTT-3.3.1-3");
  check_incoming_dup_not_forwarded(codec::qos::at_least_once, "dup", 4);
  if (HasFatalFailure()) return;  // a failed ASSERT in the QoS 1 half ends the test
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  check_incoming_dup_not_forwarded(codec::qos::exactly_once, "dup2", 5);
}

// [MQTT-3.3.1-5] A retained PUBLISH replaces the topic's retained message.
TEST_F(V5Publish, RetainedPublishReplacesRetainedMessage) {
  statement("MQTT-3.3.1-5");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "first");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "second", codec::qos::at_least_once, true, 2));
  auto sub = connect_subscriber(t);
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
  check_empty_retained_publish_removes_retained();
}

// [MQTT-3.3.1-7] An empty-payload retained message is never stored as the retained one.
TEST_F(V5Publish, EmptyRetainedPublishIsNotStored) {
  statement("MQTT-3.3.1-7");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  check_empty_retained_publish_is_not_stored();
}

// [MQTT-3.3.1-8] RETAIN 0 leaves the existing retained message alone.
TEST_F(V5Publish, NonRetainedPublishLeavesRetainedMessage) {
  statement("MQTT-3.3.1-8");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  check_non_retained_publish_leaves_retained();
}

// [MQTT-3.3.1-9] Retain Handling 0 sends matching retained messages on subscribe.
TEST_F(V5Publish, RetainHandlingZeroSendsRetainedOnSubscribe) {
  statement("MQTT-3.3.1-9");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  check_retained_sent_on_subscribe_has_retain_set();
}

// [MQTT-3.3.1-10] Retain Handling 1 sends retained messages only for a new subscription.
TEST_F(V5Publish, RetainHandlingOneSkipsExistingSubscription) {
  statement("MQTT-3.3.1-10");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "kept");
  ASSERT_TRUE(pub);
  codec::subscribe_options o;
  o.handling = codec::retain_handling::send_if_new_subscription;
  auto sub = connect_subscriber(t, o);
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
  auto pub = connect_retaining_publisher(t, "kept");
  ASSERT_TRUE(pub);
  codec::subscribe_options o;
  o.handling = codec::retain_handling::do_not_send;
  auto sub = connect_subscriber(t, o);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
}

// [MQTT-3.3.1-12] Retain As Published 0: forwarded messages have RETAIN 0.
TEST_F(V5Publish, RetainAsPublishedZeroClearsRetain) {
  statement("MQTT-3.3.1-12");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  check_live_delivery_has_retain_clear();
}

// [MQTT-3.3.1-12] The same for a retained message published at QoS 0.
TEST_F(V5Publish, RetainAsPublishedZeroClearsRetainAtQos0) {
  statement("MQTT-3.3.1-12");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  check_live_delivery_has_retain_clear(codec::qos::at_most_once);
}

// [MQTT-3.3.1-13] Retain As Published 1: the forwarded RETAIN equals the published one.
TEST_F(V5Publish, RetainAsPublishedOneKeepsRetain) {
  statement("MQTT-3.3.1-13");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  codec::subscribe_options o;
  o.retain_as_published = true;
  auto [sub, pub] = connect_pair(t, o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "live", codec::qos::at_least_once, true, 1));
  ASSERT_TRUE(publish(*pub, t, "plain", codec::qos::at_least_once, false, 2));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b));
  // Told apart by payload, not by arrival: this statement is about the flag, and order
  // is 4.6's to judge (a broker that reorders fails there, not here).
  const auto is = [](const codec::publish_packet& p, std::string_view text) {
    return std::string_view(reinterpret_cast<const char*>(p.payload.data()), p.payload.size()) == text;
  };
  const codec::publish_packet* live = is(a, "live") ? &a : is(b, "live") ? &b : nullptr;
  const codec::publish_packet* plain = is(a, "plain") ? &a : is(b, "plain") ? &b : nullptr;
  ASSERT_TRUE(live && plain) << "expected the payloads 'live' and 'plain', one each";
  EXPECT_TRUE(live->retain) << "RETAIN 1 message forwarded with RETAIN 0";
  EXPECT_FALSE(plain->retain) << "RETAIN 0 message forwarded with RETAIN 1";
}

// [MQTT-3.3.2-1] The Topic Name is a UTF-8 Encoded String: a name with multi-byte
// characters (2, 3 and 4 bytes) is matched and forwarded byte for byte. Invalid UTF-8
// names are rows of data/malformed_packets.json.
TEST_F(V5Publish, MultiByteUtf8TopicNameForwarded) {
  statement("MQTT-3.3.2-1");
  const std::string t = topic("\xC3\xBC/\xE6\xB8\xA9/\xF0\x9F\x98\x80");
  check_forwarded_topic_is_published_name(t, t);
}

// [MQTT-3.3.2-3] The Topic Name sent to a subscriber matches its (wildcard) filter: it is
// the name that was published.
TEST_F(V5Publish, ForwardedTopicNameMatchesFilter) {
  statement("MQTT-3.3.2-3");
  check_forwarded_topic_is_published_name(topic_prefix() + "/+/leaf", topic("mid/leaf"));
}

// Properties that must reach every subscriber unchanged.
class V5PublishProperties : public V5Publish {
 protected:
  // round_trip publishes with `props` and returns what the subscriber received.
  std::optional<codec::publish_packet> round_trip(const codec::properties& props) {
    const std::string t = topic("props");
    auto [sub, pub] = connect_pair(t);
    if (!sub) return std::nullopt;
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

// Message expiry (3.3.2-5, 3.3.2-6) needs a subscriber whose session outlives its
// connection, so the message waits in the server. Intervals are on the broker's clock
// (the profile's time_scale).
class V5PublishExpiry : public V5Publish {
 protected:
  // park_subscriber creates a session for `id` subscribed to `t` at QoS 1, then
  // disconnects it so the server queues matching messages.
  ::testing::AssertionResult park_subscriber(const std::string& id, const std::string& t) {
    auto sub = session_client("sub", id, true);
    if (!sub) return ::testing::AssertionFailure() << "subscriber did not connect";
    if (auto ok = subscribe(*sub, t, codec::qos::at_least_once); !ok) return ok;
    disconnect(*sub);
    return ::testing::AssertionSuccess();
  }
  codec::publish_packet message(const std::string& t, std::string_view body,
                                std::optional<std::uint32_t> expiry, std::uint16_t id) {
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes(body);
    p.qos_level = codec::qos::at_least_once;
    p.packet_id = id;
    p.props.message_expiry_interval = expiry;
    return p;
  }
};

// [MQTT-3.3.2-5] A queued message whose Message Expiry Interval (1 s) passes before the
// subscriber comes back is deleted; a message without expiry queued beside it is kept.
TEST_F(V5PublishExpiry, ExpiredQueuedMessageIsDeleted) {
  statement("MQTT-3.3.2-5");
  const std::string t = topic("exp");
  const std::string id = client_id("sub");
  ASSERT_TRUE(park_subscriber(id, t));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, message(t, "short", 1, 1)));
  ASSERT_TRUE(publish(*pub, message(t, "kept", std::nullopt, 2)));
  // Let the 1 s lifetime pass (2.2 s covers brokers that count whole seconds).
  auto idle = pub->expect_no_packet(real_time(2200ms));
  ASSERT_EQ(idle.status, recv_status::timeout) << mismatch("nothing to the publisher", idle);
  auto back = session_client("sub2", id, false);
  ASSERT_TRUE(back);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*back, &got));
  EXPECT_EQ(got.payload, payload_bytes("kept")) << "the expired message was delivered";
  auto r = back->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no further PUBLISH", r);
  disconnect(*back);
  end_session(id);
}

// [MQTT-3.3.2-6] A message that waited in the server is forwarded with the Message Expiry
// Interval reduced by the time it waited (about 1.5 s of broker time).
TEST_F(V5PublishExpiry, ForwardedExpiryIntervalIsReducedByWaitingTime) {
  statement("MQTT-3.3.2-6");
  const std::string t = topic("exp");
  const std::string id = client_id("sub");
  ASSERT_TRUE(park_subscriber(id, t));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  // Long enough to outlive the test by far, on any time scale.
  const std::uint32_t lifetime = broker_seconds(20s);
  ASSERT_TRUE(publish(*pub, message(t, "aging", lifetime, 1)));
  auto idle = pub->expect_no_packet(real_time(1500ms));
  ASSERT_EQ(idle.status, recv_status::timeout) << mismatch("nothing to the publisher", idle);
  auto back = session_client("sub2", id, false);
  ASSERT_TRUE(back);
  auto r = back->expect_packet();
  const auto* got = r.as<codec::publish_packet>();
  const std::string want = "Message Expiry Interval " + std::to_string(lifetime) +
                           " minus the time the message waited (at least 1 s)";
  ASSERT_TRUE(got) << mismatch("S→C PUBLISH with " + want, r);
  ASSERT_TRUE(got->props.message_expiry_interval)
      << mismatch("S→C PUBLISH with property 02 (Message Expiry Interval)", r);
  const std::uint32_t left = *got->props.message_expiry_interval;
  EXPECT_TRUE(left >= 1 && left < lifetime)
      << mismatch(want, "Message Expiry Interval " + std::to_string(left));
  codec::puback_packet ack;
  ack.packet_id = got->packet_id;
  back->send_packet(ack);
  disconnect(*back);
  end_session(id);
}

// Topic Aliases (3.3.2-7, -8, -11, -12). For aliases from the client the server announces
// its Topic Alias Maximum in CONNACK; tests that need one to be accepted are gated on the
// profile's topic_alias_maximum ("unimplemented" when 0).
class V5PublishTopicAlias : public V5Publish {
 protected:
  // alias_client connects and returns the announced Topic Alias Maximum in `max`.
  std::unique_ptr<raw_client> alias_client(std::string_view label, std::uint16_t* max,
                                           connect_options o = {}) {
    codec::connack_packet ack;
    auto c = connect_client(label, std::move(o), &ack);
    if (c) *max = ack.props.topic_alias_maximum.value_or(0);
    return c;
  }
  // send_alias_zero sends PUBLISH 30 LL <topic> 03 230000 68, built by hand because an
  // encoder may refuse Topic Alias 0.
  void send_alias_zero(raw_client& c) {
    const std::string t = topic("z");
    codec::byte_buffer b{0x30};
    const std::size_t body = 2 + t.size() + 1 + 3 + 1;
    ASSERT_LT(body, 128U);
    b.push_back(static_cast<std::uint8_t>(body));
    b.push_back(static_cast<std::uint8_t>(t.size() >> 8));
    b.push_back(static_cast<std::uint8_t>(t.size() & 0xFF));
    b.insert(b.end(), t.begin(), t.end());
    static constexpr std::uint8_t tail[] = {0x03, 0x23, 0x00, 0x00, 0x68};
    b.insert(b.end(), std::begin(tail), std::end(tail));
    c.send_bytes(b);
  }
  static codec::publish_packet aliased(std::string t, std::uint16_t alias, std::string_view body,
                                       std::uint16_t id) {
    codec::publish_packet p;
    p.topic = std::move(t);
    p.payload = payload_bytes(body);
    p.qos_level = codec::qos::at_least_once;
    p.packet_id = id;
    p.props.topic_alias = alias;
    return p;
  }
};

// [MQTT-3.3.2-7] A Topic Alias mapping does not survive the network connection, even when
// the session does: on the new connection, PUBLISH with only that alias is a Protocol
// Error (close, 3.3.4 names DISCONNECT 0x82) and is not delivered.
TEST_F(V5PublishTopicAlias, MappingNotCarriedToNextConnection) {
  statement("MQTT-3.3.2-7");
  MQTT_REQUIRE_FEATURE(profile().topic_alias_maximum > 0, "topic aliases from the client");
  const std::string t = topic("alias");
  auto sub = connect_subscriber(t);
  ASSERT_TRUE(sub);
  const std::string id = client_id("pub");
  connect_options o;
  o.client_id = id;
  o.props.session_expiry_interval = broker_seconds(30s);
  std::uint16_t max = 0;
  auto pub = alias_client("pub", &max, o);
  ASSERT_TRUE(pub);
  ASSERT_GE(max, 1) << "the profile promises topic aliases but CONNACK Topic Alias Maximum is 0";
  ASSERT_TRUE(publish(*pub, aliased(t, 1, "set", 1)));
  ASSERT_TRUE(receive_publish(*sub, nullptr));
  disconnect(*pub);
  o.clean_start = false;
  auto again = alias_client("pub2", &max, o);
  ASSERT_TRUE(again);
  again->send_packet(aliased("", 1, "stale", 2));
  EXPECT_TRUE(closes_after_error(*again));
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no delivery through a stale alias", r);
  end_session(id);
}

// [MQTT-3.3.2-7] The server's own Topic Alias mappings end with the connection too ("Topic
// Alias mappings exist only within a Network Connection and last only for the lifetime of
// that Network Connection"): on a resumed session's new connection, a PUBLISH carries its
// Topic Name, never only an alias mapped on the old connection (which the client must not
// have kept, so it could not resolve it).
TEST_F(V5PublishTopicAlias, ServerMappingNotCarriedToNextConnection) {
  statement("MQTT-3.3.2-7");
  const std::string t = topic("out");
  const std::string id = client_id("sub");
  connect_options o;
  o.client_id = id;
  o.props.session_expiry_interval = broker_seconds(30s);
  o.props.topic_alias_maximum = 10;
  auto sub = connect_client("sub", o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_publisher(t, "first");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(receive_publish(*sub, nullptr));
  disconnect(*sub);
  o.clean_start = false;
  codec::connack_packet ack;
  auto again = connect_client("sub2", o, &ack);
  ASSERT_TRUE(again);
  // A broker that did not keep the session (a failure of MQTT-3.2.2-3, reported there)
  // still shows this rule on a new subscription.
  if (!ack.session_present) ASSERT_TRUE(subscribe(*again, t, codec::qos::at_most_once));
  ASSERT_TRUE(publish(*pub, t, "second"));
  auto r = again->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH", r);
  EXPECT_FALSE(p->topic.empty())
      << mismatch("PUBLISH with its Topic Name (an alias of the old connection means nothing "
                  "on this one)", r);
  end_session(id);
}

// [MQTT-3.3.2-8] Topic Alias 0 is never valid: the server closes the connection.
TEST_F(V5PublishTopicAlias, AliasZeroIsRejected) {
  statement("MQTT-3.3.2-8");
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  send_alias_zero(*c);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.3.2-8] … and says why first: DISCONNECT 0x94 (Topic Alias invalid), the specific
// code 3.3.4 names (4.13.1: SHOULD send DISCONNECT with the most specific code).
TEST_F(V5PublishTopicAlias, AliasZeroAnsweredWithTopicAliasInvalid) {
  statement("MQTT-3.3.2-8");
  should();
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  send_alias_zero(*c);
  EXPECT_TRUE(closes_with_reason(*c, 0x94));
}

// [MQTT-3.3.2-11] The server sends no Topic Alias above the client's Topic Alias Maximum:
// none at all to a client that declared none, and at most 2 to a client that declared 2.
TEST_F(V5PublishTopicAlias, ServerRespectsClientTopicAliasMaximum) {
  statement("MQTT-3.3.2-11");
  const std::string filter = topic_prefix() + "/#";
  auto plain = connect_client("plain");
  ASSERT_TRUE(plain);
  ASSERT_TRUE(subscribe(*plain, filter, codec::qos::at_most_once));
  connect_options o;
  o.props.topic_alias_maximum = 2;
  auto two = connect_client("two", o);
  ASSERT_TRUE(two);
  ASSERT_TRUE(subscribe(*two, filter, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  constexpr int rounds = 3, topics = 3;
  for (int round = 0; round < rounds; ++round)
    for (int i = 0; i < topics; ++i)
      ASSERT_TRUE(publish(*pub, topic("long/topic/name/" + std::to_string(i)), "x"));
  for (int n = 0; n < rounds * topics; ++n) {
    auto a = plain->expect_packet();
    const auto* p = a.as<codec::publish_packet>();
    ASSERT_TRUE(p) << mismatch("S→C PUBLISH", a);
    EXPECT_FALSE(p->props.topic_alias) << mismatch("S→C PUBLISH without Topic Alias", a);
    auto b = two->expect_packet();
    const auto* q = b.as<codec::publish_packet>();
    ASSERT_TRUE(q) << mismatch("S→C PUBLISH", b);
    if (q->props.topic_alias) {
      EXPECT_TRUE(*q->props.topic_alias >= 1 && *q->props.topic_alias <= 2)
          << mismatch("S→C PUBLISH with Topic Alias 1 or 2", b);
    }
  }
}

// [MQTT-3.3.2-12] The server accepts every Topic Alias from 1 to the Topic Alias Maximum
// it announced: the lowest and highest set a mapping, then carry an empty Topic Name.
TEST_F(V5PublishTopicAlias, AcceptsAliasesUpToAnnouncedMaximum) {
  statement("MQTT-3.3.2-12");
  MQTT_REQUIRE_FEATURE(profile().topic_alias_maximum > 0, "topic aliases from the client");
  auto sub = connect_subscriber(topic_prefix() + "/#");
  ASSERT_TRUE(sub);
  std::uint16_t max = 0;
  auto pub = alias_client("pub", &max);
  ASSERT_TRUE(pub);
  ASSERT_GE(max, 1) << "the profile promises topic aliases but CONNACK Topic Alias Maximum is 0";
  std::uint16_t id = 1;
  for (std::uint16_t alias : {std::uint16_t{1}, max}) {
    const std::string t = topic("a" + std::to_string(alias));
    ASSERT_TRUE(publish(*pub, aliased(t, alias, "set", id++))) << "Topic Alias " << alias;
    ASSERT_TRUE(publish(*pub, aliased("", alias, "use", id++))) << "Topic Alias " << alias;
    for (const char* body : {"set", "use"}) {
      codec::publish_packet got;
      ASSERT_TRUE(receive_publish(*sub, &got));
      EXPECT_EQ(got.topic, t) << "Topic Alias " << alias << " resolved to the wrong name";
      EXPECT_EQ(got.payload, payload_bytes(body));
    }
  }
}

// [MQTT-3.3.2-12] The other side of the limit: Topic Alias Maximum + 1 is a Protocol
// Error, answered with a close (3.3.4 names DISCONNECT 0x94 Topic Alias invalid).
TEST_F(V5PublishTopicAlias, AliasAboveAnnouncedMaximumIsRejected) {
  statement("MQTT-3.3.2-12");
  std::uint16_t max = 0;
  auto pub = alias_client("pub", &max);
  ASSERT_TRUE(pub);
  if (max == 0xFFFF) MQTT_SKIP("not applicable: Topic Alias Maximum 65535 leaves no value above it");
  pub->send_packet(aliased(topic("over"), static_cast<std::uint16_t>(max + 1), "x", 1));
  EXPECT_TRUE(closes_after_error(*pub));
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

// [MQTT-3.3.4-2] Overlapping subscriptions (QoS 0 on "…/#", QoS 1 on the exact name):
// the QoS 1 message reaches the client at QoS 1 at least once, and no copy above QoS 1.
TEST_F(V5Publish, OverlappingSubscriptionsDeliverAtHighestQos) {
  statement("MQTT-3.3.4-2");
  auto [sub, pub] = publish_to_overlapping_subscriptions(topic("over"));
  ASSERT_TRUE(sub);
  auto copies = collect_publishes(*sub);
  ASSERT_FALSE(copies.empty()) << "no copy delivered";
  bool at_qos1 = false;
  for (const auto& p : copies) {
    at_qos1 |= p.qos_level == codec::qos::at_least_once;
    EXPECT_NE(p.qos_level, codec::qos::exactly_once) << "a copy above every subscription's QoS";
  }
  EXPECT_TRUE(at_qos1) << "no copy at QoS 1, the highest QoS of the matching subscriptions";
}

// [MQTT-3.3.4-2] The same the other way round: QoS 1 on the wildcard, subscribed first,
// QoS 0 on the exact name. (Found by the session/QoS property against Mosquitto 2.0,
// which then delivers one copy, at QoS 0.)
TEST_F(V5Publish, OverlappingSubscriptionsDeliverAtHighestQosOfWildcard) {
  statement("MQTT-3.3.4-2");
  auto [sub, pub] = publish_to_overlapping_subscriptions(topic("over"), codec::qos::at_least_once,
                                                         codec::qos::at_most_once);
  ASSERT_TRUE(sub);
  auto copies = collect_publishes(*sub);
  ASSERT_FALSE(copies.empty()) << "no copy delivered";
  bool at_qos1 = false;
  for (const auto& p : copies) at_qos1 |= p.qos_level == codec::qos::at_least_once;
  EXPECT_TRUE(at_qos1) << "no copy at QoS 1, the highest QoS of the matching subscriptions";
}

// Subscription Identifiers (3.3.4-3 … -5): two overlapping subscriptions with
// identifiers 5 and 7, and a third without one, all match one message.
class V5PublishSubscriptionIds : public V5Publish {
 protected:
  std::vector<codec::publish_packet> overlapping_delivery() {
    const std::string t = topic("sid/x");
    auto sub = connect_client("sub");
    if (!sub) return {};
    auto sub_with = [&](std::string filter, std::optional<std::uint32_t> sid, std::uint16_t pid) {
      codec::subscribe_packet s;
      s.packet_id = pid;
      if (sid) s.props.subscription_identifiers.push_back(*sid);
      s.subscriptions.push_back({std::move(filter), {}});
      sub->send_packet(s);
      auto r = sub->expect_ack();
      const auto* ack = r.as<codec::suback_packet>();
      if (!ack || ack->reasons.size() != 1 || ack->reasons[0] >= 0x80) {
        ADD_FAILURE() << "setup: SUBSCRIBE with Subscription Identifier\n"
                      << mismatch("S→C SUBACK granting QoS 0", r);
        return false;
      }
      return true;
    };
    if (!sub_with(topic_prefix() + "/#", 5, 1) || !sub_with(topic_prefix() + "/sid/+", 7, 2) ||
        !sub_with(t, std::nullopt, 3))
      return {};
    auto pub = connect_client("pub");
    if (!pub || !publish(*pub, t, "x")) return {};
    sub_ = std::move(sub);
    return collect_publishes(*sub_);
  }
  static std::vector<std::uint32_t> sorted_ids(const codec::publish_packet& p) {
    auto ids = p.props.subscription_identifiers;
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::unique_ptr<raw_client> sub_;
};

// [MQTT-3.3.4-3] The identifiers of overlapping subscriptions reach the client with the
// resulting message(s): 5 and 7 both appear.
TEST_F(V5PublishSubscriptionIds, OverlappingIdentifiersAreSent) {
  statement("MQTT-3.3.4-3");
  MQTT_REQUIRE_FEATURE(profile().subscription_identifiers_available, "subscription identifiers");
  auto copies = overlapping_delivery();
  ASSERT_FALSE(copies.empty()) << "no copy delivered";
  std::vector<std::uint32_t> all;
  for (const auto& p : copies)
    all.insert(all.end(), p.props.subscription_identifiers.begin(),
               p.props.subscription_identifiers.end());
  for (std::uint32_t want : {5U, 7U})
    EXPECT_NE(std::find(all.begin(), all.end(), want), all.end())
        << "Subscription Identifier " << want << " missing from every copy";
}

// [MQTT-3.3.4-4] If the server sends a single copy, it lists every matching identifier
// (5 and 7, any order). A server that sends one copy per subscription is checked by -5.
TEST_F(V5PublishSubscriptionIds, SingleCopyCarriesAllIdentifiers) {
  statement("MQTT-3.3.4-4");
  MQTT_REQUIRE_FEATURE(profile().subscription_identifiers_available, "subscription identifiers");
  auto copies = overlapping_delivery();
  ASSERT_FALSE(copies.empty()) << "no copy delivered";
  if (copies.size() > 1)
    MQTT_SKIP("not applicable: the broker sent " + std::to_string(copies.size()) +
              " copies; the single-copy rule does not apply (see MQTT-3.3.4-5)");
  EXPECT_EQ(sorted_ids(copies[0]), (std::vector<std::uint32_t>{5, 7}))
      << "the single copy must carry Subscription Identifiers 5 and 7";
}

// [MQTT-3.3.4-5] If the server sends one copy per matching subscription, each carries
// that subscription's identifier: one copy has 5, one has 7, one (the exact filter) none.
TEST_F(V5PublishSubscriptionIds, EachCopyCarriesItsIdentifier) {
  statement("MQTT-3.3.4-5");
  MQTT_REQUIRE_FEATURE(profile().subscription_identifiers_available, "subscription identifiers");
  auto copies = overlapping_delivery();
  ASSERT_FALSE(copies.empty()) << "no copy delivered";
  if (copies.size() == 1)
    MQTT_SKIP("not applicable: the broker sent a single copy; the per-copy rule does not "
              "apply (see MQTT-3.3.4-4)");
  std::vector<std::uint32_t> seen;
  for (const auto& p : copies) {
    EXPECT_LE(p.props.subscription_identifiers.size(), 1U)
        << "a separate copy carries more than its own subscription's identifier";
    seen.insert(seen.end(), p.props.subscription_identifiers.begin(),
                p.props.subscription_identifiers.end());
  }
  std::sort(seen.begin(), seen.end());
  if (copies.size() == 3) {
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{5, 7}));
  } else {
    for (auto id : seen) EXPECT_TRUE(id == 5 || id == 7) << "unexpected identifier " << id;
  }
}

// Receive Maximum (3.3.4-9, -10): the subscriber allows 2 unacknowledged QoS 1 PUBLISH.
class V5PublishReceiveMaximum : public V5Publish {
 protected:
  // flood connects a subscriber with Receive Maximum 2 and has 5 QoS 1 messages published
  // to it; returns the subscriber after it has received the first 2 (unacknowledged).
  std::unique_ptr<raw_client> flood(std::vector<codec::publish_packet>* first) {
    const std::string t = topic("rm");
    connect_options o;
    o.props.receive_maximum = 2;
    auto sub = connect_client("sub", o);
    if (!sub || !subscribe(*sub, t, codec::qos::at_least_once)) return nullptr;
    pub_ = connect_client("pub");
    if (!pub_) return nullptr;
    for (std::uint16_t i = 1; i <= 5; ++i)
      if (!publish(*pub_, t, "m" + std::to_string(i), codec::qos::at_least_once, false, i))
        return nullptr;
    for (int i = 0; i < 2; ++i) {
      codec::publish_packet p;
      auto ok = receive_publish(*sub, &p, /*acknowledge=*/false);
      if (!ok) {
        ADD_FAILURE() << ok.message();
        return nullptr;
      }
      first->push_back(p);
    }
    return sub;
  }
  std::unique_ptr<raw_client> pub_;
};

// [MQTT-3.3.4-9] With Receive Maximum 2, a third QoS 1 PUBLISH comes only after a PUBACK.
TEST_F(V5PublishReceiveMaximum, ServerHonoursClientReceiveMaximum) {
  statement("MQTT-3.3.4-9");
  std::vector<codec::publish_packet> first;
  auto sub = flood(&first);
  ASSERT_TRUE(sub);
  auto r = sub->expect_no_packet();
  ASSERT_EQ(r.status, recv_status::timeout)
      << mismatch("no third PUBLISH while 2 are unacknowledged (Receive Maximum 2)", r);
  codec::puback_packet ack;
  ack.packet_id = first[0].packet_id;
  sub->send_packet(ack);
  codec::publish_packet third;
  ASSERT_TRUE(receive_publish(*sub, &third, false)) << "no PUBLISH after a PUBACK freed a slot";
  EXPECT_EQ(third.payload, payload_bytes("m3"));
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout)
      << mismatch("no fourth PUBLISH while 2 are unacknowledged", r2);
}

// [MQTT-3.3.4-10] At the client's Receive Maximum the server still answers PINGREQ and
// SUBSCRIBE at once.
TEST_F(V5PublishReceiveMaximum, NonPublishPacketsNotDelayedAtReceiveMaximum) {
  statement("MQTT-3.3.4-10");
  std::vector<codec::publish_packet> first;
  auto sub = flood(&first);
  ASSERT_TRUE(sub);
  sub->send_packet(codec::pingreq_packet{});
  auto r = sub->expect_ack();
  EXPECT_TRUE(r.as<codec::pingresp_packet>()) << mismatch("S→C PINGRESP D0 00", r);
  auto r2 = send_subscribe(*sub, {{topic("other"), {}}}, 77);
  const auto* ack = r2.as<codec::suback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 77) << mismatch("S→C SUBACK 90 .. 004D", r2);
}
