// s3_1_connect_checks.hpp: the 3.1 CONNECT test bodies that are the same for both
// versions. The two specs number these statements differently, so each version's
// s3_1_connect_test.cpp keeps its own TEST_F that binds its ID, then calls the body here
// (last: a body's ASSERT ends the body only). The version fixture supplies
// with_will(topic, retain) (a Will "gone" on `topic`) and watch(topic) (a QoS 0 subscriber).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class connect_checks : public VersionFixture {
 protected:
  // drop_with_will connects "willer" with `o` (carrying a Will) and drops the connection
  // without DISCONNECT, so the broker is to publish the Will.
  ::testing::AssertionResult drop_with_will(const connect_options& o) {
    auto w = this->connect_client("willer", o);
    if (!w) return ::testing::AssertionFailure() << "setup: \"willer\" did not connect";
    w->close();
    return ::testing::AssertionSuccess();
  }

  // will_after_drop is drop_with_will(o), then the Will expected on `sub` within
  // `timeout` (acknowledged); `got` receives it.
  ::testing::AssertionResult will_after_drop(raw_client& sub, const connect_options& o,
                                             codec::publish_packet* got,
                                             std::chrono::milliseconds timeout = 2000ms) {
    auto ok = drop_with_will(o);
    if (!ok) return ok;
    return receive_publish(sub, got, true, timeout);
  }

  // check_will_published_on_drop watches `t`, connects "willer" with `o` (carrying a Will
  // "gone" on `t`), drops the connection without DISCONNECT and expects the Will within
  // 2 s; `missing` is added to the failure when none comes.
  void check_will_published_on_drop(const std::string& t, const connect_options& o,
                                    std::string_view missing = {}) {
    auto sub = this->watch(t);
    ASSERT_TRUE(sub);
    codec::publish_packet got;
    ASSERT_TRUE(will_after_drop(*sub, o, &got)) << missing;
    EXPECT_EQ(got.payload, payload_bytes("gone"));
  }

  // check_will_discarded_after_disconnect watches topic("will"), connects "willer" with a
  // Will there, ends with a normal DISCONNECT and expects nothing for 500 ms; `expected`
  // names the silence in the failure.
  void check_will_discarded_after_disconnect(std::string_view expected) {
    const std::string t = this->topic("will");
    auto sub = this->watch(t);
    ASSERT_TRUE(sub);
    auto w = this->connect_client("willer", this->with_will(t, false));
    ASSERT_TRUE(w);
    disconnect(*w);
    auto r = sub->expect_no_packet(500ms);
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch(expected, r);
  }

  // expect_queued_q1_q2 expects the two messages a test queued for an offline session,
  // "q1" at QoS 1 and "q2" at QoS 2, to arrive on `c`, each at its QoS; in either order,
  // as they differ in QoS (4.6 orders deliveries of one topic and QoS).
  void expect_queued_q1_q2(raw_client& c) {
    std::vector<codec::publish_packet> got;
    ASSERT_TRUE(receive_publishes(c, 2, &got)) << "a queued message was not delivered";
    const auto& q1 = got[0].payload == payload_bytes("q1") ? got[0] : got[1];
    const auto& q2 = got[0].payload == payload_bytes("q1") ? got[1] : got[0];
    EXPECT_EQ(q1.payload, payload_bytes("q1"));
    EXPECT_EQ(q2.payload, payload_bytes("q2"));
    EXPECT_EQ(q1.qos_level, codec::qos::at_least_once);
    EXPECT_EQ(q2.qos_level, codec::qos::exactly_once);
  }

  // check_accepted_connect sends a CONNECT built from `o` on a new client "c" and expects
  // a CONNACK accepting it (v5 reason 0x00, 3.1.1 return code 0) as `expected` says.
  void check_accepted_connect(const connect_options& o, std::string_view expected) {
    auto c = this->send_connect("c", o);
    ASSERT_TRUE(c);
    auto r = c->expect_packet();
    const auto* ack = r.template as<codec::connack_packet>();
    EXPECT_TRUE(ack && ack->reason == 0) << mismatch(expected, r);
  }

  // check_session_continues expects the CONNACK `ack` of a session taken over with Clean
  // Start / CleanSession 0 to say Session Present 1 (else `lost`), and a QoS 1 message
  // then published to `t` to reach the new connection `c` (else `undelivered`).
  void check_session_continues(raw_client& c, const codec::connack_packet& ack,
                               const std::string& t, std::string_view lost,
                               std::string_view undelivered) {
    EXPECT_TRUE(ack.session_present) << lost;
    check_subscription_delivers(c, t, undelivered);
  }

  // check_subscription_delivers has a new publisher send "x" to `t` at QoS 1 and expects
  // it on `c` (else `undelivered`): the subscription `c`'s session holds still works.
  void check_subscription_delivers(raw_client& c, const std::string& t,
                                   std::string_view undelivered = {}) {
    auto pub = this->connect_publisher(t, "x", codec::qos::at_least_once);
    ASSERT_TRUE(pub);
    EXPECT_TRUE(receive_publish(c, nullptr)) << undelivered;
  }

  // longest_guaranteed_client_id is a unique ClientID of exactly 23 ASCII letters and
  // digits, the longest every server must accept [MQTT-3.1.3-5].
  connect_options longest_guaranteed_client_id() {
    std::string id = this->client_id("");
    while (id.size() < 23) id += "Z9";
    id.resize(23);
    connect_options o;
    o.client_id = id;
    return o;
  }
};

}  // namespace mqtt::cert
