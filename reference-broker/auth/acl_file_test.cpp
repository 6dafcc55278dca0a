#include "reference-broker/auth/acl_file.hpp"

#include <gtest/gtest.h>

#include "codec/topic.hpp"
#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

const std::optional<std::string> anonymous;
std::optional<std::string> user(std::string name) { return name; }

constexpr std::string_view sample_acl = R"(# anonymous clients
topic read public/#
topic read $SYS/broker/uptime

user alice
topic readwrite sensors/#
topic deny sensors/secret/#
topic write cmd/+/set
topic  read   room 1/temp

user bob
topic sensors/bob/#

# every client
pattern write devices/%c/up
pattern read devices/%c/down/#
pattern readwrite users/%u/#
pattern deny users/%u/private/#
)";

class AclFileSample : public testing::Test {
 protected:
  acl_file acl = acl_file::parse(sample_acl, "acl");
};

TEST_F(AclFileSample, CountsEveryRule) { EXPECT_EQ(acl.rule_count(), 11u); }

TEST_F(AclFileSample, AnonymousSectionAppliesOnlyToClientsWithoutUserName) {
  EXPECT_TRUE(acl.may_subscribe("c1", anonymous, "public/news"));
  EXPECT_TRUE(acl.may_subscribe("c1", anonymous, "public/#"));
  EXPECT_FALSE(acl.may_publish("c1", anonymous, "public/news"));  // read only
  EXPECT_FALSE(acl.may_subscribe("c1", user("alice"), "public/news"));
  EXPECT_FALSE(acl.may_subscribe("c1", user("carol"), "public/news"));
}

TEST_F(AclFileSample, UserSectionAppliesOnlyToThatUser) {
  EXPECT_TRUE(acl.may_publish("c1", user("alice"), "sensors/kitchen/temp"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("alice"), "sensors/kitchen/+"));
  EXPECT_FALSE(acl.may_publish("c1", user("bob"), "sensors/kitchen/temp"));
  EXPECT_FALSE(acl.may_publish("c1", anonymous, "sensors/kitchen/temp"));
}

TEST_F(AclFileSample, AccessWithoutKeywordIsReadwrite) {
  EXPECT_TRUE(acl.may_publish("c1", user("bob"), "sensors/bob/t"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("bob"), "sensors/bob/#"));
}

TEST_F(AclFileSample, WriteOnlyRuleRefusesSubscribe) {
  EXPECT_TRUE(acl.may_publish("c1", user("alice"), "cmd/lamp/set"));
  EXPECT_FALSE(acl.may_subscribe("c1", user("alice"), "cmd/lamp/set"));
}

TEST_F(AclFileSample, FilterMayContainSpaces) {
  EXPECT_TRUE(acl.may_subscribe("c1", user("alice"), "room 1/temp"));
  EXPECT_FALSE(acl.may_publish("c1", user("alice"), "room 1/temp"));
}

TEST_F(AclFileSample, DenyWinsOverAllow) {
  EXPECT_FALSE(acl.may_publish("c1", user("alice"), "sensors/secret/key"));
  EXPECT_FALSE(acl.may_subscribe("c1", user("alice"), "sensors/secret/key"));
  // The deny rule does not take in these filters, so they are granted; deliveries under
  // sensors/secret/ are refused by may_read instead.
  EXPECT_TRUE(acl.may_subscribe("c1", user("alice"), "sensors/#"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("alice"), "sensors/+/key"));
  EXPECT_FALSE(acl.may_subscribe("c1", user("alice"), "sensors/secret/+"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("alice"), "sensors/open/#"));
}

TEST_F(AclFileSample, SubscribeThatCanReachAReadableTopicIsGrantedWithReadCheck) {
  EXPECT_TRUE(acl.may_subscribe("c1", anonymous, "public/a/+"));
  EXPECT_FALSE(acl.needs_read_check("c1", anonymous, "public/a/+"));  // inside public/#
  // Wider filters are granted, and each delivery is checked (as Mosquitto does).
  for (const char* wide : {"#", "+/news", "$SYS/broker/+"}) {
    EXPECT_TRUE(acl.may_subscribe("c1", anonymous, wide)) << wide;
    EXPECT_TRUE(acl.needs_read_check("c1", anonymous, wide)) << wide;
  }
  EXPECT_TRUE(acl.may_read("c1", anonymous, "public/news"));
  EXPECT_FALSE(acl.may_read("c1", anonymous, "private/news"));
  EXPECT_TRUE(acl.may_subscribe("c1", anonymous, "$SYS/broker/uptime"));
  EXPECT_FALSE(acl.may_read("c1", anonymous, "$SYS/broker/load"));
  EXPECT_FALSE(acl.may_subscribe("c1", anonymous, "private/+"));  // nothing readable there
}

