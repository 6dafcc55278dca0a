// 7 Conformance: the server works over an ordered, lossless byte stream (TCP) and needs
// nothing beyond the specification to interoperate.
#include "conformance/v3.1.1/v311_session_test.hpp"

#include "codec/packet_codec.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Conformance : public v311::session_test {};

// [MQTT-7.0.0-2] A client using only what 3.1.1 defines (no user name, no extensions)
// completes every exchange: CONNECT, SUBSCRIBE, PUBLISH at QoS 0/1/2, UNSUBSCRIBE, PINGREQ
// and DISCONNECT.
TEST_F(V311Conformance, PlainClientInteroperates) {
  statement("MQTT-7.0.0-2");
  const std::string t = topic("plain");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::exactly_once});
  ASSERT_TRUE(sub);
  const codec::qos levels[] = {codec::qos::at_most_once, codec::qos::at_least_once,
                               codec::qos::exactly_once};
  std::uint16_t id = 1;
  for (auto q : levels) {
    if (static_cast<int>(q) > profile().maximum_qos) continue;
    ASSERT_TRUE(publish(*pub, t, "q" + std::to_string(static_cast<int>(q)), q, false, id++));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.qos_level, q);
  }
  auto r = send_unsubscribe(*sub, {t}, id);
  EXPECT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK", r);
  EXPECT_TRUE(still_open(*sub));
  EXPECT_TRUE(still_open(*pub));
  disconnect(*sub);
  disconnect(*pub);
}

// [MQTT-7.1.1-1] The TCP transport is treated as a byte stream: a CONNECT and a SUBSCRIBE
// sent one byte per write, then a PUBLISH and a PINGREQ coalesced into one write, are all
// processed in order.
TEST_F(V311Conformance, PacketsSplitAndCoalescedOnTcp) {
  statement("MQTT-7.1.1-1");
  const std::string t = topic("stream");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({t, {}});
  codec::byte_buffer head = codec::encode_packet(make_connect(version(), o), version());
  auto sub_bytes = codec::encode_packet(s, version());
  head.insert(head.end(), sub_bytes.begin(), sub_bytes.end());
  for (auto b : head) c->send_bytes(codec::byte_view(&b, 1));
  auto r1 = c->expect_packet();
  ASSERT_TRUE(r1.as<codec::connack_packet>()) << mismatch("S→C CONNACK 20 02 00 00", r1);
  auto r2 = c->expect_ack();
  ASSERT_TRUE(r2.as<codec::suback_packet>()) << mismatch("S→C SUBACK 90 03 0001 00", r2);
  codec::byte_buffer tail = codec::encode_packet(make_publish(t, "whole"), version());
  auto ping = codec::encode_packet(codec::pingreq_packet{}, version());
  tail.insert(tail.end(), ping.begin(), ping.end());
  c->send_bytes(tail);
  // The routed PUBLISH and the PINGRESP may come in either order: nothing orders a
  // forwarded message against the answer to a PINGREQ.
  auto r4 = c->expect_ack();
  EXPECT_TRUE(r4.as<codec::pingresp_packet>()) << mismatch("S→C PINGRESP D0 00", r4);
  auto r3 = c->expect_packet();
  const auto* p = r3.as<codec::publish_packet>();
  ASSERT_TRUE(p && p->payload == payload_bytes("whole")) << mismatch("S→C PUBLISH \"whole\"", r3);
}
