// topic_pattern_test.cpp: "%i" patterns and Shared Subscription filters.
#include "bench/mqtt_bench/topic_pattern.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(TopicPattern, PercentIBecomesTheIndex) {
  EXPECT_EQ(topic_for("bench/%i", 3), "bench/3");
  EXPECT_EQ(topic_for("a/%i/b/%i", 12), "a/12/b/12");
  EXPECT_EQ(topic_for("bench/#", 7), "bench/#");
}

TEST(TopicPattern, AdjacentPatternsAreEachReplaced) {
  EXPECT_EQ(topic_for("%i%i", 0), "00");
}

TEST(TopicPattern, ShareNameRejectsEmptyAndWildcardsAndSlash) {
  EXPECT_TRUE(valid_share_name("g1"));
  EXPECT_FALSE(valid_share_name(""));
  EXPECT_FALSE(valid_share_name("a/b"));
  EXPECT_FALSE(valid_share_name("a+"));
  EXPECT_FALSE(valid_share_name("#"));
}

TEST(TopicPattern, SharedFilterPrefixesShareAndGroup) {
  EXPECT_EQ(shared_filter("g", "bench/#"), "$share/g/bench/#");
}

}  // namespace
}  // namespace mqtt::bench
