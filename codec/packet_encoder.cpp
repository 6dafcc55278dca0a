// packet_encoder.cpp: packet -> bytes. The body is written first, then the Remaining
// Length is slid in front of it, so no size pre-pass is needed.
#include <array>
#include <type_traits>

#include "codec/detail/byte_writer.hpp"
#include "codec/packet_codec.hpp"
#include "codec/variable_byte_integer.hpp"

namespace mqtt::codec {

namespace {

using namespace detail;

std::uint8_t first_byte(packet_type t, std::uint8_t flags) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(t) << 4) | flags);
}

void encode_body(const connect_packet& p, protocol_version, byte_buffer& out) {
  const protocol_version v = p.version;
  put_string(out, v == protocol_version::v3_1 ? "MQIsdp" : "MQTT");
  put_u8(out, static_cast<std::uint8_t>(v));
  std::uint8_t flags = 0;
  if (p.clean_start) flags |= 0x02;
  if (p.will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.will->qos_level) << 3);
    if (p.will->retain) flags |= 0x20;
  }
  if (p.password) flags |= 0x40;
  if (p.username) flags |= 0x80;
  put_u8(out, flags);
  put_u16(out, p.keep_alive);
  if (is_v5(v)) encode_properties(p.props, out);
  put_string(out, p.client_id);
  if (p.will) {
    if (is_v5(v)) encode_properties(p.will->props, out);
    put_string(out, p.will->topic);
    put_binary(out, p.will->payload);
  }
  if (p.username) put_string(out, *p.username);
  if (p.password) put_binary(out, *p.password);
}

void encode_body(const connack_packet& p, protocol_version v, byte_buffer& out) {
  put_u8(out, p.session_present ? 1 : 0);
  put_u8(out, p.reason);
  if (is_v5(v)) encode_properties(p.props, out);
}

void encode_body(const publish_view& p, protocol_version v, byte_buffer& out) {
  put_string(out, p.topic);
  if (p.qos_level != qos::at_most_once) put_u16(out, p.packet_id);
  if (is_v5(v)) {
    if (p.props) {
      encode_properties(*p.props, out);
    } else {
      put_u8(out, 0);  // Property Length 0 [MQTT-2.2.2-1]
    }
  }
  out.insert(out.end(), p.payload.begin(), p.payload.end());
}

void encode_body(const publish_packet& p, protocol_version v, byte_buffer& out) {
  encode_body(publish_view{p.dup, p.qos_level, p.retain, p.topic, p.packet_id, &p.props,
                           p.payload},
              v, out);
}

// PUBACK/PUBREC/PUBREL/PUBCOMP use the shortest form 5.0 allows (3.4.2.1).
template <packet_type T>
void encode_body(const pub_response_packet<T>& p, protocol_version v, byte_buffer& out) {
  put_u16(out, p.packet_id);
  if (!is_v5(v)) return;
  const bool has_props = !p.props.empty();
  if (p.reason == reason_code::success && !has_props) return;
  put_u8(out, static_cast<std::uint8_t>(p.reason));
  if (has_props) encode_properties(p.props, out);
}

void encode_body(const subscribe_packet& p, protocol_version v, byte_buffer& out) {
  put_u16(out, p.packet_id);
  if (is_v5(v)) encode_properties(p.props, out);
  for (const subscription& s : p.subscriptions) {
    put_string(out, s.filter);
    auto options = static_cast<std::uint8_t>(s.options.max_qos);
    if (is_v5(v)) {
      if (s.options.no_local) options |= 0x04;
      if (s.options.retain_as_published) options |= 0x08;
      options |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(s.options.handling) << 4);
    }
    put_u8(out, options);
  }
}

void encode_body(const suback_packet& p, protocol_version v, byte_buffer& out) {
  put_u16(out, p.packet_id);
  if (is_v5(v)) encode_properties(p.props, out);
  out.insert(out.end(), p.reasons.begin(), p.reasons.end());
}

void encode_body(const unsubscribe_packet& p, protocol_version v, byte_buffer& out) {
  put_u16(out, p.packet_id);
  if (is_v5(v)) encode_properties(p.props, out);
  for (const std::string& f : p.filters) put_string(out, f);
}

