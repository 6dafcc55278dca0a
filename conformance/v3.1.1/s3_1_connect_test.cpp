// 3.1 CONNECT: CleanSession, the Will, Keep Alive, ClientId rules, validation and takeover.
// Byte-level CONNECT rows (second CONNECT, protocol name and level, reserved flag, empty
// ClientId with CleanSession 0) are in data/malformed_packets.json.
#include <optional>

#include "conformance/harness/s3_1_connect_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Connect : public connect_checks<v311::session_test> {
 protected:
  // connect_bytes encodes a 3.1.1 CONNECT by hand: `flags` as given and each payload field
  // with a two-byte length, so a test can send flag combinations the codec refuses to build.
  static codec::byte_buffer connect_bytes(std::uint8_t flags,
                                          const std::vector<std::string>& fields,
                                          std::uint16_t keep_alive = 60) {
    codec::byte_buffer body = {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, flags,
                               static_cast<std::uint8_t>(keep_alive >> 8),
                               static_cast<std::uint8_t>(keep_alive & 0xFF)};
    for (const auto& f : fields) {
      body.push_back(static_cast<std::uint8_t>(f.size() >> 8));
      body.push_back(static_cast<std::uint8_t>(f.size() & 0xFF));
      body.insert(body.end(), f.begin(), f.end());
    }
    codec::byte_buffer out = {0x10};
    std::size_t n = body.size();
    do {
      std::uint8_t b = n % 128;
      n /= 128;
      out.push_back(n ? (b | 0x80) : b);
    } while (n);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }

  // closes_without_connack expects a close with no packet at all before it.
  static ::testing::AssertionResult closes_without_connack(raw_client& c) {
    auto obs = c.expect_close();
    if (obs.closed && obs.before.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << mismatch("close without CONNACK", obs);
  }

  // retained_on polls with late subscribers (up to 2 s) until a retained message on `t`
  // shows up. A subscriber that was already subscribed when the message was published
  // gets it live, with RETAIN 0 [MQTT-3.3.1-9]; that is not the retained copy, so polling
  // goes on, and it is returned only if no retained copy turns up.
  std::optional<codec::publish_packet> retained_on(const std::string& t) {
    std::optional<codec::publish_packet> live;
    for (int i = 0; i < 10; ++i) {
      auto late = connect_client("late" + std::to_string(i));
      if (!late || !subscribe(*late, t, codec::qos::at_most_once)) return live;
      auto r = late->expect_packet(200ms);
      if (const auto* p = r.as<codec::publish_packet>()) {
        if (p->retain) return *p;
        live = *p;
      }
    }
    return live;
  }
};

// [MQTT-3.1.2-4] CleanSession 0 resumes the stored session: its subscription delivers.
TEST_F(V311Connect, CleanSessionZeroResumesSession) {
  statement("MQTT-3.1.2-4");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  auto c = resume(id, "again");
  ASSERT_TRUE(c);
  check_subscription_delivers(*c, t);
}

// [MQTT-3.1.2-5] QoS 1 and QoS 2 messages for an offline CleanSession 0 client are queued
// and delivered when it reconnects.
TEST_F(V311Connect, OfflineSessionQueuesQosOneAndTwoMessages) {
  statement("MQTT-3.1.2-5");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t, codec::qos::exactly_once));
  auto pub = connect_publisher(t, "q1", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "q2", codec::qos::exactly_once, false, 2));
  auto c = resume(id, "again");
  ASSERT_TRUE(c);
  expect_queued_q1_q2(*c);
}

// [MQTT-3.1.2-6] CleanSession 1 discards the stored session: no delivery through it.
TEST_F(V311Connect, CleanSessionOneDiscardsSession) {
  statement("MQTT-3.1.2-6");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(id, t));
  auto c = connect_client("again", session(id, true));
  ASSERT_TRUE(c);
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(silent(*c, "no PUBLISH (session discarded)"));
}

// [MQTT-3.1.2-6] The CleanSession 1 session is not reused later: a following CleanSession 0
// connection finds no session and no subscription made during the clean one.
TEST_F(V311Connect, CleanSessionStateNotReusedLater) {
  statement("MQTT-3.1.2-6");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  auto clean = connect_client("clean", session(id, true));
  ASSERT_TRUE(clean);
  ASSERT_TRUE(subscribe(*clean, t, codec::qos::at_least_once));
  disconnect(*clean);
  codec::connack_packet ack;
  auto c = resume(id, "again", &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.session_present) << "Session Present 1 after a CleanSession 1 session";
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(silent(*c, "no PUBLISH (subscription of the clean session not reused)"));
}

