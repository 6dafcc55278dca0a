// Enhanced authentication (4.12) and re-authentication (4.12.1) in the core, with a
// scripted two-step method: CONNECT data "hello" -> AUTH 0x18 "who?" -> client "it's <name>"
// -> success as <name> with data "welcome"; anything else fails.
#include <gtest/gtest.h>

#include "reference-broker/core/core_test_driver.hpp"

namespace mqtt::broker::test {
namespace {

using codec::reason_code;

constexpr std::string_view method = "TEST-TWO-STEP";

class two_step_exchange final : public auth_exchange {
 public:
  auth_step step(codec::byte_view data) override {
    const std::string got(data.begin(), data.end());
    auth_step s;
    if (round_++ == 0 && got == "hello") {
      s.what = auth_step::kind::challenge;
      s.data = bytes_of("who?");
    } else if (round_ == 2 && got.starts_with("it's ")) {
      s.what = auth_step::kind::success;
      s.identity = got.substr(5);
      s.data = bytes_of("welcome");
    } else {
      s.what = auth_step::kind::failure;
      s.reason = reason_code::not_authorized;
      s.why = "scripted failure";
    }
    return s;
  }

 private:
  int round_ = 0;
};

class two_step_methods final : public auth_methods {
 public:
  std::unique_ptr<auth_exchange> start(std::string_view m) const override {
    if (m != method) return nullptr;
    return std::make_unique<two_step_exchange>();
  }
};

core_test_driver make_driver(broker_config config = {}) {
  return core_test_driver(config, std::make_shared<two_step_methods>());
}

codec::connect_packet auth_connect(std::string client_id, std::string m = std::string(method),
                                   std::string data = "hello") {
  codec::connect_packet c = make_connect(std::move(client_id));
  c.props.authentication_method = std::move(m);
  if (!data.empty()) c.props.authentication_data = bytes_of(data);
  return c;
}

codec::auth_packet auth(reason_code r, std::string data, std::string m = std::string(method)) {
  codec::auth_packet a;
  a.reason = r;
  a.props.authentication_method = std::move(m);
  if (!data.empty()) a.props.authentication_data = bytes_of(data);
  return a;
}

// authenticated runs the whole exchange for `client_id` and takes the CONNACK.
fake_client& authenticated(core_test_driver& d, const std::string& client_id) {
  fake_client& c = d.connect(auth_connect(client_id));
  c.take<codec::auth_packet>();
  c.send(auth(reason_code::continue_authentication, "it's " + client_id));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  return c;
}

TEST(CoreAuth, ExchangeEndsInConnackWithMethodAndFinalData) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1"));
  auto challenge = c.take<codec::auth_packet>();
  // [MQTT-4.12.0-2] 0x18 asking for more, [MQTT-4.12.0-5] with CONNECT's method.
  EXPECT_EQ(challenge.reason, reason_code::continue_authentication);
  EXPECT_EQ(challenge.props.authentication_method, std::string(method));
  EXPECT_EQ(text(challenge.props.authentication_data.value_or(codec::byte_buffer{})), "who?");
  EXPECT_TRUE(c.idle()) << "no CONNACK before the exchange ends";
  EXPECT_EQ(d.core.client_id(c.id), "");
  c.send(auth(reason_code::continue_authentication, "it's alice"));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_EQ(ack.props.authentication_method, std::string(method));
  EXPECT_EQ(text(ack.props.authentication_data.value_or(codec::byte_buffer{})), "welcome");
  EXPECT_EQ(d.core.client_id(c.id), "c1");
  EXPECT_FALSE(c.closed);
  // The session works.
  c.send(subscribe("t"));
  EXPECT_EQ(c.take<codec::suback_packet>().reasons.size(), 1u);
}

TEST(CoreAuth, UnofferedMethodIsStillRefusedWith0x8C) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1", "mqttcert-unsupported-method"));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::bad_authentication_method));
  EXPECT_TRUE(c.closed);
  core_test_driver none;  // no methods at all
  fake_client& n = none.connect(auth_connect("c1"));
  EXPECT_EQ(n.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::bad_authentication_method));
}

