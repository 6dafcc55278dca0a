// variable_byte_integer.hpp: the Variable Byte Integer of 1.5.5 (MQTT 5.0) / 2.2.3 (3.1.1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/wire_types.hpp"

namespace mqtt::codec {

inline constexpr std::uint32_t vbi_max = 268'435'455;

enum class vbi_status : std::uint8_t {
  ok,
  need_more,     // the bytes end inside the integer; feed more
  too_long,      // a fifth byte would be needed: Malformed
  non_minimal,   // e.g. 80 00 for 0; only an error where the caller asks (MQTT-1.5.5-1)
};

struct vbi_result {
  vbi_status status = vbi_status::need_more;
  std::uint32_t value = 0;
  std::size_t length = 0;  // bytes used, when status is ok or non_minimal
};

// decode_vbi reads a Variable Byte Integer from the front of `bytes`. Never reads past
// four bytes. A value encoded in more bytes than needed is reported as non_minimal
// (with its value), so each caller decides per protocol version.
vbi_result decode_vbi(byte_view bytes);

// vbi_size is the number of bytes encode_vbi writes for `value` (1 to 4).
std::size_t vbi_size(std::uint32_t value);

// encode_vbi appends the minimal encoding of `value` (at most vbi_max) to `out`.
void encode_vbi(std::uint32_t value, byte_buffer& out);

// encode_vbi writes the minimal encoding into `out` and returns its length (1 to 4).
std::size_t encode_vbi(std::uint32_t value, std::span<std::uint8_t, 4> out);

}  // namespace mqtt::codec
