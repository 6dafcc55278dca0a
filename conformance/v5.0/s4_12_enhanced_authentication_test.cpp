// 4.12 Enhanced authentication: what any broker shows without a method, and, when the
// profile names a method and its steps, the exchange itself.
#include "conformance/harness/enhanced_auth.hpp"
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5EnhancedAuthentication : public v5::session_test {};

// [MQTT-4.12.0-1] An Authentication Method the server does not support ends the
// connection (a CONNACK 0x8C or 0x87 may come first).
TEST_F(V5EnhancedAuthentication, UnsupportedMethodClosesConnection) {
  statement("MQTT-4.12.0-1");
  check_refused_auth_closes();
}

// [MQTT-4.12.0-6] Without an Authentication Method in CONNECT, the server sends no AUTH
// and no Authentication Method in CONNACK.
TEST_F(V5EnhancedAuthentication, NoAuthenticationMethodInConnackWhenNoneRequested) {
  statement("MQTT-4.12.0-6");
  codec::connack_packet ack;
  auto c = connect_client("c", {}, &ack);
  ASSERT_TRUE(c);
  EXPECT_FALSE(ack.props.authentication_method) << "CONNACK carries an Authentication Method";
  EXPECT_FALSE(ack.props.authentication_data) << "CONNACK carries Authentication Data";
}

class V5EnhancedAuthenticationExchange : public v5_test {
 protected:
  const std::string& method() const { return profile().authentication_method; }
  // steps is a fresh client side of the profile's exchange (SCRAM computed, or hex).
  std::unique_ptr<auth_client_steps> steps() const { return profile_auth_steps(profile()); }
  // wrong sends "mqttcert-wrong" at every step.
  static std::unique_ptr<auth_client_steps> wrong() {
    return fixed_auth_steps(std::vector<std::string>(8, "6D71747463657274 2D77726F6E67"));
  }
  // exchanged is a client "c" and the CONNECT-time exchange it ran.
  struct exchanged {
    std::unique_ptr<raw_client> c;
    auth_exchange x;
  };
  // exchange opens "c" and runs the CONNECT-time exchange with the profile's method and
  // the client steps `s`; c is null (and a failure recorded) when it cannot connect.
  exchanged exchange(auth_client_steps& s) {
    exchanged e;
    e.c = open_client("c");
    if (!e.c) return e;
    connect_options o;
    o.client_id = client_id("c");
    e.x = run_enhanced_auth(*e.c, o, method(), s);
    return e;
  }
  // authenticated opens a client and completes the profile's exchange; nullptr and a
  // recorded failure unless it ends in CONNACK 0x00.
  std::unique_ptr<raw_client> authenticated() {
    auto [c, x] = exchange(*steps());
    if (!c) return nullptr;
    if (x.connack() && x.connack()->reason == 0) return std::move(c);
    ADD_FAILURE() << mismatch("S→C CONNACK 00 (the profile's steps authenticate)", x.last);
    return nullptr;
  }
  // reauthenticate sends AUTH 0x19 with the method and the first step of `s`, then
  // answers the server's AUTH packets with the rest.
  auth_exchange reauthenticate(raw_client& c, auth_client_steps& s) {
    codec::auth_packet re;
    re.reason = codec::reason_code::re_authenticate;
    re.props.authentication_method = method();
    auto first = s.first();
    if (!first.empty()) re.props.authentication_data = std::move(first);
    c.send_packet(re);
    return continue_enhanced_auth(c, c.expect_packet(), method(), s);
  }
  // close_after expects `x` to have ended the connection: a close, optionally after
  // an error CONNACK / DISCONNECT (the packet that ended the exchange, or later ones).
  close_observation close_after(raw_client& c, const auth_exchange& x) {
    close_observation obs;
    if (x.last.status == recv_status::closed) {
      obs.closed = true;  // closed without CONNACK or DISCONNECT, which the spec allows
      return obs;
    }
    obs = c.expect_close();
    obs.before.insert(obs.before.begin(), x.last);
    return obs;
  }
};

