// properties.cpp: table 2-4 of MQTT 5.0 (2.2.2.2), and the Property Length + Properties
// field decoded into / encoded from `properties`.
#include "codec/properties.hpp"

#include <array>
#include <stdexcept>

#include "codec/detail/byte_reader.hpp"
#include "codec/detail/byte_writer.hpp"
#include "codec/detail/why_text.hpp"
#include "codec/utf8.hpp"
#include "codec/variable_byte_integer.hpp"

namespace mqtt::codec {

namespace {

constexpr std::uint16_t context_bit(property_context c) {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
}

// where(...) is the contexts column of one table 2-4 row.
template <typename... Contexts>
constexpr std::uint16_t where(Contexts... cs) {
  return static_cast<std::uint16_t>((context_bit(cs) | ...));
}

using pc = property_context;
using pt = property_type;
using pid = property_id;

// Table 2-4, row for row, in identifier order. "Will Properties" is its own context.
// UNSUBSCRIBE carries User Property only: table 2-4 lists it, although the list at the
// top of 2.2.2 forgets UNSUBSCRIBE (3.10.2.1.2 defines the property there).
constexpr std::array<property_info, 27> property_table{{
    {pid::payload_format_indicator, pt::byte, "Payload Format Indicator",
     where(pc::publish, pc::will)},
    {pid::message_expiry_interval, pt::four_byte_integer, "Message Expiry Interval",
     where(pc::publish, pc::will)},
    {pid::content_type, pt::utf8_string, "Content Type", where(pc::publish, pc::will)},
    {pid::response_topic, pt::utf8_string, "Response Topic", where(pc::publish, pc::will)},
    {pid::correlation_data, pt::binary_data, "Correlation Data", where(pc::publish, pc::will)},
    {pid::subscription_identifier, pt::variable_byte_integer, "Subscription Identifier",
     where(pc::publish, pc::subscribe)},
    {pid::session_expiry_interval, pt::four_byte_integer, "Session Expiry Interval",
     where(pc::connect, pc::connack, pc::disconnect)},
    {pid::assigned_client_identifier, pt::utf8_string, "Assigned Client Identifier",
     where(pc::connack)},
    {pid::server_keep_alive, pt::two_byte_integer, "Server Keep Alive", where(pc::connack)},
    {pid::authentication_method, pt::utf8_string, "Authentication Method",
     where(pc::connect, pc::connack, pc::auth)},
    {pid::authentication_data, pt::binary_data, "Authentication Data",
     where(pc::connect, pc::connack, pc::auth)},
    {pid::request_problem_information, pt::byte, "Request Problem Information", where(pc::connect)},
    {pid::will_delay_interval, pt::four_byte_integer, "Will Delay Interval", where(pc::will)},
    {pid::request_response_information, pt::byte, "Request Response Information",
     where(pc::connect)},
    {pid::response_information, pt::utf8_string, "Response Information", where(pc::connack)},
    {pid::server_reference, pt::utf8_string, "Server Reference",
     where(pc::connack, pc::disconnect)},
    {pid::reason_string, pt::utf8_string, "Reason String",
     where(pc::connack, pc::puback, pc::pubrec, pc::pubrel, pc::pubcomp, pc::suback, pc::unsuback,
           pc::disconnect, pc::auth)},
    {pid::receive_maximum, pt::two_byte_integer, "Receive Maximum",
     where(pc::connect, pc::connack)},
    {pid::topic_alias_maximum, pt::two_byte_integer, "Topic Alias Maximum",
     where(pc::connect, pc::connack)},
    {pid::topic_alias, pt::two_byte_integer, "Topic Alias", where(pc::publish)},
    {pid::maximum_qos, pt::byte, "Maximum QoS", where(pc::connack)},
    {pid::retain_available, pt::byte, "Retain Available", where(pc::connack)},
    {pid::user_property, pt::utf8_string_pair, "User Property",
     where(pc::connect, pc::connack, pc::publish, pc::will, pc::puback, pc::pubrec, pc::pubrel,
           pc::pubcomp, pc::subscribe, pc::suback, pc::unsubscribe, pc::unsuback, pc::disconnect,
           pc::auth)},
    {pid::maximum_packet_size, pt::four_byte_integer, "Maximum Packet Size",
     where(pc::connect, pc::connack)},
    {pid::wildcard_subscription_available, pt::byte, "Wildcard Subscription Available",
     where(pc::connack)},
    {pid::subscription_identifier_available, pt::byte, "Subscription Identifier Available",
     where(pc::connack)},
    {pid::shared_subscription_available, pt::byte, "Shared Subscription Available",
     where(pc::connack)},
}};

// Identifiers are all below 0x40, so one bit per identifier tracks repetitions.
static_assert([] {
  for (std::size_t i = 0; i < property_table.size(); ++i) {
    if (static_cast<unsigned>(property_table[i].id) >= 64) return false;
    if (i > 0 && property_table[i - 1].id >= property_table[i].id) return false;
  }
  return true;
}());

constexpr std::array<std::string_view, 14> context_names{
    "CONNECT", "CONNACK",   "PUBLISH", "Will Properties", "PUBACK",   "PUBREC",     "PUBREL",
    "PUBCOMP", "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE",     "UNSUBACK", "DISCONNECT", "AUTH",
};

std::string hex_byte(std::uint32_t v) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s = "0x";
  if (v > 0xFF) {
    // Multi-byte identifiers print in full (they are all unknown in 5.0).
    std::string wide;
    do {
      wide.insert(wide.begin(), digits[v & 0xF]);
      v >>= 4;
    } while (v > 0);
    return s + wide;
  }
  s += digits[(v >> 4) & 0xF];
  s += digits[v & 0xF];
  return s;
}

// utf8_statement names the statement a failed UTF-8 check breaks, if any.
std::string_view utf8_statement(utf8_status s) {
  switch (s) {
    case utf8_status::ill_formed:
    case utf8_status::surrogate: return " [MQTT-1.5.4-1]";
    case utf8_status::null_character: return " [MQTT-1.5.4-2]";
    default: return "";  // the SHOULD NOT list of 1.5.4 has no statement ID
  }
}

// property_decoder parses the Properties of one set, from a reader bounded by the
// Property Length.
class property_decoder {
 public:
  property_decoder(byte_view body, property_context c, const decode_limits& limits, properties& out)
      : in_(body), context_(c), limits_(limits), out_(out) {}

