// 3.1 CONNECT: CleanSession, the Will, Keep Alive, ClientId rules, takeover.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Connect : public v311_test {
 protected:
  connect_options session(std::string id, bool clean) {
    connect_options o;
    o.client_id = std::move(id);
    o.clean_start = clean;
    return o;
  }
  connect_options with_will(std::string t, bool retain) {
    connect_options o;
    codec::will_message w;
    w.topic = std::move(t);
    w.payload = payload_bytes("gone");
    w.retain = retain;
    o.will = w;
    return o;
  }
  // make_session leaves a CleanSession 0 session subscribed (QoS 1) to `t`.
  ::testing::AssertionResult make_session(const std::string& id, const std::string& t) {
    raw_client c("setup", version());
    if (!c.connect(broker())) return ::testing::AssertionFailure() << "cannot connect";
    auto ok = connect_session(c, session(id, false));
    if (!ok) return ok;
    ok = subscribe(c, t, codec::qos::at_least_once);
    if (!ok) return ok;
    disconnect(c);
    return ::testing::AssertionSuccess();
  }
  void TearDown() override {
    // Drop persistent sessions this test created.
    for (const auto& id : sessions_) {
      raw_client c("cleanup", version());
      if (c.connect(broker()) && connect_session(c, session(id, true))) disconnect(c);
    }
    v311_test::TearDown();
  }
  std::string session_id(std::string_view label) {
    sessions_.push_back(client_id(label));
    return sessions_.back();
  }
  std::vector<std::string> sessions_;
};

// [MQTT-3.1.2-4] CleanSession 0 resumes the stored session: its subscription delivers.
TEST_F(V311Connect, CleanSessionZeroResumesSession) {
  statement("MQTT-3.1.2-4");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  auto c = open_client("again");
  ASSERT_TRUE(c);
  ASSERT_TRUE(connect_session(*c, session(id, false)));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  EXPECT_TRUE(receive_publish(*c, nullptr));
}

// [MQTT-3.1.2-5] QoS 1 messages for an offline CleanSession 0 client are queued and
// delivered when it reconnects.
TEST_F(V311Connect, OfflineSessionQueuesQosOneMessages) {
  statement("MQTT-3.1.2-5");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "queued", codec::qos::at_least_once));
  auto c = open_client("again");
  ASSERT_TRUE(c);
  ASSERT_TRUE(connect_session(*c, session(id, false)));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*c, &got));
  EXPECT_EQ(got.payload, payload_bytes("queued"));
}

// [MQTT-3.1.2-6] CleanSession 1 discards the stored session: no delivery through it.
TEST_F(V311Connect, CleanSessionOneDiscardsSession) {
  statement("MQTT-3.1.2-6");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  auto c = open_client("again");
  ASSERT_TRUE(c);
  ASSERT_TRUE(connect_session(*c, session(id, true)));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH (session discarded)", r);
}

// [MQTT-3.1.2-8] The Will is published when the connection drops without DISCONNECT.
TEST_F(V311Connect, WillPublishedWhenConnectionDropped) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  w->close();
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
  EXPECT_EQ(got.payload, payload_bytes("gone"));
}

// [MQTT-3.1.2-10] After DISCONNECT the Will is removed and never published.
TEST_F(V311Connect, WillDiscardedAfterDisconnect) {
  statement("MQTT-3.1.2-10");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  disconnect(*w);
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no Will after DISCONNECT", r);
}

// [MQTT-3.1.2-12] Without the Will Flag nothing is published when the connection drops.
TEST_F(V311Connect, NoWillFlagNothingPublished) {
  statement("MQTT-3.1.2-12");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_options o;
  ASSERT_TRUE(subscribe(*sub, topic_prefix() + "/#", o));
  auto w = connect_client("nowill");
  ASSERT_TRUE(w);
  w->close();
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH", r);
}

// [MQTT-3.1.2-16] Will Retain 0: the Will is published as a non-retained message (no
// retained copy for a later subscriber).
TEST_F(V311Connect, WillRetainZeroNotRetained) {
  statement("MQTT-3.1.2-16");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  w->close();
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
  EXPECT_FALSE(got.retain);
  auto late = connect_client("late");
  ASSERT_TRUE(late);
  ASSERT_TRUE(subscribe(*late, t, codec::qos::at_most_once));
  auto r = late->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained Will", r);
}

// [MQTT-3.1.2-17] Will Retain 1: the Will is published as a retained message.
TEST_F(V311Connect, WillRetainOneRetained) {
  statement("MQTT-3.1.2-17");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto w = connect_client("willer", with_will(t, true));
  ASSERT_TRUE(w);
  w->close();
  // Wait for the broker to notice the close by polling with a late subscriber.
  codec::publish_packet got;
  bool seen = false;
  for (int i = 0; i < 10 && !seen; ++i) {
    auto late = connect_client("late" + std::to_string(i));
    ASSERT_TRUE(late);
    ASSERT_TRUE(subscribe(*late, t, codec::qos::at_most_once));
    auto r = late->expect_packet(200ms);
    if (const auto* p = r.as<codec::publish_packet>()) {
      got = *p;
      seen = true;
    }
  }
  ASSERT_TRUE(seen) << "no retained Will Message within 2 s of the connection dropping";
  EXPECT_TRUE(got.retain);
  EXPECT_EQ(got.payload, payload_bytes("gone"));
}

