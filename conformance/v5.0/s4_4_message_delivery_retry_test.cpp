// 4.4 Message delivery retry: on resuming a session (Clean Start 0) the server resends
// unacknowledged QoS 1/2 PUBLISH and PUBREL with their original Packet Identifiers, and at
// no other time; an error PUBACK/PUBREC counts as an acknowledgement.
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5DeliveryRetry : public v5::session_test {
 protected:
  // subscribed_receiver connects `id` with a fresh session subscribed to `t` at `q`, has
  // "m1" published to `t` at `q` and returns the client together with that PUBLISH, not
  // acknowledged.
  std::unique_ptr<raw_client> subscribed_receiver(const std::string& id, const std::string& t,
                                                  codec::qos q, codec::publish_packet* got) {
    return deliver_unacknowledged(make_publish(t, "m1", q, 1), got, persistent(id, true)).sub;
  }
  // in_flight is a receiver holding one delivered, unacknowledged PUBLISH: its session
  // `id`, its connection `c` and the PUBLISH `first`.
  struct in_flight {
    std::string id;
    std::unique_ptr<raw_client> c;
    codec::publish_packet first;
  };
  // receive_unacknowledged is subscribed_receiver for a new ClientID on topic("t") at `q`;
  // f.c is null after a recorded failure.
  in_flight receive_unacknowledged(codec::qos q) {
    in_flight f;
    f.id = client_id("s");
    f.c = subscribed_receiver(f.id, topic("t"), q, &f.first);
    return f;
  }
  // acknowledge sends the receiver's answer to `p` with `reason`: PUBACK for QoS 1,
  // PUBREC for QoS 2.
  static void acknowledge(raw_client& c, const codec::publish_packet& p,
                          codec::reason_code reason = codec::reason_code::success) {
    if (p.qos_level == codec::qos::at_least_once) {
      codec::puback_packet ack;
      ack.packet_id = p.packet_id;
      ack.reason = reason;
      c.send_packet(ack);
    } else {
      codec::pubrec_packet rec;
      rec.packet_id = p.packet_id;
      rec.reason = reason;
      c.send_packet(rec);
    }
  }
  // resume reconnects `id` with Clean Start 0 and expects Session Present 1.
  std::unique_ptr<raw_client> resume(const std::string& id) {
    auto c = open_client("resumed");
    if (!c) return nullptr;
    codec::connack_packet ack;
    auto ok = connect_session(*c, persistent(id, false), &ack);
    if (!ok || !ack.session_present) {
      ADD_FAILURE() << "setup: session not resumed " << ok.message();
      return nullptr;
    }
    return c;
  }
  // check_publish_resent leaves a PUBLISH at `q` unacknowledged, drops the connection
  // without DISCONNECT, resumes and expects the PUBLISH again with its Packet Identifier
  // and DUP 1 [MQTT-3.3.1-1]; with `same_payload`, also with its payload.
  void check_publish_resent(codec::qos q, bool same_payload) {
    auto f = receive_unacknowledged(q);
    ASSERT_TRUE(f.c);
    f.c->close();
    auto again = resume(f.id);
    ASSERT_TRUE(again);
    codec::publish_packet second;
    ASSERT_TRUE(receive_publish(*again, &second)) << "the unacknowledged PUBLISH was not resent";
    EXPECT_EQ(second.packet_id, f.first.packet_id) << "resent with a new Packet Identifier";
    if (same_payload) {
      EXPECT_EQ(second.payload, f.first.payload);
    }
    EXPECT_TRUE(second.dup) << "resent PUBLISH has DUP 0 [MQTT-3.3.1-1]";
  }
  // expect_nothing_resent ends `c` with a normal DISCONNECT, resumes the session of `id`
  // and expects no packet; `what` says what the test had acknowledged.
  void expect_nothing_resent(raw_client& c, const std::string& id, const std::string& what) {
    disconnect(c);
    auto again = resume(id);
    ASSERT_TRUE(again);
    auto r = again->expect_no_packet();
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no resend " + what, r);
  }
};

// [MQTT-4.4.0-1] An unacknowledged QoS 1 PUBLISH is resent on resumption with its
// original Packet Identifier (and DUP 1, [MQTT-3.3.1-1]).
TEST_F(V5DeliveryRetry, UnackedQos1PublishResentOnResume) {
  statement("MQTT-4.4.0-1");
  check_publish_resent(codec::qos::at_least_once, /*same_payload=*/true);
}

// [MQTT-4.4.0-1] An unacknowledged QoS 2 PUBLISH (no PUBREC sent) is resent on resumption
// with its original Packet Identifier.
TEST_F(V5DeliveryRetry, UnackedQos2PublishResentOnResume) {
  statement("MQTT-4.4.0-1");
  check_publish_resent(codec::qos::exactly_once, /*same_payload=*/false);
}

// [MQTT-4.4.0-1] A PUBREL left without PUBCOMP is resent on resumption (a PUBREL, not the
// PUBLISH) with its original Packet Identifier.
TEST_F(V5DeliveryRetry, UncompletedPubrelResentOnResume) {
  statement("MQTT-4.4.0-1");
  auto [id, c, first] = receive_unacknowledged(codec::qos::exactly_once);
  ASSERT_TRUE(c);
  acknowledge(*c, first);
  auto r = c->expect_packet();
  ASSERT_TRUE(r.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL", r);
  c->close();
  auto again = resume(id);
  ASSERT_TRUE(again);
  auto r2 = again->expect_packet();
  const auto* rel = r2.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == first.packet_id)
      << mismatch("S→C PUBREL 62 .. " + std::to_string(first.packet_id) + " resent", r2);
}

// [MQTT-4.4.0-1] No resend at any other time: an unacknowledged QoS 1 PUBLISH is not
// repeated on the open connection (watched for 2 broker seconds), and an acknowledged one
// is not repeated on resumption.
TEST_F(V5DeliveryRetry, NoResendOutsideResumption) {
  statement("MQTT-4.4.0-1");
  auto [id, c, first] = receive_unacknowledged(codec::qos::at_least_once);
  ASSERT_TRUE(c);
  auto r = c->expect_no_packet(real_time(2000ms));
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no resend on the open connection", r);
  acknowledge(*c, first);
  expect_nothing_resent(*c, id, "of an acknowledged PUBLISH");
}

// [MQTT-4.4.0-2] A PUBACK with reason 0x80 acknowledges the PUBLISH: it is not resent on
// resumption.
TEST_F(V5DeliveryRetry, ErrorPubackCountsAsAcknowledged) {
  statement("MQTT-4.4.0-2");
  auto [id, c, first] = receive_unacknowledged(codec::qos::at_least_once);
  ASSERT_TRUE(c);
  acknowledge(*c, first, codec::reason_code::unspecified_error);
  expect_nothing_resent(*c, id, "after PUBACK 0x80 (Unspecified error)");
}

// [MQTT-4.4.0-2] A PUBREC with reason 0x80 acknowledges the PUBLISH: no PUBREL follows
// and nothing is resent on resumption.
TEST_F(V5DeliveryRetry, ErrorPubrecCountsAsAcknowledged) {
  statement("MQTT-4.4.0-2");
  auto [id, c, first] = receive_unacknowledged(codec::qos::exactly_once);
  ASSERT_TRUE(c);
  acknowledge(*c, first, codec::reason_code::unspecified_error);
  auto r = c->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBREL after PUBREC 0x80", r);
  expect_nothing_resent(*c, id, "after PUBREC 0x80 (Unspecified error)");
}
