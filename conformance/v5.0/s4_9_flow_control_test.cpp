// 4.9 Flow Control: the server's send quota towards a client starts at no more than the
// client's Receive Maximum, stops QoS 1/2 PUBLISH at zero, and other packets still flow.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5FlowControl : public v5_test {
 protected:
  // limited_receiver connects a client announcing Receive Maximum `rm`, subscribed to `t`
  // at `q`, and has `n` messages "m0".."m<n-1>" published to `t` at `q`.
  std::unique_ptr<raw_client> limited_receiver(std::uint16_t rm, const std::string& t,
                                               codec::qos q, int n) {
    connect_options o;
    o.props.receive_maximum = rm;
    auto c = connect_client("sub", o);
    if (!c || !subscribe(*c, t, q)) return nullptr;
    auto pub = connect_client("pub");
    if (!pub) return nullptr;
    for (int i = 0; i < n; ++i)
      if (!publish(*pub, t, "m" + std::to_string(i), q, false,
                   static_cast<std::uint16_t>(i + 1)))
        return nullptr;
    return c;
  }
  // take_unacked collects PUBLISH packets without acknowledging them until none arrives
  // within the quiet window.
  std::vector<codec::publish_packet> take_unacked(raw_client& c) {
    std::vector<codec::publish_packet> out;
    for (;;) {
      auto r = c.expect_packet(out.empty() ? expect_timeout : quiet_window);
      const auto* p = r.as<codec::publish_packet>();
      if (!p) {
        if (r.status != recv_status::timeout) ADD_FAILURE() << mismatch("S→C PUBLISH", r);
        return out;
      }
      out.push_back(*p);
    }
  }
};

// [MQTT-4.9.0-1] With Receive Maximum 2 and four QoS 1 messages waiting, the server sends
// at least one and at most two before any PUBACK.
TEST_F(V5FlowControl, InitialQuotaNonZeroAndWithinReceiveMaximum) {
  statement("MQTT-4.9.0-1");
  auto c = limited_receiver(2, topic("t"), codec::qos::at_least_once, 4);
  ASSERT_TRUE(c);
  auto got = take_unacked(*c);
  EXPECT_GE(got.size(), 1u) << "no QoS 1 PUBLISH sent: the send quota started at 0";
  EXPECT_LE(got.size(), 2u) << got.size() << " unacknowledged QoS 1 PUBLISH; Receive Maximum 2";
}

// [MQTT-4.9.0-2] With Receive Maximum 1, one unacknowledged QoS 1 PUBLISH stops the next;
// each PUBACK releases exactly one more, until all three arrived.
TEST_F(V5FlowControl, Qos1SendingStopsAtZeroQuota) {
  statement("MQTT-4.9.0-2");
  auto c = limited_receiver(1, topic("t"), codec::qos::at_least_once, 3);
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) {
    auto got = take_unacked(*c);
    ASSERT_EQ(got.size(), 1u) << "expected exactly 1 unacknowledged QoS 1 PUBLISH (message "
                              << i << "), got " << got.size();
    EXPECT_EQ(got[0].payload, payload_bytes("m" + std::to_string(i)));
    codec::puback_packet ack;
    ack.packet_id = got[0].packet_id;
    c->send_packet(ack);
  }
}

// [MQTT-4.9.0-2] For QoS 2 the quota comes back only with PUBCOMP: with Receive Maximum 1,
// no second PUBLISH arrives between PUBREC and PUBCOMP.
TEST_F(V5FlowControl, Qos2QuotaReturnsOnlyWithPubcomp) {
  statement("MQTT-4.9.0-2");
  auto c = limited_receiver(1, topic("t"), codec::qos::exactly_once, 2);
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH m0", r);
  const auto id = p->packet_id;
  codec::pubrec_packet rec;
  rec.packet_id = id;
  c->send_packet(rec);
  auto rel = c->expect_packet();
  ASSERT_TRUE(rel.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL", rel);
  auto early = c->expect_no_packet();
  EXPECT_EQ(early.status, recv_status::timeout)
      << mismatch("no PUBLISH before PUBCOMP (quota 0)", early);
  codec::pubcomp_packet comp;
  comp.packet_id = id;
  c->send_packet(comp);
  auto next = c->expect_packet();
  EXPECT_TRUE(next.as<codec::publish_packet>()) << mismatch("S→C PUBLISH m1 after PUBCOMP", next);
}

// [MQTT-4.9.0-3] At zero send quota the server still answers PINGREQ and SUBSCRIBE.
TEST_F(V5FlowControl, OtherPacketsAnsweredAtZeroQuota) {
  statement("MQTT-4.9.0-3");
  auto c = limited_receiver(1, topic("t"), codec::qos::at_least_once, 2);
  ASSERT_TRUE(c);
  auto got = take_unacked(*c);
  ASSERT_EQ(got.size(), 1u) << "setup: expected 1 unacknowledged PUBLISH";
  c->send_packet(codec::pingreq_packet{});
  auto r = c->expect_ack();
  EXPECT_TRUE(r.as<codec::pingresp_packet>()) << mismatch("S→C PINGRESP at zero quota", r);
  EXPECT_TRUE(subscribe(*c, topic("other"), codec::qos::at_most_once, 40))
      << "SUBSCRIBE not answered at zero quota";
}
