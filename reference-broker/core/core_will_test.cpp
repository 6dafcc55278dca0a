// core_will_test.cpp: Will Messages (3.1.2.5, 3.1.3.2): when they are published, when not,
// the Will Delay Interval, Will Retain and Will Properties.
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
using test::make_will;
using test::publish;
using test::subscribe;
using test::text;

constexpr auto v5 = protocol_version::v5_0;
constexpr auto v311 = protocol_version::v3_1_1;

// watcher subscribes a 5.0 client to will/# at QoS 2.
fake_client& watcher(core_test_driver& d) {
  auto& w = d.connect_v5("watcher");
  w.send(subscribe("will/#", qos::exactly_once));
  w.take<codec::suback_packet>();
  return w;
}

// with_will connects `id` with a will on will/<id>, payload "gone".
fake_client& with_will(core_test_driver& d, const std::string& id,
                       protocol_version v = v5, std::uint32_t delay = 0,
                       std::uint32_t session_expiry = 0, bool clean_start = true) {
  auto c = make_connect(id, v, clean_start);
  c.will = make_will("will/" + id, "gone");
  if (delay) c.will->props.will_delay_interval = delay;
  if (session_expiry) c.props.session_expiry_interval = session_expiry;
  auto& client = d.connect(c);
  EXPECT_EQ(client.take<codec::connack_packet>().reason, 0);
  return client;
}

std::vector<std::string> wills_seen(fake_client& w) {
  std::vector<std::string> topics;
  while (!w.idle()) {
    auto p = w.take<codec::publish_packet>();
    topics.push_back(p.topic);
    if (p.qos_level == qos::at_least_once) w.send(codec::puback_packet{p.packet_id, {}, {}});
  }
  return topics;
}

using topics = std::vector<std::string>;

// ---------------------------------------------------------------- when

TEST(CoreWill, PublishedWhenTheNetworkConnectionDrops) {
  // [MQTT-3.1.2-8] (5.0), v3.1.1 [MQTT-3.1.2-8]
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5));
  d.drop(with_will(d, "b", v311));
  EXPECT_EQ(wills_seen(w), (topics{"will/a", "will/b"}));
}

