// packet_codec.hpp: decode one whole packet from bytes, encode one packet to bytes.
// Sans-I/O: no sockets, no clock, no exceptions on the decode path.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "codec/decode_result.hpp"
#include "codec/packets.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec {

struct fixed_header {
  packet_type type = packet_type::connect;
  std::uint8_t flags = 0;            // bits 3-0 of byte 1
  std::uint32_t remaining_length = 0;
  std::size_t header_size = 0;       // 2 to 5 bytes
  std::size_t packet_size() const { return header_size + remaining_length; }
};

struct fixed_header_result {
  decode_error error;                // status need_more, malformed, or ok
  fixed_header header;
};

// decode_fixed_header reads byte 1 and the Remaining Length. It checks the packet type
// (0, and 15 before 5.0, are malformed), the Remaining Length encoding (a fifth byte is
// malformed; a non-minimal one is malformed in 5.0, MQTT-1.5.5-1) and
// limits.max_packet_size (packet_too_large). Flag rules are checked by decode_packet.
fixed_header_result decode_fixed_header(byte_view bytes, protocol_version v,
                                        const decode_limits& limits);

struct decode_result {
  decode_status status = decode_status::need_more;
  std::size_t consumed = 0;           // bytes of the packet, when status is ok
  std::optional<packet> value;        // set when status is ok
  reason_code code = reason_code::success;  // the reason to send back, on failure
  std::string why;                    // "PACKET: condition [MQTT-x.y.z-n]", on failure
};

// decode_packet decodes the first packet in `bytes`. For CONNECT the version comes from
// the packet's own Protocol Level (unknown levels give unsupported_protocol_version);
// for every other packet from `v`, the version the connection agreed on.
decode_result decode_packet(byte_view bytes, protocol_version v,
                            const decode_limits& limits = {});

// encode_packet appends the wire form of `p` for version `v` to `out`. The packet must be
// valid (strings up to 65535 bytes, packet ids set where needed); fields `v` does not
// have are left out. CONNECT is encoded with its own `version`.
void encode_packet(const packet& p, protocol_version v, byte_buffer& out);
byte_buffer encode_packet(const packet& p, protocol_version v);

// publish_view is a PUBLISH whose topic, properties and payload live elsewhere, so a
// broker can encode one stored message for many subscribers without copying it first.
struct publish_view {
  bool dup = false;
  qos qos_level = qos::at_most_once;
  bool retain = false;
  std::string_view topic;
  std::uint16_t packet_id = 0;
  const properties* props = nullptr;  // nullptr: no properties
  byte_view payload;
};

// encode_publish appends the wire form of `p` for version `v` to `out`.
void encode_publish(const publish_view& p, protocol_version v, byte_buffer& out);

// publish_head_size says where an encoded QoS 1 or 2 PUBLISH splits into its head (fixed
// header, Topic Name, Packet Identifier) and its body (properties and payload). The copies
// of one message in a fan-out differ only in the Packet Identifier, so they can share one
// body and each get its own copy of the head. 0 when `encoded` is not one whole QoS 1/2
// PUBLISH.
std::size_t publish_head_size(byte_view encoded);

// set_publish_packet_id writes `id` into a head publish_head_size cut off.
void set_publish_packet_id(std::span<std::uint8_t> head, std::uint16_t id);

}  // namespace mqtt::codec
