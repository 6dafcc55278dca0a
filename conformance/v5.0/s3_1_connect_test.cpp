// 3.1 CONNECT: sessions (Clean Start), the Will, Keep Alive, ClientID rules and the
// server's handling of an accepted CONNECT. Malformed CONNECTs are table rows.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Connect : public v5_test {
 protected:
  // persistent returns options for a session that outlives its connection.
  connect_options persistent(std::string id, bool clean_start) {
    connect_options o;
    o.client_id = std::move(id);
    o.clean_start = clean_start;
    o.props.session_expiry_interval = 60;
    return o;
  }
  // will_options returns options carrying a Will Message to `t`.
  connect_options with_will(std::string t, bool retain) {
    connect_options o;
    codec::will_message w;
    w.topic = std::move(t);
    w.payload = payload_bytes("gone");
    w.retain = retain;
    o.will = w;
    return o;
  }
};

// [MQTT-3.1.2-4] Clean Start 1 discards the existing session: Session Present is 0 and
// the old subscription no longer delivers.
TEST_F(V5Connect, CleanStartDiscardsExistingSession) {
  statement("MQTT-3.1.2-4");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = connect_client("old", persistent(id, true));
    ASSERT_TRUE(c);
    ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
    disconnect(*c);
  }
  auto c = open_client("new");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, persistent(id, true), &ack));
  EXPECT_FALSE(ack.session_present) << "CONNACK Session Present is 1 after Clean Start 1";
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("no PUBLISH (the old subscription was discarded)", r);
}

// [MQTT-3.1.2-5] Clean Start 0 with an existing session resumes it: the subscription made
// on the earlier connection still delivers.
TEST_F(V5Connect, CleanStartZeroResumesSession) {
  statement("MQTT-3.1.2-5");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = connect_client("old", persistent(id, true));
    ASSERT_TRUE(c);
    ASSERT_TRUE(subscribe(*c, t, codec::qos::at_least_once));
    disconnect(*c);
  }
  auto c = open_client("new");
  ASSERT_TRUE(c);
  ASSERT_TRUE(connect_session(*c, persistent(id, false)));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  EXPECT_TRUE(receive_publish(*c, nullptr));
}

// [MQTT-3.1.2-6] Clean Start 0 with no existing session starts a new one (Session
// Present 0, connection accepted).
TEST_F(V5Connect, CleanStartZeroWithoutSessionStartsNewOne) {
  statement("MQTT-3.1.2-6");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, persistent(client_id("fresh"), false), &ack));
  EXPECT_FALSE(ack.session_present) << "Session Present 1 for a ClientID never seen";
}

// [MQTT-3.1.2-8] The Will Message is published when the connection ends without a
// DISCONNECT (here: the client just closes the socket; Will Delay 0).
TEST_F(V5Connect, WillPublishedWhenConnectionDropped) {
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

// [MQTT-3.1.2-14] A Will with Will Retain 0 is published with RETAIN 0 (seen through a
// Retain As Published subscription, which shows the flag as published).
TEST_F(V5Connect, WillRetainZeroPublishedNotRetained) {
  statement("MQTT-3.1.2-14");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_options o;
  o.retain_as_published = true;
  ASSERT_TRUE(subscribe(*sub, t, o));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  w->close();
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
  EXPECT_FALSE(got.retain) << "Will published with RETAIN 1 although Will Retain was 0";
}

// [MQTT-3.1.2-15] A Will with Will Retain 1 is published as a retained message.
TEST_F(V5Connect, WillRetainOnePublishedRetained) {
  statement("MQTT-3.1.2-15");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  codec::subscribe_options o;
  o.retain_as_published = true;
  ASSERT_TRUE(subscribe(*sub, t, o));
  auto w = connect_client("willer", with_will(t, true));
  ASSERT_TRUE(w);
  w->close();
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
  EXPECT_TRUE(got.retain) << "Will published with RETAIN 0 although Will Retain was 1";
  // A later subscriber receives it as the retained message.
  auto late = connect_client("late");
  ASSERT_TRUE(late);
  ASSERT_TRUE(subscribe(*late, t, codec::qos::at_most_once));
  codec::publish_packet kept;
  ASSERT_TRUE(receive_publish(*late, &kept));
  EXPECT_TRUE(kept.retain);
  EXPECT_EQ(kept.payload, payload_bytes("gone"));
}

// [MQTT-3.1.2-10] A normal DISCONNECT (0x00) makes the server drop the Will unpublished.
TEST_F(V5Connect, WillDiscardedAfterNormalDisconnect) {
  statement("MQTT-3.1.2-10");
  const std::string t = topic("will");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto w = connect_client("willer", with_will(t, false));
  ASSERT_TRUE(w);
  disconnect(*w);
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no Will after DISCONNECT 0x00", r);
}

// [MQTT-3.1.2-22] With Keep Alive 1 s and a silent client, the server closes the
// connection after 1.5 s (we allow 1 s more for scheduling).
TEST_F(V5Connect, SilentClientClosedAfterOneAndHalfKeepAlive) {
  statement("MQTT-3.1.2-22");
  connect_options o;
  o.keep_alive = 1;
  auto c = connect_client("idle", o);
  ASSERT_TRUE(c);
  auto obs = c->expect_close(2500ms);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("close within 1.5 × Keep Alive (1.5 s, +1 s slack)", obs);
}

// [MQTT-3.1.2-27] A client that sent no Topic Alias Maximum receives no Topic Alias.
TEST_F(V5Connect, NoTopicAliasWithoutClientMaximum) {
  statement("MQTT-3.1.2-27");
  const std::string t = topic("alias");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(publish(*pub, t, "x"));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_FALSE(got.props.topic_alias) << "Topic Alias " << *got.props.topic_alias << " sent";
  }
}

