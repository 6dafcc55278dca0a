// core_session_test.cpp: Session State (4.1): expiry, resumption and redelivery (4.4),
// offline queueing, takeover and Clean Start.
#include <gtest/gtest.h>

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

constexpr auto v5 = protocol_version::v5_0;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr std::uint32_t never = 0xFFFFFFFF;

// resume reconnects `id` with Clean Start 0 and the given Session Expiry Interval and
// returns the client with the CONNACK taken; `present` is its Session Present flag.
fake_client& resume(core_test_driver& d, const std::string& id, std::uint32_t expiry,
                    bool& present) {
  auto c = make_connect(id, v5, false);
  if (expiry) c.props.session_expiry_interval = expiry;
  auto& client = d.connect(c);
  auto ack = client.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  present = ack.session_present;
  return client;
}

bool session_survives(core_test_driver& d, const std::string& id) {
  bool present = false;
  auto& c = resume(d, id, 0, present);
  d.drop(c);
  return present;
}

std::vector<std::string> drain_payloads(fake_client& c) {
  std::vector<std::string> out;
  while (!c.idle()) {
    auto p = c.take<codec::publish_packet>();
    out.push_back(text(p.payload));
    if (p.qos_level == qos::at_least_once) c.send(codec::puback_packet{p.packet_id, {}, {}});
  }
  return out;
}

using payloads = std::vector<std::string>;

// ---------------------------------------------------------------- expiry

TEST(CoreSession, ExpiryZeroEndsTheSessionAtClose) {
  // 3.1.2.11.2: absent or 0, the session ends when the Network Connection closes.
  core_test_driver d;
  auto& c = d.connect_v5("c");
  c.send(subscribe("t", qos::at_least_once));
  c.take<codec::suback_packet>();
  EXPECT_EQ(d.core.stats().sessions, 1u);
  d.drop(c);
  EXPECT_EQ(d.core.stats().sessions, 0u);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::at_least_once, 1));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::no_matching_subscribers);
  EXPECT_FALSE(session_survives(d, "c"));
}

// The network reports a close some time after the core asked for it; a client that
// reconnects in between must not find the session that ended with its old connection
// [MQTT-3.1.2-6] (3.1.1) / 3.1.2.11.2 (5.0).
TEST(CoreSession, ReconnectBeforeTheOldCloseIsReportedFindsNoEndedSession) {
  for (auto version : {codec::protocol_version::v3_1_1, codec::protocol_version::v5_0}) {
    SCOPED_TRACE(codec::protocol_version_name(version));
    core_test_driver d;
    auto& old = d.connect(make_connect("c", version, true));
    old.take<codec::connack_packet>();
    old.send(subscribe("t", qos::at_least_once));
    old.take<codec::suback_packet>();
    // DISCONNECT: the core asks for the close, which the front end has not done yet.
    action_list pending;
    d.core.receive(old.id, codec::disconnect_packet{}, {}, d.now, pending);
    auto& again = d.connect(make_connect("c", version, false));
    EXPECT_FALSE(again.take<codec::connack_packet>().session_present);
    d.apply(pending);  // the old close is reported now, and changes nothing
    auto& pub = d.connect_v5("pub");
    pub.send(publish("t", "x", qos::at_least_once, 1));
    pub.take<codec::puback_packet>();
    EXPECT_TRUE(again.idle()) << "the ended session's subscription was kept";
    EXPECT_EQ(d.core.stats().clients_connected, 2u);
  }
}

TEST(CoreSession, SessionExpiresAfterItsInterval) {
  // [MQTT-3.1.2-23] kept while the interval runs; [MQTT-4.1.0-2] deleted after it.
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 10);
  c.send(subscribe("t", qos::at_least_once));
  c.take<codec::suback_packet>();
  d.drop(c);
  d.advance(millis(9'999));
  EXPECT_EQ(d.core.stats().sessions, 1u);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x", qos::at_least_once, 1));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::success);  // still subscribed
  d.advance(millis(1));
  EXPECT_EQ(d.core.stats().sessions, 1u);  // only "pub" is left
  pub.send(publish("t", "x", qos::at_least_once, 2));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::no_matching_subscribers);
  EXPECT_FALSE(session_survives(d, "c"));
}