  decode_error run() {
    while (!in_.at_end()) {
      if (decode_error e = decode_one()) return e;
    }
    // CONNECT Properties, Authentication Data (3.1.2.11): "It is a Protocol Error to include
    // Authentication Data if there is no Authentication Method." Only CONNECT says so.
    if (context_ == property_context::connect && out_.authentication_data &&
        !out_.authentication_method) {
      return protocol_violation(why("Authentication Data without Authentication Method"));
    }
    return {};
  }

 private:
  // why is "PROPERTIES(<context>): " and then `parts`, in one allocation.
  template <typename... Parts>
  std::string why(const Parts&... parts) const {
    return detail::why_text("PROPERTIES(", property_context_name(context_), "): ", parts...);
  }

  decode_error truncated(const property_info& info) const {
    return malformed(why(info.name, " is truncated"));
  }

  // read_vbi_value reads a Variable Byte Integer that must be complete and minimal within
  // the set. `what` names it in the error.
  decode_error read_vbi_value(std::string_view what, std::uint32_t& v) {
    vbi_result r = in_.read_vbi();
    switch (r.status) {
      case vbi_status::ok: v = r.value; return {};
      case vbi_status::need_more: return malformed(why(what, " is truncated"));
      case vbi_status::too_long: return malformed(why(what, " is longer than 4 bytes"));
      case vbi_status::non_minimal:
        return malformed(why(what, " is not minimally encoded [MQTT-1.5.5-1]"));
    }
    return malformed(why(what, " is not a Variable Byte Integer"));
  }

