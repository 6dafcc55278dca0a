// session_tally.hpp: what a set of sessions received of one publisher's stream, summed,
// with the smallest and largest share.
#pragma once

#include <cstdint>
#include <vector>

#include "bench/mqtt_bench/sequence_tracker.hpp"

namespace mqtt::bench {

struct session_tally {
  std::uint64_t received = 0;      // every arrival, repeats included
  std::uint64_t delivered = 0;     // distinct sequence numbers, summed over the sessions
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;  // arrivals below a session's highest number so far
  std::uint64_t per_session_min = 0;  // fewest distinct numbers one session got
  std::uint64_t per_session_max = 0;  // most distinct numbers one session got
};

// tally_sessions sums one tracker per session; all zero for no sessions.
session_tally tally_sessions(const std::vector<sequence_tracker>& sessions);

}  // namespace mqtt::bench
