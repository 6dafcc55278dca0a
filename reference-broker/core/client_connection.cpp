// client_connection.cpp: one connection's framer, CONNECT gate, inbound Topic Aliases and
// verdict hold, in front of the broker core.
#include "reference-broker/core/client_connection.hpp"

#include <algorithm>
#include <variant>

#include "reference-broker/core/fault_injection.hpp"

namespace mqtt::broker {

namespace {

codec::decode_limits limits_of(const broker_config& config) {
  codec::decode_limits limits;
  limits.max_packet_size = config.maximum_packet_size;
  return limits;
}

// refusal is a packet the session refuses itself, in the shape the core's reject takes.
codec::decode_result refusal(codec::reason_code code, std::string why) {
  codec::decode_result r;
  r.status = codec::decode_status::protocol_error;
  r.code = code;
  r.why = std::move(why);
  return r;
}

}  // namespace

client_connection::client_connection(broker_core& core, peer_identity who)
    : core_(core),
      who_(std::move(who)),
      framer_(codec::protocol_version::v5_0, limits_of(core.config())),
      topic_alias_maximum_(core.config().topic_alias_maximum) {}

void client_connection::open(millis now, action_list& out) {
  core_.open(id(), who_.transport + "://" + address_and_port(who_), now, out);
}

next_step client_connection::feed(codec::byte_view bytes, millis now, action_list& out) {
  if (stopped_) return next_step::stop;
  core_.count_bytes_received(bytes.size());
#if defined(MQTTCERT_FAULTS)
  rewritten_.assign(bytes.begin(), bytes.end());
  fault_rewriter_.rewrite(rewritten_);
  bytes = rewritten_;
#endif
  framer_.feed(bytes);
  if (holding_) return next_step::ask;  // the front end reads ahead; the packets wait
  return run(now, out);
}

verdict_question client_connection::question() const {
  return {held_kind_, &who_, holding_ ? held_.get() : nullptr};
}

next_step client_connection::run(millis now, action_list& out) {
  while (!stopped_) {
    if (auto refused = refuse_early_non_connect()) {
      core_.reject(id(), *refused, now, out);  // closed without waiting for the body
      stopped_ = true;
      break;
    }
    codec::decode_result r = framer_.next();
    if (r.status == codec::decode_status::need_more) return next_step::read;
    if (r.status != codec::decode_status::ok) {
      // The core answers with the reason code and a close; nothing more is read.
      core_.reject(id(), r, now, out);
      stopped_ = true;
      break;
    }
    const next_step step = receive(std::move(*r.value), now, out);
    if (step != next_step::read) return step;
  }
  return next_step::stop;
}

std::optional<codec::decode_result> client_connection::refuse_early_non_connect() const {
  if (connect_seen_) return std::nullopt;
  const auto first = framer_.first_byte();
  if (!first) return std::nullopt;
  const auto type = static_cast<codec::packet_type>(*first >> 4);
  if (type == codec::packet_type::connect) return std::nullopt;
  if (fault("first-packet-not-connect-ignored")) return std::nullopt;  // the core drops it
  // [MQTT-3.1.0-1] the first packet is CONNECT, and a server that meets a protocol
  // violation closes (3.1.1 [MQTT-4.8.0-1], 5.0 [MQTT-4.13.1-1]). The first byte says
  // so; waiting for the body would let a peer hold the connection open with a header
  // and a large Remaining Length until the CONNECT timeout (cf. CVE-2023-0809).
  return refusal(codec::reason_code::protocol_error,
                 "first packet is " + std::string(codec::packet_type_name(type)) +
                     ", not CONNECT [MQTT-3.1.0-1]");
}

next_step client_connection::receive(codec::packet&& p, millis now, action_list& out) {
  if (auto* c = std::get_if<codec::connect_packet>(&p); c && !connect_seen_) {
    connect_seen_ = true;
    who_.client_id = c->client_id;
    who_.username = c->username;
    who_.version = c->version;
    return hold(std::move(p), verdict_question::kind::connect);
  }
  // ACL checks apply once the client is in; before that the core refuses the packet (and
  // a second CONNECT), so it gets no verdict: an unset one, which denies.
  const bool connected = connect_seen_ && !who_.client_id.empty();
  if (auto* pub = std::get_if<codec::publish_packet>(&p); connected && pub) {
    if (auto refused = resolve_topic_alias(*pub)) {
      core_.reject(id(), *refused, now, out);  // DISCONNECT with its reason, then close
      stopped_ = true;
      return next_step::stop;
    }
    return hold(std::move(p), verdict_question::kind::publish);
  }
  if (connected && std::holds_alternative<codec::subscribe_packet>(p)) {
    return hold(std::move(p), verdict_question::kind::subscribe);
  }
  const bool is_auth = std::holds_alternative<codec::auth_packet>(p);
  const std::size_t first = out.size();
  core_.receive(id(), std::move(p), acl_verdicts{}, now, out);
  // An AUTH may have ended an enhanced authentication with CONNACK: from the next packet
  // on, ACL checks apply with the ClientID in force.
  if (is_auth && connect_seen_ && who_.client_id.empty()) who_.client_id = core_.client_id(id());
  return after_call(out, first);
}

// Topic Aliases live and die with the connection [MQTT-3.3.2-7]; this is the only map of
// them, so the core and the ACL check both see the Topic Name.
std::optional<codec::decode_result> client_connection::resolve_topic_alias(
    codec::publish_packet& p) {
  if (!p.props.topic_alias) return std::nullopt;
  const std::uint16_t alias = *p.props.topic_alias;
  p.props.topic_alias.reset();
  if (alias > topic_alias_maximum_ && !fault("topic-alias-unbounded")) {
    // [MQTT-3.3.2-12] the server accepts 1..the Topic Alias Maximum it announced in
    // CONNACK; above it the client broke [MQTT-3.3.2-9].
    return refusal(codec::reason_code::topic_alias_invalid,
                   "PUBLISH: Topic Alias " + std::to_string(alias) + " is above the maximum");
  }
  if (!p.topic.empty()) {
    inbound_aliases_[alias] = p.topic;
  } else if (auto it = inbound_aliases_.find(alias); it != inbound_aliases_.end()) {
    p.topic = it->second;
  } else {
    // 3.3.2.3.4: an alias with no mapping and no Topic Name is a Protocol Error.
    return refusal(codec::reason_code::protocol_error,
                   "PUBLISH: Topic Alias " + std::to_string(alias) + " is not mapped");
  }
  return std::nullopt;
}

next_step client_connection::hold(codec::packet&& p, verdict_question::kind what) {
  if (held_) {
    *held_ = std::move(p);
  } else {
    held_ = std::make_unique<codec::packet>(std::move(p));
  }
  holding_ = true;
  held_kind_ = what;
  return next_step::ask;
}

next_step client_connection::answer_connect(const auth_verdict& verdict, millis now,
                                            action_list& out) {
  auto* c = holding_ ? std::get_if<codec::connect_packet>(held_.get()) : nullptr;
  if (!c) return stopped_ ? next_step::stop : next_step::read;
  codec::connect_packet connect = std::move(*c);
  holding_ = false;
  held_.reset();  // one CONNECT per connection: an idle client keeps no box
  if (!verdict.allowed) {
    out.push_back({action::kind::log, 0, nullptr, nullptr,
                   "event=auth_denied conn=" + std::to_string(id()) + " peer=" +
                       address_and_port(who_) + " client_id=\"" + who_.client_id + "\""});
  }
  const std::size_t first = out.size();
  core_.receive_connect(id(), std::move(connect), verdict, now, out);
  // The core may have assigned the ClientID; ACL checks use the one in force. Empty
  // means refused (or an enhanced authentication still running), and then nothing is
  // authorized.
  who_.client_id = verdict.allowed ? core_.client_id(id()) : std::string();
  if (const next_step step = after_call(out, first); step != next_step::read) return step;
  return run(now, out);
}

next_step client_connection::answer_acl(const acl_verdicts& verdict, millis now,
                                        action_list& out) {
  if (!holding_ || held_kind_ == verdict_question::kind::connect) {
    return stopped_ ? next_step::stop : next_step::read;
  }
  codec::packet p = std::move(*held_);
  holding_ = false;
  const std::size_t first = out.size();
  core_.receive(id(), std::move(p), verdict, now, out);
  if (const next_step step = after_call(out, first); step != next_step::read) return step;
  return run(now, out);
}

void client_connection::closed(millis now, action_list& out) {
  stopped_ = true;
  holding_ = false;
  held_.reset();
  core_.closed(id(), now, out);
}

bool client_connection::closing(const action_list& out, std::size_t first) {
  return std::any_of(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                     [&](const action& a) { return a.what == action::kind::close && a.conn == id(); });
}

next_step client_connection::after_call(const action_list& out, std::size_t first) {
  if (closing(out, first)) stopped_ = true;
  return stopped_ ? next_step::stop : next_step::read;
}

}  // namespace mqtt::broker
