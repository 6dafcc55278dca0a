// run_result.hpp: what a pub-sub or conn run measured (queue_run.hpp has the queue mode's).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/mqtt_bench/latency_histogram.hpp"

namespace mqtt::bench {

// error_counts counts each kind of failure by a short stable name ("connect_failed",
// "closed_by_broker", "decode_failed", "connack_refused", "suback_refused",
// "puback_failed", "pubrec_failed", "unexpected_packet", "bad_payload", "setup_timeout",
// "connack_timeout"; pub-sub --pairs: "unexpected_publisher"; queue: "stale_session",
// "session_not_present", "publish_timeout", "drain_timeout").
using error_counts = std::map<std::string, std::uint64_t>;

// publisher_result is one publisher's count and what the subscribers saw of it, summed
// over the subscribers.
struct publisher_result {
  unsigned index = 0;
  std::uint64_t sent = 0;          // PUBLISHes written
  std::uint64_t acked = 0;         // PUBACK (QoS 1) or PUBCOMP (QoS 2) received
  std::uint64_t received = 0;      // deliveries, duplicates included
  std::uint64_t lost = 0;          // sent x subscribers - distinct deliveries
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
};

struct pub_sub_result {
  double duration_s = 0;           // the publishing window
  std::uint64_t published = 0;     // in the window
  std::uint64_t delivered = 0;     // received by subscribers in the window
  std::uint64_t delivered_total = 0;  // including the drain after the window
  double in_rate = 0;              // published / duration_s
  double out_rate = 0;             // delivered / duration_s
  std::uint64_t window_stalls = 0; // times the in-flight window was written off as lost
  latency_histogram latency;       // publish to delivery, ns
  std::vector<publisher_result> publishers;
  error_counts errors;
};

struct conn_result {
  unsigned requested = 0;
  std::uint64_t connected = 0;     // CONNACK 0 received
  double elapsed_s = 0;            // first connect() to last CONNACK
  double rate = 0;                 // connected / elapsed_s
  latency_histogram latency;       // connect() to CONNACK, ns
  error_counts errors;
};

}  // namespace mqtt::bench
