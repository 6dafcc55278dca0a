// 2 MQTT Control Packet format: packet identifiers (2.2.1) and properties (2.2.2).
// Reserved fixed-header flags (2.1.3) are rows of data/malformed_packets.json.
#include "codec/variable_byte_integer.hpp"
#include "conformance/harness/s2_control_packet_format_checks.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5ControlPacketFormat : public packet_format_checks<v5_test> {};

// [MQTT-2.2.1-2] A QoS 0 PUBLISH carries no Packet Identifier: after the Topic Name come
// the properties and the payload, nothing else.
TEST_F(V5ControlPacketFormat, QosZeroPublishHasNoPacketIdentifier) {
  statement("MQTT-2.2.1-2");
  const std::string t = topic("q0");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "abc"));
  auto r = sub->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH QoS 0", r);
  // After the Topic Name come Property Length, properties and the payload; a Packet
  // Identifier would make the sizes disagree.
  const std::size_t props = codec::properties_size(p->props);
  const std::size_t body = 2 + t.size() + codec::vbi_size(static_cast<std::uint32_t>(props)) +
                           props + 3;
  const std::size_t whole = 1 + codec::vbi_size(static_cast<std::uint32_t>(body)) + body;
  EXPECT_EQ(p->qos_level, codec::qos::at_most_once);
  EXPECT_EQ(r.bytes.size(), whole)
      << mismatch("PUBLISH of " + std::to_string(whole) + " bytes (no Packet Identifier)", r);
  EXPECT_EQ(p->payload, payload_bytes("abc")) << mismatch("payload 616263", r);
}

// [MQTT-2.2.1-4] Each QoS 1/2 PUBLISH the server sends carries a non-zero Packet
// Identifier not currently in use. Two publishers use the same identifiers (1 to 3), so a
// server that copies the publisher's identifier, or reuses one while six are in flight,
// is seen.
TEST_F(V5ControlPacketFormat, ServerPublishPacketIdentifiersAreNonZeroAndUnused) {
  statement("MQTT-2.2.1-4");
  const std::string t = topic("ids");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto pub2 = connect_client("pub2");
  ASSERT_TRUE(pub2);
  ASSERT_TRUE(publish_with_shared_identifiers(*pub, *pub2, t));
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < 6; ++i) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got, /*acknowledge=*/false));
    EXPECT_NE(got.packet_id, 0) << "server sent a QoS 1 PUBLISH with Packet Identifier 0";
    for (auto id : ids)
      EXPECT_NE(id, got.packet_id) << "Packet Identifier " << got.packet_id
                                   << " reused while still unacknowledged";
    ids.push_back(got.packet_id);
  }
}

// [MQTT-2.2.1-5] PUBACK carries the Packet Identifier of the PUBLISH it acknowledges.
TEST_F(V5ControlPacketFormat, PubackEchoesPublishPacketIdentifier) {
  statement("MQTT-2.2.1-5");
  check_puback_echoes_packet_identifier("S→C PUBACK 40 .. 1234");
}

// [MQTT-2.2.1-6] SUBACK and UNSUBACK carry the Packet Identifier of the request.
TEST_F(V5ControlPacketFormat, SubackAndUnsubackEchoPacketIdentifier) {
  statement("MQTT-2.2.1-6");
  auto c = connect_client("sub");
  ASSERT_TRUE(c);
  auto r = send_subscribe(*c, {{topic("x"), {}}}, 0x4321);
  const auto* sa = r.as<codec::suback_packet>();
  EXPECT_TRUE(sa && sa->packet_id == 0x4321) << mismatch("S→C SUBACK 90 .. 4321", r);
  check_unsuback_echoes_packet_identifier(*c, "S→C UNSUBACK B0 .. 5678");
}

// [MQTT-2.2.2-1] A packet with no properties still has a Property Length of zero: the
// server's SUBACK carries the 0x00 length byte after the Packet Identifier.
TEST_F(V5ControlPacketFormat, SubackWithoutPropertiesHasZeroPropertyLength) {
  statement("MQTT-2.2.2-1");
  auto c = connect_client("sub");
  ASSERT_TRUE(c);
  auto r = send_subscribe(*c, {{topic("p"), {}}}, 7);
  ASSERT_TRUE(r.as<codec::suback_packet>()) << mismatch("S→C SUBACK", r);
  // 90 LL 0007 <property length> <properties> <reason>
  ASSERT_GE(r.bytes.size(), 5U);
  const std::size_t prop_len = r.bytes[4];
  EXPECT_EQ(r.bytes.size(), 5 + prop_len + 1)
      << mismatch("SUBACK = 90 LL 0007, Property Length, properties, one reason code", r);
}
