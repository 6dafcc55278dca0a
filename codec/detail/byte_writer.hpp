// byte_writer.hpp: big-endian appenders for the encoder. Codec-internal.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "codec/wire_types.hpp"

namespace mqtt::codec::detail {

inline void put_u8(byte_buffer& out, std::uint8_t v) { out.push_back(v); }

inline void put_u16(byte_buffer& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void put_u32(byte_buffer& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// put_bytes_prefixed writes a Two Byte length then the bytes. Longer than 65535 bytes is
// a caller bug (the encoder's input is ours, not the peer's), so it throws.
inline void put_bytes_prefixed(byte_buffer& out, const std::uint8_t* data, std::size_t size) {
  if (size > 0xFFFF) throw std::length_error("mqtt::codec: string or binary over 65535 bytes");
  put_u16(out, static_cast<std::uint16_t>(size));
  out.insert(out.end(), data, data + size);
}

inline void put_string(byte_buffer& out, std::string_view s) {
  put_bytes_prefixed(out, reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

inline void put_binary(byte_buffer& out, const byte_buffer& b) {
  put_bytes_prefixed(out, b.data(), b.size());
}

// prefixed_size is the wire size of a length-prefixed string or binary.
inline std::size_t prefixed_size(std::size_t size) { return 2 + size; }

}  // namespace mqtt::codec::detail