TEST_F(AclFileSample, ReadIsDecidedPerTopicName) {
  EXPECT_TRUE(acl.may_read("c1", user("alice"), "sensors/kitchen/temp"));
  EXPECT_FALSE(acl.may_read("c1", user("alice"), "sensors/secret/key"));  // deny wins
  EXPECT_FALSE(acl.may_read("c1", user("alice"), "cmd/lamp/set"));        // write only
  EXPECT_TRUE(acl.may_read("c1", anonymous, "public/news"));
  EXPECT_FALSE(acl.may_read("c1", user("alice"), "public/news"));  // anonymous section
  EXPECT_FALSE(acl.may_read("c1", user("alice"), ""));
}

TEST_F(AclFileSample, FilterInsideOneRuleNeedsNoReadCheck) {
  EXPECT_FALSE(acl.needs_read_check("c1", user("alice"), "sensors/open/#"));
  EXPECT_FALSE(acl.needs_read_check("c1", user("alice"), "room 1/temp"));
  EXPECT_FALSE(acl.needs_read_check("c1", anonymous, "public/#"));
  EXPECT_FALSE(acl.needs_read_check("c1", anonymous, "$share/g1/public/news"));
  EXPECT_FALSE(acl.needs_read_check("c1", user("bob"), "sensors/bob/#"));
}

TEST_F(AclFileSample, FilterOverlappingDenyOrOutsideEveryRuleNeedsReadCheck) {
  EXPECT_TRUE(acl.needs_read_check("c1", user("alice"), "sensors/#"));       // deny inside
  EXPECT_TRUE(acl.needs_read_check("c1", user("alice"), "sensors/+/temp"));  // may be secret
  EXPECT_TRUE(acl.needs_read_check("c1", user("alice"), "cmd/lamp/set"));    // write only
  EXPECT_TRUE(acl.needs_read_check("c1", anonymous, "#"));                   // no rule covers
  EXPECT_TRUE(acl.needs_read_check("c1", anonymous, ""));
}

TEST_F(AclFileSample, SharedSubscriptionIsCheckedByItsFilter) {
  EXPECT_TRUE(acl.may_subscribe("c1", anonymous, "$share/g1/public/news"));
  EXPECT_FALSE(acl.may_subscribe("c1", anonymous, "$share/g1/private/news"));
}

TEST_F(AclFileSample, PatternSubstitutesClientId) {
  EXPECT_TRUE(acl.may_publish("dev42", anonymous, "devices/dev42/up"));
  EXPECT_FALSE(acl.may_publish("dev42", anonymous, "devices/dev43/up"));
  EXPECT_TRUE(acl.may_subscribe("dev42", user("alice"), "devices/dev42/down/#"));
  // Wider than the pattern: granted, and only dev42's topics are delivered.
  EXPECT_TRUE(acl.may_subscribe("dev42", user("alice"), "devices/+/down/#"));
  EXPECT_TRUE(acl.needs_read_check("dev42", user("alice"), "devices/+/down/#"));
  EXPECT_TRUE(acl.may_read("dev42", user("alice"), "devices/dev42/down/x"));
  EXPECT_FALSE(acl.may_read("dev42", user("alice"), "devices/dev43/down/x"));
}

TEST_F(AclFileSample, PatternSubstitutesUserName) {
  EXPECT_TRUE(acl.may_publish("c1", user("carol"), "users/carol/notes"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("carol"), "users/carol/public/#"));
  EXPECT_FALSE(acl.may_publish("c1", user("carol"), "users/dave/notes"));
  EXPECT_FALSE(acl.may_publish("c1", user("carol"), "users/carol/private/diary"));
  EXPECT_TRUE(acl.may_subscribe("c1", user("carol"), "users/carol/#"));  // deny is narrower
  EXPECT_FALSE(acl.may_subscribe("c1", user("carol"), "users/carol/private/#"));
}

