// 3.5 PUBREC: the server's PUBREC carries a PUBREC Reason Code, and its optional Reason
// String and User Properties never push it past the client's Maximum Packet Size.
#include <algorithm>
#include <array>

#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
// Table 3-5, PUBREC Reason Codes.
constexpr std::array<std::uint8_t, 9> pubrec_reasons{0x00, 0x10, 0x80, 0x83, 0x87,
                                                     0x90, 0x91, 0x97, 0x99};
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Pubrec : public v5_test {
 protected:
  static bool is_pubrec_reason(codec::reason_code r) {
    return std::count(pubrec_reasons.begin(), pubrec_reasons.end(),
                      static_cast<std::uint8_t>(r)) == 1;
  }
  // pubrec_for publishes QoS 2 to `t` as packet id `id` and returns the reply; a PUBREC
  // with a success code is then completed (PUBREL, PUBCOMP).
  static received pubrec_for(raw_client& c, const std::string& t, std::uint16_t id) {
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes("x");
    p.qos_level = codec::qos::exactly_once;
    p.packet_id = id;
    c.send_packet(p);
    auto r = c.expect_ack();
    if (const auto* rec = r.as<codec::pubrec_packet>(); rec && !codec::is_error(rec->reason)) {
      codec::pubrel_packet rel;
      rel.packet_id = id;
      c.send_packet(rel);
      c.expect_packet();
    }
    return r;
  }
  void check_small_pubrec() {
    MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("pub", o);
    ASSERT_TRUE(c);
    auto r = pubrec_for(*c, topic("nobody"), 0x0202);
    ASSERT_TRUE(r.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C PUBREC of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.5.2-1] The server's PUBREC uses a PUBREC Reason Code, with and without a
// matching subscriber; a normal delivery gets a success code.
TEST_F(V5Pubrec, ReasonCodeIsAPubrecReasonCode) {
  statement("MQTT-3.5.2-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("rec");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  auto r = pubrec_for(*pub, t, 1);
  const auto* rec = r.as<codec::pubrec_packet>();
  ASSERT_TRUE(rec && rec->packet_id == 1) << mismatch("S→C PUBREC 50 .. 0001", r);
  EXPECT_TRUE(is_pubrec_reason(rec->reason) && !codec::is_error(rec->reason))
      << mismatch("S→C PUBREC with reason 00 (Success)", r);
  auto r2 = pubrec_for(*pub, topic("nobody"), 2);
  const auto* rec2 = r2.as<codec::pubrec_packet>();
  ASSERT_TRUE(rec2 && rec2->packet_id == 2) << mismatch("S→C PUBREC 50 .. 0002", r2);
  EXPECT_TRUE(is_pubrec_reason(rec2->reason))
      << mismatch("S→C PUBREC with a PUBREC Reason Code (00 or 10 here)", r2);
}

// [MQTT-3.5.2-2] No Reason String that would make the PUBREC exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Pubrec, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.5.2-2");
  check_small_pubrec();
}

// [MQTT-3.5.2-3] No User Property that would make the PUBREC exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Pubrec, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.5.2-3");
  check_small_pubrec();
}
