// 3.2 CONNACK: acknowledge flags, Session Present, refusals.
#include <algorithm>

#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Connack : public v5::session_test {
 protected:
  // make_session leaves a stored session (with a subscription) for `id`.
  ::testing::AssertionResult make_session(const std::string& id) {
    raw_client c("setup", version());
    if (!c.connect(broker())) return ::testing::AssertionFailure() << "cannot connect";
    auto ok = connect_session(c, persistent(id, true));
    if (!ok) return ok;
    ok = subscribe(c, topic("s"), codec::qos::at_least_once);
    if (!ok) return ok;
    disconnect(c);
    return ::testing::AssertionSuccess();
  }
  // reconnect_to_stored_session leaves a stored session for a new ClientID (make_session),
  // then connects "c" to it with Clean Start `clean_start`; `ack` receives the CONNACK.
  ::testing::AssertionResult reconnect_to_stored_session(bool clean_start,
                                                         codec::connack_packet* ack) {
    const std::string id = client_id("s");
    auto ok = make_session(id);
    if (!ok) return ok;
    raw_client c("c", version());
    if (!c.connect(broker())) return ::testing::AssertionFailure() << "cannot connect";
    return connect_session(c, persistent(id, clean_start), ack);
  }
  // check_will_refused connects with Will `w` and expects the connection closed, at most
  // after an error CONNACK.
  void check_will_refused(const codec::will_message& w) {
    connect_options o;
    o.client_id = client_id("c");
    o.will = w;
    auto c = send_connect("c", o);
    ASSERT_TRUE(c);
    EXPECT_TRUE(closes_after_error(*c));
  }
  // tiny_limit_connack sends a refused CONNECT (unsupported Authentication Method) that
  // declares Maximum Packet Size 8 and returns what came back: where a broker likes to put
  // a Reason String.
  static received tiny_limit_connack(raw_client& c, const std::string& id) {
    auto o = refused_auth(id);
    o.props.maximum_packet_size = 8;
    c.send_packet(make_connect(codec::protocol_version::v5_0, o));
    return c.expect_packet();
  }
  // check_tiny_limit_connack sends tiny_limit_connack on a new client "c" and runs
  // `check` on the CONNACK that comes back; a close without CONNACK makes the statement
  // not observable (the test skips). Last in a test.
  template <class Check>
  void check_tiny_limit_connack(Check check);
};

