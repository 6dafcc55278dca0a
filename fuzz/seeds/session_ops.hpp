// session_ops.hpp: builds broker_session_fuzzer inputs (the operation list documented at
// the top of fuzz/broker_session_fuzzer.cpp) from packets, so sessions read as protocol
// steps instead of hex.
#pragma once

#include <algorithm>
#include <cstdint>

#include "fuzz/seeds/seed_sink.hpp"

namespace mqtt::fuzz_seeds {

class session_ops {
 public:
  // Verdict bits: bit set = allow. 0xF allows every question a feed raises.
  static constexpr std::uint8_t allow_all = 0xF;

  // connect feeds the target's canned 5.0 CONNECT (ClientID "a", "b" or "c" by connection).
  session_ops& connect(int conn, std::uint8_t verdicts = allow_all) {
    bytes_.push_back(op(conn, 3, verdicts));
    return *this;
  }

  // feed encodes `p` for `v` (a CONNECT uses its own version) and feeds it to `conn`, in
  // pieces of at most 255 bytes, each piece a feed operation of its own.
  session_ops& feed(int conn, const packet& p, std::uint8_t verdicts = allow_all,
                    protocol_version v = protocol_version::v5_0) {
    return feed_raw(conn, checked_encode(p, v), verdicts);
  }

  // feed_raw feeds bytes as they are (for inputs the codec will not encode).
  session_ops& feed_raw(int conn, byte_view wire, std::uint8_t verdicts = allow_all) {
    for (std::size_t at = 0; at < wire.size(); at += 255) {
      const std::size_t n = std::min<std::size_t>(255, wire.size() - at);
      bytes_.push_back(op(conn, 0, verdicts));
      bytes_.push_back(static_cast<std::uint8_t>(n));
      bytes_.insert(bytes_.end(), wire.begin() + static_cast<std::ptrdiff_t>(at),
                    wire.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    return *this;
  }

  // tick advances the fake clock by tenths * 100 ms (the connection byte is ignored by the
  // target but kept, as the format has it).
  session_ops& tick(int conn, std::uint8_t tenths) {
    bytes_.push_back(op(conn, 1, 0));
    bytes_.push_back(tenths);
    return *this;
  }

  // close drops the network connection and opens a fresh one in its place.
  session_ops& close(int conn) {
    bytes_.push_back(op(conn, 2, 0));
    return *this;
  }

  const byte_buffer& bytes() const { return bytes_; }

 private:
  static std::uint8_t op(int conn, int what, std::uint8_t verdicts) {
    return static_cast<std::uint8_t>((verdicts << 4) | (what << 2) | conn);
  }
  byte_buffer bytes_;
};

}  // namespace mqtt::fuzz_seeds
