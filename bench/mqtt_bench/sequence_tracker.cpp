// sequence_tracker.cpp: a sliding bitmap below the highest sequence number seen.
#include "bench/mqtt_bench/sequence_tracker.hpp"

#include <algorithm>

namespace mqtt::bench {

sequence_tracker::sequence_tracker(std::uint64_t window)
    : words_((window + 63) / 64), bits_(words_, 0) {}

void sequence_tracker::observe(std::uint64_t seq) {
  ++received_;
  const std::uint64_t span = words_ * 64;
  if (!any_ || seq > highest_) {
    // Forget the slots the window slides past, so they read as "not yet seen".
    const std::uint64_t from = any_ ? highest_ + 1 : 0;
    if (seq - from >= span) {
      std::fill(bits_.begin(), bits_.end(), 0);
    } else {
      for (std::uint64_t s = from; s < seq; ++s) clear_(s);
    }
    clear_(seq);
    set_(seq);
    highest_ = seq;
    any_ = true;
    ++unique_;
    return;
  }
  if (highest_ - seq >= span) {  // too old to tell: count it as a late first arrival
    ++out_of_order_;
    ++unique_;
    return;
  }
  if (test_(seq)) {
    ++duplicates_;
    return;
  }
  set_(seq);
  ++out_of_order_;
  ++unique_;
}

}  // namespace mqtt::bench
