// core_publish_test.cpp: PUBLISH in both directions (3.3, 4.3), acknowledgements, topic
// aliases, flow control (4.9), message expiry and the limits the client announced.
#include <gtest/gtest.h>

#include <map>

#include <string>
#include <vector>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/core_test_driver.hpp"

namespace mqtt::broker {
namespace {

using codec::protocol_version;
using codec::qos;
using codec::reason_code;
using test::core_test_driver;
using test::fake_client;
using test::make_connect;
using test::publish;
using test::subscribe;
using test::text;
using test::verdicts;

constexpr auto v5 = protocol_version::v5_0;

// subscribed connects a 5.0 client (clean start, no session expiry unless given) and
// subscribes it to `filter` at `q`.
fake_client& subscribed(core_test_driver& d, const std::string& id, const std::string& filter,
                        qos q, codec::properties connect_props = {}) {
  auto c = make_connect(id, v5);
  c.props = std::move(connect_props);
  auto& client = d.connect(c);
  EXPECT_EQ(client.take<codec::connack_packet>().reason, 0);
  client.send(subscribe(filter, q));
  client.take<codec::suback_packet>();
  return client;
}

std::vector<std::string> drain_payloads(fake_client& c) {
  std::vector<std::string> out;
  while (!c.idle()) out.push_back(text(c.take<codec::publish_packet>().payload));
  return out;
}

using payloads = std::vector<std::string>;

// ---------------------------------------------------------------- QoS flows

TEST(CorePublish, Qos0IsForwardedWithoutAcknowledgement) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::exactly_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x"));
  EXPECT_TRUE(pub.idle());
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.qos_level, qos::at_most_once);
  EXPECT_FALSE(got.dup);  // [MQTT-3.3.1-2]
  EXPECT_EQ(got.packet_id, 0);
}

TEST(CorePublish, Qos1IsAcknowledgedAndForwardedWithFreshId) {
  // [MQTT-4.3.2-4] PUBACK with the publisher's id; [MQTT-4.3.2-1], [MQTT-4.3.2-2] the
  // forwarded copy has the server's own non-zero id and DUP 0.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::at_least_once, 4242));
  auto ack = pub.take<codec::puback_packet>();
  EXPECT_EQ(ack.packet_id, 4242);
  EXPECT_EQ(ack.reason, reason_code::success);
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.qos_level, qos::at_least_once);
  EXPECT_NE(got.packet_id, 0);
  EXPECT_FALSE(got.dup);
  sub.send(codec::puback_packet{got.packet_id, {}, {}});
  EXPECT_TRUE(sub.idle());
}

// with_user_properties is a PUBLISH carrying `n` User Properties.
codec::publish_packet with_user_properties(int n, qos q, std::uint16_t id) {
  auto p = publish("t", "x", q, id);
  for (int i = 0; i < n; ++i) p.props.user_properties.push_back({"k" + std::to_string(i), "v"});
  return p;
}

TEST(CorePublish, PropertiesPastMaxPropertiesGetQuotaExceeded) {
  // broker_config::max_properties: the spec allows any number of User Properties, so more
  // than the limit is refused with 0x97 Quota exceeded, not a Protocol Error, and dropped.
  broker_config cfg;
  cfg.max_properties = 3;
  core_test_driver d(cfg);
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  auto at_limit = with_user_properties(2, qos::at_least_once, 1);
  at_limit.props.content_type = "text/plain";  // 3 properties: allowed
  pub.send(at_limit);
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::success);
  EXPECT_EQ(sub.take<codec::publish_packet>().props.user_properties.size(), 2u);
  pub.send(with_user_properties(4, qos::at_least_once, 2));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::quota_exceeded);
  pub.send(with_user_properties(4, qos::exactly_once, 3));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().reason, reason_code::quota_exceeded);
  pub.send(with_user_properties(4, qos::at_most_once, 0));
  EXPECT_TRUE(pub.idle());
  EXPECT_FALSE(pub.closed);
  EXPECT_TRUE(sub.idle());
}

TEST(CorePublish, WillPastMaxPropertiesGetsConnack0x97) {
  broker_config cfg;
  cfg.max_properties = 1;
  core_test_driver d(cfg);
  auto c = make_connect("w", v5);
  c.will = test::make_will("will/w", "gone");
  c.will->props.user_properties = {{"a", "1"}, {"b", "2"}};
  auto& client = d.connect(c);
  EXPECT_EQ(client.take<codec::connack_packet>().reason, 0x97);
  EXPECT_TRUE(client.closed);
}

TEST(CorePublish, Qos1RepeatAfterPubackIsANewMessage) {
  // [MQTT-4.3.2-5]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "one", qos::at_least_once, 1));
  pub.take<codec::puback_packet>();
  auto again = publish("t", "two", qos::at_least_once, 1);
  again.dup = true;
  pub.send(again);
  pub.take<codec::puback_packet>();
  EXPECT_EQ(drain_payloads(sub), (payloads{"one", "two"}));
}

