// 3.2 CONNACK: first packet, Session Present, return codes and the close that follows.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Connack : public v311::session_test {};

// [MQTT-3.2.0-1] The first packet from the server is CONNACK: a SUBSCRIBE pipelined right
// behind CONNECT is answered only after it.
TEST_F(V311Connack, FirstServerPacketIsConnack) {
  statement("MQTT-3.2.0-1");
  connect_options o;
  o.client_id = client_id("c");
  auto c = send_connect("c", o);
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({topic("x"), {}});
  c->send_packet(s);
  auto r = c->expect_packet();
  EXPECT_TRUE(r.as<codec::connack_packet>()) << mismatch("S→C CONNACK first", r);
}

// [MQTT-3.2.2-1] CleanSession 1 is accepted with Session Present 0, even when a session
// was stored for the ClientId: the CONNACK is exactly 20 02 00 00.
TEST_F(V311Connack, CleanSessionGivesSessionPresentZero) {
  statement("MQTT-3.2.2-1");
  const std::string id = session_id("s");
  ASSERT_TRUE(make_session(id, topic("t")));
  auto c = send_connect("c", session(id, true));
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  EXPECT_EQ(r.bytes, (codec::byte_buffer{0x20, 0x02, 0x00, 0x00}))
      << mismatch("S→C CONNACK 20 02 00 00", r);
}

// [MQTT-3.2.2-2] CleanSession 0 with stored state gives Session Present 1.
TEST_F(V311Connack, StoredSessionGivesSessionPresentOne) {
  statement("MQTT-3.2.2-2");
  const std::string id = session_id("s");
  ASSERT_TRUE(make_session(id, topic("t")));
  codec::connack_packet ack;
  ASSERT_TRUE(resume(id, "c", &ack));
  EXPECT_TRUE(ack.session_present);
}

// [MQTT-3.2.2-3] CleanSession 0 without stored state gives Session Present 0.
TEST_F(V311Connack, NoStoredSessionGivesSessionPresentZero) {
  statement("MQTT-3.2.2-3");
  codec::connack_packet ack;
  ASSERT_TRUE(resume(session_id("fresh"), "c", &ack));
  EXPECT_FALSE(ack.session_present);
}

// [MQTT-3.2.2-4] A CONNACK with a non-zero return code has Session Present 0 (refusal
// provoked by an empty ClientId with CleanSession 0).
TEST_F(V311Connack, RefusingConnackHasSessionPresentZero) {
  statement("MQTT-3.2.2-4");
  auto c = send_connect("c", session("", false));
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(ack && ack->reason != 0) << mismatch("S→C CONNACK 20 02 00 02", r);
  EXPECT_FALSE(ack->session_present) << mismatch("Session Present 0", r);
}

// [MQTT-3.2.2-4] Refusing a CleanSession 0 reconnect of a stored session (protocol level 6)
// still reports Session Present 0.
TEST_F(V311Connack, RefusalOfStoredSessionHasSessionPresentZero) {
  statement("MQTT-3.2.2-4");
  const std::string id = session_id("s");
  ASSERT_TRUE(make_session(id, topic("t")));
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::byte_buffer b = {0x10, 0x00, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x00, 0x00, 0x3C,
                          0x00, static_cast<std::uint8_t>(id.size())};
  b.insert(b.end(), id.begin(), id.end());
  b[1] = static_cast<std::uint8_t>(b.size() - 2);
  c->send_bytes(b);
  auto r = c->expect_packet();
  EXPECT_EQ(r.bytes, (codec::byte_buffer{0x20, 0x02, 0x00, 0x01}))
      << mismatch("S→C CONNACK 20 02 00 01 (Session Present 0)", r);
}

// [MQTT-3.2.2-5] After a non-zero CONNACK return code the server closes.
TEST_F(V311Connack, RefusingConnackThenClose) {
  statement("MQTT-3.2.2-5");
  auto c = send_connect("c", session("", false));
  ASSERT_TRUE(c);
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.2.2-6] A CONNECT no return code describes (its ClientId length runs past the end
// of the packet) is closed without any CONNACK.
TEST_F(V311Connack, UnanswerableConnectClosedWithoutConnack) {
  statement("MQTT-3.2.2-6");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_hex("10 0F 0004 4D515454 04 02 003C 0020 6D7163");
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("close without CONNACK", obs);
}
