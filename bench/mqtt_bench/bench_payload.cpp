// bench_payload.cpp: writing and reading the payload stamp.
#include "bench/mqtt_bench/bench_payload.hpp"

namespace mqtt::bench {
namespace {

void put_le(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

void write_stamp(codec::byte_buffer& payload, const payload_stamp& s) {
  put_le(payload.data(), s.publisher, 4);
  put_le(payload.data() + 4, s.seq, 8);
  put_le(payload.data() + 12, s.sent_ns, 8);
}

std::optional<payload_stamp> read_stamp(codec::byte_view payload) {
  if (payload.size() < payload_stamp_bytes) return std::nullopt;
  return payload_stamp{static_cast<unsigned>(get_le(payload.data(), 4)),
                       get_le(payload.data() + 4, 8), get_le(payload.data() + 12, 8)};
}

}  // namespace mqtt::bench