  decode_error read_utf8(const property_info& info, std::string_view part, std::string& s) {
    if (!in_.read_string(s)) return truncated(info);
    utf8_status st = validate_utf8(s, limits_.utf8);
    if (st != utf8_status::ok) {
      // 1.5.4: a UTF-8 Encoded String breaking these rules makes the packet Malformed.
      return malformed(why(info.name, part, " is not valid UTF-8 (", utf8_status_name(st), ")",
                           utf8_statement(st)));
    }
    return {};
  }

  decode_error decode_one() {
    std::uint32_t raw_id = 0;
    if (decode_error e = read_vbi_value("Property Identifier", raw_id)) return e;

    // 2.2.2.2: an Identifier not valid for the packet type makes it a Malformed Packet. An
    // identifier outside table 2-4 is valid for no packet.
    const property_info* info = find_property(raw_id);
    if (info == nullptr) {
      return malformed(why("identifier ", hex_byte(raw_id), " is unknown"));
    }
    if ((info->contexts & context_bit(context_)) == 0) {
      return malformed(why(info->name, " (", hex_byte(raw_id), ") is not allowed in ",
                           property_context_name(context_)));
    }

    // Read the value by its table 2-4 type. A value running past the Property Length does
    // not have its declared type, which 2.2.2.2 makes a Malformed Packet.
    std::uint32_t number = 0;
    std::string text;
    std::string text2;
    byte_buffer binary;
    switch (info->type) {
      case property_type::byte: {
        std::uint8_t v = 0;
        if (!in_.read_u8(v)) return truncated(*info);
        number = v;
        break;
      }
      case property_type::two_byte_integer: {
        std::uint16_t v = 0;
        if (!in_.read_u16(v)) return truncated(*info);
        number = v;
        break;
      }
      case property_type::four_byte_integer:
        if (!in_.read_u32(number)) return truncated(*info);
        break;
      case property_type::variable_byte_integer:
        if (decode_error e = read_vbi_value(info->name, number)) return e;
        break;
      case property_type::utf8_string:
        if (decode_error e = read_utf8(*info, "", text)) return e;
        break;
      case property_type::binary_data:
        if (!in_.read_binary(binary)) return truncated(*info);
        break;
      case property_type::utf8_string_pair:
        // 1.5.7: both strings of the pair follow the UTF-8 Encoded String rules.
        if (decode_error e = read_utf8(*info, " name", text)) return e;
        if (decode_error e = read_utf8(*info, " value", text2)) return e;
        break;
    }

    const auto bit = std::uint64_t{1} << static_cast<unsigned>(info->id);
    if ((seen_ & bit) != 0 && !may_repeat(info->id)) {
      return protocol_violation(why(info->name, " is included more than once"));
    }
    seen_ |= bit;

    if (decode_error e = check_value(*info, number)) return e;
    store(info->id, number, std::move(text), std::move(text2), std::move(binary));
    return {};
  }

  // may_repeat: User Property may appear more than once everywhere ("The User Property is
  // allowed to appear multiple times", e.g. 3.3.2.3.7); Subscription Identifier only in PUBLISH
  // (3.3.2.3.8 — one per matching subscription), while 3.8.2.1.2 makes a repeat in SUBSCRIBE a
  // Protocol Error. Every other property's paragraph says "It is a Protocol Error to include ...
  // more than once".
  bool may_repeat(property_id id) const {
    return id == property_id::user_property ||
           (id == property_id::subscription_identifier && context_ == property_context::publish);
  }

  decode_error zero_or_one(const property_info& info, std::uint32_t v) const {
    if (v > 1) {
      return protocol_violation(why(info.name, " is ", detail::decimal(v), ", not 0 or 1"));
    }
    return {};
  }

