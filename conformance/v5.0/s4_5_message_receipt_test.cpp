// 4.5 Message receipt: a message the server has taken ownership of goes into the session
// state of every matching subscriber, connected or not.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5MessageReceipt : public v5_test {};

// [MQTT-4.5.0-1] Once PUBACK has been sent, the message is in the session of each matching
// subscriber: a connected one receives it, and one whose session is kept while it is
// offline receives it when it resumes.
TEST_F(V5MessageReceipt, MessageAddedToEveryMatchingSession) {
  statement("MQTT-4.5.0-1");
  const std::string t = topic("m");
  const std::string offline_id = client_id("off");
  {
    auto off = open_client("off");
    ASSERT_TRUE(off);
    connect_options o;
    o.client_id = offline_id;
    o.props.session_expiry_interval = broker_seconds(30s);
    ASSERT_TRUE(connect_session(*off, o));
    ASSERT_TRUE(subscribe(*off, topic_prefix() + "/+", codec::qos::at_least_once));
    disconnect(*off);
  }
  auto online = connect_client("on");
  ASSERT_TRUE(online);
  ASSERT_TRUE(subscribe(*online, t, codec::qos::at_least_once));
  auto pub = connect_publisher(t, "owned", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*online, &got)) << "the connected subscriber got nothing";
  EXPECT_EQ(got.payload, payload_bytes("owned"));
  auto back = open_client("off2");
  ASSERT_TRUE(back);
  connect_options o;
  o.client_id = offline_id;
  o.clean_start = false;
  o.props.session_expiry_interval = broker_seconds(30s);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*back, o, &ack));
  ASSERT_TRUE(ack.session_present) << "CONNACK Session Present 0: the session was not kept";
  ASSERT_TRUE(receive_publish(*back, &got)) << "the offline subscriber's session lacks the message";
  EXPECT_EQ(got.topic, t);
  EXPECT_EQ(got.payload, payload_bytes("owned"));
  // Clean Start with expiry 0 discards the session on the broker.
  disconnect(*back);
  auto end = open_client("end");
  ASSERT_TRUE(end);
  connect_options e;
  e.client_id = offline_id;
  ASSERT_TRUE(connect_session(*end, e));
  disconnect(*end);
}
