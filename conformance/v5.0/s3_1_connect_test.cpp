// 3.1 CONNECT: sessions (Clean Start), the Will, Keep Alive, ClientID rules and the
// server's handling of an accepted CONNECT. Malformed CONNECTs are table rows.
#include "conformance/harness/s3_1_connect_checks.hpp"
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Connect : public connect_checks<v5::session_test> {
 protected:
  // subscribed_session connects `label` with a persistent session for `id` (Clean Start 1)
  // and subscribes it to `t` at `q`; nullptr after a recorded setup failure.
  std::unique_ptr<raw_client> subscribed_session(std::string_view label, const std::string& id,
                                                 const std::string& t,
                                                 codec::qos q = codec::qos::at_least_once) {
    auto c = connect_client(label, persistent(id, true));
    if (c && !subscribe(*c, t, q)) {
      ADD_FAILURE() << "setup: cannot subscribe to " << t;
      return nullptr;
    }
    return c;
  }
  // leave_session is subscribed_session(label, id, t) ended by a normal DISCONNECT: the
  // session of `id`, subscribed to `t` at QoS 1, stays on the broker.
  ::testing::AssertionResult leave_session(const std::string& id, const std::string& t,
                                           std::string_view label = "old") {
    auto c = subscribed_session(label, id, t);
    if (!c) return ::testing::AssertionFailure() << "setup: no session left for " << id;
    disconnect(*c);
    return ::testing::AssertionSuccess();
  }
  // reconnect opens `label` and connects it with persistent(id, clean_start); `ack`
  // receives the CONNACK. nullptr after a recorded setup failure.
  std::unique_ptr<raw_client> reconnect(std::string_view label, const std::string& id,
                                        bool clean_start, codec::connack_packet* ack = nullptr) {
    auto c = open_client(label);
    if (!c) return nullptr;
    if (auto ok = connect_session(*c, persistent(id, clean_start), ack); !ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return nullptr;
    }
    return c;
  }
  // connect_bytes encodes a CONNECT for this test's version from `o`.
  codec::byte_buffer connect_bytes(const connect_options& o) {
    return codec::encode_packet(make_connect(version(), o), version());
  }
};

// [MQTT-3.1.0-2] A second CONNECT on a connection is a Protocol Error: the server closes
// the connection (a DISCONNECT 0x82 may come first, never a second CONNACK).
TEST_F(V5Connect, SecondConnectClosesConnection) {
  statement("MQTT-3.1.0-2");
  connect_options o;
  o.client_id = client_id("twice");
  auto c = connect_client("twice", o);
  ASSERT_TRUE(c);
  c->send_packet(make_connect(version(), o));
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.1.2-4] Clean Start 1 discards the existing session: Session Present is 0 and
// the old subscription no longer delivers.
TEST_F(V5Connect, CleanStartDiscardsExistingSession) {
  statement("MQTT-3.1.2-4");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  ASSERT_TRUE(leave_session(id, t));
  codec::connack_packet ack;
  auto c = reconnect("new", id, true, &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.session_present) << "CONNACK Session Present is 1 after Clean Start 1";
  auto pub = connect_publisher(t, "x", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
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
  ASSERT_TRUE(leave_session(id, t));
  auto c = reconnect("new", id, false);
  ASSERT_TRUE(c);
  check_subscription_delivers(*c, t);
}

// [MQTT-3.1.2-6] Clean Start 0 with no existing session starts a new one (Session
// Present 0, connection accepted).
TEST_F(V5Connect, CleanStartZeroWithoutSessionStartsNewOne) {
  statement("MQTT-3.1.2-6");
  codec::connack_packet ack;
  ASSERT_TRUE(reconnect("c", client_id("fresh"), false, &ack));
  EXPECT_FALSE(ack.session_present) << "Session Present 1 for a ClientID never seen";
}

// [MQTT-3.1.2-7] The server stores the Will Message as sent: when it is published it has
// the Will Topic, Will Payload, Will QoS and Will Properties of the CONNECT.
TEST_F(V5Connect, WillStoredWithItsQosPayloadAndProperties) {
  statement("MQTT-3.1.2-7");
  const std::string t = topic("will");
  auto sub = watch(t, codec::qos::at_least_once);
  ASSERT_TRUE(sub);
  auto o = with_will(t, false);
  o.will->qos_level = codec::qos::at_least_once;
  o.will->props.content_type = "text/x-mqttcert";
  o.will->props.payload_format_indicator = 1;
  codec::publish_packet got;
  ASSERT_TRUE(will_after_drop(*sub, o, &got, real_time(1000ms)));
  EXPECT_EQ(got.topic, t);
  EXPECT_EQ(got.payload, payload_bytes("gone"));
  EXPECT_EQ(got.qos_level, codec::qos::at_least_once) << "Will QoS 1 not kept";
  EXPECT_EQ(got.props.content_type, std::optional<std::string>("text/x-mqttcert"))
      << "Will Content Type not kept";
  EXPECT_EQ(got.props.payload_format_indicator, std::optional<std::uint8_t>(1))
      << "Will Payload Format Indicator not kept";
}

// [MQTT-3.1.2-8] The Will Message is published when the connection ends without a
// DISCONNECT (here: the client just closes the socket; Will Delay 0).
TEST_F(V5Connect, WillPublishedWhenConnectionDropped) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  check_will_published_on_drop(t, with_will(t, false));
}

