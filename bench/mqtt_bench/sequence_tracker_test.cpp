// sequence_tracker_test.cpp: losses, duplicates and reordering as sequence_tracker counts them.
#include "bench/mqtt_bench/sequence_tracker.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(SequenceTracker, InOrderHasNoLossDuplicateOrReorder) {
  sequence_tracker t;
  for (std::uint64_t s = 0; s < 1000; ++s) t.observe(s);
  EXPECT_EQ(t.unique(), 1000u);
  EXPECT_EQ(t.lost(1000), 0u);
  EXPECT_EQ(t.duplicates(), 0u);
  EXPECT_EQ(t.out_of_order(), 0u);
}

TEST(SequenceTracker, GapIsLossUntilTheLateOneArrives) {
  sequence_tracker t;
  t.observe(0);
  t.observe(2);
  EXPECT_EQ(t.lost(3), 1u);
  t.observe(1);
  EXPECT_EQ(t.lost(3), 0u);
  EXPECT_EQ(t.out_of_order(), 1u);
}

TEST(SequenceTracker, RepeatIsDuplicate) {
  sequence_tracker t;
  t.observe(0);
  t.observe(1);
  t.observe(1);
  t.observe(0);
  EXPECT_EQ(t.duplicates(), 2u);
  EXPECT_EQ(t.unique(), 2u);
}

TEST(SequenceTracker, TailNotReceivedIsLost) {
  sequence_tracker t;
  t.observe(0);
  EXPECT_EQ(t.lost(10), 9u);
}

TEST(SequenceTracker, WindowSlidesWithoutStaleBits) {
  sequence_tracker t(128);
  for (std::uint64_t s = 0; s < 1000; s += 2) t.observe(s);   // evens
  t.observe(999);                                              // odd, new highest
  t.observe(999);
  EXPECT_EQ(t.duplicates(), 1u);
  t.observe(1001 + 128 * 3);                                  // jump past the window
  t.observe(1001 + 128 * 3 - 1);                              // slot reused: not a duplicate
  EXPECT_EQ(t.duplicates(), 1u);
  EXPECT_EQ(t.out_of_order(), 1u);
}

}  // namespace
}  // namespace mqtt::bench