// [MQTT-3.2.0-1] The CONNACK comes before any other packet, even when a resumed session
// has queued messages and the client pipelines a PINGREQ behind its CONNECT.
TEST_F(V5Connack, ConnackBeforeAnyOtherPacket) {
  statement("MQTT-3.2.0-1");
  const std::string id = client_id("s");
  ASSERT_TRUE(make_session(id));
  auto pub = connect_publisher(topic("s"), "queued", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  auto bytes = codec::encode_packet(make_connect(version(), persistent(id, false)), version());
  auto ping = codec::encode_packet(codec::pingreq_packet{}, version());
  bytes.insert(bytes.end(), ping.begin(), ping.end());
  auto c = open_client("c");
  ASSERT_TRUE(c);
  c->send_bytes(bytes);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  EXPECT_TRUE(ack && ack->reason == 0) << mismatch("S→C CONNACK 00 first", r);
}

// [MQTT-3.2.0-2] No second CONNACK on a connection: a second CONNECT gets at most an error
// DISCONNECT, then the close.
TEST_F(V5Connack, AtMostOneConnackPerConnection) {
  statement("MQTT-3.2.0-2");
  connect_options o;
  o.client_id = client_id("c");
  auto c = connect_client("c", o);
  ASSERT_TRUE(c);
  c->send_packet(make_connect(version(), o));
  auto obs = c->expect_close();
  const bool second = std::any_of(obs.before.begin(), obs.before.end(), [](const received& r) {
    return r.as<codec::connack_packet>() != nullptr;
  });
  EXPECT_FALSE(second) << mismatch("no second CONNACK", obs);
}

// [MQTT-3.2.2-1] Bits 7-1 of the CONNACK Acknowledge Flags are zero.
TEST_F(V5Connack, AcknowledgeFlagsReservedBitsZero) {
  statement("MQTT-3.2.2-1");
  connect_options o;
  o.client_id = client_id("c");
  auto c = send_connect("c", o);
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  ASSERT_TRUE(r.as<codec::connack_packet>()) << mismatch("S→C CONNACK", r);
  const std::size_t flags_at = (r.bytes[1] & 0x80) ? 3 : 2;  // after a 1- or 2-byte length
  ASSERT_GT(r.bytes.size(), flags_at);
  EXPECT_EQ(r.bytes[flags_at] & 0xFE, 0) << mismatch("CONNACK flags 00 or 01", r);
}

// [MQTT-3.2.2-2] Clean Start 1 is accepted with Session Present 0, even when a session
// existed.
TEST_F(V5Connack, CleanStartGivesSessionPresentZero) {
  statement("MQTT-3.2.2-2");
  codec::connack_packet ack;
  ASSERT_TRUE(reconnect_to_stored_session(true, &ack));
  EXPECT_FALSE(ack.session_present);
}

// [MQTT-3.2.2-3] Clean Start 0 is accepted with Session Present 1 when a session exists.
TEST_F(V5Connack, ResumedSessionGivesSessionPresentOne) {
  statement("MQTT-3.2.2-3");
  codec::connack_packet ack;
  ASSERT_TRUE(reconnect_to_stored_session(false, &ack));
  EXPECT_TRUE(ack.session_present) << "Session Present 0 although the session was stored";
}

// [MQTT-3.2.2-3] "Otherwise, it MUST set Session Present to 0": a session whose Session
// Expiry Interval is 0 "ends when the Network Connection is closed" (3.1.2.11.2), and a
// takeover closes the existing connection before the new CONNECT is processed (3.1.4,
// steps 1 and 2; the non-normative comment there: "the original Session is ended on the
// takeover"). So a Clean Start 0 CONNECT that takes it over finds no session. (Found by
// the session/QoS property against NanoMQ, which answers Session Present 1.)
TEST_F(V5Connack, TakeoverOfExpiryZeroSessionGivesSessionPresentZero) {
  statement("MQTT-3.2.2-3");
  const std::string id = client_id("s");
  auto first = open_client("first");
  ASSERT_TRUE(first);
  connect_options o;
  o.client_id = id;
  o.clean_start = false;  // no Session Expiry Interval: 0
  ASSERT_TRUE(connect_session(*first, o));
  ASSERT_TRUE(subscribe(*first, topic("s"), codec::qos::at_least_once));
  codec::connack_packet ack;
  auto second = connect_client("second", persistent(id, false), &ack);
  ASSERT_TRUE(second);
  EXPECT_FALSE(ack.session_present)
      << "Session Present 1, but the taken-over session had Session Expiry Interval 0";
}

// [MQTT-3.2.2-6] A refusing CONNACK (here: unknown Authentication Method) has Session
// Present 0, even when a session exists for the ClientID.
TEST_F(V5Connack, RefusingConnackHasSessionPresentZero) {
  statement("MQTT-3.2.2-6");
  const std::string id = client_id("s");
  ASSERT_TRUE(make_session(id));
  auto o = persistent(id, false);
  o.props.authentication_method = refused_auth(id).props.authentication_method;
  auto c = send_connect("c", o);
  ASSERT_TRUE(c);
  auto r = c->expect_packet();
  const auto* ack = r.as<codec::connack_packet>();
  if (ack == nullptr) {
    // Closing without CONNACK is allowed [MQTT-4.12.0-1]; then there is nothing to check.
    ASSERT_EQ(r.status, recv_status::closed) << mismatch("S→C CONNACK with reason >= 0x80", r);
    MQTT_SKIP("the broker closed without a CONNACK; Session Present is not observable");
  }
  ASSERT_GE(ack->reason, 0x80) << mismatch("S→C CONNACK with reason >= 0x80", r);
  EXPECT_FALSE(ack->session_present) << mismatch("Session Present 0 on a refusal", r);
}

// [MQTT-3.2.2-7] After a CONNACK with reason 0x80 or above the server closes.
TEST_F(V5Connack, RefusingConnackThenClose) {
  statement("MQTT-3.2.2-7");
  check_refused_auth_closes();
}

// [MQTT-3.2.2-8] Every CONNACK reason code is a Connect Reason Code: checked on refusals
// for an unsupported Authentication Method, a reserved CONNECT flag bit and Authentication
// Data without a method.
TEST_F(V5Connack, RefusalReasonCodesAreConnectReasonCodes) {
  statement("MQTT-3.2.2-8");
  std::vector<codec::byte_buffer> attempts;
  auto o = refused_auth(client_id("m"));
  attempts.push_back(codec::encode_packet(make_connect(version(), o), version()));
  o.props.authentication_method.reset();
  auto reserved = codec::encode_packet(make_connect(version(), o), version());
  reserved[9] |= 0x01;  // reserved bit of the Connect Flags [MQTT-3.1.2-3]
  attempts.push_back(reserved);
  o.props.authentication_data = payload_bytes("x");  // data without a method: Protocol Error
  attempts.push_back(codec::encode_packet(make_connect(version(), o), version()));
  int seen = 0;
  for (const auto& bytes : attempts) {
    auto c = open_client("c");
    ASSERT_TRUE(c);
    c->send_bytes(bytes);
    auto r = c->expect_packet();
    if (r.status == recv_status::closed) continue;
    const auto* ack = r.as<codec::connack_packet>();
    ASSERT_TRUE(ack) << mismatch("S→C CONNACK with a Connect Reason Code, or a close", r);
    ++seen;
    EXPECT_TRUE(codec::reason_code_allowed(ack->reason, codec::packet_type::connack))
        << mismatch("a Connect Reason Code (Table 3-1)", r);
  }
  if (seen == 0) MQTT_SKIP("not observable: the broker closed without any CONNACK");
}

// [MQTT-3.2.2-9] The Maximum QoS in CONNACK (2 when absent) is what the broker serves:
// it matches the profile, and PUBLISH at every QoS up to it is accepted.
TEST_F(V5Connack, MaximumQosMatchesWhatTheServerSupports) {
  statement("MQTT-3.2.2-9");
  codec::connack_packet ack;
  auto c = connect_client("c", {}, &ack);
  ASSERT_TRUE(c);
  const int announced = ack.props.maximum_qos.value_or(2);
  EXPECT_EQ(announced, profile().maximum_qos)
      << "CONNACK Maximum QoS " << announced << " (absent means 2); the profile says "
      << int(profile().maximum_qos);
  for (int q = 1; q <= announced; ++q)
    EXPECT_TRUE(publish(*c, topic("q"), "x", static_cast<codec::qos>(q), false,
                        static_cast<std::uint16_t>(q)))
        << "PUBLISH at QoS " << q << " refused although CONNACK allows it";
}

// [MQTT-3.2.2-10] SUBSCRIBE with Requested QoS 0, 1 and 2 is accepted whatever QoS the
// server supports (granted at most its Maximum QoS).
TEST_F(V5Connack, SubscribeAtAnyRequestedQosAccepted) {
  statement("MQTT-3.2.2-10");
  codec::connack_packet ack;
  auto c = connect_client("c", {}, &ack);
  ASSERT_TRUE(c);
  const int announced = ack.props.maximum_qos.value_or(2);
  codec::subscribe_packet s;
  s.packet_id = 7;
  for (int q = 0; q <= 2; ++q)
    s.subscriptions.push_back({topic("q" + std::to_string(q)), {static_cast<codec::qos>(q)}});
  c->send_packet(s);
  auto r = c->expect_ack();
  const auto* sa = r.as<codec::suback_packet>();
  ASSERT_TRUE(sa && sa->reasons.size() == 3) << mismatch("S→C SUBACK with 3 reason codes", r);
  for (auto code : sa->reasons)
    EXPECT_LE(code, announced) << mismatch("granted QoS 0.." + std::to_string(announced), r);
}

// [MQTT-3.2.2-12] A Will QoS above the server's Maximum QoS is refused and the connection
// closed. Only brokers whose profile has maximum_qos below 2 can be checked.
TEST_F(V5Connack, WillQosAboveMaximumRefused) {
  statement("MQTT-3.2.2-12");
  if (profile().maximum_qos >= 2)
    MQTT_SKIP("not applicable: the profile says the broker supports QoS 2");
  codec::will_message w;
  w.topic = topic("will");
  w.qos_level = static_cast<codec::qos>(profile().maximum_qos + 1);
  check_will_refused(w);
}

// [MQTT-3.2.2-13] Will Retain 1 on a server without retained messages is refused and the
// connection closed. Only brokers whose profile has retain_available false can be checked.
TEST_F(V5Connack, WillRetainRefusedWithoutRetainSupport) {
  statement("MQTT-3.2.2-13");
  if (profile().retain_available)
    MQTT_SKIP("not applicable: the profile says the broker supports retained messages");
  codec::will_message w;
  w.topic = topic("will");
  w.retain = true;
  check_will_refused(w);
}

// [MQTT-3.2.2-16] An Assigned Client Identifier is not one any current session uses.
TEST_F(V5Connack, AssignedClientIdentifierIsUnused) {
  statement("MQTT-3.2.2-16");
  MQTT_REQUIRE_FEATURE(profile().zero_length_client_id, "zero-length ClientID");
  auto named = connect_client("named");
  ASSERT_TRUE(named);
  auto c = open_client("anon");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  ASSERT_TRUE(connect_session(*c, connect_options{}, &ack));
  ASSERT_TRUE(ack.props.assigned_client_identifier);
  // The assigned id must not take over a live session: the named client stays connected.
  named->send_packet(codec::pingreq_packet{});
  auto r = named->expect_ack();
  EXPECT_TRUE(r.as<codec::pingresp_packet>()) << mismatch("S→C PINGRESP (still connected)", r);
}

template <class Check>
void V5Connack::check_tiny_limit_connack(Check check) {
  auto c = open_client("c");
  ASSERT_TRUE(c);
  auto r = tiny_limit_connack(*c, client_id("c"));
  if (r.status == recv_status::closed) MQTT_SKIP("not observable: closed without CONNACK");
  const auto* ack = r.as<codec::connack_packet>();
  ASSERT_TRUE(ack) << mismatch("S→C CONNACK", r);
  check(r, *ack);
}

// [MQTT-3.2.2-19] A CONNACK that would exceed the client's Maximum Packet Size carries no
// Reason String.
TEST_F(V5Connack, NoReasonStringPastClientMaximumPacketSize) {
  statement("MQTT-3.2.2-19");
  check_tiny_limit_connack([](const received& r, const codec::connack_packet& ack) {
    EXPECT_TRUE(r.bytes.size() <= 8 || !ack.props.reason_string)
        << mismatch("a CONNACK of at most 8 bytes, or one without Reason String", r);
  });
}

// [MQTT-3.2.2-20] A CONNACK that would exceed the client's Maximum Packet Size carries no
// User Property.
TEST_F(V5Connack, NoUserPropertyPastClientMaximumPacketSize) {
  statement("MQTT-3.2.2-20");
  check_tiny_limit_connack([](const received& r, const codec::connack_packet& ack) {
    EXPECT_TRUE(r.bytes.size() <= 8 || ack.props.user_properties.empty())
        << mismatch("a CONNACK of at most 8 bytes, or one without User Property", r);
  });
}

// [MQTT-3.2.2-22] Without a Server Keep Alive in CONNACK the server applies the client's
// Keep Alive (about 1 s real): a silent connection survives one Keep Alive and is closed
// by 1.5 times it (plus time_margin, as in MQTT-3.1.2-22's test), so a broker that applies
// 2 times or its own value fails.
TEST_F(V5Connack, ClientKeepAliveAppliedWithoutServerKeepAlive) {
  statement("MQTT-3.2.2-22");
  connect_options o;
  o.client_id = client_id("idle");
  const std::uint32_t k = broker_seconds(1000ms);
  o.keep_alive = static_cast<std::uint16_t>(k);
  codec::connack_packet ack;
  auto c = connect_client("idle", o, &ack);
  ASSERT_TRUE(c);
  if (ack.props.server_keep_alive)
    MQTT_SKIP("not applicable: CONNACK has Server Keep Alive " +
              std::to_string(*ack.props.server_keep_alive));
  const std::chrono::milliseconds keep_alive(1000 * k);
  auto early = c->expect_close(scaled_time(keep_alive));
  EXPECT_FALSE(early.closed) << mismatch("still open one Keep Alive (" + std::to_string(k) +
                                             " s on the broker's clock) after CONNACK",
                                         early);
  if (early.closed) return;
  auto obs = c->expect_close(real_time(keep_alive / 2));  // 1.5 × Keep Alive after CONNACK
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("close by 1.5 × Keep Alive (" + std::to_string(3 * k / 2) +
                      " s on the broker's clock) after CONNACK",
                  obs);
}