// [MQTT-3.1.2-8] "The Will Message MUST be published after the Network Connection is
// subsequently closed and either the Will Delay Interval has elapsed or the Session ends":
// with Will Delay 0 at once, also for a client that resumes sessions (Clean Start 0,
// Session Expiry 300 s). Found by mqttcert property.
TEST_F(V5Connect, WillPublishedWhenCleanStartZeroConnectionDropped) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto o = persistent(client_id("willer"), false);
  o.will = with_will(t, false).will;
  check_will_published_on_drop(
      t, o, "no Will after a Clean Start 0 client's connection dropped (Will Delay 0)");
}

// [MQTT-3.1.2-8] With a Will Delay Interval, the Will is published once the delay has
// passed after the connection dropped, and not before.
TEST_F(V5Connect, WillPublishedAfterWillDelayInterval) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  const std::uint32_t delay = broker_seconds(1000ms);
  auto o = persistent(client_id("willer"), true);
  o.will = with_will(t, false).will;
  o.will->props.will_delay_interval = delay;
  ASSERT_TRUE(drop_with_will(o));
  const auto delay_ms = std::chrono::milliseconds(1000 * delay);
  auto early = sub->expect_no_packet(scaled_time(delay_ms) / 2);
  EXPECT_EQ(early.status, recv_status::timeout)
      << mismatch("no Will during the first half of the Will Delay Interval (" +
                      std::to_string(delay) + " s)",
                  early);
  codec::publish_packet got;
  EXPECT_TRUE(receive_publish(*sub, &got, true, real_time(delay_ms + 1000ms)))
      << "the Will was not published after its Will Delay Interval of " << delay << " s";
}

// [MQTT-3.1.2-8] The Will is published when the session ends, even if its Will Delay
// Interval is longer (Session Expiry about 1 s, Will Delay 1 hour).
TEST_F(V5Connect, WillPublishedWhenSessionEndsBeforeWillDelay) {
  statement("MQTT-3.1.2-8");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  const std::uint32_t expiry = broker_seconds(1000ms);
  auto o = with_will(t, false);
  o.client_id = client_id("willer");
  o.props.session_expiry_interval = expiry;
  o.will->props.will_delay_interval = 3600;
  ASSERT_TRUE(drop_with_will(o));
  codec::publish_packet got;
  EXPECT_TRUE(receive_publish(*sub, &got, true,
                              real_time(std::chrono::milliseconds(1000 * expiry) + 1000ms)))
      << "the Will was not published when the session expired after " << expiry << " s";
}

// [MQTT-3.1.2-14] A Will with Will Retain 0 is published with RETAIN 0 (seen through a
// Retain As Published subscription, which shows the flag as published).
TEST_F(V5Connect, WillRetainZeroPublishedNotRetained) {
  statement("MQTT-3.1.2-14");
  const std::string t = topic("will");
  auto sub = connect_subscriber(t, {.retain_as_published = true});
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(will_after_drop(*sub, with_will(t, false), &got, 2000ms));
  EXPECT_FALSE(got.retain) << "Will published with RETAIN 1 although Will Retain was 0";
}