TEST(CorePublish, Qos2InboundExchange) {
  // [MQTT-4.3.3-8] PUBREC, [MQTT-4.3.3-10] repeats re-acknowledged and not redelivered,
  // [MQTT-4.3.3-11] PUBCOMP, [MQTT-4.3.3-12] then the id is new again.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "one", qos::exactly_once, 5));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().packet_id, 5);
  EXPECT_EQ(drain_payloads(sub), payloads{"one"});
  auto dup = publish("t", "one", qos::exactly_once, 5);
  dup.dup = true;
  pub.send(dup);
  auto rec = pub.take<codec::pubrec_packet>();
  EXPECT_EQ(rec.packet_id, 5);
  EXPECT_EQ(rec.reason, reason_code::success);
  EXPECT_TRUE(sub.idle());
  pub.send(codec::pubrel_packet{5, {}, {}});
  auto comp = pub.take<codec::pubcomp_packet>();
  EXPECT_EQ(comp.packet_id, 5);
  EXPECT_EQ(comp.reason, reason_code::success);
  pub.send(publish("t", "two", qos::exactly_once, 5));
  pub.take<codec::pubrec_packet>();
  EXPECT_EQ(drain_payloads(sub), payloads{"two"});
}

TEST(CorePublish, Qos2OutboundExchange) {
  // [MQTT-4.3.3-2] QoS 2 DUP 0; [MQTT-4.3.3-4] PUBREL with the same id; [MQTT-4.3.3-5]
  // outstanding until PUBCOMP.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::exactly_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 1));
  pub.take<codec::pubrec_packet>();
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.qos_level, qos::exactly_once);
  EXPECT_FALSE(got.dup);
  EXPECT_NE(got.packet_id, 0);
  sub.send(codec::pubrec_packet{got.packet_id, {}, {}});
  auto rel = sub.take<codec::pubrel_packet>();
  EXPECT_EQ(rel.packet_id, got.packet_id);
  EXPECT_EQ(rel.reason, reason_code::success);
  // A repeated PUBREC is answered again (the PUBREL is still outstanding).
  sub.send(codec::pubrec_packet{got.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().packet_id, got.packet_id);
  sub.send(codec::pubcomp_packet{got.packet_id, {}, {}});
  EXPECT_TRUE(sub.idle());
  // Once complete, a late PUBREC names an id the server no longer knows.
  sub.send(codec::pubrec_packet{got.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().reason, reason_code::packet_identifier_not_found);
}

TEST(CorePublish, DeliveredQosIsTheLowerOfPublishedAndGranted) {
  // [MQTT-3.8.4-8] (5.0), v3.1.1 [MQTT-3.8.4-6]
  core_test_driver d;
  auto& s0 = subscribed(d, "s0", "t", qos::at_most_once);
  auto& s1 = subscribed(d, "s1", "t", qos::at_least_once);
  auto& s2 = subscribed(d, "s2", "t", qos::exactly_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "q2", qos::exactly_once, 1));
  pub.take<codec::pubrec_packet>();
  EXPECT_EQ(s0.take<codec::publish_packet>().qos_level, qos::at_most_once);
  EXPECT_EQ(s1.take<codec::publish_packet>().qos_level, qos::at_least_once);
  EXPECT_EQ(s2.take<codec::publish_packet>().qos_level, qos::exactly_once);
  pub.send(publish("t", "q0"));
  EXPECT_EQ(s2.take<codec::publish_packet>().qos_level, qos::at_most_once);
  EXPECT_EQ(s1.take<codec::publish_packet>().qos_level, qos::at_most_once);
}

TEST(CorePublish, InboundDupIsNotCopiedToSubscribers) {
  // [MQTT-3.3.1-3]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x", qos::at_least_once, 3);
  p.dup = true;
  pub.send(p);
  pub.take<codec::puback_packet>();
  EXPECT_FALSE(sub.take<codec::publish_packet>().dup);
}

TEST(CorePublish, V311PublisherReachesV5SubscriberAndBack) {
  core_test_driver d;
  auto& s5 = subscribed(d, "s5", "t", qos::at_least_once);
  auto& s311 = d.connect_v311("s311");
  s311.send(subscribe("t", qos::at_least_once));
  s311.take<codec::suback_packet>();
  auto& pub = d.connect_v311("pub");
  pub.send(publish("t", "x", qos::at_least_once, 2));
  EXPECT_EQ(pub.take<codec::puback_packet>().packet_id, 2);
  EXPECT_EQ(text(s5.take<codec::publish_packet>().payload), "x");
  EXPECT_EQ(text(s311.take<codec::publish_packet>().payload), "x");
}

// ---------------------------------------------------------------- refusals

TEST(CorePublish, NoMatchingSubscribersIsReportedInV5Only) {
  // 3.4.2.1: PUBACK / PUBREC 0x10 (No matching subscribers) is a success code.
  core_test_driver d;
  auto& pub = d.connect_v5("pub");
  pub.send(publish("nobody", "x", qos::at_least_once, 1));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::no_matching_subscribers);
  pub.send(publish("nobody", "x", qos::exactly_once, 2));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().reason, reason_code::no_matching_subscribers);
  pub.send(codec::pubrel_packet{2, {}, {}});
  EXPECT_EQ(pub.take<codec::pubcomp_packet>().reason, reason_code::success);  // id was kept
  auto& old = d.connect_v311("old");
  old.send(publish("nobody", "x", qos::at_least_once, 3));
  EXPECT_EQ(old.take<codec::puback_packet>().reason, reason_code::success);
}

