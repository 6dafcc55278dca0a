// 4.1 Session State: kept while the connection is open, discarded once the connection is
// closed and the Session Expiry Interval has passed. Intervals are in broker seconds and
// waits scale with the profile's time_scale.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5SessionState : public v5_test {
 protected:
  connect_options session(std::string id, bool clean_start, std::uint32_t expiry) {
    connect_options o;
    o.client_id = std::move(id);
    o.clean_start = clean_start;
    o.keep_alive = 0;  // the waits below must not trip Keep Alive
    o.props.session_expiry_interval = expiry;
    return o;
  }
};

// [MQTT-4.1.0-1] The session is not discarded while its connection is open, even well
// past its Session Expiry Interval: the subscription still delivers.
TEST_F(V5SessionState, SessionKeptWhileConnectionOpen) {
  statement("MQTT-4.1.0-1");
  const std::uint32_t expiry = broker_seconds(500ms);
  const std::string t = topic("t");
  auto c = connect_client("c", session(client_id("c"), true, expiry));
  ASSERT_TRUE(c);
  ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
  auto quiet = c->expect_no_packet(real_time(std::chrono::milliseconds(2000 * expiry)));
  ASSERT_EQ(quiet.status, recv_status::timeout) << mismatch("the connection stays open", quiet);
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(receive_publish(*c, nullptr))
      << "the subscription was lost while the connection was open";
}

// [MQTT-4.1.0-2] Once the connection is closed and the Session Expiry Interval (about
// 0.5 s) has passed, the session is gone: Session Present 0 and no old subscription.
TEST_F(V5SessionState, SessionDiscardedAfterExpiry) {
  statement("MQTT-4.1.0-2");
  const std::uint32_t expiry = broker_seconds(500ms);
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = connect_client("old", session(id, true, expiry));
    ASSERT_TRUE(c);
    ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
    disconnect(*c);
  }
  // One broker second on top for expiry timers that tick once a second.
  let_broker_time_pass(std::chrono::milliseconds(1000 * expiry) + 1000ms);
  codec::connack_packet ack;
  auto c = connect_client("new", session(id, false, 0), &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.session_present) << "Session Present 1 after the session expired";
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH from the expired session", r);
}

// [MQTT-4.1.0-2] A DISCONNECT can lower the Session Expiry Interval (3.14.2.2.2: "If the
// Session Expiry Interval is absent, the Session Expiry Interval in the CONNECT packet is
// used"): CONNECT with 300 s, DISCONNECT with 0 ends the session with the connection.
TEST_F(V5SessionState, DisconnectWithExpiryZeroEndsSession) {
  statement("MQTT-4.1.0-2");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = connect_client("old", session(id, true, 300));
    ASSERT_TRUE(c);
    ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
    codec::disconnect_packet d;
    d.props.session_expiry_interval = 0;
    c->send_packet(d);
    // It SHOULD close (3.14.4); waiting also has the DISCONNECT read before the reconnect.
    c->expect_close();
  }
  codec::connack_packet ack;
  auto c = connect_client("new", session(id, false, 0), &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.session_present)
      << "Session Present 1 for a session whose DISCONNECT set Session Expiry Interval 0";
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH from the ended session", r);
}

// [MQTT-4.1.0-2] Session Expiry Interval 0 (or absent) ends the session with the
// connection.
TEST_F(V5SessionState, ZeroExpirySessionEndsWithConnection) {
  statement("MQTT-4.1.0-2");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = connect_client("old", session(id, true, 0));
    ASSERT_TRUE(c);
    ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
    disconnect(*c);
  }
  codec::connack_packet ack;
  auto c = connect_client("new", session(id, false, 0), &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.session_present) << "Session Present 1 for a session with expiry 0";
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH from the ended session", r);
}