  decode_error must_not_be_zero(const property_info& info, std::uint32_t v,
                                std::string_view statement = "",
                                reason_code code = reason_code::protocol_error) const {
    if (v == 0) {
      return protocol_violation(why(info.name, " is 0", statement), code);
    }
    return {};
  }

  decode_error check_value(const property_info& info, std::uint32_t v) const {
    switch (info.id) {
      // Payload Format Indicator (3.1.3.2.3, 3.3.2.3.2) defines only 0 and 1. The text names
      // no error for other values; we go further and make them a Protocol Error.
      case property_id::payload_format_indicator:
      // CONNECT Properties (3.1.2.11): Request Problem Information and Request Response
      // Information take only 0 or 1; anything else is a Protocol Error.
      case property_id::request_problem_information:
      case property_id::request_response_information:
      // CONNACK Properties (3.2.2.3): the same for Maximum QoS, Retain Available, Wildcard
      // Subscription Available, Subscription Identifiers Available and Shared Subscription
      // Available.
      case property_id::maximum_qos:
      case property_id::retain_available:
      case property_id::wildcard_subscription_available:
      case property_id::subscription_identifier_available:
      case property_id::shared_subscription_available: return zero_or_one(info, v);
      // 3.1.2.11 / 3.2.2.3: a Receive Maximum of 0 is a Protocol Error.
      case property_id::receive_maximum:
      // 3.1.2.11 / 3.2.2.3: a Maximum Packet Size of 0 is a Protocol Error.
      case property_id::maximum_packet_size: return must_not_be_zero(info, v);
      // [MQTT-3.3.2-8] Topic Alias 0 is never valid; 3.3.2.3.4 names 0x94 (Topic Alias
      // invalid) as the DISCONNECT reason for it.
      case property_id::topic_alias:
        return must_not_be_zero(info, v, " [MQTT-3.3.2-8]", reason_code::topic_alias_invalid);
      // 3.3.2.3.8 / 3.8.2.1.2: 1 to 268,435,455; 0 is a Protocol Error. The VBI cannot
      // carry more than 268,435,455.
      case property_id::subscription_identifier: return must_not_be_zero(info, v);
      default: return {};
    }
  }

  void store(property_id id, std::uint32_t n, std::string text, std::string text2,
             byte_buffer binary) {
    const auto u8 = static_cast<std::uint8_t>(n);
    const auto u16 = static_cast<std::uint16_t>(n);
    switch (id) {
      case property_id::payload_format_indicator: out_.payload_format_indicator = u8; break;
      case property_id::message_expiry_interval: out_.message_expiry_interval = n; break;
      case property_id::content_type: out_.content_type = std::move(text); break;
      case property_id::response_topic: out_.response_topic = std::move(text); break;
      case property_id::correlation_data: out_.correlation_data = std::move(binary); break;
      case property_id::subscription_identifier: out_.subscription_identifiers.push_back(n); break;
      case property_id::session_expiry_interval: out_.session_expiry_interval = n; break;
      case property_id::assigned_client_identifier:
        out_.assigned_client_identifier = std::move(text);
        break;
      case property_id::server_keep_alive: out_.server_keep_alive = u16; break;
      case property_id::authentication_method: out_.authentication_method = std::move(text); break;
      case property_id::authentication_data: out_.authentication_data = std::move(binary); break;
      case property_id::request_problem_information: out_.request_problem_information = u8; break;
      case property_id::will_delay_interval: out_.will_delay_interval = n; break;
      case property_id::request_response_information: out_.request_response_information = u8; break;
      case property_id::response_information: out_.response_information = std::move(text); break;
      case property_id::server_reference: out_.server_reference = std::move(text); break;
      case property_id::reason_string: out_.reason_string = std::move(text); break;
      case property_id::receive_maximum: out_.receive_maximum = u16; break;
      case property_id::topic_alias_maximum: out_.topic_alias_maximum = u16; break;
      case property_id::topic_alias: out_.topic_alias = u16; break;
      case property_id::maximum_qos: out_.maximum_qos = u8; break;
      case property_id::retain_available: out_.retain_available = u8; break;
      case property_id::user_property:
        out_.user_properties.push_back({std::move(text), std::move(text2)});
        break;
      case property_id::maximum_packet_size: out_.maximum_packet_size = n; break;
      case property_id::wildcard_subscription_available:
        out_.wildcard_subscription_available = u8;
        break;
      case property_id::subscription_identifier_available:
        out_.subscription_identifier_available = u8;
        break;
      case property_id::shared_subscription_available:
        out_.shared_subscription_available = u8;
        break;
    }
  }

