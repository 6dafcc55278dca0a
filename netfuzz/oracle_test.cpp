// oracle_test: the oracle accepts every outcome the spec permits for a fault (close, a
// DISCONNECT or error CONNACK first, or leaving open where only the sender is bound) and
// rejects the wrong ones (a positive answer to the faulty packet, staying open).
#include "netfuzz/oracle.hpp"

#include <gtest/gtest.h>

#include "codec/hex.hpp"

using namespace mqtt::codec;
using namespace mqtt::netfuzz;

namespace {

const auto v5 = protocol_version::v5_0;
const auto v311 = protocol_version::v3_1_1;

byte_buffer hex(std::string_view h) { return *from_hex(h); }

// CONNECT 3.1.1 "nf0", PUBLISH QoS 3 id 0x1234, PINGREQ.
const byte_buffer qos3_stream = hex("10 0F 0004 4D515454 04 02 003C 0003 6E6630"
                                    "36 0A 0004 6E662F61 1234 6869"
                                    "C0 00");
// CONNECT 5.0 "nf0", PUBLISH QoS 1 id 0x1234 (valid), PINGREQ.
const byte_buffer valid_v5 = hex("10 10 0004 4D515454 05 02 003C 00 0003 6E6630"
                                 "32 0B 0004 6E662F61 1234 00 6869"
                                 "C0 00");

connack_packet accepted() { return connack_packet{}; }
puback_packet puback(std::uint16_t id) { puback_packet p; p.packet_id = id; return p; }

}  // namespace

TEST(NetfuzzOracle, AnalysisFindsTheFaultAndTheAnswersBeforeIt) {
  auto a = analyse_stream(qos3_stream, v311, std::nullopt);
  ASSERT_TRUE(a.fault);
  EXPECT_EQ(a.fault->packet_index, 1u);
  EXPECT_TRUE(a.fault->strict);
  EXPECT_EQ(a.fault->packet_id, 0x1234);
  EXPECT_EQ(a.answers[static_cast<int>(packet_type::connack)], 1);
  auto b = analyse_stream(valid_v5, v5, 10);
  EXPECT_FALSE(b.fault);
  EXPECT_EQ(b.answers[static_cast<int>(packet_type::puback)], 1);
  EXPECT_EQ(b.answers[static_cast<int>(packet_type::pingresp)], 1);
}

TEST(NetfuzzOracle, ValidSequenceAnsweredNormallyIsOk) {
  observation o;
  o.packets = {accepted(), puback(0x1234), pingresp_packet{}};
  EXPECT_EQ(judge(valid_v5, v5, o).outcome, verdict::ok);
}

TEST(NetfuzzOracle, EveryPermittedAnswerToAStrictFaultIsAccepted) {
  observation closed;  // plain close
  closed.packets = {accepted()};
  closed.closed = true;
  EXPECT_EQ(judge(qos3_stream, v311, closed).outcome, verdict::ok);
  observation nothing;  // closed before even the CONNACK
  nothing.closed = true;
  EXPECT_EQ(judge(qos3_stream, v311, nothing).outcome, verdict::ok);
  observation with_disconnect;  // 5.0: DISCONNECT 0x81, then close
  disconnect_packet d;
  d.reason = reason_code::malformed_packet;
  with_disconnect.packets = {accepted(), d};
  with_disconnect.closed = true;
  EXPECT_EQ(judge(qos3_stream, v5, with_disconnect).outcome, verdict::ok);
  observation announced;  // DISCONNECT >= 0x80 announces the close even if it lags
  announced.packets = {accepted(), d};
  EXPECT_EQ(judge(qos3_stream, v5, announced).outcome, verdict::ok);
  observation later_pingresp_then_close;  // read on, then closed: allowed, noted
  later_pingresp_then_close.packets = {accepted(), pingresp_packet{}};
  later_pingresp_then_close.closed = true;
  EXPECT_EQ(judge(qos3_stream, v311, later_pingresp_then_close).outcome, verdict::note);
}

TEST(NetfuzzOracle, PositiveAnswerToTheFaultyPacketIsAWrongAnswer) {
  observation o;
  o.packets = {accepted(), puback(0x1234)};
  o.closed = true;
  const auto j = judge(qos3_stream, v311, o);
  EXPECT_EQ(j.outcome, verdict::wrong_answer) << j.what;
  EXPECT_EQ(j.statement, "MQTT-4.8.0-1");
}

TEST(NetfuzzOracle, StayingOpenAfterAStrictFaultIsNotClosed) {
  observation o;
  o.packets = {accepted(), pingresp_packet{}};
  o.answered_after_wait = true;
  EXPECT_EQ(judge(qos3_stream, v311, o).outcome, verdict::not_closed);
  observation silent;  // neither closed nor answered: cannot tell a slow broker, only noted
  silent.packets = {accepted()};
  EXPECT_EQ(judge(qos3_stream, v311, silent).outcome, verdict::note);
}

TEST(NetfuzzOracle, ErrorConnackToAMalformedConnectIsAllowedSuccessIsNot) {
  // CONNECT 3.1.1 with the reserved flag set [MQTT-3.1.2-3].
  const auto bad = hex("10 0F 0004 4D515454 04 03 003C 0003 6E6630 C0 00");
  observation refused;
  connack_packet c;
  c.reason = 0x02;
  refused.packets = {c};
  refused.closed = true;
  EXPECT_EQ(judge(bad, v311, refused).outcome, verdict::ok);
  observation accepted_it;
  accepted_it.packets = {accepted()};
  accepted_it.closed = true;
  EXPECT_EQ(judge(bad, v311, accepted_it).outcome, verdict::wrong_answer);
}

