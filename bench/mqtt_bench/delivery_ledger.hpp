// delivery_ledger.hpp: which subscribers a pub-sub run owes each publisher's messages to,
// and what they got: losses, duplicates and reordering per publisher.
#pragma once

#include <cstdint>
#include <vector>

#include "bench/mqtt_bench/run_result.hpp"
#include "bench/mqtt_bench/sequence_tracker.hpp"

namespace mqtt::bench {

// delivery_shape is who should receive a message.
enum class delivery_shape {
  fan_out,  // every subscriber gets every message
  pairs,    // subscriber i gets publisher i's messages, and no other's
  shared,   // one Shared Subscription group: exactly one subscriber gets each message (4.8.2)
};

// delivery_verdict is what one arrival was.
enum class delivery_verdict {
  owed,                  // a delivery the shape expects (a repeat is counted in duplicates)
  unknown_publisher,     // an index past the publishers: not a payload of this run
  unexpected_publisher,  // pairs: another pair's publisher
};

// delivery_ledger counts arrivals for one run. Fan-out and pairs keep one
// sequence_tracker per (subscriber, publisher) that should meet; shared keeps one per
// publisher for the group (loss, duplicates) and one per (subscriber, publisher) for
// order, since a group may split a publisher's stream but each subscriber's part must
// keep its order [MQTT-4.6.0-5]. Not thread-safe.
class delivery_ledger {
 public:
  delivery_ledger(delivery_shape shape, unsigned publishers, unsigned subscribers);

  // record notes that subscriber `sub` (< subscribers) received sequence number `seq`
  // of publisher `pub`.
  delivery_verdict record(unsigned sub, unsigned pub, std::uint64_t seq);

  // copies_per_message is how many deliveries a message is owed: every subscriber in
  // fan-out, one in pairs and shared.
  unsigned copies_per_message() const { return shape_ == delivery_shape::fan_out ? subscribers_ : 1; }
  // settled counts the deliveries paid against that debt: each owed arrival in fan-out
  // and pairs (repeats too), a message's first arrival at any subscriber in shared.
  std::uint64_t settled() const { return settled_; }

  // totals fills index, received, lost, duplicates and out_of_order of publisher `pub`,
  // of which `sent` messages (sequence numbers 0 .. sent-1) were published.
  publisher_result totals(unsigned pub, std::uint64_t sent) const;

 private:
  std::size_t slot(unsigned sub, unsigned pub) const {
    return shape_ == delivery_shape::pairs ? sub : std::size_t{sub} * publishers_ + pub;
  }

  delivery_shape shape_;
  unsigned publishers_;
  unsigned subscribers_;
  std::vector<sequence_tracker> trackers_;  // pairs: per subscriber; else per (sub, pub)
  std::vector<sequence_tracker> group_;     // shared: per publisher
  std::uint64_t settled_ = 0;
};

}  // namespace mqtt::bench
