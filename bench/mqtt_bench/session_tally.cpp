// session_tally.cpp: sums and extremes over the sessions' trackers.
#include "bench/mqtt_bench/session_tally.hpp"

#include <algorithm>

namespace mqtt::bench {

session_tally tally_sessions(const std::vector<sequence_tracker>& sessions) {
  session_tally t;
  if (sessions.empty()) return t;
  t.per_session_min = UINT64_MAX;
  for (const sequence_tracker& s : sessions) {
    t.received += s.received();
    t.delivered += s.unique();
    t.duplicates += s.duplicates();
    t.out_of_order += s.out_of_order();
    t.per_session_min = std::min(t.per_session_min, s.unique());
    t.per_session_max = std::max(t.per_session_max, s.unique());
  }
  return t;
}

}  // namespace mqtt::bench
