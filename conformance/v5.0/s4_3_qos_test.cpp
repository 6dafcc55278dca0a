// 4.3 Quality of Service levels and protocol flows: the broker as receiver (from a
// publishing client) and as sender (to a subscribing client, including what it resends
// when the session resumes).
#include <algorithm>

#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5QualityOfService : public v5::session_test {
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

  // resume reconnects `id` with Clean Start 0 and checks the session was kept.
  std::unique_ptr<raw_client> resume(std::string_view label, const std::string& id) {
    codec::connack_packet ack;
    auto c = session_client(label, id, false, &ack);
    if (c && !ack.session_present) {
      ADD_FAILURE() << "setup: CONNACK Session Present 0, the session was not kept";
      return nullptr;
    }
    return c;
  }
  // resume_with_pubrel_pending has a fresh session for `id` receive one QoS 2 message,
  // answer PUBREC and get the PUBREL, then drops the connection without PUBCOMP and resumes
  // the session. `packet_id` receives the message's identifier. nullptr after a failure.
  std::unique_ptr<raw_client> resume_with_pubrel_pending(const std::string& id,
                                                         std::uint16_t* packet_id) {
    codec::publish_packet got;
    auto [sub, pub] = deliver_unacknowledged(
        message(topic("q2"), "x", codec::qos::exactly_once, 1), &got, session(id, true));
    if (!sub) return nullptr;
    *packet_id = got.packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = got.packet_id;
    sub->send_packet(rec);
    auto r = sub->expect_packet();
    if (!r.as<codec::pubrel_packet>()) {
      ADD_FAILURE() << "setup:\n" << mismatch("S→C PUBREL", r);
      return nullptr;
    }
    sub->close();
    return resume("sub2", id);
  }
  // expect_unused_identifiers has four QoS `q` messages sent to a subscriber at `q` that
  // does not acknowledge them, and expects four distinct, non-zero Packet Identifiers.
  void expect_unused_identifiers(codec::qos q) {
    const std::string n = std::to_string(static_cast<int>(q));
    const std::string t = topic("q" + n);
    auto [sub, pub] = connect_pair(t, {.max_qos = q});
    ASSERT_TRUE(sub);
    for (std::uint16_t i = 1; i <= 4; ++i)
      ASSERT_TRUE(publish(*pub, message(t, std::to_string(i), q, i)));
    std::vector<std::uint16_t> ids;
    for (int i = 0; i < 4; ++i) {
      codec::publish_packet got;
      ASSERT_TRUE(receive_publish(*sub, &got, /*acknowledge=*/false));
      EXPECT_NE(got.packet_id, 0) << "QoS " << n << " PUBLISH with Packet Identifier 0";
      EXPECT_EQ(std::count(ids.begin(), ids.end(), got.packet_id), 0)
          << "Packet Identifier " << got.packet_id << " reused while unacknowledged";
      ids.push_back(got.packet_id);
    }
  }
  // expect_first_send_dup_clear sends one QoS `q` message to a subscriber at `q` and
  // expects it at QoS `q` with DUP 0 and a non-zero Packet Identifier (first byte `hex`).
  void expect_first_send_dup_clear(codec::qos q, const std::string& hex) {
    const std::string n = std::to_string(static_cast<int>(q));
    const std::string t = topic("q" + n);
    auto [sub, pub] = connect_pair(t, {.max_qos = q});
    ASSERT_TRUE(sub);
    ASSERT_TRUE(publish(*pub, message(t, "x", q, 1)));
    auto r = sub->expect_packet();
    const auto* got = r.as<codec::publish_packet>();
    ASSERT_TRUE(got) << mismatch("S→C PUBLISH " + hex + " ..", r);
    EXPECT_TRUE(got->qos_level == q && !got->dup && got->packet_id != 0)
        << mismatch("S→C PUBLISH " + hex + " .. (QoS " + n +
                        ", DUP 0, non-zero Packet Identifier)",
                    r);
  }
};