// [MQTT-4.12.0-2] An AUTH the server sends during authentication, asking for more, has
// reason code 0x18 (Continue authentication).
TEST_F(V5EnhancedAuthenticationExchange, ServerChallengeIsContinueAuthentication) {
  statement("MQTT-4.12.0-2");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto [c, x] = exchange(*steps());
  ASSERT_TRUE(c);
  if (x.server_auths.empty())
    MQTT_SKIP("not observable: the profile's method completes without a server AUTH");
  for (const auto& r : x.server_auths)
    EXPECT_EQ(r.as<codec::auth_packet>()->reason, codec::reason_code::continue_authentication)
        << mismatch("S→C AUTH F0 .. 18 (Continue authentication)", r);
}

// [MQTT-4.12.0-4] Authentication the server rejects (wrong data at every step) ends with
// the connection closed, optionally after a CONNACK of 0x80 or above.
TEST_F(V5EnhancedAuthenticationExchange, RejectedAuthenticationClosesConnection) {
  statement("MQTT-4.12.0-4");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto [c, x] = exchange(*wrong());
  ASSERT_TRUE(c);
  if (const auto* ack = x.connack(); ack && ack->reason == 0)
    MQTT_SKIP("not applicable: the method accepted arbitrary Authentication Data");
  close_observation obs = close_after(*c, x);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("CONNACK 0x80 or above (optional), then close", obs);
}

// [MQTT-4.12.0-5] Every server AUTH and the successful CONNACK repeat the CONNECT's
// Authentication Method.
TEST_F(V5EnhancedAuthenticationExchange, ServerRepeatsAuthenticationMethod) {
  statement("MQTT-4.12.0-5");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto [c, x] = exchange(*steps());
  ASSERT_TRUE(c);
  const auto* ack = x.connack();
  ASSERT_TRUE(ack && ack->reason == 0)
      << mismatch("S→C CONNACK 00 (the profile's steps authenticate)", x.last);
  for (const auto& r : x.server_auths)
    EXPECT_EQ(r.as<codec::auth_packet>()->props.authentication_method, method())
        << mismatch("AUTH with Authentication Method '" + method() + "'", r);
  EXPECT_EQ(ack->props.authentication_method, method())
      << mismatch("CONNACK with Authentication Method '" + method() + "'", x.last);
  // No statement makes the server prove itself; a bad proof is reported, not failed.
  if (!x.final_problem.empty()) RecordProperty("auth_final_data", x.final_problem);
}

// [MQTT-4.12.0-5] A re-authentication (AUTH 0x19 with the CONNECT's method) gets server
// AUTH packets that repeat the method, ending in AUTH 0x00 when the steps are right.
TEST_F(V5EnhancedAuthenticationExchange, ReauthenticationRepeatsAuthenticationMethod) {
  statement("MQTT-4.12.0-5");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto c = authenticated();
  ASSERT_TRUE(c);
  auto y = reauthenticate(*c, *steps());
  const auto* done = y.last.as<codec::auth_packet>();
  ASSERT_TRUE(done && done->reason == codec::reason_code::success)
      << mismatch("S→C AUTH 00 (re-authentication complete)", y.last);
  for (const auto& r : y.server_auths)
    EXPECT_EQ(r.as<codec::auth_packet>()->props.authentication_method, method())
        << mismatch("AUTH with Authentication Method '" + method() + "'", r);
  if (!y.final_problem.empty()) RecordProperty("auth_final_data", y.final_problem);
  // The connection carries on.
  c->send_packet(codec::pingreq_packet{});
  auto pong = c->expect_packet();
  EXPECT_TRUE(pong.as<codec::pingresp_packet>()) << mismatch("S→C PINGRESP D0 00", pong);
}

// [MQTT-4.12.1-2] Failed re-authentication (AUTH 0x19 with wrong data) ends with the
// connection closed.
TEST_F(V5EnhancedAuthenticationExchange, FailedReauthenticationClosesConnection) {
  statement("MQTT-4.12.1-2");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto c = authenticated();
  ASSERT_TRUE(c);
  auto y = reauthenticate(*c, *wrong());
  if (const auto* last = y.last.as<codec::auth_packet>(); last && last->reason == codec::reason_code::success)
    MQTT_SKIP("not applicable: the method accepted arbitrary Authentication Data");
  close_observation obs = close_after(*c, y);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("DISCONNECT 0x80 or above (optional), then close", obs);
}
