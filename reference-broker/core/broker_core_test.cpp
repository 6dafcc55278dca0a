#include "reference-broker/core/broker_core.hpp"

#include <gtest/gtest.h>

#include "reference-broker/core/core_test_driver.hpp"

namespace mqtt::broker {
namespace {

using codec::qos;
using codec::reason_code;
using test::core_test_driver;
using test::publish;
using test::subscribe;
using test::text;

TEST(CoreConnect, CleanStartGivesNoSessionPresent) {
  core_test_driver d;
  codec::connect_packet c;
  c.client_id = "a";
  auto& client = d.connect(c);
  auto ack = client.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.session_present);  // [MQTT-3.2.2-2]
}

TEST(CoreConnect, EmptyClientIdIsAssigned) {
  core_test_driver d;
  codec::connect_packet c;
  auto& client = d.connect(c);
  auto ack = client.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  ASSERT_TRUE(ack.props.assigned_client_identifier);  // [MQTT-3.2.2-16]
  EXPECT_FALSE(ack.props.assigned_client_identifier->empty());
}

TEST(CoreConnect, EmptyClientIdWithoutCleanSessionIsRejectedIn311) {
  core_test_driver d;
  codec::connect_packet c;
  c.version = codec::protocol_version::v3_1_1;
  c.clean_start = false;
  auto& client = d.connect(c);
  EXPECT_EQ(client.take<codec::connack_packet>().reason, 0x02);  // [MQTT-3.1.3-8]
  EXPECT_TRUE(client.closed);
}

TEST(CoreConnect, RefusedAuthenticationClosesAfterConnack) {
  core_test_driver d;
  codec::connect_packet c;
  c.client_id = "a";
  auto& client = d.connect(c, {false, reason_code::bad_user_name_or_password});
  EXPECT_EQ(client.take<codec::connack_packet>().reason, 0x86);
  EXPECT_TRUE(client.closed);
}

TEST(CorePublish, Qos0ReachesSubscriber) {
  core_test_driver d;
  auto& sub = d.connect_v5("sub");
  sub.send(subscribe("a/+"));
  EXPECT_EQ(sub.take<codec::suback_packet>().reasons, (std::vector<std::uint8_t>{0}));
  auto& pub = d.connect_v311("pub");
  pub.send(publish("a/b", "hi"));
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.topic, "a/b");
  EXPECT_EQ(text(got.payload), "hi");
  EXPECT_TRUE(pub.idle());
}