TEST(CorePublish, AclDeniedPublishIsNotAuthorizedInV5AndNotDelivered) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "#", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("secret", "x", qos::at_least_once, 1, true), verdicts({false}));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::not_authorized);
  pub.send(publish("secret", "x", qos::exactly_once, 2), verdicts({false}));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().reason, reason_code::not_authorized);
  pub.send(publish("secret", "x"), verdicts({false}));
  EXPECT_TRUE(pub.idle());
  EXPECT_TRUE(sub.idle());
  EXPECT_FALSE(pub.closed);
  // Nothing was retained either.
  auto& late = d.connect_v5("late");
  late.send(subscribe("secret"));
  late.take<codec::suback_packet>();
  EXPECT_TRUE(late.idle());
}

TEST(CorePublish, AclDeniedQos2IdIsFreeAfterErrorPubrec) {
  // [MQTT-4.3.3-9] after PUBREC >= 0x80 the same id starts a new message.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "denied", qos::exactly_once, 7), verdicts({false}));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().reason, reason_code::not_authorized);
  pub.send(publish("t", "allowed", qos::exactly_once, 7), verdicts({true}));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().reason, reason_code::success);
  EXPECT_EQ(drain_payloads(sub), payloads{"allowed"});
}

TEST(CorePublish, AclDeniedPublishIsAcknowledgedNormallyInV311) {
  // v3.1.1 [MQTT-3.3.5-2]: acknowledge normally (or close); never deliver.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "#", qos::at_least_once);
  auto& pub = d.connect_v311("pub");
  pub.send(publish("secret", "x", qos::at_least_once, 1), verdicts({false}));
  auto ack = pub.take<codec::puback_packet>();
  EXPECT_EQ(ack.packet_id, 1);
  pub.send(publish("secret", "x", qos::exactly_once, 2), verdicts({false}));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().packet_id, 2);
  pub.send(codec::pubrel_packet{2, {}, {}});
  EXPECT_EQ(pub.take<codec::pubcomp_packet>().packet_id, 2);
  EXPECT_FALSE(pub.closed);
  EXPECT_TRUE(sub.idle());
}

TEST(CorePublish, ClientPublishToSysIsRefused) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "$SYS/#", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("$SYS/broker/clients/connected", "999", qos::at_least_once, 1, true));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::not_authorized);
  EXPECT_TRUE(sub.idle());
  EXPECT_EQ(d.core.stats().retained_messages, 0u);
}

TEST(CorePublish, InvalidUtf8WithPayloadFormatIndicatorIsPayloadFormatInvalid) {
  // 3.3.2.3.2: a receiver may check the payload and answer 0x99.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  auto bad = publish("t", "", qos::at_least_once, 1);
  bad.payload = {0x61, 0xFF, 0x62};
  bad.props.payload_format_indicator = 1;
  pub.send(bad);
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::payload_format_invalid);
  EXPECT_TRUE(sub.idle());
  // The same bytes without the indicator are just binary.
  bad.props.payload_format_indicator.reset();
  bad.packet_id = 2;
  pub.send(bad);
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::success);
  EXPECT_EQ(sub.take<codec::publish_packet>().payload, (codec::byte_buffer{0x61, 0xFF, 0x62}));
}

TEST(CorePublish, PayloadFormatIndicatorIsForwarded) {
  // [MQTT-3.3.2-4]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "h\xC3\xA9llo");
  p.props.payload_format_indicator = 1;
  pub.send(p);
  EXPECT_EQ(sub.take<codec::publish_packet>().props.payload_format_indicator, 1);
}

TEST(CorePublish, MoreQos2ThanReceiveMaximumIsDisconnected) {
  // [MQTT-3.3.4-7] is the client's duty; the server answers a breach with 0x93 (4.9).
  broker_config cfg;
  cfg.receive_maximum = 2;
  core_test_driver d(cfg);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::exactly_once, 1));
  pub.send(publish("t", "2", qos::exactly_once, 2));
  pub.take<codec::pubrec_packet>();
  pub.take<codec::pubrec_packet>();
  pub.send(codec::pubrel_packet{1, {}, {}});
  pub.take<codec::pubcomp_packet>();
  pub.send(publish("t", "3", qos::exactly_once, 3));  // back within the window
  pub.take<codec::pubrec_packet>();
  pub.send(publish("t", "1", qos::at_least_once, 9));  // QoS 1 is acknowledged at once
  pub.take<codec::puback_packet>();
  EXPECT_FALSE(pub.closed);
  pub.send(publish("t", "4", qos::exactly_once, 4));
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::receive_maximum_exceeded);
  EXPECT_TRUE(pub.closed);
}

TEST(CorePublish, SubscriptionIdentifierFromClientIsProtocolError) {
  // [MQTT-3.3.4-6]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x");
  p.props.subscription_identifiers = {5};
  pub.send(p);
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(pub.closed);
  EXPECT_TRUE(sub.idle());
}

TEST(CorePublish, QosAboveMaximumQosIsDisconnected) {
  // [MQTT-3.2.2-11] is the client's duty; the server answers with 0x9B.
  broker_config cfg;
  cfg.maximum_qos = qos::at_least_once;
  core_test_driver d(cfg);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 1));
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::qos_not_supported);
  EXPECT_TRUE(pub.closed);
}

