// 4.13 Handling errors: a Malformed Packet or Protocol Error closes the connection (a
// DISCONNECT with the reason code SHOULD come first), and a CONNACK or DISCONNECT reason
// of 0x80 or above always means the connection closes.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5ErrorHandling : public v5_test {
 protected:
  // send_malformed sends a PUBLISH whose Topic Name length (0x10) runs past the packet.
  void send_malformed(raw_client& c) { c.send_hex("30 05 0010 616263"); }
  // send_protocol_error sends a PUBLISH with the Payload Format Indicator twice, a
  // Protocol Error by 2.2.2.2.
  void send_protocol_error(raw_client& c) {
    codec::publish_packet p;
    p.topic = topic("t");
    p.props.payload_format_indicator = 0;
    auto bytes = codec::encode_packet(p, version());
    // The packet ends "... 02 01 00" (Property Length 2, PFI 0): make it "04 01 00 01 00".
    const std::size_t props_at = bytes.size() - 3;
    ASSERT_EQ(bytes[props_at], 0x02);
    bytes[props_at] = 0x04;
    bytes.push_back(0x01);
    bytes.push_back(0x00);
    bytes[1] = static_cast<std::uint8_t>(bytes[1] + 2);
    c.send_bytes(bytes);
  }
};

// [MQTT-4.13.1-1] A Malformed Packet makes the server close the connection.
TEST_F(V5ErrorHandling, MalformedPacketClosesConnection) {
  statement("MQTT-4.13.1-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  send_malformed(*c);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-4.13.1-1] Before closing for a Malformed Packet the server sends DISCONNECT 0x81.
TEST_F(V5ErrorHandling, MalformedPacketAnsweredWithDisconnect81) {
  statement("MQTT-4.13.1-1");
  should();
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  send_malformed(*c);
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.size() == 1 && obs.first_reason() == 0x81)
      << mismatch("S→C DISCONNECT E0 .. 81 (Malformed Packet), then close", obs);
}

// [MQTT-4.13.1-1] A Protocol Error makes the server close the connection.
TEST_F(V5ErrorHandling, ProtocolErrorClosesConnection) {
  statement("MQTT-4.13.1-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  send_protocol_error(*c);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-4.13.1-1] Before closing for a Protocol Error the server sends DISCONNECT 0x82.
TEST_F(V5ErrorHandling, ProtocolErrorAnsweredWithDisconnect82) {
  statement("MQTT-4.13.1-1");
  should();
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  send_protocol_error(*c);
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.size() == 1 && obs.first_reason() == 0x82)
      << mismatch("S→C DISCONNECT E0 .. 82 (Protocol Error), then close", obs);
}

// [MQTT-4.13.2-1] An error that has a DISCONNECT reason of 0x80 or above (a Topic Alias
// above the server's Topic Alias Maximum: 0x94) closes the connection whether or not the
// DISCONNECT is sent, and nothing but that DISCONNECT comes first.
TEST_F(V5ErrorHandling, ErrorReasonMeansClose) {
  statement("MQTT-4.13.2-1");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, o, &ack));
  const std::uint16_t maximum = ack.props.topic_alias_maximum.value_or(0);
  if (maximum == 0xFFFF) MQTT_SKIP("not applicable: every Topic Alias is allowed");
  codec::publish_packet p;
  p.topic = topic("t");
  p.props.topic_alias = static_cast<std::uint16_t>(maximum + 1);
  c->send_packet(p);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-4.13.1-1] A PINGREQ before CONNECT is a Protocol Error (3.1: the first packet
// "MUST be a CONNECT packet"): the server closes the connection. A CONNECT sent right
// after it must not be accepted, or the server went on instead of closing (a server that
// drops the stray packet and waits for CONNECT passes a close-only check once its
// CONNECT timeout ends).
TEST_F(V5ErrorHandling, PacketBeforeConnectClosesWithoutAcceptingConnect) {
  statement("MQTT-4.13.1-1");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_hex("C0 00");  // PINGREQ: well formed in every version, but not CONNECT
  connect_options o;
  o.client_id = client_id("c");
  c->send_packet(make_connect(version(), o));
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("close, with no CONNACK accepting the later CONNECT", obs);
}
