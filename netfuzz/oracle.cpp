#include "netfuzz/oracle.hpp"

#include <algorithm>
#include <set>

#include "codec/variable_byte_integer.hpp"

namespace mqtt::netfuzz {

using namespace mqtt::codec;

namespace {

int index_of(packet_type t) { return static_cast<int>(t); }

// The fault texts the spec makes the receiver's duty to act on (5.0: "is a Malformed
// Packet" / "is a Protocol Error"; 3.1.1: "the receiver MUST close"), matched against
// the codec's `why` and the cross-packet rules below.
constexpr std::string_view strict_faults[] = {
    "fixed header flags are",                    // 5.0 2.1.3 / 3.1.1 [MQTT-2.2.2-2]
    "QoS bits are 11",                           // [MQTT-3.3.1-4]
    "packet type 0 is reserved",                 // 2.1.2: reserved, forbidden
    "packet type 15 (AUTH) is reserved",         // 3.1.1 2.2.1: reserved, forbidden
    "Remaining Length has more than 4 bytes",    // 1.5.5 / 2.2.3: at most four bytes
    "packet ends inside the",                    // cannot be parsed: Malformed Packet (1.2)
    "is not valid UTF-8",                        // 5.0 [MQTT-1.5.4-1] / 3.1.1 [MQTT-1.5.3-1,2]
    "reserved Connect Flags bit 0",              // [MQTT-3.1.2-3]
    "Will QoS is 3",                             // 5.0 3.1.2.6: Malformed Packet
    "SUBSCRIBE: reserved bits",                  // 5.0 [MQTT-3.8.3-5] / 3.1.1 [MQTT-3.8.3-4]
    "SUBSCRIBE: Maximum QoS is 3",               // 5.0 3.8.3.1: Protocol Error; 3.1.1 [MQTT-3.8.3-4]
    "Retain Handling is 3",                      // 5.0 3.8.3.1: Protocol Error
    "no Topic Filter in the payload",            // 5.0 3.8.3 / 3.10.3: Protocol Error; 3.1.1 [MQTT-3.8.3-3]
    "is unknown",                                // 5.0 2.2.2.2: identifier not valid: Malformed
    "is not allowed in",                         // 5.0 2.2.2.2: not valid for the packet type
    "is included more than once",                // 5.0 3.x: "It is a Protocol Error to include ... more than once"
    "is truncated",                              // a property value cut off: cannot be parsed
    "exceeds the",                               // Property Length past the packet
    "is longer than 4 bytes",                    // a Variable Byte Integer of five bytes
    "Authentication Data without Authentication Method",  // 5.0 3.1.2.11.10: Protocol Error
    "second CONNECT",                            // [MQTT-3.1.0-2]
    "above the broker's Topic Alias Maximum",    // 5.0 3.3.4: Topic Alias over the maximum: Protocol Error
    "Topic Alias is 0",                          // 5.0 3.3.4: Topic Alias 0: Protocol Error
    "has no mapping yet",                        // 5.0 3.3.4: empty Topic Name, unknown alias: Protocol Error
    "Receive Maximum is 0",                      // 5.0 3.1.2.11.3: Protocol Error
    "Maximum Packet Size is 0",                  // 5.0 3.1.2.11.4: Protocol Error
    "Subscription Identifier is 0",              // 5.0 3.8.2.1.2: Protocol Error
    "Request Problem Information is",            // 5.0 3.1.2.11.7: other than 0 or 1: Protocol Error
    "Request Response Information is",           // 5.0 3.1.2.11.6: other than 0 or 1: Protocol Error
};

// Positive answers: an acknowledgement that says "done" rather than "refused".
bool is_positive(const packet& p) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, connack_packet>) return x.reason == 0;
        else if constexpr (std::is_same_v<T, puback_packet> || std::is_same_v<T, pubrec_packet> ||
                           std::is_same_v<T, pubcomp_packet>)
          return static_cast<std::uint8_t>(x.reason) < 0x80;
        else if constexpr (std::is_same_v<T, suback_packet>) {
          for (auto r : x.reasons)
            if (r < 0x80) return true;
          return false;
        } else if constexpr (std::is_same_v<T, unsuback_packet>) {
          for (auto r : x.reasons)
            if (r < 0x80) return true;
          return x.reasons.empty();  // 3.1.1 UNSUBACK carries no codes
        } else if constexpr (std::is_same_v<T, pingresp_packet>) return true;
        else return false;
      },
      p);
}

// says_closing: a CONNACK or DISCONNECT with a reason code of 0x80 or above announces
// the close [MQTT-4.13.2-1] (3.1.1: a CONNACK with a non-zero return code).
bool says_closing(const packet& p) {
  if (auto c = std::get_if<connack_packet>(&p)) return c->reason != 0;
  if (auto d = std::get_if<disconnect_packet>(&p)) return static_cast<std::uint8_t>(d->reason) >= 0x80;
  return false;
}