TEST_F(AclFileSample, ReadPatternsSubstituteClientIdAndUserName) {
  EXPECT_TRUE(acl.may_read("dev42", anonymous, "devices/dev42/down/cmd"));
  EXPECT_FALSE(acl.may_read("dev42", anonymous, "devices/dev43/down/cmd"));
  EXPECT_FALSE(acl.may_read("dev42", anonymous, "devices/dev42/up"));  // write only
  EXPECT_TRUE(acl.may_read("c1", user("carol"), "users/carol/notes"));
  EXPECT_FALSE(acl.may_read("c1", user("carol"), "users/carol/private/diary"));
  EXPECT_FALSE(acl.may_read("c1", user("carol"), "users/dave/notes"));
  EXPECT_FALSE(acl.may_read("c1", anonymous, "users//notes"));
}

TEST_F(AclFileSample, ReadCheckPatternsSubstituteClientIdAndUserName) {
  EXPECT_FALSE(acl.needs_read_check("dev42", anonymous, "devices/dev42/down/#"));
  EXPECT_TRUE(acl.needs_read_check("dev42", anonymous, "devices/+/down/#"));
  EXPECT_FALSE(acl.needs_read_check("c1", user("carol"), "users/carol/public/#"));
  EXPECT_TRUE(acl.needs_read_check("c1", user("carol"), "users/carol/#"));  // deny pattern
  EXPECT_TRUE(acl.needs_read_check("c1", user("dave"), "users/carol/public/#"));
}

TEST_F(AclFileSample, UserNamePatternDoesNotApplyWithoutUserName) {
  EXPECT_FALSE(acl.may_publish("c1", anonymous, "users//notes"));
  EXPECT_FALSE(acl.may_publish("c1", anonymous, "users/x/notes"));
}

TEST_F(AclFileSample, WildcardsInClientIdDoNotWidenAllowPatterns) {
  // CVE-2017-7650 class: a ClientID of "+" or "#" must not turn %c into a wildcard.
  EXPECT_FALSE(acl.may_publish("+", anonymous, "devices/other/up"));
  EXPECT_FALSE(acl.may_publish("#", anonymous, "devices/other/up"));
  EXPECT_FALSE(acl.may_publish("a/b", anonymous, "devices/a/b/up"));
  EXPECT_FALSE(acl.may_subscribe("+", anonymous, "devices/+/down/x"));
  EXPECT_FALSE(acl.may_publish("$SYS", anonymous, "devices/$SYS/up"));
  EXPECT_FALSE(acl.may_read("+", anonymous, "devices/other/down/x"));
  EXPECT_FALSE(acl.may_read("a/b", anonymous, "devices/a/b/down/x"));
  EXPECT_TRUE(acl.needs_read_check("+", anonymous, "devices/+/down/x"));
}

TEST_F(AclFileSample, WildcardsInUserNameStillHitDenyPatterns) {
  // users/%u/private/# is read as users/+/private/# for an unsafe User Name.
  acl_file a = acl_file::parse("topic readwrite users/#\npattern deny users/%u/private/#\n",
                               "acl");
  EXPECT_TRUE(a.may_publish("c", anonymous, "users/x/public"));
  EXPECT_FALSE(a.may_publish("c", anonymous, "users/x/private/diary"));
  acl_file b = acl_file::parse("user a+b\ntopic readwrite users/#\n"
                               "pattern deny users/%u/private/#\n",
                               "acl");
  EXPECT_TRUE(b.may_publish("c", user("a+b"), "users/x/public"));
  EXPECT_FALSE(b.may_publish("c", user("a+b"), "users/x/private/diary"));
  EXPECT_TRUE(b.may_read("c", user("a+b"), "users/x/public"));
  EXPECT_FALSE(b.may_read("c", user("a+b"), "users/x/private/diary"));
  EXPECT_FALSE(b.needs_read_check("c", user("a+b"), "users/x/public/#"));
  EXPECT_TRUE(b.needs_read_check("c", user("a+b"), "users/#"));  // overlaps users/+/private/#
}

TEST_F(AclFileSample, EmptyTopicIsDenied) {
  EXPECT_FALSE(acl.may_publish("c1", user("alice"), ""));
  EXPECT_FALSE(acl.may_subscribe("c1", user("alice"), ""));
}

TEST(AclFile, EmptyFileDeniesEverything) {
  acl_file acl = acl_file::parse("# nothing\n", "acl");
  EXPECT_FALSE(acl.may_publish("c", anonymous, "a"));
  EXPECT_FALSE(acl.may_subscribe("c", user("u"), "a"));
}

TEST(AclFile, RepeatedUserSectionsMerge) {
  acl_file acl = acl_file::parse("user u\ntopic read a\nuser v\ntopic read b\nuser u\n"
                                 "topic read c\n",
                                 "acl");
  EXPECT_TRUE(acl.may_subscribe("c", user("u"), "a"));
  EXPECT_TRUE(acl.may_subscribe("c", user("u"), "c"));
  EXPECT_FALSE(acl.may_subscribe("c", user("u"), "b"));
}

