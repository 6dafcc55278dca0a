// 4.6 Message ordering: the server forwards one client's messages on a topic, per QoS,
// in the order it received them. The publisher sends each batch without waiting for
// acknowledgements, so the broker has several in flight at once.
#include "conformance/harness/s4_6_ordering_checks.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Ordering : public ordering_checks<v5_test> {
 protected:
  // check_order publishes `count` messages at `q` back to back (acknowledgements are
  // collected afterwards) and expects them at the subscriber in the same order.
  void check_order(codec::qos q, int count) {
    const std::string t = topic("order");
    auto sub = connect_client("sub");
    ASSERT_TRUE(sub);
    ASSERT_TRUE(subscribe(*sub, t, q));
    auto pub = connect_client("pub");
    ASSERT_TRUE(pub);
    for (int i = 0; i < count; ++i) {
      codec::publish_packet p;
      p.topic = t;
      p.payload = payload_bytes(std::to_string(i));
      p.qos_level = q;
      p.packet_id = q == codec::qos::at_most_once ? 0 : static_cast<std::uint16_t>(i + 1);
      pub->send_packet(p);
    }
    // Acknowledgements: PUBACK per QoS 1 message; PUBREC (answered with PUBREL), then
    // PUBCOMP per QoS 2 message, the two kinds possibly interleaved.
    for (int done = 0; q != codec::qos::at_most_once && done < count;) {
      auto r = pub->expect_ack();
      if (const auto* rec = r.as<codec::pubrec_packet>()) {
        codec::pubrel_packet rel;
        rel.packet_id = rec->packet_id;
        pub->send_packet(rel);
      } else if (r.as<codec::puback_packet>() || r.as<codec::pubcomp_packet>()) {
        ++done;
      } else {
        FAIL() << mismatch("S→C PUBACK, PUBREC or PUBCOMP", r);
      }
    }
    // The subscriber acknowledges as it reads (PUBACK, PUBREC, PUBCOMP for each PUBREL):
    // the server may send the next PUBLISH before the previous exchange has finished.
    int received = 0, released = 0;
    const int releases = q == codec::qos::exactly_once ? count : 0;
    while (received < count || released < releases) {
      auto r = sub->expect_packet();
      if (const auto* p = r.as<codec::publish_packet>()) {
        const std::string want = std::to_string(received);
        EXPECT_LT(received, count) << mismatch("no PUBLISH beyond the " + std::to_string(count), r);
        EXPECT_EQ(p->payload, payload_bytes(want))
            << "message " << want << " out of order\n" << mismatch("PUBLISH " + want, r);
        if (HasFailure()) return;  // the first message out of order says it
        ++received;
        if (p->qos_level == codec::qos::at_least_once) {
          codec::puback_packet ack;
          ack.packet_id = p->packet_id;
          sub->send_packet(ack);
        } else if (p->qos_level == codec::qos::exactly_once) {
          codec::pubrec_packet rec;
          rec.packet_id = p->packet_id;
          sub->send_packet(rec);
        }
      } else if (const auto* rel = r.as<codec::pubrel_packet>()) {
        codec::pubcomp_packet comp;
        comp.packet_id = rel->packet_id;
        sub->send_packet(comp);
        ++released;
      } else {
        FAIL() << mismatch("S→C PUBLISH " + std::to_string(received) + " of " +
                               std::to_string(count) + " (or PUBREL)",
                           r);
      }
    }
  }
};

// [MQTT-4.6.0-5] QoS 2 messages from one client on one topic arrive in publish order.
TEST_F(V5Ordering, QosTwoMessagesForwardedInOrder) {
  statement("MQTT-4.6.0-5");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  check_order(codec::qos::exactly_once, 10);
}

// [MQTT-4.6.0-5] The same for QoS 0 messages.
TEST_F(V5Ordering, QosZeroMessagesForwardedInOrder) {
  statement("MQTT-4.6.0-5");
  check_order(codec::qos::at_most_once, 20);
}

// [MQTT-4.6.0-6] Topics are ordered by default: one publisher's QoS 1 messages on a topic
// reach a subscriber in the order they were published (each acknowledged before the next).
TEST_F(V5Ordering, MessagesForwardedInPublishOrder) {
  statement("MQTT-4.6.0-6");
  check_acknowledged_publishes_in_order();
}

// [MQTT-4.6.0-6] The same with 20 QoS 1 messages in flight at once.
TEST_F(V5Ordering, PipelinedQosOneMessagesForwardedInOrder) {
  statement("MQTT-4.6.0-6");
  check_order(codec::qos::at_least_once, 20);
}
