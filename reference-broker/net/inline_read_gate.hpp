// inline_read_gate.hpp: whether a connection's next read is tried on the calling thread
// first (inline_aio) or posted for the poller at once.
#pragma once

#include <cstdint>

namespace mqtt::broker::net {

// An inline read that finds the socket empty is not free: nng 1.5.2 tries the readv, arms
// the poller (an epoll_ctl) before the attempt is cancelled, and the posted read that
// follows makes both calls again. At light load every inline try fails (2 of 5 readv per
// connection returned EAGAIN, one of them this try), so after a miss the next few reads
// are posted at once; a hit keeps a busy connection reading inline every time.
class inline_read_gate {
 public:
  // Reads posted at once after an inline try found nothing.
  static constexpr std::uint8_t skips_after_miss = 3;

  // try_inline: whether to try the next read inline; counts a skip when not.
  bool try_inline() {
    if (skips_ == 0) return true;
    --skips_;
    return false;
  }
  void hit() { skips_ = 0; }
  void missed() { skips_ = skips_after_miss; }

 private:
  // Starts at one skip: the first read after CONNACK comes while the client is still
  // reading it, so a try there fails.
  std::uint8_t skips_ = 1;
};

}  // namespace mqtt::broker::net