// [MQTT-4.3.1-1] As QoS 0 sender the server sends QoS 0 with DUP 0 (here a QoS 2 message
// to a QoS 0 subscription).
TEST_F(V5QualityOfService, QosZeroSentWithDupClear) {
  statement("MQTT-4.3.1-1");
  const std::string t = topic("q0");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  const auto q = profile().maximum_qos >= 2 ? codec::qos::exactly_once : codec::qos::at_least_once;
  ASSERT_TRUE(publish(*pub, message(t, "x", q, 1)));
  auto r = sub->expect_packet();
  const auto* got = r.as<codec::publish_packet>();
  ASSERT_TRUE(got) << mismatch("S→C PUBLISH 30 ..", r);
  EXPECT_TRUE(got->qos_level == codec::qos::at_most_once && !got->dup)
      << mismatch("S→C PUBLISH 30 .. (QoS 0, DUP 0)", r);
}

// [MQTT-4.3.2-1] As QoS 1 sender the server gives each new message an unused, non-zero
// Packet Identifier: 4 unacknowledged messages carry 4 distinct identifiers.
TEST_F(V5QualityOfService, QosOneSenderUsesUnusedIdentifiers) {
  statement("MQTT-4.3.2-1");
  expect_unused_identifiers(codec::qos::at_least_once);
}

// [MQTT-4.3.2-2] The first transmission of a QoS 1 message is QoS 1 with DUP 0.
TEST_F(V5QualityOfService, QosOneFirstSendHasDupClear) {
  statement("MQTT-4.3.2-2");
  expect_first_send_dup_clear(codec::qos::at_least_once, "32");
}

// [MQTT-4.3.2-3] A QoS 1 PUBLISH stays unacknowledged until PUBACK: unacknowledged, it is
// resent (same identifier) when the session resumes; acknowledged, it is not.
TEST_F(V5QualityOfService, QosOneOutstandingUntilPuback) {
  statement("MQTT-4.3.2-3");
  const std::string id = client_id("sub");
  codec::publish_packet first;
  auto [sub, pub] = deliver_unacknowledged(message(topic("q1"), "x", codec::qos::at_least_once, 1),
                                           &first, session(id, true));
  ASSERT_TRUE(sub);
  sub->close();
  auto back = resume("sub2", id);
  ASSERT_TRUE(back);
  codec::publish_packet again;
  ASSERT_TRUE(receive_publish(*back, &again)) << "the unacknowledged PUBLISH was not resent";
  EXPECT_EQ(again.packet_id, first.packet_id);
  EXPECT_EQ(again.payload, first.payload);
  // Now acknowledged (by receive_publish): a further resume resends nothing.
  disconnect(*back);
  auto third = resume("sub3", id);
  ASSERT_TRUE(third);
  auto r = third->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("nothing resent after PUBACK", r);
  disconnect(*third);
  end_session(id);
}

// [MQTT-4.3.2-4] As QoS 1 receiver the server answers PUBACK with the PUBLISH's Packet
// Identifier, and has taken the message on (it reaches the subscriber).
TEST_F(V5QualityOfService, QosOneReceiverPubacksWithIdentifier) {
  statement("MQTT-4.3.2-4");
  const std::string t = topic("q1");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  pub->send_packet(message(t, "owned", codec::qos::at_least_once, 0xABCD));
  auto r = pub->expect_ack();
  const auto* ack = r.as<codec::puback_packet>();
  ASSERT_TRUE(ack && ack->packet_id == 0xABCD) << mismatch("S→C PUBACK 40 .. ABCD", r);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("owned"));
}

// [MQTT-4.3.2-5] After PUBACK, a PUBLISH reusing the Packet Identifier is a new message
// (even with DUP set): it is acknowledged and delivered again.
TEST_F(V5QualityOfService, QosOneIdentifierReusedAfterPubackIsNewMessage) {
  statement("MQTT-4.3.2-5");
  const std::string t = topic("q1");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, message(t, "one", codec::qos::at_least_once, 7)));
  ASSERT_TRUE(publish(*pub, message(t, "two", codec::qos::at_least_once, 7, true)));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b)) << "the second message (same id) was not delivered";
  // Both arrive; their order is MQTT-4.6.0-5's business, checked in 4.6.
  EXPECT_TRUE((a.payload == payload_bytes("one") && b.payload == payload_bytes("two")) ||
              (a.payload == payload_bytes("two") && b.payload == payload_bytes("one")))
      << "expected the messages \"one\" and \"two\"";
}