// [MQTT-4.1.0-2]: the interval runs from the last close. A session resumed and closed
// again must outlive the deadline its first close set (tick() keeps one reminder per
// session and checks it when it comes up).
TEST(CoreSession, ExpiryCountsFromTheLastClose) {
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 10);
  c.send(subscribe("t", qos::at_least_once));
  c.take<codec::suback_packet>();
  d.drop(c);
  d.advance(millis(5'000));
  bool present = false;
  auto& again = resume(d, "c", 10, present);
  EXPECT_TRUE(present);
  d.advance(millis(1'000));
  d.drop(again);             // now expires 10 s from here, at 16 s
  d.advance(millis(5'000));  // 11 s: past where the first close would have ended it
  EXPECT_EQ(d.core.stats().sessions, 1u);
  d.advance(millis(4'999));
  EXPECT_EQ(d.core.stats().sessions, 1u);
  d.advance(millis(1));
  EXPECT_EQ(d.core.stats().sessions, 0u);
}

TEST(CoreSession, SessionWithMaximumExpiryNeverExpires) {
  // 3.1.2.11.2: 0xFFFFFFFF means the session does not expire.
  core_test_driver d;
  auto& c = d.connect_v5("c", true, never);
  d.drop(c);
  d.advance(millis(std::int64_t{200} * 24 * 3600 * 1000));
  EXPECT_TRUE(session_survives(d, "c"));
}

TEST(CoreSession, V311PersistentSessionNeverExpires) {
  // v3.1.1 [MQTT-3.1.2-4]
  core_test_driver d;
  auto& c = d.connect_v311("c", false);
  d.drop(c);
  d.advance(millis(std::int64_t{30} * 24 * 3600 * 1000));
  auto& again = d.connect(make_connect("c", v311, false));
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
}

TEST(CoreSession, SessionIsKeptWhileConnectedWhateverItsInterval) {
  // [MQTT-4.1.0-1]
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 1);
  c.send(subscribe("t"));
  c.take<codec::suback_packet>();
  d.advance(millis(3600 * 1000));
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "still here"));
  EXPECT_EQ(drain_payloads(c), payloads{"still here"});
}

TEST(CoreSession, SessionExpiryIsCappedByConfig) {
  broker_config cfg;
  cfg.maximum_session_expiry = 5;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c", true, 3600);
  d.drop(c);
  d.advance(millis(5'001));
  EXPECT_EQ(d.core.stats().sessions, 0u);
}

TEST(CoreSession, DisconnectCanShortenExpiryToZero) {
  // 3.14.2.2.2: the DISCONNECT value replaces the CONNECT one.
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 3600);
  codec::disconnect_packet disc;
  disc.props.session_expiry_interval = 0;
  c.send(disc);
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(d.core.stats().sessions, 0u);
}

TEST(CoreSession, DisconnectCanLengthenExpiry) {
  core_test_driver d;
  auto& c = d.connect_v5("c", true, 10);
  codec::disconnect_packet disc;
  disc.props.session_expiry_interval = 100;
  c.send(disc);
  d.advance(millis(50'000));
  EXPECT_EQ(d.core.stats().sessions, 1u);
  d.advance(millis(50'001));
  EXPECT_EQ(d.core.stats().sessions, 0u);
}

TEST(CoreSession, DisconnectSettingExpiryAfterZeroIsProtocolError) {
  // 3.14.2.2.2: a non-zero value after CONNECT had 0 is not a valid DISCONNECT: 0x82.
  core_test_driver d;
  auto& c = d.connect_v5("c");
  codec::disconnect_packet disc;
  disc.props.session_expiry_interval = 60;
  c.send(disc);
  auto reply = c.take<codec::disconnect_packet>();
  EXPECT_EQ(reply.reason, reason_code::protocol_error);
  EXPECT_FALSE(reply.props.session_expiry_interval);  // [MQTT-3.14.2-2]
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(d.core.stats().sessions, 0u);  // the session still ends at close
}

TEST(CoreSession, DisconnectExpiryAfterCappedConnectExpiryIsNotAProtocolError) {
  // 3.14.2.2.2 looks at the value in the CONNECT packet, not the one the server granted.
  broker_config cfg;
  cfg.maximum_session_expiry = 0;
  core_test_driver d(cfg);
  auto& c = d.connect_v5("c", true, 3600);
  codec::disconnect_packet disc;
  disc.props.session_expiry_interval = 60;
  c.send(disc);
  EXPECT_TRUE(c.idle());  // no DISCONNECT 0x82 back
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(d.core.stats().sessions, 0u);  // still capped to 0
}

TEST(CoreSession, DisconnectZeroAfterZeroIsFine) {
  core_test_driver d;
  auto& c = d.connect_v5("c");
  codec::disconnect_packet disc;
  disc.props.session_expiry_interval = 0;
  c.send(disc);
  EXPECT_TRUE(c.idle());
  EXPECT_TRUE(c.closed);
}

// ---------------------------------------------------------------- resumption

TEST(CoreSession, ResumeResendsInflightInOrderWithDupAndPubrelForReleased) {
  // [MQTT-4.4.0-1] resend unacknowledged PUBLISH (DUP 1, [MQTT-3.3.1-1]) and PUBREL with
  // their original ids; [MQTT-4.3.3-6] no PUBLISH again once PUBREL was sent.
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::exactly_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "a", qos::at_least_once, 1));
  pub.send(publish("t", "b", qos::exactly_once, 2));
  pub.send(publish("t", "c", qos::at_least_once, 3));
  pub.send(publish("t", "d", qos::exactly_once, 4));
  auto a = sub.take<codec::publish_packet>();
  auto b = sub.take<codec::publish_packet>();
  auto c = sub.take<codec::publish_packet>();
  auto dd = sub.take<codec::publish_packet>();
  sub.send(codec::pubrec_packet{b.packet_id, {}, {}});
  EXPECT_EQ(sub.take<codec::pubrel_packet>().packet_id, b.packet_id);
  d.drop(sub);

  bool present = false;
  auto& again = resume(d, "sub", 3600, present);
  EXPECT_TRUE(present);
  auto ra = again.take<codec::publish_packet>();
  EXPECT_EQ(ra.packet_id, a.packet_id);
  EXPECT_TRUE(ra.dup);
  EXPECT_EQ(text(ra.payload), "a");
  EXPECT_EQ(again.take<codec::pubrel_packet>().packet_id, b.packet_id);
  auto rc = again.take<codec::publish_packet>();
  EXPECT_EQ(rc.packet_id, c.packet_id);
  EXPECT_TRUE(rc.dup);
  auto rd = again.take<codec::publish_packet>();
  EXPECT_EQ(rd.packet_id, dd.packet_id);
  EXPECT_TRUE(rd.dup);
  EXPECT_EQ(rd.qos_level, qos::exactly_once);
  EXPECT_TRUE(again.idle());
  // Completing them works on the new connection.
  again.send(codec::puback_packet{ra.packet_id, {}, {}});
  again.send(codec::pubcomp_packet{b.packet_id, {}, {}});
  again.send(codec::puback_packet{rc.packet_id, {}, {}});
  again.send(codec::pubrec_packet{rd.packet_id, {}, {}});
  EXPECT_EQ(again.take<codec::pubrel_packet>().packet_id, rd.packet_id);
  again.send(codec::pubcomp_packet{rd.packet_id, {}, {}});
  EXPECT_TRUE(again.idle());
}

TEST(CoreSession, ResumeWithSmallerReceiveMaximumResendsOnlyWhatFits) {
  // [MQTT-3.3.4-9] a resumed connection announcing Receive Maximum 1 gets one resent
  // PUBLISH at a time; [MQTT-4.4.0-1] the rest follow with their original ids, in order,
  // as each is acknowledged, and only then do queued messages go out.
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  std::vector<std::uint16_t> ids;
  for (std::uint16_t i = 1; i <= 3; ++i) {
    pub.send(publish("t", std::string(1, char('a' + i - 1)), qos::at_least_once, i));
    ids.push_back(sub.take<codec::publish_packet>().packet_id);
  }
  d.drop(sub);
  pub.send(publish("t", "queued", qos::at_least_once, 9));

  auto c = make_connect("sub", v5, false);
  c.props.session_expiry_interval = 3600;
  c.props.receive_maximum = 1;
  auto& again = d.connect(c);
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  std::vector<std::string> got;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    auto p = again.take<codec::publish_packet>();
    EXPECT_EQ(p.packet_id, ids[k]);
    EXPECT_TRUE(p.dup);
    got.push_back(text(p.payload));
    EXPECT_TRUE(again.idle()) << "more than Receive Maximum (1) in flight";
    again.send(codec::puback_packet{p.packet_id, {}, {}});
  }
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c"}));
  auto q = again.take<codec::publish_packet>();
  EXPECT_EQ(text(q.payload), "queued");
  EXPECT_FALSE(q.dup);
}

TEST(CoreSession, V311ResumeResendsInflight) {
  // v3.1.1 [MQTT-4.4.0-1]
  core_test_driver d;
  auto& sub = d.connect_v311("sub", false);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v311("pub");
  pub.send(publish("t", "a", qos::at_least_once, 1));
  auto a = sub.take<codec::publish_packet>();
  d.drop(sub);
  auto& again = d.connect(make_connect("sub", v311, false));
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  auto ra = again.take<codec::publish_packet>();
  EXPECT_EQ(ra.packet_id, a.packet_id);
  EXPECT_TRUE(ra.dup);
}

TEST(CoreSession, InflightMessageTooLargeForTheResumedConnectionIsDropped) {
  // [MQTT-3.1.2-24], [MQTT-3.1.2-25]: the new connection's Maximum Packet Size applies to
  // the resend; a message that no longer fits is dropped as if delivered and must not hold
  // an in-flight slot.
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", std::string(200, 'x'), qos::at_least_once, 1));
  sub.take<codec::publish_packet>();  // never acknowledged
  d.drop(sub);
  pub.send(publish("t", "small", qos::at_least_once, 2));
  auto c = make_connect("sub", v5, false);
  c.props.session_expiry_interval = 3600;
  c.props.maximum_packet_size = 64;
  c.props.receive_maximum = 1;
  auto& again = d.connect(c);
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  EXPECT_EQ(drain_payloads(again), payloads{"small"});
  EXPECT_EQ(d.core.stats().messages_dropped, 1u);
}

TEST(CoreSession, ResendComesBeforeMessagesQueuedWhileOffline) {
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::at_least_once, 1));
  sub.take<codec::publish_packet>();  // in flight, never acknowledged
  d.drop(sub);
  pub.send(publish("t", "2", qos::at_least_once, 2));
  pub.send(publish("t", "3", qos::at_least_once, 3));
  bool present = false;
  auto& again = resume(d, "sub", 3600, present);
  EXPECT_EQ(drain_payloads(again), (payloads{"1", "2", "3"}));
}

TEST(CoreSession, NothingIsResentWithCleanStart) {
  // [MQTT-4.4.0-1] "never otherwise".
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "1", qos::at_least_once, 1));
  sub.take<codec::publish_packet>();
  d.drop(sub);
  auto& again = d.connect(make_connect("sub", v5, true));
  EXPECT_FALSE(again.take<codec::connack_packet>().session_present);
  EXPECT_TRUE(again.idle());
}

TEST(CoreSession, InboundQos2StateSurvivesResumption) {
  // [MQTT-4.4.0-1] the client resends PUBREL; [MQTT-4.3.3-10] a resent PUBLISH is not
  // delivered twice.
  core_test_driver d;
  auto& sub = d.connect_v5("sub");
  sub.send(subscribe("t"));
  sub.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub", true, 3600);
  pub.send(publish("t", "once", qos::exactly_once, 5));
  pub.take<codec::pubrec_packet>();
  d.drop(pub);
  bool present = false;
  auto& again = resume(d, "pub", 3600, present);
  auto dup = publish("t", "once", qos::exactly_once, 5);
  dup.dup = true;
  again.send(dup);
  EXPECT_EQ(again.take<codec::pubrec_packet>().reason, reason_code::success);
  again.send(codec::pubrel_packet{5, {}, {}});
  EXPECT_EQ(again.take<codec::pubcomp_packet>().reason, reason_code::success);
  EXPECT_EQ(drain_payloads(sub), payloads{"once"});
}

TEST(CoreSession, SubscriptionsSurviveResumption) {
  // [MQTT-3.1.2-5]
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t"));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  bool present = false;
  auto& again = resume(d, "sub", 3600, present);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "x"));
  EXPECT_EQ(drain_payloads(again), payloads{"x"});
}

