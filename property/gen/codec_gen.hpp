// codec_gen.hpp: RapidCheck generators of valid MQTT packets, per protocol version.
// "Valid" means what a compliant sender may put on the wire, so encode -> decode must give
// the same packet back.
#pragma once

#include <rapidcheck.h>

#include <string>
#include <vector>

#include "codec/packets.hpp"
#include "codec/reason_code.hpp"

namespace mqtt::property::gen {

using namespace mqtt::codec;

// utf8_text: well-formed UTF-8 without U+0000 or surrogates, short, with some multi-byte
// characters and the BOM (which must survive, MQTT-1.5.4-3).
inline rc::Gen<std::string> utf8_text(std::size_t max_chars = 12) {
  static const std::vector<std::string> pieces = {
      "a", "b", "z", "0", "/", "-", "_", " ", "\xC3\xA9" /* é */, "\xE2\x82\xAC" /* € */,
      "\xF0\x9F\x98\x80" /* 😀 */, "\xEF\xBB\xBF" /* BOM */, "$", "x"};
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pieces)),
      [max_chars](std::vector<std::string> parts) {
        std::string s;
        for (std::size_t i = 0; i < parts.size() && i < max_chars; ++i) s += parts[i];
        return s;
      });
}

// topic_name: non-empty, no wildcards.
inline rc::Gen<std::string> topic_name() {
  return rc::gen::map(utf8_text(), [](std::string s) { return "t/" + s; });
}

inline rc::Gen<byte_buffer> bytes(std::size_t max = 64) {
  return rc::gen::map(rc::gen::container<byte_buffer>(rc::gen::arbitrary<std::uint8_t>()),
                      [max](byte_buffer b) {
                        if (b.size() > max) b.resize(max);
                        return b;
                      });
}

inline rc::Gen<std::uint16_t> packet_id() { return rc::gen::inRange<std::uint16_t>(1, 65535); }

inline rc::Gen<qos> any_qos() {
  return rc::gen::element(qos::at_most_once, qos::at_least_once, qos::exactly_once);
}

template <typename T>
rc::Gen<std::optional<T>> maybe(rc::Gen<T> g) {
  return rc::gen::oneOf(rc::gen::just(std::optional<T>{}),
                        rc::gen::map(std::move(g), [](T v) { return std::optional<T>(v); }));
}

// props_for builds a property set valid in context `c` (table 2-4 and the value rules).
inline rc::Gen<properties> props_for(property_context c) {
  return rc::gen::exec([c] {
    properties p;
    auto allowed = [c](property_id id) { return property_allowed(id, c); };
    auto pick = [](auto gen) { return *maybe(std::move(gen)); };
    auto bool_byte = rc::gen::inRange<std::uint8_t>(0, 2);
    if (allowed(property_id::payload_format_indicator)) p.payload_format_indicator = pick(bool_byte);
    if (allowed(property_id::message_expiry_interval))
      p.message_expiry_interval = pick(rc::gen::arbitrary<std::uint32_t>());
    if (allowed(property_id::content_type)) p.content_type = pick(utf8_text());
    if (allowed(property_id::response_topic)) p.response_topic = pick(topic_name());
    if (allowed(property_id::correlation_data)) p.correlation_data = pick(bytes(16));
    if (allowed(property_id::subscription_identifier)) {
      const std::size_t most = c == property_context::publish ? 3 : 1;
      auto ids = *rc::gen::container<std::vector<std::uint32_t>>(
          rc::gen::inRange<std::uint32_t>(1, 268'435'456));
      if (ids.size() > most) ids.resize(most);
      p.subscription_identifiers = ids;
    }
    if (allowed(property_id::session_expiry_interval))
      p.session_expiry_interval = pick(rc::gen::arbitrary<std::uint32_t>());
    if (allowed(property_id::assigned_client_identifier))
      p.assigned_client_identifier = pick(utf8_text());
    if (allowed(property_id::server_keep_alive))
      p.server_keep_alive = pick(rc::gen::arbitrary<std::uint16_t>());
    if (allowed(property_id::authentication_method)) {
      p.authentication_method = pick(utf8_text());
      if (p.authentication_method && allowed(property_id::authentication_data))
        p.authentication_data = pick(bytes(16));
    }
    if (allowed(property_id::request_problem_information))
      p.request_problem_information = pick(bool_byte);
    if (allowed(property_id::will_delay_interval))
      p.will_delay_interval = pick(rc::gen::arbitrary<std::uint32_t>());
    if (allowed(property_id::request_response_information))
      p.request_response_information = pick(bool_byte);
    if (allowed(property_id::response_information)) p.response_information = pick(utf8_text());
    if (allowed(property_id::server_reference)) p.server_reference = pick(utf8_text());
    if (allowed(property_id::reason_string)) p.reason_string = pick(utf8_text());
    if (allowed(property_id::receive_maximum))
      p.receive_maximum = pick(rc::gen::inRange<std::uint16_t>(1, 65535));
    if (allowed(property_id::topic_alias_maximum))
      p.topic_alias_maximum = pick(rc::gen::arbitrary<std::uint16_t>());
    if (allowed(property_id::topic_alias))
      p.topic_alias = pick(rc::gen::inRange<std::uint16_t>(1, 65535));
    if (allowed(property_id::maximum_qos)) p.maximum_qos = pick(bool_byte);
    if (allowed(property_id::retain_available)) p.retain_available = pick(bool_byte);
    if (allowed(property_id::user_property)) {
      auto names = *rc::gen::container<std::vector<std::string>>(utf8_text(4));
      if (names.size() > 4) names.resize(4);
      for (auto& n : names) p.user_properties.push_back({n, *utf8_text(4)});
    }
    if (allowed(property_id::maximum_packet_size))
      p.maximum_packet_size = pick(rc::gen::inRange<std::uint32_t>(1, 268'435'460));
    if (allowed(property_id::wildcard_subscription_available))
      p.wildcard_subscription_available = pick(bool_byte);
    if (allowed(property_id::subscription_identifier_available))
      p.subscription_identifier_available = pick(bool_byte);
    if (allowed(property_id::shared_subscription_available))
      p.shared_subscription_available = pick(bool_byte);
    return p;
  });
}

