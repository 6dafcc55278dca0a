#include "codec/topic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <string>
#include <string_view>

// Count heap allocations so MatchDoesNotAllocate can check match_topic_filter's promise.
namespace {
std::atomic<long> topic_test_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  topic_test_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace mqtt::codec {
namespace {

using namespace std::string_view_literals;

struct status_case {
  std::string_view text;
  topic_status want;
};

void expect_name_status(std::initializer_list<status_case> cases) {
  for (const status_case& c : cases) {
    SCOPED_TRACE(std::string("Topic Name \"") + std::string(c.text) + "\"");
    EXPECT_EQ(validate_topic_name(c.text), c.want)
        << "got " << topic_status_name(validate_topic_name(c.text)) << ", want "
        << topic_status_name(c.want);
  }
}

void expect_filter_status(std::initializer_list<status_case> cases) {
  for (const status_case& c : cases) {
    SCOPED_TRACE(std::string("Topic Filter \"") + std::string(c.text) + "\"");
    EXPECT_EQ(validate_topic_filter(c.text), c.want)
        << "got " << topic_status_name(validate_topic_filter(c.text)) << ", want "
        << topic_status_name(c.want);
  }
}

struct match_case {
  std::string_view filter;
  std::string_view topic;
  bool want;
};

void expect_matches(std::initializer_list<match_case> cases) {
  for (const match_case& c : cases) {
    SCOPED_TRACE(std::string("filter \"") + std::string(c.filter) + "\" topic \"" +
                 std::string(c.topic) + "\"");
    // The cases must respect match_topic_filter's precondition.
    ASSERT_EQ(validate_topic_filter(c.filter), topic_status::ok);
    ASSERT_EQ(validate_topic_name(c.topic), topic_status::ok);
    EXPECT_EQ(match_topic_filter(c.filter, c.topic), c.want);
  }
}

// ---- topic_status_name -------------------------------------------------------------------

TEST(TopicStatus, EveryValueHasADistinctName) {
  const topic_status all[] = {
      topic_status::ok,
      topic_status::empty,
      topic_status::too_long,
      topic_status::wildcard_in_name,
      topic_status::misplaced_multi_level,
      topic_status::misplaced_single_level,
      topic_status::null_character,
      topic_status::bad_share_name,
      topic_status::bad_shared_filter,
  };
  std::set<std::string_view> names;
  for (topic_status s : all) {
    std::string_view n = topic_status_name(s);
    EXPECT_FALSE(n.empty());
    EXPECT_NE(n, "unknown");
    names.insert(n);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(topic_status_name(topic_status::ok), "ok");
}

TEST(TopicStatus, OutOfRangeValueIsUnknown) {
  EXPECT_EQ(topic_status_name(static_cast<topic_status>(200)), "unknown");
}

// ---- validate_topic_name -----------------------------------------------------------------

TEST(TopicName, SpecExamplesAreValid) {
  // 4.7.1 and 4.7.3: spaces, leading/trailing '/', a lone '/', empty levels, '$' prefixes.
  expect_name_status({
      {"sport/tennis/player1", topic_status::ok},
      {"sport/tennis/player1/ranking", topic_status::ok},
      {"sport/tennis/player1/score/wimbledon", topic_status::ok},
      {"sport", topic_status::ok},
      {"sport/", topic_status::ok},
      {"/finance", topic_status::ok},
      {"finance", topic_status::ok},
      {"/", topic_status::ok},
      {"//", topic_status::ok},
      {"a//b", topic_status::ok},
      {"Accounts payable", topic_status::ok},
      {"ACCOUNTS", topic_status::ok},
      {"$SYS/monitor/Clients", topic_status::ok},
      {"$share/group/topic", topic_status::ok},  // only a filter gives $share/ a meaning
      {"caf\xC3\xA9/\xF0\xAA\x9B\x94", topic_status::ok},
  });
}

TEST(TopicName, EmptyIsRejected) {
  // [MQTT-4.7.3-1] At least one character.
  expect_name_status({{"", topic_status::empty}});
}

TEST(TopicName, LongerThan65535BytesIsRejected) {
  // [MQTT-4.7.3-3] At most 65,535 bytes.
  std::string at_limit(65'535, 'a');
  std::string over_limit(65'536, 'a');
  EXPECT_EQ(validate_topic_name(at_limit), topic_status::ok);
  EXPECT_EQ(validate_topic_name(over_limit), topic_status::too_long);
}

TEST(TopicName, WildcardsAreRejected) {
  // [MQTT-3.3.2-2] [MQTT-4.7.0-1] No '+' or '#' in a Topic Name, anywhere.
  expect_name_status({
      {"+", topic_status::wildcard_in_name},
      {"#", topic_status::wildcard_in_name},
      {"sport/+", topic_status::wildcard_in_name},
      {"sport/#", topic_status::wildcard_in_name},
      {"sport/tennis+", topic_status::wildcard_in_name},
      {"sport#tennis", topic_status::wildcard_in_name},
      {"+/tennis", topic_status::wildcard_in_name},
      {"$share/+/x", topic_status::wildcard_in_name},
  });
}

TEST(TopicName, NullCharacterIsRejected) {
  // [MQTT-4.7.3-2] No U+0000.
  expect_name_status({
      {"\0"sv, topic_status::null_character},
      {"a\0b"sv, topic_status::null_character},
      {"sport/tennis\0"sv, topic_status::null_character},
      // U+0000 is an encoding fault and wins over a wildcard that appears earlier.
      {"+/a\0"sv, topic_status::null_character},
  });
}

TEST(TopicName, NullCharacterInOverlongTopicIsTooLong) {
  // Length is checked first: the string is never scanned past the limit.
  std::string s(65'536, 'a');
  s[10] = '\0';
  EXPECT_EQ(validate_topic_name(s), topic_status::too_long);
}

// ---- validate_topic_filter: plain filters ------------------------------------------------

TEST(TopicFilter, SpecExamplesAreValid) {
  // 4.7.1.2, 4.7.1.3 and 4.7.2 list these as valid.
  expect_filter_status({
      {"sport/tennis/player1/#", topic_status::ok},
      {"sport/#", topic_status::ok},
      {"#", topic_status::ok},
      {"sport/tennis/#", topic_status::ok},
      {"sport/tennis/+", topic_status::ok},
      {"sport/+", topic_status::ok},
      {"+", topic_status::ok},
      {"+/tennis/#", topic_status::ok},
      {"sport/+/player1", topic_status::ok},
      {"+/+", topic_status::ok},
      {"/+", topic_status::ok},
      {"+/monitor/Clients", topic_status::ok},
      {"$SYS/#", topic_status::ok},
      {"$SYS/monitor/+", topic_status::ok},
  });
}

TEST(TopicFilter, OtherValidFilters) {
  expect_filter_status({
      {"/", topic_status::ok},
      {"//", topic_status::ok},
      {"/#", topic_status::ok},
      {"+/#", topic_status::ok},
      {"+/+/+", topic_status::ok},
      {"a//+//#", topic_status::ok},
      {"Accounts payable", topic_status::ok},
      {"$share", topic_status::ok},       // no '/' after it: not a shared filter
      {"$sharex/g/a", topic_status::ok},  // not "$share/"
      {"$SHARE/g", topic_status::ok},     // case sensitive (4.7.3): not a shared filter
      {"share/g", topic_status::ok},
  });
}

TEST(TopicFilter, EmptyIsRejected) {
  // [MQTT-4.7.3-1] At least one character.
  expect_filter_status({{"", topic_status::empty}});
}

TEST(TopicFilter, LongerThan65535BytesIsRejected) {
  // [MQTT-4.7.3-3] At most 65,535 bytes.
  std::string at_limit(65'533, 'a');
  at_limit += "/#";
  std::string over_limit = at_limit + "a";
  ASSERT_EQ(at_limit.size(), 65'535u);
  EXPECT_EQ(validate_topic_filter(at_limit), topic_status::ok);
  EXPECT_EQ(validate_topic_filter(over_limit), topic_status::too_long);
}

TEST(TopicFilter, NullCharacterIsRejected) {
  // [MQTT-4.7.3-2] No U+0000.
  expect_filter_status({
      {"\0"sv, topic_status::null_character},
      {"a/\0/#"sv, topic_status::null_character},
      {"sport+\0"sv, topic_status::null_character},
      {"$share/g\0/a"sv, topic_status::null_character},
      {"$share/g/a\0"sv, topic_status::null_character},
  });
}

TEST(TopicFilter, HashMustBeLastLevel) {
  // [MQTT-4.7.1-1] '#' on its own or after '/', and the last character of the filter.
  expect_filter_status({
      {"sport/tennis/#/ranking", topic_status::misplaced_multi_level},  // spec example
      {"#/", topic_status::misplaced_multi_level},
      {"#/a", topic_status::misplaced_multi_level},
      {"a/#/#", topic_status::misplaced_multi_level},
      {"+/#/+", topic_status::misplaced_multi_level},
  });
}

TEST(TopicFilter, HashMustBeAloneInItsLevel) {
  // [MQTT-4.7.1-1] '#' follows a level separator or stands alone.
  expect_filter_status({
      {"sport/tennis#", topic_status::misplaced_multi_level},  // spec example
      {"##", topic_status::misplaced_multi_level},
      {"a#", topic_status::misplaced_multi_level},
      {"#a", topic_status::misplaced_multi_level},
      {"sport/te#nnis", topic_status::misplaced_multi_level},
      {"+#", topic_status::misplaced_multi_level},
      {"#+", topic_status::misplaced_multi_level},
  });
}

TEST(TopicFilter, PlusMustOccupyAWholeLevel) {
  // [MQTT-4.7.1-2] '+' occupies an entire level.
  expect_filter_status({
      {"sport+", topic_status::misplaced_single_level},  // spec example
      {"+sport", topic_status::misplaced_single_level},
      {"++", topic_status::misplaced_single_level},
      {"sport/+tennis/#", topic_status::misplaced_single_level},
      {"a/b+c/d", topic_status::misplaced_single_level},
      {"+/+/a+", topic_status::misplaced_single_level},
  });
}

TEST(TopicFilter, FirstProblemFromTheLeftIsReported) {
  expect_filter_status({
      {"a+/b#", topic_status::misplaced_single_level},
      {"a#/b+", topic_status::misplaced_multi_level},
  });
}

// ---- validate_topic_filter: shared subscriptions (4.8.2) ---------------------------------

TEST(SharedFilter, SpecExamplesAreValid) {
  expect_filter_status({
      {"$share/consumer1/sport/tennis/+", topic_status::ok},
      {"$share/consumer2/sport/tennis/+", topic_status::ok},
      {"$share/consumer1//finance", topic_status::ok},
  });
}

TEST(SharedFilter, OtherValidFilters) {
  expect_filter_status({
      {"$share/g/#", topic_status::ok},
      {"$share/g/+", topic_status::ok},
      {"$share/g//", topic_status::ok},
      {"$share/g/$SYS/#", topic_status::ok},
      {"$share/a b/c", topic_status::ok},
      {"$share/g$/x", topic_status::ok},
      {"$share/caf\xC3\xA9/x", topic_status::ok},
  });
}

TEST(SharedFilter, ShareNameMustNotBeEmpty) {
  // [MQTT-4.8.2-1] The ShareName is at least one character long.
  expect_filter_status({
      {"$share/", topic_status::bad_share_name},
      {"$share//", topic_status::bad_share_name},
      {"$share//finance", topic_status::bad_share_name},
      {"$share//#", topic_status::bad_share_name},
  });
}

TEST(SharedFilter, ShareNameMustNotContainWildcards) {
  // [MQTT-4.8.2-2] The ShareName excludes '/', '+' and '#' ('/' ends it).
  expect_filter_status({
      {"$share/+/x", topic_status::bad_share_name},
      {"$share/#/x", topic_status::bad_share_name},
      {"$share/a+b/x", topic_status::bad_share_name},
      {"$share/a#b/x", topic_status::bad_share_name},
      {"$share/+", topic_status::bad_share_name},
      {"$share/#", topic_status::bad_share_name},
      {"$share/g#", topic_status::bad_share_name},
  });
}

TEST(SharedFilter, ShareNameMustBeFollowedBySlashAndFilter) {
  // [MQTT-4.8.2-2] The ShareName is followed by '/' and then a Topic Filter, which is at
  // least one character long [MQTT-4.7.3-1].
  expect_filter_status({
      {"$share/g", topic_status::bad_shared_filter},
      {"$share/consumer1", topic_status::bad_shared_filter},
      {"$share/g/", topic_status::bad_shared_filter},
  });
}

TEST(SharedFilter, FilterPartFollowsTheWildcardRules) {
  // [MQTT-4.7.1-1] [MQTT-4.7.1-2] apply to the {filter} part, which has "the same syntax
  // and semantics as a Topic Filter in a non-shared subscription" (4.8.2).
  expect_filter_status({
      {"$share/g/sport/tennis#", topic_status::misplaced_multi_level},
      {"$share/g/#/a", topic_status::misplaced_multi_level},
      {"$share/g/sport+", topic_status::misplaced_single_level},
      {"$share/g/a/+b", topic_status::misplaced_single_level},
  });
}

TEST(SharedFilter, LongerThan65535BytesIsRejected) {
  // [MQTT-4.7.3-3] The limit covers the whole filter, $share/{ShareName}/ included.
  std::string s = "$share/g/";
  s.append(65'535 - s.size(), 'a');
  EXPECT_EQ(validate_topic_filter(s), topic_status::ok);
  s += 'a';
  EXPECT_EQ(validate_topic_filter(s), topic_status::too_long);
}

// ---- parse_shared_filter -----------------------------------------------------------------

TEST(ParseSharedFilter, SplitsShareNameAndFilter) {
  auto p = parse_shared_filter("$share/consumer1/sport/tennis/+");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "consumer1");
  EXPECT_EQ(p->filter, "sport/tennis/+");

  p = parse_shared_filter("$share/consumer1//finance");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "consumer1");
  EXPECT_EQ(p->filter, "/finance");

  p = parse_shared_filter("$share/g/#");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "g");
  EXPECT_EQ(p->filter, "#");
}

TEST(ParseSharedFilter, NonSharedFiltersGiveNullopt) {
  for (std::string_view f : {"", "$share", "$SHARE/g/a", "$sharex/g/a", "share/g/a", "#",
                             "sport/tennis", "/$share/g/a", " $share/g/a"}) {
    SCOPED_TRACE(std::string(f));
    EXPECT_FALSE(parse_shared_filter(f).has_value());
  }
}

TEST(ParseSharedFilter, DoesNotValidate) {
  auto p = parse_shared_filter("$share/");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "");
  EXPECT_EQ(p->filter, "");

  p = parse_shared_filter("$share/g");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "g");
  EXPECT_EQ(p->filter, "");

  p = parse_shared_filter("$share/g/");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "g");
  EXPECT_EQ(p->filter, "");

  p = parse_shared_filter("$share/a+b/sport#");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name, "a+b");
  EXPECT_EQ(p->filter, "sport#");
}

TEST(ParseSharedFilter, ViewsPointIntoTheInput) {
  std::string_view in = "$share/g/a/b";
  auto p = parse_shared_filter(in);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->share_name.data(), in.data() + 7);
  EXPECT_EQ(p->filter.data(), in.data() + 9);
}

// ---- match_topic_filter ------------------------------------------------------------------

TEST(TopicMatch, MultiLevelWildcardSpecExamples) {
  // 4.7.1.2 non-normative examples.
  expect_matches({
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},  // '#' includes the parent level
      {"#", "sport", true},
      {"#", "sport/tennis/player1", true},
  });
}

TEST(TopicMatch, MultiLevelWildcardIncludesParent) {
  expect_matches({
      {"sport/tennis/#", "sport/tennis", true},
      {"sport/tennis/#", "sport/tennis/", true},
      {"sport/tennis/#", "sport/tennis/player1", true},
      {"sport/tennis/#", "sport", false},
      {"sport/tennis/#", "sport/", false},
      {"sport/tennis/#", "sport/tennisX", false},
      {"sport/tennis/#", "sport/tennis2/player1", false},
      {"+/#", "sport", true},
      {"+/+/#", "sport", false},
      {"/#", "/", true},
      {"/#", "/finance", true},
      {"/#", "finance", false},
  });
}

TEST(TopicMatch, MultiLevelWildcardMatchesEverything) {
  expect_matches({
      {"#", "/", true},
      {"#", "//", true},
      {"#", "/finance", true},
      {"#", "a/b/c/d/e/f/g", true},
      {"#", "Accounts payable", true},
  });
}

TEST(TopicMatch, SingleLevelWildcardSpecExamples) {
  // 4.7.1.3 non-normative examples.
  expect_matches({
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},  // matches the empty level
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
  });
}