TEST(CorePublish, RetainWithoutRetainAvailableIsDisconnected) {
  // [MQTT-3.2.2-14] is the client's duty; the server answers with 0x9A.
  broker_config cfg;
  cfg.retain_available = false;
  core_test_driver d(cfg);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::at_most_once, 0, true));
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::retain_not_supported);
}

// ---------------------------------------------------------------- topic aliases in

TEST(CorePublish, InboundTopicAliasIsSetThenReused) {
  // [MQTT-3.3.2-12] aliases 1..Topic Alias Maximum are accepted.
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "#", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  auto set = publish("long/topic/name", "1");
  set.props.topic_alias = 1;
  pub.send(set);
  auto reuse = publish("", "2");
  reuse.props.topic_alias = 1;
  pub.send(reuse);
  auto remap = publish("other", "3");
  remap.props.topic_alias = 1;
  pub.send(remap);
  pub.send(reuse);
  auto top = publish("top", "5");
  top.props.topic_alias = broker_config{}.topic_alias_maximum;
  pub.send(top);
  std::vector<std::string> topics;
  while (!sub.idle()) {
    auto got = sub.take<codec::publish_packet>();
    EXPECT_FALSE(got.props.topic_alias);  // [MQTT-3.1.2-27] the subscriber allowed none
    topics.push_back(got.topic);
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"long/topic/name", "long/topic/name", "other",
                                              "other", "top"}));
  EXPECT_FALSE(pub.closed);
}

TEST(CorePublish, UnknownInboundTopicAliasIsProtocolError) {
  // 3.3.2.3.4: an empty Topic Name with an unmapped alias is a Protocol Error.
  core_test_driver d;
  auto& pub = d.connect_v5("pub");
  auto p = publish("", "x");
  p.props.topic_alias = 3;
  pub.send(p);
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(pub.closed);
}

TEST(CorePublish, InboundTopicAliasAboveMaximumIsTopicAliasInvalid) {
  // [MQTT-3.2.2-17] is the client's duty; the server answers with 0x94.
  broker_config cfg;
  cfg.topic_alias_maximum = 4;
  core_test_driver d(cfg);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x");
  p.props.topic_alias = 5;
  pub.send(p);
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::topic_alias_invalid);
  EXPECT_TRUE(pub.closed);
}

TEST(CorePublish, InboundTopicAliasWhenNoneAnnouncedIsTopicAliasInvalid) {
  // [MQTT-3.2.2-18]
  broker_config cfg;
  cfg.topic_alias_maximum = 0;
  core_test_driver d(cfg);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x");
  p.props.topic_alias = 1;
  pub.send(p);
  EXPECT_EQ(pub.take<codec::disconnect_packet>().reason, reason_code::topic_alias_invalid);
}

