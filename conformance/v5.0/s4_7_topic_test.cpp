// 4.7 Topic Names and Topic Filters: wildcard placement and matching, '$' topics, empty
// levels, exact (unnormalised) matching. Wildcards in Topic Names, empty names and null
// characters are rows of data/malformed_packets.json.
#include <algorithm>

#include "conformance/harness/s4_7_topic_checks.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Topics : public topic_checks<v5_test> {};

// [MQTT-4.7.1-1] '#' must be alone in its level and last: "a/b#" and "a/#/b" are refused
// (SUBACK failure or close).
TEST_F(V5Topics, MisplacedMultiLevelWildcardRefused) {
  statement("MQTT-4.7.1-1");
  check_misplaced_multi_level_wildcard_refused();
}

// [MQTT-4.7.1-1] A well-placed '#' (alone after a separator, last) is accepted and matches
// the parent level itself and any depth below it.
TEST_F(V5Topics, MultiLevelWildcardMatchesParentAndChildren) {
  statement("MQTT-4.7.1-1");
  auto [sub, pub] = connect_pair(topic("s/#"), {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  std::vector<std::string> names = {topic("s"), topic("s/a"), topic("s/a/b/c"), topic("s/")};
  for (const auto& n : names) ASSERT_TRUE(publish(*pub, n, "x"));
  ASSERT_TRUE(publish(*pub, topic("sx"), "no"));
  // Four topics: the spec orders deliveries per topic only (4.6), so compare as a set.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, names.size(), &got));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(sorted_topics(got), names);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("nothing for …/sx", r);
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

// [MQTT-4.7.1-2] A whole-level '+' is accepted at any level, first and last included, and
// matches exactly one level, an empty one too.
TEST_F(V5Topics, SingleLevelWildcardMatchesOneLevel) {
  statement("MQTT-4.7.1-2");
  const std::string tail = topic_prefix().substr(topic_prefix().find('/') + 1);
  auto sub = connect_subscriber(topic("m/+/+"), {.max_qos = codec::qos::at_most_once});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(subscribe(*sub, "+/" + tail + "/f", codec::qos::at_most_once, 2));
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  std::vector<std::string> hits = {topic("m/a/b"), topic("m//b"), topic("m/a/"), topic("f")};
  for (const auto& n : hits) ASSERT_TRUE(publish(*pub, n, "x"));
  ASSERT_TRUE(publish(*pub, topic("m/a"), "no"));
  ASSERT_TRUE(publish(*pub, topic("m/a/b/c"), "no"));
  // Four topics: the spec orders deliveries per topic only (4.6), so compare as a set.
  std::vector<codec::publish_packet> got;
  ASSERT_TRUE(receive_publishes(*sub, hits.size(), &got));
  std::sort(hits.begin(), hits.end());
  EXPECT_EQ(sorted_topics(got), hits);
  auto r = sub->expect_no_packet();
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("nothing for …/m/a or …/m/a/b/c", r);
}

// [MQTT-4.7.2-1] A filter starting with '+' does not match a Topic Name starting with '$'
// (an exact subscription to the same name shows the message was published).
TEST_F(V5Topics, LeadingWildcardDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  check_leading_wildcard_does_not_match_dollar_topics();
}

// [MQTT-4.7.2-1] The filter "#" does not match a Topic Name starting with '$' either ($SYS
// included). Other tests' traffic may arrive through "#"; none of it may be a '$' topic.
TEST_F(V5Topics, MultiLevelWildcardDoesNotMatchDollarTopics) {
  statement("MQTT-4.7.2-1");
  const std::string dollar = "$mqttcert/" + topic_prefix() + "/hash";
  auto [wild, pub] = publish_to_dollar_topic("#", dollar);
  ASSERT_TRUE(wild);
  ASSERT_TRUE(publish(*pub, topic("marker"), "m"));
  // Read through "#" until our marker (published after the $ message) shows up.
  bool marker = false;
  while (!marker) {
    auto r = wild->expect_packet();
    const auto* p = r.as<codec::publish_packet>();
    ASSERT_TRUE(p) << mismatch("S→C PUBLISH …/marker through \"#\"", r);
    EXPECT_NE(p->topic.rfind('$', 0), 0U)
        << mismatch("no PUBLISH of a '$' topic through \"#\"", r);
    marker = p->topic == topic("marker");
  }
}

// [MQTT-4.7.3-1] A zero-length Topic Filter is refused.
TEST_F(V5Topics, EmptyTopicFilterRefused) {
  statement("MQTT-4.7.3-1");
  check_empty_topic_filter_refused();
}

// [MQTT-4.7.3-4] Matching is exact: no case folding or other normalisation.
TEST_F(V5Topics, MatchingDoesNotNormalise) {
  statement("MQTT-4.7.3-4");
  check_matching_does_not_normalise();
}