// ---------------------------------------------------------------- offline queueing

TEST(CoreSession, QosAbove0IsQueuedAndQos0IsNotWhileOffline) {
  // v3.1.1 [MQTT-3.1.2-5]: QoS 1 and 2 are queued; QoS 0 may be, and this server does not.
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::exactly_once));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "q0"));
  pub.send(publish("t", "q1", qos::at_least_once, 1));
  pub.send(publish("t", "q2", qos::exactly_once, 2));
  bool present = false;
  auto& again = resume(d, "sub", 3600, present);
  auto p1 = again.take<codec::publish_packet>();
  EXPECT_EQ(text(p1.payload), "q1");
  EXPECT_FALSE(p1.dup);  // queued, never sent before
  auto p2 = again.take<codec::publish_packet>();
  EXPECT_EQ(text(p2.payload), "q2");
  EXPECT_FALSE(p2.dup);
  EXPECT_TRUE(again.idle());
}

TEST(CoreSession, CleanStartDiscardsQueuedMessagesAndSubscriptions) {
  // [MQTT-3.1.2-4]
  core_test_driver d;
  auto& sub = d.connect_v5("sub", true, 3600);
  sub.send(subscribe("t", qos::at_least_once));
  sub.take<codec::suback_packet>();
  d.drop(sub);
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "queued", qos::at_least_once, 1));
  pub.take<codec::puback_packet>();
  auto& fresh = d.connect(make_connect("sub", v5, true));
  EXPECT_FALSE(fresh.take<codec::connack_packet>().session_present);
  EXPECT_TRUE(fresh.idle());
  pub.send(publish("t", "after", qos::at_least_once, 2));
  EXPECT_EQ(pub.take<codec::puback_packet>().reason, reason_code::no_matching_subscribers);
  EXPECT_TRUE(fresh.idle());
}

