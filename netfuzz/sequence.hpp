// sequence.hpp: one network fuzz sequence: the bytes one TCP connection carries from the
// client to the broker, in the writes they are sent with, and how they were made.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/wire_types.hpp"

namespace mqtt::netfuzz {

struct sequence {
  std::uint64_t number = 0;  // its place in the run: (seed, number) makes the same bytes
  codec::protocol_version version = codec::protocol_version::v5_0;  // of the CONNECT meant
  std::string recipe;        // what was generated and mutated, for reports
  std::vector<codec::byte_buffer> writes;  // one send() each, in order

  // stream is every write concatenated: what the broker reads.
  codec::byte_buffer stream() const {
    codec::byte_buffer out;
    for (const auto& w : writes) out.insert(out.end(), w.begin(), w.end());
    return out;
  }
};

// fuzz_random is a small deterministic generator (SplitMix64), the same on every platform,
// so a seed names the same sequences everywhere (std distributions are not portable).
class fuzz_random {
 public:
  explicit fuzz_random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // below returns a value in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // chance is true with probability 1 in n.
  bool chance(std::uint64_t n) { return below(n) == 0; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  std::uint64_t state_;
};

}  // namespace mqtt::netfuzz
