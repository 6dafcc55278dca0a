// 6 Using WebSocket as a network transport: binary frames only, packets not aligned with
// frames, and the "mqtt" subprotocol. Runs against the broker's ws:// (or wss://) address:
// the launched reference broker's ws listener, or MQTTCERT_BROKER_WS; skipped without one.
#include "conformance/harness/websocket_fixture.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5WebSocket : public websocket_fixture<v5_test> {};

// [MQTT-6.0.0-1] A PINGREQ sent in a WebSocket TEXT frame gets the connection closed (an
// error DISCONNECT first is allowed), not a PINGRESP.
TEST_F(V5WebSocket, TextFrameClosesConnection) {
  statement("MQTT-6.0.0-1");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  auto c = connect_websocket_client("text");
  ASSERT_TRUE(c);
  c->send_websocket_text(encode(codec::pingreq_packet{}));
  EXPECT_TRUE(closes_after_error(*c)) << "after C→S PINGREQ in a TEXT frame";
}

// [MQTT-6.0.0-2] A CONNECT split over two binary WebSocket messages (the cut inside the
// variable header) is reassembled and accepted.
TEST_F(V5WebSocket, ConnectSplitOverTwoMessagesIsAccepted) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  auto c = open_websocket_client("split");
  ASSERT_TRUE(c);
  const auto bytes = connect_bytes("split");
  ASSERT_TRUE(c->send_websocket_messages(split(bytes, 5)));
  ASSERT_TRUE(expect_connack_ok(*c));
  EXPECT_TRUE(expect_pingresp(*c));
}

// [MQTT-6.0.0-2] A CONNECT sent as one binary message fragmented into two frames (BINARY
// without FIN, then CONTINUATION) is accepted.
TEST_F(V5WebSocket, ConnectFragmentedOverTwoFramesIsAccepted) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  auto c = open_websocket_client("frag");
  ASSERT_TRUE(c);
  const auto bytes = connect_bytes("frag");
  ASSERT_TRUE(c->send_websocket_fragmented(split(bytes, 1)));
  ASSERT_TRUE(expect_connack_ok(*c));
  EXPECT_TRUE(expect_pingresp(*c));
}

// [MQTT-6.0.0-2] CONNECT, SUBSCRIBE and PINGREQ in one binary frame are all read:
// CONNACK, SUBACK and PINGRESP come back in order.
TEST_F(V5WebSocket, SeveralPacketsInOneFrameAreAllRead) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  auto c = open_websocket_client("multi");
  ASSERT_TRUE(c);
  auto bytes = connect_bytes("multi");
  const auto sub = subscribe_bytes(topic("multi"));
  const auto ping = encode(codec::pingreq_packet{});
  bytes.insert(bytes.end(), sub.begin(), sub.end());
  bytes.insert(bytes.end(), ping.begin(), ping.end());
  ASSERT_TRUE(c->send_bytes(bytes));
  ASSERT_TRUE(expect_connack_ok(*c));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack != nullptr && ack->packet_id == 7) << mismatch("S→C SUBACK 90 .. 0007 ..", r);
  r = c->expect_packet();
  EXPECT_TRUE(r.as<codec::pingresp_packet>() != nullptr) << mismatch("S→C PINGRESP D0 00", r);
}

// [MQTT-6.0.0-2] Frame 1 holds CONNECT and the first 3 bytes of a SUBSCRIBE, frame 2 the
// rest of the SUBSCRIBE and a PINGREQ: CONNACK, SUBACK and PINGRESP come back.
TEST_F(V5WebSocket, PacketStraddlingTwoFramesIsReassembled) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  auto c = open_websocket_client("straddle");
  ASSERT_TRUE(c);
  auto first = connect_bytes("straddle");
  const auto sub = subscribe_bytes(topic("straddle"));
  const auto ping = encode(codec::pingreq_packet{});
  first.insert(first.end(), sub.begin(), sub.begin() + 3);
  codec::byte_buffer second(sub.begin() + 3, sub.end());
  second.insert(second.end(), ping.begin(), ping.end());
  ASSERT_TRUE(c->send_websocket_messages({first, second}));
  ASSERT_TRUE(expect_connack_ok(*c));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack != nullptr && ack->packet_id == 7) << mismatch("S→C SUBACK 90 .. 0007 ..", r);
  r = c->expect_packet();
  EXPECT_TRUE(r.as<codec::pingresp_packet>() != nullptr) << mismatch("S→C PINGRESP D0 00", r);
}

// [MQTT-6.0.0-4] An upgrade offering "mqtt" is answered 101 with
// Sec-WebSocket-Protocol: mqtt.
TEST_F(V5WebSocket, UpgradeReturnsMqttSubprotocol) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  std::string error;
  websocket_handshake h;
  auto s = open_websocket_stream(*websocket_broker(), 2000ms, {"mqtt"}, &error, &h);
  ASSERT_TRUE(s) << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", error);
  EXPECT_TRUE(h.has_subprotocol && h.subprotocol == "mqtt")
      << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", h.describe());
}

// [MQTT-6.0.0-4] An upgrade offering "mqttcert-other, mqtt" is answered with "mqtt", the
// only name the server may select.
TEST_F(V5WebSocket, UpgradeOfferingSeveralSelectsMqtt) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  std::string error;
  websocket_handshake h;
  auto s = open_websocket_stream(*websocket_broker(), 2000ms, {"mqttcert-other, mqtt"}, &error, &h);
  ASSERT_TRUE(s) << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", error);
  EXPECT_TRUE(h.has_subprotocol && h.subprotocol == "mqtt")
      << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", h.describe());
}

// [MQTT-6.0.0-4] An upgrade offering no subprotocol (which breaks MQTT-6.0.0-3 on purpose)
// is refused, or accepted with no Sec-WebSocket-Protocol: RFC 6455 4.2.2 lets a server
// return only a name the client offered, so "mqtt" here would be a wrong selection.
TEST_F(V5WebSocket, UpgradeWithoutMqttIsNotAnsweredWithMqtt) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) GTEST_SKIP() << websocket_absent_reason();
  std::string error;
  websocket_handshake h;
  auto s = open_websocket_stream(*websocket_broker(), 2000ms, {""}, &error, &h);
  if (!s) {
    EXPECT_NE(h.status, 101) << "upgrade failed after a 101: " << error;
    return;  // refused: conforming
  }
  EXPECT_FALSE(h.has_subprotocol)
      << mismatch("a refusal, or HTTP 101 without Sec-WebSocket-Protocol", h.describe());
}