// [MQTT-4.3.3-1] As QoS 2 sender the server gives each new message an unused, non-zero
// Packet Identifier: 4 unacknowledged messages carry 4 distinct identifiers.
TEST_F(V5QualityOfService, QosTwoSenderUsesUnusedIdentifiers) {
  statement("MQTT-4.3.3-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  expect_unused_identifiers(codec::qos::exactly_once);
}

// [MQTT-4.3.3-2] The first transmission of a QoS 2 message is QoS 2 with DUP 0.
TEST_F(V5QualityOfService, QosTwoFirstSendHasDupClear) {
  statement("MQTT-4.3.3-2");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  expect_first_send_dup_clear(codec::qos::exactly_once, "34");
}

// [MQTT-4.3.3-3] A QoS 2 PUBLISH stays unacknowledged until PUBREC: without PUBREC it is
// resent, same identifier and DUP 1, when the session resumes.
TEST_F(V5QualityOfService, QosTwoOutstandingUntilPubrec) {
  statement("MQTT-4.3.3-3");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = client_id("sub");
  codec::publish_packet first;
  auto [sub, pub] = deliver_unacknowledged(message(topic("q2"), "x", codec::qos::exactly_once, 1),
                                           &first, session(id, true));
  ASSERT_TRUE(sub);
  sub->close();
  auto back = resume("sub2", id);
  ASSERT_TRUE(back);
  complete_resent_qos2(*back, first, id, "S→C PUBLISH resent after resume");
}

// [MQTT-4.3.3-4] On a success PUBREC the server sends PUBREL with the original
// Packet Identifier.
TEST_F(V5QualityOfService, PubrecAnsweredWithPubrelSameIdentifier) {
  statement("MQTT-4.3.3-4");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  codec::publish_packet got;
  auto [sub, pub] =
      deliver_unacknowledged(message(topic("q2"), "x", codec::qos::exactly_once, 1), &got);
  ASSERT_TRUE(sub);
  codec::pubrec_packet rec;
  rec.packet_id = got.packet_id;
  sub->send_packet(rec);
  auto r = sub->expect_packet();
  const auto* rel = r.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == got.packet_id)
      << mismatch("S→C PUBREL 62 .. with the PUBLISH's Packet Identifier", r);
}

// [MQTT-4.3.3-5] A PUBREL stays unacknowledged until PUBCOMP: without PUBCOMP it is resent
// (same identifier) when the session resumes.
TEST_F(V5QualityOfService, PubrelOutstandingUntilPubcomp) {
  statement("MQTT-4.3.3-5");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = client_id("sub");
  std::uint16_t packet_id = 0;
  auto back = resume_with_pubrel_pending(id, &packet_id);
  ASSERT_TRUE(back);
  auto r = back->expect_packet();
  const auto* rel = r.as<codec::pubrel_packet>();
  EXPECT_TRUE(rel && rel->packet_id == packet_id)
      << mismatch("S→C PUBREL 62 .. resent with the original Packet Identifier", r);
  codec::pubcomp_packet comp;
  comp.packet_id = packet_id;
  back->send_packet(comp);
  disconnect(*back);
  end_session(id);
}

// [MQTT-4.3.3-6] Once PUBREL is sent the PUBLISH is never resent: after a resume the
// server sends PUBREL only, no PUBLISH.
TEST_F(V5QualityOfService, PublishNotResentAfterPubrel) {
  statement("MQTT-4.3.3-6");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = client_id("sub");
  std::uint16_t packet_id = 0;
  auto back = resume_with_pubrel_pending(id, &packet_id);
  ASSERT_TRUE(back);
  for (auto wait = expect_timeout;; wait = quiet_window) {
    auto next = back->expect_packet(wait);
    if (next.status == recv_status::timeout) break;
    EXPECT_FALSE(next.as<codec::publish_packet>())
        << mismatch("only PUBREL: the PUBLISH was already released", next);
    if (HasFailure()) break;
    if (const auto* rel = next.as<codec::pubrel_packet>()) {
      codec::pubcomp_packet comp;
      comp.packet_id = rel->packet_id;
      back->send_packet(comp);
    }
  }
  disconnect(*back);
  end_session(id);
}

