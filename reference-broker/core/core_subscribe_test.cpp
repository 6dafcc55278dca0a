// core_subscribe_test.cpp: SUBSCRIBE and UNSUBSCRIBE (3.8, 3.10) through broker_core:
// SUBACK codes, subscription options, overlapping and shared subscriptions (4.8.2).
#include <gtest/gtest.h>

#include <algorithm>
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
using codec::retain_handling;
using test::core_test_driver;
using test::fake_client;
using test::make_connect;
using test::publish;
using test::subscribe;
using test::text;
using test::verdicts;

using codes = std::vector<std::uint8_t>;

codec::subscription sub_of(std::string filter, qos q = qos::at_most_once) {
  return {std::move(filter), {q}};
}

codec::subscribe_packet subscribe_many(std::vector<codec::subscription> subs,
                                       std::uint16_t id = 1) {
  codec::subscribe_packet s;
  s.packet_id = id;
  s.subscriptions = std::move(subs);
  return s;
}

codec::subscribe_packet subscribe_with_id(std::string filter, qos q, std::uint32_t sub_id) {
  auto s = subscribe(std::move(filter), q);
  s.props.subscription_identifiers = {sub_id};
  return s;
}

codec::subscribe_packet subscribe_opts(std::string filter, codec::subscribe_options o) {
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({std::move(filter), o});
  return s;
}

codec::unsubscribe_packet unsubscribe(std::vector<std::string> filters, std::uint16_t id = 2) {
  codec::unsubscribe_packet u;
  u.packet_id = id;
  u.filters = std::move(filters);
  return u;
}

codes suback(fake_client& c, codec::packet p, acl_verdicts acl = acl_verdicts::allow_all()) {
  c.send(std::move(p), std::move(acl));
  return c.take<codec::suback_packet>().reasons;
}

// ---------------------------------------------------------------- SUBACK codes

TEST(CoreSubscribe, SubackEchoesIdAndHasOneCodePerFilterInOrder) {
  // [MQTT-3.8.4-1], [MQTT-3.8.4-2], [MQTT-3.8.4-5], [MQTT-3.8.4-6], [MQTT-3.8.4-7]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  c.send(subscribe_many({sub_of("a", qos::exactly_once), sub_of("b/#", qos::at_most_once),
                         sub_of("a/#/b"), sub_of("c/+", qos::at_least_once)},
                        0x1234));
  auto ack = c.take<codec::suback_packet>();
  EXPECT_EQ(ack.packet_id, 0x1234);
  EXPECT_EQ(ack.reasons, (codes{0x02, 0x00, 0x8F, 0x01}));
}

TEST(CoreSubscribe, V311InvalidFilterGetsFailure0x80) {
  // v3.1.1 [MQTT-3.8.4-5], [MQTT-3.9.3-1], [MQTT-3.9.3-2]
  core_test_driver d;
  auto& c = d.connect_v311("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("ok", qos::at_least_once), sub_of("bad+"),
                                      sub_of("x/#/y")})),
            (codes{0x01, 0x80, 0x80}));
}

TEST(CoreSubscribe, SharedSubscriptionUnsupported) {
  broker_config cfg;
  cfg.shared_subscription_available = false;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("$share/g/t"), sub_of("t")})),
            (codes{0x9E, 0x00}));
  auto& old = d.connect_v311("old");
  EXPECT_EQ(suback(old, subscribe("$share/g/t")), codes{0x80});
}

TEST(CoreSubscribe, WildcardSubscriptionUnsupported) {
  broker_config cfg;
  cfg.wildcard_subscription_available = false;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("a/+"), sub_of("#"), sub_of("$share/g/a/#"),
                                      sub_of("a/b")})),
            (codes{0xA2, 0xA2, 0xA2, 0x00}));
  auto& old = d.connect_v311("old");
  EXPECT_EQ(suback(old, subscribe("a/+")), codes{0x80});
}