// The ACL file the Paho interoperability tests run Mosquitto with.
constexpr std::string_view paho_acl = "topic readwrite #\ntopic deny test/nosubscribe\n";

class AclFilePaho : public testing::Test {
 protected:
  acl_file acl = acl_file::parse(paho_acl, "acl");
};

TEST_F(AclFilePaho, EverythingButTheDeniedTopicIsSubscribable) {
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "#"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "test/+"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "test/other"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "test/nosubscribe"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "$share/g/test/nosubscribe"));
}

TEST_F(AclFilePaho, DeliveryOnTheDeniedTopicIsRefused) {
  EXPECT_FALSE(acl.may_read("c", anonymous, "test/nosubscribe"));
  EXPECT_TRUE(acl.may_read("c", anonymous, "test/other"));
  EXPECT_TRUE(acl.may_read("c", anonymous, "test/nosubscribe/deeper"));  // deny has no '#'
}

TEST_F(AclFilePaho, OnlyFiltersOverlappingTheDeniedTopicNeedReadCheck) {
  EXPECT_TRUE(acl.needs_read_check("c", anonymous, "#"));
  EXPECT_TRUE(acl.needs_read_check("c", anonymous, "test/+"));
  EXPECT_FALSE(acl.needs_read_check("c", anonymous, "test/other"));
  EXPECT_FALSE(acl.needs_read_check("c", anonymous, "other/#"));
}

TEST(AclFileSubscribe, FilterThatCanReachAReadableTopicIsGrantedAndChecked) {
  acl_file acl = acl_file::parse("topic read a/x\n", "acl");
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "a/x"));
  EXPECT_FALSE(acl.needs_read_check("c", anonymous, "a/x"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "a/+"));
  EXPECT_TRUE(acl.needs_read_check("c", anonymous, "a/+"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "a/#"));
  EXPECT_TRUE(acl.may_read("c", anonymous, "a/x"));
  EXPECT_FALSE(acl.may_read("c", anonymous, "a/y"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "b/+"));  // no read rule can match it
}

TEST(AclFileSubscribe, DenyTakesInWildcardLevelsOnlyWithItsOwnWildcards) {
  acl_file acl = acl_file::parse("topic readwrite #\ntopic deny a/+/secret\n", "acl");
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "a/b/secret"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "a/+/secret"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "+/+/secret"));
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "a/#"));
}

TEST(AclFileDollarTopics, RuleStartingWithWildcardDoesNotReachThem) {
  // [MQTT-4.7.2-1]
  acl_file acl = acl_file::parse("topic readwrite #\n", "acl");
  EXPECT_TRUE(acl.may_subscribe("c", anonymous, "#"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "$SYS/#"));
  EXPECT_FALSE(acl.may_subscribe("c", anonymous, "$SYS/broker/uptime"));
  EXPECT_FALSE(acl.may_read("c", anonymous, "$SYS/broker/uptime"));
  EXPECT_TRUE(acl.needs_read_check("c", anonymous, "$SYS/#"));
  EXPECT_FALSE(acl.needs_read_check("c", anonymous, "#"));
  acl_file sys = acl_file::parse("topic read $SYS/#\n", "acl");
  EXPECT_TRUE(sys.may_subscribe("c", anonymous, "$SYS/#"));
  EXPECT_TRUE(sys.may_read("c", anonymous, "$SYS/broker/uptime"));
  EXPECT_FALSE(sys.needs_read_check("c", anonymous, "$SYS/#"));
}

// needs_read_check false promises that may_read allows every Topic Name the filter matches.
TEST_F(AclFileSample, NoReadCheckMeansEveryMatchingTopicIsReadable) {
  const std::vector<std::string> filters = {
      "#", "+/#", "sensors/#", "sensors/+", "sensors/+/key", "sensors/+/#", "sensors/open/#",
      "public/#", "devices/c1/down/#", "users/carol/#", "users/+/#", "users/carol/public/#",
      "$SYS/#", "$SYS/broker/uptime", "room 1/temp"};
  const std::vector<std::string> topics = {
      "sensors", "sensors/kitchen/temp", "sensors/secret/key", "sensors/open/a/b", "public/news",
      "devices/c1/down/x", "devices/c2/down/x", "users/carol/notes", "users/carol/private/diary",
      "users/carol/public/x", "$SYS/broker/uptime", "room 1/temp"};
  const std::vector<std::optional<std::string>> users = {anonymous, user("alice"), user("bob"),
                                                         user("carol")};
  for (const auto& u : users) {
    for (const auto& f : filters) {
      if (acl.needs_read_check("c1", u, f)) continue;
      for (const auto& t : topics) {
        if (!codec::match_topic_filter(f, t)) continue;
        EXPECT_TRUE(acl.may_read("c1", u, t)) << u.value_or("(none)") << " " << f << " " << t;
      }
    }
  }
}

