#include "reference-broker/core/subscription_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace mqtt::broker {
namespace {

using codec::qos;

// Each subscription carries a distinct Subscription Identifier, so a match can be traced
// back to the filter that produced it.
subscription_entry tagged(std::uint32_t tag, qos q = qos::at_most_once) {
  subscription_entry e;
  e.options.max_qos = q;
  e.subscription_id = tag;
  return e;
}

struct hit {
  std::string client;
  std::uint32_t tag;
  bool operator==(const hit&) const = default;
  bool operator<(const hit& o) const { return std::tie(client, tag) < std::tie(o.client, o.tag); }
};

struct match_result {
  std::vector<hit> subscribers;        // sorted
  std::vector<std::string> groups;     // group names, sorted
};

match_result match_all(subscription_tree& tree, std::string_view topic) {
  match_result r;
  tree.match(
      topic,
      [&](const std::string& client, const subscription_entry& e) {
        r.subscribers.push_back({client, e.subscription_id.value_or(0)});
      },
      [&](subscription_tree::shared_group& g) { r.groups.push_back(g.name); });
  std::sort(r.subscribers.begin(), r.subscribers.end());
  std::sort(r.groups.begin(), r.groups.end());
  return r;
}

std::vector<std::uint32_t> tags_for(subscription_tree& tree, std::string_view topic) {
  std::vector<std::uint32_t> tags;
  for (const auto& h : match_all(tree, topic).subscribers) tags.push_back(h.tag);
  return tags;
}

using tags = std::vector<std::uint32_t>;

TEST(SubscriptionTree, DeepFilterIsFreedWithoutRecursion) {
  // Regression (mqttcert stress deep-topic): the tree freed its nodes recursively, one stack
  // frame chain per level; a 65,535-byte filter holds 32,768 levels. 200,000 levels make a
  // recursive free overflow an 8 MiB stack for certain; freed iteratively it takes no depth.
  {
    subscription_tree t;
    const std::string deep(199'999, '/');
    t.subscribe("c", deep, {}, tagged(1));
    EXPECT_EQ(tags_for(t, deep), tags{1});
  }
  SUCCEED();
}

TEST(SubscriptionTree, ExactFilterMatchesOnlyItsTopic) {
  subscription_tree t;
  t.subscribe("c", "a/b", {}, tagged(1));
  EXPECT_EQ(tags_for(t, "a/b"), tags{1});
  EXPECT_EQ(tags_for(t, "a"), tags{});
  EXPECT_EQ(tags_for(t, "a/b/c"), tags{});
  EXPECT_EQ(tags_for(t, "a/B"), tags{});  // [MQTT-4.7.3-4] byte for byte, case matters
  EXPECT_EQ(tags_for(t, "a/b/"), tags{});
}

TEST(SubscriptionTree, MultiLevelWildcardMatchesParentAndEveryLevelBelow) {
  // 4.7.1.2: "sport/tennis/player1/#" also matches "sport/tennis/player1".
  subscription_tree t;
  t.subscribe("c", "sport/tennis/player1/#", {}, tagged(1));
  EXPECT_EQ(tags_for(t, "sport/tennis/player1"), tags{1});
  EXPECT_EQ(tags_for(t, "sport/tennis/player1/ranking"), tags{1});
  EXPECT_EQ(tags_for(t, "sport/tennis/player1/score/wimbledon"), tags{1});
  EXPECT_EQ(tags_for(t, "sport/tennis/player1/"), tags{1});
  EXPECT_EQ(tags_for(t, "sport/tennis"), tags{});
  EXPECT_EQ(tags_for(t, "sport/tennis/player2"), tags{});
}

TEST(SubscriptionTree, HashAloneMatchesEverythingNotStartingWithDollar) {
  subscription_tree t;
  t.subscribe("c", "#", {}, tagged(1));
  EXPECT_EQ(tags_for(t, "a"), tags{1});
  EXPECT_EQ(tags_for(t, "a/b/c"), tags{1});
  EXPECT_EQ(tags_for(t, "/"), tags{1});
  EXPECT_EQ(tags_for(t, "/finance"), tags{1});
}

TEST(SubscriptionTree, SingleLevelWildcardMatchesExactlyOneLevelIncludingEmpty) {
  subscription_tree t;
  t.subscribe("c", "sport/+", {}, tagged(1));
  EXPECT_EQ(tags_for(t, "sport/tennis"), tags{1});
  EXPECT_EQ(tags_for(t, "sport/"), tags{1});  // 4.7.1.3: "sport/+" matches "sport/"
  EXPECT_EQ(tags_for(t, "sport"), tags{});    // but not "sport"
  EXPECT_EQ(tags_for(t, "sport/tennis/player1"), tags{});
}

TEST(SubscriptionTree, SingleLevelWildcardMatchesEmptyLevelsAnywhere) {
  subscription_tree t;
  t.subscribe("c", "+/+", {}, tagged(1));
  t.subscribe("c", "/+", {}, tagged(2));
  t.subscribe("c", "+", {}, tagged(3));
  t.subscribe("c", "a/+/c", {}, tagged(4));
  EXPECT_EQ(tags_for(t, "/finance"), (tags{1, 2}));  // 4.7.1.3
  EXPECT_EQ(tags_for(t, "/"), (tags{1, 2}));
  EXPECT_EQ(tags_for(t, "finance"), tags{3});
  EXPECT_EQ(tags_for(t, "a//c"), tags{4});
}

TEST(SubscriptionTree, PlusThenHashMatchesParentLevel) {
  subscription_tree t;
  t.subscribe("c", "+/#", {}, tagged(1));
  t.subscribe("c", "a/+/#", {}, tagged(2));
  EXPECT_EQ(tags_for(t, "a"), tags{1});
  EXPECT_EQ(tags_for(t, "a/b"), (tags{1, 2}));
  EXPECT_EQ(tags_for(t, "a/b/c/d"), (tags{1, 2}));
}

TEST(SubscriptionTree, WildcardsAtFirstLevelDoNotMatchDollarTopics) {
  // [MQTT-4.7.2-1]
  subscription_tree t;
  t.subscribe("c", "#", {}, tagged(1));
  t.subscribe("c", "+/monitor/Clients", {}, tagged(2));
  t.subscribe("c", "$SYS/#", {}, tagged(3));
  t.subscribe("c", "$SYS/monitor/+", {}, tagged(4));
  t.subscribe("c", "+", {}, tagged(5));
  EXPECT_EQ(tags_for(t, "$SYS/monitor/Clients"), (tags{3, 4}));
  EXPECT_EQ(tags_for(t, "$SYS"), tags{3});
  EXPECT_EQ(tags_for(t, "$share"), tags{});
  EXPECT_EQ(tags_for(t, "x/monitor/Clients"), (tags{1, 2}));
}

TEST(SubscriptionTree, DollarLaterInTopicIsAnOrdinaryCharacter) {
  subscription_tree t;
  t.subscribe("c", "+/$x", {}, tagged(1));
  t.subscribe("c", "a/#", {}, tagged(2));
  EXPECT_EQ(tags_for(t, "a/$x"), (tags{1, 2}));
}

TEST(SubscriptionTree, OverlappingFiltersOfOneClientAreEachReported) {
  // The tree reports one call per matching subscription; the router merges them
  // [MQTT-3.3.4-2].
  subscription_tree t;
  t.subscribe("c", "a/b", {}, tagged(1));
  t.subscribe("c", "a/+", {}, tagged(2));
  t.subscribe("c", "a/#", {}, tagged(3));
  t.subscribe("c", "#", {}, tagged(4));
  t.subscribe("d", "a/b", {}, tagged(5));
  auto r = match_all(t, "a/b");
  EXPECT_EQ(r.subscribers,
            (std::vector<hit>{{"c", 1}, {"c", 2}, {"c", 3}, {"c", 4}, {"d", 5}}));
  EXPECT_EQ(t.size(), 5u);
}

TEST(SubscriptionTree, SubscribingAgainReplacesTheEntry) {
  // [MQTT-3.8.4-3]
  subscription_tree t;
  EXPECT_FALSE(t.subscribe("c", "a/b", {}, tagged(1, qos::at_most_once)));
  EXPECT_TRUE(t.subscribe("c", "a/b", {}, tagged(2, qos::exactly_once)));
  EXPECT_EQ(t.size(), 1u);
  std::vector<qos> seen;
  t.match(
      "a/b", [&](const std::string&, const subscription_entry& e) { seen.push_back(e.options.max_qos); },
      [](subscription_tree::shared_group&) {});
  EXPECT_EQ(seen, std::vector<qos>{qos::exactly_once});
  EXPECT_EQ(tags_for(t, "a/b"), tags{2});
}

TEST(SubscriptionTree, SharedGroupsAreReportedOncePerGroup) {
  subscription_tree t;
  t.subscribe("c1", "a/+", "g1", tagged(1));
  t.subscribe("c2", "a/+", "g1", tagged(2));
  t.subscribe("c3", "a/+", "g2", tagged(3));
  t.subscribe("c4", "a/b", "g1", tagged(4));  // same name, different filter: another group
  t.subscribe("c1", "a/+", {}, tagged(5));    // and a non-shared one of a member
  EXPECT_EQ(t.size(), 5u);
  auto r = match_all(t, "a/b");
  EXPECT_EQ(r.subscribers, (std::vector<hit>{{"c1", 5}}));
  EXPECT_EQ(r.groups, (std::vector<std::string>{"g1", "g1", "g2"}));
  EXPECT_TRUE(match_all(t, "a/c").groups.size() == 2);
}

TEST(SubscriptionTree, SharedGroupKeepsMembersInStableOrderAndCursor) {
  subscription_tree t;
  t.subscribe("c1", "t", "g", tagged(1));
  t.subscribe("c2", "t", "g", tagged(2));
  t.subscribe("c3", "t", "g", tagged(3));
  std::vector<std::string> members;
  t.match(
      "t", [](const std::string&, const subscription_entry&) {},
      [&](subscription_tree::shared_group& g) {
        for (const auto& m : g.members) members.push_back(m.first);
        g.next = 2;
      });
  EXPECT_EQ(members, (std::vector<std::string>{"c1", "c2", "c3"}));
  std::size_t cursor = 0;
  t.match(
      "t", [](const std::string&, const subscription_entry&) {},
      [&](subscription_tree::shared_group& g) { cursor = g.next.load(); });
  EXPECT_EQ(cursor, 2u);  // the cursor the caller advanced is kept
}

TEST(SubscriptionTree, SharedMemberResubscribingReplacesItsEntry) {
  subscription_tree t;
  EXPECT_FALSE(t.subscribe("c1", "t", "g", tagged(1)));
  EXPECT_TRUE(t.subscribe("c1", "t", "g", tagged(9)));
  EXPECT_EQ(t.size(), 1u);
  std::vector<std::uint32_t> ids;
  t.match(
      "t", [](const std::string&, const subscription_entry&) {},
      [&](subscription_tree::shared_group& g) {
        for (const auto& m : g.members) ids.push_back(*m.second.subscription_id);
      });
  EXPECT_EQ(ids, tags{9});
}

TEST(SubscriptionTree, SharedGroupFollowsDollarRule) {
  // [MQTT-4.7.2-1] holds for the filter part of a shared subscription too.
  subscription_tree t;
  t.subscribe("c1", "#", "g", tagged(1));
  EXPECT_TRUE(match_all(t, "$SYS/x").groups.empty());
  EXPECT_EQ(match_all(t, "x").groups.size(), 1u);
}

TEST(SubscriptionTree, UnsubscribeRemovesOnlyThatClientAndFilter) {
  subscription_tree t;
  t.subscribe("c", "a/+", {}, tagged(1));
  t.subscribe("c", "a/b", {}, tagged(2));
  t.subscribe("d", "a/+", {}, tagged(3));
  EXPECT_TRUE(t.unsubscribe("c", "a/+", {}));
  EXPECT_EQ(tags_for(t, "a/b"), (tags{2, 3}));
  EXPECT_FALSE(t.unsubscribe("c", "a/+", {}));        // already gone
  EXPECT_FALSE(t.unsubscribe("c", "a/#", {}));        // [MQTT-3.10.4-1] literal comparison
  EXPECT_FALSE(t.unsubscribe("x", "a/b", {}));        // another client's filter
  EXPECT_FALSE(t.unsubscribe("c", "nothing/here", {}));
  EXPECT_EQ(t.size(), 2u);
}

TEST(SubscriptionTree, UnsubscribeSharedMemberAndGroup) {
  subscription_tree t;
  t.subscribe("c1", "t", "g", tagged(1));
  t.subscribe("c2", "t", "g", tagged(2));
  EXPECT_FALSE(t.unsubscribe("c1", "t", {}));       // not a non-shared subscription
  EXPECT_FALSE(t.unsubscribe("c1", "t", "other"));  // wrong group
  EXPECT_TRUE(t.unsubscribe("c1", "t", "g"));
  EXPECT_EQ(match_all(t, "t").groups.size(), 1u);
  EXPECT_TRUE(t.unsubscribe("c2", "t", "g"));
  EXPECT_TRUE(match_all(t, "t").groups.empty());  // an empty group is removed
  EXPECT_EQ(t.size(), 0u);
}

TEST(SubscriptionTree, UnsubscribePrunesEmptyBranchesAndKeepsOthers) {
  subscription_tree t;
  t.subscribe("c", "a/b/c/d", {}, tagged(1));
  t.subscribe("c", "a/b", {}, tagged(2));
  t.subscribe("c", "a/b/+/#", {}, tagged(3));
  EXPECT_TRUE(t.unsubscribe("c", "a/b/c/d", {}));
  EXPECT_EQ(tags_for(t, "a/b"), tags{2});
  EXPECT_EQ(tags_for(t, "a/b/c/d"), tags{3});
  EXPECT_TRUE(t.unsubscribe("c", "a/b", {}));
  EXPECT_EQ(tags_for(t, "a/b/x"), tags{3});
  EXPECT_TRUE(t.unsubscribe("c", "a/b/+/#", {}));
  EXPECT_EQ(t.size(), 0u);
  // After pruning, the same paths can be used again from scratch.
  t.subscribe("c", "a/b/c/d", {}, tagged(4));
  EXPECT_EQ(tags_for(t, "a/b/c/d"), tags{4});
  EXPECT_EQ(tags_for(t, "a/b/c"), tags{});
}

TEST(SubscriptionTree, UnsubscribeOfMissingFilterDoesNotPruneSiblings) {
  subscription_tree t;
  t.subscribe("c", "a/b", {}, tagged(1));
  EXPECT_FALSE(t.unsubscribe("c", "a", {}));  // "a" is an interior node with no subscriber
  EXPECT_EQ(tags_for(t, "a/b"), tags{1});
}

TEST(SubscriptionTree, SizeCountsSubscriptionsAcrossClientsAndGroups) {
  subscription_tree t;
  EXPECT_EQ(t.size(), 0u);
  t.subscribe("c1", "a", {}, tagged(1));
  t.subscribe("c2", "a", {}, tagged(2));
  t.subscribe("c1", "a", "g", tagged(3));
  t.subscribe("c2", "a", "g", tagged(4));
  t.subscribe("c1", "a", {}, tagged(5));  // replacement: not counted again
  EXPECT_EQ(t.size(), 4u);
  t.unsubscribe("c1", "a", {});
  t.unsubscribe("c2", "a", "g");
  EXPECT_EQ(t.size(), 2u);
}

TEST(SubscriptionTree, LevelsAreNotPrefixMatched) {
  subscription_tree t;
  t.subscribe("c", "ab", {}, tagged(1));
  t.subscribe("c", "a", {}, tagged(2));
  EXPECT_EQ(tags_for(t, "ab"), tags{1});
  EXPECT_EQ(tags_for(t, "a"), tags{2});
  EXPECT_EQ(tags_for(t, "abc"), tags{});
}

}  // namespace
}  // namespace mqtt::broker