// [MQTT-3.1.2-7] Retained messages outlive the session that published them.
TEST_F(V311Connect, RetainedMessageSurvivesSessionEnd) {
  statement("MQTT-3.1.2-7");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  {
    auto pub = connect_publisher(t, "kept", codec::qos::at_least_once, true);
    ASSERT_TRUE(pub);
    disconnect(*pub);
  }
  auto sub = connect_subscriber(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got)) << "retained message gone with the session";
  EXPECT_EQ(got.payload, payload_bytes("kept"));
}

// [MQTT-3.1.2-8] The Will is published when the connection drops without DISCONNECT.
TEST_F(V311Connect, WillPublishedWhenConnectionDropped) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  check_will_published_on_drop(t, with_will(t));
}

// [MQTT-3.1.2-8] "The Will Message MUST be published when the Network Connection is
// subsequently closed unless the Will Message has been deleted by the Server on receipt of
// a DISCONNECT Packet": also when the client keeps its session (CleanSession 0). Found by
// mqttcert property.
TEST_F(V311Connect, WillPublishedWhenPersistentSessionConnectionDropped) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto o = with_will(t);
  o.client_id = session_id("willer");
  o.clean_start = false;
  check_will_published_on_drop(t, o, "no Will after a CleanSession 0 client's connection dropped");
}

// [MQTT-3.1.2-8] The Will is published when the server closes the connection because of a
// protocol error (a PUBLISH with QoS 3).
TEST_F(V311Connect, WillPublishedWhenServerClosesOnProtocolError) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto w = connect_client("willer", with_will(t));
  ASSERT_TRUE(w);
  w->send_hex("36 06 0001 74 0001 68");
  ASSERT_TRUE(closes_after_error(*w)) << "setup: QoS 3 PUBLISH did not close the connection";
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, 2000ms));
  EXPECT_EQ(got.payload, payload_bytes("gone"));
}

// [MQTT-3.1.2-10] After DISCONNECT the Will is removed and never published.
TEST_F(V311Connect, WillDiscardedAfterDisconnect) {
  statement("MQTT-3.1.2-10");
  check_will_discarded_after_disconnect("no Will after DISCONNECT");
}

// [MQTT-3.1.2-10] Once published the Will is removed: it is published once, and a later
// connection with the same ClientId and no Will publishes nothing when it drops.
TEST_F(V311Connect, WillRemovedOncePublished) {
  statement("MQTT-3.1.2-10");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto o = with_will(t);
  o.client_id = client_id("willer");
  ASSERT_TRUE(drop_with_will(o));
  ASSERT_TRUE(receive_publish(*sub, nullptr, true, 2000ms));
  connect_options plain;
  plain.client_id = o.client_id;
  auto again = connect_client("again", plain);
  ASSERT_TRUE(again);
  again->close();
  EXPECT_TRUE(silent(*sub, "no second Will Message", 500ms));
}

