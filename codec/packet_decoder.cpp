// packet_decoder.cpp: bytes -> packet for every Control Packet of MQTT 3.1, 3.1.1 and 5.0.
// Each decode_<packet> gets the fixed-header flags and a reader over exactly the
// Remaining Length bytes, and returns a decode_error (ok when all is well).
#include <string>

#include "codec/detail/byte_reader.hpp"
#include "codec/detail/why_text.hpp"
#include "codec/hex.hpp"
#include "codec/packet_codec.hpp"
#include "codec/topic.hpp"
#include "codec/utf8.hpp"
#include "codec/variable_byte_integer.hpp"

namespace mqtt::codec {

namespace {

using detail::byte_reader;
using detail::decimal;
using detail::hex_digit;
using detail::why_text;

// Statement numbering differs between the two specs; cite(v, "5.0 id", "3.1.1 id")
// picks the one for the connection's version (nothing when that spec has none).
detail::statement_id cite(protocol_version v, std::string_view v5_id, std::string_view v311_id) {
  return {is_v5(v) ? v5_id : v311_id};
}

std::string_view name_of(packet_type t) { return packet_type_name(t); }

// quoted_bytes quotes a field the decoder has not validated (the Protocol Name) so that
// `why` stays fit for a Reason String: printable ASCII as 'text', anything else in hex.
std::string quoted_bytes(std::string_view s) {
  for (const char ch : s) {
    if (ch < 0x20 || ch > 0x7E) {
      return why_text("0x", to_hex(byte_view(reinterpret_cast<const std::uint8_t*>(s.data()),
                                             s.size())));
    }
  }
  return why_text("'", s, "'");
}

decode_error truncated(packet_type t, std::string_view field) {
  return malformed(why_text(name_of(t), ": packet ends inside the ", field));
}

// read_utf8 reads a UTF-8 Encoded String field and checks it (1.5.4 / 1.5.3).
decode_error read_utf8(byte_reader& in, packet_type t, std::string_view field,
                       protocol_version v, const decode_limits& limits, std::string& out) {
  if (!in.read_string(out)) return truncated(t, field);
  utf8_status s = validate_utf8(out, limits.utf8);
  if (s != utf8_status::ok) {
    std::string_view id5 = s == utf8_status::null_character ? "MQTT-1.5.4-2" : "MQTT-1.5.4-1";
    std::string_view id3 = s == utf8_status::null_character ? "MQTT-1.5.3-2" : "MQTT-1.5.3-1";
    return malformed(why_text(name_of(t), ": ", field, " is not valid UTF-8 (",
                              utf8_status_name(s), ")", cite(v, id5, id3)));
  }
  return {};
}

decode_error read_packet_id(byte_reader& in, packet_type t, protocol_version v,
                            std::uint16_t& out) {
  if (!in.read_u16(out)) return truncated(t, "Packet Identifier");
  if (out == 0) {
    return protocol_violation(
        why_text(name_of(t), ": Packet Identifier is 0", cite(v, "MQTT-2.2.1-3", "MQTT-2.3.1-1")));
  }
  return {};
}

decode_error expect_flags(packet_type t, std::uint8_t flags, std::uint8_t want,
                          protocol_version v) {
  if (flags == want) return {};
  std::string_view id5 = "MQTT-2.1.3-1";
  std::string_view id3 = "MQTT-2.2.2-1";
  if (t == packet_type::pubrel) id3 = "MQTT-3.6.1-1";
  if (t == packet_type::subscribe) id5 = id3 = "MQTT-3.8.1-1";
  if (t == packet_type::unsubscribe) id5 = id3 = "MQTT-3.10.1-1";
  if (t == packet_type::disconnect) id5 = "MQTT-3.14.1-1";
  if (t == packet_type::auth) id5 = "MQTT-3.15.1-1";
  return malformed(why_text(name_of(t), ": fixed header flags are 0x", hex_digit(flags),
                            ", must be 0x", hex_digit(want), cite(v, id5, id3)));
}

// check_auth_data: Authentication Data without an Authentication Method is a Protocol
// Error (3.1.2.11.10, 3.2.2.3.18, 3.15.2.2.3).
decode_error check_auth_data(packet_type t, const properties& p) {
  if (p.authentication_data && !p.authentication_method) {
    return protocol_violation(
        why_text(name_of(t), ": Authentication Data without Authentication Method"));
  }
  return {};
}

decode_error check_reason(packet_type t, std::uint8_t value, std::string_view id = {}) {
  if (reason_code_allowed(value, t)) return {};
  return malformed(why_text(name_of(t), ": Reason Code 0x", hex_digit(value >> 4),
                            hex_digit(value), " is not defined for this packet",
                            detail::statement_id{id}));
}

// check_response_topic: a Response Topic is a Topic Name, so it carries no wildcards
// [MQTT-3.3.2-14] (3.1.3.2.5 for the will's).
decode_error check_response_topic(packet_type t, const properties& p) {
  if (p.response_topic && has_wildcard(*p.response_topic)) {
    return protocol_violation(why_text(name_of(t), ": Response Topic '", *p.response_topic,
                                       "' contains a wildcard [MQTT-3.3.2-14]"));
  }
  return {};
}

// count_prefixed counts the whole entries at the front of `rest` that are a Two Byte length,
// that many bytes, then `trailer` bytes: the SUBSCRIBE and UNSUBSCRIBE payloads. Their
// vectors are reserved to it, so a payload of many short filters costs one allocation, not
// one per doubling (the decoder fuzzers' largest own cost for those packets). A truncated
// last entry is not counted; the decode then fails on it anyway.
std::size_t count_prefixed(byte_view rest, std::size_t trailer) {
  std::size_t n = 0;
  while (rest.size() >= 2) {
    const std::size_t entry = 2 + ((std::size_t{rest[0]} << 8) | rest[1]) + trailer;
    if (rest.size() < entry) break;
    rest = rest.subspan(entry);
    ++n;
  }
  return n;
}

decode_error decode_connect(byte_reader& in, const decode_limits& limits, connect_packet& p) {
  const auto t = packet_type::connect;
  std::string name;
  if (!in.read_string(name)) return truncated(t, "Protocol Name");
  std::uint8_t level = 0;
  if (!in.read_u8(level)) return truncated(t, "Protocol Level");
  bool known_level = level == 3 || level == 4 || level == 5;
  protocol_version v = known_level ? static_cast<protocol_version>(level) : protocol_version::v5_0;
  if (name != "MQTT" && name != "MQIsdp") {
    return protocol_violation(why_text("CONNECT: Protocol Name is ", quoted_bytes(name),
                                       ", not 'MQTT'", cite(v, "MQTT-3.1.2-1", "MQTT-3.1.2-1")),
                              reason_code::unsupported_protocol_version);
  }
  if (!known_level || (level == 3) != (name == "MQIsdp")) {
    return protocol_violation(why_text("CONNECT: Protocol Level ", decimal(level),
                                       " is not supported with name '", name, "'",
                                       cite(v, "MQTT-3.1.2-2", "MQTT-3.1.2-2")),
                              reason_code::unsupported_protocol_version);
  }
  p.version = v;

  std::uint8_t flags = 0;
  if (!in.read_u8(flags)) return truncated(t, "Connect Flags");
  if (flags & 0x01) {
    return malformed(why_text("CONNECT: reserved Connect Flags bit 0 is set",
                              cite(v, "MQTT-3.1.2-3", "MQTT-3.1.2-3")));
  }
  p.clean_start = (flags & 0x02) != 0;
  const bool will_flag = (flags & 0x04) != 0;
  const std::uint8_t will_qos = (flags >> 3) & 0x03;
  const bool will_retain = (flags & 0x20) != 0;
  const bool password_flag = (flags & 0x40) != 0;
  const bool username_flag = (flags & 0x80) != 0;
  if (!will_flag && will_qos != 0) {
    return malformed(why_text("CONNECT: Will QoS is ", decimal(will_qos), " without the Will Flag",
                              cite(v, "MQTT-3.1.2-11", "MQTT-3.1.2-13")));
  }
  if (will_qos == 3) {
    return malformed(why_text("CONNECT: Will QoS is 3", cite(v, "MQTT-3.1.2-12", "MQTT-3.1.2-14")));
  }
  if (!will_flag && will_retain) {
    return malformed(why_text("CONNECT: Will Retain is set without the Will Flag",
                              cite(v, "MQTT-3.1.2-13", "MQTT-3.1.2-15")));
  }
  if (!is_v5(v) && password_flag && !username_flag) {
    return malformed("CONNECT: Password Flag is set without the User Name Flag [MQTT-3.1.2-22]");
  }
  if (!in.read_u16(p.keep_alive)) return truncated(t, "Keep Alive");
  if (is_v5(v)) {
    if (auto e = decode_properties(in, property_context::connect, limits, p.props)) return e;
    if (auto e = check_auth_data(t, p.props)) return e;
  }

  // Payload, in the fixed order of [MQTT-3.1.3-1].
  if (auto e = read_utf8(in, t, "Client Identifier", v, limits, p.client_id)) return e;
  if (will_flag) {
    will_message w;
    w.qos_level = static_cast<qos>(will_qos);
    w.retain = will_retain;
    if (is_v5(v)) {
      if (auto e = decode_properties(in, property_context::will, limits, w.props)) return e;
      if (auto e = check_response_topic(t, w.props)) return e;
    }
    if (auto e = read_utf8(in, t, "Will Topic", v, limits, w.topic)) return e;
    if (!in.read_binary(w.payload)) return truncated(t, "Will Payload");
    p.will = std::move(w);
  }
  if (username_flag) {
    std::string user;
    if (auto e = read_utf8(in, t, "User Name", v, limits, user)) return e;
    p.username = std::move(user);
  }
  if (password_flag) {
    byte_buffer password;
    if (!in.read_binary(password)) return truncated(t, "Password");
    p.password = std::move(password);
  }
  return {};
}

decode_error decode_connack(byte_reader& in, protocol_version v, const decode_limits& limits,
                            connack_packet& p) {
  const auto t = packet_type::connack;
  std::uint8_t ack_flags = 0;
  if (!in.read_u8(ack_flags)) return truncated(t, "Connect Acknowledge Flags");
  if (ack_flags & 0xFE) {
    return malformed(
        why_text("CONNACK: reserved Acknowledge Flags bits are set", cite(v, "MQTT-3.2.2-1", "")));
  }
  p.session_present = (ack_flags & 0x01) != 0;
  if (!in.read_u8(p.reason)) return truncated(t, "Reason Code");
  if (!is_v5(v)) {
    if (p.reason > 5) {
      return malformed(why_text("CONNACK: Connect Return code ", decimal(p.reason), " is reserved"));
    }
    return {};
  }
  if (auto e = check_reason(t, p.reason, "MQTT-3.2.2-8")) return e;
  if (auto e = decode_properties(in, property_context::connack, limits, p.props)) return e;
  return check_auth_data(t, p.props);
}

decode_error decode_publish(std::uint8_t flags, byte_reader& in, protocol_version v,
                            const decode_limits& limits, publish_packet& p) {
  const auto t = packet_type::publish;
  p.dup = (flags & 0x08) != 0;
  const std::uint8_t q = (flags >> 1) & 0x03;
  p.retain = (flags & 0x01) != 0;
  if (q == 3) {
    return malformed(why_text("PUBLISH: QoS bits are 11", cite(v, "MQTT-3.3.1-4", "MQTT-3.3.1-4")));
  }
  p.qos_level = static_cast<qos>(q);
  if (p.dup && q == 0) {
    return malformed(why_text("PUBLISH: DUP is set on a QoS 0 message",
                              cite(v, "MQTT-3.3.1-2", "MQTT-3.3.1-2")));
  }
  if (auto e = read_utf8(in, t, "Topic Name", v, limits, p.topic)) return e;
  if (has_wildcard(p.topic)) {
    return protocol_violation(why_text("PUBLISH: Topic Name '", p.topic, "' contains a wildcard",
                                       cite(v, "MQTT-3.3.2-2", "MQTT-3.3.2-2")),
                              reason_code::topic_name_invalid);
  }
  if (q > 0) {
    if (auto e = read_packet_id(in, t, v, p.packet_id)) return e;
  }
  if (is_v5(v)) {
    if (auto e = decode_properties(in, property_context::publish, limits, p.props)) return e;
    if (auto e = check_response_topic(t, p.props)) return e;
    // An empty Topic Name is allowed only with a Topic Alias; 3.3.2.3.4: "It is a
    // Protocol Error if the Topic Name is zero length and there is no Topic Alias."
    if (p.topic.empty() && !p.props.topic_alias)
      return protocol_violation("PUBLISH: Topic Name is empty and there is no Topic Alias");
  } else if (p.topic.empty()) {
    return protocol_violation("PUBLISH: Topic Name is empty [MQTT-4.7.3-1]",
                              reason_code::topic_name_invalid);
  }
  byte_view rest = in.rest();
  p.payload.assign(rest.begin(), rest.end());
  in.skip(rest.size());
  return {};
}

// decode_pub_response reads PUBACK, PUBREC, PUBREL and PUBCOMP (3.4 - 3.7).
template <packet_type T>
decode_error decode_pub_response(byte_reader& in, protocol_version v,
                                 const decode_limits& limits, pub_response_packet<T>& p) {
  if (auto e = read_packet_id(in, T, v, p.packet_id)) return e;
  if (!is_v5(v) || in.at_end()) return {};  // 5.0: Remaining Length 2 means Success
  std::uint8_t reason = 0;
  in.read_u8(reason);
  if (auto e = check_reason(T, reason)) return e;
  p.reason = static_cast<reason_code>(reason);
  if (in.at_end()) return {};  // Remaining Length 3: no Property Length
  constexpr property_context c = T == packet_type::puback   ? property_context::puback
                                 : T == packet_type::pubrec ? property_context::pubrec
                                 : T == packet_type::pubrel ? property_context::pubrel
                                                            : property_context::pubcomp;
  return decode_properties(in, c, limits, p.props);
}

decode_error decode_subscribe(byte_reader& in, protocol_version v, const decode_limits& limits,
                              subscribe_packet& p) {
  const auto t = packet_type::subscribe;
  if (auto e = read_packet_id(in, t, v, p.packet_id)) return e;
  if (is_v5(v)) {
    if (auto e = decode_properties(in, property_context::subscribe, limits, p.props)) return e;
  }
  p.subscriptions.reserve(count_prefixed(in.rest(), 1));
  while (!in.at_end()) {
    subscription s;
    if (auto e = read_utf8(in, t, "Topic Filter", v, limits, s.filter)) return e;
    std::uint8_t options = 0;
    if (!in.read_u8(options)) return truncated(t, "Subscription Options");
    if (!is_v5(v) && (options & 0xFC)) {
      return malformed("SUBSCRIBE: reserved bits of Requested QoS are set [MQTT-3.8.3-4]");
    }
    if (is_v5(v) && (options & 0xC0)) {
      return malformed("SUBSCRIBE: reserved bits of Subscription Options are set [MQTT-3.8.3-5]");
    }
    const std::uint8_t q = options & 0x03;
    if (q == 3) {
      return malformed(why_text("SUBSCRIBE: Maximum QoS is 3", cite(v, "", "MQTT-3.8.3-4")));
    }
    s.options.max_qos = static_cast<qos>(q);
    if (is_v5(v)) {
      s.options.no_local = (options & 0x04) != 0;
      s.options.retain_as_published = (options & 0x08) != 0;
      const std::uint8_t rh = (options >> 4) & 0x03;
      if (rh == 3) return protocol_violation("SUBSCRIBE: Retain Handling is 3");
      s.options.handling = static_cast<retain_handling>(rh);
    }
    p.subscriptions.push_back(std::move(s));
  }
  if (p.subscriptions.empty()) {
    return protocol_violation(why_text("SUBSCRIBE: no Topic Filter in the payload",
                                       cite(v, "MQTT-3.8.3-2", "MQTT-3.8.3-3")));
  }
  return {};
}

decode_error decode_suback(byte_reader& in, protocol_version v, const decode_limits& limits,
                           suback_packet& p) {
  const auto t = packet_type::suback;
  if (auto e = read_packet_id(in, t, v, p.packet_id)) return e;
  if (is_v5(v)) {
    if (auto e = decode_properties(in, property_context::suback, limits, p.props)) return e;
  }
  p.reasons.reserve(in.remaining());  // one byte per Reason Code
  while (!in.at_end()) {
    std::uint8_t code = 0;
    in.read_u8(code);
    if (is_v5(v)) {
      if (auto e = check_reason(t, code)) return e;
    } else if (code > 2 && code != 0x80) {
      return malformed(why_text("SUBACK: return code ", decimal(code), " is reserved"));
    }
    p.reasons.push_back(code);
  }
  if (p.reasons.empty()) return protocol_violation("SUBACK: no return codes");
  return {};
}

decode_error decode_unsubscribe(byte_reader& in, protocol_version v, const decode_limits& limits,
                                unsubscribe_packet& p) {
  const auto t = packet_type::unsubscribe;
  if (auto e = read_packet_id(in, t, v, p.packet_id)) return e;
  if (is_v5(v)) {
    if (auto e = decode_properties(in, property_context::unsubscribe, limits, p.props)) return e;
  }
  p.filters.reserve(count_prefixed(in.rest(), 0));
  while (!in.at_end()) {
    std::string filter;
    if (auto e = read_utf8(in, t, "Topic Filter", v, limits, filter)) return e;
    p.filters.push_back(std::move(filter));
  }
  if (p.filters.empty()) {
    return protocol_violation(why_text("UNSUBSCRIBE: no Topic Filter in the payload",
                                       cite(v, "MQTT-3.10.3-2", "MQTT-3.10.3-2")));
  }
  return {};
}

decode_error decode_unsuback(byte_reader& in, protocol_version v, const decode_limits& limits,
                             unsuback_packet& p) {
  const auto t = packet_type::unsuback;
  if (auto e = read_packet_id(in, t, v, p.packet_id)) return e;
  if (!is_v5(v)) return {};
  if (auto e = decode_properties(in, property_context::unsuback, limits, p.props)) return e;
  p.reasons.reserve(in.remaining());  // one byte per Reason Code
  while (!in.at_end()) {
    std::uint8_t code = 0;
    in.read_u8(code);
    if (auto e = check_reason(t, code)) return e;
    p.reasons.push_back(code);
  }
  if (p.reasons.empty()) return protocol_violation("UNSUBACK: no Reason Codes");
  return {};
}

decode_error decode_disconnect(byte_reader& in, protocol_version v, const decode_limits& limits,
                               disconnect_packet& p) {
  if (!is_v5(v) || in.at_end()) return {};  // Remaining Length 0: Normal disconnection
  std::uint8_t reason = 0;
  in.read_u8(reason);
  if (auto e = check_reason(packet_type::disconnect, reason, "MQTT-3.14.2-1")) return e;
  p.reason = static_cast<reason_code>(reason);
  if (in.at_end()) return {};  // Remaining Length 1: no Property Length
  return decode_properties(in, property_context::disconnect, limits, p.props);
}

decode_error decode_auth(byte_reader& in, const decode_limits& limits, auth_packet& p) {
  const auto t = packet_type::auth;
  if (in.at_end()) return {};  // Remaining Length 0: Success, no properties
  std::uint8_t reason = 0;
  in.read_u8(reason);
  if (auto e = check_reason(t, reason, "MQTT-3.15.2-1")) return e;
  p.reason = static_cast<reason_code>(reason);
  // Reason Code and Property Length may only be left out together (3.15.2.1).
  if (in.at_end()) return truncated(t, "Property Length");
  if (auto e = decode_properties(in, property_context::auth, limits, p.props)) return e;
  return check_auth_data(t, p.props);
}

template <typename Packet>
decode_error decode_empty(packet_type t, byte_reader& in, Packet&) {
  if (!in.at_end()) return malformed(why_text(name_of(t), ": Remaining Length must be 0"));
  return {};
}

// decode_body dispatches on the packet type; `v` is the connection's version.
decode_error decode_body(const fixed_header& h, byte_reader& in, protocol_version v,
                         const decode_limits& limits, packet& out) {
  const std::uint8_t f = h.flags;
  switch (h.type) {
    case packet_type::connect: {
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      auto& p = out.emplace<connect_packet>();
      return decode_connect(in, limits, p);
    }
    case packet_type::connack:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_connack(in, v, limits, out.emplace<connack_packet>());
    case packet_type::publish:
      return decode_publish(f, in, v, limits, out.emplace<publish_packet>());
    case packet_type::puback:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_pub_response(in, v, limits, out.emplace<puback_packet>());
    case packet_type::pubrec:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_pub_response(in, v, limits, out.emplace<pubrec_packet>());
    case packet_type::pubrel:
      if (auto e = expect_flags(h.type, f, 2, v)) return e;
      return decode_pub_response(in, v, limits, out.emplace<pubrel_packet>());
    case packet_type::pubcomp:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_pub_response(in, v, limits, out.emplace<pubcomp_packet>());
    case packet_type::subscribe:
      if (auto e = expect_flags(h.type, f, 2, v)) return e;
      return decode_subscribe(in, v, limits, out.emplace<subscribe_packet>());
    case packet_type::suback:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_suback(in, v, limits, out.emplace<suback_packet>());
    case packet_type::unsubscribe:
      if (auto e = expect_flags(h.type, f, 2, v)) return e;
      return decode_unsubscribe(in, v, limits, out.emplace<unsubscribe_packet>());
    case packet_type::unsuback:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_unsuback(in, v, limits, out.emplace<unsuback_packet>());
    case packet_type::pingreq:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_empty(h.type, in, out.emplace<pingreq_packet>());
    case packet_type::pingresp:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_empty(h.type, in, out.emplace<pingresp_packet>());
    case packet_type::disconnect:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_disconnect(in, v, limits, out.emplace<disconnect_packet>());
    case packet_type::auth:
      if (auto e = expect_flags(h.type, f, 0, v)) return e;
      return decode_auth(in, limits, out.emplace<auth_packet>());
  }
  return malformed("unknown packet type");
}

}  // namespace

std::string_view decode_status_name(decode_status s) {
  switch (s) {
    case decode_status::ok: return "ok";
    case decode_status::need_more: return "need more";
    case decode_status::malformed: return "malformed";
    case decode_status::protocol_error: return "protocol error";
  }
  return "unknown";
}

fixed_header_result decode_fixed_header(byte_view bytes, protocol_version v,
                                        const decode_limits& limits) {
  fixed_header_result r;
  r.error.status = decode_status::need_more;
  if (bytes.empty()) return r;
  const std::uint8_t type = bytes[0] >> 4;
  if (type == 0) {
    r.error = malformed("packet type 0 is reserved");
    return r;
  }
  if (type == 15 && !is_v5(v)) {
    r.error = malformed("packet type 15 (AUTH) is reserved before MQTT 5.0");
    return r;
  }
  r.header.type = static_cast<packet_type>(type);
  r.header.flags = bytes[0] & 0x0F;
  vbi_result len = decode_vbi(bytes.subspan(1));
  switch (len.status) {
    case vbi_status::need_more:
      return r;
    case vbi_status::too_long:
      r.error = malformed(why_text(name_of(r.header.type), ": Remaining Length has more than 4 bytes"));
      return r;
    case vbi_status::non_minimal:
      if (is_v5(v)) {
        r.error = malformed(why_text(name_of(r.header.type),
                                     ": Remaining Length is not minimally encoded [MQTT-1.5.5-1]"));
        return r;
      }
      break;
    case vbi_status::ok:
      break;
  }
  r.header.remaining_length = len.value;
  r.header.header_size = 1 + len.length;
  if (r.header.packet_size() > limits.max_packet_size) {
    r.error = protocol_violation(why_text(name_of(r.header.type), ": packet of ",
                                          decimal(r.header.packet_size()),
                                          " bytes exceeds the Maximum Packet Size of ",
                                          decimal(limits.max_packet_size)),
                                 reason_code::packet_too_large);
    return r;
  }
  r.error.status = decode_status::ok;
  return r;
}

decode_result decode_packet(byte_view bytes, protocol_version v, const decode_limits& limits) {
  decode_result r;
  fixed_header_result fh = decode_fixed_header(bytes, v, limits);
  if (fh.error.status != decode_status::ok) {
    r.status = fh.error.status;
    r.code = fh.error.code;
    r.why = std::move(fh.error.why);
    return r;
  }
  const fixed_header& h = fh.header;
  if (bytes.size() < h.packet_size()) return r;  // need_more

  byte_reader in(bytes.subspan(h.header_size, h.remaining_length));
  packet p;
  decode_error e = decode_body(h, in, v, limits, p);
  if (!e && !in.at_end()) {
    e = malformed(why_text(name_of(h.type), ": ", decimal(in.remaining()),
                           " bytes left over after the last field"));
  }
  if (e) {
    r.status = e.status;
    r.code = e.code;
    r.why = std::move(e.why);
    return r;
  }
  r.status = decode_status::ok;
  r.consumed = h.packet_size();
  r.value = std::move(p);
  return r;
}

}  // namespace mqtt::codec
