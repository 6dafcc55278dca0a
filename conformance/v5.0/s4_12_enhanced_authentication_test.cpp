// 4.12 Enhanced authentication, as far as a broker without a configured method shows it.
#include "conformance/harness/conformance_test.hpp"

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
