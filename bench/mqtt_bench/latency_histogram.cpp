// latency_histogram.cpp: bucket arithmetic and percentiles.
#include "bench/mqtt_bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace mqtt::bench {

std::size_t latency_histogram::bucket_index(std::uint64_t ns) {
  if (ns < sub_buckets) return static_cast<std::size_t>(ns);
  const int msb = 63 - std::countl_zero(ns);
  const int shift = msb - sub_bucket_bits;  // >= 0
  if (shift > max_shift) return bucket_count - 1;
  const std::uint64_t sub = (ns >> shift) - sub_buckets;  // 0 .. sub_buckets-1
  return static_cast<std::size_t>(shift + 1) * sub_buckets + static_cast<std::size_t>(sub);
}

std::uint64_t latency_histogram::bucket_lower_bound(std::size_t index) {
  if (index < sub_buckets) return index;
  const std::size_t shift = index / sub_buckets - 1;
  const std::uint64_t sub = index % sub_buckets;
  return (sub_buckets + sub) << shift;
}

void latency_histogram::record(std::uint64_t ns) {
  ++counts_[bucket_index(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t latency_histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_)));
  rank = std::max<std::uint64_t>(rank, 1);
  if (rank >= count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t lo = bucket_lower_bound(i);
      const std::uint64_t width = i + 1 < bucket_count ? bucket_lower_bound(i + 1) - lo : 1;
      return std::clamp(lo + width / 2, min(), max_);
    }
  }
  return max_;
}

}  // namespace mqtt::bench