TEST(CoreSubscribe, FiltersPastMaxSubscribeFiltersGetQuotaExceeded) {
  // broker_config::max_subscribe_filters: [MQTT-3.8.4-6] one code per filter, in order
  // [MQTT-3.9.3-1]; the ones past the limit get 0x97 (0x80 in 3.1.1) and are not subscribed.
  broker_config cfg;
  cfg.max_subscribe_filters = 2;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("a", qos::at_least_once), sub_of("b"), sub_of("x"),
                                      sub_of("y", qos::exactly_once)})),
            (codes{0x01, 0x00, 0x97, 0x97}));
  auto& old = d.connect_v311("old");
  EXPECT_EQ(suback(old, subscribe_many({sub_of("a"), sub_of("b"), sub_of("x")})), (codes{0x00, 0x00, 0x80}));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("x", "not subscribed"));
  pub.send(publish("a", "subscribed"));
  EXPECT_EQ(text(c.take<codec::publish_packet>().payload), "subscribed");
  EXPECT_TRUE(c.idle());
}

TEST(CoreSubscribe, TenThousandFiltersWithoutLimitAllGranted) {
  broker_config cfg;
  cfg.max_subscribe_filters = 0;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  std::vector<codec::subscription> subs;
  for (int i = 0; i < 10'000; ++i) subs.push_back(sub_of("f/" + std::to_string(i), qos::at_least_once));
  EXPECT_EQ(suback(c, subscribe_many(std::move(subs))), codes(10'000, 0x01));
}

TEST(CoreSubscribe, AclDeniedFilterIsNotAuthorized) {
  core_test_driver d;
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("ok"), sub_of("secret"), sub_of("ok2")}),
                   verdicts({true, false, true})),
            (codes{0x00, 0x87, 0x00}));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("secret", "x"));
  EXPECT_TRUE(c.idle());  // the refused filter was not subscribed
  auto& old = d.connect_v311("old");
  EXPECT_EQ(suback(old, subscribe("secret"), verdicts({false})), codes{0x80});
}

TEST(CoreSubscribe, GrantedQosIsCappedByMaximumQos) {
  // [MQTT-3.2.2-10] a QoS 2 request is accepted and granted at the maximum.
  broker_config cfg;
  cfg.maximum_qos = qos::at_least_once;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_many({sub_of("t", qos::exactly_once), sub_of("u", qos::at_most_once)})),
            (codes{0x01, 0x00}));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::at_least_once, 1));
  EXPECT_EQ(c.take<codec::publish_packet>().qos_level, qos::at_least_once);
}

TEST(CoreSubscribe, SubscriptionIdentifierWhenUnsupportedIsDisconnected) {
  // 3.8.2.1.2 / 3.2.2.3.12: DISCONNECT 0xA1 (Subscription Identifiers not supported).
  broker_config cfg;
  cfg.subscription_identifiers_available = false;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c");
  c.send(subscribe_with_id("t", qos::at_most_once, 1));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason,
            reason_code::subscription_identifiers_not_supported);
  EXPECT_TRUE(c.closed);
}

// ---------------------------------------------------------------- options

TEST(CoreSubscribe, NoLocalKeepsOwnMessagesAway) {
  // [MQTT-3.8.3-3]
  core_test_driver d;
  auto& c = d.connect_v5("me");
  codec::subscribe_options o;
  o.no_local = true;
  c.send(subscribe_opts("t", o));
  c.take<codec::suback_packet>();
  auto& other = d.connect_v5("other");
  other.send(subscribe("t"));
  other.take<codec::suback_packet>();
  c.send(publish("t", "mine"));
  EXPECT_TRUE(c.idle());
  EXPECT_EQ(text(other.take<codec::publish_packet>().payload), "mine");
  other.send(publish("t", "theirs"));
  EXPECT_EQ(text(c.take<codec::publish_packet>().payload), "theirs");
}

