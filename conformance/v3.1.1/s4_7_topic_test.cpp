// 4.7 Topic Names and Topic Filters: wildcards, '$' topics, empty and null-character names,
// exact matching. Wildcards and null characters in a PUBLISH Topic Name are rows of
// data/malformed_packets.json.
#include "conformance/harness/s4_7_topic_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Topics : public topic_checks<v311::session_test> {};

// [MQTT-4.7.1-1] Wildcards work in a Topic Filter but not in a Topic Name: "<p>/+" is
// granted, and a PUBLISH to the literal Topic Name "<p>/+" closes the publisher's
// connection without reaching the subscriber.
TEST_F(V311Topics, WildcardsOnlyInTopicFilters) {
  statement("MQTT-4.7.1-1");
  MQTT_REQUIRE_FEATURE(profile().wildcard_subscription_available, "wildcard subscriptions");
  const std::string filter = topic_prefix() + "/+";
  auto [sub, pub] = connect_pair(filter, {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  pub->send_packet(make_publish(filter, "wild"));
  EXPECT_TRUE(closes_after_error(*pub)) << "PUBLISH to a Topic Name with '+'";
  EXPECT_TRUE(silent(*sub, "no PUBLISH for a wildcard Topic Name"));
}

// [MQTT-4.7.1-2] '#' alone as the last level matches the parent level and every child.
TEST_F(V311Topics, MultiLevelWildcardMatchesParentAndChildren) {
  statement("MQTT-4.7.1-2");
  MQTT_REQUIRE_FEATURE(profile().wildcard_subscription_available, "wildcard subscriptions");
  const std::string base = topic("sport");
  auto [sub, pub] = connect_pair(base + "/#", {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  const std::vector<std::string> names = {base, base + "/tennis", base + "/tennis/player1/score"};
  for (const auto& n : names) ASSERT_TRUE(publish(*pub, n, "x"));
  ASSERT_TRUE(publish(*pub, topic("sports"), "no"));
  // Three topics: the spec orders deliveries per topic only (4.6), so compare as a set.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, names.size(), &got));
  EXPECT_EQ(sorted_topics(got), names);
  EXPECT_TRUE(silent(*sub, "no PUBLISH for the sibling topic"));
}

// [MQTT-4.7.1-2] '#' alone and last: "x/b#" and "x/#/b" are refused (in 3.1.1 by
// closing the connection, or a SUBACK 0x80 failure).
TEST_F(V311Topics, MisplacedMultiLevelWildcardRefused) {
  statement("MQTT-4.7.1-2");
  check_misplaced_multi_level_wildcard_refused();
}

// [MQTT-4.7.1-3] '+' must fill a whole level.
TEST_F(V311Topics, PartialLevelSingleLevelWildcardRefused) {
  statement("MQTT-4.7.1-3");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + "/b+"));
}

// [MQTT-4.7.1-3] '+' fills exactly one level, first or last: "+/<p>/+" matches "<p>/a" and
// "<p>/" (an empty level) but not "<p>" or "<p>/a/b".
TEST_F(V311Topics, SingleLevelWildcardMatchesExactlyOneLevel) {
  statement("MQTT-4.7.1-3");
  MQTT_REQUIRE_FEATURE(profile().wildcard_subscription_available, "wildcard subscriptions");
  const std::string p = topic_prefix();
  const std::string rest = p.substr(p.find('/') + 1);  // the prefix without "mqttcert"
  auto [sub, pub] = connect_pair("+/" + rest + "/+", {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(publish(*pub, p, "parent"));
  ASSERT_TRUE(publish(*pub, p + "/a/b", "deep"));
  ASSERT_TRUE(publish(*pub, p + "/a", "one"));
  ASSERT_TRUE(publish(*pub, p + "/", "empty"));
  // Two topics: the spec orders deliveries per topic only (4.6), so compare as a set.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, 2, &got)) << "'+' must match \"a\" and an empty level";
  std::vector<std::string> want{p + "/", p + "/a"};
  EXPECT_EQ(sorted_topics(got), want) << "'+' matched the wrong levels";
  EXPECT_TRUE(silent(*sub, "nothing else"));
}

// [MQTT-4.7.2-1] A filter starting with '+' does not match a '$' topic.
TEST_F(V311Topics, LeadingWildcardDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  check_leading_wildcard_does_not_match_dollar_topics();
}

// [MQTT-4.7.2-1] A "#" subscription does not receive a message on a '$' topic (other
// tests' traffic it sees is skipped).
TEST_F(V311Topics, HashFilterDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  const std::string dollar = "$mqttcert/" + topic_prefix() + "/h";
  auto [wild, pub] = publish_to_dollar_topic("#", dollar);
  ASSERT_TRUE(wild);
  auto r = publish_on(*wild, dollar, quiet_window, nullptr);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH on the $ topic for \"#\"", r);
}

// [MQTT-4.7.3-1] An empty Topic Filter is refused (SUBACK 0x80 or a close). The empty
// Topic Name is a row of data/malformed_packets.json.
TEST_F(V311Topics, EmptyTopicFilterRefused) {
  statement("MQTT-4.7.3-1");
  check_empty_topic_filter_refused();
}

// [MQTT-4.7.3-2] A Topic Filter containing U+0000 is refused (SUBACK 0x80 or a close).
TEST_F(V311Topics, NullCharacterInTopicFilterRefused) {
  statement("MQTT-4.7.3-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(refuses_subscription(*c, topic_prefix() + std::string("/a\0b", 4)));
}

// [MQTT-4.7.3-4] Matching is exact: no case folding or trailing-slash normalisation.
TEST_F(V311Topics, MatchingDoesNotNormalise) {
  statement("MQTT-4.7.3-4");
  check_matching_does_not_normalise();
}
