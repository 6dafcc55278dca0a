// latency_histogram.hpp: an HDR-style histogram of nanosecond values in log buckets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace mqtt::bench {

// latency_histogram counts values in buckets that split every power of two into 128
// equal parts, so a reported percentile is within 1/128 (0.8 %) of the true value.
// Values from 0 to 2^40 ns (about 18 minutes) are kept; larger ones count in the top
// bucket. Fixed size, no allocation; record() is O(1). Not thread-safe.
class latency_histogram {
 public:
  static constexpr int sub_bucket_bits = 7;
  static constexpr std::size_t sub_buckets = std::size_t{1} << sub_bucket_bits;
  static constexpr int max_shift = 40 - sub_bucket_bits;
  static constexpr std::size_t bucket_count = (max_shift + 2) * sub_buckets;

  // record adds one value.
  void record(std::uint64_t ns);
  // merge adds every count of `other`.
  void merge(const latency_histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // percentile returns the value at or below which `p` percent (0-100) of the values lie,
  // as the middle of its bucket, clamped to [min, max]; the exact max for 100; 0 when empty.
  std::uint64_t percentile(double p) const;

  // bucket_index and bucket_lower_bound map a value to its bucket and back.
  static std::size_t bucket_index(std::uint64_t ns);
  static std::uint64_t bucket_lower_bound(std::size_t index);

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace mqtt::bench