TEST(CoreSubscribe, NoLocalOnOneOverlappingSubscriptionOnlyAffectsThatOne) {
  core_test_driver d;
  auto& c = d.connect_v5("me");
  codec::subscribe_options o;
  o.no_local = true;
  c.send(subscribe_opts("t", o));
  c.take<codec::suback_packet>();
  c.send(subscribe("#"));
  c.take<codec::suback_packet>();
  c.send(publish("t", "mine"));
  EXPECT_EQ(text(c.take<codec::publish_packet>().payload), "mine");
  EXPECT_TRUE(c.idle());
}

TEST(CoreSubscribe, RetainAsPublishedControlsForwardedRetainFlag) {
  // [MQTT-3.3.1-12], [MQTT-3.3.1-13]
  core_test_driver d;
  auto& keep = d.connect_v5("keep");
  codec::subscribe_options rap;
  rap.retain_as_published = true;
  keep.send(subscribe_opts("t", rap));
  keep.take<codec::suback_packet>();
  auto& clear = d.connect_v5("clear");
  clear.send(subscribe("t"));
  clear.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "r", qos::at_most_once, 0, true));
  EXPECT_TRUE(keep.take<codec::publish_packet>().retain);
  EXPECT_FALSE(clear.take<codec::publish_packet>().retain);
  pub.send(publish("t", "n"));
  EXPECT_FALSE(keep.take<codec::publish_packet>().retain);
  EXPECT_FALSE(clear.take<codec::publish_packet>().retain);
}

TEST(CoreSubscribe, V311LiveForwardHasRetain0) {
  // v3.1.1 [MQTT-3.3.1-9]
  core_test_driver d;
  auto& sub = d.connect_v311("sub");
  sub.send(subscribe("t"));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v311("pub");
  pub.send(publish("t", "r", qos::at_most_once, 0, true));
  EXPECT_FALSE(sub.take<codec::publish_packet>().retain);
}

class CoreRetained : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& pub = d.connect_v5("pub");
    pub.send(publish("r/1", "one", qos::at_least_once, 1, true));
    pub.take<codec::puback_packet>();
    pub.send(publish("r/2", "two", qos::at_most_once, 0, true));
    pub.send(publish("other", "no", qos::at_most_once, 0, true));
  }
  // retained_topics subscribes and returns the retained messages sent back, sorted.
  std::vector<std::string> retained_after(fake_client& c, codec::subscribe_packet s) {
    c.send(std::move(s));
    EXPECT_EQ(c.take<codec::suback_packet>().reasons.size(), 1u);  // SUBACK comes first
    std::vector<std::string> topics;
    while (!c.idle()) {
      auto p = c.take<codec::publish_packet>();
      EXPECT_TRUE(p.retain);  // [MQTT-3.3.1-9] sent for the subscription: RETAIN 1
      topics.push_back(p.topic);
      if (p.qos_level != qos::at_most_once) c.send(codec::puback_packet{p.packet_id, {}, {}});
    }
    std::sort(topics.begin(), topics.end());
    return topics;
  }
  core_test_driver d;
};

using topics = std::vector<std::string>;

TEST_F(CoreRetained, RetainHandling0SendsOnEverySubscribe) {
  // [MQTT-3.3.1-9], [MQTT-3.8.4-4]
  auto& c = d.connect_v5("c");
  codec::subscribe_options o;
  o.max_qos = qos::at_least_once;
  o.handling = retain_handling::send_on_subscribe;
  EXPECT_EQ(retained_after(c, subscribe_opts("r/+", o)), (topics{"r/1", "r/2"}));
  EXPECT_EQ(retained_after(c, subscribe_opts("r/+", o)), (topics{"r/1", "r/2"}));
}

