// s6_websocket_checks.hpp: the section 6 (WebSocket) test bodies, the same for both
// versions. Each version's s6_websocket_test.cpp keeps one TEST_F per statement that binds
// the ID, skips without a WebSocket address and calls the body here:
//
//   class V5WebSocket : public websocket_checks<v5_test> {};
//   TEST_F(V5WebSocket, TextFrameClosesConnection) {
//     statement("MQTT-6.0.0-1");
//     if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
//     check_text_frame_closes_connection();
//   }
//
// A body's ASSERT ends the body only, so it is the last thing a TEST_F calls.
#pragma once

#include <string>

#include "conformance/harness/websocket_fixture.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class websocket_checks : public websocket_fixture<VersionFixture> {
 protected:
  // check_text_frame_closes_connection sends PINGREQ in a TEXT frame and expects a close
  // (after at most an error packet), not a PINGRESP.
  void check_text_frame_closes_connection() {
    auto c = this->connect_websocket_client("text");
    ASSERT_TRUE(c);
    c->send_websocket_text(this->encode(codec::pingreq_packet{}));
    EXPECT_TRUE(closes_after_error(*c)) << "after C→S PINGREQ in a TEXT frame";
  }

  // check_connect_split_over_two_messages_is_accepted sends CONNECT as two binary
  // messages, cut inside the variable header, and expects CONNACK and a working connection.
  void check_connect_split_over_two_messages_is_accepted() {
    auto c = this->open_websocket_client("split");
    ASSERT_TRUE(c);
    const auto bytes = this->connect_bytes("split");
    ASSERT_TRUE(c->send_websocket_messages(this->split(bytes, 5)));
    ASSERT_TRUE(this->expect_connack_ok(*c));
    EXPECT_TRUE(this->expect_pingresp(*c));
  }

  // check_connect_fragmented_over_two_frames_is_accepted sends CONNECT as one binary
  // message in two frames (BINARY without FIN, then CONTINUATION) and expects CONNACK and
  // a working connection.
  void check_connect_fragmented_over_two_frames_is_accepted() {
    auto c = this->open_websocket_client("frag");
    ASSERT_TRUE(c);
    const auto bytes = this->connect_bytes("frag");
    ASSERT_TRUE(c->send_websocket_fragmented(this->split(bytes, 1)));
    ASSERT_TRUE(this->expect_connack_ok(*c));
    EXPECT_TRUE(this->expect_pingresp(*c));
  }

  // check_several_packets_in_one_frame_are_all_read sends CONNECT, SUBSCRIBE and PINGREQ in
  // one binary frame and expects CONNACK, SUBACK and PINGRESP in that order.
  void check_several_packets_in_one_frame_are_all_read() {
    auto c = this->open_websocket_client("multi");
    ASSERT_TRUE(c);
    auto bytes = this->connect_bytes("multi");
    const auto sub = this->subscribe_bytes(this->topic("multi"));
    const auto ping = this->encode(codec::pingreq_packet{});
    bytes.insert(bytes.end(), sub.begin(), sub.end());
    bytes.insert(bytes.end(), ping.begin(), ping.end());
    ASSERT_TRUE(c->send_bytes(bytes));
    expect_connack_suback_pingresp(*c);
  }

  // check_packet_straddling_two_frames_is_reassembled sends CONNECT and the first 3 bytes
  // of a SUBSCRIBE in one frame, the rest of the SUBSCRIBE and a PINGREQ in the next, and
  // expects CONNACK, SUBACK and PINGRESP in that order.
  void check_packet_straddling_two_frames_is_reassembled() {
    auto c = this->open_websocket_client("straddle");
    ASSERT_TRUE(c);
    auto first = this->connect_bytes("straddle");
    const auto sub = this->subscribe_bytes(this->topic("straddle"));
    const auto ping = this->encode(codec::pingreq_packet{});
    first.insert(first.end(), sub.begin(), sub.begin() + 3);
    codec::byte_buffer second(sub.begin() + 3, sub.end());
    second.insert(second.end(), ping.begin(), ping.end());
    ASSERT_TRUE(c->send_websocket_messages({first, second}));
    expect_connack_suback_pingresp(*c);
  }

  // check_upgrade_selects_mqtt offers `offered` as Sec-WebSocket-Protocol and expects the
  // upgrade to succeed with "mqtt" selected.
  void check_upgrade_selects_mqtt(const std::string& offered) {
    std::string error;
    websocket_handshake h;
    auto s = open_websocket_stream(*this->websocket_broker(), 2000ms, {offered}, &error, &h);
    ASSERT_TRUE(s) << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", error);
    EXPECT_TRUE(h.has_subprotocol && h.subprotocol == "mqtt")
        << mismatch("HTTP 101, Sec-WebSocket-Protocol: mqtt", h.describe());
  }

  // check_upgrade_without_mqtt_is_not_answered_with_mqtt offers no subprotocol and expects
  // a refusal, or an upgrade that selects none: RFC 6455 4.2.2 lets a server select only a
  // name the client offered.
  void check_upgrade_without_mqtt_is_not_answered_with_mqtt() {
    std::string error;
    websocket_handshake h;
    auto s = open_websocket_stream(*this->websocket_broker(), 2000ms, {""}, &error, &h);
    if (!s) {
      EXPECT_NE(h.status, 101) << "upgrade failed after a 101: " << error;
      return;  // refused: conforming
    }
    EXPECT_FALSE(h.has_subprotocol)
        << mismatch("a refusal, or HTTP 101 without Sec-WebSocket-Protocol", h.describe());
  }

 private:
  // expect_connack_suback_pingresp expects the answers to CONNECT, the SUBSCRIBE that
  // subscribe_bytes builds (packet id 7) and PINGREQ, in that order.
  void expect_connack_suback_pingresp(raw_client& c) {
    ASSERT_TRUE(this->expect_connack_ok(c));
    auto r = c.expect_ack();
    const auto* ack = r.template as<codec::suback_packet>();
    // A 3.1.1 SUBACK for one filter is 90 03; a v5 one has a Property Length as well.
    const char* want = codec::is_v5(this->version()) ? "S→C SUBACK 90 .. 0007 .."
                                                     : "S→C SUBACK 90 03 0007 ..";
    ASSERT_TRUE(ack != nullptr && ack->packet_id == 7) << mismatch(want, r);
    r = c.expect_ack();
    EXPECT_TRUE(r.template as<codec::pingresp_packet>() != nullptr)
        << mismatch("S→C PINGRESP D0 00", r);
  }
};

}  // namespace mqtt::cert