TEST(CorePublish, InboundTopicAliasesDoNotSurviveTheConnection) {
  // [MQTT-3.3.2-7]
  core_test_driver d;
  auto& pub = d.connect_v5("pub", false, 3600);
  auto set = publish("t", "x");
  set.props.topic_alias = 1;
  pub.send(set);
  d.drop(pub);
  auto c = make_connect("pub", v5, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  auto reuse = publish("", "x");
  reuse.props.topic_alias = 1;
  again.send(reuse);
  EXPECT_EQ(again.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
}

// ---------------------------------------------------------------- topic aliases out

TEST(CorePublish, OutboundTopicAliasesStayWithinClientMaximum) {
  // [MQTT-3.3.2-11], [MQTT-3.1.2-26]
  core_test_driver d;
  codec::properties props;
  props.topic_alias_maximum = 2;
  auto& sub = subscribed(d, "sub", "#", qos::at_most_once, props);
  auto& pub = d.connect_v5("pub");
  for (const char* t : {"a", "a", "b", "c", "b", "c", "a"}) pub.send(publish(t, t));
  struct seen {
    std::string topic;
    std::optional<std::uint16_t> alias;
    std::string payload;
  };
  std::vector<seen> got;
  while (!sub.idle()) {
    auto p = sub.take<codec::publish_packet>();
    got.push_back({p.topic, p.props.topic_alias, text(p.payload)});
  }
  ASSERT_EQ(got.size(), 7u);
  // First use: Topic Name and a new alias; later uses of a mapped topic: empty name.
  EXPECT_EQ(got[0].topic, "a");
  ASSERT_TRUE(got[0].alias);
  const std::uint16_t alias_a = *got[0].alias;
  EXPECT_EQ(got[1].topic, "");
  EXPECT_EQ(got[1].alias, alias_a);
  EXPECT_EQ(got[2].topic, "b");
  ASSERT_TRUE(got[2].alias);
  EXPECT_NE(*got[2].alias, alias_a);
  // No alias is left for "c": it always travels with its full name and no alias.
  EXPECT_EQ(got[3].topic, "c");
  EXPECT_FALSE(got[3].alias);
  EXPECT_EQ(got[4].topic, "");
  EXPECT_EQ(got[4].alias, got[2].alias);
  EXPECT_EQ(got[5].topic, "c");
  EXPECT_FALSE(got[5].alias);
  EXPECT_EQ(got[6].topic, "");
  EXPECT_EQ(got[6].alias, alias_a);
  for (const auto& s : got) {
    if (s.alias) {
      EXPECT_GE(*s.alias, 1);  // [MQTT-3.3.2-8]
      EXPECT_LE(*s.alias, 2);
    }
  }
  std::vector<std::string> order;
  for (const auto& s : got) order.push_back(s.payload);
  EXPECT_EQ(order, (payloads{"a", "a", "b", "c", "b", "c", "a"}));
}

TEST(CorePublish, NoOutboundAliasesWithoutClientTopicAliasMaximum) {
  // [MQTT-3.1.2-27]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1"));
  pub.send(publish("t", "2"));
  for (int i = 0; i < 2; ++i) {
    auto p = sub.take<codec::publish_packet>();
    EXPECT_EQ(p.topic, "t");
    EXPECT_FALSE(p.props.topic_alias);
  }
}

TEST(CorePublish, OutboundAliasesStartAfreshOnANewConnection) {
  // [MQTT-3.3.2-7]
  core_test_driver d;
  auto c = make_connect("sub", v5, false);
  c.props.topic_alias_maximum = 5;
  c.props.session_expiry_interval = 3600;
  auto& sub = d.connect(c);
  sub.take<codec::connack_packet>();
  sub.send(subscribe("t"));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1"));
  EXPECT_EQ(sub.take<codec::publish_packet>().topic, "t");
  d.drop(sub);
  auto& again = d.connect(c);
  again.take<codec::connack_packet>();
  pub.send(publish("t", "2"));
  auto p = again.take<codec::publish_packet>();
  EXPECT_EQ(p.topic, "t");  // the alias must be set up again with the full name
  EXPECT_TRUE(p.props.topic_alias);
}

// ---------------------------------------------------------------- client limits

TEST(CorePublish, MessageLargerThanClientMaximumPacketSizeIsDropped) {
  // [MQTT-3.1.2-24] never sent; [MQTT-3.1.2-25] dropped as if delivered.
  core_test_driver d;
  codec::properties props;
  props.maximum_packet_size = 64;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once, props);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", std::string(100, 'x'), qos::at_least_once, 1));
  pub.take<codec::puback_packet>();
  EXPECT_TRUE(sub.idle());
  EXPECT_EQ(d.core.stats().messages_dropped, 1u);
  pub.send(publish("t", "small", qos::at_least_once, 2));
  pub.take<codec::puback_packet>();
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(text(got.payload), "small");
  sub.send(codec::puback_packet{got.packet_id, {}, {}});
  EXPECT_TRUE(sub.idle());  // the big one is not waiting anywhere
}

TEST(CorePublish, OversizedQos0IsDroppedAndDoesNotBlockLaterMessages) {
  core_test_driver d;
  codec::properties props;
  props.maximum_packet_size = 64;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once, props);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", std::string(200, 'x')));
  pub.send(publish("t", "ok"));
  EXPECT_EQ(drain_payloads(sub), payloads{"ok"});
}

TEST(CorePublish, InflightWindowIsClientReceiveMaximumThenQueueThenPump) {
  // [MQTT-3.3.4-9], [MQTT-4.9.0-2]
  core_test_driver d;
  codec::properties props;
  props.receive_maximum = 2;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once, props);
  auto& pub = d.connect_v5("pub");
  for (int i = 1; i <= 5; ++i) {
    pub.send(publish("t", std::to_string(i), qos::at_least_once, static_cast<std::uint16_t>(i)));
    pub.take<codec::puback_packet>();
  }
  auto m1 = sub.take<codec::publish_packet>();
  auto m2 = sub.take<codec::publish_packet>();
  EXPECT_TRUE(sub.idle());  // window full
  EXPECT_EQ(text(m1.payload), "1");
  EXPECT_EQ(text(m2.payload), "2");
  // [MQTT-3.3.4-10] other packets still flow with the window full.
  sub.send(codec::pingreq_packet{});
  sub.take<codec::pingresp_packet>();
  pub.send(publish("t", "q0"));  // QoS 0 is not held back by the window
  EXPECT_EQ(text(sub.take<codec::publish_packet>().payload), "q0");
  sub.send(codec::puback_packet{m2.packet_id, {}, {}});
  auto m3 = sub.take<codec::publish_packet>();
  EXPECT_EQ(text(m3.payload), "3");
  EXPECT_TRUE(sub.idle());
  sub.send(codec::puback_packet{m1.packet_id, {}, {}});
  sub.send(codec::puback_packet{m3.packet_id, {}, {}});
  EXPECT_EQ(drain_payloads(sub), (payloads{"4", "5"}));
}

TEST(CorePublish, InflightWindowIsCappedByConfig) {
  broker_config cfg;
  cfg.max_inflight_messages = 1;
  core_test_driver d(cfg);
  auto& sub = subscribed(d, "sub", "t", qos::exactly_once);  // client allows 65535
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::at_least_once, 1));
  pub.send(publish("t", "2", qos::at_least_once, 2));
  auto m1 = sub.take<codec::publish_packet>();
  EXPECT_TRUE(sub.idle());
  sub.send(codec::puback_packet{m1.packet_id, {}, {}});
  EXPECT_EQ(drain_payloads(sub), payloads{"2"});
}

