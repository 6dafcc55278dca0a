// 3.14 DISCONNECT. Reserved flag bits are a row of data/malformed_packets.json.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Disconnect : public v5_test {};

// [MQTT-3.14.4-3] DISCONNECT 0x00 discards the Will without publishing it, even when the
// client then drops the socket.
TEST_F(V5Disconnect, NormalDisconnectDiscardsWill) {
  statement("MQTT-3.14.4-3");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  connect_options o;
  codec::will_message w;
  w.topic = t;
  w.payload = payload_bytes("gone");
  o.will = w;
  auto c = connect_client("willer", o);
  ASSERT_TRUE(c);
  c->send_packet(codec::disconnect_packet{});
  c->close();
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no Will Message", r);
}