void encode_body(const unsuback_packet& p, protocol_version v, byte_buffer& out) {
  put_u16(out, p.packet_id);
  if (!is_v5(v)) return;
  encode_properties(p.props, out);
  out.insert(out.end(), p.reasons.begin(), p.reasons.end());
}

void encode_body(const pingreq_packet&, protocol_version, byte_buffer&) {}
void encode_body(const pingresp_packet&, protocol_version, byte_buffer&) {}

// DISCONNECT and AUTH: Remaining Length 0 for a plain success without properties.
void encode_body(const disconnect_packet& p, protocol_version v, byte_buffer& out) {
  if (!is_v5(v)) return;
  const bool has_props = !p.props.empty();
  if (p.reason == reason_code::normal_disconnection && !has_props) return;
  put_u8(out, static_cast<std::uint8_t>(p.reason));
  if (has_props) encode_properties(p.props, out);
}

void encode_body(const auth_packet& p, protocol_version, byte_buffer& out) {
  if (p.reason == reason_code::success && p.props.empty()) return;
  put_u8(out, static_cast<std::uint8_t>(p.reason));
  encode_properties(p.props, out);
}

std::uint8_t publish_flags(bool dup, qos q, bool retain) {
  auto f = static_cast<std::uint8_t>(static_cast<std::uint8_t>(q) << 1);
  if (dup) f |= 0x08;
  if (retain) f |= 0x01;
  return f;
}

std::uint8_t flags_of(const packet& p) {
  if (const auto* pub = std::get_if<publish_packet>(&p)) {
    return publish_flags(pub->dup, pub->qos_level, pub->retain);
  }
  switch (type_of(p)) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return 0x02;  // the fixed 0010 of table 2-2
    default:
      return 0;
  }
}

// encode_framed writes the fixed header byte, lets `body` append the body, then slides
// the Remaining Length in between.
template <typename Body>
void encode_framed(std::uint8_t first, byte_buffer& out, Body&& body) {
  const std::size_t start = out.size();
  out.push_back(first);
  const std::size_t body_start = out.size();
  body();
  const std::size_t body_size = out.size() - body_start;
  if (body_size > max_remaining_length) {
    out.resize(start);
    throw std::length_error("mqtt::codec: packet body exceeds the Remaining Length maximum");
  }
  std::array<std::uint8_t, 4> len{};
  const std::size_t n = encode_vbi(static_cast<std::uint32_t>(body_size), len);
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(body_start), len.begin(),
             len.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

void encode_packet(const packet& p, protocol_version v, byte_buffer& out) {
  encode_framed(first_byte(type_of(p), flags_of(p)), out, [&] {
    std::visit([&](const auto& pkt) { encode_body(pkt, v, out); }, p);
  });
}

void encode_publish(const publish_view& p, protocol_version v, byte_buffer& out) {
  encode_framed(first_byte(packet_type::publish, publish_flags(p.dup, p.qos_level, p.retain)),
                out, [&] { encode_body(p, v, out); });
}

byte_buffer encode_packet(const packet& p, protocol_version v) {
  byte_buffer out;
  encode_packet(p, v, out);
  return out;
}

std::size_t publish_head_size(byte_view encoded) {
  if (encoded.empty() || (encoded[0] >> 4) != 3 || ((encoded[0] >> 1) & 3) == 0) return 0;
  // Remaining Length: 1 to 4 bytes, 7 bits each (2.1.4).
  std::size_t at = 1;
  std::size_t remaining = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (at >= encoded.size() || shift > 21) return 0;
    const std::uint8_t b = encoded[at++];
    remaining |= std::size_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  if (at + remaining != encoded.size() || at + 2 > encoded.size()) return 0;
  const std::size_t topic_length = (std::size_t{encoded[at]} << 8) | encoded[at + 1];
  const std::size_t head = at + 2 + topic_length + 2;
  return head <= encoded.size() ? head : 0;
}

void set_publish_packet_id(std::span<std::uint8_t> head, std::uint16_t id) {
  head[head.size() - 2] = static_cast<std::uint8_t>(id >> 8);
  head[head.size() - 1] = static_cast<std::uint8_t>(id & 0xFF);
}

}  // namespace mqtt::codec