TEST(CoreAuth, WrongFirstDataIsRefusedWithTheMechanismsReasonThenClosed) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1", std::string(method), "nonsense"));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::not_authorized));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, WrongAnswerIsRefusedThenClosed) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1"));
  c.take<codec::auth_packet>();
  c.send(auth(reason_code::continue_authentication, "not me"));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::not_authorized));
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(d.core.stats().sessions, 0u);
}

TEST(CoreAuth, VerdictRefusalWinsBeforeTheExchangeStarts) {
  core_test_driver d = make_driver();
  fake_client& c =
      d.connect(auth_connect("c1"), auth_verdict{false, reason_code::not_authorized});
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::not_authorized));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, OtherPacketsDuringTheExchangeAreProtocolErrors) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1"));
  c.take<codec::auth_packet>();
  c.send(publish("t", "early"));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::protocol_error));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, AuthWithAnotherMethodOrReasonIsProtocolError) {
  {
    core_test_driver d = make_driver();
    fake_client& c = d.connect(auth_connect("c1"));
    c.take<codec::auth_packet>();
    c.send(auth(reason_code::continue_authentication, "it's alice", "OTHER"));
    EXPECT_EQ(c.take<codec::connack_packet>().reason,
              static_cast<std::uint8_t>(reason_code::protocol_error));
    EXPECT_TRUE(c.closed);
  }
  {
    core_test_driver d = make_driver();
    fake_client& c = d.connect(auth_connect("c1"));
    c.take<codec::auth_packet>();
    c.send(auth(reason_code::re_authenticate, "hello"));  // 0x19 before CONNACK
    EXPECT_EQ(c.take<codec::connack_packet>().reason,
              static_cast<std::uint8_t>(reason_code::protocol_error));
  }
  {
    core_test_driver d = make_driver();
    fake_client& c = d.connect(auth_connect("c1"));
    c.take<codec::auth_packet>();
    c.send(auth(reason_code::success, "it's alice"));  // 0x00 is the server's
    EXPECT_EQ(c.take<codec::connack_packet>().reason,
              static_cast<std::uint8_t>(reason_code::protocol_error));
  }
}

