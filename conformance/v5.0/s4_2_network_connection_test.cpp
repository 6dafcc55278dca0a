// 4.2 Network Connections: the transport is an ordered, lossless byte stream both ways.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5NetworkConnection : public v5_test {};

// [MQTT-4.2-1] Fifty QoS 0 PUBLISHes written in one go, the middle one 48 KiB, arrive at
// a subscriber complete and in order.
TEST_F(V5NetworkConnection, PipelinedPublishesArriveWholeAndInOrder) {
  statement("MQTT-4.2-1");
  const std::string t = topic("stream");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  std::vector<std::string> payloads;
  codec::byte_buffer bytes;
  for (int i = 0; i < 50; ++i) {
    std::string body = "m" + std::to_string(i);
    if (i == 25)
      for (int k = 0; k < 48 * 1024; ++k) body += static_cast<char>('a' + (k * 7) % 26);
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes(body);
    auto one = codec::encode_packet(p, version());
    bytes.insert(bytes.end(), one.begin(), one.end());
    payloads.push_back(std::move(body));
  }
  pub->send_bytes(bytes);
  for (const auto& want : payloads) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
    ASSERT_EQ(got.payload, payload_bytes(want)) << "message lost, damaged or out of order";
  }
}
