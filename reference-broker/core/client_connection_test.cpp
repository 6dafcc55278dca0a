// client_connection_test.cpp: the per-connection session in front of the core: bytes in,
// verdict questions out, the hold that keeps packets in order, and what an unset verdict
// means.
#include "reference-broker/core/client_connection.hpp"

#include <gtest/gtest.h>

#include "codec/packet_codec.hpp"

namespace mqtt::broker {
namespace {

using codec::protocol_version;
using codec::reason_code;

codec::byte_buffer wire(const codec::packet& p, protocol_version v = protocol_version::v5_0) {
  return codec::encode_packet(p, v);
}

codec::byte_buffer concat(std::initializer_list<codec::byte_buffer> parts) {
  codec::byte_buffer all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

codec::connect_packet connect_v5(std::string client_id) {
  codec::connect_packet c;
  c.version = protocol_version::v5_0;
  c.client_id = std::move(client_id);
  c.clean_start = true;
  return c;
}

codec::publish_packet publish(std::string topic, codec::qos q = codec::qos::at_least_once,
                              std::uint16_t id = 1) {
  codec::publish_packet p;
  p.topic = std::move(topic);
  p.payload = {'x'};
  p.qos_level = q;
  p.packet_id = q == codec::qos::at_most_once ? 0 : id;
  return p;
}

// session_under_test is one client_connection on a core, with what it sent decoded.
struct session_under_test {
  broker_core core;
  client_connection link;
  millis now{1'000};
  action_list out;

  session_under_test() : link(core, peer_identity{1, "", {}, "127.0.0.1", 5000, "tcp"}) {
    link.open(now, out);
  }

  next_step feed(const codec::byte_buffer& bytes) { return link.feed(bytes, now, out); }

  // sent decodes the packets sent to the connection so far and forgets them.
  std::vector<codec::packet> sent() {
    std::vector<codec::packet> packets;
    for (const action& a : out) {
      if (a.what != action::kind::send || a.conn != 1) continue;
      const codec::byte_buffer bytes = wire_bytes(a);
      auto r = codec::decode_packet(bytes, protocol_version::v5_0);
      EXPECT_EQ(r.status, codec::decode_status::ok) << r.why;
      if (r.value) packets.push_back(std::move(*r.value));
    }
    out.clear();
    return packets;
  }
  bool closed() const {
    for (const action& a : out) {
      if (a.what == action::kind::close && a.conn == 1) return true;
    }
    return false;
  }
};

TEST(ClientConnection, PacketsBehindAConnectWaitForItsVerdictInOrder) {
  session_under_test t;
  codec::subscribe_packet sub;
  sub.packet_id = 2;
  sub.subscriptions.push_back({"s/#", {}});
  // One read holds CONNECT, PUBLISH and SUBSCRIBE: each is asked about in turn, and
  // nothing is answered before its verdict.
  ASSERT_EQ(t.feed(concat({wire(connect_v5("a")), wire(publish("t/1")), wire(sub)})),
            next_step::ask);
  EXPECT_EQ(t.link.question().what, verdict_question::kind::connect);
  EXPECT_EQ(t.link.question().who->client_id, "a");
  EXPECT_TRUE(t.sent().empty());

  ASSERT_EQ(t.link.answer_connect(auth_verdict::allow(), t.now, t.out), next_step::ask);
  auto acks = t.sent();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<codec::connack_packet>(acks[0]));
  EXPECT_EQ(t.link.question().what, verdict_question::kind::publish);

  ASSERT_EQ(t.link.answer_acl(acl_verdicts::allow_all(), t.now, t.out), next_step::ask);
  EXPECT_EQ(t.link.question().what, verdict_question::kind::subscribe);
  ASSERT_EQ(t.link.answer_acl(acl_verdicts::allow_all(), t.now, t.out), next_step::read);
  auto rest = t.sent();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<codec::puback_packet>(rest[0]));
  EXPECT_TRUE(std::holds_alternative<codec::suback_packet>(rest[1]));
}

// The held packet lives in a box kept between PUBLISHes: each question must show the
// packet just read, never the one before it.
TEST(ClientConnection, EachQuestionShowsThePacketJustRead) {
  session_under_test t;
  ASSERT_EQ(t.feed(wire(connect_v5("a"))), next_step::ask);
  ASSERT_EQ(t.link.answer_connect(auth_verdict::allow(), t.now, t.out), next_step::read);
  t.sent();
  for (const char* topic : {"t/1", "t/2", "t/3"}) {
    ASSERT_EQ(t.feed(wire(publish(topic))), next_step::ask) << topic;
    const verdict_question q = t.link.question();
    ASSERT_EQ(q.what, verdict_question::kind::publish);
    const auto* p = std::get_if<codec::publish_packet>(q.packet);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->topic, topic);
    ASSERT_EQ(t.link.answer_acl(acl_verdicts::allow_all(), t.now, t.out), next_step::read);
    const auto acks = t.sent();
    ASSERT_EQ(acks.size(), 1u) << topic;
    EXPECT_TRUE(std::holds_alternative<codec::puback_packet>(acks[0]));
  }
}

// Every connection has one, idle or not: the packet waiting for a verdict is boxed, not
// held inline (a codec::packet is over 1 KB; 10,000 idle connections have a 100 MiB budget).
TEST(ClientConnection, TheRecordOfAConnectionStaysSmall) {
  static_assert(sizeof(codec::packet) > 1024);
  EXPECT_LT(sizeof(client_connection), 512u);
}

TEST(ClientConnection, ConnectSplitAnywhereIsAskedAboutOnceWhole) {
  session_under_test t;
  const codec::byte_buffer bytes = wire(connect_v5("split"));
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    ASSERT_EQ(t.feed({bytes[i]}), next_step::read) << "byte " << i;
  }
  EXPECT_EQ(t.feed({bytes.back()}), next_step::ask);
}

