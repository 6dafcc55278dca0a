// session_tally_test.cpp: sums and per-session extremes of what sessions received.
#include "bench/mqtt_bench/session_tally.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(SessionTally, NoSessionsIsAllZero) {
  const session_tally t = tally_sessions({});
  EXPECT_EQ(t.delivered, 0u);
  EXPECT_EQ(t.per_session_min, 0u);
  EXPECT_EQ(t.per_session_max, 0u);
}

TEST(SessionTally, SumsDistinctAndKeepsExtremes) {
  std::vector<sequence_tracker> s(3, sequence_tracker(64));
  for (std::uint64_t seq = 0; seq < 10; ++seq) s[0].observe(seq);
  for (std::uint64_t seq = 0; seq < 4; ++seq) s[1].observe(seq);   // a broker's limit: first 4 kept
  for (std::uint64_t seq = 6; seq < 10; ++seq) s[2].observe(seq);  // or last 4 kept
  const session_tally t = tally_sessions(s);
  EXPECT_EQ(t.delivered, 18u);
  EXPECT_EQ(t.per_session_min, 4u);
  EXPECT_EQ(t.per_session_max, 10u);
  EXPECT_EQ(t.out_of_order, 0u);
}

TEST(SessionTally, RepeatsAndBackwardStepsAreCountedNotDelivered) {
  std::vector<sequence_tracker> s(1, sequence_tracker(64));
  s[0].observe(1);
  s[0].observe(0);  // backwards
  s[0].observe(1);  // again
  const session_tally t = tally_sessions(s);
  EXPECT_EQ(t.received, 3u);
  EXPECT_EQ(t.delivered, 2u);
  EXPECT_EQ(t.duplicates, 1u);
  EXPECT_EQ(t.out_of_order, 1u);
}

}  // namespace
}  // namespace mqtt::bench
