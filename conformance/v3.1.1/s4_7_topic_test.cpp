// 4.3 QoS flows seen from the broker's receiving side, 4.6 ordering, 4.7 topics.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Topics : public v311_test {};

// [MQTT-4.7.1-2] '#' alone and last: "x/b#" and "x/#/b" are refused (in 3.1.1 by
// closing the connection, or a SUBACK 0x80 failure).
TEST_F(V311Topics, MisplacedMultiLevelWildcardRefused) {
  statement("MQTT-4.7.1-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + "/b#"));
  auto c2 = connect_client("c2");
  ASSERT_TRUE(c2);
  EXPECT_TRUE(refuses_subscription(*c2, topic_prefix() + "/#/b"));
}

// [MQTT-4.7.1-3] '+' must fill a whole level.
TEST_F(V311Topics, PartialLevelSingleLevelWildcardRefused) {
  statement("MQTT-4.7.1-3");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + "/b+"));
}

// [MQTT-4.7.2-1] A filter starting with '+' does not match a '$' topic.
TEST_F(V311Topics, LeadingWildcardDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  const std::string rest = topic_prefix() + "/d";
  const std::string dollar = "$mqttcert/" + rest;
  auto wild = connect_client("wild");
  ASSERT_TRUE(wild);
  ASSERT_TRUE(subscribe(*wild, "+/" + rest, codec::qos::at_most_once));
  auto exact = connect_client("exact");
  ASSERT_TRUE(exact);
  ASSERT_TRUE(subscribe(*exact, dollar, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, dollar, "x"));
  ASSERT_TRUE(receive_publish(*exact, nullptr)) << "the $ topic was not delivered at all";
  auto r = wild->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH for filter +/…", r);
}

// [MQTT-4.7.3-4] Matching is exact: no case folding or trailing-slash normalisation.
TEST_F(V311Topics, MatchingDoesNotNormalise) {
  statement("MQTT-4.7.3-4");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, topic("Case"), codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, topic("case"), "lower"));
  ASSERT_TRUE(publish(*pub, topic("Case/"), "slash"));
  ASSERT_TRUE(publish(*pub, topic("Case"), "exact"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("exact"));
}

// [MQTT-4.3.3-2] A repeated QoS 2 PUBLISH before PUBREL is PUBRECed again and delivered
// only once.
TEST_F(V311Topics, QosTwoDuplicateBeforePubrelNotDeliveredTwice) {
  statement("MQTT-4.3.3-2");
  const std::string t = topic("q2");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  codec::publish_packet p;
  p.topic = t;
  p.payload = payload_bytes("once");
  p.qos_level = codec::qos::exactly_once;
  p.packet_id = 9;
  pub->send_packet(p);
  auto r1 = pub->expect_packet();
  ASSERT_TRUE(r1.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 02 0009", r1);
  p.dup = true;
  pub->send_packet(p);
  auto r2 = pub->expect_packet();
  EXPECT_TRUE(r2.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 02 0009 again", r2);
  codec::pubrel_packet rel;
  rel.packet_id = 9;
  pub->send_packet(rel);
  auto r3 = pub->expect_packet();
  EXPECT_TRUE(r3.as<codec::pubcomp_packet>()) << mismatch("S→C PUBCOMP 70 02 0009", r3);
  ASSERT_TRUE(receive_publish(*sub, nullptr));
  auto r4 = sub->expect_no_packet();
  EXPECT_EQ(r4.status, recv_status::timeout) << mismatch("delivered only once", r4);
}

// [MQTT-4.3.2-2] After PUBACK the identifier is free: reusing it is a new message.
TEST_F(V311Topics, QosOneIdentifierReusedAfterPubackIsNewMessage) {
  statement("MQTT-4.3.2-2");
  const std::string t = topic("q1");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "one", codec::qos::at_least_once, false, 7));
  ASSERT_TRUE(publish(*pub, t, "two", codec::qos::at_least_once, false, 7));
  ASSERT_TRUE(receive_publish(*sub, nullptr));
  EXPECT_TRUE(receive_publish(*sub, nullptr)) << "second message with the same id lost";
}

// [MQTT-4.6.0-6] One publisher's messages on a topic arrive in publish order.
TEST_F(V311Topics, MessagesForwardedInPublishOrder) {
  statement("MQTT-4.6.0-6");
  const std::string t = topic("order");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(publish(*pub, t, std::to_string(i), codec::qos::at_least_once, false,
                        static_cast<std::uint16_t>(i + 1)));
  for (int i = 0; i < 20; ++i) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    ASSERT_EQ(got.payload, payload_bytes(std::to_string(i))) << "message " << i << " out of order";
  }
}