TEST(NetfuzzOracle, SenderOnlyRulesAreNeverFailures) {
  // PUBLISH QoS 1 with Packet Identifier 0: the spec binds the sender, the broker chooses.
  const auto id0 = hex("10 0F 0004 4D515454 04 02 003C 0003 6E6630"
                       "32 0A 0004 6E662F61 0000 6869 C0 00");
  observation acked;
  acked.packets = {accepted(), puback(0), pingresp_packet{}};
  acked.answered_after_wait = true;
  const auto j = judge(id0, v311, acked);
  EXPECT_NE(j.outcome, verdict::wrong_answer);
  EXPECT_NE(j.outcome, verdict::not_closed);
}

TEST(NetfuzzOracle, SecondConnectMustBeRefused) {
  const auto twice = hex("10 0F 0004 4D515454 04 02 003C 0003 6E6630"
                         "10 0F 0004 4D515454 04 02 003C 0003 6E6630 C0 00");
  observation two_connacks;
  two_connacks.packets = {accepted(), accepted()};
  two_connacks.closed = true;
  const auto j = judge(twice, v311, two_connacks);
  EXPECT_EQ(j.outcome, verdict::wrong_answer);
  EXPECT_EQ(j.statement, "MQTT-3.1.0-2");
}

TEST(NetfuzzOracle, TopicAliasIsJudgedAgainstTheConnack) {
  // PUBLISH 5.0 QoS 0 with Topic Alias 5.
  const auto alias = hex("10 10 0004 4D515454 05 02 003C 00 0003 6E6630"
                         "30 0C 0004 6E662F61 03 23 0005 6869 C0 00");
  connack_packet max10;
  max10.props.topic_alias_maximum = 10;
  observation fine;
  fine.packets = {max10, pingresp_packet{}};
  EXPECT_EQ(judge(alias, v5, fine).outcome, verdict::ok);
  observation over;  // the broker announced no aliases: alias 5 is a Protocol Error
  over.packets = {accepted(), pingresp_packet{}};
  over.answered_after_wait = true;
  EXPECT_EQ(judge(alias, v5, over).outcome, verdict::not_closed);
  observation unknown;  // no CONNACK seen: cannot judge
  unknown.answered_after_wait = true;
  EXPECT_NE(judge(alias, v5, unknown).outcome, verdict::not_closed);
}

TEST(NetfuzzOracle, MustCloseListsOnlyReceiverDuties) {
  EXPECT_TRUE(must_close("PUBLISH: QoS bits are 11 [MQTT-3.3.1-4]"));
  EXPECT_TRUE(must_close("PUBLISH: Topic Name is not valid UTF-8 (surrogate) [MQTT-1.5.4-1]"));
  EXPECT_FALSE(must_close("PUBLISH: Packet Identifier is 0 [MQTT-2.2.1-3]"));
  EXPECT_FALSE(must_close("PUBLISH: Remaining Length is not minimally encoded [MQTT-1.5.5-1]"));
  EXPECT_FALSE(must_close("PROPERTIES(PUBLISH): Payload Format Indicator is 2, not 0 or 1"));
  EXPECT_FALSE(must_close("PUBLISH: DUP is set on a QoS 0 message [MQTT-3.3.1-2]"));
}

TEST(NetfuzzOracle, BrokenServerOnlyPacketsAreNotJudged) {
  // A client sends a PINGRESP with flags set: a server has no handling for PINGRESP at all.
  const auto stream = hex("10 0F 0004 4D515454 04 02 003C 0003 6E6630 D3 00 C0 00");
  observation o;
  o.packets = {accepted(), pingresp_packet{}};
  o.answered_after_wait = true;
  EXPECT_EQ(judge(stream, v311, o).outcome, verdict::note);
}

TEST(NetfuzzOracle, ReservedFlagsOnAPingreqAnsweredIsAWrongAnswer) {
  // 3.1.1 [MQTT-2.2.2-2]: invalid flags, the receiver MUST close; a PINGRESP to it is wrong.
  const auto stream = hex("10 0F 0004 4D515454 04 02 003C 0003 6E6630 CF 00 C0 00");
  observation o;
  o.packets = {accepted(), pingresp_packet{}, pingresp_packet{}};
  o.answered_after_wait = true;
  EXPECT_EQ(judge(stream, v311, o).outcome, verdict::wrong_answer);
  observation one;  // one PINGRESP: it may be for the valid PINGREQ after the fault
  one.packets = {accepted(), pingresp_packet{}};
  one.closed = true;
  EXPECT_EQ(judge(stream, v311, one).outcome, verdict::note);
}

TEST(NetfuzzOracle, AnMqtt31SessionIsNotJudgedByTheNewerSpecs) {
  // CONNECT "MQIsdp" level 3 with header flags 0x4: MQTT 3.1 says the flags are "not used";
  // [MQTT-2.2.2-2] is a 3.1.1 rule. Mosquitto answers such a CONNECT with CONNACK 0.
  const auto stream = hex("14 12 0006 4D5149736470 03 02 003C 0004 6E663331 C0 00");
  observation o;
  o.packets = {connack_packet{}, pingresp_packet{}};
  o.answered_after_wait = true;
  EXPECT_EQ(judge(stream, v311, o).outcome, verdict::note);
  // The same CONNECT naming MQTT 3.1.1 is judged: a CONNACK 0 to it is a wrong answer.
  const auto v311_stream = hex("14 10 0004 4D515454 04 02 003C 0004 6E663331 C0 00");
  EXPECT_EQ(judge(v311_stream, v311, o).outcome, verdict::wrong_answer);
}
