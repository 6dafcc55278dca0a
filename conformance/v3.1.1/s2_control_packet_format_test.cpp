// 2.3 Packet identifiers. Reserved flags (2.2.2) are rows of data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311ControlPacketFormat : public v311_test {};

// [MQTT-2.3.1-1] QoS 1/2 PUBLISH packets the server sends carry a non-zero identifier.
TEST_F(V311ControlPacketFormat, ServerQosOnePublishHasNonZeroIdentifier) {
  statement("MQTT-2.3.1-1");
  const std::string t = topic("ids");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_NE(got.packet_id, 0);
}

// [MQTT-2.3.1-5] A QoS 0 PUBLISH carries no Packet Identifier: the body is exactly the
// Topic Name and the payload.
TEST_F(V311ControlPacketFormat, QosZeroPublishHasNoPacketIdentifier) {
  statement("MQTT-2.3.1-5");
  const std::string t = topic("q0");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "abc"));
  auto r = sub->expect_packet();
  ASSERT_TRUE(r.as<codec::publish_packet>()) << mismatch("S→C PUBLISH", r);
  const std::size_t body = 2 + t.size() + 3;
  const std::size_t whole = 1 + (body < 128 ? 1 : 2) + body;
  EXPECT_EQ(r.bytes.size(), whole) << mismatch("PUBLISH without a Packet Identifier", r);
}

// [MQTT-2.3.1-6] PUBACK carries the Packet Identifier of the PUBLISH.
TEST_F(V311ControlPacketFormat, PubackEchoesPacketIdentifier) {
  statement("MQTT-2.3.1-6");
  auto c = connect_client("pub");
  ASSERT_TRUE(c);
  codec::publish_packet p;
  p.topic = topic("ack");
  p.qos_level = codec::qos::at_least_once;
  p.packet_id = 0x1234;
  c->send_packet(p);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::puback_packet>();
  EXPECT_TRUE(ack && ack->packet_id == 0x1234) << mismatch("S→C PUBACK 40 02 1234", r);
}

// [MQTT-2.3.1-7] SUBACK and UNSUBACK carry the request's Packet Identifier.
TEST_F(V311ControlPacketFormat, SubackAndUnsubackEchoPacketIdentifier) {
  statement("MQTT-2.3.1-7");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::suback_packet sa;
  ASSERT_TRUE(subscribe(*c, topic("x"), {}, 0x4321, &sa));
  EXPECT_EQ(sa.packet_id, 0x4321);
  codec::unsubscribe_packet u;
  u.packet_id = 0x5678;
  u.filters.push_back(topic("x"));
  c->send_packet(u);
  auto r = c->expect_packet();
  const auto* ua = r.as<codec::unsuback_packet>();
  EXPECT_TRUE(ua && ua->packet_id == 0x5678) << mismatch("S→C UNSUBACK B0 02 5678", r);
}