TEST(CoreSession, RetainedMessagesOutliveSessions) {
  // v3.1.1 [MQTT-3.1.2-7]
  core_test_driver d;
  auto& pub = d.connect_v311("pub");
  pub.send(publish("r", "kept", qos::at_most_once, 0, true));
  d.drop(pub);
  EXPECT_EQ(d.core.stats().sessions, 0u);
  auto& sub = d.connect_v311("sub");
  sub.send(subscribe("r"));
  sub.take<codec::suback_packet>();
  EXPECT_EQ(drain_payloads(sub), payloads{"kept"});
}

// ---------------------------------------------------------------- takeover

TEST(CoreSession, TakeoverDisconnectsOldWith0x8EAndKeepsTheSession) {
  // [MQTT-3.1.4-3]
  core_test_driver d;
  auto& first = d.connect_v5("same", true, 3600);
  first.send(subscribe("t", qos::at_least_once));
  first.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", "in flight", qos::at_least_once, 1));
  auto p = first.take<codec::publish_packet>();
  bool present = false;
  auto& second = resume(d, "same", 3600, present);
  EXPECT_EQ(first.take<codec::disconnect_packet>().reason, reason_code::session_taken_over);
  EXPECT_TRUE(first.closed);
  EXPECT_TRUE(present);
  auto again = second.take<codec::publish_packet>();
  EXPECT_EQ(again.packet_id, p.packet_id);
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(d.core.client_id(second.id), "same");
  EXPECT_EQ(d.core.stats().clients_connected, 2u);
}

TEST(CoreSession, V311TakeoverClosesOldWithoutDisconnect) {
  // v3.1.1 [MQTT-3.1.4-2]
  core_test_driver d;
  auto& first = d.connect_v311("same", false);
  auto& second = d.connect(make_connect("same", v311, false));
  EXPECT_TRUE(second.take<codec::connack_packet>().session_present);
  EXPECT_TRUE(first.closed);
  EXPECT_TRUE(first.idle());
  EXPECT_FALSE(second.closed);
}

TEST(CoreSession, PacketsFromTakenOverConnectionAreIgnored) {
  core_test_driver d;
  auto& first = d.connect_v5("same");
  auto& second = d.connect_v5("same");
  first.take<codec::disconnect_packet>();
  // A late packet from the front end for the old connection changes nothing.
  action_list out;
  d.core.receive(first.id, codec::pingreq_packet{}, {}, d.now, out);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(second.closed);
}

}  // namespace
}  // namespace mqtt::broker