// [MQTT-3.1.2-28] Request Response Information 0: CONNACK has no Response Information.
TEST_F(V5Connect, NoResponseInformationWhenNotRequested) {
  statement("MQTT-3.1.2-28");
  connect_options o;
  o.client_id = client_id("c");
  o.props.request_response_information = 0;
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, o, &ack));
  EXPECT_FALSE(ack.props.response_information) << "CONNACK carries Response Information";
}

// [MQTT-3.1.3-5] A ClientID of 23 ASCII letters and digits is accepted.
TEST_F(V5Connect, TwentyThreeCharacterAlphanumericClientIdAccepted) {
  statement("MQTT-3.1.3-5");
  std::string id = client_id("");
  while (id.size() < 23) id += "Z9";
  id.resize(23);
  connect_options o;
  o.client_id = id;
  auto c = connect_client("c", o);
  EXPECT_TRUE(c);
}

// [MQTT-3.1.3-6] A server that allows an empty ClientID assigns a unique one.
TEST_F(V5Connect, EmptyClientIdGetsUniqueAssignedId) {
  statement("MQTT-3.1.3-6");
  MQTT_REQUIRE_FEATURE(profile().zero_length_client_id, "zero-length ClientID");
  std::vector<std::string> ids;
  std::vector<std::unique_ptr<raw_client>> clients;
  for (int i = 0; i < 2; ++i) {
    auto c = open_client("anon" + std::to_string(i));
    ASSERT_TRUE(c);
    codec::connack_packet ack;
    ASSERT_TRUE(connect_session(*c, connect_options{}, &ack));
    ASSERT_TRUE(ack.props.assigned_client_identifier)
        << "CONNACK has no Assigned Client Identifier";
    ids.push_back(*ack.props.assigned_client_identifier);
    clients.push_back(std::move(c));
  }
  EXPECT_NE(ids[0], ids[1]) << "two connections were assigned the same ClientID";
}

// [MQTT-3.1.3-7] The generated ClientID is returned as Assigned Client Identifier.
TEST_F(V5Connect, EmptyClientIdReturnedAsAssignedClientIdentifier) {
  statement("MQTT-3.1.3-7");
  MQTT_REQUIRE_FEATURE(profile().zero_length_client_id, "zero-length ClientID");
  auto c = open_client("anon");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, connect_options{}, &ack));
  ASSERT_TRUE(ack.props.assigned_client_identifier) << "CONNACK has no Assigned Client Identifier";
  EXPECT_FALSE(ack.props.assigned_client_identifier->empty());
}

// [MQTT-3.1.4-3] A second connection with the same ClientID makes the server close the
// first (a DISCONNECT 0x8E Session taken over may come first).
TEST_F(V5Connect, SameClientIdTakesOverExistingConnection) {
  statement("MQTT-3.1.4-3");
  const std::string id = client_id("dup");
  connect_options o;
  o.client_id = id;
  auto first = connect_client("first", o);
  ASSERT_TRUE(first);
  auto second = connect_client("second", o);
  ASSERT_TRUE(second);
  auto obs = first->expect_close();
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("first connection closed (optionally after DISCONNECT 8E)", obs);
}

// [MQTT-3.1.4-5] An accepted CONNECT is answered by CONNACK with reason code 0x00.
TEST_F(V5Connect, AcceptedConnectGetsSuccessConnack) {
  statement("MQTT-3.1.4-5");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  c->send_packet(make_connect(version(), o));
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  EXPECT_TRUE(ack && ack->reason == 0) << mismatch("S→C CONNACK 20 .. 00 00 ..", r);
}
