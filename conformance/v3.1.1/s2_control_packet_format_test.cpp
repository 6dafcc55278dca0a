// 2.3 Packet identifiers. Reserved flags (2.2.2) are rows of data/malformed_packets.json.
#include "conformance/harness/s2_control_packet_format_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311ControlPacketFormat : public packet_format_checks<v311::session_test> {};

// [MQTT-2.3.1-1] QoS 1/2 PUBLISH packets the server sends carry a non-zero identifier.
TEST_F(V311ControlPacketFormat, ServerQosOnePublishHasNonZeroIdentifier) {
  statement("MQTT-2.3.1-1");
  const std::string t = topic("ids");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_NE(got.packet_id, 0);
}

// [MQTT-2.3.1-4] The server gives in-flight QoS 1 messages to one client distinct non-zero
// Packet Identifiers, and re-sends an unacknowledged one with the same identifier. Two
// publishers use the same identifiers (1 to 3), so a server that copies the publisher's
// identifier, or reuses one while six are in flight, is seen.
TEST_F(V311ControlPacketFormat, ServerInflightIdentifiersDistinctAndStable) {
  statement("MQTT-2.3.1-4");
  const std::string id = session_id("s");
  const std::string t = topic("ids");
  auto sub = resume(id, "sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  auto pub2 = connect_client("pub2");
  ASSERT_TRUE(pub2);
  ASSERT_TRUE(publish_with_shared_identifiers(*pub, *pub2, t));
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < 6; ++i) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got, false)) << "message " << i;
    EXPECT_NE(got.packet_id, 0);
    for (auto seen : ids) EXPECT_NE(seen, got.packet_id) << "identifier reused while in flight";
    ids.push_back(got.packet_id);
  }
  sub->close();  // none acknowledged
  auto again = resume(id, "again");
  ASSERT_TRUE(again);
  codec::publish_packet first;
  ASSERT_TRUE(receive_publish(*again, &first, false)) << "unacknowledged message not re-sent";
  EXPECT_EQ(first.packet_id, ids[0]) << "re-sent with a new Packet Identifier";
}

// [MQTT-2.3.1-5] A QoS 0 PUBLISH carries no Packet Identifier: the body is exactly the
// Topic Name and the payload.
TEST_F(V311ControlPacketFormat, QosZeroPublishHasNoPacketIdentifier) {
  statement("MQTT-2.3.1-5");
  const std::string t = topic("q0");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
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
  check_puback_echoes_packet_identifier("S→C PUBACK 40 02 1234");
}

// [MQTT-2.3.1-6] PUBREC carries the Packet Identifier of the QoS 2 PUBLISH, and the
// server's PUBREL carries the identifier of the PUBLISH it sent.
TEST_F(V311ControlPacketFormat, PubrecAndPubrelEchoPacketIdentifier) {
  statement("MQTT-2.3.1-6");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::exactly_once});
  ASSERT_TRUE(sub);
  pub->send_packet(make_publish(t, "x", codec::qos::exactly_once, 0x2345));
  auto r = pub->expect_ack();
  const auto* rec = r.as<codec::pubrec_packet>();
  EXPECT_TRUE(rec && rec->packet_id == 0x2345) << mismatch("S→C PUBREC 50 02 2345", r);
  codec::pubrel_packet rel;
  rel.packet_id = 0x2345;
  pub->send_packet(rel);
  auto rc = pub->expect_ack();
  EXPECT_TRUE(rc.as<codec::pubcomp_packet>()) << mismatch("S→C PUBCOMP 70 02 2345", rc);
  auto d = sub->expect_packet();
  const auto* p = d.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH QoS 2", d);
  codec::pubrec_packet ours;
  ours.packet_id = p->packet_id;
  sub->send_packet(ours);
  auto r2 = sub->expect_packet();
  const auto* srel = r2.as<codec::pubrel_packet>();
  EXPECT_TRUE(srel && srel->packet_id == p->packet_id)
      << mismatch("S→C PUBREL with the identifier of the PUBLISH", r2);
}

// [MQTT-2.3.1-7] SUBACK and UNSUBACK carry the request's Packet Identifier.
TEST_F(V311ControlPacketFormat, SubackAndUnsubackEchoPacketIdentifier) {
  statement("MQTT-2.3.1-7");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::suback_packet sa;
  ASSERT_TRUE(subscribe(*c, topic("x"), {}, 0x4321, &sa));
  EXPECT_EQ(sa.packet_id, 0x4321);
  check_unsuback_echoes_packet_identifier(*c, "S→C UNSUBACK B0 02 5678");
}
