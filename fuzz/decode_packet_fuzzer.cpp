// decode_packet_fuzzer: decode_packet must never crash on any bytes, and whatever it
// accepts must survive encode_packet and decode to the same packet (encode→decode identity).
#include <cstddef>
#include <cstdint>

#include "codec/packet_codec.hpp"

using namespace mqtt::codec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  for (const protocol_version v : {protocol_version::v3_1_1, protocol_version::v5_0}) {
    const decode_result first = decode_packet(input, v);
    if (first.status != decode_status::ok) continue;
    if (!first.value || first.consumed == 0 || first.consumed > size) __builtin_trap();

    const byte_buffer wire = encode_packet(*first.value, v);
    const decode_result second = decode_packet(wire, v);
    if (second.status != decode_status::ok || !second.value) __builtin_trap();
    if (second.consumed != wire.size()) __builtin_trap();
    if (!(*second.value == *first.value)) __builtin_trap();
  }
  return 0;
}
