// inline_read_gate_test: the policy that decides whether a read is tried inline.
#include "reference-broker/net/inline_read_gate.hpp"

#include <gtest/gtest.h>

namespace mqtt::broker::net {
namespace {

TEST(InlineReadGate, TheFirstReadAfterConnackIsPosted) {
  inline_read_gate g;
  EXPECT_FALSE(g.try_inline());
  EXPECT_TRUE(g.try_inline());
}

TEST(InlineReadGate, AMissPostsTheNextReadsThenTriesAgain) {
  inline_read_gate g;
  g.missed();
  for (unsigned i = 0; i < inline_read_gate::skips_after_miss; ++i) {
    EXPECT_FALSE(g.try_inline()) << "read " << i << " after the miss";
  }
  EXPECT_TRUE(g.try_inline());
}

TEST(InlineReadGate, AHitKeepsABusyConnectionReadingInline) {
  inline_read_gate g;
  g.missed();
  EXPECT_FALSE(g.try_inline());
  g.hit();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(g.try_inline());
    g.hit();
  }
}

}  // namespace
}  // namespace mqtt::broker::net