// [MQTT-3.1.2-15] A Will with Will Retain 1 is published as a retained message.
TEST_F(V5Connect, WillRetainOnePublishedRetained) {
  statement("MQTT-3.1.2-15");
  MQTT_REQUIRE_FEATURE(profile().retain_available, "retain");
  const std::string t = topic("will");
  clear_retained_at_end(t);
  auto sub = connect_subscriber(t, {.retain_as_published = true});
  ASSERT_TRUE(sub);
  codec::publish_packet got;
  ASSERT_TRUE(will_after_drop(*sub, with_will(t, true), &got, 2000ms));
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
  check_will_discarded_after_disconnect("no Will after DISCONNECT 0x00");
}

// [MQTT-3.1.2-22] With Keep Alive 1 s and a silent client, the server closes the
// connection after 1.5 s (the Server Keep Alive if CONNACK gives one); one broker second of
// timer granularity is allowed on top.
TEST_F(V5Connect, SilentClientClosedAfterOneAndHalfKeepAlive) {
  statement("MQTT-3.1.2-22");
  // The same bound as 3.1.1's test: a Keep Alive of about 1 s real, closed within 1.5
  // times it plus time_margin, so a broker that waits 2 times fails.
  connect_options o;
  o.client_id = client_id("idle");
  o.keep_alive = static_cast<std::uint16_t>(broker_seconds(1000ms));
  codec::connack_packet ack;
  auto c = connect_client("idle", o, &ack);
  ASSERT_TRUE(c);
  const std::uint16_t k = ack.props.server_keep_alive.value_or(o.keep_alive);
  if (k == 0) MQTT_SKIP("not applicable: CONNACK Server Keep Alive 0 turns Keep Alive off");
  const auto limit = real_time(std::chrono::milliseconds(1500 * k));
  auto obs = c->expect_close(limit);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("close within 1.5 × Keep Alive " + std::to_string(k) + " s on the broker's "
                      "clock = " + std::to_string(limit.count()) + " ms real",
                  obs);
}

// [MQTT-3.1.2-23] With Session Expiry Interval > 0 the server keeps the session after the
// connection closes: QoS 1 and QoS 2 messages published meanwhile arrive on resumption.
TEST_F(V5Connect, SessionKeptAfterCloseWithQueuedMessages) {
  statement("MQTT-3.1.2-23");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  {
    auto c = subscribed_session("old", id, t, codec::qos::exactly_once);
    ASSERT_TRUE(c);
    c->close();  // no DISCONNECT: the session must survive a dropped connection too
  }
  auto pub = connect_publisher(t, "q1", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "q2", codec::qos::exactly_once, false, 2));
  codec::connack_packet ack;
  auto c = reconnect("new", id, false, &ack);
  ASSERT_TRUE(c);
  EXPECT_TRUE(ack.session_present) << "Session Present 0: the session was not kept";
  expect_queued_q1_q2(*c);
}

// [MQTT-3.1.2-24] The server never sends a packet larger than the client's Maximum Packet
// Size: a 300-byte message is withheld, the small one after it arrives.
TEST_F(V5Connect, NoPacketLargerThanClientMaximumPacketSize) {
  statement("MQTT-3.1.2-24");
  const std::string t = topic("big");
  connect_options o;
  o.props.maximum_packet_size = 128;
  auto sub = connect_client("sub", o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once));
  auto pub = connect_publisher(t, std::string(300, 'x'));
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "small"));
  for (;;) {
    auto r = sub->expect_packet();
    ASSERT_TRUE(r.is_packet()) << mismatch("S→C PUBLISH 'small'", r);
    EXPECT_LE(r.bytes.size(), 128u) << mismatch("no packet over 128 bytes", r);
    const auto* p = r.as<codec::publish_packet>();
    if (p && p->payload == payload_bytes("small")) break;
  }
}

// [MQTT-3.1.2-25] A QoS 1 message too large for the client is dropped as if delivered: it
// is neither sent nor kept for later, so resuming with a larger limit does not bring it.
TEST_F(V5Connect, TooLargeMessageDroppedAsIfDelivered) {
  statement("MQTT-3.1.2-25");
  const std::string id = client_id("s");
  const std::string t = topic("big");
  auto o = persistent(id, true);
  o.props.maximum_packet_size = 128;
  auto sub = connect_client("sub", o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_publisher(t, std::string(300, 'x'), codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, t, "small", codec::qos::at_least_once, false, 2));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("small")) << "the oversized message was sent";
  disconnect(*sub);
  auto again = reconnect("resume", id, false);
  ASSERT_TRUE(again);
  auto r = again->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("nothing: the oversized message counts as delivered", r);
}