struct cover_case {
  std::string_view outer;
  std::string_view inner;
  bool covers;
};

class FilterCovers : public testing::TestWithParam<cover_case> {};

TEST_P(FilterCovers, Decides) {
  const auto& c = GetParam();
  EXPECT_EQ(filter_covers(c.outer, c.inner), c.covers) << c.outer << " covers " << c.inner;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FilterCovers,
    testing::Values(cover_case{"a/b", "a/b", true}, cover_case{"a/b", "a/c", false},
                    cover_case{"a/+", "a/b", true}, cover_case{"a/+", "a/+", true},
                    cover_case{"a/b", "a/+", false}, cover_case{"a/+", "a/#", false},
                    cover_case{"a/#", "a", true}, cover_case{"a/#", "a/#", true},
                    cover_case{"a/#", "a/+/c", true}, cover_case{"#", "a/#", true},
                    cover_case{"#", "#", true}, cover_case{"#", "$SYS/x", false},
                    cover_case{"+/x", "$SYS/x", false}, cover_case{"$SYS/#", "$SYS/x", true},
                    cover_case{"$SYS/#", "#", false}, cover_case{"a", "a/b", false},
                    cover_case{"a/b", "a", false}, cover_case{"+/+", "a/", true},
                    cover_case{"a/+/c", "a/b/c", true}, cover_case{"a/+/c", "a/b/#", false}));

struct overlap_case {
  std::string_view a;
  std::string_view b;
  bool overlap;
};

class FiltersOverlap : public testing::TestWithParam<overlap_case> {};

TEST_P(FiltersOverlap, DecidesBothWays) {
  const auto& c = GetParam();
  EXPECT_EQ(filters_overlap(c.a, c.b), c.overlap) << c.a << " ~ " << c.b;
  EXPECT_EQ(filters_overlap(c.b, c.a), c.overlap) << c.b << " ~ " << c.a;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FiltersOverlap,
    testing::Values(overlap_case{"a/b", "a/b", true}, overlap_case{"a/b", "a/c", false},
                    overlap_case{"a/+", "+/b", true}, overlap_case{"a/#", "a", true},
                    overlap_case{"a/#", "+", true}, overlap_case{"a/+", "a", false},
                    overlap_case{"#", "$SYS/x", false}, overlap_case{"+/#", "$SYS/#", false},
                    overlap_case{"$SYS/#", "$SYS/+", true}, overlap_case{"a/b/c", "a/+", false},
                    overlap_case{"x/#", "y/#", false}));

struct bad_acl_case {
  std::string text;
  std::string error;
};

class AclFileBadLine : public testing::TestWithParam<bad_acl_case> {};

TEST_P(AclFileBadLine, NamesFileAndLine) {
  try {
    acl_file::parse(GetParam().text, "/etc/acl");
    FAIL() << "accepted: " << GetParam().text;
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lines, AclFileBadLine,
    testing::Values(
        bad_acl_case{"topic read a\ntopci read b\n",
                     "/etc/acl:2: unknown keyword \"topci\" (expected user, topic or pattern)"},
        bad_acl_case{"user\n", "/etc/acl:1: user: missing User Name"},
        bad_acl_case{"topic read\n", "/etc/acl:1: topic: missing Topic Filter"},
        bad_acl_case{"topic\n", "/etc/acl:1: topic: missing Topic Filter"},
        bad_acl_case{"\n\ntopic read a/#/b\n",
                     "/etc/acl:3: topic: invalid Topic Filter \"a/#/b\" ('#' not alone as the last "
                     "level)"},
        bad_acl_case{"pattern write a/%c+\n",
                     "/etc/acl:1: pattern: invalid Topic Filter \"a/%c+\" "
                     "('+' not alone in its level)"},
        bad_acl_case{"topic read $share/g/a\n",
                     "/etc/acl:1: topic: \"$share/g/a\" is a shared subscription; ACL rules "
                     "name the topics themselves"}));

}  // namespace
}  // namespace mqtt::broker::auth
