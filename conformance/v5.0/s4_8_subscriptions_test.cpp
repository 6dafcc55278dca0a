// 4.8.2 Shared Subscriptions: filter syntax, granted QoS, and what happens to a message
// whose delivery to the chosen member is cut off or refused. Every test is gated on the
// profile's shared_subscription_available.
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5SharedSubscriptions : public v5::session_test {
 protected:
  // member connects `id` (a session that outlives the connection for 30 s) and joins
  // the shared subscription `filter` at `q`.
  std::unique_ptr<raw_client> member(std::string_view label, const std::string& id,
                                     const std::string& filter, codec::qos q) {
    auto c = session_client(label, id, true);
    if (!c) return nullptr;
    if (!subscribe(*c, filter, q)) {
      ADD_FAILURE() << "setup: SUBSCRIBE " << filter << " refused";
      return nullptr;
    }
    return c;
  }
  std::string share(std::string_view leaf) { return "$share/mqc/" + topic(leaf); }
  // first_delivery waits for the message on either member; returns 0 or 1 for the member
  // that got it (and the PUBLISH in `out`), -1 if neither did.
  static int first_delivery(raw_client& a, raw_client& b, codec::publish_packet* out) {
    for (int round = 0; round < 2; ++round) {
      raw_client* m[] = {&a, &b};
      for (int i = 0; i < 2; ++i) {
        auto r = m[i]->expect_packet(round == 0 ? quiet_window : expect_timeout);
        if (const auto* p = r.as<codec::publish_packet>()) {
          *out = *p;
          return i;
        }
      }
    }
    return -1;
  }
};

// [MQTT-4.8.2-1] A shared subscription needs a ShareName of at least one character.
TEST_F(V5SharedSubscriptions, SharedSubscriptionEmptyShareNameRefused) {
  statement("MQTT-4.8.2-1");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, "$share//" + topic("x")));
}

// [MQTT-4.8.2-2] A ShareName must not contain '+', '#' or '/'.
TEST_F(V5SharedSubscriptions, SharedSubscriptionWildcardInShareNameRefused) {
  statement("MQTT-4.8.2-2");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, "$share/a+b/" + topic("x")));
}

// [MQTT-4.8.2-3] Delivery through a shared subscription respects the QoS granted to that
// member: a QoS 1 message reaches a member granted QoS 0 at QoS 0.
TEST_F(V5SharedSubscriptions, DeliveryRespectsMemberGrantedQos) {
  statement("MQTT-4.8.2-3");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  const std::string t = topic("q");
  auto [sub, pub] = connect_pair(share("q"), {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, t, "x", codec::qos::at_least_once));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.qos_level, codec::qos::at_most_once) << "delivered above the granted QoS 0";
}

// [MQTT-4.8.2-4] A QoS 2 shared delivery cut off by the member's disconnection is
// completed with that member when it reconnects (PUBLISH resent, DUP 1).
TEST_F(V5SharedSubscriptions, InterruptedQosTwoDeliveryCompletedOnReconnect) {
  statement("MQTT-4.8.2-4");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string id = client_id("m");
  auto m = member("m", id, share("q2"), codec::qos::exactly_once);
  ASSERT_TRUE(m);
  auto pub = connect_publisher(topic("q2"), "once", codec::qos::exactly_once);
  ASSERT_TRUE(pub);
  codec::publish_packet first;
  ASSERT_TRUE(receive_publish(*m, &first, /*acknowledge=*/false));
  m->close();
  auto back = session_client("m2", id, false);
  ASSERT_TRUE(back);
  complete_resent_qos2(*back, first, id, "S→C PUBLISH resent to the same member");
}

// [MQTT-4.8.2-5] If the member's session ends before it reconnects (here: it comes back
// with Clean Start), its interrupted QoS 2 message is not passed to the other member.
TEST_F(V5SharedSubscriptions, InterruptedQosTwoNotRedirectedWhenSessionEnds) {
  statement("MQTT-4.8.2-5");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  const std::string ids[] = {client_id("a"), client_id("b")};
  auto a = member("a", ids[0], share("q2"), codec::qos::exactly_once);
  auto b = member("b", ids[1], share("q2"), codec::qos::exactly_once);
  ASSERT_TRUE(a && b);
  auto pub = connect_publisher(topic("q2"), "once", codec::qos::exactly_once);
  ASSERT_TRUE(pub);
  codec::publish_packet got;
  const int holder = first_delivery(*a, *b, &got);
  ASSERT_GE(holder, 0) << "neither member received the message";
  auto& other = holder == 0 ? b : a;
  (holder == 0 ? a : b)->close();
  end_session(ids[holder]);
  auto r = other->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("the message not sent to the other member", r);
  end_session(ids[1 - holder]);
}

// [MQTT-4.8.2-6] A member that refuses a message with PUBACK 0x80 ends it: the server
// discards it and does not send it to another member.
TEST_F(V5SharedSubscriptions, RefusedMessageNotRedirected) {
  statement("MQTT-4.8.2-6");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  const std::string ids[] = {client_id("a"), client_id("b")};
  auto a = member("a", ids[0], share("q1"), codec::qos::at_least_once);
  auto b = member("b", ids[1], share("q1"), codec::qos::at_least_once);
  ASSERT_TRUE(a && b);
  auto pub = connect_publisher(topic("q1"), "refuse me", codec::qos::at_least_once);
  ASSERT_TRUE(pub);
  codec::publish_packet got;
  const int holder = first_delivery(*a, *b, &got);
  ASSERT_GE(holder, 0) << "neither member received the message";
  auto& refuser = holder == 0 ? a : b;
  auto& other = holder == 0 ? b : a;
  codec::puback_packet no;
  no.packet_id = got.packet_id;
  no.reason = codec::reason_code::unspecified_error;
  refuser->send_packet(no);
  auto r = other->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout)
      << mismatch("the refused message not sent to the other member", r);
  auto r2 = refuser->expect_no_packet();
  EXPECT_EQ(r2.status, recv_status::timeout) << mismatch("the refused message not resent", r2);
  disconnect(*a);
  disconnect(*b);
  end_session(ids[0]);
  end_session(ids[1]);
}