TEST(CorePublish, Qos1IsDowngradedToGrantedQos) {
  core_test_driver d;
  auto& sub = d.connect_v311("sub");
  sub.send(subscribe("t", qos::at_most_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v311("pub");
  pub.send(publish("t", "x", qos::at_least_once, 7));
  EXPECT_EQ(pub.take<codec::puback_packet>().packet_id, 7);
  EXPECT_EQ(sub.take<codec::publish_packet>().qos_level, qos::at_most_once);
}

TEST(CorePublish, Qos2FullFlowBothWays) {
  core_test_driver d;
  auto& sub = d.connect_v5("sub");
  sub.send(subscribe("t", qos::exactly_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::exactly_once, 9));
  EXPECT_EQ(pub.take<codec::pubrec_packet>().packet_id, 9);
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(got.qos_level, qos::exactly_once);
  // A repeat before PUBREL is acknowledged but not delivered again [MQTT-4.3.3-10].
  auto again = publish("t", "x", qos::exactly_once, 9);
  again.dup = true;
  pub.send(again);
  pub.take<codec::pubrec_packet>();
  EXPECT_TRUE(sub.idle());
  pub.send(codec::pubrel_packet{9, {}, {}});
  EXPECT_EQ(pub.take<codec::pubcomp_packet>().reason, reason_code::success);
  sub.send(codec::pubrec_packet{got.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().packet_id, got.packet_id);
  sub.send(codec::pubcomp_packet{got.packet_id, {}, {}});
  EXPECT_TRUE(sub.idle());
}

TEST(CoreRetain, StoredReplacedAndCleared) {
  core_test_driver d;
  auto& pub = d.connect_v311("pub");
  pub.send(publish("r", "one", qos::at_most_once, 0, true));
  pub.send(publish("r", "two", qos::at_most_once, 0, true));
  auto& sub = d.connect_v311("sub");
  sub.send(subscribe("r"));
  sub.take<codec::suback_packet>();
  auto got = sub.take<codec::publish_packet>();
  EXPECT_EQ(text(got.payload), "two");
  EXPECT_TRUE(got.retain);  // [MQTT-3.3.1-8] (3.1.1)
  pub.send(publish("r", "", qos::at_most_once, 0, true));
  auto cleared = sub.take<codec::publish_packet>();  // forwarded normally, RETAIN 0
  EXPECT_FALSE(cleared.retain);
  auto& late = d.connect_v311("late");
  late.send(subscribe("r"));
  late.take<codec::suback_packet>();
  EXPECT_TRUE(late.idle());  // [MQTT-3.3.1-10] nothing retained any more
}

TEST(CoreWill, PublishedOnDropNotOnDisconnect) {
  core_test_driver d;
  auto& sub = d.connect_v5("sub");
  sub.send(subscribe("will/#"));
  sub.take<codec::suback_packet>();
  for (bool clean : {false, true}) {
    codec::connect_packet c;
    c.client_id = "w";
    c.will = codec::will_message{"will/w", test::bytes_of("gone"), qos::at_most_once, false, {}};
    auto& w = d.connect(c);
    w.take<codec::connack_packet>();
    if (clean) {
      w.send(codec::disconnect_packet{});
      EXPECT_TRUE(sub.idle());  // [MQTT-3.14.4-3]
    } else {
      d.drop(w);
      EXPECT_EQ(text(sub.take<codec::publish_packet>().payload), "gone");
    }
  }
}

// connect_keep_alive_10 connects client "k" with a Keep Alive of 10 s, CONNACK taken.
test::fake_client& connect_keep_alive_10(core_test_driver& d) {
  codec::connect_packet c;
  c.client_id = "k";
  c.keep_alive = 10;
  auto& client = d.connect(c);
  client.take<codec::connack_packet>();
  return client;
}

TEST(CoreKeepAlive, SilentClientIsDisconnectedAfterOneAndAHalfIntervals) {
  core_test_driver d;
  auto& client = connect_keep_alive_10(d);
  d.advance(millis(14'000));
  EXPECT_FALSE(client.closed);
  d.advance(millis(1'100));
  EXPECT_EQ(client.take<codec::disconnect_packet>().reason, reason_code::keep_alive_timeout);
  EXPECT_TRUE(client.closed);  // [MQTT-3.1.2-22]
}

// The 1.5 intervals count from the last packet [MQTT-3.1.2-22]: tick() finds the deadline
// it queued at CONNECT has moved and waits again, however many times.
TEST(CoreKeepAlive, EachPacketMovesTheDeadline) {
  core_test_driver d;
  auto& client = connect_keep_alive_10(d);
  for (int i = 0; i < 3; ++i) {
    d.advance(millis(14'000));
    client.send(codec::pingreq_packet{});
    client.take<codec::pingresp_packet>();
  }
  d.advance(millis(15'000));  // exactly 1.5 intervals since the last PINGREQ
  EXPECT_FALSE(client.closed);
  d.advance(millis(100));
  EXPECT_EQ(client.take<codec::disconnect_packet>().reason, reason_code::keep_alive_timeout);
  EXPECT_TRUE(client.closed);
}

TEST(CoreSession, QueuedQos1DeliveredOnResume) {
  core_test_driver d;
  auto& sub = d.connect_v5("s", true, 3600);
  sub.send(subscribe("q", qos::at_least_once));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  auto& pub = d.connect_v5("p");
  pub.send(publish("q", "later", qos::at_least_once, 1));
  pub.take<codec::puback_packet>();
  codec::connect_packet again;
  again.client_id = "s";
  again.clean_start = false;
  again.props.session_expiry_interval = 3600;
  auto& back = d.connect(again);
  EXPECT_TRUE(back.take<codec::connack_packet>().session_present);
  EXPECT_EQ(text(back.take<codec::publish_packet>().payload), "later");
}

TEST(CoreSession, TakeoverDisconnectsTheOldConnection) {
  core_test_driver d;
  auto& first = d.connect_v5("same");
  auto& second = d.connect_v5("same");
  EXPECT_EQ(first.take<codec::disconnect_packet>().reason, reason_code::session_taken_over);
  EXPECT_TRUE(first.closed);
  EXPECT_FALSE(second.closed);
}

// session_usages reports what each session holds against the bounds in broker_config.
TEST(CoreSessionUsage, CountsQueuedAndInFlightAgainstTheBounds) {
  broker_config config;
  config.max_inflight_messages = 2;
  config.max_queued_messages = 3;
  core_test_driver d(config);
  auto& sub = d.connect_v5("sub");
  sub.send(subscribe("a", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  for (std::uint16_t id = 1; id <= 7; ++id) pub.send(publish("a", "m", qos::at_least_once, id));

  bool found = false;
  for (const session_usage& u : d.core.session_usages()) {
    if (u.client_id != "sub") continue;
    found = true;
    EXPECT_TRUE(u.online);
    EXPECT_EQ(u.inflight, 2u);  // the window
    EXPECT_EQ(u.queued, 3u);    // the rest up to max_queued_messages; two were dropped
    EXPECT_EQ(u.inbound_qos2, 0u);
    EXPECT_EQ(u.subscriptions, 1u);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(d.core.session_usages().size(), 2u);
}

}  // namespace
}  // namespace mqtt::broker
