// profile_test: how a profile's `observed` texts are matched against failure reports.
#include <gtest/gtest.h>

#include "conformance/harness/profile.hpp"

using mqtt::cert::describes;
using mqtt::cert::parse_profile;

TEST(ProfileObserved, PlainTextIsASubstring) {
  EXPECT_TRUE(describes("still open", "then connection still open after 1498 ms"));
  EXPECT_FALSE(describes("still open", "then close"));
  EXPECT_TRUE(describes("", "anything"));
}

TEST(ProfileObserved, StarStandsForAnyTextInOrder) {
  const char* pattern = "sub-offline: * of 12000 acknowledged messages never arrived";
  EXPECT_TRUE(describes(pattern, "sub-offline: 11999 of 12000 acknowledged messages never arrived"));
  EXPECT_TRUE(describes(pattern, "x sub-offline: 12000 of 12000 acknowledged messages never arrived, more"));
  // Another subscriber, or the pieces out of order, is a different failure.
  EXPECT_FALSE(describes(pattern, "sub-slow: 11990 of 12000 acknowledged messages never arrived"));
  EXPECT_FALSE(describes("b*a", "a b"));
  EXPECT_TRUE(describes("a*", "xa"));
}

TEST(ProfileStressOutcomes, CoverTheSameOutcomeWithMatchingEvidenceOnly) {
  std::string error;
  auto p = parse_profile(R"({"stress_outcomes": [{"scenario": "slow-subscriber", "outcome": "degraded",
      "observed": "RSS grew by * MiB", "reason": "no outbound limit"}]})", &error);
  ASSERT_TRUE(p) << error;
  const std::vector<std::string> evidence{"sent 1000", "DEGRADED: RSS grew by 300 MiB"};
  EXPECT_NE(p->find_stress_outcome("slow-subscriber", "degraded", evidence), nullptr);
  // A worse outcome, another scenario or other evidence is not what was recorded.
  EXPECT_EQ(p->find_stress_outcome("slow-subscriber", "failed", evidence), nullptr);
  EXPECT_EQ(p->find_stress_outcome("half-open", "degraded", evidence), nullptr);
  EXPECT_EQ(p->find_stress_outcome("slow-subscriber", "degraded", {"FAILED: gone"}), nullptr);
}

TEST(ProfileStressOutcomes, OnlyDegradedOrFailedWithAReason) {
  std::string error;
  EXPECT_FALSE(parse_profile(R"({"stress_outcomes": [{"scenario": "x", "outcome": "survived", "reason": "r"}]})", &error));
  EXPECT_NE(error.find("'degraded' or 'failed'"), std::string::npos) << error;
  EXPECT_FALSE(parse_profile(R"({"stress_outcomes": [{"scenario": "x", "outcome": "failed"}]})", &error));
  EXPECT_FALSE(parse_profile(R"({"stress_outcomes": [{"scenario": "x", "outcome": "failed", "reason": "r", "why": "w"}]})", &error));
  EXPECT_NE(error.find("unknown stress_outcomes key 'why'"), std::string::npos) << error;
}
