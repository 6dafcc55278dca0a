// pub_sub_run.hpp: the pub-sub mode: N publishers and M subscribers on one epoll loop.
#pragma once

#include <cstdint>
#include <string>

#include "bench/mqtt_bench/delivery_ledger.hpp"
#include "bench/mqtt_bench/run_result.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::bench {

struct pub_sub_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  unsigned publishers = 1;
  unsigned subscribers = 1;
  std::string topic = "bench/%i";   // %i becomes the publisher's index
  std::string filter = "bench/#";   // every subscriber's filter; must match every topic
                                    // (pairs: %i becomes the subscriber's index, and it
                                    // must match its own publisher's topic only)
  delivery_shape shape = delivery_shape::fan_out;  // pairs needs publishers == subscribers
  std::string share_group;          // shared: subscribers use $share/<share_group>/<filter>
  codec::qos qos_level = codec::qos::at_most_once;
  std::size_t payload_size = 64;    // at least 20: index, sequence number, timestamp
  double rate = 0;                  // messages/s over all publishers; 0 = as fast as allowed
  unsigned window = 500;            // rate 0: messages published but not yet delivered to
                                    // every subscriber owed them, at most (0 = open loop)
  unsigned inflight = 16;           // QoS 1/2: unacknowledged PUBLISHes per publisher
  double duration_s = 10;
  double drain_s = 3;               // after the window, wait this long at most for stragglers
  double setup_timeout_s = 10;
  std::string client_prefix = "mqtt-bench";
};

// run_pub_sub connects the subscribers (and waits for SUBACK), then the publishers,
// publishes for duration_s, drains, disconnects. Blocks for the whole run. Throws
// std::invalid_argument for settings that cannot run (pairs with publishers !=
// subscribers, a bad share group, a payload too short for its stamp).
pub_sub_result run_pub_sub(const pub_sub_settings& s);

}  // namespace mqtt::bench