TEST_F(CoreRetained, RetainHandling1SendsOnlyForANewSubscription) {
  // [MQTT-3.3.1-10]
  auto& c = d.connect_v5("c");
  codec::subscribe_options o;
  o.handling = retain_handling::send_if_new_subscription;
  EXPECT_EQ(retained_after(c, subscribe_opts("r/#", o)), (topics{"r/1", "r/2"}));
  EXPECT_EQ(retained_after(c, subscribe_opts("r/#", o)), topics{});
  // After an UNSUBSCRIBE it is new again.
  c.send(unsubscribe({"r/#"}));
  c.take<codec::unsuback_packet>();
  EXPECT_EQ(retained_after(c, subscribe_opts("r/#", o)), (topics{"r/1", "r/2"}));
}

TEST_F(CoreRetained, RetainHandling1CountsASubscriptionKeptInTheSession) {
  // [MQTT-3.3.1-10] the subscription existed in the resumed session.
  auto& first = d.connect_v5("c", true, 3600);
  codec::subscribe_options o;
  o.handling = retain_handling::send_if_new_subscription;
  EXPECT_EQ(retained_after(first, subscribe_opts("r/1", o)), topics{"r/1"});
  d.drop(first);
  auto c = make_connect("c", protocol_version::v5_0, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  EXPECT_EQ(retained_after(again, subscribe_opts("r/1", o)), topics{});
}

TEST_F(CoreRetained, RetainHandling2NeverSends) {
  // [MQTT-3.3.1-11]
  auto& c = d.connect_v5("c");
  codec::subscribe_options o;
  o.handling = retain_handling::do_not_send;
  EXPECT_EQ(retained_after(c, subscribe_opts("r/+", o)), topics{});
  EXPECT_EQ(retained_after(c, subscribe_opts("#", o)), topics{});
}

TEST_F(CoreRetained, V311SubscribeAlwaysGetsRetained) {
  // v3.1.1 [MQTT-3.3.1-6], [MQTT-3.3.1-8]
  auto& c = d.connect_v311("c");
  EXPECT_EQ(retained_after(c, subscribe("#", qos::at_least_once)), (topics{"other", "r/1", "r/2"}));
}

TEST_F(CoreRetained, RetainedCopyUsesGrantedQosAndSubscriptionId) {
  // [MQTT-3.8.4-8], [MQTT-3.3.4-3]
  auto& c = d.connect_v5("c");
  c.send(subscribe_with_id("r/1", qos::at_most_once, 42));
  c.take<codec::suback_packet>();
  auto p = c.take<codec::publish_packet>();
  EXPECT_EQ(p.qos_level, qos::at_most_once);  // stored at QoS 1, granted 0
  EXPECT_EQ(p.props.subscription_identifiers, std::vector<std::uint32_t>{42});
  EXPECT_TRUE(p.retain);
}

TEST_F(CoreRetained, SharedSubscriptionGetsNoRetainedMessages) {
  // 4.8.2: retained messages are not sent when a shared subscription is established.
  auto& c = d.connect_v5("c");
  EXPECT_EQ(retained_after(c, subscribe("$share/g/r/#")), topics{});
}

TEST_F(CoreRetained, WildcardFirstLevelSkipsSysRetained) {
  // [MQTT-4.7.2-1]
  d.advance(millis(1));  // publishes the retained $SYS statistics
  auto& c = d.connect_v5("c");
  EXPECT_EQ(retained_after(c, subscribe("#")), (topics{"other", "r/1", "r/2"}));
  EXPECT_EQ(retained_after(c, subscribe("+/1")), topics{"r/1"});
  auto& sys = d.connect_v5("sys");
  EXPECT_FALSE(retained_after(sys, subscribe("$SYS/#")).empty());
}

// ---------------------------------------------------------------- replacement, overlap

TEST(CoreSubscribe, ResubscribingReplacesTheSubscription) {
  // [MQTT-3.8.4-3]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe("t", qos::at_most_once)), codes{0});
  EXPECT_EQ(suback(c, subscribe_with_id("t", qos::at_least_once, 9)), codes{1});
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 1));
  auto p = c.take<codec::publish_packet>();
  EXPECT_EQ(p.qos_level, qos::at_least_once);
  EXPECT_EQ(p.props.subscription_identifiers, std::vector<std::uint32_t>{9});
  EXPECT_TRUE(c.idle());  // one copy only
}

