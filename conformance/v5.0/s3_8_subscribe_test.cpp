// 3.8 SUBSCRIBE: options, replacement, several filters in one packet, one reason code
// per filter, and the QoS of delivered messages. Bad flags, empty payloads and reserved
// option bits are rows of data/malformed_packets.json; SUBACK itself is s3_9.
#include "conformance/harness/s3_8_subscribe_checks.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Subscribe : public subscribe_checks<v5_test> {};

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
  check_every_subscribe_gets_suback();
}

// [MQTT-3.8.4-2] The SUBACK has the SUBSCRIBE's Packet Identifier.
TEST_F(V5Subscribe, SubackReusesPacketIdentifier) {
  statement("MQTT-3.8.4-2");
  check_suback_reuses_packet_identifier();
}

// [MQTT-3.8.4-3] Subscribing again to the same filter replaces the subscription: one
// copy, at the new maximum QoS.
TEST_F(V5Subscribe, SameFilterReplacesSubscription) {
  statement("MQTT-3.8.4-3");
  check_same_filter_replaces_subscription();
}

// [MQTT-3.8.4-3] "it MUST replace that existing Subscription with a new Subscription ...
// although its Subscription Options could be different": a second SUBSCRIBE to the same
// filter, now with No Local, stops the client's own messages. (Found by the session/QoS
// property against Mosquitto 2.0, which keeps the first subscription's No Local.)
TEST_F(V5Subscribe, SameFilterReplacesNoLocal) {
  statement("MQTT-3.8.4-3");
  const std::string t = topic("nl");
  auto self = connect_client("self");
  ASSERT_TRUE(self);
  ASSERT_TRUE(subscribe(*self, t, codec::qos::at_most_once, 1));
  codec::subscribe_options o;
  o.no_local = true;
  ASSERT_TRUE(subscribe(*self, t, o, 2));
  auto other = connect_client("other");
  ASSERT_TRUE(other);
  ASSERT_TRUE(subscribe(*other, t, codec::qos::at_most_once));
  ASSERT_TRUE(publish(*self, t, "mine"));
  ASSERT_TRUE(receive_publish(*other, nullptr)) << "control subscriber got nothing";
  auto r = self->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("no PUBLISH back to the publisher: the replacing subscription has No Local", r);
}

// [MQTT-3.8.4-3] Likewise Retain As Published: subscribed first with it, then again
// without, a retained message is forwarded with RETAIN 0 ([MQTT-3.3.1-12]).
TEST_F(V5Subscribe, SameFilterReplacesRetainAsPublished) {
  statement("MQTT-3.8.4-3");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("rap");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_options o;
  o.retain_as_published = true;
  ASSERT_TRUE(subscribe(*sub, t, o, 1));
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once, 2));
  auto pub = connect_publisher(t, "kept", codec::qos::at_most_once, true);
  ASSERT_TRUE(pub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_FALSE(got.retain)
      << "forwarded with RETAIN 1: the replacing subscription has Retain As Published 0";
  ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_most_once, true));  // clear it again
}

// [MQTT-3.8.4-6] A SUBSCRIBE with several filters gets one reason code per filter.
TEST_F(V5Subscribe, SubackHasOneReasonPerFilter) {
  statement("MQTT-3.8.4-6");
  check_suback_has_one_code_per_filter();
}

// [MQTT-3.8.4-8] Delivery uses the lower of the published QoS and the granted QoS.
TEST_F(V5Subscribe, DeliveryQosIsMinimumOfPublishAndGranted) {
  statement("MQTT-3.8.4-8");
  check_delivery_qos_is_minimum("x", codec::qos::at_most_once, codec::qos::at_least_once, "down");
  if (HasFatalFailure()) return;  // a failed ASSERT in the first half ends the test
  // And the other way round: a QoS 0 publish is not upgraded by a QoS 1 subscription.
  check_delivery_qos_is_minimum("y", codec::qos::at_least_once, codec::qos::at_most_once, "stay");
}

