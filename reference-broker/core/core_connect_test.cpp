// core_connect_test.cpp: CONNECT and CONNACK (3.1, 3.2) through broker_core: sessions,
// ClientIDs, refusals, keep alive and the limits CONNACK announces.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/core_test_driver.hpp"

namespace mqtt::broker {
namespace {

using codec::protocol_version;
using codec::qos;
using codec::reason_code;
using test::core_test_driver;
using test::make_connect;
using test::make_will;

constexpr auto v5 = protocol_version::v5_0;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v31 = protocol_version::v3_1;

// ---------------------------------------------------------------- Session Present

TEST(CoreConnect, V5CleanStartGivesSessionPresent0EvenWithStoredSession) {
  // [MQTT-3.2.2-2] (5.0), [MQTT-3.1.2-4]
  core_test_driver d;
  auto& first = d.connect_v5("a", false, 3600);
  d.drop(first);
  auto& again = d.connect(make_connect("a", v5, true));
  auto ack = again.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.session_present);
}

TEST(CoreConnect, V5CleanStart0ResumesStoredSession) {
  // [MQTT-3.2.2-3] (5.0), [MQTT-3.1.2-5]
  core_test_driver d;
  auto& first = d.connect_v5("a", false, 3600);
  d.drop(first);
  auto c = make_connect("a", v5, false);
  c.props.session_expiry_interval = 3600;
  auto& again = d.connect(c);
  auto ack = again.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_TRUE(ack.session_present);
}

TEST(CoreConnect, V5CleanStart0WithoutSessionGivesSessionPresent0) {
  // [MQTT-3.2.2-3] (5.0), [MQTT-3.1.2-6]
  core_test_driver d;
  auto& c = d.connect(make_connect("fresh", v5, false));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.session_present);
}

TEST(CoreConnect, V311CleanSession1GivesSessionPresent0) {
  // v3.1.1 [MQTT-3.2.2-1]
  core_test_driver d;
  auto& first = d.connect_v311("a", false);
  d.drop(first);
  auto& again = d.connect(make_connect("a", v311, true));
  auto ack = again.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.session_present);
}

TEST(CoreConnect, V311CleanSession0WithStoredSessionGivesSessionPresent1) {
  // v3.1.1 [MQTT-3.2.2-2], v3.1.1 [MQTT-3.1.2-4]
  core_test_driver d;
  auto& first = d.connect_v311("a", false);
  d.drop(first);
  auto& again = d.connect(make_connect("a", v311, false));
  auto ack = again.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_TRUE(ack.session_present);
}

TEST(CoreConnect, V311CleanSession0WithoutStoredSessionGivesSessionPresent0) {
  // v3.1.1 [MQTT-3.2.2-3]
  core_test_driver d;
  auto& c = d.connect(make_connect("a", v311, false));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(ack.session_present);
}

TEST(CoreConnect, V311CleanSession1SessionIsNotKeptAfterClose) {
  // v3.1.1 [MQTT-3.1.2-6]
  core_test_driver d;
  auto& first = d.connect_v311("a", true);
  d.drop(first);
  auto& again = d.connect(make_connect("a", v311, false));
  EXPECT_FALSE(again.take<codec::connack_packet>().session_present);
}

// ---------------------------------------------------------------- ClientID

TEST(CoreConnect, V5EmptyClientIdGetsUniqueAssignedIdentifier) {
  // [MQTT-3.1.3-6], [MQTT-3.1.3-7], [MQTT-3.2.2-16]
  core_test_driver d;
  auto& a = d.connect(make_connect("", v5));
  auto& b = d.connect(make_connect("", v5));
  auto ack_a = a.take<codec::connack_packet>();
  auto ack_b = b.take<codec::connack_packet>();
  EXPECT_EQ(ack_a.reason, 0);
  EXPECT_EQ(ack_b.reason, 0);
  ASSERT_TRUE(ack_a.props.assigned_client_identifier);
  ASSERT_TRUE(ack_b.props.assigned_client_identifier);
  EXPECT_NE(*ack_a.props.assigned_client_identifier, *ack_b.props.assigned_client_identifier);
  EXPECT_EQ(d.core.client_id(a.id), *ack_a.props.assigned_client_identifier);
  EXPECT_EQ(d.core.client_id(b.id), *ack_b.props.assigned_client_identifier);
  EXPECT_FALSE(a.closed);  // two assigned ids did not take each other over
}