// fault_packet_id reads the Packet Identifier of the packet at `at` by its layout
// (PUBLISH with QoS bits set, PUBREC, PUBREL, SUBSCRIBE, UNSUBSCRIBE), if it is inside.
std::optional<std::uint16_t> fault_packet_id(byte_view stream, std::size_t at) {
  const auto rest = stream.subspan(at);
  const auto rl = decode_vbi(rest.subspan(1));
  if (rl.status != vbi_status::ok && rl.status != vbi_status::non_minimal) return std::nullopt;
  const std::size_t body = 1 + rl.length;
  const std::size_t end = std::min<std::size_t>(rest.size(), body + rl.value);
  std::size_t id_at = body;
  switch (static_cast<packet_type>(rest[0] >> 4)) {
    case packet_type::publish:
      if (((rest[0] >> 1) & 3) == 0 || body + 1 >= end) return std::nullopt;
      id_at = body + 2 + ((std::size_t{rest[body]} << 8) | rest[body + 1]);
      break;
    case packet_type::pubrec: case packet_type::pubrel:
    case packet_type::subscribe: case packet_type::unsubscribe: break;
    default: return std::nullopt;
  }
  if (id_at + 1 >= end) return std::nullopt;
  return static_cast<std::uint16_t>((rest[id_at] << 8) | rest[id_at + 1]);
}

// answer_types are the acknowledgements a packet of type `t` draws.
std::vector<packet_type> answer_types(packet_type t) {
  switch (t) {
    case packet_type::connect: return {packet_type::connack};
    case packet_type::publish: return {packet_type::puback, packet_type::pubrec};
    case packet_type::pubrec: return {packet_type::pubrel};
    case packet_type::pubrel: return {packet_type::pubcomp};
    case packet_type::subscribe: return {packet_type::suback};
    case packet_type::unsubscribe: return {packet_type::unsuback};
    case packet_type::pingreq: return {packet_type::pingresp};
    default: return {};
  }
}

std::optional<std::uint16_t> ack_id(const packet& p) {
  return std::visit(
      [](const auto& x) -> std::optional<std::uint16_t> {
        if constexpr (requires { x.packet_id; }) return x.packet_id;
        else return std::nullopt;
      },
      p);
}

std::string statement_for(const stream_fault& f, protocol_version v) {
  if (f.why.find("second CONNECT") != std::string::npos) return "MQTT-3.1.0-2";
  return is_v5(v) ? "MQTT-4.13.1-1" : "MQTT-4.8.0-1";
}

}  // namespace

bool must_close(std::string_view why) {
  if (why.find("Payload Format Indicator") != std::string_view::npos) return false;
  for (auto s : strict_faults)
    if (why.find(s) != std::string_view::npos) return true;
  return false;
}

std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::ok: return "ok";
    case verdict::wrong_answer: return "wrong-answer";
    case verdict::not_closed: return "not-closed";
    case verdict::note: return "note";
  }
  return "?";
}

