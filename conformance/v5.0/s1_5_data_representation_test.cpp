// 1.5 Data representation: UTF-8 strings (1.5.4), Variable Byte Integers (1.5.5) and
// string pairs (1.5.7). Malformed encodings are rows of data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5DataRepresentation : public v5_test {};

// [MQTT-1.5.4-3] A receiver keeps EF BB BF (U+FEFF) as it is: the broker must neither
// strip it when matching nor when forwarding the Topic Name.
TEST_F(V5DataRepresentation, ByteOrderMarkInTopicIsKept) {
  statement("MQTT-1.5.4-3");
  const std::string t = topic("\xEF\xBB\xBF" "bom");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "\xEF\xBB\xBF" "payload"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.topic, t) << mismatch("PUBLISH topic with EF BB BF kept", got.topic);
  EXPECT_EQ(got.payload, payload_bytes("\xEF\xBB\xBF" "payload"));
}