TEST(CoreAuth, DisconnectDuringTheExchangeClosesQuietly) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1"));
  c.take<codec::auth_packet>();
  c.send(codec::disconnect_packet{});
  EXPECT_TRUE(c.idle());
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, UnfinishedExchangeIsClosedAfterTheConnectTimeout) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(auth_connect("c1"));
  c.take<codec::auth_packet>();
  d.advance(millis(9'000));
  EXPECT_FALSE(c.closed);
  d.advance(millis(1'100));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ConnectUserNameMustBeTheAuthenticatedIdentity) {
  core_test_driver d = make_driver();
  codec::connect_packet p = auth_connect("c1");
  p.username = "alice";
  fake_client& c = d.connect(std::move(p));
  c.take<codec::auth_packet>();
  c.send(auth(reason_code::continue_authentication, "it's mallory"));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::not_authorized));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ServerAuthLeavesOutReasonStringPastClientMaximumPacketSize) {
  core_test_driver d = make_driver();
  codec::connect_packet p = auth_connect("c1");
  // Room for the AUTH with method and data, not for a Reason String as well.
  codec::auth_packet bare = auth(reason_code::continue_authentication, "who?");
  p.props.maximum_packet_size =
      static_cast<std::uint32_t>(codec::encode_packet(bare, codec::protocol_version::v5_0).size());
  fake_client& c = d.connect(std::move(p));
  auto a = c.take<codec::auth_packet>();
  EXPECT_FALSE(a.props.reason_string);  // [MQTT-3.15.2-2]
  EXPECT_TRUE(a.props.user_properties.empty());  // [MQTT-3.15.2-3]
  // With no limit the Reason String is there.
  fake_client& roomy = d.connect(auth_connect("c2"));
  EXPECT_TRUE(roomy.take<codec::auth_packet>().props.reason_string);
}

TEST(CoreAuth, AuthThatCannotFitTheClientsMaximumPacketSizeFailsTheExchange) {
  core_test_driver d = make_driver();
  codec::connect_packet p = auth_connect("c1");
  p.props.maximum_packet_size = 16;
  fake_client& c = d.connect(std::move(p));
  EXPECT_EQ(c.take<codec::connack_packet>().reason,
            static_cast<std::uint8_t>(reason_code::implementation_specific_error));
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, NoReasonStringOnAuthWhenProblemInformationIsOff) {
  core_test_driver d = make_driver();
  codec::connect_packet p = auth_connect("c1");
  p.props.request_problem_information = 0;
  fake_client& c = d.connect(std::move(p));
  EXPECT_FALSE(c.take<codec::auth_packet>().props.reason_string);  // [MQTT-3.1.2-29]
}

TEST(CoreAuth, ReauthenticationSucceedsWithAuth0x00) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::re_authenticate, "hello"));
  auto challenge = c.take<codec::auth_packet>();
  EXPECT_EQ(challenge.reason, reason_code::continue_authentication);
  // 4.12.1: other packets go on meanwhile.
  c.send(codec::pingreq_packet{});
  c.take<codec::pingresp_packet>();
  c.send(auth(reason_code::continue_authentication, "it's alice"));
  auto done = c.take<codec::auth_packet>();
  EXPECT_EQ(done.reason, reason_code::success);
  EXPECT_EQ(done.props.authentication_method, std::string(method));
  EXPECT_EQ(text(done.props.authentication_data.value_or(codec::byte_buffer{})), "welcome");
  EXPECT_FALSE(c.closed);
  // And again.
  c.send(auth(reason_code::re_authenticate, "hello"));
  EXPECT_EQ(c.take<codec::auth_packet>().reason, reason_code::continue_authentication);
}

TEST(CoreAuth, FailedReauthenticationDisconnectsAndCloses) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::re_authenticate, "wrong"));
  auto dis = c.take<codec::disconnect_packet>();  // [MQTT-4.12.1-2]
  EXPECT_EQ(dis.reason, reason_code::not_authorized);
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ReauthenticationAsAnotherIdentityFails) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::re_authenticate, "hello"));
  c.take<codec::auth_packet>();
  c.send(auth(reason_code::continue_authentication, "it's mallory"));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::not_authorized);
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ReauthenticationWithAnotherMethodIsProtocolError) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::re_authenticate, "hello", "OTHER"));  // [MQTT-4.12.1-1]
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ReauthenticationWithoutEnhancedAuthAtConnectIsProtocolError) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect_v5("plain");
  c.send(auth(reason_code::re_authenticate, "hello"));  // [MQTT-4.12.0-7]
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, ContinueWithoutAnExchangeInProgressIsProtocolError) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::continue_authentication, "it's alice"));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreAuth, SecondReauthenticateDuringOneIsProtocolError) {
  core_test_driver d = make_driver();
  fake_client& c = authenticated(d, "alice");
  c.send(auth(reason_code::re_authenticate, "hello"));
  c.take<codec::auth_packet>();
  c.send(auth(reason_code::re_authenticate, "hello"));
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
}

TEST(CoreAuth, ConnectWithoutMethodGetsNoMethodInConnack) {
  core_test_driver d = make_driver();
  fake_client& c = d.connect(make_connect("plain"));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.props.authentication_method);  // [MQTT-4.12.0-6]
  EXPECT_FALSE(ack.props.authentication_data);
}

}  // namespace
}  // namespace mqtt::broker::test
