// 4.1 Storing state: the server keeps session state for the whole session, across
// connections (CleanSession 0) and for as long as a connection is open.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311StoringState : public v311::session_test {};

// [MQTT-4.1.0-1] A QoS 2 message the server has PUBRECed stays in the session across a
// reconnect: after CleanSession 0 resumes, our PUBREL gets PUBCOMP and the subscriber
// gets the message exactly once.
TEST_F(V311StoringState, IncomingQosTwoStateSurvivesReconnect) {
  statement("MQTT-4.1.0-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = session_id("pub");
  const std::string t = topic("q2");
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto pub = resume(id, "pub");
  ASSERT_TRUE(pub);
  pub->send_packet(make_publish(t, "once", codec::qos::exactly_once, 21));
  auto r = pub->expect_ack();
  ASSERT_TRUE(r.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 02 0015", r);
  pub->close();
  codec::connack_packet ack;
  auto again = resume(id, "again", &ack);
  ASSERT_TRUE(again);
  EXPECT_TRUE(ack.session_present);
  codec::pubrel_packet rel;
  rel.packet_id = 21;
  again->send_packet(rel);
  auto r2 = again->expect_ack();
  const auto* comp = r2.as<codec::pubcomp_packet>();
  EXPECT_TRUE(comp && comp->packet_id == 21) << mismatch("S→C PUBCOMP 70 02 0015", r2);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got)) << "the message was lost";
  EXPECT_EQ(got.payload, payload_bytes("once"));
  EXPECT_TRUE(silent(*sub, "the message delivered once"));
}

// [MQTT-4.1.0-1] The subscriptions of a CleanSession 0 session survive several
// connections that do not subscribe again.
TEST_F(V311StoringState, SubscriptionSurvivesSeveralReconnects) {
  statement("MQTT-4.1.0-1");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  for (int i = 0; i < 2; ++i) {
    codec::connack_packet ack;
    auto c = resume(id, "hop" + std::to_string(i), &ack);
    ASSERT_TRUE(c);
    EXPECT_TRUE(ack.session_present) << "session lost at reconnect " << i;
    disconnect(*c);
  }
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto c = resume(id, "last");
  ASSERT_TRUE(c);
  EXPECT_TRUE(receive_publish(*c, nullptr)) << "queued message missing after three connections";
}

// [MQTT-4.1.0-2] While the connection is open its (CleanSession 1) session keeps an
// outgoing QoS 2 delivery: a PUBREC sent a second later still gets the PUBREL.
TEST_F(V311StoringState, SessionStateKeptWhileConnected) {
  statement("MQTT-4.1.0-2");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::exactly_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::exactly_once));
  auto r = sub->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH QoS 2", r);
  const std::uint16_t id = p->packet_id;
  for (int i = 0; i < 3; ++i) {
    // Unacknowledged, the server may re-send the PUBLISH (DUP 1); anything else is wrong.
    auto q = sub->expect_no_packet(quiet_window);
    if (q.status != recv_status::timeout) {
      const auto* again = q.as<codec::publish_packet>();
      ASSERT_TRUE(again && again->packet_id == id) << mismatch("nothing, or the same PUBLISH", q);
    }
    ASSERT_TRUE(still_open(*sub));
  }
  codec::pubrec_packet rec;
  rec.packet_id = id;
  sub->send_packet(rec);
  auto r2 = sub->expect_packet();
  const auto* rel = r2.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == id) << mismatch("S→C PUBREL for the delivery", r2);
}
