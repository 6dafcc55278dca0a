// broker_core.cpp: connection lifecycle: CONNECT, DISCONNECT, closes, takeover, keep
// alive, wills, session expiry, $SYS statistics, and the broker_core facade.
#include "reference-broker/core/broker_core.hpp"

#include <algorithm>
#include <shared_mutex>
#include <sstream>
#include <variant>

#include "codec/topic.hpp"
#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/detail/broker_core_impl.hpp"

namespace mqtt::broker {

using codec::protocol_version;
using codec::reason_code;

namespace {

// kept_aliases holds each ClientID's outbound Topic Aliases across connections, for the
// seeded fault topic-alias-kept-across-reconnect only (calls that run alone touch it).
std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>>& kept_aliases() {
  static std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>> kept;
  return kept;
}

std::string hex_reason(reason_code r) {
  static constexpr char digits[] = "0123456789ABCDEF";
  auto v = static_cast<unsigned>(r);
  return std::string("0x") + digits[v >> 4] + digits[v & 15];
}

}  // namespace

broker_core_impl::broker_core_impl(broker_config cfg, std::shared_ptr<const auth_methods> m)
    : config(cfg), methods(std::move(m)), retained(cfg.max_retained_messages) {}

// ---------------------------------------------------------------- output helpers

void broker_core_impl::send_bytes(connection& c, shared_bytes bytes, shared_bytes tail) {
  stats.bytes_sent += bytes->size() + (tail ? tail->size() : 0);
  out->push_back({action::kind::send, c.id, std::move(bytes), std::move(tail), {}, c.next_seq++});
}

void broker_core_impl::send(connection& c, const codec::packet& p) {
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

void broker_core_impl::close(connection& c, std::string reason) {
  if (c.st == connection::state::closing) return;
  c.st = connection::state::closing;
  if (c.close_reason.empty()) c.close_reason = std::move(reason);
  out->push_back({action::kind::close, c.id, nullptr, nullptr, {}, c.next_seq++});
}

void broker_core_impl::log(std::string text) {
  out->push_back({action::kind::log, 0, nullptr, nullptr, std::move(text)});
}

void broker_core_impl::disconnect(connection& c, reason_code reason, std::string why) {
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

void broker_core_impl::refuse_connect(connection& c, reason_code reason, std::string why) {
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

// ---------------------------------------------------------------- lifecycle

void broker_core_impl::open(connection_id id, std::string peer) {
  connection c;
  c.id = id;
  c.peer = std::move(peer);
  c.opened_at = now;
  c.last_packet = now;
  connection_deadlines.push(*connection_due(c), id);
  connections.insert_or_assign(id, std::move(c));
}

connection* broker_core_impl::online(session& s) {
  if (s.conn == 0) return nullptr;
  auto it = connections.find(s.conn);
  if (it == connections.end() || it->second.st != connection::state::connected) return nullptr;
  return &it->second;
}

void broker_core_impl::receive_connect(connection& c, codec::connect_packet&& p,
                                       const auth_verdict& verdict) {
  if (c.st != connection::state::awaiting_connect) {
    if (fault("second-connect-ignored")) return;
    // [MQTT-3.1.0-2] a second CONNECT is a Protocol Error.
    disconnect(c, reason_code::protocol_error, "CONNECT: second CONNECT on a connection");
    return;
  }
  c.version = p.version;
  const bool v5 = codec::is_v5(p.version);
  if (v5) {
    c.request_problem_information = p.props.request_problem_information.value_or(1) == 1;
    c.client_receive_maximum = p.props.receive_maximum.value_or(65535);
    c.client_maximum_packet_size =
        p.props.maximum_packet_size.value_or(codec::max_packet_size_limit);
    c.client_topic_alias_maximum = p.props.topic_alias_maximum.value_or(0);
  }

  std::unique_ptr<auth_exchange> exchange;
  if (v5 && p.props.authentication_method) {
    if (methods) exchange = methods->start(*p.props.authentication_method);
    if (!exchange) {
      // [MQTT-4.12.0-1] a method the server does not offer: CONNACK 0x8C, then close.
      refuse_connect(c, reason_code::bad_authentication_method,
                     "authentication method '" + *p.props.authentication_method +
                         "' is not supported");
      return;
    }
  }
  if (p.will) {
    if (codec::validate_topic_name(p.will->topic) != codec::topic_status::ok) {
      if (!v5) {
        // 3.1.1 has no return code for it [MQTT-3.2.2-6]: close without CONNACK.
        c.publish_will_on_close = false;
        close(c, "invalid will topic");
        return;
      }
      refuse_connect(c, reason_code::topic_name_invalid, "Will Topic is not a valid Topic Name");
      return;
    }
    if (p.will->qos_level > config.maximum_qos) {
      // [MQTT-3.2.2-12]
      refuse_connect(c, reason_code::qos_not_supported, "Will QoS is above Maximum QoS");
      return;
    }
    if (p.will->retain && !config.retain_available) {
      // [MQTT-3.2.2-13]
      refuse_connect(c, reason_code::retain_not_supported, "Will Retain is not supported");
      return;
    }
  }

  // [MQTT-3.1.3-8] (5.0) a refused ClientID gets 0x85; 3.1.1's is 0x02 [MQTT-3.1.3-9].
  const reason_code id_refused = fault("client-id-refusal-wrong-code")
                                     ? reason_code::not_authorized
                                     : reason_code::client_identifier_not_valid;
  bool assigned = false;
  if (p.client_id.empty()) {
    // 3.1.1: an empty ClientID needs CleanSession 1 [MQTT-3.1.3-8]; 3.1 has no empty ids.
    if (!config.allow_empty_client_id || p.version == protocol_version::v3_1 ||
        (!v5 && !p.clean_start)) {
      refuse_connect(c, id_refused, "an empty ClientID is not accepted here");
      return;
    }
    // [MQTT-3.1.3-6] a unique ClientID, never one a current session uses.
    do {
      std::ostringstream id;
      id << "auto-" << std::hex << ++assigned_id_counter << '-' << c.id;
      p.client_id = id.str();
    } while (sessions.count(p.client_id));
    assigned = true;
  } else if (p.version == protocol_version::v3_1 && p.client_id.size() > 23) {
    refuse_connect(c, id_refused, "3.1 ClientIDs are 1 to 23 bytes");
    return;
  } else if (config.max_client_id_length && p.client_id.size() > config.max_client_id_length) {
    refuse_connect(c, id_refused,
                   "ClientIDs are at most " + std::to_string(config.max_client_id_length) +
                       " bytes here");
    return;
  }

  if (!verdict.allowed && !fault("denied-client-let-in")) {
    // [MQTT-3.1.4-2] authentication failed: CONNACK with the reason, then close.
    refuse_connect(c, verdict.reason, "not authorized");
    return;
  }

  if (exchange) {
    // 4.12: the exchange decides; CONNACK waits until it succeeds.
    c.auth_method = *p.props.authentication_method;
    c.auth = std::move(exchange);
    c.assigned_client_id = assigned;
    const codec::byte_buffer data = p.props.authentication_data.value_or(codec::byte_buffer{});
    c.pending_connect = std::move(p);
    c.st = connection::state::authenticating;
    take_auth_step(c, c.auth->step(data));
    return;
  }
  accept_connect(c, std::move(p), assigned, {});
}

void broker_core_impl::accept_connect(connection& c, codec::connect_packet&& p, bool assigned,
                                      const codec::byte_buffer& auth_data) {
  const bool v5 = codec::is_v5(p.version);

  // [MQTT-3.1.4-3] a connection already using this ClientID is taken over.
  auto existing = sessions.find(p.client_id);
  if (existing != sessions.end() && existing->second->conn != 0 &&
      !fault("takeover-keeps-old-connection")) {
    if (auto old = connections.find(existing->second->conn); old != connections.end()) {
      if (old->second.st == connection::state::connected) {
        disconnect(old->second, reason_code::session_taken_over,
                   "another connection took the ClientID");
      }
      // The old connection ends here for the session, and its will follows the usual
      // rules. That includes one already closing whose close the network has not reported
      // yet: its client may reconnect first, and a session that ends with its connection
      // must be gone by then [MQTT-3.1.2-6].
      closed(old->first);
      existing = sessions.find(p.client_id);
    }
  }

  std::shared_ptr<session> s;
  bool session_present = false;
  if (existing != sessions.end()) {
    // [MQTT-3.1.2-8], [MQTT-3.1.3-9] a new connection for the ClientID before the Will
    // Delay Interval ends cancels that will, with or without Clean Start.
    existing->second->delayed_will.reset();
  }
  if (existing != sessions.end() && p.clean_start && !fault("clean-start-keeps-session")) {
    end_session(existing->second);  // [MQTT-3.1.2-4] Clean Start discards the old session
  } else if (existing != sessions.end()) {
    s = existing->second;
    session_present = true;  // [MQTT-3.2.2-3]
  }
  if (!s) {
    s = std::make_shared<session>();
    s->client_id = p.client_id;
    sessions.emplace(p.client_id, s);
  }

  std::uint32_t expiry = v5 ? p.props.session_expiry_interval.value_or(0)
                            : (p.clean_start ? 0 : 0xFFFFFFFF);
  const std::uint32_t requested_expiry = expiry;
  expiry = std::min(expiry, config.maximum_session_expiry);
  s->expiry_interval = expiry;
  s->expires_at.reset();
  s->conn = c.id;
  // 3.14.2.2.2 judges a DISCONNECT by the value the client sent, not the one granted.
  c.connect_session_expiry = requested_expiry;
  c.sess = s;
  c.keep_alive = config.server_keep_alive ? config.server_keep_alive : p.keep_alive;
  c.will = std::move(p.will);
  c.st = connection::state::connected;
  if (fault("topic-alias-kept-across-reconnect") && c.client_topic_alias_maximum > 0) {
    c.outbound_aliases = kept_aliases()[s->client_id];
  }
  if (auto due = connection_due(c)) connection_deadlines.push(*due, c.id);

  codec::connack_packet ack;
  ack.session_present = session_present && !fault("session-present-always-0");
  if (v5) {
    auto& props = ack.props;
    if (expiry != requested_expiry) props.session_expiry_interval = expiry;
    if (config.receive_maximum != 65535) props.receive_maximum = config.receive_maximum;
    if (config.maximum_qos != codec::qos::exactly_once) {
      props.maximum_qos = static_cast<std::uint8_t>(config.maximum_qos);
    }
    if (!config.retain_available) props.retain_available = 0;
    props.maximum_packet_size = config.maximum_packet_size;
    if (assigned && !fault("assigned-client-id-missing")) props.assigned_client_identifier = p.client_id;  // [MQTT-3.2.2-16]
    if (config.topic_alias_maximum) props.topic_alias_maximum = config.topic_alias_maximum;
    if (!config.wildcard_subscription_available) props.wildcard_subscription_available = 0;
    if (!config.subscription_identifiers_available) props.subscription_identifier_available = 0;
    if (!config.shared_subscription_available) props.shared_subscription_available = 0;
    if (config.server_keep_alive) props.server_keep_alive = config.server_keep_alive;
    if (!c.auth_method.empty()) {
      // [MQTT-4.12.0-5] a successful CONNACK repeats CONNECT's Authentication Method.
      props.authentication_method = c.auth_method;
      if (!auth_data.empty()) props.authentication_data = auth_data;
    }
  }
  send(c, ack);
  ++stats.clients_connected;

  std::ostringstream line;
  line << "event=connect conn=" << c.id << " client_id=\"" << s->client_id << "\" peer=" << c.peer
       << " version=" << codec::protocol_version_name(c.version)
       << " clean_start=" << (p.clean_start ? 1 : 0)
       << " session_present=" << (session_present ? 1 : 0)
       << " session_expiry=" << s->expiry_interval << " keep_alive=" << c.keep_alive
       << " username=\"" << p.username.value_or("") << "\"";
  if (!c.auth_method.empty()) {
    line << " auth_method=\"" << c.auth_method << "\" auth_identity=\"" << c.auth_identity
         << "\"";
  }
  log(line.str());

  if (session_present) resend(*s);
  pump(*s);
}

void broker_core_impl::receive(connection& c, codec::packet&& p, const acl_verdicts& acl) {
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

bool broker_core_impl::runs_in_parallel(const codec::packet& p) {
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

bool broker_core_impl::receive_in_parallel(connection& c, codec::packet&& p,
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

void broker_core_impl::reject(connection& c, const codec::decode_result& failure) {
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
    refuse_connect(c, failure.code, failure.why);  // no CONNACK was sent yet
    return;
  }
  disconnect(c, failure.code, failure.why);
}

void broker_core_impl::closed(connection_id id) {
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

void broker_core_impl::end_session(const std::shared_ptr<session>& s) {
  if (s->delayed_will) {
    codec::will_message w = std::move(*s->delayed_will);
    s->delayed_will.reset();
    publish_will(w, s->client_id);
  }
  remove_subscriptions(*s);
  auto it = sessions.find(s->client_id);
  if (it != sessions.end() && it->second == s) sessions.erase(it);
}

std::optional<millis> broker_core_impl::connection_due(const connection& c) const {
  // Due once the time is *over* (strictly more than the period has passed).
  constexpr millis past{1};
  if (c.st == connection::state::awaiting_connect ||
      c.st == connection::state::authenticating) {
    return c.opened_at + millis(config.connect_timeout_ms) + past;  // the exchange must end in that time too
  }
  if (c.st == connection::state::connected && c.keep_alive > 0 && !fault("keep-alive-ignored")) {
    return c.last_packet +
           millis(std::uint64_t{c.keep_alive} * (fault("keep-alive-2x") ? 2000 : 1500)) + past;
  }
  return std::nullopt;
}

void broker_core_impl::schedule_session(const std::shared_ptr<session>& s, millis when) {
  if (s->scheduled_at && *s->scheduled_at <= when) return;  // that entry reschedules
  s->scheduled_at = when;
  session_deadlines.push(when, s);
}

void broker_core_impl::tick() {
  // CONNECT timeout, and Keep Alive: 1.5 times the interval without a packet closes
  // [MQTT-3.1.2-22]. An entry whose connection saw a packet since goes back in the queue.
  connection_id id = 0;
  while (connection_deadlines.pop_due(now, id)) {
    auto it = connections.find(id);
    if (it == connections.end()) continue;
    connection& c = it->second;
    const auto due = connection_due(c);
    if (!due) continue;
    if (*due > now) {
      connection_deadlines.push(*due, id);
    } else if (c.st == connection::state::awaiting_connect) {
      c.publish_will_on_close = false;
      close(c, "no CONNECT within " + std::to_string(config.connect_timeout_ms) + " ms");
    } else if (c.st == connection::state::authenticating) {
      c.publish_will_on_close = false;
      close(c, "enhanced authentication not finished within " +
                   std::to_string(config.connect_timeout_ms) + " ms");
    } else {
      disconnect(c, reason_code::keep_alive_timeout, "Keep Alive timeout");
    }
  }
  // Delayed wills and expired sessions.
  std::weak_ptr<session> entry;
  while (session_deadlines.pop_due(now, entry)) {
    std::shared_ptr<session> s = entry.lock();
    if (!s) continue;
    auto it = sessions.find(s->client_id);
    if (it == sessions.end() || it->second != s) continue;  // ended since
    if (!s->scheduled_at || *s->scheduled_at > now) continue;  // an earlier, replaced entry
    s->scheduled_at.reset();
    if (s->delayed_will && s->will_at <= now) {
      codec::will_message w = std::move(*s->delayed_will);
      s->delayed_will.reset();
      publish_will(w, s->client_id);
    }
    if (s->conn == 0 && s->expires_at && *s->expires_at <= now) {
      end_session(s);
      continue;
    }
    // Still waiting for the other of the two.
    if (s->delayed_will) schedule_session(s, s->will_at);
    if (s->conn == 0 && s->expires_at) schedule_session(s, *s->expires_at);
  }
  retained.erase_expired(now);

  if (config.sys_interval_ms && now >= next_sys_at) {
    next_sys_at = now + millis(config.sys_interval_ms);
    auto publish_sys = [&](const std::string& topic, std::uint64_t value) {
      auto m = std::make_shared<message>();
      m->topic = "$SYS/broker/" + topic;
      std::string text = std::to_string(value);
      m->payload.assign(text.begin(), text.end());
      m->retain = true;
      retained.set(m);
      route(m);
    };
    publish_sys("clients/connected", stats.clients_connected);
    publish_sys("sessions", sessions.size());
    publish_sys("messages/received", stats.messages_received);
    publish_sys("messages/sent", stats.messages_sent);
    publish_sys("messages/dropped", stats.messages_dropped);
    publish_sys("bytes/received", stats.bytes_received);
    publish_sys("bytes/sent", stats.bytes_sent);
    publish_sys("retained/count", retained.size());
  }
}

void broker_core_impl::shutdown() {
  for (auto& [id, c] : connections) {
    if (c.st == connection::state::connected) {
      disconnect(c, reason_code::server_shutting_down, "server shutting down");
    } else {
      close(c, "server shutting down");
    }
  }
}

// ---------------------------------------------------------------- facade

broker_core::broker_core(broker_config config, std::shared_ptr<const auth_methods> methods)
    : impl_(std::make_unique<broker_core_impl>(config, std::move(methods))) {}
// Taking the gate once orders everything the last calls on other threads did before the
// state is torn down.
broker_core::~broker_core() { std::unique_lock last(impl_->gate); }

const broker_config& broker_core::config() const { return impl_->config; }

namespace {
// call_scope points this thread's calls at their action list and time, and holds the gate:
// exclusively unless the call is one of the PUBLISH flows.
struct call_scope {
  call_scope(broker_core_impl& impl, action_list& out, millis now) : exclusive(impl.gate) {
    broker_core_impl::out = &out;
    broker_core_impl::now = now;
  }
  ~call_scope() { broker_core_impl::out = nullptr; }
  std::unique_lock<publish_gate> exclusive;
};
struct parallel_call_scope {
  parallel_call_scope(broker_core_impl& impl, action_list& out, millis now) : shared(impl.gate) {
    broker_core_impl::out = &out;
    broker_core_impl::now = now;
  }
  ~parallel_call_scope() { broker_core_impl::out = nullptr; }
  std::shared_lock<publish_gate> shared;
};
}  // namespace

void broker_core::open(connection_id conn, std::string peer, millis now, action_list& out) {
  call_scope scope(*impl_, out, now);
  impl_->open(conn, std::move(peer));
}

void broker_core::receive_connect(connection_id conn, codec::connect_packet&& connect,
                                  const auth_verdict& verdict, millis now, action_list& out) {
  call_scope scope(*impl_, out, now);
  auto it = impl_->connections.find(conn);
  if (it == impl_->connections.end()) return;
  it->second.last_packet = now;
  impl_->receive_connect(it->second, std::move(connect), verdict);
}

void broker_core::receive(connection_id conn, codec::packet&& p, const acl_verdicts& acl,
                          millis now, action_list& out) {
  if (broker_core_impl::runs_in_parallel(p)) {
    parallel_call_scope scope(*impl_, out, now);
    auto it = impl_->connections.find(conn);
    if (it == impl_->connections.end()) return;
    if (impl_->receive_in_parallel(it->second, std::move(p), acl)) return;
  }
  call_scope scope(*impl_, out, now);
  auto it = impl_->connections.find(conn);
  if (it == impl_->connections.end()) return;
  if (auto* connect = std::get_if<codec::connect_packet>(&p);
      connect && it->second.st == connection::state::awaiting_connect) {
    // A first CONNECT without a verdict: nobody decided, so it is refused.
    impl_->receive_connect(it->second, std::move(*connect), auth_verdict{});
    return;
  }
  impl_->receive(it->second, std::move(p), acl);
}

void broker_core::count_bytes_received(std::size_t n) { impl_->stats.bytes_received += n; }

void broker_core::reject(connection_id conn, const codec::decode_result& failure, millis now,
                         action_list& out) {
  call_scope scope(*impl_, out, now);
  auto it = impl_->connections.find(conn);
  if (it != impl_->connections.end()) impl_->reject(it->second, failure);
}

void broker_core::closed(connection_id conn, millis now, action_list& out) {
  call_scope scope(*impl_, out, now);
  impl_->closed(conn);
}

void broker_core::tick(millis now, action_list& out) {
  call_scope scope(*impl_, out, now);
  impl_->tick();
}

void broker_core::shutdown(millis now, action_list& out) {
  call_scope scope(*impl_, out, now);
  impl_->shutdown();
}

codec::protocol_version broker_core::version(connection_id conn) const {
  std::shared_lock lock(impl_->gate);
  auto it = impl_->connections.find(conn);
  return it == impl_->connections.end() ? protocol_version::v5_0 : it->second.version;
}

std::string broker_core::client_id(connection_id conn) const {
  std::shared_lock lock(impl_->gate);
  auto it = impl_->connections.find(conn);
  if (it == impl_->connections.end() || !it->second.sess) return {};
  return it->second.sess->client_id;  // set at CONNECT, never changed
}

broker_stats broker_core::stats() const {
  std::shared_lock lock(impl_->gate);
  const core_counters& c = impl_->stats;
  broker_stats s;
  s.clients_connected = c.clients_connected;
  s.sessions = impl_->sessions.size();
  s.messages_received = c.messages_received;
  s.messages_sent = c.messages_sent;
  s.bytes_received = c.bytes_received;
  s.bytes_sent = c.bytes_sent;
  s.retained_messages = impl_->retained.size();
  s.messages_dropped = c.messages_dropped;
  return s;
}

}  // namespace mqtt::broker
