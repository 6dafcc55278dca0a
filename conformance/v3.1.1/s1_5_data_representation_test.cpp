// 1.5 Data representation. Malformed UTF-8 is in data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311DataRepresentation : public v311_test {};

// [MQTT-1.5.3-3] EF BB BF (U+FEFF) in a Topic Name is kept, not stripped.
TEST_F(V311DataRepresentation, ByteOrderMarkInTopicIsKept) {
  statement("MQTT-1.5.3-3");
  const std::string t = topic("\xEF\xBB\xBF" "bom");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.topic, t) << mismatch("PUBLISH topic with EF BB BF kept", got.topic);
}
