// delivery_ledger.cpp: arrivals counted per delivery shape.
#include "bench/mqtt_bench/delivery_ledger.hpp"

namespace mqtt::bench {

delivery_ledger::delivery_ledger(delivery_shape shape, unsigned publishers, unsigned subscribers)
    : shape_(shape), publishers_(publishers), subscribers_(subscribers) {
  const std::size_t pairs = shape == delivery_shape::pairs
                                ? subscribers
                                : std::size_t{subscribers} * publishers;
  trackers_.assign(pairs, sequence_tracker{});
  if (shape == delivery_shape::shared) group_.assign(publishers, sequence_tracker{});
}

delivery_verdict delivery_ledger::record(unsigned sub, unsigned pub, std::uint64_t seq) {
  if (pub >= publishers_) return delivery_verdict::unknown_publisher;
  if (shape_ == delivery_shape::pairs && pub != sub) return delivery_verdict::unexpected_publisher;
  trackers_[slot(sub, pub)].observe(seq);
  if (shape_ == delivery_shape::shared) {
    sequence_tracker& g = group_[pub];
    const std::uint64_t before = g.unique();
    g.observe(seq);
    settled_ += g.unique() - before;
  } else {
    ++settled_;
  }
  return delivery_verdict::owed;
}

publisher_result delivery_ledger::totals(unsigned pub, std::uint64_t sent) const {
  publisher_result r;
  r.index = pub;
  if (shape_ == delivery_shape::pairs) {
    const sequence_tracker& t = trackers_[slot(pub, pub)];
    r.received = t.received();
    r.lost = t.lost(sent);
    r.duplicates = t.duplicates();
    r.out_of_order = t.out_of_order();
    return r;
  }
  for (unsigned sub = 0; sub < subscribers_; ++sub) {
    const sequence_tracker& t = trackers_[slot(sub, pub)];
    r.received += t.received();
    r.out_of_order += t.out_of_order();
    if (shape_ == delivery_shape::fan_out) {
      r.lost += t.lost(sent);
      r.duplicates += t.duplicates();
    }
  }
  if (shape_ == delivery_shape::shared) {
    r.lost = group_[pub].lost(sent);
    r.duplicates = group_[pub].duplicates();
  }
  return r;
}

}  // namespace mqtt::bench
