// 3.4 PUBACK: the server's PUBACK carries a PUBACK Reason Code, and its optional Reason
// String and User Properties never push it past the client's Maximum Packet Size.
#include <algorithm>
#include <array>

#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
// Table 3-4, PUBACK Reason Codes.
constexpr std::array<std::uint8_t, 9> puback_reasons{0x00, 0x10, 0x80, 0x83, 0x87,
                                                     0x90, 0x91, 0x97, 0x99};
// A Maximum Packet Size that fits a bare PUBACK (at most 6 bytes) but hardly any text.
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Puback : public v5_test {
 protected:
  static bool is_puback_reason(codec::reason_code r) {
    return std::count(puback_reasons.begin(), puback_reasons.end(),
                      static_cast<std::uint8_t>(r)) == 1;
  }
  // puback_for publishes QoS 1 to `t` as packet id `id` and returns the reply.
  static received puback_for(raw_client& c, const std::string& t, std::uint16_t id) {
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes("x");
    p.qos_level = codec::qos::at_least_once;
    p.packet_id = id;
    c.send_packet(p);
    return c.expect_packet();
  }
  // small_puback connects with Maximum Packet Size 16 and publishes where nobody listens
  // (the case where a server may explain itself: 0x10 No matching subscribers).
  void check_small_puback() {
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("pub", o);
    ASSERT_TRUE(c);
    auto r = puback_for(*c, topic("nobody"), 0x0101);
    ASSERT_TRUE(r.as<codec::puback_packet>()) << mismatch("S→C PUBACK", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C PUBACK of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.4.2-1] The server's PUBACK uses a PUBACK Reason Code, with and without a
// matching subscriber; a normal delivery is acknowledged with a success code.
TEST_F(V5Puback, ReasonCodeIsAPubackReasonCode) {
  statement("MQTT-3.4.2-1");
  const std::string t = topic("ack");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto r = puback_for(*pub, t, 1);
  const auto* ack = r.as<codec::puback_packet>();
  ASSERT_TRUE(ack && ack->packet_id == 1) << mismatch("S→C PUBACK 40 .. 0001", r);
  EXPECT_TRUE(is_puback_reason(ack->reason) && !codec::is_error(ack->reason))
      << mismatch("S→C PUBACK with reason 00 (Success)", r);
  auto r2 = puback_for(*pub, topic("nobody"), 2);
  const auto* ack2 = r2.as<codec::puback_packet>();
  ASSERT_TRUE(ack2 && ack2->packet_id == 2) << mismatch("S→C PUBACK 40 .. 0002", r2);
  EXPECT_TRUE(is_puback_reason(ack2->reason))
      << mismatch("S→C PUBACK with a PUBACK Reason Code (00 or 10 here)", r2);
}

// [MQTT-3.4.2-2] No Reason String that would make the PUBACK exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Puback, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.4.2-2");
  check_small_puback();
}

// [MQTT-3.4.2-3] No User Property that would make the PUBACK exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Puback, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.4.2-3");
  check_small_puback();
}
