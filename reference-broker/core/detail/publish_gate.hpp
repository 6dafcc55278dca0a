// publish_gate.hpp: the lock that lets PUBLISH and its acknowledgements run on many
// threads at once while CONNECT, SUBSCRIBE, closes and ticks change the broker's shape
// alone. Core-internal.
//
// It is a striped reader/writer lock: each thread takes the shared side on a stripe of
// its own, so concurrent publishers never write one shared cache line (a std::shared_mutex
// would make every reader bump the same counter); the exclusive side takes every stripe.
// Plain mutexes per stripe, not rwlocks: glibc's rwlocks prefer readers and could keep a
// tick or a CONNECT waiting for as long as publishers keep coming.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>

namespace mqtt::broker {

class publish_gate {
 public:
  // Shared side (std::shared_lock): this thread's stripe only.
  void lock_shared() { stripes_[my_stripe()].mu.lock(); }
  void unlock_shared() { stripes_[my_stripe()].mu.unlock(); }

  // Exclusive side (std::unique_lock): every stripe, always in the same order.
  void lock() {
    for (auto& s : stripes_) s.mu.lock();
  }
  void unlock() {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) it->mu.unlock();
  }

 private:
  static constexpr std::size_t stripe_count = 32;
  struct alignas(64) stripe {
    std::mutex mu;
  };

  // Threads get stripes in turn on first use and keep them; past stripe_count threads,
  // two threads share a stripe, which only serialises those two.
  static std::size_t my_stripe() {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t index = next.fetch_add(1) % stripe_count;
    return index;
  }

  std::array<stripe, stripe_count> stripes_;
};

}  // namespace mqtt::broker
