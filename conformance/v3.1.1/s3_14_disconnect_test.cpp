// 3.14 DISCONNECT: the Will is discarded. Reserved flags (E1 00) are a row of
// data/malformed_packets.json.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Disconnect : public v311::session_test {};

// [MQTT-3.14.4-3] After DISCONNECT the Will is discarded, even when the client then drops
// the socket instead of waiting for the server to close.
TEST_F(V311Disconnect, DisconnectDiscardsWill) {
  statement("MQTT-3.14.4-3");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto w = connect_client("willer", with_will(t));
  ASSERT_TRUE(w);
  w->send_packet(codec::disconnect_packet{});
  w->close();
  EXPECT_TRUE(silent(*sub, "no Will Message", 500ms));
}

// [MQTT-3.14.4-3] A retained Will is discarded by DISCONNECT too: it is neither published
// nor left as the retained message.
TEST_F(V311Disconnect, DisconnectDiscardsRetainedWill) {
  statement("MQTT-3.14.4-3");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto watcher = watch(t, "watch");
  ASSERT_TRUE(watcher);
  auto w = connect_client("willer", with_will(t, true));
  ASSERT_TRUE(w);
  disconnect(*w);
  EXPECT_TRUE(silent(*watcher, "no Will Message", 500ms));
  auto late = watch(t, "late");
  ASSERT_TRUE(late);
  EXPECT_TRUE(silent(*late, "no retained Will Message"));
}

// [MQTT-3.14.1-1] A DISCONNECT with reserved flag bits set (E1 00) is a protocol
// violation, not a DISCONNECT: the server closes the connection and publishes the Will
// (3.1.2.5 lists "The Server closes the Network Connection because of a protocol error").
// A server that ignored the flags would take it as DISCONNECT and discard the Will, which
// the close alone (the packet-table row) cannot tell.
TEST_F(V311Disconnect, ReservedFlagsDisconnectIsMalformedSoWillIsPublished) {
  statement("MQTT-3.14.1-1");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto w = connect_client("willer", with_will(t));
  ASSERT_TRUE(w);
  w->send_hex("E1 00");
  EXPECT_TRUE(closes_after_error(*w));
  codec::publish_packet got;
  EXPECT_TRUE(receive_publish(*sub, &got, true, real_time(1000ms)))
      << "the Will was not published after the malformed DISCONNECT";
}