  detail::byte_reader in_;
  property_context context_;
  const decode_limits& limits_;
  properties& out_;
  std::uint64_t seen_ = 0;
};

// for_each_property calls `sink` for every present property of `p` in identifier order
// (subscription identifiers and user properties in stored order). The encoder and the
// size computation share it so they cannot disagree.
template <typename Sink>
void for_each_property(const properties& p, Sink& sink) {
  auto byte = [&](property_id id, const std::optional<std::uint8_t>& v) {
    if (v) sink.u8(id, *v);
  };
  auto two = [&](property_id id, const std::optional<std::uint16_t>& v) {
    if (v) sink.u16(id, *v);
  };
  auto four = [&](property_id id, const std::optional<std::uint32_t>& v) {
    if (v) sink.u32(id, *v);
  };
  auto str = [&](property_id id, const std::optional<std::string>& v) {
    if (v) sink.string(id, *v);
  };
  auto bin = [&](property_id id, const std::optional<byte_buffer>& v) {
    if (v) sink.binary(id, *v);
  };
  byte(pid::payload_format_indicator, p.payload_format_indicator);
  four(pid::message_expiry_interval, p.message_expiry_interval);
  str(pid::content_type, p.content_type);
  str(pid::response_topic, p.response_topic);
  bin(pid::correlation_data, p.correlation_data);
  for (std::uint32_t v : p.subscription_identifiers) sink.vbi(pid::subscription_identifier, v);
  four(pid::session_expiry_interval, p.session_expiry_interval);
  str(pid::assigned_client_identifier, p.assigned_client_identifier);
  two(pid::server_keep_alive, p.server_keep_alive);
  str(pid::authentication_method, p.authentication_method);
  bin(pid::authentication_data, p.authentication_data);
  byte(pid::request_problem_information, p.request_problem_information);
  four(pid::will_delay_interval, p.will_delay_interval);
  byte(pid::request_response_information, p.request_response_information);
  str(pid::response_information, p.response_information);
  str(pid::server_reference, p.server_reference);
  str(pid::reason_string, p.reason_string);
  two(pid::receive_maximum, p.receive_maximum);
  two(pid::topic_alias_maximum, p.topic_alias_maximum);
  two(pid::topic_alias, p.topic_alias);
  byte(pid::maximum_qos, p.maximum_qos);
  byte(pid::retain_available, p.retain_available);
  for (const user_property& u : p.user_properties) sink.pair(pid::user_property, u);
  four(pid::maximum_packet_size, p.maximum_packet_size);
  byte(pid::wildcard_subscription_available, p.wildcard_subscription_available);
  byte(pid::subscription_identifier_available, p.subscription_identifier_available);
  byte(pid::shared_subscription_available, p.shared_subscription_available);
}

// Every identifier of table 2-4 is below 128, so each takes one VBI byte.
constexpr std::size_t id_size = 1;

// The encoder writes what it is given, Topic Alias 0 included, so tests can build
// violations; only values the wire cannot carry are refused (a caller bug, so it throws).
void check_vbi_range(std::uint32_t v) {
  if (v > vbi_max) throw std::length_error("mqtt::codec: value over 268435455 for a VBI");
}

struct size_sink {
  std::size_t n = 0;
  void u8(property_id, std::uint8_t) { n += id_size + 1; }
  void u16(property_id, std::uint16_t) { n += id_size + 2; }
  void u32(property_id, std::uint32_t) { n += id_size + 4; }
  void vbi(property_id, std::uint32_t v) {
    check_vbi_range(v);
    n += id_size + vbi_size(v);
  }
  void string(property_id, const std::string& s) { n += id_size + detail::prefixed_size(s.size()); }
  void binary(property_id, const byte_buffer& b) { n += id_size + detail::prefixed_size(b.size()); }
  void pair(property_id, const user_property& u) {
    n += id_size + detail::prefixed_size(u.name.size()) + detail::prefixed_size(u.value.size());
  }
};

struct write_sink {
  byte_buffer& out;
  void id(property_id i) { detail::put_u8(out, static_cast<std::uint8_t>(i)); }
  void u8(property_id i, std::uint8_t v) {
    id(i);
    detail::put_u8(out, v);
  }
  void u16(property_id i, std::uint16_t v) {
    id(i);
    detail::put_u16(out, v);
  }
  void u32(property_id i, std::uint32_t v) {
    id(i);
    detail::put_u32(out, v);
  }
  void vbi(property_id i, std::uint32_t v) {
    check_vbi_range(v);
    id(i);
    encode_vbi(v, out);
  }
  void string(property_id i, const std::string& s) {
    id(i);
    detail::put_string(out, s);
  }
  void binary(property_id i, const byte_buffer& b) {
    id(i);
    detail::put_binary(out, b);
  }
  void pair(property_id i, const user_property& u) {
    id(i);
    detail::put_string(out, u.name);
    detail::put_string(out, u.value);
  }
};

}  // namespace