// [MQTT-3.1.2-26] The server never uses a Topic Alias above the client's Topic Alias
// Maximum (2 here), over 4 topics published 3 times each.
TEST_F(V5Connect, TopicAliasNeverAboveClientMaximum) {
  statement("MQTT-3.1.2-26");
  connect_options o;
  o.props.topic_alias_maximum = 2;
  auto sub = connect_client("sub", o);
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, topic_prefix() + "/#", codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(publish(*pub, topic("t" + std::to_string(i)), "x"));
      codec::publish_packet got;
      ASSERT_TRUE(receive_publish(*sub, &got));
      // Each delivery is checked: without a Topic Alias it keeps the rule too.
      EXPECT_TRUE(!got.props.topic_alias ||
                  (*got.props.topic_alias >= 1 && *got.props.topic_alias <= 2))
          << "Topic Alias " << got.props.topic_alias.value_or(0)
          << " sent; the client allows 1..2";
    }
  }
}

// [MQTT-3.1.2-27] A client that sent no Topic Alias Maximum receives no Topic Alias.
TEST_F(V5Connect, NoTopicAliasWithoutClientMaximum) {
  statement("MQTT-3.1.2-27");
  const std::string t = topic("alias");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
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
  codec::connack_packet ack;
  auto c = connect_client("c", o, &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.props.response_information) << "CONNACK carries Response Information";
}

// [MQTT-3.1.2-29] With Request Problem Information 0 the server sends no Reason String or
// User Property on SUBACK, UNSUBACK, PUBACK, PUBREC, PUBCOMP or PINGRESP, even for the
// replies that report something (no subscribers, no subscription, unknown packet id).
TEST_F(V5Connect, NoReasonStringOrUserPropertyWithoutProblemInformation) {
  statement("MQTT-3.1.2-29");
  connect_options o;
  o.props.request_problem_information = 0;
  auto c = connect_client("c", o);
  ASSERT_TRUE(c);
  auto check = [&](const received& r, const char* what) {
    ASSERT_TRUE(r.is_packet()) << mismatch(std::string("S→C ") + what, r);
    std::visit(
        [&](const auto& p) {
          if constexpr (requires { p.props; }) {
            EXPECT_FALSE(p.props.reason_string) << mismatch("no Reason String", r);
            EXPECT_TRUE(p.props.user_properties.empty()) << mismatch("no User Property", r);
          }
        },
        *r.packet);
  };
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({topic("a"), {codec::qos::at_least_once}});
  c->send_packet(s);
  check(c->expect_packet(), "SUBACK");
  codec::unsubscribe_packet u;
  u.packet_id = 2;
  u.filters.push_back(topic("never-subscribed"));
  c->send_packet(u);
  check(c->expect_packet(), "UNSUBACK");
  codec::publish_packet p1;
  p1.topic = topic("nobody");
  p1.qos_level = codec::qos::at_least_once;
  p1.packet_id = 3;
  c->send_packet(p1);
  check(c->expect_packet(), "PUBACK");
  auto p2 = p1;
  p2.qos_level = codec::qos::exactly_once;
  p2.packet_id = 4;
  c->send_packet(p2);
  check(c->expect_packet(), "PUBREC");
  codec::pubrel_packet rel;
  rel.packet_id = 4;
  c->send_packet(rel);
  check(c->expect_packet(), "PUBCOMP");
  rel.packet_id = 99;  // never used: PUBCOMP 0x92 Packet Identifier not found
  c->send_packet(rel);
  check(c->expect_packet(), "PUBCOMP");
  c->send_packet(codec::pingreq_packet{});
  check(c->expect_packet(), "PINGRESP");
}