TEST(CoreSubscribe, OverlappingSubscriptionsGiveOneCopyAtHighestQosWithAllIds) {
  // [MQTT-3.3.4-2], [MQTT-3.3.4-3], [MQTT-3.3.4-4]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_with_id("a/+", qos::at_most_once, 1)), codes{0});
  EXPECT_EQ(suback(c, subscribe_with_id("a/#", qos::at_least_once, 2)), codes{1});
  EXPECT_EQ(suback(c, subscribe("#", qos::at_most_once)), codes{0});
  auto& pub = d.connect_v5("pub");
  pub.send(publish("a/b", "x", qos::exactly_once, 1));
  auto p = c.take<codec::publish_packet>();
  EXPECT_EQ(p.qos_level, qos::at_least_once);
  auto ids = p.props.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(c.idle());
  // A topic only one of them matches carries only that id [MQTT-3.3.4-3].
  pub.send(publish("a", "y"));
  auto q = c.take<codec::publish_packet>();
  EXPECT_EQ(q.props.subscription_identifiers, std::vector<std::uint32_t>{2});
}

TEST(CoreSubscribe, CopyPerSubscriptionGivesEachItsOwnQosAndId) {
  // [MQTT-3.3.4-5] the other choice 3.3.4 allows: one copy per matching subscription,
  // each with that subscription's QoS and only its identifier.
  broker_config config;
  config.copy_per_subscription = true;
  core_test_driver d(config);
  auto& c = d.connect_v5("c");
  EXPECT_EQ(suback(c, subscribe_with_id("a/+", qos::at_most_once, 1)), codes{0});
  EXPECT_EQ(suback(c, subscribe_with_id("a/#", qos::at_least_once, 2)), codes{1});
  auto& pub = d.connect_v5("pub");
  pub.send(publish("a/b", "x", qos::exactly_once, 1));
  std::vector<std::pair<std::uint32_t, qos>> copies;
  while (!c.idle()) {
    auto p = c.take<codec::publish_packet>();
    ASSERT_EQ(p.props.subscription_identifiers.size(), 1U);
    copies.emplace_back(p.props.subscription_identifiers[0], p.qos_level);
  }
  std::sort(copies.begin(), copies.end());
  EXPECT_EQ(copies, (std::vector<std::pair<std::uint32_t, qos>>{{1, qos::at_most_once},
                                                                {2, qos::at_least_once}}));
}

TEST(CoreSubscribe, V311OverlappingSubscriptionsGiveOneCopyAtHighestQos) {
  // v3.1.1 [MQTT-3.3.5-1]
  core_test_driver d;
  auto& c = d.connect_v311("c");
  suback(c, subscribe("a/+", qos::exactly_once));
  suback(c, subscribe("#", qos::at_most_once));
  auto& pub = d.connect_v311("pub");
  pub.send(publish("a/b", "x", qos::exactly_once, 1));
  EXPECT_EQ(c.take<codec::publish_packet>().qos_level, qos::exactly_once);
  EXPECT_TRUE(c.idle());
}

TEST(CoreSubscribe, DeliveredTopicIsThePublishedTopic) {
  // [MQTT-3.3.2-3]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  suback(c, subscribe("sport/+/player1"));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("sport/tennis/player1", "x"));
  EXPECT_EQ(c.take<codec::publish_packet>().topic, "sport/tennis/player1");
}

// ---------------------------------------------------------------- shared subscriptions

