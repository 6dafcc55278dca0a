// 4.12 Enhanced authentication: what any broker shows without a method, and, when the
// profile names a method and its steps, the exchange itself.
#include "conformance/harness/conformance_test.hpp"
#include "conformance/harness/enhanced_auth.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5EnhancedAuthentication : public v5_test {};

// [MQTT-4.12.0-1] An Authentication Method the server does not support ends the
// connection (a CONNACK 0x8C or 0x87 may come first).
TEST_F(V5EnhancedAuthentication, UnsupportedMethodClosesConnection) {
  statement("MQTT-4.12.0-1");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  o.props.authentication_method = "mqttcert-unsupported-method";
  c->send_packet(make_connect(version(), o));
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-4.12.0-6] Without an Authentication Method in CONNECT, the server sends no AUTH
// and no Authentication Method in CONNACK.
TEST_F(V5EnhancedAuthentication, NoAuthenticationMethodInConnackWhenNoneRequested) {
  statement("MQTT-4.12.0-6");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  codec::connack_packet ack;
  connect_options o;
  o.client_id = client_id("c");
  ASSERT_TRUE(connect_session(*c, o, &ack));
  EXPECT_FALSE(ack.props.authentication_method) << "CONNACK carries an Authentication Method";
  EXPECT_FALSE(ack.props.authentication_data) << "CONNACK carries Authentication Data";
}

class V5EnhancedAuthenticationExchange : public v5_test {
 protected:
  const std::string& method() const { return profile().authentication_method; }
  const std::vector<std::string>& steps() const { return profile().authentication_data_hex; }
};

// [MQTT-4.12.0-2] An AUTH the server sends during authentication, asking for more, has
// reason code 0x18 (Continue authentication).
TEST_F(V5EnhancedAuthenticationExchange, ServerChallengeIsContinueAuthentication) {
  statement("MQTT-4.12.0-2");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  auto x = run_enhanced_auth(*c, o, method(), steps());
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
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  const std::vector<std::string> wrong(8, "6D71747463657274 2D77726F6E67");  // "mqttcert-wrong"
  auto x = run_enhanced_auth(*c, o, method(), wrong);
  if (const auto* ack = x.connack(); ack && ack->reason == 0)
    MQTT_SKIP("not applicable: the method accepted arbitrary Authentication Data");
  if (x.last.status == recv_status::closed) return;
  close_observation obs = c->expect_close();
  obs.before.insert(obs.before.begin(), x.last);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("CONNACK 0x80 or above (optional), then close", obs);
}

// [MQTT-4.12.0-5] Every server AUTH and the successful CONNACK repeat the CONNECT's
// Authentication Method.
TEST_F(V5EnhancedAuthenticationExchange, ServerRepeatsAuthenticationMethod) {
  statement("MQTT-4.12.0-5");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  auto x = run_enhanced_auth(*c, o, method(), steps());
  const auto* ack = x.connack();
  ASSERT_TRUE(ack && ack->reason == 0)
      << mismatch("S→C CONNACK 00 (the profile's steps authenticate)", x.last);
  for (const auto& r : x.server_auths)
    EXPECT_EQ(r.as<codec::auth_packet>()->props.authentication_method, method())
        << mismatch("AUTH with Authentication Method '" + method() + "'", r);
  EXPECT_EQ(ack->props.authentication_method, method())
      << mismatch("CONNACK with Authentication Method '" + method() + "'", x.last);
}

// [MQTT-4.12.1-2] Failed re-authentication (AUTH 0x19 with wrong data) ends with the
// connection closed.
TEST_F(V5EnhancedAuthenticationExchange, FailedReauthenticationClosesConnection) {
  statement("MQTT-4.12.1-2");
  MQTT_REQUIRE_FEATURE(!method().empty(), "enhanced authentication");
  auto c = open_client("c");
  ASSERT_TRUE(c);
  connect_options o;
  o.client_id = client_id("c");
  auto x = run_enhanced_auth(*c, o, method(), steps());
  ASSERT_TRUE(x.connack() && x.connack()->reason == 0)
      << mismatch("S→C CONNACK 00 (the profile's steps authenticate)", x.last);
  codec::auth_packet re;
  re.reason = codec::reason_code::re_authenticate;
  re.props.authentication_method = method();
  re.props.authentication_data = payload_bytes("mqttcert-wrong");
  c->send_packet(re);
  const std::vector<std::string> wrong(8, "6D71747463657274 2D77726F6E67");
  auto y = continue_enhanced_auth(*c, c->expect_packet(), method(), wrong, 0);
  if (const auto* last = y.last.as<codec::auth_packet>(); last && last->reason == codec::reason_code::success)
    MQTT_SKIP("not applicable: the method accepted arbitrary Authentication Data");
  if (y.last.status == recv_status::closed) return;
  close_observation obs = c->expect_close();
  obs.before.insert(obs.before.begin(), y.last);
  EXPECT_TRUE(obs.closed && obs.only_errors_before())
      << mismatch("DISCONNECT 0x80 or above (optional), then close", obs);
}