// [MQTT-3.1.2-24] Keep Alive 1 s and silence: the server closes within 1.5 s (+1 s slack).
TEST_F(V311Connect, SilentClientClosedAfterOneAndHalfKeepAlive) {
  statement("MQTT-3.1.2-24");
  connect_options o;
  o.keep_alive = 1;
  auto c = connect_client("idle", o);
  ASSERT_TRUE(c);
  auto obs = c->expect_close(2500ms);
  EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("close within 1.5 s", obs);
}

// [MQTT-3.1.3-5] A ClientId of 23 ASCII letters and digits is accepted.
TEST_F(V311Connect, TwentyThreeCharacterAlphanumericClientIdAccepted) {
  statement("MQTT-3.1.3-5");
  std::string id = client_id("");
  while (id.size() < 23) id += "Z9";
  id.resize(23);
  connect_options o;
  o.client_id = id;
  EXPECT_TRUE(connect_client("c", o));
}

// [MQTT-3.1.3-6] An empty ClientId with CleanSession 1 is accepted (as a unique client):
// two such clients coexist.
TEST_F(V311Connect, EmptyClientIdWithCleanSessionAccepted) {
  statement("MQTT-3.1.3-6");
  MQTT_REQUIRE_FEATURE(profile().zero_length_client_id, "zero-length ClientId");
  connect_options o;
  auto a = open_client("anon1");
  ASSERT_TRUE(a);
  ASSERT_TRUE(connect_session(*a, o));
  auto b = open_client("anon2");
  ASSERT_TRUE(b);
  ASSERT_TRUE(connect_session(*b, o));
  a->send_packet(codec::pingreq_packet{});
  auto r = a->expect_packet();
  EXPECT_TRUE(r.as<codec::pingresp_packet>()) << mismatch("first anonymous client still connected", r);
}

// [MQTT-3.1.4-2] A second connection with the same ClientId makes the server close the
// first one.
TEST_F(V311Connect, SameClientIdTakesOverExistingConnection) {
  statement("MQTT-3.1.4-2");
  connect_options o;
  o.client_id = client_id("dup");
  auto first = connect_client("first", o);
  ASSERT_TRUE(first);
  auto second = connect_client("second", o);
  ASSERT_TRUE(second);
  auto obs = first->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("first connection closed", obs);
}

// [MQTT-3.1.4-4] A valid CONNECT gets CONNACK with return code 0.
TEST_F(V311Connect, AcceptedConnectGetsReturnCodeZero) {
  statement("MQTT-3.1.4-4");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  c->send_packet(make_connect(version(), o));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  EXPECT_TRUE(ack && ack->reason == 0) << mismatch("S→C CONNACK 20 02 00 00", r);
}

// [MQTT-3.2.0-1] The first packet from the server is CONNACK: a SUBSCRIBE pipelined right
// behind CONNECT is answered only after it.
TEST_F(V311Connect, FirstServerPacketIsConnack) {
  statement("MQTT-3.2.0-1");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  c->send_packet(make_connect(version(), o));
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({topic("x"), {}});
  c->send_packet(s);
  auto r = c->expect_packet();
  EXPECT_TRUE(r.as<codec::connack_packet>()) << mismatch("S→C CONNACK first", r);
}

// [MQTT-3.2.2-1] CleanSession 1 is accepted with Session Present 0.
TEST_F(V311Connect, CleanSessionGivesSessionPresentZero) {
  statement("MQTT-3.2.2-1");
  const std::string id = session_id("s");
  ASSERT_TRUE(make_session(id, topic("t")));
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, session(id, true), &ack));
  EXPECT_FALSE(ack.session_present);
}

// [MQTT-3.2.2-2] CleanSession 0 with stored state gives Session Present 1.
TEST_F(V311Connect, StoredSessionGivesSessionPresentOne) {
  statement("MQTT-3.2.2-2");
  const std::string id = session_id("s");
  ASSERT_TRUE(make_session(id, topic("t")));
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, session(id, false), &ack));
  EXPECT_TRUE(ack.session_present);
}

// [MQTT-3.2.2-3] CleanSession 0 without stored state gives Session Present 0.
TEST_F(V311Connect, NoStoredSessionGivesSessionPresentZero) {
  statement("MQTT-3.2.2-3");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, session(session_id("fresh"), false), &ack));
  EXPECT_FALSE(ack.session_present);
}

// [MQTT-3.2.2-4] A CONNACK with a non-zero return code has Session Present 0 (refusal
// provoked by an empty ClientId with CleanSession 0).
TEST_F(V311Connect, RefusingConnackHasSessionPresentZero) {
  statement("MQTT-3.2.2-4");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_packet(make_connect(version(), session("", false)));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(ack && ack->reason != 0) << mismatch("S→C CONNACK 20 02 00 02", r);
  EXPECT_FALSE(ack->session_present) << mismatch("Session Present 0", r);
}

// [MQTT-3.2.2-5] After a non-zero CONNACK return code the server closes.
TEST_F(V311Connect, RefusingConnackThenClose) {
  statement("MQTT-3.2.2-5");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_packet(make_connect(version(), session("", false)));
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.14.4-3] After DISCONNECT the Will is discarded (checked on a dropped socket).
TEST_F(V311Connect, DisconnectDiscardsWill) {
  statement("MQTT-3.14.4-3");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  w->send_packet(codec::disconnect_packet{});
  w->close();
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no Will Message", r);
}