// reason_for picks a Reason Code table 2-6 allows in packet `t`.
inline rc::Gen<reason_code> reason_for(packet_type t) {
  std::vector<reason_code> allowed;
  for (int v = 0; v < 256; ++v) {
    if (reason_code_allowed(static_cast<std::uint8_t>(v), t))
      allowed.push_back(static_cast<reason_code>(v));
  }
  return rc::gen::elementOf(allowed);
}

// packet_for generates any valid packet for version `v` (CONNECT carries `v` itself).
inline rc::Gen<packet> packet_for(protocol_version v) {
  const bool v5 = is_v5(v);
  auto props = [v5](property_context c) { return v5 ? *props_for(c) : properties{}; };
  return rc::gen::exec([v, v5, props]() -> packet {
    switch (*rc::gen::inRange(1, v5 ? 16 : 15)) {
      case 1: {
        connect_packet p;
        p.version = v;
        p.clean_start = *rc::gen::arbitrary<bool>();
        p.keep_alive = *rc::gen::arbitrary<std::uint16_t>();
        p.client_id = *utf8_text();
        p.props = props(property_context::connect);
        if (*rc::gen::arbitrary<bool>()) {
          p.will = will_message{*topic_name(), *bytes(), *any_qos(), *rc::gen::arbitrary<bool>(),
                                props(property_context::will)};
        }
        p.username = *maybe(utf8_text());
        if (p.username || v5) p.password = *maybe(bytes(16));
        return p;
      }
      case 2: {
        connack_packet p;
        p.session_present = *rc::gen::arbitrary<bool>();
        p.reason = v5 ? static_cast<std::uint8_t>(*reason_for(packet_type::connack))
                      : *rc::gen::inRange<std::uint8_t>(0, 6);
        p.props = props(property_context::connack);
        return p;
      }
      case 3: {
        publish_packet p;
        p.qos_level = *any_qos();
        p.dup = p.qos_level != qos::at_most_once && *rc::gen::arbitrary<bool>();
        p.retain = *rc::gen::arbitrary<bool>();
        p.topic = *topic_name();
        if (p.qos_level != qos::at_most_once) p.packet_id = *packet_id();
        p.props = props(property_context::publish);
        p.payload = *bytes(256);
        return p;
      }
      case 4: return puback_packet{*packet_id(), v5 ? *reason_for(packet_type::puback) : reason_code::success, props(property_context::puback)};
      case 5: return pubrec_packet{*packet_id(), v5 ? *reason_for(packet_type::pubrec) : reason_code::success, props(property_context::pubrec)};
      case 6: return pubrel_packet{*packet_id(), v5 ? *reason_for(packet_type::pubrel) : reason_code::success, props(property_context::pubrel)};
      case 7: return pubcomp_packet{*packet_id(), v5 ? *reason_for(packet_type::pubcomp) : reason_code::success, props(property_context::pubcomp)};
      case 8: {
        subscribe_packet p;
        p.packet_id = *packet_id();
        p.props = props(property_context::subscribe);
        auto n = *rc::gen::inRange(1, 4);
        for (int i = 0; i < n; ++i) {
          subscribe_options o;
          o.max_qos = *any_qos();
          if (v5) {
            o.no_local = *rc::gen::arbitrary<bool>();
            o.retain_as_published = *rc::gen::arbitrary<bool>();
            o.handling = static_cast<retain_handling>(*rc::gen::inRange(0, 3));
          }
          p.subscriptions.push_back({*utf8_text(), o});
        }
        return p;
      }
      case 9: {
        suback_packet p;
        p.packet_id = *packet_id();
        p.props = props(property_context::suback);
        auto n = *rc::gen::inRange(1, 4);
        for (int i = 0; i < n; ++i) {
          p.reasons.push_back(v5 ? static_cast<std::uint8_t>(*reason_for(packet_type::suback))
                                 : *rc::gen::element<std::uint8_t>(0, 1, 2, 0x80));
        }
        return p;
      }
      case 10: {
        unsubscribe_packet p;
        p.packet_id = *packet_id();
        p.props = props(property_context::unsubscribe);
        auto n = *rc::gen::inRange(1, 4);
        for (int i = 0; i < n; ++i) p.filters.push_back(*utf8_text());
        return p;
      }
      case 11: {
        unsuback_packet p;
        p.packet_id = *packet_id();
        if (v5) {
          p.props = props(property_context::unsuback);
          auto n = *rc::gen::inRange(1, 4);
          for (int i = 0; i < n; ++i)
            p.reasons.push_back(static_cast<std::uint8_t>(*reason_for(packet_type::unsuback)));
        }
        return p;
      }
      case 12: return pingreq_packet{};
      case 13: return pingresp_packet{};
      case 14: return disconnect_packet{v5 ? *reason_for(packet_type::disconnect) : reason_code::normal_disconnection, props(property_context::disconnect)};
      default: {
        auth_packet p{*reason_for(packet_type::auth), props(property_context::auth)};
        // AUTH data needs a method (3.15.2.2.3).
        if (p.props.authentication_data && !p.props.authentication_method) p.props.authentication_method = "m";
        return p;
      }
    }
  });
}

}  // namespace mqtt::property::gen