// names_mqtt31 says whether `packet` (starting at its fixed header) is a CONNECT that names
// MQTT 3.1: Protocol Name "MQIsdp". Read from the bytes, so a CONNECT that does not decode
// is recognised too.
bool names_mqtt31(byte_view packet) {
  if (packet.size() < 2) return false;
  const auto length = decode_vbi(packet.subspan(1));
  if (length.status != vbi_status::ok && length.status != vbi_status::non_minimal) return false;
  const std::size_t at = 1 + length.length;
  static constexpr std::uint8_t mqisdp[] = {0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p'};
  return packet.size() >= at + sizeof mqisdp &&
         std::equal(std::begin(mqisdp), std::end(mqisdp), packet.begin() + at);
}

namespace {

// stream_walk decodes a client's stream packet by packet into a stream_analysis, stopping
// at the first fault: the receiver's duties there come from the spec sentence it breaks.
class stream_walk {
 public:
  stream_walk(byte_view stream, protocol_version nominal, std::optional<std::uint16_t> tam)
      : stream_(stream), topic_alias_maximum_(tam) {
    a_.version = nominal;
  }

  stream_analysis run() {
    while (at_ < stream_.size()) {
      const auto rest = stream_.subspan(at_);
      const auto type = static_cast<packet_type>(rest[0] >> 4);
      const bool first = a_.valid_packets == 0;
      if (first && type == packet_type::connect) mqtt31_ = names_mqtt31(rest);
      if (first && type != packet_type::connect) {
        // [MQTT-3.1.0-1] binds the client; what a server does with it is its choice.
        return fault(type, "first packet is not CONNECT", false);
      }
      if (disconnected_) {
        // The server SHOULD close after DISCONNECT (3.1.1 3.14.4); bytes after it are noise.
        return fault(type, "packet after DISCONNECT", false);
      }
      auto r = decode_packet(rest, a_.version);
      if (r.status == decode_status::need_more) {
        a_.incomplete = true;
        return a_;
      }
      if (r.status != decode_status::ok) {
        // A packet type only a server sends has no handling on a server at all: however
        // it is broken, what the broker does with it is not judged.
        const bool server_only = type == packet_type::connack || type == packet_type::suback ||
                                 type == packet_type::unsuback || type == packet_type::pingresp;
        return fault(type, r.why, must_close(r.why) && !server_only);
      }
      if (!take(*r.value, first)) return a_;
      at_ += r.consumed;
      a_.valid_packets++;
    }
    return a_;
  }

 private:
  // take notes what a valid packet draws from the broker; false when it ends the judging.
  bool take(const packet& p, bool first) {
    const packet_type type = type_of(p);
    switch (type) {
      case packet_type::connect: {
        if (!first) {
          fault(type, "CONNECT: second CONNECT on one connection [MQTT-3.1.0-2]", true);
          return false;
        }
        const auto& c = std::get<connect_packet>(p);
        a_.version = c.version == protocol_version::v3_1 ? protocol_version::v3_1_1 : c.version;
        a_.connect_has_auth_method = c.props.authentication_method.has_value();
        a_.answers[index_of(packet_type::connack)]++;
        if (a_.connect_has_auth_method) a_.answers[index_of(packet_type::auth)] += 1000;
        return true;
      }
      case packet_type::publish: return take_publish(std::get<publish_packet>(p));
      case packet_type::pubrec:
        expect_answer(packet_type::pubrel, std::get<pubrec_packet>(p).packet_id);
        return true;
      case packet_type::pubrel:
        expect_answer(packet_type::pubcomp, std::get<pubrel_packet>(p).packet_id);
        return true;
      case packet_type::subscribe:
        expect_answer(packet_type::suback, std::get<subscribe_packet>(p).packet_id);
        return true;
      case packet_type::unsubscribe:
        expect_answer(packet_type::unsuback, std::get<unsubscribe_packet>(p).packet_id);
        return true;
      case packet_type::pingreq: a_.answers[index_of(packet_type::pingresp)]++; return true;
      case packet_type::disconnect: disconnected_ = true; return true;
      case packet_type::auth:
        if (a_.connect_has_auth_method) return true;
        // 5.0 4.12: AUTH only follows a CONNECT with an Authentication Method; what the
        // server then does is not pinned down packet by packet, so it ends the judging.
        fault(type, "AUTH without an Authentication Method in CONNECT", false);
        return false;
      case packet_type::connack:
      case packet_type::suback:
      case packet_type::unsuback:
      case packet_type::pingresp:
        // Only a server sends these; neither spec says what a server does on receipt.
        fault(type, std::string(packet_type_name(type)) + " sent by a client", false);
        return false;
      default: return true;
    }
  }

  bool take_publish(const publish_packet& pub) {
    const packet_type type = packet_type::publish;
    if (pub.props.topic_alias) {
      const auto alias = *pub.props.topic_alias;
      if (!topic_alias_maximum_) {
        fault(type, "PUBLISH: Topic Alias while the broker's maximum is unknown (no CONNACK)", false);
        return false;
      }
      if (alias > *topic_alias_maximum_) {
        fault(type, "PUBLISH: Topic Alias " + std::to_string(alias) +
                        " is above the broker's Topic Alias Maximum " +
                        std::to_string(*topic_alias_maximum_),
              true);
        return false;
      }
      if (pub.topic.empty() && !aliases_.count(alias)) {
        fault(type, "PUBLISH: empty Topic Name and Topic Alias " + std::to_string(alias) +
                        " has no mapping yet",
              true);
        return false;
      }
      aliases_.insert(alias);
    }
    if (pub.qos_level == qos::at_least_once) expect_answer(packet_type::puback, pub.packet_id);
    if (pub.qos_level == qos::exactly_once) expect_answer(packet_type::pubrec, pub.packet_id);
    return true;
  }

  // expect_answer: the packet of type `t` (with `id`) the broker owes for one just sent.
  void expect_answer(packet_type t, std::uint16_t id) {
    a_.answers[index_of(t)]++;
    a_.answered_ids.emplace_back(t, id);
  }

  // A session opened with MQTT 3.1 ("MQIsdp") is bound by neither 3.1.1 nor 5.0, which
  // are what the receiver's duties here come from; 3.1 itself only says the CONNECT
  // header flags are "not used". So what a broker does there is a note, never a failure.
  stream_analysis fault(packet_type t, std::string why, bool strict) {
    strict = strict && !mqtt31_;
    stream_fault f{a_.valid_packets, t, std::move(why), strict, at_, fault_packet_id(stream_, at_), 0};
    for (std::size_t i = at_ + 1; i + 1 < stream_.size(); ++i)
      if (stream_[i] == 0xC0 && stream_[i + 1] == 0x00) f.later_pingreqs++;
    a_.fault = std::move(f);
    return a_;
  }

  byte_view stream_;
  std::optional<std::uint16_t> topic_alias_maximum_;
  stream_analysis a_;
  std::set<std::uint16_t> aliases_;
  bool disconnected_ = false;
  bool mqtt31_ = false;
  std::size_t at_ = 0;
};

}  // namespace

stream_analysis analyse_stream(byte_view stream, protocol_version nominal,
                               std::optional<std::uint16_t> topic_alias_maximum) {
  return stream_walk(stream, nominal, topic_alias_maximum).run();
}

std::optional<std::uint16_t> topic_alias_maximum_of(const observation& o) {
  for (const auto& p : o.packets)
    if (auto c = std::get_if<connack_packet>(&p)) return c->props.topic_alias_maximum.value_or(0);
  return std::nullopt;
}

judgement judge(byte_view stream, protocol_version nominal, const observation& o) {
  const auto a = analyse_stream(stream, nominal, topic_alias_maximum_of(o));
  judgement j;
  std::array<int, 16> positive{};
  bool closing_announced = false;
  for (const auto& p : o.packets) {
    if (is_positive(p)) positive[index_of(type_of(p))]++;
    closing_announced = closing_announced || says_closing(p);
  }
  if (!a.fault) {
    if (!o.broker_malformed.empty()) {
      j.outcome = verdict::note;
      j.what = "the broker sent bytes the codec rejects: " + o.broker_malformed;
    }
    return j;
  }
  const auto& f = *a.fault;
  const std::string fault_text = "packet " + std::to_string(f.packet_index + 1) + " (" +
                                 std::string(packet_type_name(f.type)) + "): " + f.why;
  const bool open = !o.closed && !closing_announced;
  const auto own = answer_types(f.type);
  for (auto t : {packet_type::connack, packet_type::puback, packet_type::pubrec,
                 packet_type::pubcomp, packet_type::suback, packet_type::unsuback,
                 packet_type::pingresp}) {
    const int extra = positive[index_of(t)] - a.answers[index_of(t)];
    if (extra <= 0) continue;
    const std::string name(packet_type_name(t));
    // Is one of the extra answers the faulty packet's own? Only then is it "answered as
    // if valid"; an answer to a packet after the fault shows it kept reading instead.
    bool to_fault = false;
    if (std::find(own.begin(), own.end(), t) != own.end()) {
      if (t == packet_type::connack) {
        to_fault = true;  // one CONNACK per connection: an extra one answers the fault
      } else if (t == packet_type::pingresp) {
        to_fault = static_cast<std::size_t>(extra) > f.later_pingreqs;
      } else if (f.packet_id) {
        const bool earlier = std::find(a.answered_ids.begin(), a.answered_ids.end(),
                                       std::pair{t, *f.packet_id}) != a.answered_ids.end();
        for (const auto& p : o.packets)
          to_fault = to_fault || (!earlier && type_of(p) == t && is_positive(p) && ack_id(p) == f.packet_id);
      }
    }
    if (to_fault) {
      j.outcome = f.strict ? verdict::wrong_answer : verdict::note;
      j.statement = statement_for(f, a.version);
      j.what = fault_text + "; the broker answered it with " + name + " as if it were valid";
      return j;
    }
    if (open && f.strict) break;  // it kept serving: judged below, as not closed
    j.outcome = verdict::note;
    j.what = fault_text + "; the broker went on to answer " + std::to_string(extra) + " " + name +
             " for packets after it" + (open ? "" : ", then closed");
    return j;
  }
  if (o.closed || closing_announced) return j;
  if (!f.strict) {
    j.outcome = verdict::note;
    j.what = fault_text + "; left open (allowed: the spec binds only the sender here)";
    return j;
  }
  if (o.answered_after_wait) {
    j.outcome = verdict::not_closed;
    j.statement = statement_for(f, a.version);
    j.what = fault_text + "; the broker did not close the connection and still answered a PINGREQ";
    return j;
  }
  j.outcome = verdict::note;
  j.what = fault_text + "; the broker neither closed the connection nor answered a PINGREQ";
  return j;
}

}  // namespace mqtt::netfuzz
