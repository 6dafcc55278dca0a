// 4.5 Message receipt: a message the server owns goes into the session of every client
// with a matching subscription, connected or not.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311MessageReceipt : public v311::session_test {};

// [MQTT-4.5.0-1] One PUBLISH reaches two connected subscribers (exact and wildcard filter)
// and is queued for an offline CleanSession 0 subscriber.
TEST_F(V311MessageReceipt, MessageAddedToEveryMatchingSession) {
  statement("MQTT-4.5.0-1");
  const std::string t = topic("m");
  const std::string offline = session_id("off");
  ASSERT_TRUE(make_session(offline, t));
  auto a = connect_client("exact");
  ASSERT_TRUE(a);
  ASSERT_TRUE(subscribe(*a, t, codec::qos::at_least_once));
  auto b = connect_client("wild");
  ASSERT_TRUE(b);
  ASSERT_TRUE(subscribe(*b, topic_prefix() + "/#", codec::qos::at_least_once));
  auto pub = connect_publisher(t, "all", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(receive_publish(*a, nullptr)) << "exact-filter subscriber missed it";
  EXPECT_TRUE(receive_publish(*b, nullptr)) << "wildcard subscriber missed it";
  auto c = resume(offline, "back");
  ASSERT_TRUE(c);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*c, &got)) << "offline session did not get it";
  EXPECT_EQ(got.payload, payload_bytes("all"));
}
