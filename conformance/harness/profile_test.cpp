// profile_test: how a profile's `observed` texts are matched against failure reports.
#include <gtest/gtest.h>

#include "conformance/harness/profile.hpp"

using mqtt::cert::describes;

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
