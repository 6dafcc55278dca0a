// 4.7 Topic Names and Topic Filters, and 4.8.2 shared subscription filter syntax.
#include "conformance/harness/conformance_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Topics : public v5_test {};

// [MQTT-4.7.1-1] '#' must be alone in its level and last: "a/b#" and "a/#/b" are refused
// (SUBACK failure or close).
TEST_F(V5Topics, MisplacedMultiLevelWildcardRefused) {
  statement("MQTT-4.7.1-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + "/b#"));
  auto c2 = connect_client("c2");
  ASSERT_TRUE(c2);
  EXPECT_TRUE(refuses_subscription(*c2, topic_prefix() + "/#/b"));
}

// [MQTT-4.7.1-2] '+' must fill a whole level: "a/b+" and "a/+b" are refused.
TEST_F(V5Topics, PartialLevelSingleLevelWildcardRefused) {
  statement("MQTT-4.7.1-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + "/b+"));
  auto c2 = connect_client("c2");
  ASSERT_TRUE(c2);
  EXPECT_TRUE(refuses_subscription(*c2, topic_prefix() + "/+b/c"));
}

// [MQTT-4.7.2-1] A filter starting with '+' does not match a Topic Name starting with '$'
// (an exact subscription to the same name shows the message was published).
TEST_F(V5Topics, LeadingWildcardDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  const std::string rest = topic_prefix() + "/d";
  const std::string dollar = "$mqttcert/" + rest;
  auto wild = connect_client("wild");
  ASSERT_TRUE(wild);
  ASSERT_TRUE(subscribe(*wild, "+/" + rest, codec::qos::at_most_once));
  auto exact = connect_client("exact");
  ASSERT_TRUE(exact);
  ASSERT_TRUE(subscribe(*exact, dollar, codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, dollar, "x"));
  ASSERT_TRUE(receive_publish(*exact, nullptr)) << "the $ topic was not delivered at all";
  auto r = wild->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH for filter +/…", r);
}

// [MQTT-4.7.3-1] A zero-length Topic Filter is refused.
TEST_F(V5Topics, EmptyTopicFilterRefused) {
  statement("MQTT-4.7.3-1");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, ""));
}

// [MQTT-4.7.3-4] Matching is exact: no case folding or other normalisation.
TEST_F(V5Topics, MatchingDoesNotNormalise) {
  statement("MQTT-4.7.3-4");
  auto sub = connect_client("sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, topic("Case"), codec::qos::at_most_once));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  ASSERT_TRUE(publish(*pub, topic("case"), "lower"));
  ASSERT_TRUE(publish(*pub, topic("Case/"), "slash"));
  ASSERT_TRUE(publish(*pub, topic("Case"), "exact"));
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got));
  EXPECT_EQ(got.payload, payload_bytes("exact")) << "a differently spelled topic matched";
}

// [MQTT-4.8.2-1] A shared subscription needs a ShareName of at least one character.
TEST_F(V5Topics, SharedSubscriptionEmptyShareNameRefused) {
  statement("MQTT-4.8.2-1");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, "$share//" + topic("x")));
}

// [MQTT-4.8.2-2] A ShareName must not contain '+', '#' or '/'.
TEST_F(V5Topics, SharedSubscriptionWildcardInShareNameRefused) {
  statement("MQTT-4.8.2-2");
  MQTT_REQUIRE_FEATURE(profile().shared_subscription_available, "shared subscriptions");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, "$share/a+b/" + topic("x")));
}
