// sequence_tracker.hpp: losses, duplicates and reordering of one publisher's sequence
// numbers as one subscriber sees them.
#pragma once

#include <cstdint>
#include <vector>

namespace mqtt::bench {

// sequence_tracker takes the sequence numbers (0, 1, 2, ...) of one publisher as one
// subscriber receives them. It remembers which of the last `window` numbers below the
// highest seen have arrived, so a repeat inside the window is a duplicate and a late
// first arrival is out of order. A number older than the window counts as out of order
// (it cannot be told from a duplicate). lost(sent) is what never arrived. Not thread-safe.
class sequence_tracker {
 public:
  explicit sequence_tracker(std::uint64_t window = 1u << 18);

  // observe records one arrival.
  void observe(std::uint64_t seq);

  std::uint64_t received() const { return received_; }       // every arrival
  std::uint64_t unique() const { return unique_; }           // distinct numbers seen
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t out_of_order() const { return out_of_order_; }
  // lost is how many of the numbers 0 .. sent-1 never arrived.
  std::uint64_t lost(std::uint64_t sent) const { return sent > unique_ ? sent - unique_ : 0; }

 private:
  bool test_(std::uint64_t seq) const { return (bits_[(seq / 64) % words_] >> (seq % 64)) & 1; }
  void set_(std::uint64_t seq) { bits_[(seq / 64) % words_] |= std::uint64_t{1} << (seq % 64); }
  void clear_(std::uint64_t seq) { bits_[(seq / 64) % words_] &= ~(std::uint64_t{1} << (seq % 64)); }

  std::uint64_t words_;
  std::vector<std::uint64_t> bits_;
  bool any_ = false;
  std::uint64_t highest_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t unique_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
};

}  // namespace mqtt::bench
