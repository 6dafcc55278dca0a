#include "stress/scenario_kit.hpp"

#include <cstdio>
#include <variant>

#include "codec/variable_byte_integer.hpp"

namespace mqtt::cert::stress {

void put_u16(codec::byte_buffer& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put_string(codec::byte_buffer& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

codec::byte_buffer raw_publish(std::string_view topic, codec::byte_view props, codec::byte_view payload,
                               codec::qos q, std::uint16_t packet_id, bool v5) {
  codec::byte_buffer body;
  put_string(body, topic);
  if (q != codec::qos::at_most_once) put_u16(body, packet_id);
  if (v5) {
    codec::encode_vbi(static_cast<std::uint32_t>(props.size()), body);
    body.insert(body.end(), props.begin(), props.end());
  }
  body.insert(body.end(), payload.begin(), payload.end());
  codec::byte_buffer out{static_cast<std::uint8_t>(0x30 | (static_cast<unsigned>(q) << 1))};
  codec::encode_vbi(static_cast<std::uint32_t>(body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::optional<codec::byte_buffer> publish_of_size(std::string_view topic, std::uint32_t size,
                                                  std::uint16_t packet_id) {
  // Topic Name, Packet Identifier and a zero Property Length come before the payload.
  const std::size_t fixed_body = 2 + topic.size() + 2 + 1;
  for (std::size_t header_len = 1; header_len <= 4; ++header_len) {
    if (size < 1 + header_len + fixed_body) return std::nullopt;
    const std::size_t remaining = size - 1 - header_len;
    if (codec::vbi_size(static_cast<std::uint32_t>(remaining)) != header_len) continue;
    codec::byte_buffer payload(remaining - fixed_body, 'x');
    return raw_publish(topic, {}, payload, codec::qos::at_least_once, packet_id);
  }
  return std::nullopt;
}

std::string hex_byte(std::uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", b);
  return text;
}

std::optional<std::uint8_t> reason_of(const codec::packet& p) {
  return std::visit(
      [](const auto& q) -> std::optional<std::uint8_t> {
        if constexpr (requires { q.reason; }) return static_cast<std::uint8_t>(q.reason);
        return std::nullopt;
      },
      p);
}

answer await_answer(raw_client& c, std::chrono::milliseconds timeout) {
  answer a;
  a.got = c.expect_packet(timeout);
  if (a.got.status == recv_status::timeout) {
    a.text = "nothing within " + std::to_string(timeout.count()) + " ms";
    return a;
  }
  if (a.got.status != recv_status::packet) {
    a.what = answer::kind::closed;
    a.text = a.got.status == recv_status::closed ? "closed without DISCONNECT" : "closed after bytes we cannot decode";
    return a;
  }
  const codec::packet& p = *a.got.packet;
  a.reason = reason_of(p);
  const std::string name(codec::packet_type_name(codec::type_of(p)));
  a.text = name + (a.reason ? " " + hex_byte(*a.reason) : std::string());
  if (std::holds_alternative<codec::disconnect_packet>(p)) {
    a.what = answer::kind::closed;
    const bool closed = c.expect_close(2000ms).closed;
    a.text += closed ? ", then closed" : ", but the connection stayed open";
    return a;
  }
  a.what = answer::kind::packet;
  return a;
}

memory_watch::memory_watch(const context& c) : c_(c), before_(c.rss_kib()) {}

std::optional<long> memory_watch::grown_kib() const {
  const auto now = c_.rss_kib();
  if (!before_ || !now) return std::nullopt;
  return *now - *before_;
}

void memory_watch::judge(scenario_report& rep, long allowance_mib, const std::string& what) const {
  const auto grown = grown_kib();
  if (!grown) return;
  rep.saw("broker RSS grew by " + std::to_string(*grown / 1024) + " MiB " + what);
  if (*grown > allowance_mib * 1024)
    rep.degrade("memory grew by more than " + std::to_string(allowance_mib) + " MiB " + what);
}

bool drain_publishes(raw_client& c, std::chrono::milliseconds quiet,
                     const std::function<void(const codec::publish_packet&)>& on_publish) {
  for (;;) {
    const received r = c.expect_packet(quiet);
    if (r.status == recv_status::timeout) return true;
    if (r.status != recv_status::packet) return false;
    if (const auto* p = r.as<codec::publish_packet>()) {
      on_publish(*p);
      if (p->qos_level == codec::qos::at_least_once) c.send_packet(codec::puback_packet{p->packet_id, codec::reason_code::success, {}});
      if (p->qos_level == codec::qos::exactly_once) c.send_packet(codec::pubrec_packet{p->packet_id, codec::reason_code::success, {}});
    } else if (const auto* rel = r.as<codec::pubrel_packet>()) {
      c.send_packet(codec::pubcomp_packet{rel->packet_id, codec::reason_code::success, {}});
    } else if (r.as<codec::disconnect_packet>()) {
      return false;
    }
  }
}

}  // namespace mqtt::cert::stress
