// latency_histogram_test.cpp: bucket mapping and percentiles of latency_histogram.
#include "bench/mqtt_bench/latency_histogram.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(LatencyHistogram, BucketLowerBoundInvertsIndex) {
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 255ull, 256ull, 1000ull,
                          123456789ull, 1ull << 39}) {
    const std::size_t i = latency_histogram::bucket_index(v);
    EXPECT_LE(latency_histogram::bucket_lower_bound(i), v) << v;
    EXPECT_GT(latency_histogram::bucket_lower_bound(i + 1), v) << v;
  }
}

TEST(LatencyHistogram, PercentilesWithinOnePercentOfUniformValues) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v) h.record(v * 1000);
  EXPECT_EQ(h.count(), 100'000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 50e6, 50e6 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 99e6, 99e6 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.percentile(99.9)), 99.9e6, 99.9e6 * 0.01);
  EXPECT_EQ(h.percentile(100), 100'000'000u);
  EXPECT_EQ(h.min(), 1000u);
}

TEST(LatencyHistogram, HugeValuesLandInTopBucket) {
  latency_histogram h;
  h.record(~std::uint64_t{0});
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.percentile(50), ~std::uint64_t{0});
}

TEST(LatencyHistogram, EmptyReportsZero) {
  latency_histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
}

}  // namespace
}  // namespace mqtt::bench
