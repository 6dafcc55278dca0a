// 3.9 SUBACK: reason codes in filter order and from the SUBACK table, and optional
// Reason String / User Properties within the client's Maximum Packet Size. The Packet
// Identifier and one-code-per-filter rules (3.8.4-x) are in s3_8.
#include <algorithm>
#include <array>

#include "conformance/harness/s3_9_suback_checks.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {
// Table 3-8, Subscribe Reason Codes.
constexpr std::array<std::uint8_t, 12> subscribe_reasons{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                                         0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr std::uint32_t small_packet_limit = 16;
}  // namespace

class V5Suback : public suback_checks<v5_test> {
 protected:
  static bool is_subscribe_reason(std::uint8_t r) {
    return std::count(subscribe_reasons.begin(), subscribe_reasons.end(), r) == 1;
  }
  // check_small_suback subscribes, with Maximum Packet Size 16, to a shared subscription
  // filter: granted, or refused (perhaps with an explanation) by a broker without them.
  void check_small_suback() {
    connect_options o;
    o.props.maximum_packet_size = small_packet_limit;
    auto c = connect_client("sub", o);
    ASSERT_TRUE(c);
    auto r = send_subscribe(*c, {{"$share/mqttcert/" + topic("s"), {}}}, 0x0909);
    ASSERT_TRUE(r.as<codec::suback_packet>()) << mismatch("S→C SUBACK 90 .. 0909", r);
    EXPECT_LE(r.bytes.size(), small_packet_limit)
        << mismatch("S→C SUBACK of at most 16 bytes (the client's Maximum Packet Size)", r);
  }
};

// [MQTT-3.9.2-1] No Reason String that would make the SUBACK exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Suback, ReasonStringRespectsMaximumPacketSize) {
  statement("MQTT-3.9.2-1");
  check_small_suback();
}

// [MQTT-3.9.2-2] No User Property that would make the SUBACK exceed the client's Maximum
// Packet Size (16 bytes).
TEST_F(V5Suback, UserPropertiesRespectMaximumPacketSize) {
  statement("MQTT-3.9.2-2");
  check_small_suback();
}

// [MQTT-3.9.3-1] SUBACK reason codes follow the order of the filters (here each filter
// asks a different QoS, so the granted QoS shows the order).
TEST_F(V5Suback, SubackReasonsInFilterOrder) {
  statement("MQTT-3.9.3-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  check_codes_follow_filter_order();
}

// [MQTT-3.9.3-2] Every SUBACK reason code is one of the Subscribe Reason Codes, for plain,
// wildcard, shared and QoS 2 filters alike.
TEST_F(V5Suback, ReasonCodesAreSubscribeReasonCodes) {
  statement("MQTT-3.9.3-2");
  auto c = connect_client("sub");
  ASSERT_TRUE(c);
  auto r = send_subscribe(
      *c,
      {{topic("plain"), {}},
       {topic_prefix() + "/+/w", {.max_qos = codec::qos::at_least_once}},
       {topic_prefix() + "/#", {.max_qos = codec::qos::exactly_once}},
       {"$share/mqttcert/" + topic("s"), {.max_qos = codec::qos::at_least_once}}},
      10);
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack && ack->reasons.size() == 4) << mismatch("S→C SUBACK with 4 reason codes", r);
  for (auto rc : ack->reasons)
    EXPECT_TRUE(is_subscribe_reason(rc))
        << mismatch("S→C SUBACK whose codes are all in the Subscribe Reason Code table", r);
}
