// bench_payload.hpp: the stamp at the head of every payload the load generator publishes.
//
// Layout (little-endian, the rest of the payload zero): u32 publisher index, u64 sequence
// number, u64 CLOCK_MONOTONIC send time in ns. Publisher and subscriber share the process,
// so the clock is the same on both sides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "codec/wire_types.hpp"

namespace mqtt::bench {

inline constexpr std::size_t payload_stamp_bytes = 4 + 8 + 8;

struct payload_stamp {
  unsigned publisher = 0;
  std::uint64_t seq = 0;
  std::uint64_t sent_ns = 0;
  bool operator==(const payload_stamp&) const = default;
};

// write_stamp writes `s` over the first payload_stamp_bytes of `payload`, which must be
// at least that long.
void write_stamp(codec::byte_buffer& payload, const payload_stamp& s);

// read_stamp reads the stamp back; nullopt when the payload is too short to hold one.
std::optional<payload_stamp> read_stamp(codec::byte_view payload);

}  // namespace mqtt::bench
