// connection_flow.cpp: a connection's life in the core: open, the dispatch of each packet
// to its flow, a refused packet, the close, shutdown, and the output helpers every flow
// uses (send, close, disconnect, refuse_connect, log).
#include <shared_mutex>
#include <sstream>
#include <variant>

#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/detail/core_call.hpp"
#include "reference-broker/core/detail/flow_text.hpp"

namespace mqtt::broker {

using codec::protocol_version;
using codec::reason_code;

void core_call::send_bytes(connection& c, shared_bytes bytes, shared_bytes tail) {
  stats.bytes_sent += bytes->size() + (tail ? tail->size() : 0);
  out->push_back({action::kind::send, c.id, std::move(bytes), std::move(tail), {}, c.next_seq++});
}

void core_call::send(connection& c, const codec::packet& p) {
  codec::byte_buffer bytes = codec::encode_packet(p, c.version);
  if (bytes.size() > c.client_maximum_packet_size) {
    // [MQTT-3.1.2-24] never above the client's Maximum Packet Size: Reason String and User
    // Properties are left out first [MQTT-3.2.2-19, 3.2.2-20, 3.14.2-3, 3.14.2-4].
    codec::packet trimmed = p;
    std::visit(
        [](auto& q) {
          if constexpr (requires { q.props; }) {
            q.props.reason_string.reset();
            q.props.user_properties.clear();
          }
        },
        trimmed);
    bytes = codec::encode_packet(trimmed, c.version);
  }
  send_bytes(c, std::make_shared<const codec::byte_buffer>(std::move(bytes)));
}

void core_call::close(connection& c, std::string reason) {
  if (c.st == connection::state::closing) return;
  c.st = connection::state::closing;
  if (c.close_reason.empty()) c.close_reason = std::move(reason);
  out->push_back({action::kind::close, c.id, nullptr, nullptr, {}, c.next_seq++});
}

void core_call::log(std::string text) {
  out->push_back({action::kind::log, 0, nullptr, nullptr, std::move(text)});
}

void core_call::disconnect(connection& c, reason_code reason, std::string why) {
  if (c.st == connection::state::closing) return;
  if (c.st == connection::state::connected && codec::is_v5(c.version)) {
    codec::disconnect_packet d{reason, {}};
    // Reason Strings only when the client did not ask us to leave them out [MQTT-3.1.2-29]
    // (DISCONNECT is one of the packets where they are always allowed, but keep it short).
    if (!why.empty()) d.props.reason_string = why;
    send(c, d);
  }
  close(c, "reason=" + hex_reason(reason) + " why=\"" + why + "\"");
}

void core_call::refuse_connect(connection& c, reason_code reason, std::string why) {
  codec::connack_packet ack;
  if (codec::is_v5(c.version)) {
    ack.reason = static_cast<std::uint8_t>(reason);
    if (c.request_problem_information && !why.empty()) ack.props.reason_string = why;
  } else {
    ack.reason = static_cast<std::uint8_t>(codec::to_connect_return_code(reason));
  }
  send(c, ack);
  c.publish_will_on_close = false;  // no session was started, so no will either
  close(c, "refused reason=" + hex_reason(reason) + " why=\"" + why + "\"");
}

void core_call::open(connection_id id, std::string peer) {
  connection c;
  c.id = id;
  c.peer = std::move(peer);
  c.opened_at = now;
  c.last_packet = now;
  connection_deadlines.push(*connection_due(c), id);
  connections.insert_or_assign(id, std::move(c));
}

connection* core_call::online(session& s) {
  if (s.conn == 0) return nullptr;
  auto it = connections.find(s.conn);
  if (it == connections.end() || it->second.st != connection::state::connected) return nullptr;
  return &it->second;
}

void core_call::receive(connection& c, codec::packet&& p, const acl_verdicts& acl) {
  if (c.st == connection::state::closing) return;  // [MQTT-3.1.4-6] nothing more is read
  if (c.st == connection::state::awaiting_connect) {
    if (fault("first-packet-not-connect-ignored")) return;
    // [MQTT-3.1.0-1] the first packet must be CONNECT.
    c.publish_will_on_close = false;
    close(c, std::string("first packet was ") +
                 std::string(codec::packet_type_name(codec::type_of(p))));
    return;
  }
  if (c.st == connection::state::authenticating) {
    c.last_packet = now;
    if (const auto* a = std::get_if<codec::auth_packet>(&p)) {
      receive_auth(c, *a);
    } else if (std::holds_alternative<codec::disconnect_packet>(p)) {
      c.publish_will_on_close = false;  // no session was started, so no will either
      close(c, "client DISCONNECT during enhanced authentication");
    } else {
      // [MQTT-3.1.2-30] binds the client: only AUTH or DISCONNECT before CONNACK. We
      // answer any other packet as a Protocol Error.
      auth_protocol_error(c, std::string(codec::packet_type_name(codec::type_of(p))) +
                                 " before CONNACK during enhanced authentication "
                                 "[MQTT-3.1.2-30]");
    }
    return;
  }
  if (runs_in_parallel(p)) {
    receive_in_parallel(c, std::move(p), acl);
    return;
  }
  c.last_packet = now;
  switch (codec::type_of(p)) {
    case codec::packet_type::subscribe:
      receive_subscribe(c, std::get<codec::subscribe_packet>(std::move(p)), acl);
      return;
    case codec::packet_type::unsubscribe:
      receive_unsubscribe(c, std::get<codec::unsubscribe_packet>(p));
      return;
    case codec::packet_type::disconnect: {
      const auto& d = std::get<codec::disconnect_packet>(p);
      if (d.props.session_expiry_interval && !fault("disconnect-expiry-ignored")) {
        // 3.14.2.2.2: raising a Session Expiry Interval of 0 is a Protocol Error.
        if (c.connect_session_expiry == 0 && *d.props.session_expiry_interval != 0) {
          disconnect(c, reason_code::protocol_error,
                     "DISCONNECT: Session Expiry Interval set after CONNECT had 0");
          return;
        }
        c.sess->expiry_interval =
            std::min(*d.props.session_expiry_interval, config.maximum_session_expiry);
      }
      // [MQTT-3.14.4-3] reason 0x00 discards the will; 0x04 asks for it.
      c.publish_will_on_close = d.reason == reason_code::disconnect_with_will_message ||
                                fault("will-on-clean-disconnect");
      close(c, "client DISCONNECT reason=" + hex_reason(d.reason));
      return;
    }
    case codec::packet_type::auth:
      receive_auth(c, std::get<codec::auth_packet>(p));
      return;
    case codec::packet_type::connect:
      if (fault("second-connect-ignored")) return;
      disconnect(c, reason_code::protocol_error, "CONNECT: second CONNECT on a connection");
      return;
    default:
      // CONNACK, SUBACK, UNSUBACK, PINGRESP only go from server to client.
      disconnect(c, reason_code::protocol_error,
                 std::string(codec::packet_type_name(codec::type_of(p))) +
                     " is sent by servers only");
      return;
  }
}

bool core_call::runs_in_parallel(const codec::packet& p) {
  switch (codec::type_of(p)) {
    case codec::packet_type::publish:
    case codec::packet_type::puback:
    case codec::packet_type::pubrec:
    case codec::packet_type::pubrel:
    case codec::packet_type::pubcomp:
    case codec::packet_type::pingreq:
      return true;
    default:
      return false;
  }
}

bool core_call::receive_in_parallel(connection& c, codec::packet&& p,
                                           const acl_verdicts& acl) {
  if (!c.sess) return false;  // before CONNECT: receive() closes it
  std::unique_lock own(c.sess->mu);
  if (c.st != connection::state::connected) return true;  // [MQTT-3.1.4-6] closing
  c.last_packet = now;
  switch (codec::type_of(p)) {
    case codec::packet_type::publish:
      receive_publish(c, std::get<codec::publish_packet>(std::move(p)),
                      acl.allows(0), own);
      break;
    case codec::packet_type::puback:
      receive_puback(c, std::get<codec::puback_packet>(p));
      break;
    case codec::packet_type::pubrec:
      receive_pubrec(c, std::get<codec::pubrec_packet>(p));
      break;
    case codec::packet_type::pubrel:
      receive_pubrel(c, std::get<codec::pubrel_packet>(p));
      break;
    case codec::packet_type::pubcomp:
      receive_pubcomp(c, std::get<codec::pubcomp_packet>(p));
      break;
    default:
      if (!fault("pingresp-missing")) send(c, codec::pingresp_packet{});  // [MQTT-3.12.4-1]
      break;
  }
  return true;
}

// answer_code is the decoder's reason code if the packet that carries the answer may hold
// it (table 2-6), else plain Malformed Packet / Protocol Error. A CONNECT-only code such as
// 0x84 can come from a second CONNECT on a connected session, whose answer is a DISCONNECT.
static reason_code answer_code(const codec::decode_result& failure, codec::packet_type answer) {
  if (codec::reason_code_allowed(static_cast<std::uint8_t>(failure.code), answer)) {
    return failure.code;
  }
  return failure.status == codec::decode_status::malformed ? reason_code::malformed_packet
                                                           : reason_code::protocol_error;
}

void core_call::reject(connection& c, const codec::decode_result& failure) {
  if (c.st == connection::state::closing) return;
  if (c.st == connection::state::awaiting_connect) {
    if (failure.code == reason_code::unsupported_protocol_version) {
      // [MQTT-3.1.2-2] (3.1.1): CONNACK 0x01 then close. The level is not one we speak,
      // so answer in the 3.1.1 layout every client version can read.
      c.version = protocol_version::v3_1_1;
      refuse_connect(c, failure.code, failure.why);
      return;
    }
    c.publish_will_on_close = false;
    close(c, "bad CONNECT: " + failure.why);
    return;
  }
  if (c.st == connection::state::authenticating) {
    // No CONNACK was sent yet.
    refuse_connect(c, answer_code(failure, codec::packet_type::connack), failure.why);
    return;
  }
  disconnect(c, answer_code(failure, codec::packet_type::disconnect), failure.why);
}

void core_call::closed(connection_id id) {
  auto it = connections.find(id);
  if (it == connections.end()) return;
  connection& c = it->second;
  const bool was_connected = c.sess != nullptr;
  if (was_connected) {
    std::shared_ptr<session> s = c.sess;
    --stats.clients_connected;
    if (s->conn == c.id) {
      s->conn = 0;
      if (fault("topic-alias-kept-across-reconnect")) kept_aliases()[s->client_id] = c.outbound_aliases;
      if (c.will && c.publish_will_on_close) {
        const std::uint32_t delay = c.will->props.will_delay_interval.value_or(0);
        if (delay == 0 || s->expiry_interval == 0 || fault("will-delay-ignored")) {
          publish_will(*c.will, s->client_id);
        } else {
          // Published when the delay or the session ends, whichever is first (3.1.3.2.2).
          s->delayed_will = std::move(c.will);
          s->will_at = now + millis(std::uint64_t{delay} * (fault("will-delay-doubled") ? 2000 : 1000));
          schedule_session(s, s->will_at);
        }
      }
      if (s->expiry_interval == 0) {
        end_session(s);
      } else if (s->expiry_interval != 0xFFFFFFFF) {
        s->expires_at = now + millis(std::uint64_t{s->expiry_interval} *
                                     (fault("session-expiry-doubled") ? 2000 : 1000));
        schedule_session(s, *s->expires_at);
      }
    }
    std::ostringstream line;
    line << "event=disconnect conn=" << c.id << " client_id=\"" << s->client_id
         << "\" peer=" << c.peer << " "
         << (c.close_reason.empty() ? "reason=\"network closed\"" : c.close_reason)
         << " will=" << (c.will && c.publish_will_on_close ? "published" : "none");
    log(line.str());
  }
  connections.erase(it);
}

void core_call::shutdown() {
  for (auto& [id, c] : connections) {
    if (c.st == connection::state::connected) {
      disconnect(c, reason_code::server_shutting_down, "server shutting down");
    } else {
      close(c, "server shutting down");
    }
  }
}

}  // namespace mqtt::broker