// [MQTT-3.8.4-4] Subscribing again to the same filter with Retain Handling 0 sends the
// retained message again (and the subscription keeps delivering).
TEST_F(V5Subscribe, ReplacedSubscriptionResendsRetained) {
  statement("MQTT-3.8.4-4");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("r");
  auto pub = connect_retaining_publisher(t, "kept");
  ASSERT_TRUE(pub);
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got)) << "no retained message on the first SUBSCRIBE";
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once, 2));
  ASSERT_TRUE(receive_publish(*sub, &got)) << "no retained message on the replacing SUBSCRIBE";
  EXPECT_EQ(got.payload, payload_bytes("kept"));
  EXPECT_TRUE(got.retain) << "a retained message sent on subscribe has RETAIN 1";
  ASSERT_TRUE(publish(*pub, t, "live", codec::qos::at_least_once, false, 2));
  ASSERT_TRUE(receive_publish(*sub, &got)) << "the replaced subscription lost a message";
  EXPECT_EQ(got.payload, payload_bytes("live"));
}

// [MQTT-3.8.4-5] Several filters in one SUBSCRIBE act like consecutive SUBSCRIBEs: the
// third entry repeats the first at QoS 0 and so replaces it (one copy, at QoS 0).
TEST_F(V5Subscribe, MultipleFiltersActAsConsecutiveSubscribes) {
  statement("MQTT-3.8.4-5");
  const std::string t = topic("a"), t2 = topic("b");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  auto r = send_subscribe(*sub,
                          {{t, {.max_qos = codec::qos::at_least_once}},
                           {t2, {.max_qos = codec::qos::at_least_once}},
                           {t, {.max_qos = codec::qos::at_most_once}}},
                          8);
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack && ack->packet_id == 8 && ack->reasons.size() == 3)
      << mismatch("one S→C SUBACK 90 .. 0008 with 3 reason codes", r);
  EXPECT_EQ(ack->reasons[2], 0x00) << mismatch("third reason code 00 (granted QoS 0)", r);
  auto pub = connect_publisher(t, "one", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t2, "two", codec::qos::at_least_once, false, 2));
  // Two topics: the spec orders deliveries per topic only (4.6), so look each one up.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, 2, &got));
  const auto* a = find_topic(got, t);
  const auto* b = find_topic(got, t2);
  ASSERT_TRUE(a && b) << "a second copy for the replaced filter, or the other filter lost";
  EXPECT_EQ(a->qos_level, codec::qos::at_most_once)
      << "the later entry for the same filter did not replace the first";
  EXPECT_EQ(b->qos_level, codec::qos::at_least_once);
  auto r2 = sub->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("no further PUBLISH", r2);
}

// [MQTT-3.8.4-7] Each reason code is a granted QoS no higher than requested, or a failure
// (0x80 or above); the grant is then honoured by the delivery QoS.
TEST_F(V5Subscribe, ReasonCodeIsGrantedQosOrFailure) {
  statement("MQTT-3.8.4-7");
  const std::string t = topic("x");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_packet s;
  s.packet_id = 9;
  const codec::qos asked[] = {codec::qos::exactly_once, codec::qos::at_least_once,
                              codec::qos::at_most_once};
  for (int i = 0; i < 3; ++i)
    s.subscriptions.push_back({topic(std::to_string(i)), {.max_qos = asked[i]}});
  s.subscriptions.push_back({t, {.max_qos = codec::qos::exactly_once}});
  sub->send_packet(s);
  auto r = sub->expect_ack();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack && ack->reasons.size() == 4) << mismatch("S→C SUBACK with 4 reason codes", r);
  for (int i = 0; i < 3; ++i) {
    const auto rc = ack->reasons[static_cast<std::size_t>(i)];
    EXPECT_TRUE(rc <= static_cast<std::uint8_t>(asked[i]) || rc >= 0x80)
        << mismatch("reason " + std::to_string(i) + ": a QoS up to " +
                        std::to_string(static_cast<int>(asked[i])) + ", or 0x80 and above",
                    r);
  }
  const auto granted = ack->reasons[3];
  ASSERT_TRUE(granted <= 2) << mismatch("filter 4 granted (00, 01 or 02)", r);
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  const auto pub_qos = profile().maximum_qos >= 2 ? codec::qos::exactly_once
                                                  : codec::qos::at_least_once;
  ASSERT_TRUE(publish(*pub, t, "x", pub_qos));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_LE(static_cast<int>(got.qos_level), static_cast<int>(granted))
      << "delivered above the QoS the SUBACK granted";
}
