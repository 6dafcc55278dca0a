#include "reference-broker/core/retained_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace mqtt::broker {
namespace {

using std::chrono::milliseconds;
using result = retained_store::set_result;

message_ptr retained(std::string topic, std::string payload,
                     std::optional<milliseconds> expires_at = std::nullopt) {
  auto m = std::make_shared<message>();
  m->topic = std::move(topic);
  m->payload.assign(payload.begin(), payload.end());
  m->retain = true;
  m->expires_at = expires_at;
  return m;
}

// topics_matching returns the topics `filter` finds, sorted.
std::vector<std::string> topics_matching(const retained_store& s, std::string_view filter) {
  std::vector<std::string> topics;
  for (const auto& m : s.match(filter)) topics.push_back(m->topic);
  std::sort(topics.begin(), topics.end());
  return topics;
}

std::string payload_of(const retained_store& s, std::string_view topic) {
  std::string out;
  for (const auto& m : s.match(topic)) out.assign(m->payload.begin(), m->payload.end());
  return out;
}

using topics = std::vector<std::string>;

TEST(RetainedStore, SetStoresANewTopic) {
  retained_store s(10);
  EXPECT_EQ(s.set(retained("a/b", "one")), result::stored);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(payload_of(s, "a/b"), "one");
}

TEST(RetainedStore, SetReplacesTheTopicsMessage) {
  // [MQTT-3.3.1-5] the new retained message replaces the old one.
  retained_store s(10);
  s.set(retained("a/b", "one"));
  EXPECT_EQ(s.set(retained("a/b", "two")), result::replaced);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(payload_of(s, "a/b"), "two");
}

TEST(RetainedStore, EmptyPayloadClearsAndIsNeverStored) {
  // [MQTT-3.3.1-6] an empty payload removes the retained message; [MQTT-3.3.1-7] and it is
  // never kept itself.
  retained_store s(10);
  s.set(retained("a/b", "one"));
  s.set(retained("a/c", "keep"));
  EXPECT_EQ(s.set(retained("a/b", "")), result::cleared);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(topics_matching(s, "a/b"), topics{});
  EXPECT_EQ(s.set(retained("new", "")), result::cleared);  // clearing nothing stores nothing
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(topics_matching(s, "#"), topics{"a/c"});
}

TEST(RetainedStore, FullStoreRefusesNewTopicsButReplacesAndClears) {
  retained_store s(2);
  s.set(retained("a", "1"));
  s.set(retained("b", "2"));
  EXPECT_EQ(s.set(retained("c", "3")), result::full);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(topics_matching(s, "c"), topics{});
  EXPECT_EQ(s.set(retained("a", "1b")), result::replaced);  // an existing topic still updates
  EXPECT_EQ(payload_of(s, "a"), "1b");
  EXPECT_EQ(s.set(retained("b", "")), result::cleared);     // and clearing frees a slot
  EXPECT_EQ(s.set(retained("c", "3")), result::stored);
}

TEST(RetainedStore, ExactFilterFindsOnlyItsTopic) {
  retained_store s(10);
  s.set(retained("a", "x"));
  s.set(retained("a/b", "x"));
  s.set(retained("ab", "x"));
  EXPECT_EQ(topics_matching(s, "a"), topics{"a"});
  EXPECT_EQ(topics_matching(s, "a/b"), topics{"a/b"});
  EXPECT_EQ(topics_matching(s, "A"), topics{});  // [MQTT-4.7.3-4] no normalization
}

TEST(RetainedStore, SingleLevelWildcard) {
  retained_store s(10);
  for (const char* t : {"sport/tennis", "sport/", "sport", "sport/tennis/p1", "sports/x", "/x"}) {
    s.set(retained(t, "x"));
  }
  EXPECT_EQ(topics_matching(s, "sport/+"), (topics{"sport/", "sport/tennis"}));
  EXPECT_EQ(topics_matching(s, "+/tennis"), topics{"sport/tennis"});
  EXPECT_EQ(topics_matching(s, "+"), topics{"sport"});
  EXPECT_EQ(topics_matching(s, "+/+"), (topics{"/x", "sport/", "sport/tennis", "sports/x"}));
  EXPECT_EQ(topics_matching(s, "sport/+/p1"), topics{"sport/tennis/p1"});
}

TEST(RetainedStore, MultiLevelWildcardIncludesParentLevel) {
  // 4.7.1.2: "sport/#" matches "sport" itself as well as everything below it.
  retained_store s(10);
  for (const char* t : {"sport", "sport/tennis", "sport/tennis/p1", "sports", "spor"}) {
    s.set(retained(t, "x"));
  }
  EXPECT_EQ(topics_matching(s, "sport/#"), (topics{"sport", "sport/tennis", "sport/tennis/p1"}));
  EXPECT_EQ(topics_matching(s, "sport/tennis/#"), (topics{"sport/tennis", "sport/tennis/p1"}));
  EXPECT_EQ(topics_matching(s, "#"),
            (topics{"spor", "sport", "sport/tennis", "sport/tennis/p1", "sports"}));
}

TEST(RetainedStore, PrefixScanDoesNotLeakIntoNeighbours) {
  // Topics sorting between the filter's literal prefix and its end must not match.
  retained_store s(10);
  for (const char* t : {"a/b", "a/b/c", "a/bc", "a/b0", "a/c/b", "a.b"}) s.set(retained(t, "x"));
  EXPECT_EQ(topics_matching(s, "a/b/#"), (topics{"a/b", "a/b/c"}));
  EXPECT_EQ(topics_matching(s, "a/+/b"), topics{"a/c/b"});
  EXPECT_EQ(topics_matching(s, "a/#"), (topics{"a/b", "a/b/c", "a/b0", "a/bc", "a/c/b"}));
}

TEST(RetainedStore, WildcardsAtFirstLevelSkipDollarTopics) {
  // [MQTT-4.7.2-1]
  retained_store s(10);
  s.set(retained("$SYS/broker/uptime", "x"));
  s.set(retained("$SYS", "x"));
  s.set(retained("plain", "x"));
  EXPECT_EQ(topics_matching(s, "#"), topics{"plain"});
  EXPECT_EQ(topics_matching(s, "+/broker/uptime"), topics{});
  EXPECT_EQ(topics_matching(s, "+"), topics{"plain"});
  EXPECT_EQ(topics_matching(s, "$SYS/#"), (topics{"$SYS", "$SYS/broker/uptime"}));
  EXPECT_EQ(topics_matching(s, "$SYS/+/uptime"), topics{"$SYS/broker/uptime"});
}

TEST(RetainedStore, EraseExpiredDropsOnlyMessagesPastTheirExpiry) {
  retained_store s(10);
  s.set(retained("forever", "x"));
  s.set(retained("soon", "x", milliseconds(1'000)));
  s.set(retained("later", "x", milliseconds(5'000)));
  s.erase_expired(milliseconds(999));
  EXPECT_EQ(s.size(), 3u);
  s.erase_expired(milliseconds(1'000));  // expiry is inclusive: at the instant it is gone
  EXPECT_EQ(topics_matching(s, "#"), (topics{"forever", "later"}));
  s.erase_expired(milliseconds(1'000'000));
  EXPECT_EQ(topics_matching(s, "#"), topics{"forever"});
}

TEST(RetainedStore, ReplacingResetsExpiry) {
  retained_store s(10);
  s.set(retained("t", "old", milliseconds(1'000)));
  s.set(retained("t", "new"));  // no Message Expiry Interval any more
  s.erase_expired(milliseconds(2'000));
  EXPECT_EQ(payload_of(s, "t"), "new");
}

TEST(RetainedStore, ZeroCapacityStoresNothing) {
  retained_store s(0);
  EXPECT_EQ(s.set(retained("t", "x")), result::full);
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace mqtt::broker