// [MQTT-3.1.2-12] Without the Will Flag nothing is published when the connection drops.
TEST_F(V311Connect, NoWillFlagNothingPublished) {
  statement("MQTT-3.1.2-12");
  auto sub = connect_subscriber(topic_prefix() + "/#", {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  auto w = connect_client("nowill");
  ASSERT_TRUE(w);
  w->close();
  EXPECT_TRUE(silent(*sub, "no PUBLISH", 500ms));
}

// [MQTT-3.1.2-16] Will Retain 0: the Will is published as a non-retained message (no
// retained copy for a later subscriber).
TEST_F(V311Connect, WillRetainZeroNotRetained) {
  statement("MQTT-3.1.2-16");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(will_after_drop(*sub, with_will(t, false), &got, 2000ms));
  EXPECT_FALSE(got.retain);
  auto late = watch(t, "late");
  ASSERT_TRUE(late);
  EXPECT_TRUE(silent(*late, "no retained Will"));
}

// [MQTT-3.1.2-17] Will Retain 1: the Will is published as a retained message.
TEST_F(V311Connect, WillRetainOneRetained) {
  statement("MQTT-3.1.2-17");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  ASSERT_TRUE(drop_with_will(with_will(t, true)));
  auto got = retained_on(t);
  ASSERT_TRUE(got) << "no retained Will Message within 2 s of the connection dropping";
  EXPECT_TRUE(got->retain);
  EXPECT_EQ(got->payload, payload_bytes("gone"));
}

// [MQTT-3.1.2-24] A silent client is disconnected within one and a half Keep Alive
// periods. Keep Alive is about one real second on the broker's clock (the profile's
// time_scale), so the close must come within about 1.5 s.
TEST_F(V311Connect, SilentClientClosedAfterOneAndHalfKeepAlive) {
  statement("MQTT-3.1.2-24");
  connect_options o;
  const std::uint32_t ka = broker_seconds(1000ms);
  o.keep_alive = static_cast<std::uint16_t>(ka);
  auto c = connect_client("idle", o);
  ASSERT_TRUE(c);
  const auto limit = real_time(std::chrono::milliseconds(ka * 1500));
  auto obs = c->expect_close(limit);
  EXPECT_TRUE(obs.closed && obs.before.empty())
      << mismatch("close within " + std::to_string(limit.count()) + " ms (1.5 x Keep Alive " +
                      std::to_string(ka) + " s on the broker's clock)",
                  obs);
}

// [MQTT-3.1.3-2] The ClientId keys the session: CleanSession 0 with another ClientId finds
// no session and none of its queued messages; the owner's ClientId does.
TEST_F(V311Connect, ClientIdIdentifiesSession) {
  statement("MQTT-3.1.3-2");
  const std::string owner = session_id("own");
  const std::string other = session_id("oth");
  const std::string t = topic("t");
  ASSERT_TRUE(make_session(owner, t));
  auto pub = connect_publisher(t, "mine", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  codec::connack_packet ack;
  auto stranger = resume(other, "stranger", &ack);
  ASSERT_TRUE(stranger);
  EXPECT_FALSE(ack.session_present) << "another ClientId was given a session";
  EXPECT_TRUE(silent(*stranger, "no PUBLISH for another ClientId"));
  auto c = resume(owner, "owner", &ack);
  ASSERT_TRUE(c);
  EXPECT_TRUE(ack.session_present);
  EXPECT_TRUE(receive_publish(*c, nullptr)) << "the owner's queued message is missing";
}

// [MQTT-3.1.3-5] A ClientId of 23 ASCII letters and digits is accepted, and so is one of
// a single character.
TEST_F(V311Connect, OneToTwentyThreeAlphanumericClientIdAccepted) {
  statement("MQTT-3.1.3-5");
  EXPECT_TRUE(connect_client("c23", longest_guaranteed_client_id()));
  // A one-character ClientId may collide with another run; it only has to be accepted.
  connect_options one;
  one.client_id = "q";
  auto c = connect_client("c1", one);
  EXPECT_TRUE(c);
  if (c) disconnect(*c);
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
  EXPECT_TRUE(still_open(*a)) << "the first anonymous client was disconnected";
}

// [MQTT-3.1.3-9] A ClientId outside the guaranteed set (64 bytes with '-', '_' and '.') is
// either accepted, or refused with CONNACK 0x02 and a close.
TEST_F(V311Connect, RefusedClientIdGetsIdentifierRejected) {
  statement("MQTT-3.1.3-9");
  std::string id = client_id("odd") + "-_.";
  while (id.size() < 64) id += "x-";
  auto c = send_connect("c", session(id, true));
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C CONNACK 20 02 00 00 or 20 02 00 02", r);
  if (ack->reason == 0) MQTT_SKIP("not applicable: the broker accepted the ClientID " + id);
  EXPECT_EQ(ack->reason, 0x02) << mismatch("S→C CONNACK 20 02 00 02 (Identifier rejected)", r);
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("close after CONNACK 0x02", obs);
}

// [MQTT-3.1.4-1] A CONNECT that breaks section 3.1 is closed without CONNACK: Password Flag
// without User Name Flag, Will QoS without Will Flag, Will QoS 3, and a User Name Flag with
// no User Name in the payload.
TEST_F(V311Connect, NonConformingConnectClosedWithoutConnack) {
  statement("MQTT-3.1.4-1");
  struct bad_connect {
    const char* what;
    std::uint8_t flags;
    std::vector<std::string> fields;  // after the ClientId
  };
  const std::string t = topic("will");
  const bad_connect cases[] = {
      {"Password Flag 1, User Name Flag 0 [MQTT-3.1.2-22]", 0x42, {"pw"}},
      {"Will Flag 0, Will QoS 1 [MQTT-3.1.2-13]", 0x0A, {}},
      {"Will Flag 1, Will QoS 3 [MQTT-3.1.2-14]", 0x1E, {t, "x"}},
      {"Will Flag 0, Will Retain 1 [MQTT-3.1.2-15]", 0x22, {}},
      {"User Name Flag 1, no User Name [MQTT-3.1.2-19]", 0x82, {}},
  };
  int n = 0;
  for (const auto& bc : cases) {
    auto c = open_client("c" + std::to_string(n));
    ASSERT_TRUE(c);
    std::vector<std::string> fields = {client_id("bad" + std::to_string(n++))};
    fields.insert(fields.end(), bc.fields.begin(), bc.fields.end());
    c->send_bytes(connect_bytes(bc.flags, fields));
    EXPECT_TRUE(closes_without_connack(*c)) << bc.what;
  }
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
  EXPECT_TRUE(still_open(*second)) << "the new connection must stay";
}

// [MQTT-3.1.4-3] CleanSession processing follows validation: a CleanSession 0 takeover
// resumes the session of the connection it replaces (Session Present 1, its subscription
// still delivers).
TEST_F(V311Connect, TakeoverWithCleanSessionZeroKeepsSession) {
  statement("MQTT-3.1.4-3");
  const std::string id = session_id("s");
  const std::string t = topic("t");
  auto first = resume(id, "first");
  ASSERT_TRUE(first);
  ASSERT_TRUE(subscribe(*first, t, codec::qos::at_least_once));
  codec::connack_packet ack;
  auto second = resume(id, "second", &ack);
  ASSERT_TRUE(second);
  check_session_continues(*second, ack, t, "takeover lost the session",
                          "subscription lost in the takeover");
}

// [MQTT-3.1.4-4] A valid CONNECT gets CONNACK with return code 0.
TEST_F(V311Connect, AcceptedConnectGetsReturnCodeZero) {
  statement("MQTT-3.1.4-4");
  connect_options o;
  o.client_id = client_id("c");
  o.username = "user";
  o.password = payload_bytes("secret");
  check_accepted_connect(o, "S→C CONNACK 20 02 00 00");
}

// [MQTT-3.1.4-5] Data pipelined behind a refused CONNECT is not processed: a retained
// PUBLISH and a SUBSCRIBE after a CONNECT refused for an empty ClientId with CleanSession 0
// leave no retained message and get no SUBACK.
TEST_F(V311Connect, DataAfterRefusedConnectIgnored) {
  statement("MQTT-3.1.4-5");
  const std::string t = topic("r");
  clear_retained_at_end(t);
  auto c = send_connect("refused", session("", false));
  ASSERT_TRUE(c);
  c->send_packet(make_publish(t, "ignored", codec::qos::at_most_once, 0, true));
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({t, {}});
  c->send_packet(s);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(ack && ack->reason != 0) << mismatch("S→C CONNACK 20 02 00 02", r);
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("close, no SUBACK", obs);
  auto late = watch(t, "late");
  ASSERT_TRUE(late);
  EXPECT_TRUE(silent(*late, "no retained message from the refused connection"));
}

// [MQTT-4.8.0-1] A PINGREQ before CONNECT is a protocol violation (3.1: the first packet
// "MUST be a CONNECT Packet"): the server closes the connection. A CONNECT sent right after
// it must not be accepted, or the server went on instead of closing (a server that drops
// the stray packet and waits for CONNECT passes a close-only check once its CONNECT
// timeout ends).
TEST_F(V311Connect, PacketBeforeConnectClosesWithoutAcceptingConnect) {
  statement("MQTT-4.8.0-1");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_hex("C0 00");  // PINGREQ: well formed in every version, but not CONNECT
  c->send_packet(make_connect(version(), session(client_id("c"), true)));
  auto obs = c->expect_close();
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("close, with no CONNACK accepting the later CONNECT", obs);
}