// [MQTT-4.3.3-7] Once a QoS 2 PUBLISH has been sent, message expiry no longer applies: a
// message with a 1 s lifetime, sent but not acknowledged, is still resent after 2.2 s.
TEST_F(V5QualityOfService, SentQosTwoMessageDoesNotExpire) {
  statement("MQTT-4.3.3-7");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = client_id("sub");
  auto p = message(topic("q2"), "x", codec::qos::exactly_once, 1);
  p.props.message_expiry_interval = 1;
  codec::publish_packet first;
  auto [sub, pub] = deliver_unacknowledged(p, &first, session(id, true));
  ASSERT_TRUE(sub);
  sub->close();
  auto idle = connect_client("idle");
  ASSERT_TRUE(idle);
  ASSERT_EQ(idle->expect_no_packet(real_time(2200ms)).status, recv_status::timeout);
  auto back = resume("sub2", id);
  ASSERT_TRUE(back);
  codec::publish_packet again;
  ASSERT_TRUE(receive_publish(*back, &again))
      << "the sent QoS 2 message was expired instead of resent";
  EXPECT_EQ(again.packet_id, first.packet_id);
  disconnect(*back);
  end_session(id);
}

// [MQTT-4.3.3-8] As QoS 2 receiver the server answers PUBREC with the PUBLISH's Packet
// Identifier, and has taken the message on (it reaches the subscriber after PUBREL).
TEST_F(V5QualityOfService, QosTwoReceiverPubrecsWithIdentifier) {
  statement("MQTT-4.3.3-8");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  pub->send_packet(message(t, "owned", codec::qos::exactly_once, 0xBCDE));
  auto r = pub->expect_ack();
  const auto* rec = r.as<codec::pubrec_packet>();
  ASSERT_TRUE(rec && rec->packet_id == 0xBCDE) << mismatch("S→C PUBREC 50 .. BCDE", r);
  codec::pubrel_packet rel;
  rel.packet_id = 0xBCDE;
  pub->send_packet(rel);
  auto r2 = pub->expect_ack();
  ASSERT_TRUE(r2.as<codec::pubcomp_packet>()) << mismatch("S→C PUBCOMP 70 .. BCDE", r2);
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("owned"));
}

// [MQTT-4.3.3-9] After a PUBREC of 0x80 or above, the same Packet Identifier starts a new
// message. The refusal is provoked with Payload Format Indicator 1 and a payload that is
// not UTF-8 (0x99); a broker that does not check the format cannot be tested this way.
TEST_F(V5QualityOfService, IdentifierAfterErrorPubrecIsNewMessage) {
  statement("MQTT-4.3.3-9");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  auto bad = message(t, "", codec::qos::exactly_once, 0x0CAB);
  bad.payload = codec::byte_buffer{0xFF, 0xFE};
  bad.props.payload_format_indicator = 1;
  pub->send_packet(bad);
  auto r = pub->expect_ack();
  if (r.status == recv_status::closed || r.as<codec::disconnect_packet>())
    MQTT_SKIP("not observable: the broker closed on the invalid payload instead of refusing "
              "it with PUBREC 0x80+, so this rule cannot be exercised: " + r.describe());
  const auto* rec = r.as<codec::pubrec_packet>();
  ASSERT_TRUE(rec && rec->packet_id == 0x0CAB) << mismatch("S→C PUBREC 50 .. 0CAB", r);
  if (!codec::is_error(rec->reason)) {
    codec::pubrel_packet rel;
    rel.packet_id = 0x0CAB;
    pub->send_packet(rel);
    MQTT_SKIP("not observable: the broker accepted the invalid UTF-8 payload (PUBREC " +
              std::to_string(static_cast<int>(rec->reason)) + "); no PUBREC 0x80+ to build on");
  }
  ASSERT_TRUE(publish(*pub, message(t, "fresh", codec::qos::exactly_once, 0x0CAB)))
      << "the identifier refused with PUBREC 0x80+ was not taken as a new message";
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("fresh"));
}