TEST(CoreSubscribe, SharedSubscriptionDeliversRoundRobin) {
  core_test_driver d;
  std::vector<fake_client*> members;
  for (const char* id : {"m1", "m2", "m3"}) {
    auto& m = d.connect_v5(id);
    EXPECT_EQ(suback(m, subscribe("$share/g/jobs/+", qos::at_least_once)), codes{1});
    members.push_back(&m);
  }
  auto& plain = d.connect_v5("plain");
  suback(plain, subscribe("jobs/#"));
  auto& pub = d.connect_v5("pub");
  for (int i = 0; i < 6; ++i) {
    pub.send(publish("jobs/" + std::to_string(i), "x", qos::at_least_once,
                     static_cast<std::uint16_t>(i + 1)));
    pub.take<codec::puback_packet>();
  }
  std::map<std::string, std::vector<std::string>> got;
  for (auto* m : members) {
    while (!m->idle()) {
      auto p = m->take<codec::publish_packet>();
      got[d.core.client_id(m->id)].push_back(p.topic);
      m->send(codec::puback_packet{p.packet_id, {}, {}});
    }
  }
  // Each message went to exactly one member, in turn.
  EXPECT_EQ(got["m1"], (std::vector<std::string>{"jobs/0", "jobs/3"}));
  EXPECT_EQ(got["m2"], (std::vector<std::string>{"jobs/1", "jobs/4"}));
  EXPECT_EQ(got["m3"], (std::vector<std::string>{"jobs/2", "jobs/5"}));
  // The non-shared subscription still gets every message.
  int plain_count = 0;
  while (!plain.idle()) {
    plain.take<codec::publish_packet>();
    ++plain_count;
  }
  EXPECT_EQ(plain_count, 6);
}

TEST(CoreSubscribe, SharedSubscriptionSkipsOfflineMembers) {
  core_test_driver d;
  auto& a = d.connect_v5("a", true, 3600);
  suback(a, subscribe("$share/g/t", qos::at_least_once));
  auto& b = d.connect_v5("b");
  suback(b, subscribe("$share/g/t", qos::at_least_once));
  d.drop(a);  // session kept, member offline
  auto& pub = d.connect_v5("pub");
  for (std::uint16_t i = 1; i <= 3; ++i) pub.send(publish("t", "x", qos::at_least_once, i));
  int b_count = 0;
  while (!b.idle()) {
    auto p = b.take<codec::publish_packet>();
    b.send(codec::puback_packet{p.packet_id, {}, {}});
    ++b_count;
  }
  EXPECT_EQ(b_count, 3);
}

TEST(CoreSubscribe, SharedSubscriptionHonoursEachMembersGrantedQos) {
  // [MQTT-4.8.2-3]
  core_test_driver d;
  auto& a = d.connect_v5("a");
  suback(a, subscribe("$share/g/t", qos::at_most_once));
  auto& b = d.connect_v5("b");
  suback(b, subscribe("$share/g/t", qos::exactly_once));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::exactly_once, 1));
  pub.send(publish("t", "2", qos::exactly_once, 2));
  EXPECT_EQ(a.take<codec::publish_packet>().qos_level, qos::at_most_once);
  EXPECT_EQ(b.take<codec::publish_packet>().qos_level, qos::exactly_once);
}

TEST(CoreSubscribe, SharedAndNonSharedCopiesCarryTheirOwnIds) {
  // [MQTT-3.3.4-5]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  suback(c, subscribe_with_id("$share/g/t", qos::at_most_once, 7));
  suback(c, subscribe_with_id("t", qos::at_most_once, 8));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x"));
  std::vector<std::vector<std::uint32_t>> ids;
  while (!c.idle()) ids.push_back(c.take<codec::publish_packet>().props.subscription_identifiers);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::vector<std::uint32_t>>{{7}, {8}}));
}

