// wire_types.hpp: the small vocabulary every other codec header uses.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mqtt::codec {

using byte_buffer = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

// protocol_version is the Protocol Level byte of CONNECT.
enum class protocol_version : std::uint8_t {
  v3_1 = 3,    // MQIsdp, encoded like 3.1.1 on the wire
  v3_1_1 = 4,
  v5_0 = 5,
};

// is_v5 says whether a version carries properties and reason codes.
constexpr bool is_v5(protocol_version v) { return v == protocol_version::v5_0; }

std::string_view protocol_version_name(protocol_version v);

// packet_type is the MQTT Control Packet type, bits 7-4 of the fixed header.
enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,  // MQTT 5.0 only; reserved in 3.1.1
};

std::string_view packet_type_name(packet_type t);

enum class qos : std::uint8_t {
  at_most_once = 0,
  at_least_once = 1,
  exactly_once = 2,
};

// Largest Remaining Length a Variable Byte Integer can carry (4 bytes).
inline constexpr std::uint32_t max_remaining_length = 268'435'455;
// Largest whole packet: 1 byte of type/flags, 4 bytes of length, the rest.
inline constexpr std::uint32_t max_packet_size_limit = max_remaining_length + 5;

}  // namespace mqtt::codec