// [MQTT-3.1.3-2] The ClientID keys the session: resuming client A gets A's subscription
// and not the one client B made.
TEST_F(V5Connect, ClientIdSelectsTheSession) {
  statement("MQTT-3.1.3-2");
  const std::string id_a = client_id("a"), id_b = client_id("b");
  const std::string ta = topic("a"), tb = topic("b");
  for (const auto& [id, t] : {std::pair{id_a, ta}, std::pair{id_b, tb}})
    ASSERT_TRUE(leave_session(id, t, "setup"));
  codec::connack_packet ack;
  auto a = reconnect("a", id_a, false, &ack);
  ASSERT_TRUE(a);
  EXPECT_TRUE(ack.session_present);
  auto pub = connect_publisher(tb, "for-b");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, ta, "for-a"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*a, &got));
  EXPECT_EQ(got.topic, ta) << "client A received a message for client B's subscription";
}

// [MQTT-3.1.3-5] A ClientID of 23 ASCII letters and digits is accepted.
TEST_F(V5Connect, TwentyThreeCharacterAlphanumericClientIdAccepted) {
  statement("MQTT-3.1.3-5");
  auto c = connect_client("c", longest_guaranteed_client_id());
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

// [MQTT-3.1.3-8] A refused ClientID (CONNACK 0x85 or another refusal) is followed by a
// close. Tried: an empty ClientID with Clean Start 0, a 200-character ClientID, and one
// with '/', '#' and a space; ClientIDs the broker accepts say nothing about this statement.
TEST_F(V5Connect, RefusedClientIdThenClose) {
  statement("MQTT-3.1.3-8");
  std::vector<connect_options> tries(3);
  tries[0].clean_start = false;
  tries[0].props.session_expiry_interval = 300;
  tries[1].client_id = client_id("long") + std::string(200, 'k');
  tries[2].client_id = client_id("odd") + "/#x y";
  int refused = 0;
  for (auto& o : tries) {
    auto c = open_client("c");
    ASSERT_TRUE(c);
    c->send_packet(make_connect(version(), o));
    auto r = c->expect_packet();
    const auto* ack = r.as<codec::connack_packet>();
    if (ack && ack->reason == 0) {
      disconnect(*c);
      continue;
    }
    ++refused;
    if (r.status == recv_status::closed) continue;
    EXPECT_TRUE(ack && ack->reason >= 0x80) << mismatch("CONNACK 0x00, or a refusal", r);
    EXPECT_TRUE(closes_after_error(*c)) << "ClientID '" << o.client_id << "' refused";
  }
  if (refused == 0)
    MQTT_SKIP("not applicable: the broker accepted every ClientID tried");
}

// [MQTT-3.1.3-9] Reconnecting to the session before the Will Delay Interval passes
// cancels the Will.
TEST_F(V5Connect, ReconnectBeforeWillDelayCancelsWill) {
  statement("MQTT-3.1.3-9");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  const std::string id = client_id("willer");
  const std::uint32_t delay = broker_seconds(1500ms);
  auto o = persistent(id, true);
  o.will = with_will(t, false).will;
  o.will->props.will_delay_interval = delay;
  ASSERT_TRUE(drop_with_will(o));
  auto back = connect_client("back", persistent(id, false));
  ASSERT_TRUE(back);
  auto r = sub->expect_no_packet(real_time(std::chrono::milliseconds(1000 * delay) + 1000ms));
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("no Will: the session was resumed within the Will Delay Interval", r);
}

// [MQTT-3.1.3-10] The published Will keeps the Will's User Properties in their order.
TEST_F(V5Connect, WillUserPropertyOrderKept) {
  statement("MQTT-3.1.3-10");
  const std::string t = topic("will");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto o = with_will(t, false);
  const std::vector<codec::user_property> sent{
      {"mqttcert-k", "1"}, {"mqttcert-z", "2"}, {"mqttcert-k", "3"}, {"mqttcert-a", "4"}};
  o.will->props.user_properties = sent;
  codec::publish_packet got;
  ASSERT_TRUE(will_after_drop(*sub, o, &got, real_time(1000ms)));
  std::vector<codec::user_property> ours;
  for (const auto& up : got.props.user_properties)
    if (up.name.rfind("mqttcert-", 0) == 0) ours.push_back(up);
  EXPECT_EQ(ours, sent) << "Will User Properties lost or reordered";
}

// [MQTT-3.1.4-1] A CONNECT that breaks the format of 3.1 (Will QoS 1 with Will Flag 0,
// [MQTT-3.1.2-11]) is not accepted: the connection closes.
TEST_F(V5Connect, MalformedConnectFlagsCloseConnection) {
  statement("MQTT-3.1.4-1");
  connect_options o;
  o.client_id = client_id("c");
  auto bytes = connect_bytes(o);
  // Fixed header (1 + 1-byte length), protocol name (6), level (1), then the flags.
  ASSERT_LT(bytes[1], 0x80);
  bytes[9] |= 0x08;  // Will QoS 1 without the Will Flag
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_bytes(bytes);
  EXPECT_TRUE(closes_after_error(*c));
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

// [MQTT-3.1.4-3] On takeover the server tells the old connection why: DISCONNECT 0x8E
// (Session taken over), then the close. The close is the MUST; the DISCONNECT is described
// behaviour, so this is SHOULD-level.
TEST_F(V5Connect, TakeoverSendsDisconnectSessionTakenOver) {
  statement("MQTT-3.1.4-3");
  should();
  connect_options o;
  o.client_id = client_id("dup");
  auto first = connect_client("first", o);
  ASSERT_TRUE(first);
  auto second = connect_client("second", o);
  ASSERT_TRUE(second);
  auto obs = first->expect_close();
  EXPECT_TRUE(obs.closed && obs.first_reason() == 0x8E)
      << mismatch("S→C DISCONNECT E0 .. 8E (Session taken over), then close", obs);
}

// [MQTT-3.1.4-4] A takeover with Clean Start 0 applies Clean Start processing: the session
// continues (Session Present 1) and its subscription delivers to the new connection.
TEST_F(V5Connect, TakeoverWithCleanStartZeroContinuesSession) {
  statement("MQTT-3.1.4-4");
  const std::string id = client_id("s");
  const std::string t = topic("t");
  auto first = subscribed_session("first", id, t);
  ASSERT_TRUE(first);
  codec::connack_packet ack;
  auto second = reconnect("second", id, false, &ack);
  ASSERT_TRUE(second);
  check_session_continues(*second, ack, t, "Session Present 0 on a Clean Start 0 takeover", "");
}

// [MQTT-3.1.4-5] An accepted CONNECT is answered by CONNACK with reason code 0x00.
TEST_F(V5Connect, AcceptedConnectGetsSuccessConnack) {
  statement("MQTT-3.1.4-5");
  connect_options o;
  o.client_id = client_id("c");
  check_accepted_connect(o, "S→C CONNACK 20 .. 00 00 ..");
}

// [MQTT-3.1.4-6] Data sent right after a CONNECT the server refuses is not processed: a
// PUBLISH pipelined behind a CONNECT with an unsupported Authentication Method is never
// delivered.
TEST_F(V5Connect, DataAfterRefusedConnectIgnored) {
  statement("MQTT-3.1.4-6");
  const std::string t = topic("t");
  auto sub = watch(t);
  ASSERT_TRUE(sub);
  auto o = refused_auth(client_id("refused"));
  auto bytes = connect_bytes(o);
  codec::publish_packet p;
  p.topic = t;
  p.payload = payload_bytes("must-not-arrive");
  auto more = codec::encode_packet(p, version());
  bytes.insert(bytes.end(), more.begin(), more.end());
  auto c = open_client("refused");
  ASSERT_TRUE(c);
  c->send_bytes(bytes);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(r.status == recv_status::closed || (ack && ack->reason >= 0x80))
      << mismatch("the CONNECT refused (CONNACK 0x8C or a close)", r);
  auto leak = sub->expect_no_packet();
  EXPECT_EQ(leak.status, recv_status::timeout)
      << mismatch("no PUBLISH: it followed a refused CONNECT", leak);
}

// [MQTT-3.1.4-2] A CONNECT that fails the server's authentication check (here a User Name
// and Password together with an Authentication Method it does not support) is not
// accepted: the connection closes, at most after an error CONNACK.
TEST_F(V5Connect, FailedAuthenticationCheckClosesConnection) {
  statement("MQTT-3.1.4-2");
  auto o = refused_auth(client_id("c"));
  o.username = "mqttcert";
  o.password = payload_bytes("mqttcert-wrong");
  auto c = send_connect("c", o);
  ASSERT_TRUE(c);
  EXPECT_TRUE(closes_after_error(*c));
}