std::string_view property_context_name(property_context c) {
  auto i = static_cast<std::size_t>(c);
  return i < context_names.size() ? context_names[i] : std::string_view("unknown context");
}

const property_info* find_property(std::uint32_t id) {
  for (const property_info& row : property_table) {
    if (static_cast<std::uint32_t>(row.id) == id) return &row;
  }
  return nullptr;
}

bool property_allowed(property_id id, property_context c) {
  const property_info* info = find_property(static_cast<std::uint32_t>(id));
  return info != nullptr && (info->contexts & context_bit(c)) != 0;
}

decode_error decode_properties(detail::byte_reader& in, property_context c,
                               const decode_limits& limits, properties& out) {
  out = properties{};
  // Built only on failure: this runs for every 5.0 packet with properties.
  const auto why = [c](const auto&... parts) {
    return detail::why_text("PROPERTIES(", property_context_name(c), "): Property Length ",
                            parts...);
  };

  // 2.2.2.1: the Property Length is a Variable Byte Integer, minimally encoded [MQTT-1.5.5-1].
  vbi_result length = in.read_vbi();
  switch (length.status) {
    case vbi_status::ok: break;
    case vbi_status::need_more: return malformed(why("is truncated"));
    case vbi_status::too_long: return malformed(why("is longer than 4 bytes"));
    case vbi_status::non_minimal:
      return malformed(why("is not minimally encoded [MQTT-1.5.5-1]"));
  }
  if (length.value > in.remaining()) {
    return malformed(why(detail::decimal(length.value), " exceeds the ",
                         detail::decimal(in.remaining()), " bytes left"));
  }
  byte_view body;
  in.read_bytes(length.value, body);
  return property_decoder(body, c, limits, out).run();
}

std::size_t properties_size(const properties& p) {
  size_sink sink;
  for_each_property(p, sink);
  return sink.n;
}

void encode_properties(const properties& p, byte_buffer& out) {
  const std::size_t size = properties_size(p);
  if (size > vbi_max) throw std::length_error("mqtt::codec: properties over 268435455 bytes");
  out.reserve(out.size() + vbi_size(static_cast<std::uint32_t>(size)) + size);
  // 2.2.2.1: no properties is a Property Length of zero [MQTT-2.2.2-1].
  encode_vbi(static_cast<std::uint32_t>(size), out);
  write_sink sink{out};
  for_each_property(p, sink);
}

}  // namespace mqtt::codec