TEST(ClientConnection, UnsetConnectVerdictRefuses) {
  session_under_test t;
  ASSERT_EQ(t.feed(wire(connect_v5("a"))), next_step::ask);
  EXPECT_EQ(t.link.answer_connect(auth_verdict{}, t.now, t.out), next_step::stop);
  auto got = t.sent();
  ASSERT_EQ(got.size(), 1u);
  const auto* ack = std::get_if<codec::connack_packet>(&got[0]);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->reason, static_cast<std::uint8_t>(reason_code::not_authorized));
}

TEST(ClientConnection, UnsetPublishVerdictDenies) {
  session_under_test t;
  t.feed(wire(connect_v5("a")));
  t.link.answer_connect(auth_verdict::allow(), t.now, t.out);
  t.sent();
  ASSERT_EQ(t.feed(wire(publish("t"))), next_step::ask);
  t.link.answer_acl(acl_verdicts{}, t.now, t.out);
  auto got = t.sent();
  ASSERT_EQ(got.size(), 1u);
  const auto* ack = std::get_if<codec::puback_packet>(&got[0]);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->reason, reason_code::not_authorized);
}

TEST(ClientConnection, AliasOnlyPublishIsAskedAboutItsTopicName) {
  // 3.3.2.3.4: the ACL check must see the Topic Name the alias stands for.
  session_under_test t;
  t.feed(wire(connect_v5("a")));
  t.link.answer_connect(auth_verdict::allow(), t.now, t.out);
  auto set = publish("sensors/1", codec::qos::at_most_once);
  set.props.topic_alias = 1;
  ASSERT_EQ(t.feed(wire(set)), next_step::ask);
  t.link.answer_acl(acl_verdicts::allow_all(), t.now, t.out);
  auto use = publish("", codec::qos::at_most_once);
  use.props.topic_alias = 1;
  ASSERT_EQ(t.feed(wire(use)), next_step::ask);
  const auto& asked = std::get<codec::publish_packet>(*t.link.question().packet);
  EXPECT_EQ(asked.topic, "sensors/1");
  EXPECT_FALSE(asked.props.topic_alias);
}

TEST(ClientConnection, NothingIsReadOrAskedAfterAMalformedPacket) {
  // [MQTT-4.13.1-1] after a malformed packet the server closes; the PUBLISH pipelined
  // behind it reaches neither the authorizer nor the core.
  session_under_test t;
  t.feed(wire(connect_v5("a")));
  t.link.answer_connect(auth_verdict::allow(), t.now, t.out);
  t.sent();
  const codec::byte_buffer malformed = {0xC0, 0x01, 0x00};  // PINGREQ with a body
  EXPECT_EQ(t.feed(concat({malformed, wire(publish("t"))})), next_step::stop);
  EXPECT_TRUE(t.closed());
  auto got = t.sent();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<codec::disconnect_packet>(got[0]));
  EXPECT_EQ(t.feed(wire(publish("t"))), next_step::stop);
}

TEST(ClientConnection, PublishBeforeConnectIsNotAskedAbout) {
  // [MQTT-3.1.0-1] the first packet must be CONNECT: the core closes, nobody is asked.
  session_under_test t;
  EXPECT_EQ(t.feed(wire(publish("t"))), next_step::stop);
  EXPECT_TRUE(t.closed());
}

TEST(ClientConnection, AFirstPacketIsRefusedByItsFirstByte) {
  // [MQTT-3.1.0-1] with 3.1.1 [MQTT-4.8.0-1] / 5.0 [MQTT-4.13.1-1]: the type nibble
  // already shows the protocol violation, so the connection closes without waiting for
  // the body a large Remaining Length announces (cf. CVE-2023-0809), and sends nothing.
  for (std::uint8_t first : {0x82, 0x30, 0xC0, 0x00, 0xF0}) {
    session_under_test t;
    EXPECT_EQ(t.feed({first}), next_step::stop) << int{first};
    EXPECT_TRUE(t.closed()) << int{first};
    EXPECT_TRUE(t.sent().empty()) << int{first};
  }
}

TEST(ClientConnection, AConnectSplitAfterItsFirstByteIsNotRefused) {
  session_under_test t;
  const codec::byte_buffer connect = wire(connect_v5("a"));
  EXPECT_EQ(t.feed({connect.front()}), next_step::read);
  EXPECT_EQ(t.feed(codec::byte_buffer(connect.begin() + 1, connect.end())), next_step::ask);
  EXPECT_FALSE(t.closed());
}

}  // namespace
}  // namespace mqtt::broker
