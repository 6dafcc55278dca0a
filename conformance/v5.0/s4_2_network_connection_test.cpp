// 4.2 Network Connections: the transport is an ordered, lossless byte stream both ways.
#include <algorithm>

#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5NetworkConnection : public v5_test {};

// [MQTT-4.2-1] Fifty QoS 0 PUBLISHes written in one go, the middle one 48 KiB, arrive at
// a subscriber, every one of them whole: the byte stream lost and damaged nothing. The
// order they are forwarded in is the broker's forwarding rule, MQTT-4.6.0-5, checked in
// 4.6, so a broker that reorders fails there and not here too.
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
  std::vector<std::string> got;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    codec::publish_packet p;
    ASSERT_TRUE(receive_publish(*sub, &p, true, 2000ms))
        << "message lost: " << i << " of " << payloads.size() << " arrived";
    got.emplace_back(p.payload.begin(), p.payload.end());
  }
  std::sort(got.begin(), got.end());
  std::sort(payloads.begin(), payloads.end());
  EXPECT_TRUE(got == payloads) << "a message arrived damaged or twice (compared as a set)";
}
