// 3.11 UNSUBACK: reason codes in filter order and from the UNSUBACK table, and optional
// Reason String / User Properties within the client's Maximum Packet Size.
#include <algorithm>
#include <array>

#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
// Table 3-9, Unsubscribe Reason Codes.
constexpr std::array<std::uint8_t, 7> unsubscribe_reasons{0x00, 0x11, 0x80, 0x83,
                                                          0x87, 0x8F, 0x91};
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Unsuback : public v5_test {
 protected:
  static bool is_unsubscribe_reason(std::uint8_t r) {
    return std::count(unsubscribe_reasons.begin(), unsubscribe_reasons.end(), r) == 1;
  }
  // check_small_unsuback unsubscribes, with Maximum Packet Size 16, from a filter it never
  // subscribed (0x11, a case a server may explain).
  void check_small_unsuback() {
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("sub", o);
    ASSERT_TRUE(c);
    auto r = send_unsubscribe(*c, {topic("never")}, 0x0B0B);
    ASSERT_TRUE(r.as<codec::unsuback_packet>()) << mismatch("S→C UNSUBACK B0 .. 0B0B", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C UNSUBACK of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.11.2-1] No Reason String that would make the UNSUBACK exceed the client's
// Maximum Packet Size (16 bytes).
TEST_F(V5Unsuback, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.11.2-1");
  check_small_unsuback();
}

// [MQTT-3.11.2-2] No User Property that would make the UNSUBACK exceed the client's
// Maximum Packet Size (16 bytes).
TEST_F(V5Unsuback, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.11.2-2");
  check_small_unsuback();
}

// [MQTT-3.11.3-1] UNSUBACK reason codes follow filter order (one existed, one did not:
// 0x00 Success then 0x11 No subscription existed).
TEST_F(V5Unsuback, UnsubackReasonsInFilterOrder) {
  statement("MQTT-3.11.3-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, topic("had"), codec::qos::at_most_once));
  auto r = send_unsubscribe(*c, {topic("never"), topic("had")}, 3);
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C UNSUBACK", r);
  EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{0x11, 0x00}))
      << mismatch("S→C UNSUBACK B0 .. 0003 00 11 00", r);
}

// [MQTT-3.11.3-2] Every UNSUBACK reason code is one of the Unsubscribe Reason Codes:
// existing, missing, wildcard and shared filters.
TEST_F(V5Unsuback, ReasonCodesAreUnsubscribeReasonCodes) {
  statement("MQTT-3.11.3-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, topic_prefix() + "/#", codec::qos::at_most_once));
  auto r = send_unsubscribe(*c,
                            {topic_prefix() + "/#", topic("never"), topic_prefix() + "/+/x",
                             "$share/mqttcert/" + topic("s")},
                            4);
  const auto* ack = r.as<codec::unsuback_packet>();
  ASSERT_TRUE(ack && ack->reasons.size() == 4) << mismatch("S→C UNSUBACK with 4 reason codes", r);
  for (auto rc : ack->reasons)
    EXPECT_TRUE(is_unsubscribe_reason(rc))
        << mismatch("S→C UNSUBACK whose codes are all in the Unsubscribe Reason Code table", r);
}
