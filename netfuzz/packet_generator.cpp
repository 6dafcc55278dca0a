#include "netfuzz/packet_generator.hpp"

namespace mqtt::netfuzz {

using namespace mqtt::codec;

namespace {

const std::vector<std::string> filters = {"nf/#", "nf/+", "nf/a/+", "nf/a/b", "+/x", "#",
                                          "$share/g/nf/a", "nf/\xC3\xA9", "nf/b"};

std::uint16_t any_id(fuzz_random& r) { return static_cast<std::uint16_t>(1 + r.below(65535)); }

std::string short_text(fuzz_random& r) {
  static const std::vector<std::string> words = {"", "a", "text/plain", "k", "\xE2\x82\xAC", "v1"};
  return r.pick(words);
}

byte_buffer payload(fuzz_random& r) {
  byte_buffer b(r.chance(8) ? r.below(2000) : r.below(16));
  for (auto& x : b) x = static_cast<std::uint8_t>(r.next());
  return b;
}

qos any_qos(fuzz_random& r) { return static_cast<qos>(r.below(3)); }

void add_user_properties(fuzz_random& r, properties& p) {
  if (r.chance(4)) p.user_properties.push_back({short_text(r), short_text(r)});
}

properties publish_props(fuzz_random& r) {
  properties p;
  if (r.chance(3)) p.payload_format_indicator = 0;
  if (r.chance(4)) p.message_expiry_interval = static_cast<std::uint32_t>(r.below(30));
  if (r.chance(4)) p.content_type = short_text(r);
  if (r.chance(5)) p.response_topic = "nf/reply";
  if (r.chance(5)) p.correlation_data = byte_buffer{1, 2, 3};
  add_user_properties(r, p);
  return p;
}

}  // namespace

const std::vector<std::string>& topic_pool() {
  static const std::vector<std::string> topics = {"nf/a", "nf/b", "nf/a/b", "nf/x/y/z",
                                                  "nf/\xC3\xA9", "x", "nf/reply", "nf/long/topic/name"};
  return topics;
}

connect_packet generate_connect(fuzz_random& r, protocol_version v, const std::string& client_id) {
  connect_packet c;
  c.version = v;
  c.clean_start = true;
  c.keep_alive = static_cast<std::uint16_t>(r.chance(2) ? 60 : r.below(1000));
  c.client_id = r.chance(10) ? std::string() : client_id;
  if (r.chance(5)) {
    will_message w;
    w.topic = r.pick(topic_pool());
    w.payload = payload(r);
    w.qos_level = any_qos(r);
    w.retain = r.chance(4);
    if (is_v5(v) && r.chance(2)) {
      w.props.will_delay_interval = static_cast<std::uint32_t>(r.below(2));
      w.props.payload_format_indicator = 0;
    }
    c.will = std::move(w);
  }
  if (r.chance(4)) c.username = "nf-user";
  if (c.username && r.chance(2)) c.password = byte_buffer{'p', 'w'};
  if (is_v5(v)) {
    // No lasting session: a sequence's session ends with its connection.
    if (r.chance(4)) c.props.session_expiry_interval = 0;
    if (r.chance(4)) c.props.receive_maximum = static_cast<std::uint16_t>(1 + r.below(100));
    if (r.chance(4)) c.props.maximum_packet_size = static_cast<std::uint32_t>(64 + r.below(100000));
    if (r.chance(4)) c.props.topic_alias_maximum = static_cast<std::uint16_t>(r.below(10));
    if (r.chance(6)) c.props.request_response_information = static_cast<std::uint8_t>(r.below(2));
    if (r.chance(6)) c.props.request_problem_information = static_cast<std::uint8_t>(r.below(2));
    add_user_properties(r, c.props);
  }
  return c;
}

packet generate_packet(fuzz_random& r, protocol_version v) {
  const bool v5 = is_v5(v);
  switch (r.below(20)) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: {
      publish_packet p;
      p.qos_level = any_qos(r);
      p.retain = r.chance(6);
      p.dup = p.qos_level != qos::at_most_once && r.chance(6);
      p.topic = r.pick(topic_pool());
      if (p.qos_level != qos::at_most_once) p.packet_id = any_id(r);
      p.payload = payload(r);
      if (v5) {
        p.props = publish_props(r);
        if (r.chance(5)) p.props.topic_alias = static_cast<std::uint16_t>(1 + r.below(3));
      }
      return p;
    }
    case 7: case 8: {
      subscribe_packet s;
      s.packet_id = any_id(r);
      const auto n = 1 + r.below(3);
      for (std::uint64_t i = 0; i < n; ++i) {
        subscription sub;
        sub.filter = r.pick(filters);
        sub.options.max_qos = any_qos(r);
        if (v5) {
          sub.options.no_local = r.chance(3) && sub.filter.rfind("$share/", 0) != 0;
          sub.options.retain_as_published = r.chance(3);
          sub.options.handling = static_cast<retain_handling>(r.below(3));
        }
        s.subscriptions.push_back(sub);
      }
      if (v5 && r.chance(4)) s.props.subscription_identifiers = {static_cast<std::uint32_t>(1 + r.below(1000))};
      return s;
    }
    case 9: {
      unsubscribe_packet u;
      u.packet_id = any_id(r);
      u.filters.push_back(r.pick(filters));
      if (r.chance(3)) u.filters.push_back(r.pick(filters));
      return u;
    }
    case 10: { puback_packet a; a.packet_id = any_id(r); return a; }
    case 11: { pubrec_packet a; a.packet_id = any_id(r); return a; }
    case 12: { pubrel_packet a; a.packet_id = any_id(r); return a; }
    case 13: { pubcomp_packet a; a.packet_id = any_id(r); return a; }
    case 14: case 15: return pingreq_packet{};
    case 16: {
      disconnect_packet d;
      if (v5 && r.chance(2)) d.reason = reason_code::disconnect_with_will_message;
      return d;
    }
    case 17:
      if (v5) {
        auth_packet a;
        a.reason = reason_code::continue_authentication;
        a.props.authentication_method = "SCRAM-SHA-256";
        return a;
      }
      return pingreq_packet{};
    case 18: {
      // Types only a server sends: the broker must not take them as anything else.
      switch (r.below(4)) {
        case 0: return connack_packet{};
        case 1: { suback_packet s; s.packet_id = any_id(r); s.reasons = {0}; return s; }
        case 2: {
          unsuback_packet u;
          u.packet_id = any_id(r);
          if (v5) u.reasons = {0};
          return u;
        }
        default: return pingresp_packet{};
      }
    }
    default: {
      publish_packet p;  // a plain QoS 1 publish: the common case, answered with PUBACK
      p.qos_level = qos::at_least_once;
      p.topic = r.pick(topic_pool());
      p.packet_id = any_id(r);
      p.payload = payload(r);
      return p;
    }
  }
}

}  // namespace mqtt::netfuzz
