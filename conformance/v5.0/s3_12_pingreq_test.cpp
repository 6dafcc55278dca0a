// 3.12 PINGREQ and 3.13 PINGRESP: every PINGREQ is answered. (3.13 has no statement of its
// own.) The reserved-flag row is in data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Pingreq : public v5_test {};

// [MQTT-3.12.4-1] Three PINGREQs sent in one write get three PINGRESPs.
TEST_F(V5Pingreq, EveryPipelinedPingreqAnswered) {
  statement("MQTT-3.12.4-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  c->send_hex("C0 00 C0 00 C0 00");
  for (int i = 0; i < 3; ++i) {
    auto r = c->expect_ack();
    EXPECT_TRUE(r.as<codec::pingresp_packet>())
        << mismatch("S→C PINGRESP D0 00 (" + std::to_string(i + 1) + " of 3)", r);
    if (HasFailure()) return;
  }
}