TEST(CoreWill, PublishedOnKeepAliveTimeout) {
  // [MQTT-3.1.2-8]: a client silent past its Keep Alive counts as an abnormal close.
  core_test_driver d;
  auto& w = watcher(d);
  auto c = make_connect("k", v5);
  c.keep_alive = 2;
  c.will = make_will("will/k", "gone");
  auto& client = d.connect(c);
  client.take<codec::connack_packet>();
  d.advance(millis(3'001));
  EXPECT_EQ(client.take<codec::disconnect_packet>().reason, reason_code::keep_alive_timeout);
  EXPECT_EQ(wills_seen(w), topics{"will/k"});
}

TEST(CoreWill, PublishedWhenTheServerClosesForAProtocolError) {
  // [MQTT-3.1.2-8]: the server closes without a DISCONNECT 0x00 from the client.
  core_test_driver d;
  auto& w = watcher(d);
  auto& a = with_will(d, "a");
  a.send(codec::connack_packet{});  // server-only packet
  EXPECT_EQ(a.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  auto& b = with_will(d, "b");
  b.send(make_connect("b", v5));  // second CONNECT [MQTT-3.1.0-2]
  EXPECT_EQ(b.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_EQ(wills_seen(w), (topics{"will/a", "will/b"}));
}

TEST(CoreWill, PublishedWhenADecodeFailureClosesTheConnection) {
  core_test_driver d;
  auto& w = watcher(d);
  auto& a = with_will(d, "a");
  d.reject(a, codec::decode_status::malformed, reason_code::malformed_packet,
           "PUBLISH: QoS bits are 11 [MQTT-3.3.1-4]");
  EXPECT_EQ(a.take<codec::disconnect_packet>().reason, reason_code::malformed_packet);
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

TEST(CoreWill, NotPublishedAfterNormalDisconnect) {
  // [MQTT-3.14.4-3], [MQTT-3.1.2-10]; v3.1.1 [MQTT-3.1.2-10]
  core_test_driver d;
  auto& w = watcher(d);
  with_will(d, "a", v5).send(codec::disconnect_packet{reason_code::normal_disconnection, {}});
  with_will(d, "b", v311).send(codec::disconnect_packet{});
  d.advance(millis(60'000));
  EXPECT_EQ(wills_seen(w), topics{});
}

TEST(CoreWill, PublishedAfterDisconnectWithWillMessage) {
  // 3.14.2.1: reason 0x04 asks the server to publish the will.
  core_test_driver d;
  auto& w = watcher(d);
  auto& a = with_will(d, "a");
  a.send(codec::disconnect_packet{reason_code::disconnect_with_will_message, {}});
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

TEST(CoreWill, PublishedOnlyOnce) {
  // [MQTT-3.1.2-10] removed from the session once published.
  core_test_driver d;
  auto& w = watcher(d);
  auto& a = with_will(d, "a", v5, 0, 3600);
  d.drop(a);
  d.advance(millis(3'601'000));  // the session ends too
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

TEST(CoreWill, NotPublishedForRefusedConnect) {
  core_test_driver d;
  auto& w = watcher(d);
  auto c = make_connect("a", v5);
  c.will = make_will("will/a", "gone");
  auto& refused = d.connect(c, {false, reason_code::not_authorized});
  refused.take<codec::connack_packet>();
  EXPECT_TRUE(refused.closed);
  EXPECT_EQ(wills_seen(w), topics{});
}

TEST(CoreWill, TakenOverConnectionPublishesItsWill) {
  // [MQTT-3.1.4-3]: the old connection's will follows 3.1.2.5.
  core_test_driver d;
  auto& w = watcher(d);
  auto& first = with_will(d, "a");
  auto& second = d.connect_v5("a");
  EXPECT_EQ(first.take<codec::disconnect_packet>().reason, reason_code::session_taken_over);
  EXPECT_FALSE(second.closed);
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

// Found by the session/QoS model (property/session_qos_props.cpp), shrunk to: c0 connects
// with a will on a persistent session, subscribes to the will's topic with No Local, then
// reconnects; the taken-over connection's will reached c0's own session. No Local forbids
// forwarding "to a connection with a ClientID equal to the ClientID of the publishing
// connection" [MQTT-3.8.3-3]; the spec does not say whether the connection a will stands
// for is its publisher (the model accepts both); this broker reads the will as the
// client's own message.
TEST(CoreWill, NoLocalKeepsTheClientsOwnWill) {
  core_test_driver d;
  auto& w = watcher(d);
  // A QoS 1 will, so the session queues it while no connection is attached (4.3.2).
  auto c = make_connect("a", v5, true);
  c.will = make_will("will/a", "gone", qos::at_least_once);
  c.props.session_expiry_interval = 300;
  auto& first = d.connect(c);
  first.take<codec::connack_packet>();
  codec::subscribe_packet s = subscribe("will/a", qos::at_least_once);
  s.subscriptions[0].options.no_local = true;
  first.send(s);
  first.take<codec::suback_packet>();
  auto& second = d.connect(make_connect("a", v5, false));
  second.take<codec::connack_packet>();
  EXPECT_EQ(wills_seen(w), topics{"will/a"}) << "the will reaches other clients";
  EXPECT_TRUE(second.idle()) << "the will came back to its own ClientID despite No Local";
  // A delayed will published while the session lives on is the client's own too.
  auto c2 = make_connect("b", v5, true);
  c2.will = make_will("will/b", "gone", qos::at_least_once);
  c2.will->props.will_delay_interval = 2;
  c2.props.session_expiry_interval = 300;
  auto& third = d.connect(c2);
  third.take<codec::connack_packet>();
  codec::subscribe_packet s2 = subscribe("will/b", qos::at_least_once);
  s2.subscriptions[0].options.no_local = true;
  third.send(s2);
  third.take<codec::suback_packet>();
  d.drop(third);
  d.advance(std::chrono::seconds(3));
  EXPECT_EQ(wills_seen(w), topics{"will/b"});
  auto& fourth = d.connect(make_connect("b", v5, false));
  fourth.take<codec::connack_packet>();
  EXPECT_TRUE(fourth.idle()) << "the delayed will came back to its own ClientID";
}

// ---------------------------------------------------------------- what

TEST(CoreWill, WillRetainIsHonoured) {
  // [MQTT-3.1.2-14], [MQTT-3.1.2-15]
  core_test_driver d;
  auto& rap = d.connect_v5("rap");
  codec::subscribe_packet s;
  s.packet_id = 1;
  codec::subscribe_options o;
  o.retain_as_published = true;
  s.subscriptions.push_back({"will/#", o});
  rap.send(s);
  rap.take<codec::suback_packet>();

  auto retained = make_connect("r", v5);
  retained.will = make_will("will/r", "kept", qos::at_most_once, true);
  auto& r = d.connect(retained);
  r.take<codec::connack_packet>();
  d.drop(r);
  d.drop(with_will(d, "n"));  // Will Retain 0
  EXPECT_TRUE(rap.take<codec::publish_packet>().retain);
  EXPECT_FALSE(rap.take<codec::publish_packet>().retain);

  auto& late = d.connect_v5("late");
  late.send(subscribe("will/#"));
  late.take<codec::suback_packet>();
  auto p = late.take<codec::publish_packet>();
  EXPECT_EQ(p.topic, "will/r");
  EXPECT_EQ(text(p.payload), "kept");
  EXPECT_TRUE(p.retain);
  EXPECT_TRUE(late.idle());
}

TEST(CoreWill, WillQosIsUsed) {
  core_test_driver d;
  auto& w = watcher(d);
  auto c = make_connect("q", v5);
  c.will = make_will("will/q", "gone", qos::at_least_once);
  auto& client = d.connect(c);
  client.take<codec::connack_packet>();
  d.drop(client);
  EXPECT_EQ(w.take<codec::publish_packet>().qos_level, qos::at_least_once);
}

TEST(CoreWill, WillPropertiesAreForwardedWithUserPropertiesInOrder) {
  // [MQTT-3.1.3-10]; the Will Delay Interval itself is not an application property.
  core_test_driver d;
  auto& w = watcher(d);
  auto c = make_connect("p", v5);
  c.will = make_will("will/p", "{}");
  auto& props = c.will->props;
  props.payload_format_indicator = 1;
  props.content_type = "application/json";
  props.response_topic = "reply/p";
  props.correlation_data = test::bytes_of("cd");
  props.message_expiry_interval = 30;
  props.will_delay_interval = 1;
  props.user_properties = {{"k", "3"}, {"a", "1"}, {"k", "2"}};
  c.props.session_expiry_interval = 60;  // so the delay applies
  auto& client = d.connect(c);
  client.take<codec::connack_packet>();
  d.drop(client);
  d.advance(millis(1'000));
  auto p = w.take<codec::publish_packet>();
  EXPECT_EQ(p.props.payload_format_indicator, 1);
  EXPECT_EQ(p.props.content_type, "application/json");
  EXPECT_EQ(p.props.response_topic, "reply/p");
  EXPECT_EQ(p.props.correlation_data, test::bytes_of("cd"));
  EXPECT_EQ(p.props.message_expiry_interval, 30u);
  EXPECT_FALSE(p.props.will_delay_interval);
  EXPECT_EQ(p.props.user_properties,
            (std::vector<codec::user_property>{{"k", "3"}, {"a", "1"}, {"k", "2"}}));
}

// ---------------------------------------------------------------- Will Delay Interval

TEST(CoreWill, DelayedWillIsPublishedAfterTheDelay) {
  // 3.1.3.2.2
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5, 10, 3600));
  d.advance(millis(9'999));
  EXPECT_TRUE(w.idle());
  d.advance(millis(1));
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
  d.advance(millis(60'000));
  EXPECT_TRUE(w.idle());
}

TEST(CoreWill, ReconnectBeforeTheDelayCancelsTheWill) {
  // [MQTT-3.1.3-9], [MQTT-3.1.2-8]
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5, 10, 3600));
  d.advance(millis(5'000));
  auto c = make_connect("a", v5, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  EXPECT_TRUE(again.take<codec::connack_packet>().session_present);
  d.advance(millis(60'000));
  EXPECT_EQ(wills_seen(w), topics{});
}

TEST(CoreWill, CleanStartReconnectBeforeTheDelayAlsoCancelsTheWill) {
  // [MQTT-3.1.2-8]: "a new Network Connection for the ClientID is opened before the Will
  // Delay Interval has elapsed", whatever its Clean Start.
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5, 10, 3600));
  d.advance(millis(5'000));
  auto& again = d.connect(make_connect("a", v5, true));
  EXPECT_FALSE(again.take<codec::connack_packet>().session_present);
  d.advance(millis(60'000));
  EXPECT_EQ(wills_seen(w), topics{});
}

TEST(CoreWill, TakeoverBeforeTheDelayCancelsTheOldConnectionsWill) {
  // [MQTT-3.1.2-8]: the taken-over connection's delayed will is cancelled by the new
  // connection for its ClientID.
  core_test_driver d;
  auto& w = watcher(d);
  auto& first = with_will(d, "a", v5, 10, 3600);
  auto& second = d.connect_v5("a", false, 3600);
  EXPECT_EQ(first.take<codec::disconnect_packet>().reason, reason_code::session_taken_over);
  EXPECT_FALSE(second.closed);
  d.advance(millis(60'000));
  EXPECT_EQ(wills_seen(w), topics{});
}

TEST(CoreWill, SessionEndBeforeTheDelayPublishesTheWill) {
  // 3.1.3.2.2: "until the Will Delay Interval has passed or the Session ends, whichever
  // happens first".
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5, 60, 5));
  d.advance(millis(4'999));
  EXPECT_TRUE(w.idle());
  d.advance(millis(1));
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
  d.advance(millis(120'000));
  EXPECT_TRUE(w.idle());
}

TEST(CoreWill, DelayWithSessionExpiryZeroPublishesAtOnce) {
  // The session ends with the connection, and that comes first.
  core_test_driver d;
  auto& w = watcher(d);
  d.drop(with_will(d, "a", v5, 60, 0));
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

TEST(CoreWill, DisconnectShorteningSessionExpiryPublishesDelayedWillAtSessionEnd) {
  core_test_driver d;
  auto& w = watcher(d);
  auto& a = with_will(d, "a", v5, 60, 3600);
  codec::disconnect_packet disc{reason_code::disconnect_with_will_message, {}};
  disc.props.session_expiry_interval = 2;
  a.send(disc);
  EXPECT_TRUE(w.idle());
  d.advance(millis(2'000));
  EXPECT_EQ(wills_seen(w), topics{"will/a"});
}

}  // namespace
}  // namespace mqtt::broker