TEST(CorePublish, Qos2InflightSlotIsFreedByPubcompNotPubrec) {
  core_test_driver d;
  codec::properties props;
  props.receive_maximum = 1;
  auto& sub = subscribed(d, "sub", "t", qos::exactly_once, props);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::exactly_once, 1));
  pub.send(publish("t", "2", qos::exactly_once, 2));
  auto m1 = sub.take<codec::publish_packet>();
  ASSERT_EQ(m1.qos_level, qos::exactly_once);
  sub.send(codec::pubrec_packet{m1.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().reason, reason_code::success);
  EXPECT_TRUE(sub.idle());  // still in flight until PUBCOMP (4.9: quota returns then)
  sub.send(codec::pubcomp_packet{m1.packet_id, {}, {}});
  EXPECT_EQ(drain_payloads(sub), payloads{"2"});
}

TEST(CorePublish, BoundedQueueDropsAndCounts) {
  broker_config cfg;
  cfg.max_queued_messages = 2;
  core_test_driver d(cfg);
  codec::properties props;
  props.receive_maximum = 1;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once, props);
  auto& pub = d.connect_v5("pub");
  for (int i = 1; i <= 5; ++i) {
    pub.send(publish("t", std::to_string(i), qos::at_least_once, static_cast<std::uint16_t>(i)));
    pub.take<codec::puback_packet>();
  }
  // 1 in flight, 2 and 3 queued, 4 and 5 dropped.
  EXPECT_EQ(d.core.stats().messages_dropped, 2u);
  std::vector<std::string> got;
  while (!sub.idle()) {
    auto p = sub.take<codec::publish_packet>();
    got.push_back(text(p.payload));
    sub.send(codec::puback_packet{p.packet_id, {}, {}});
  }
  EXPECT_EQ(got, (payloads{"1", "2", "3"}));
}

TEST(CorePublish, SeveralQos1MessagesKeepTheirOrder) {
  // [MQTT-4.6.0-5], [MQTT-4.6.0-6]
  core_test_driver d;
  codec::properties props;
  props.receive_maximum = 3;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once, props);
  auto& pub = d.connect_v5("pub");
  payloads sent;
  for (int i = 1; i <= 20; ++i) {
    sent.push_back(std::to_string(i));
    pub.send(publish("t", sent.back(), qos::at_least_once, static_cast<std::uint16_t>(i)));
  }
  std::vector<std::string> got;
  std::vector<std::uint16_t> in_flight;
  while (!sub.idle()) {
    auto p = sub.take<codec::publish_packet>();
    got.push_back(text(p.payload));
    // Packet ids in flight at the same time are distinct [MQTT-2.2.1-3 / 4.3.2-1].
    for (auto id : in_flight) EXPECT_NE(id, p.packet_id);
    in_flight.push_back(p.packet_id);
    if (in_flight.size() == 3 || sub.idle()) {
      for (auto id : in_flight) sub.send(codec::puback_packet{id, {}, {}});
      in_flight.clear();
    }
  }
  EXPECT_EQ(got, sent);
}

// ---------------------------------------------------------------- message expiry

TEST(CorePublish, MessageExpiryIsForwardedAsReceivedWhenSentAtOnce) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x", qos::at_least_once, 1);
  p.props.message_expiry_interval = 10;
  pub.send(p);
  EXPECT_EQ(sub.take<codec::publish_packet>().props.message_expiry_interval, 10u);
}