TEST(CoreConnect, AssignedIdentifierAvoidsIdsOfExistingSessions) {
  // [MQTT-3.2.2-16] not used by any current session, including one a client named itself.
  // White-box: the generator makes "auto-<counter hex>-<connection>", so connection 2
  // takes the id the generator would try first for connection 3.
  core_test_driver d;
  auto& probe = d.connect(make_connect("", v5));
  EXPECT_EQ(*probe.take<codec::connack_packet>().props.assigned_client_identifier, "auto-1-1");
  auto& squatter = d.connect_v5("auto-2-3");
  auto& c = d.connect(make_connect("", v5));
  auto ack = c.take<codec::connack_packet>();
  ASSERT_TRUE(ack.props.assigned_client_identifier);
  EXPECT_NE(*ack.props.assigned_client_identifier, "auto-2-3");
  EXPECT_NE(*ack.props.assigned_client_identifier, "auto-1-1");
  EXPECT_FALSE(squatter.closed);  // not taken over
  EXPECT_FALSE(probe.closed);
}

TEST(CoreConnect, V311EmptyClientIdWithCleanSessionIsAccepted) {
  // v3.1.1 [MQTT-3.1.3-6]: the server assigns an id but 3.1.1 cannot tell the client.
  core_test_driver d;
  auto& c = d.connect(make_connect("", v311, true));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_FALSE(d.core.client_id(c.id).empty());
}

TEST(CoreConnect, V311EmptyClientIdWithoutCleanSessionIsIdentifierRejected) {
  // v3.1.1 [MQTT-3.1.3-8]
  core_test_driver d;
  auto& c = d.connect(make_connect("", v311, false));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0x02);
  EXPECT_FALSE(ack.session_present);  // v3.1.1 [MQTT-3.2.2-4]
  EXPECT_TRUE(c.closed);               // v3.1.1 [MQTT-3.2.2-5]
}

TEST(CoreConnect, EmptyClientIdRefusedWhenConfigSaysSo) {
  // [MQTT-3.1.3-8] (5.0): CONNACK 0x85 then close; v3.1.1 [MQTT-3.1.3-9]: 0x02.
  broker_config cfg;
  cfg.allow_empty_client_id = false;
  core_test_driver d(cfg);
  auto& a = d.connect(make_connect("", v5));
  EXPECT_EQ(a.take<codec::connack_packet>().reason, 0x85);
  EXPECT_TRUE(a.closed);
  auto& b = d.connect(make_connect("", v311));
  EXPECT_EQ(b.take<codec::connack_packet>().reason, 0x02);
  EXPECT_TRUE(b.closed);
}

TEST(CoreConnect, V31ClientIdOf23BytesIsAcceptedAnd24Refused) {
  // MQTT 3.1 limits ClientIDs to 1..23 bytes; 3.1.1 and 5.0 allow longer ones.
  core_test_driver d;
  auto& ok = d.connect(make_connect(std::string(23, 'x'), v31));
  EXPECT_EQ(ok.take<codec::connack_packet>().reason, 0);
  EXPECT_FALSE(ok.closed);
  auto& too_long = d.connect(make_connect(std::string(24, 'y'), v31));
  EXPECT_EQ(too_long.take<codec::connack_packet>().reason, 0x02);
  EXPECT_TRUE(too_long.closed);
  auto& empty = d.connect(make_connect("", v31));
  EXPECT_EQ(empty.take<codec::connack_packet>().reason, 0x02);
  EXPECT_TRUE(empty.closed);
  auto& long_v311 = d.connect(make_connect(std::string(24, 'z'), v311));
  EXPECT_EQ(long_v311.take<codec::connack_packet>().reason, 0);
}

// ---------------------------------------------------------------- authentication

TEST(CoreConnect, V5AuthRefusalSendsTheVerdictReasonThenCloses) {
  // [MQTT-3.1.4-2], [MQTT-3.2.2-6], [MQTT-3.2.2-7]
  for (auto r : {reason_code::bad_user_name_or_password, reason_code::not_authorized,
                 reason_code::banned, reason_code::server_unavailable, reason_code::server_busy}) {
    SCOPED_TRACE(static_cast<int>(r));
    core_test_driver d;
    auto& c = d.connect(make_connect("a", v5), {false, r});
    auto ack = c.take<codec::connack_packet>();
    EXPECT_EQ(ack.reason, static_cast<std::uint8_t>(r));
    EXPECT_FALSE(ack.session_present);
    EXPECT_TRUE(c.closed);
    EXPECT_TRUE(c.idle());
    EXPECT_EQ(d.core.stats().sessions, 0u);
  }
}

