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
    auto steps = profile_auth_steps(profile());
    auto x = run_enhanced_auth(*c, o, profile().authentication_method, *steps);
    clients_.push_back(std::move(c));
    return x;
  }
  // tight_limit runs the exchange without a limit and returns the size of the first
  // server AUTH without Reason String and User Properties: a Maximum Packet Size that
  // leaves room for what the AUTH must carry and for nothing optional. 0 when no server
  // AUTH came.
  std::uint32_t tight_limit() {
    auto x = authenticate();
    if (x.server_auths.empty()) return 0;
    codec::auth_packet bare = *x.server_auths.front().as<codec::auth_packet>();
    bare.props.reason_string.reset();
    bare.props.user_properties.clear();
    return static_cast<std::uint32_t>(
        codec::encode_packet(bare, codec::protocol_version::v5_0).size());
  }
  // check_auths_under_tight_limit authenticates with the tight_limit() Maximum Packet
  // Size and runs `check(r, auth, limit)` on every server AUTH; skips (not observable)
  // when no server AUTH comes. Needs a method in the profile. Last in a test.
  template <class Check>
  void check_auths_under_tight_limit(Check check) {
    MQTT_REQUIRE_FEATURE(!profile().authentication_method.empty(), "enhanced authentication");
    const std::uint32_t limit = tight_limit();
    if (limit == 0)
      MQTT_SKIP("not observable: the profile's method completes without a server AUTH");
    auto x = authenticate(limit);
    if (x.server_auths.empty())
      MQTT_SKIP("not observable: no server AUTH with Maximum Packet Size " +
                std::to_string(limit));
    for (const auto& r : x.server_auths) check(r, *r.as<codec::auth_packet>(), limit);
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

// [MQTT-3.15.2-2] With a Maximum Packet Size that fits the first server AUTH only without
// its optional properties, the AUTH comes without Reason String (or within the limit).
TEST_F(V5Auth, NoReasonStringPastClientMaximumPacketSize) {
  statement("MQTT-3.15.2-2");
  check_auths_under_tight_limit(
      [](const received& r, const codec::auth_packet& auth, std::uint32_t limit) {
        EXPECT_TRUE(r.bytes.size() <= limit || !auth.props.reason_string)
            << mismatch("an AUTH of at most " + std::to_string(limit) +
                            " bytes, or one without Reason String",
                        r);
      });
}

// [MQTT-3.15.2-3] As above, for User Property.
TEST_F(V5Auth, NoUserPropertyPastClientMaximumPacketSize) {
  statement("MQTT-3.15.2-3");
  check_auths_under_tight_limit(
      [](const received& r, const codec::auth_packet& auth, std::uint32_t limit) {
        EXPECT_TRUE(r.bytes.size() <= limit || auth.props.user_properties.empty())
            << mismatch("an AUTH of at most " + std::to_string(limit) +
                            " bytes, or one without User Property",
                        r);
      });
}
