// 3.15 AUTH: the packet's fixed header, and the reason codes and properties the server puts
// in it during enhanced authentication (only with a method configured in the profile).
#include "conformance/harness/conformance_test.hpp"
#include "conformance/harness/enhanced_auth.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Auth : public v5_test {
 protected:
  // authenticate runs the profile's enhanced authentication on a new client, declaring
  // Maximum Packet Size `max_size` (0: none).
  auth_exchange authenticate(std::uint32_t max_size = 0) {
    auto c = open_client("auth");
    if (!c) return {};
    connect_options o;
    o.client_id = client_id("auth");
    if (max_size) o.props.maximum_packet_size = max_size;
    auto x = run_enhanced_auth(*c, o, profile().authentication_method,
                               profile().authentication_data_hex);
    clients_.push_back(std::move(c));
    return x;
  }
  std::vector<std::unique_ptr<raw_client>> clients_;
};

// [MQTT-3.15.1-1] AUTH with reserved fixed-header bits set (F1) is malformed: the
// server closes the connection (a DISCONNECT 0x81 may come first).
TEST_F(V5Auth, ReservedFlagBitsCloseConnection) {
  statement("MQTT-3.15.1-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  c->send_hex("F1 02 18 00");
  EXPECT_TRUE(closes_after_error(*c));
}

// [MQTT-3.15.2-1] Every AUTH the server sends carries an Authenticate Reason Code (0x00,
// 0x18, 0x19).
TEST_F(V5Auth, ServerAuthUsesAuthenticateReasonCode) {
  statement("MQTT-3.15.2-1");
  MQTT_REQUIRE_FEATURE(!profile().authentication_method.empty(), "enhanced authentication");
  auto x = authenticate();
  if (x.server_auths.empty())
    MQTT_SKIP("not observable: the profile's method completes without a server AUTH");
  for (const auto& r : x.server_auths) {
    auto code = static_cast<std::uint8_t>(r.as<codec::auth_packet>()->reason);
    EXPECT_TRUE(codec::reason_code_allowed(code, codec::packet_type::auth))
        << mismatch("an Authenticate Reason Code (Table 3-11)", r);
  }
}

// [MQTT-3.15.2-2] A server AUTH over the client's Maximum Packet Size (64) has no Reason
// String.
TEST_F(V5Auth, NoReasonStringPastClientMaximumPacketSize) {
  statement("MQTT-3.15.2-2");
  MQTT_REQUIRE_FEATURE(!profile().authentication_method.empty(), "enhanced authentication");
  auto x = authenticate(64);
  if (x.server_auths.empty())
    MQTT_SKIP("not observable: the profile's method completes without a server AUTH");
  for (const auto& r : x.server_auths)
    EXPECT_TRUE(r.bytes.size() <= 64 || !r.as<codec::auth_packet>()->props.reason_string)
        << mismatch("an AUTH of at most 64 bytes, or one without Reason String", r);
}

// [MQTT-3.15.2-3] A server AUTH over the client's Maximum Packet Size (64) has no User
// Property.
TEST_F(V5Auth, NoUserPropertyPastClientMaximumPacketSize) {
  statement("MQTT-3.15.2-3");
  MQTT_REQUIRE_FEATURE(!profile().authentication_method.empty(), "enhanced authentication");
  auto x = authenticate(64);
  if (x.server_auths.empty())
    MQTT_SKIP("not observable: the profile's method completes without a server AUTH");
  for (const auto& r : x.server_auths)
    EXPECT_TRUE(r.bytes.size() <= 64 || r.as<codec::auth_packet>()->props.user_properties.empty())
        << mismatch("an AUTH of at most 64 bytes, or one without User Property", r);
}