TEST(CorePublish, MessageExpiryIsReducedByTheTimeWaited) {
  // [MQTT-3.3.2-6]
  core_test_driver d;
  auto& sub = d.connect_v5("sub", false, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x", qos::at_least_once, 1);
  p.props.message_expiry_interval = 10;
  pub.send(p);
  pub.take<codec::puback_packet>();
  d.advance(millis(3'000));
  auto c = make_connect("sub", v5, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  again.take<codec::connack_packet>();
  auto got = again.take<codec::publish_packet>();
  EXPECT_EQ(got.props.message_expiry_interval, 7u);
}

TEST(CorePublish, MessageExpiredWhileOfflineIsNotDelivered) {
  // [MQTT-3.3.2-5]
  core_test_driver d;
  auto& sub = d.connect_v5("sub", false, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "expires", qos::at_least_once, 1);
  p.props.message_expiry_interval = 2;
  pub.send(p);
  pub.take<codec::puback_packet>();
  pub.send(publish("t", "stays", qos::at_least_once, 2));
  pub.take<codec::puback_packet>();
  d.advance(millis(2'500));
  auto c = make_connect("sub", v5, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  again.take<codec::connack_packet>();
  EXPECT_EQ(drain_payloads(again), payloads{"stays"});
  EXPECT_EQ(d.core.stats().messages_dropped, 1u);
}

TEST(CorePublish, MessageExpiredWhileQueuedBehindWindowIsNotDelivered) {
  // [MQTT-3.3.2-5]
  core_test_driver d;
  codec::properties props;
  props.receive_maximum = 1;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once, props);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "first", qos::at_least_once, 1));
  auto p = publish("t", "expires", qos::at_least_once, 2);
  p.props.message_expiry_interval = 1;
  pub.send(p);
  pub.send(publish("t", "last", qos::at_least_once, 3));
  auto m1 = sub.take<codec::publish_packet>();
  EXPECT_TRUE(sub.idle());
  d.advance(millis(1'500));
  sub.send(codec::puback_packet{m1.packet_id, {}, {}});
  EXPECT_EQ(drain_payloads(sub), payloads{"last"});
}

TEST(CorePublish, Qos0ExpiryIsStillSentWhenNotExpired) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_most_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x");
  p.props.message_expiry_interval = 1;
  pub.send(p);
  EXPECT_EQ(sub.take<codec::publish_packet>().props.message_expiry_interval, 1u);
}

// ---------------------------------------------------------------- acknowledgements

TEST(CorePublish, ErrorPubrecFreesTheIdAndTheWindow) {
  // [MQTT-4.4.0-2] a PUBREC >= 0x80 acknowledges: no PUBREL, never resent.
  core_test_driver d;
  auto c = make_connect("sub", v5, true);
  c.props.receive_maximum = 1;
  c.props.session_expiry_interval = 3600;
  auto& sub = d.connect(c);
  sub.take<codec::connack_packet>();
  sub.send(subscribe("t", qos::exactly_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::exactly_once, 1));
  pub.send(publish("t", "2", qos::exactly_once, 2));
  auto m1 = sub.take<codec::publish_packet>();
  EXPECT_TRUE(sub.idle());
  sub.send(codec::pubrec_packet{m1.packet_id, reason_code::unspecified_error, {}});
  auto m2 = sub.take<codec::publish_packet>();  // no PUBREL first
  EXPECT_EQ(text(m2.payload), "2");
  EXPECT_TRUE(sub.idle());
  // A later PUBCOMP for the refused id is ignored, and it is not resent on resume.
  sub.send(codec::pubcomp_packet{m1.packet_id, {}, {}});
  d.drop(sub);
  auto again_c = make_connect("sub", v5, false);
  again_c.props.session_expiry_interval = 3600;
  auto& again = d.connect(again_c);
  again.take<codec::connack_packet>();
  auto resent = again.take<codec::publish_packet>();
  EXPECT_EQ(text(resent.payload), "2");
  EXPECT_TRUE(resent.dup);
  EXPECT_TRUE(again.idle());
}

TEST(CorePublish, PubrelForUnknownIdGetsPubcompNotFound) {
  // [MQTT-4.3.3-11] a PUBCOMP for every PUBREL; 0x92 when the id is unknown.
  core_test_driver d;
  auto& pub = d.connect_v5("pub");
  pub.send(codec::pubrel_packet{77, {}, {}});
  auto comp = pub.take<codec::pubcomp_packet>();
  EXPECT_EQ(comp.packet_id, 77);
  EXPECT_EQ(comp.reason, reason_code::packet_identifier_not_found);
  EXPECT_FALSE(pub.closed);
}

TEST(CorePublish, UnknownPubackAndPubcompAreIgnored) {
  core_test_driver d;
  auto& c = d.connect_v5("c");
  c.send(codec::puback_packet{12, {}, {}});
  c.send(codec::pubcomp_packet{13, {}, {}});
  EXPECT_TRUE(c.idle());
  EXPECT_FALSE(c.closed);
}

TEST(CorePublish, PubackForAQos2IdDoesNotCompleteIt) {
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::exactly_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 1));
  auto got = sub.take<codec::publish_packet>();
  sub.send(codec::puback_packet{got.packet_id, {}, {}});  // wrong acknowledgement: ignored
  sub.send(codec::pubrec_packet{got.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().reason, reason_code::success);
}

// ---------------------------------------------------------------- properties

TEST(CorePublish, ApplicationPropertiesAreForwardedUnchanged) {
  // [MQTT-3.3.2-15], [MQTT-3.3.2-16], [MQTT-3.3.2-17], [MQTT-3.3.2-18], [MQTT-3.3.2-20]
  core_test_driver d;
  auto& sub = subscribed(d, "sub", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  auto p = publish("t", "x", qos::at_least_once, 1);
  p.props.content_type = "text/plain";
  p.props.response_topic = "reply/here";
  p.props.correlation_data = test::bytes_of("corr");
  p.props.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}, {"m", ""}};
  pub.send(p);
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.props.content_type, "text/plain");
  EXPECT_EQ(got.props.response_topic, "reply/here");
  EXPECT_EQ(got.props.correlation_data, test::bytes_of("corr"));
  EXPECT_EQ(got.props.user_properties, p.props.user_properties);
}

TEST(CorePublish, StatsCountReceivedAndSent) {
  core_test_driver d;
  subscribed(d, "s1", "t", qos::at_most_once);
  subscribed(d, "s2", "t", qos::at_least_once);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x"));
  pub.send(publish("t", "y"));
  auto s = d.core.stats();
  EXPECT_EQ(s.messages_received, 2u);
  EXPECT_EQ(s.messages_sent, 4u);
  EXPECT_GT(s.bytes_sent, 0u);
}

}  // namespace
}  // namespace mqtt::broker

