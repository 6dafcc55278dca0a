// delivery_ledger_test.cpp: losses, duplicates and order as each delivery shape counts them.
#include "bench/mqtt_bench/delivery_ledger.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(DeliveryLedger, FanOutOwesEveryMessageToEverySubscriber) {
  delivery_ledger l(delivery_shape::fan_out, 2, 3);
  EXPECT_EQ(l.copies_per_message(), 3u);
  for (unsigned sub = 0; sub < 3; ++sub) {
    for (std::uint64_t seq = 0; seq < 10; ++seq) {
      EXPECT_EQ(l.record(sub, 0, seq), delivery_verdict::owed);
      EXPECT_EQ(l.record(sub, 1, seq), delivery_verdict::owed);
    }
  }
  EXPECT_EQ(l.settled(), 60u);
  const publisher_result r = l.totals(1, 10);
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.received, 30u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(DeliveryLedger, FanOutLossAtOneSubscriberIsCountedThere) {
  delivery_ledger l(delivery_shape::fan_out, 1, 2);
  for (std::uint64_t seq = 0; seq < 10; ++seq) l.record(0, 0, seq);
  for (std::uint64_t seq = 0; seq < 7; ++seq) l.record(1, 0, seq);
  EXPECT_EQ(l.totals(0, 10).lost, 3u);
}

TEST(DeliveryLedger, PairsOweOneCopyToTheirOwnSubscriber) {
  delivery_ledger l(delivery_shape::pairs, 3, 3);
  EXPECT_EQ(l.copies_per_message(), 1u);
  for (unsigned i = 0; i < 3; ++i) {
    for (std::uint64_t seq = 0; seq < 5; ++seq) l.record(i, i, seq);
  }
  EXPECT_EQ(l.settled(), 15u);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(l.totals(i, 5).lost, 0u);
}

TEST(DeliveryLedger, PairsRejectAnotherPairsPublisher) {
  delivery_ledger l(delivery_shape::pairs, 2, 2);
  EXPECT_EQ(l.record(0, 1, 0), delivery_verdict::unexpected_publisher);
  EXPECT_EQ(l.settled(), 0u);
  EXPECT_EQ(l.totals(1, 1).lost, 1u);
  EXPECT_EQ(l.totals(0, 0).received, 0u);
}

TEST(DeliveryLedger, PairsCountLossDuplicateAndOrderPerPair) {
  delivery_ledger l(delivery_shape::pairs, 2, 2);
  l.record(1, 1, 0);
  l.record(1, 1, 2);
  l.record(1, 1, 2);
  const publisher_result r = l.totals(1, 4);
  EXPECT_EQ(r.lost, 2u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(l.totals(0, 4).lost, 4u);
}

TEST(DeliveryLedger, SharedSplitStreamIsNeitherLossNorReorder) {
  delivery_ledger l(delivery_shape::shared, 1, 2);
  EXPECT_EQ(l.copies_per_message(), 1u);
  for (std::uint64_t seq = 0; seq < 100; ++seq) l.record(seq % 3 == 0 ? 0 : 1, 0, seq);
  EXPECT_EQ(l.settled(), 100u);
  const publisher_result r = l.totals(0, 100);
  EXPECT_EQ(r.received, 100u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(r.out_of_order, 0u);
}

TEST(DeliveryLedger, SharedLateArrivalAtAnotherSubscriberIsInOrder) {
  delivery_ledger l(delivery_shape::shared, 1, 2);
  l.record(0, 0, 1);
  l.record(1, 0, 0);
  EXPECT_EQ(l.totals(0, 2).out_of_order, 0u);
}

TEST(DeliveryLedger, SharedGoingBackwardsAtOneSubscriberIsOutOfOrder) {
  delivery_ledger l(delivery_shape::shared, 1, 2);
  l.record(0, 0, 1);
  l.record(0, 0, 0);
  EXPECT_EQ(l.totals(0, 2).out_of_order, 1u);
}

TEST(DeliveryLedger, SharedMessageAtTwoSubscribersIsOneDuplicate) {
  delivery_ledger l(delivery_shape::shared, 1, 3);
  l.record(0, 0, 0);
  l.record(2, 0, 0);
  EXPECT_EQ(l.settled(), 1u);
  const publisher_result r = l.totals(0, 1);
  EXPECT_EQ(r.received, 2u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(DeliveryLedger, SharedMessageAtNoSubscriberIsLost) {
  delivery_ledger l(delivery_shape::shared, 2, 2);
  l.record(0, 1, 0);
  l.record(1, 1, 2);
  EXPECT_EQ(l.totals(1, 3).lost, 1u);
  EXPECT_EQ(l.totals(0, 3).lost, 3u);
}

TEST(DeliveryLedger, UnknownPublisherIsNotCounted) {
  delivery_ledger l(delivery_shape::fan_out, 2, 1);
  EXPECT_EQ(l.record(0, 2, 0), delivery_verdict::unknown_publisher);
  EXPECT_EQ(l.settled(), 0u);
}

}  // namespace
}  // namespace mqtt::bench