TEST(CoreConnect, V311AuthRefusalMapsToConnectReturnCodes) {
  // v3.1.1 [MQTT-3.2.2-4], [MQTT-3.2.2-5]; table 3.1 return codes.
  const std::pair<reason_code, std::uint8_t> cases[] = {
      {reason_code::bad_user_name_or_password, 0x04},
      {reason_code::not_authorized, 0x05},
      {reason_code::banned, 0x05},
      {reason_code::server_unavailable, 0x03},
      {reason_code::server_busy, 0x03},
  };
  for (auto [r, expected] : cases) {
    SCOPED_TRACE(static_cast<int>(r));
    core_test_driver d;
    auto& c = d.connect(make_connect("a", v311), {false, r});
    auto ack = c.take<codec::connack_packet>();
    EXPECT_EQ(ack.reason, expected);
    EXPECT_FALSE(ack.session_present);
    EXPECT_TRUE(c.closed);
  }
}

TEST(CoreConnect, RefusedConnectDoesNotTakeOverTheConnectedClient) {
  // [MQTT-3.1.4-2] the refused CONNECT never gets as far as the takeover [MQTT-3.1.4-3].
  core_test_driver d;
  auto& owner = d.connect_v5("same");
  auto& intruder = d.connect(make_connect("same", v5), {false, reason_code::not_authorized});
  EXPECT_EQ(intruder.take<codec::connack_packet>().reason, 0x87);
  EXPECT_FALSE(owner.closed);
  EXPECT_TRUE(owner.idle());
}

TEST(CoreConnect, PacketsAfterRefusedConnectAreIgnored) {
  // [MQTT-3.1.4-6]
  core_test_driver d;
  auto& c = d.connect(make_connect("a", v5), {false, reason_code::not_authorized});
  c.take<codec::connack_packet>();
  c.send(codec::pingreq_packet{});
  c.send(test::subscribe("t"));
  EXPECT_TRUE(c.idle());
}

TEST(CoreConnect, AuthenticationMethodIsRefusedWithBadAuthenticationMethod) {
  // [MQTT-4.12.0-1] an unsupported method: CONNACK 0x8C, then close.
  core_test_driver d;
  auto c = make_connect("a", v5);
  c.props.authentication_method = "SCRAM-SHA-1";
  c.props.authentication_data = test::bytes_of("client-first");
  auto& client = d.connect(c);
  auto ack = client.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0x8C);
  EXPECT_FALSE(ack.session_present);
  EXPECT_FALSE(ack.props.authentication_method);  // [MQTT-4.12.0-6] none echoed
  EXPECT_TRUE(client.closed);
}

