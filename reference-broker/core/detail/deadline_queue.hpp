// deadline_queue.hpp: the times tick() must look at something, earliest first, so that a
// tick costs what falls due instead of a walk over every connection and session.
// Core-internal.
#pragma once

#include <chrono>
#include <queue>
#include <vector>

namespace mqtt::broker {

// deadline_queue holds (when, key) entries. An entry is a reminder, not a verdict: the
// caller checks the keyed object's state when the entry comes due (the object may be
// gone, or have moved its deadline since), and queues it again if it is not due yet.
template <class Key>
class deadline_queue {
 public:
  using millis = std::chrono::milliseconds;

  void push(millis when, Key key) { heap_.push(entry{when, std::move(key)}); }

  // pop_due takes the earliest entry due by `now` (when <= now) into `key`; false when
  // there is none.
  bool pop_due(millis now, Key& key) {
    if (heap_.empty() || heap_.top().when > now) return false;
    key = heap_.top().key;
    heap_.pop();
    return true;
  }

 private:
  struct entry {
    millis when;
    Key key;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const { return a.when > b.when; }
  };
  std::priority_queue<entry, std::vector<entry>, later> heap_;
};

}  // namespace mqtt::broker
