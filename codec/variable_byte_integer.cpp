#include "codec/variable_byte_integer.hpp"

#include <array>

namespace mqtt::codec {

vbi_result decode_vbi(byte_view bytes) {
  vbi_result r;
  std::uint32_t multiplier = 1;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= bytes.size()) return r;  // need_more
    std::uint8_t b = bytes[i];
    r.value += (b & 0x7Fu) * multiplier;
    multiplier *= 128;
    if ((b & 0x80u) == 0) {
      r.length = i + 1;
      // A last byte of 0 after the first means a shorter encoding existed (MQTT-1.5.5-1).
      r.status = (i > 0 && b == 0) ? vbi_status::non_minimal : vbi_status::ok;
      return r;
    }
  }
  r.status = vbi_status::too_long;
  r.value = 0;
  return r;
}

std::size_t vbi_size(std::uint32_t value) {
  if (value < 128) return 1;
  if (value < 16'384) return 2;
  if (value < 2'097'152) return 3;
  return 4;
}

std::size_t encode_vbi(std::uint32_t value, std::span<std::uint8_t, 4> out) {
  std::size_t n = 0;
  do {
    auto b = static_cast<std::uint8_t>(value % 128);
    value /= 128;
    out[n++] = value > 0 ? static_cast<std::uint8_t>(b | 0x80) : b;
  } while (value > 0 && n < 4);
  return n;
}

void encode_vbi(std::uint32_t value, byte_buffer& out) {
  std::array<std::uint8_t, 4> bytes{};
  std::size_t n = encode_vbi(value, bytes);
  out.insert(out.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace mqtt::codec