TEST(TopicMatch, SingleLevelWildcardMatchesExactlyOneLevel) {
  expect_matches({
      {"+", "sport", true},
      {"+", "/", false},
      {"+/+", "/", true},
      {"sport/+/player1", "sport/tennis/player1", true},
      {"sport/+/player1", "sport//player1", true},
      {"sport/+/player1", "sport/tennis/player2", false},
      {"sport/+/player1", "sport/tennis/x/player1", false},
      {"+/tennis/#", "sport/tennis", true},
      {"+/tennis/#", "sport/tennis/player1/ranking", true},
      {"+/tennis/#", "sport/golf/player1", false},
      {"+/+/+", "a/b/c", true},
      {"+/+/+", "a/b", false},
      {"+/+/+", "a/b/c/d", false},
      {"a/+/+", "a//", true},
  });
}

TEST(TopicMatch, DollarTopicsAreNotMatchedByLeadingWildcards) {
  // [MQTT-4.7.2-1] A filter starting with '#' or '+' never matches a topic starting with
  // '$'; the examples are the non-normative ones of 4.7.2.
  SCOPED_TRACE("MQTT-4.7.2-1");
  expect_matches({
      {"#", "$SYS", false},
      {"#", "$SYS/monitor/Clients", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"+", "$SYS", false},
      {"+", "$", false},
      {"+/#", "$SYS/a", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/#", "$SYS/", true},
      {"$SYS/#", "$SYS", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"$SYS/+/Clients", "$SYS/monitor/Clients", true},
  });
}

TEST(TopicMatch, DollarRuleAppliesOnlyToTheFirstCharacter) {
  SCOPED_TRACE("MQTT-4.7.2-1");
  expect_matches({
      {"#", "a/$SYS", true},
      {"#", "/$SYS", true},
      {"+/+", "/$SYS", true},
      {"a/+", "a/$SYS", true},
      {"a/#", "a/$SYS/x", true},
  });
}

TEST(TopicMatch, LevelsCompareCharacterForCharacter) {
  // [MQTT-4.7.3-4] No normalization; 4.7.3 examples: case matters, "/finance" differs
  // from "finance", leading and trailing '/' make distinct topics.
  SCOPED_TRACE("MQTT-4.7.3-4");
  expect_matches({
      {"ACCOUNTS", "ACCOUNTS", true},
      {"ACCOUNTS", "Accounts", false},
      {"Accounts payable", "Accounts payable", true},
      {"Accounts payable", "Accounts  payable", false},
      {"/finance", "/finance", true},
      {"/finance", "finance", false},
      {"finance", "/finance", false},
      {"finance/", "finance", false},
      {"finance", "finance/", false},
      {"/", "/", true},
      {"/", "//", false},
      {"a//b", "a//b", true},
      {"a//b", "a/b", false},
      {"sport/ten", "sport/tennis", false},
      {"sport/tennis", "sport/ten", false},
      // U+00E9 precomposed vs "e" + U+0301 combining acute: different bytes, no match.
      {"caf\xC3\xA9", "caf\xC3\xA9", true},
      {"caf\xC3\xA9", "cafe\xCC\x81", false},
  });
}

TEST(TopicMatch, SharedFilterMatchesThroughItsFilterPart) {
  // 4.8.2: "$share/consumer1//finance" matches what "/finance" matches, and $share and
  // {ShareName} are not taken into account when matching.
  auto p = parse_shared_filter("$share/consumer1//finance");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(match_topic_filter(p->filter, "/finance"));
  EXPECT_FALSE(match_topic_filter(p->filter, "finance"));

  p = parse_shared_filter("$share/consumer1/sport/tennis/+");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(match_topic_filter(p->filter, "sport/tennis/player1"));
  EXPECT_FALSE(match_topic_filter(p->filter, "sport/tennis/player1/ranking"));

  // [MQTT-4.7.2-1] holds for the filter part as well.
  p = parse_shared_filter("$share/g/#");
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(match_topic_filter(p->filter, "$SYS/x"));
  EXPECT_TRUE(match_topic_filter(p->filter, "x"));
}

TEST(TopicMatch, EmptyInputsNeverMatch) {
  // Outside the precondition, but must not crash or match.
  EXPECT_FALSE(match_topic_filter("", "a"));
  EXPECT_FALSE(match_topic_filter("#", ""));
  EXPECT_FALSE(match_topic_filter("+", ""));
  EXPECT_FALSE(match_topic_filter("", ""));
}

TEST(TopicMatch, ExactFilterMatchesOnlyItself) {
  expect_matches({
      {"sport/tennis/player1", "sport/tennis/player1", true},
      {"sport/tennis/player1", "sport/tennis/player1/", false},
      {"sport/tennis/player1", "sport/tennis", false},
      {"sport", "sport/tennis", false},
  });
}

TEST(TopicMatch, DeepTopics) {
  std::string topic;
  std::string filter;
  for (int i = 0; i < 1000; ++i) {
    if (i > 0) {
      topic += '/';
      filter += '/';
    }
    topic += "l";
    filter += (i % 2 == 0) ? "+" : "l";
  }
  EXPECT_TRUE(match_topic_filter(filter, topic));
  EXPECT_TRUE(match_topic_filter(filter + "/#", topic));
  EXPECT_FALSE(match_topic_filter(filter + "/+", topic));
  EXPECT_FALSE(match_topic_filter(filter, topic + "/l"));
}

TEST(TopicMatch, MatchDoesNotAllocate) {
  // The counting operator new above must be the one in use, or this test proves nothing.
  long probe = topic_test_allocations.load();
  void* volatile block = ::operator new(16);
  ::operator delete(block);
  ASSERT_GT(topic_test_allocations.load(), probe);

  const std::string filter = "sport/+/player1/#";
  const std::string topic = "sport/tennis/player1/score/wimbledon/final/set/5";
  long before = topic_test_allocations.load();
  bool m1 = match_topic_filter(filter, topic);
  bool m2 = match_topic_filter("#", "$SYS/a");
  bool m3 = match_topic_filter("a/b/c", "a/b/d");
  bool m4 = has_wildcard(filter);
  auto p = parse_shared_filter("$share/g/a/#");
  topic_status s1 = validate_topic_filter("$share/g/a/+/#");
  topic_status s2 = validate_topic_name(topic);
  long after = topic_test_allocations.load();
  EXPECT_EQ(after, before);
  EXPECT_TRUE(m1);
  EXPECT_FALSE(m2);
  EXPECT_FALSE(m3);
  EXPECT_TRUE(m4);
  EXPECT_TRUE(p.has_value());
  EXPECT_EQ(s1, topic_status::ok);
  EXPECT_EQ(s2, topic_status::ok);
}

// ---- has_wildcard ------------------------------------------------------------------------

TEST(HasWildcard, FindsPlusAndHash) {
  EXPECT_TRUE(has_wildcard("#"));
  EXPECT_TRUE(has_wildcard("+"));
  EXPECT_TRUE(has_wildcard("sport/#"));
  EXPECT_TRUE(has_wildcard("sport/+/player1"));
  EXPECT_TRUE(has_wildcard("$share/g/+"));
  EXPECT_FALSE(has_wildcard("sport/tennis/player1"));
  EXPECT_FALSE(has_wildcard("/"));
  EXPECT_FALSE(has_wildcard("$SYS/monitor"));
  EXPECT_FALSE(has_wildcard("$share/g/a"));
  EXPECT_FALSE(has_wildcard(""));
}

}  // namespace
}  // namespace mqtt::codec
