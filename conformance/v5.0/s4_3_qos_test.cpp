// 4.3 Quality of Service levels and protocol flows, as seen from the broker's receiving
// side, and 4.6 message ordering.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5QualityOfService : public v5_test {
 protected:
  codec::publish_packet message(const std::string& t, std::string_view body, codec::qos q,
                                std::uint16_t id, bool dup = false) {
    codec::publish_packet p;
    p.topic = t;
    p.payload = payload_bytes(body);
    p.qos_level = q;
    p.packet_id = id;
    p.dup = dup;
    return p;
  }
};

// [MQTT-4.3.2-5] After PUBACK, a PUBLISH reusing the Packet Identifier is a new message
// (even with DUP set): it is acknowledged and delivered again.
TEST_F(V5QualityOfService, QosOneIdentifierReusedAfterPubackIsNewMessage) {
  statement("MQTT-4.3.2-5");
  const std::string t = topic("q1");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, message(t, "one", codec::qos::at_least_once, 7)));
  ASSERT_TRUE(publish(*pub, message(t, "two", codec::qos::at_least_once, 7, true)));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b)) << "the second message (same id) was not delivered";
  EXPECT_EQ(a.payload, payload_bytes("one"));
  EXPECT_EQ(b.payload, payload_bytes("two"));
}

// [MQTT-4.3.3-10] Until PUBREL, a repeated QoS 2 PUBLISH is answered with PUBREC and not
// delivered a second time.
TEST_F(V5QualityOfService, QosTwoDuplicateBeforePubrelNotDeliveredTwice) {
  statement("MQTT-4.3.3-10");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  // The subscriber takes QoS 1: the flow under test is the publisher's QoS 2 exchange.
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  pub->send_packet(message(t, "once", codec::qos::exactly_once, 9));
  auto r1 = pub->expect_packet();
  ASSERT_TRUE(r1.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 .. 0009", r1);
  pub->send_packet(message(t, "once", codec::qos::exactly_once, 9, true));
  auto r2 = pub->expect_packet();
  const auto* rec = r2.as<codec::pubrec_packet>();
  EXPECT_TRUE(rec && rec->packet_id == 9) << mismatch("S→C PUBREC 50 .. 0009 again", r2);
  codec::pubrel_packet rel;
  rel.packet_id = 9;
  pub->send_packet(rel);
  auto r3 = pub->expect_packet();
  EXPECT_TRUE(r3.as<codec::pubcomp_packet>()) << mismatch("S→C PUBCOMP 70 .. 0009", r3);
  ASSERT_TRUE(receive_publish(*sub, nullptr));
  auto r4 = sub->expect_no_packet();
  EXPECT_EQ(r4.status, recv_status::timeout) << mismatch("the message delivered only once", r4);
}

// [MQTT-4.3.3-11] Each PUBREL is answered by a PUBCOMP with the same identifier.
TEST_F(V5QualityOfService, PubrelAnsweredWithPubcomp) {
  statement("MQTT-4.3.3-11");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  pub->send_packet(message(topic("q2"), "x", codec::qos::exactly_once, 0x0102));
  auto r1 = pub->expect_packet();
  ASSERT_TRUE(r1.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC", r1);
  codec::pubrel_packet rel;
  rel.packet_id = 0x0102;
  pub->send_packet(rel);
  auto r2 = pub->expect_packet();
  const auto* comp = r2.as<codec::pubcomp_packet>();
  EXPECT_TRUE(comp && comp->packet_id == 0x0102) << mismatch("S→C PUBCOMP 70 .. 0102", r2);
}

// [MQTT-4.3.3-12] After PUBCOMP, the same identifier starts a new message.
TEST_F(V5QualityOfService, QosTwoIdentifierReusedAfterPubcompIsNewMessage) {
  statement("MQTT-4.3.3-12");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  // The subscriber takes QoS 1: the flow under test is the publisher's QoS 2 exchange.
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, message(t, "one", codec::qos::exactly_once, 5)));
  ASSERT_TRUE(publish(*pub, message(t, "two", codec::qos::exactly_once, 5)));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b)) << "the second message (same id) was not delivered";
  EXPECT_EQ(b.payload, payload_bytes("two"));
}

// [MQTT-4.6.0-6] Topics are ordered by default: one publisher's QoS 1 messages on a topic
// reach a subscriber in the order they were published.
TEST_F(V5QualityOfService, MessagesForwardedInPublishOrder) {
  statement("MQTT-4.6.0-6");
  const std::string t = topic("order");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  constexpr int count = 20;
  for (int i = 0; i < count; ++i)
    ASSERT_TRUE(publish(*pub, t, std::to_string(i), codec::qos::at_least_once,
                        false, static_cast<std::uint16_t>(i + 1)));
  for (int i = 0; i < count; ++i) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    ASSERT_EQ(got.payload, payload_bytes(std::to_string(i))) << "message " << i << " out of order";
  }
}
