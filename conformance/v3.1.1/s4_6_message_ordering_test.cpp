// 4.6 Message ordering: topics are ordered by default and one publisher's messages reach
// each subscriber in the order they were sent.
#include "conformance/harness/s4_6_ordering_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Ordering : public ordering_checks<v311::session_test> {};

// [MQTT-4.6.0-5] Without any configuration a topic is ordered: 30 QoS 0 messages sent
// back to back arrive in order.
TEST_F(V311Ordering, TopicsOrderedByDefault) {
  statement("MQTT-4.6.0-5");
  const std::string t = topic("order");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  for (int i = 0; i < 30; ++i) pub->send_packet(make_publish(t, std::to_string(i)));
  for (int i = 0; i < 30; ++i) {
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got)) << "message " << i;
    EXPECT_EQ(got.payload, payload_bytes(std::to_string(i))) << "message " << i << " out of order";
    if (HasFailure()) return;  // the first message out of order says it
  }
}

// [MQTT-4.6.0-6] One publisher's messages on a topic arrive in publish order.
TEST_F(V311Ordering, MessagesForwardedInPublishOrder) {
  statement("MQTT-4.6.0-6");
  check_acknowledged_publishes_in_order();
}

// [MQTT-4.6.0-6] QoS 2 messages pipelined by one publisher (PUBRELs sent as the PUBRECs
// arrive) reach the subscriber in publish order.
TEST_F(V311Ordering, QosTwoMessagesForwardedInPublishOrder) {
  statement("MQTT-4.6.0-6");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("order2");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::exactly_once});
  ASSERT_TRUE(sub);
  constexpr int n = 10;
  for (int i = 0; i < n; ++i)
    pub->send_packet(make_publish(t, std::to_string(i), codec::qos::exactly_once,
                                  static_cast<std::uint16_t>(100 + i)));
  int completed = 0;
  for (int seen = 0; seen < 2 * n;) {
    auto r = pub->expect_ack();
    if (const auto* rec = r.as<codec::pubrec_packet>()) {
      codec::pubrel_packet rel;
      rel.packet_id = rec->packet_id;
      pub->send_packet(rel);
    } else if (r.as<codec::pubcomp_packet>()) {
      ++completed;
    } else {
      FAIL() << mismatch("S→C PUBREC or PUBCOMP", r);
    }
    ++seen;
  }
  EXPECT_EQ(completed, n);
  // The subscriber side is pipelined too: PUBREC each PUBLISH, PUBCOMP each PUBREL.
  std::vector<std::string> got;
  while (got.size() < static_cast<std::size_t>(n)) {
    auto r = sub->expect_packet();
    if (const auto* p = r.as<codec::publish_packet>()) {
      got.emplace_back(p->payload.begin(), p->payload.end());
      codec::pubrec_packet rec;
      rec.packet_id = p->packet_id;
      sub->send_packet(rec);
    } else if (const auto* rel = r.as<codec::pubrel_packet>()) {
      codec::pubcomp_packet comp;
      comp.packet_id = rel->packet_id;
      sub->send_packet(comp);
    } else {
      FAIL() << mismatch("S→C PUBLISH or PUBREL", r) << "\n  after " << got.size() << " messages";
    }
  }
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(got[i], std::to_string(i)) << "message " << i << " out of order";
}