TEST(CoreSubscribe, NoLocalOnSharedSubscriptionIsProtocolError) {
  // [MQTT-3.8.3-4]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  codec::subscribe_options o;
  o.no_local = true;
  c.send(subscribe_opts("$share/g/t", o));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreSubscribe, NoLocalOnSharedSubscriptionRefusesTheWholePacket) {
  // [MQTT-3.8.3-4] found by broker_session_fuzzer (corpora/regressions/
  // subscribe-protocol-error-half-applied): the filters before the bad one were kept,
  // without a SUBACK, and the resumed session was sent messages on them.
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 60);
  codec::subscribe_options bad;
  bad.no_local = true;
  c.send(subscribe_many({sub_of("t"), {"$share/g/t", bad}}));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
  d.drop(c);
  auto& again = d.connect_v5("c", false, 60);
  auto& pub = d.connect_v5("p");
  pub.send(publish("t", "m"));
  EXPECT_TRUE(again.idle());
}

// ---------------------------------------------------------------- unsubscribe

TEST(CoreSubscribe, UnsubackCodesAndDeliveryStops) {
  // [MQTT-3.10.4-1], [MQTT-3.10.4-2], [MQTT-3.10.4-4], [MQTT-3.10.4-5], [MQTT-3.10.4-6]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  suback(c, subscribe_many({sub_of("a/+"), sub_of("b"), sub_of("$share/g/s")}));
  c.send(unsubscribe({"a/+", "a/#", "b", "$share/g/s", "$share/h/s"}, 0x4321));
  auto ack = c.take<codec::unsuback_packet>();
  EXPECT_EQ(ack.packet_id, 0x4321);
  EXPECT_EQ(ack.reasons, (codes{0x00, 0x11, 0x00, 0x00, 0x11}));
  auto& pub = d.connect_v5("pub");
  for (const char* t : {"a/x", "b", "s"}) pub.send(publish(t, "x"));
  EXPECT_TRUE(c.idle());
}

TEST(CoreSubscribe, UnsubscribeOfNothingStillGetsUnsuback) {
  // [MQTT-3.10.4-5]; v3.1.1 [MQTT-3.10.4-4], [MQTT-3.10.4-5]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  c.send(unsubscribe({"never"}, 9));
  auto ack = c.take<codec::unsuback_packet>();
  EXPECT_EQ(ack.packet_id, 9);
  EXPECT_EQ(ack.reasons, codes{0x11});
  auto& old = d.connect_v311("old");
  old.send(unsubscribe({"never"}, 10));
  EXPECT_EQ(old.take<codec::unsuback_packet>().packet_id, 10);
}

TEST(CoreSubscribe, UnsubscribeFinishesDeliveriesAlreadyStarted) {
  // [MQTT-3.10.4-3]
  core_test_driver d;
  auto& c = d.connect_v5("c");
  suback(c, subscribe("t", qos::exactly_once));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 1));
  auto p = c.take<codec::publish_packet>();
  c.send(unsubscribe({"t"}));
  c.take<codec::unsuback_packet>();
  c.send(codec::pubrec_packet{p.packet_id, {}, {}});
  EXPECT_EQ(c.take<codec::pubrel_packet>().reason, reason_code::success);
  c.send(codec::pubcomp_packet{p.packet_id, {}, {}});
  pub.send(publish("t", "y", qos::exactly_once, 2));
  EXPECT_TRUE(c.idle());
}

TEST(CoreSubscribe, UnsubscribedSharedMemberLeavesTheRotation) {
  core_test_driver d;
  auto& a = d.connect_v5("a");
  suback(a, subscribe("$share/g/t"));
  auto& b = d.connect_v5("b");
  suback(b, subscribe("$share/g/t"));
  a.send(unsubscribe({"$share/g/t"}));
  a.take<codec::unsuback_packet>();
  auto& pub = d.connect_v5("pub");
  for (int i = 0; i < 3; ++i) pub.send(publish("t", "x"));
  EXPECT_TRUE(a.idle());
  int n = 0;
  while (!b.idle()) {
    b.take<codec::publish_packet>();
    ++n;
  }
  EXPECT_EQ(n, 3);
}

}  // namespace
}  // namespace mqtt::broker