TEST(CoreConnect, AuthWithoutAuthenticationMethodIsProtocolError) {
  // [MQTT-4.12.0-7] a client that named no method must not send AUTH.
  core_test_driver d;
  auto& c = d.connect_v5("a");
  c.send(codec::auth_packet{reason_code::re_authenticate, {}});
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

// ---------------------------------------------------------------- packet order

TEST(CoreConnect, SecondConnectIsProtocolErrorInV5) {
  // [MQTT-3.1.0-2]
  core_test_driver d;
  auto& c = d.connect_v5("a");
  c.send(make_connect("a", v5));
  auto disc = c.take<codec::disconnect_packet>();
  EXPECT_EQ(disc.reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.idle());  // [MQTT-3.14.4-1] nothing after DISCONNECT
}

TEST(CoreConnect, SecondConnectWithUnknownProtocolLevelIsProtocolError) {
  // [MQTT-3.1.0-2], [MQTT-3.14.2-1] found by broker_session_fuzzer (corpora/regressions/
  // second-connect-unknown-protocol-level): the decoder's 0x84 went out in a DISCONNECT,
  // which has no such Reason Code.
  core_test_driver d;
  auto& c = d.connect_v5("a");
  // 10 0D 0004 'MQTT' 01 (Protocol Level 1) 02 003C 0001 'a'
  d.feed_bytes(c, {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x01, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a'},
               acl_verdicts::allow_all());
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreConnect, ReasonStringQuotingPeerBytesStaysUtf8) {
  // [MQTT-1.5.4-1] found by broker_session_fuzzer (corpora/regressions/
  // second-connect-protocol-name-not-utf8): the refusal quoted the Protocol Name as sent.
  // The decoder now names such a name in hex, and reason_string() escapes whatever else
  // a peer's bytes could bring.
  core_test_driver d;
  auto& c = d.connect_v5("a");
  // 10 0B 0002 'M' C0 05 02 003C 0001 'a'
  d.feed_bytes(c, {0x10, 0x0B, 0x00, 0x02, 'M', 0xC0, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a'},
               acl_verdicts::allow_all());
  auto disc = c.take<codec::disconnect_packet>();  // decodes: the Reason String is valid
  EXPECT_EQ(disc.reason, reason_code::protocol_error);
  ASSERT_TRUE(disc.props.reason_string);
  EXPECT_NE(disc.props.reason_string->find("0x4DC0"), std::string::npos)
      << *disc.props.reason_string;
}

TEST(CoreConnect, SecondConnectThroughReceiveConnectIsProtocolError) {
  // [MQTT-3.1.0-2] the front end may route every CONNECT to receive_connect.
  core_test_driver d;
  auto& c = d.connect_v5("a");
  action_list out;
  d.core.receive_connect(c.id, make_connect("a", v5), {}, d.now, out);
  d.apply(out);
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreConnect, SecondConnectClosesV311WithoutDisconnect) {
  // v3.1.1 [MQTT-3.1.0-2]: 3.1.1 has no server DISCONNECT.
  core_test_driver d;
  auto& c = d.connect_v311("a");
  c.send(make_connect("a", v311));
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.idle());
}

TEST(CoreConnect, FirstPacketOtherThanConnectClosesWithoutReply) {
  // [MQTT-3.1.0-1]
  for (codec::packet p : {codec::packet{codec::pingreq_packet{}},
                          codec::packet{test::publish("t", "x")},
                          codec::packet{test::subscribe("t")},
                          codec::packet{codec::disconnect_packet{}}}) {
    core_test_driver d;
    auto& c = d.open();
    c.send(p);
    EXPECT_TRUE(c.closed);
    EXPECT_TRUE(c.idle());
    EXPECT_EQ(d.core.stats().sessions, 0u);
  }
}

TEST(CoreConnect, ServerOnlyPacketFromClientIsProtocolError) {
  core_test_driver d;
  auto& c = d.connect_v5("a");
  c.send(codec::connack_packet{});
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

TEST(CoreConnect, PingreqIsAnsweredWithPingresp) {
  // [MQTT-3.12.4-1]
  core_test_driver d;
  auto& c = d.connect_v311("a");
  c.send(codec::pingreq_packet{});
  c.take<codec::pingresp_packet>();
  EXPECT_TRUE(c.idle());
}

TEST(CoreConnect, UnsupportedProtocolVersionGetsConnack01InV311Layout) {
  // v3.1.1 [MQTT-3.1.2-2], [MQTT-3.1.2-2] (5.0): CONNACK then close.
  core_test_driver d;
  auto& c = d.open();
  c.version = v311;
  d.reject(c, codec::decode_status::protocol_error, reason_code::unsupported_protocol_version,
           "CONNECT: protocol level 9");
  EXPECT_EQ(c.take<codec::connack_packet>().reason, 0x01);
  EXPECT_TRUE(c.closed);
}

TEST(CoreConnect, MalformedConnectClosesWithoutConnack) {
  // [MQTT-3.1.4-1]
  core_test_driver d;
  auto& c = d.open();
  d.reject(c, codec::decode_status::malformed, reason_code::malformed_packet,
           "CONNECT: reserved flag set [MQTT-3.1.2-3]");
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.idle());
}

TEST(CoreConnect, SecondConnectWithBadProtocolNameGetsDisconnectProtocolError) {
  // [MQTT-3.1.0-2] A second CONNECT is a Protocol Error. The decoder names 0x84 for its bad
  // Protocol Name, a code DISCONNECT may not carry (table 2-6) [MQTT-3.14.2-1].
  core_test_driver d;
  auto& c = d.connect_v5("a");
  d.reject(c, codec::decode_status::protocol_error, reason_code::unsupported_protocol_version,
           "CONNECT: Protocol Name is 'fc/y', not 'MQTT'");
  EXPECT_EQ(c.take<codec::disconnect_packet>().reason, reason_code::protocol_error);
  EXPECT_TRUE(c.closed);
}

// ---------------------------------------------------------------- will checks

TEST(CoreConnect, WillQosAboveMaximumQosIsRefused) {
  // [MQTT-3.2.2-12]
  broker_config cfg;
  cfg.maximum_qos = qos::at_least_once;
  core_test_driver d(cfg);
  auto c = make_connect("a", v5);
  c.will = make_will("w", "x", qos::exactly_once);
  auto& refused = d.connect(c);
  auto ack = refused.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0x9B);
  EXPECT_TRUE(refused.closed);
  // At the maximum it is fine.
  auto ok = make_connect("b", v5);
  ok.will = make_will("w", "x", qos::at_least_once);
  EXPECT_EQ(d.connect(ok).take<codec::connack_packet>().reason, 0);
}

TEST(CoreConnect, WillRetainWithoutRetainAvailableIsRefused) {
  // [MQTT-3.2.2-13]
  broker_config cfg;
  cfg.retain_available = false;
  core_test_driver d(cfg);
  auto c = make_connect("a", v5);
  c.will = make_will("w", "x", qos::at_most_once, true);
  auto& refused = d.connect(c);
  EXPECT_EQ(refused.take<codec::connack_packet>().reason, 0x9A);
  EXPECT_TRUE(refused.closed);
}

TEST(CoreConnect, InvalidWillTopicIsRefused) {
  // 5.0: CONNACK 0x90; v3.1.1 [MQTT-3.2.2-6]: no return code fits, so close without CONNACK.
  core_test_driver d;
  auto c = make_connect("a", v5);
  c.will = make_will("w/#", "x");
  auto& a = d.connect(c);
  EXPECT_EQ(a.take<codec::connack_packet>().reason, 0x90);
  EXPECT_TRUE(a.closed);
  auto c311 = make_connect("b", v311);
  c311.will = make_will("w/+", "x");
  auto& b = d.connect(c311);
  EXPECT_TRUE(b.closed);
  EXPECT_TRUE(b.idle());
}

// ---------------------------------------------------------------- keep alive

TEST(CoreConnect, ClientKeepAliveAppliesWithoutServerKeepAlive) {
  // [MQTT-3.2.2-22], [MQTT-3.1.2-22]
  core_test_driver d;
  auto c = make_connect("a", v5);
  c.keep_alive = 4;
  auto& client = d.connect(c);
  EXPECT_FALSE(client.take<codec::connack_packet>().props.server_keep_alive);
  d.advance(millis(5'000));
  client.send(codec::pingreq_packet{});  // a packet resets the timer
  client.take<codec::pingresp_packet>();
  d.advance(millis(5'900));
  EXPECT_FALSE(client.closed);
  d.advance(millis(200));
  EXPECT_EQ(client.take<codec::disconnect_packet>().reason, reason_code::keep_alive_timeout);
  EXPECT_TRUE(client.closed);
}

TEST(CoreConnect, V311KeepAliveTimeoutClosesWithoutDisconnect) {
  // v3.1.1 [MQTT-3.1.2-24]
  core_test_driver d;
  auto c = make_connect("a", v311);
  c.keep_alive = 2;
  auto& client = d.connect(c);
  client.take<codec::connack_packet>();
  d.advance(millis(3'001));
  EXPECT_TRUE(client.closed);
  EXPECT_TRUE(client.idle());
}

TEST(CoreConnect, KeepAliveZeroNeverTimesOut) {
  core_test_driver d;
  auto& client = d.connect_v5("a");
  d.advance(millis(24 * 3600 * 1000));
  EXPECT_FALSE(client.closed);
}

TEST(CoreConnect, ServerKeepAliveIsAnnouncedAndEnforced) {
  // [MQTT-3.2.2-21]: the client must use it, so the server times out on it too.
  broker_config cfg;
  cfg.server_keep_alive = 5;
  core_test_driver d(cfg);
  for (std::uint16_t asked : {std::uint16_t{0}, std::uint16_t{60}}) {
    auto c = make_connect("a" + std::to_string(asked), v5);
    c.keep_alive = asked;
    auto& client = d.connect(c);
    auto ack = client.take<codec::connack_packet>();
    ASSERT_TRUE(ack.props.server_keep_alive);
    EXPECT_EQ(*ack.props.server_keep_alive, 5);
    d.advance(millis(7'500));
    EXPECT_FALSE(client.closed);
    d.advance(millis(1));
    EXPECT_EQ(client.take<codec::disconnect_packet>().reason, reason_code::keep_alive_timeout);
  }
}

TEST(CoreConnect, ConnectTimeoutIsTenSecondsByDefault) {
  core_test_driver d;
  auto& c = d.open();
  d.advance(millis(10'000));
  EXPECT_FALSE(c.closed);
  d.advance(millis(1));
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.idle());
}

TEST(CoreConnect, ConnectTimeoutIsConfigurable) {
  broker_config cfg;
  cfg.connect_timeout_ms = 500;
  core_test_driver d(cfg);
  auto& silent = d.open();
  auto& partial = d.open();
  d.feed_bytes(partial, {0x10, 0x10, 0x00, 0x04, 'M'}, {});  // a CONNECT that never ends
  d.advance(millis(500));
  EXPECT_FALSE(silent.closed);
  EXPECT_FALSE(partial.closed);
  d.advance(millis(1));
  EXPECT_TRUE(silent.closed);
  EXPECT_TRUE(partial.closed);
  EXPECT_TRUE(partial.idle());  // closed without a CONNACK
}

TEST(CoreConnect, ConnectedClientIsNotHitByConnectTimeout) {
  core_test_driver d;
  auto& c = d.open();
  d.advance(millis(9'000));
  action_list out;
  d.core.receive_connect(c.id, make_connect("a", v5), auth_verdict::allow(), d.now, out);
  d.apply(out);
  EXPECT_EQ(c.take<codec::connack_packet>().reason, 0);
  d.advance(millis(60'000));
  EXPECT_FALSE(c.closed);
}

// ---------------------------------------------------------------- client Maximum Packet Size

// max_sent returns the size of the largest packet the core asked to send to `conn`.
std::size_t max_sent(const action_list& out, connection_id conn) {
  std::size_t largest = 0;
  for (const auto& a : out) {
    if (a.what == action::kind::send && a.conn == conn) largest = std::max(largest, a.bytes->size());
  }
  return largest;
}

TEST(CoreConnect, RefusalConnackLeavesOutReasonStringThatWouldNotFit) {
  // [MQTT-3.2.2-19], [MQTT-3.1.2-24]
  broker_config cfg;
  cfg.allow_empty_client_id = false;
  broker_core core(cfg);
  action_list out;
  core.open(1, "peer", millis(0), out);
  auto c = make_connect("", v5);
  c.props.maximum_packet_size = 16;
  core.receive_connect(1, std::move(c), auth_verdict::allow(), millis(0), out);
  ASSERT_GT(max_sent(out, 1), 0u);
  EXPECT_LE(max_sent(out, 1), 16u);
}

TEST(CoreConnect, ServerDisconnectLeavesOutReasonStringThatWouldNotFit) {
  // [MQTT-3.14.2-3], [MQTT-3.1.2-24]
  broker_core core;
  action_list out;
  core.open(1, "peer", millis(0), out);
  auto c = make_connect("a", v5);
  c.props.maximum_packet_size = 16;
  core.receive_connect(1, std::move(c), auth_verdict::allow(), millis(0), out);
  out.clear();
  core.receive(1, codec::auth_packet{reason_code::re_authenticate, {}}, {}, millis(0), out);
  ASSERT_GT(max_sent(out, 1), 0u);  // the DISCONNECT is still sent, just shorter
  EXPECT_LE(max_sent(out, 1), 16u);
}

// ---------------------------------------------------------------- CONNACK properties

TEST(CoreConnect, DefaultConnackPropertiesDescribeTheDefaultConfig) {
  core_test_driver d;
  auto& c = d.connect(make_connect("a", v5));
  auto ack = c.take<codec::connack_packet>();
  const broker_config cfg;
  EXPECT_EQ(ack.props.receive_maximum, cfg.receive_maximum);
  EXPECT_EQ(ack.props.maximum_packet_size, cfg.maximum_packet_size);
  EXPECT_EQ(ack.props.topic_alias_maximum, cfg.topic_alias_maximum);
  // Defaults that mean "supported" are left out (3.2.2.3).
  EXPECT_FALSE(ack.props.maximum_qos);
  EXPECT_FALSE(ack.props.retain_available);
  EXPECT_FALSE(ack.props.wildcard_subscription_available);
  EXPECT_FALSE(ack.props.subscription_identifier_available);
  EXPECT_FALSE(ack.props.shared_subscription_available);
  EXPECT_FALSE(ack.props.server_keep_alive);
  EXPECT_FALSE(ack.props.session_expiry_interval);
  EXPECT_FALSE(ack.props.assigned_client_identifier);
  EXPECT_FALSE(ack.props.authentication_method);  // [MQTT-4.12.0-6]
}

TEST(CoreConnect, ConnackPropertiesReflectRestrictiveConfig) {
  // [MQTT-3.2.2-9] a server without QoS 2 announces Maximum QoS.
  broker_config cfg;
  cfg.receive_maximum = 7;
  cfg.maximum_packet_size = 4096;
  cfg.topic_alias_maximum = 0;
  cfg.maximum_qos = qos::at_least_once;
  cfg.retain_available = false;
  cfg.wildcard_subscription_available = false;
  cfg.subscription_identifiers_available = false;
  cfg.shared_subscription_available = false;
  cfg.server_keep_alive = 30;
  core_test_driver d(cfg);
  auto& c = d.connect(make_connect("a", v5));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_EQ(ack.props.receive_maximum, 7);
  EXPECT_EQ(ack.props.maximum_packet_size, 4096u);
  EXPECT_FALSE(ack.props.topic_alias_maximum);  // 0: aliases off [MQTT-3.2.2-18]
  EXPECT_EQ(ack.props.maximum_qos, 1);
  EXPECT_EQ(ack.props.retain_available, 0);
  EXPECT_EQ(ack.props.wildcard_subscription_available, 0);
  EXPECT_EQ(ack.props.subscription_identifier_available, 0);
  EXPECT_EQ(ack.props.shared_subscription_available, 0);
  EXPECT_EQ(ack.props.server_keep_alive, 30);
}

TEST(CoreConnect, MaximumQos0IsAnnounced) {
  // [MQTT-3.2.2-9]
  broker_config cfg;
  cfg.maximum_qos = qos::at_most_once;
  core_test_driver d(cfg);
  auto& c = d.connect(make_connect("a", v5));
  EXPECT_EQ(c.take<codec::connack_packet>().props.maximum_qos, 0);
}

TEST(CoreConnect, CappedSessionExpiryIsReturnedInConnack) {
  // 3.2.2.3.2: the server tells the client when it uses a different Session Expiry Interval.
  broker_config cfg;
  cfg.maximum_session_expiry = 60;
  core_test_driver d(cfg);
  auto capped = make_connect("a", v5);
  capped.props.session_expiry_interval = 3600;
  auto& a = d.connect(capped);
  EXPECT_EQ(a.take<codec::connack_packet>().props.session_expiry_interval, 60u);
  auto within = make_connect("b", v5);
  within.props.session_expiry_interval = 30;
  auto& b = d.connect(within);
  EXPECT_FALSE(b.take<codec::connack_packet>().props.session_expiry_interval);
}

TEST(CoreConnect, V311ConnackCarriesNoProperties) {
  core_test_driver d;
  auto& c = d.connect(make_connect("a", v311));
  auto ack = c.take<codec::connack_packet>();
  EXPECT_EQ(ack.reason, 0);
  EXPECT_EQ(ack.props, codec::properties{});
}

TEST(CoreConnect, StatsCountConnectedClients) {
  core_test_driver d;
  auto& a = d.connect_v5("a");
  d.connect_v311("b");
  EXPECT_EQ(d.core.stats().clients_connected, 2u);
  EXPECT_EQ(d.core.stats().sessions, 2u);
  d.drop(a);
  EXPECT_EQ(d.core.stats().clients_connected, 1u);
  EXPECT_EQ(d.core.stats().sessions, 1u);
}

TEST(CoreConnect, ConnectAndDisconnectAreLogged) {
  core_test_driver d;
  auto& a = d.connect_v5("logme");
  d.drop(a);
  ASSERT_GE(d.logs.size(), 2u);
  EXPECT_NE(d.logs[0].find("event=connect"), std::string::npos);
  EXPECT_NE(d.logs[0].find("client_id=\"logme\""), std::string::npos);
  EXPECT_NE(d.logs.back().find("event=disconnect"), std::string::npos);
}

}  // namespace
}  // namespace mqtt::broker
