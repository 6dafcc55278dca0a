// 4.4 Message delivery retry: on a CleanSession 0 reconnect the server re-sends
// unacknowledged PUBLISH and PUBREL packets with their original Packet Identifiers.
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311DeliveryRetry : public v311::session_test {
 protected:
  // resume_after_unacknowledged has a new CleanSession 0 session receive "retry" at `q`
  // on topic(leaf) without acknowledging it, drops the connection and resumes the
  // session. `first` receives the PUBLISH as first delivered. nullptr after a failure.
  std::unique_ptr<raw_client> resume_after_unacknowledged(codec::qos q, std::string_view leaf,
                                                          codec::publish_packet* first) {
    const std::string id = session_id("s");
    auto [sub, pub] =
        deliver_unacknowledged(make_publish(topic(leaf), "retry", q, 1), first, session(id, false));
    if (!sub) return nullptr;
    sub->close();
    return resume(id, "again");
  }
};

// [MQTT-4.4.0-1] An unacknowledged QoS 1 PUBLISH is re-sent on reconnect with its original
// Packet Identifier (and DUP 1).
TEST_F(V311DeliveryRetry, UnackedQosOnePublishResentWithOriginalId) {
  statement("MQTT-4.4.0-1");
  codec::publish_packet first;
  auto again = resume_after_unacknowledged(codec::qos::at_least_once, "q1", &first);
  ASSERT_TRUE(again);
  auto r = again->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  ASSERT_TRUE(p) << mismatch("S→C PUBLISH re-sent", r);
  EXPECT_EQ(p->packet_id, first.packet_id) << mismatch("the original Packet Identifier", r);
  EXPECT_EQ(p->payload, payload_bytes("retry"));
  EXPECT_TRUE(p->dup) << mismatch("DUP 1 on the re-sent PUBLISH", r);
}

// [MQTT-4.4.0-1] An unacknowledged QoS 2 PUBLISH (no PUBREC yet) is re-sent on reconnect
// with its original Packet Identifier.
TEST_F(V311DeliveryRetry, UnackedQosTwoPublishResentWithOriginalId) {
  statement("MQTT-4.4.0-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  codec::publish_packet first;
  auto again = resume_after_unacknowledged(codec::qos::exactly_once, "q2", &first);
  ASSERT_TRUE(again);
  auto r = again->expect_packet();
  const auto* p = r.as<codec::publish_packet>();
  EXPECT_TRUE(p && p->packet_id == first.packet_id)
      << mismatch("S→C PUBLISH re-sent with the original Packet Identifier", r);
}

// [MQTT-4.4.0-1] A PUBREL not yet completed is re-sent on reconnect with the original
// Packet Identifier.
TEST_F(V311DeliveryRetry, UncompletedPubrelResentWithOriginalId) {
  statement("MQTT-4.4.0-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = session_id("s");
  codec::publish_packet first;
  auto [sub, pub] = deliver_unacknowledged(
      make_publish(topic("q2"), "x", codec::qos::exactly_once, 1), &first, session(id, false));
  ASSERT_TRUE(sub);
  codec::pubrec_packet rec;
  rec.packet_id = first.packet_id;
  sub->send_packet(rec);
  auto r = sub->expect_packet();
  ASSERT_TRUE(r.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL", r);
  sub->close();
  auto again = resume(id, "again");
  ASSERT_TRUE(again);
  auto r2 = again->expect_packet();
  const auto* rel = r2.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == first.packet_id)
      << mismatch("S→C PUBREL re-sent with the original Packet Identifier", r2);
}