// [MQTT-4.3.3-10] Until PUBREL, a repeated QoS 2 PUBLISH is answered with PUBREC and not
// delivered a second time.
TEST_F(V5QualityOfService, QosTwoDuplicateBeforePubrelNotDeliveredTwice) {
  statement("MQTT-4.3.3-10");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  // The subscriber takes QoS 1: the flow under test is the publisher's QoS 2 exchange.
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  pub->send_packet(message(t, "once", codec::qos::exactly_once, 9));
  auto r1 = pub->expect_ack();
  ASSERT_TRUE(r1.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 .. 0009", r1);
  pub->send_packet(message(t, "once", codec::qos::exactly_once, 9, true));
  auto r2 = pub->expect_ack();
  const auto* rec = r2.as<codec::pubrec_packet>();
  EXPECT_TRUE(rec && rec->packet_id == 9) << mismatch("S→C PUBREC 50 .. 0009 again", r2);
  codec::pubrel_packet rel;
  rel.packet_id = 9;
  pub->send_packet(rel);
  auto r3 = pub->expect_ack();
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
  auto r1 = pub->expect_ack();
  ASSERT_TRUE(r1.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC", r1);
  codec::pubrel_packet rel;
  rel.packet_id = 0x0102;
  pub->send_packet(rel);
  auto r2 = pub->expect_ack();
  const auto* comp = r2.as<codec::pubcomp_packet>();
  EXPECT_TRUE(comp && comp->packet_id == 0x0102) << mismatch("S→C PUBCOMP 70 .. 0102", r2);
}

// [MQTT-4.3.3-12] After PUBCOMP, the same identifier starts a new message.
TEST_F(V5QualityOfService, QosTwoIdentifierReusedAfterPubcompIsNewMessage) {
  statement("MQTT-4.3.3-12");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string t = topic("q2");
  // The subscriber takes QoS 1: the flow under test is the publisher's QoS 2 exchange.
  auto [sub, pub] = connect_pair(t, {.max_qos = codec::qos::at_least_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, message(t, "one", codec::qos::exactly_once, 5)));
  ASSERT_TRUE(publish(*pub, message(t, "two", codec::qos::exactly_once, 5)));
  codec::publish_packet a, b;
  ASSERT_TRUE(receive_publish(*sub, &a));
  ASSERT_TRUE(receive_publish(*sub, &b)) << "the second message (same id) was not delivered";
  // Both arrive; their order is MQTT-4.6.0-5's business, checked in 4.6.
  EXPECT_TRUE(a.payload == payload_bytes("two") || b.payload == payload_bytes("two"))
      << "the second message (same id) was not delivered";
}

// [MQTT-4.3.3-13] The receiver completes the QoS 2 exchange even after the message's
// expiry: PUBREL 2.2 s after a PUBLISH with a 1 s lifetime still gets PUBCOMP 0x00.
TEST_F(V5QualityOfService, QosTwoExchangeCompletesAfterExpiry) {
  statement("MQTT-4.3.3-13");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  auto p = message(topic("q2"), "short", codec::qos::exactly_once, 0x0D0D);
  p.props.message_expiry_interval = 1;
  pub->send_packet(p);
  auto r = pub->expect_ack();
  ASSERT_TRUE(r.as<codec::pubrec_packet>()) << mismatch("S→C PUBREC 50 .. 0D0D", r);
  ASSERT_EQ(pub->expect_no_packet(real_time(2200ms)).status, recv_status::timeout);
  codec::pubrel_packet rel;
  rel.packet_id = 0x0D0D;
  pub->send_packet(rel);
  auto r2 = pub->expect_ack();
  const auto* comp = r2.as<codec::pubcomp_packet>();
  ASSERT_TRUE(comp && comp->packet_id == 0x0D0D) << mismatch("S→C PUBCOMP 70 .. 0D0D", r2);
  EXPECT_EQ(comp->reason, codec::reason_code::success)
      << mismatch("S→C PUBCOMP 70 .. 0D0D 00 (the exchange was still open)", r2);
}