namespace mqtt::broker {
namespace {

// One QoS 0 message to many 3.1.1 and 5.0 subscribers: each gets the right bytes for its
// version, including one whose Maximum Packet Size is too small for it (dropped, MQTT-3.1.2-24)
// and one using Topic Aliases (its own encoding), while the others share encodings.
TEST(CorePublishFanout, SharedQos0EncodingsStayPerVersionAndPerLimit) {
  test::core_test_driver d;
  std::vector<test::fake_client*> old_clients, new_clients;
  for (int i = 0; i < 3; ++i) {
    auto& a = d.connect_v311("a" + std::to_string(i));
    a.send(test::subscribe("f/#"));
    a.take<codec::suback_packet>();
    old_clients.push_back(&a);
    auto& b = d.connect_v5("b" + std::to_string(i));
    b.send(test::subscribe("f/#"));
    b.take<codec::suback_packet>();
    new_clients.push_back(&b);
  }
  codec::connect_packet small;
  small.client_id = "small";
  small.props.maximum_packet_size = 16;
  auto& tiny = d.connect(small);
  tiny.take<codec::connack_packet>();
  tiny.send(test::subscribe("f/#"));
  tiny.take<codec::suback_packet>();
  codec::connect_packet aliased;
  aliased.client_id = "aliased";
  aliased.props.topic_alias_maximum = 4;
  auto& alias = d.connect(aliased);
  alias.take<codec::connack_packet>();
  alias.send(test::subscribe("f/#"));
  alias.take<codec::suback_packet>();

  auto& pub = d.connect_v5("pub");
  pub.send(test::publish("f/topic-long-enough", "payload-over-sixteen-bytes"));
  for (auto* c : old_clients) {
    auto p = c->take<codec::publish_packet>();
    EXPECT_EQ(p.topic, "f/topic-long-enough");
    EXPECT_EQ(test::text(p.payload), "payload-over-sixteen-bytes");
  }
  for (auto* c : new_clients) {
    auto p = c->take<codec::publish_packet>();
    EXPECT_EQ(p.topic, "f/topic-long-enough");
    EXPECT_FALSE(p.props.topic_alias);
  }
  EXPECT_TRUE(tiny.idle()) << "a packet over the client's Maximum Packet Size was sent";
  auto a = alias.take<codec::publish_packet>();
  EXPECT_EQ(a.props.topic_alias, std::optional<std::uint16_t>(1));
}

// One QoS 2 message to QoS 1 (5.0) and QoS 2 (3.1.1) subscribers: the copies of each kind
// share the bytes after the Packet Identifier, and each still carries its own session's
// next Packet Identifier [MQTT-2.2.1-4] and its granted QoS [MQTT-3.8.4-6].
TEST(CorePublishFanout, Qos1And2CopiesShareTheirTailButNotTheirPacketId) {
  test::core_test_driver d;
  std::vector<test::fake_client*> v5_subs, v311_subs;
  for (int i = 0; i < 3; ++i) {
    auto& a = d.connect_v5("v5-" + std::to_string(i));
    a.send(test::subscribe("q/#", codec::qos::at_least_once));
    a.take<codec::suback_packet>();
    v5_subs.push_back(&a);
    auto& b = d.connect_v311("v311-" + std::to_string(i));
    b.send(test::subscribe("q/#", codec::qos::exactly_once));
    b.take<codec::suback_packet>();
    v311_subs.push_back(&b);
  }
  // Move one subscriber's next Packet Identifier on, so the copies' ids differ.
  v5_subs[0]->send(test::subscribe("warm-up", codec::qos::at_least_once, 2));
  v5_subs[0]->take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(test::publish("warm-up", "w", codec::qos::at_least_once, 1));
  pub.take<codec::puback_packet>();
  EXPECT_EQ(v5_subs[0]->take<codec::publish_packet>().packet_id, 1);

  action_list out;
  d.core.receive(pub.id, test::publish("q/topic", "shared payload", codec::qos::exactly_once, 7),
                 acl_verdicts::allow_all(), d.now, out);
  std::map<connection_id, const action*> sent;
  for (const action& a : out) {
    if (a.what == action::kind::send) sent[a.conn] = &a;
  }
  auto tail_of = [&](test::fake_client* c) {
    EXPECT_TRUE(sent.count(c->id)) << "no PUBLISH for connection " << c->id;
    return sent.count(c->id) ? sent[c->id]->tail.get() : nullptr;
  };
  for (auto* group : {&v5_subs, &v311_subs}) {
    const auto* tail = tail_of(group->front());
    EXPECT_NE(tail, nullptr);
    for (auto* c : *group) EXPECT_EQ(tail_of(c), tail) << "connection " << c->id;
  }
  EXPECT_NE(tail_of(v5_subs[0]), tail_of(v311_subs[0]));  // versions encode differently
  d.apply(out);

  for (auto* c : v5_subs) {
    auto p = c->take<codec::publish_packet>();
    EXPECT_EQ(p.qos_level, codec::qos::at_least_once);
    EXPECT_EQ(p.packet_id, c == v5_subs[0] ? 2 : 1);
    EXPECT_EQ(p.topic, "q/topic");
    EXPECT_EQ(test::text(p.payload), "shared payload");
  }
  for (auto* c : v311_subs) {
    auto p = c->take<codec::publish_packet>();
    EXPECT_EQ(p.qos_level, codec::qos::exactly_once);
    EXPECT_EQ(p.packet_id, 1);
    EXPECT_EQ(test::text(p.payload), "shared payload");
  }
  pub.take<codec::pubrec_packet>();
}

}  // namespace
}  // namespace mqtt::broker
