// connect_flow.cpp: CONNECT (3.1): the checks before a session, ClientID assignment,
// takeover of a connection using the same ClientID, session start or resume, CONNACK (3.2).
#include <algorithm>
#include <sstream>

#include "codec/topic.hpp"
#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/detail/core_call.hpp"
#include "reference-broker/core/detail/flow_text.hpp"

namespace mqtt::broker {

using codec::protocol_version;
using codec::reason_code;

bool core_call::refused_will(connection& c, const codec::will_message& will) {
  if (codec::validate_topic_name(will.topic) != codec::topic_status::ok) {
    if (!codec::is_v5(c.version)) {
      // 3.1.1 has no return code for it [MQTT-3.2.2-6]: close without CONNACK.
      c.publish_will_on_close = false;
      close(c, "invalid will topic");
      return true;
    }
    refuse_connect(c, reason_code::topic_name_invalid, "Will Topic is not a valid Topic Name");
    return true;
  }
  if (will.qos_level > config.maximum_qos) {
    // [MQTT-3.2.2-12]
    refuse_connect(c, reason_code::qos_not_supported, "Will QoS is above Maximum QoS");
    return true;
  }
  if (will.retain && !config.retain_available) {
    // [MQTT-3.2.2-13]
    refuse_connect(c, reason_code::retain_not_supported, "Will Retain is not supported");
    return true;
  }
  if (too_many_properties(will.props)) {
    refuse_connect(c, reason_code::quota_exceeded, "Will Properties: more than --max-properties");
    return true;
  }
  return false;
}

std::optional<bool> core_call::settle_client_id(connection& c, codec::connect_packet& p) {
  const bool v5 = codec::is_v5(p.version);
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
      return std::nullopt;
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
    return std::nullopt;
  } else if (config.max_client_id_length && p.client_id.size() > config.max_client_id_length) {
    refuse_connect(c, id_refused,
                   "ClientIDs are at most " + std::to_string(config.max_client_id_length) +
                       " bytes here");
    return std::nullopt;
  }

  return assigned;
}

string_map<std::shared_ptr<session>>::iterator core_call::take_over(const std::string& client_id) {
  // [MQTT-3.1.4-3] a connection already using this ClientID is taken over.
  auto existing = sessions.find(client_id);
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
      existing = sessions.find(client_id);
    }
  }
  return existing;
}

// connack_for is the CONNACK 0x00 for `c`: Session Present and, for 5.0, what the
// server announces (only what differs from the defaults), the Session Expiry Interval it
// granted when not the one asked for, an assigned ClientID, and the enhanced
// authentication method with its last data.
codec::connack_packet core_call::connack_for(const connection& c, bool session_present,
                                             std::uint32_t expiry, std::uint32_t requested_expiry,
                                             const std::string* assigned_id,
                                             const codec::byte_buffer& auth_data) const {
  codec::connack_packet ack;
  ack.session_present = session_present && !fault("session-present-always-0");
  if (codec::is_v5(c.version)) {
    auto& props = ack.props;
    if (expiry != requested_expiry) props.session_expiry_interval = expiry;
    if (config.receive_maximum != 65535) props.receive_maximum = config.receive_maximum;
    if (config.maximum_qos != codec::qos::exactly_once) {
      props.maximum_qos = static_cast<std::uint8_t>(config.maximum_qos);
    }
    if (!config.retain_available) props.retain_available = 0;
    props.maximum_packet_size = config.maximum_packet_size;
    if (assigned_id && !fault("assigned-client-id-missing")) {
      props.assigned_client_identifier = *assigned_id;  // [MQTT-3.2.2-16]
    }
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
  return ack;
}

void core_call::receive_connect(connection& c, codec::connect_packet&& p,
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
  if (p.will && refused_will(c, *p.will)) return;

  const std::optional<bool> assigned = settle_client_id(c, p);
  if (!assigned) return;  // refused

  if (!verdict.allowed && !fault("denied-client-let-in")) {
    // [MQTT-3.1.4-2] authentication failed: CONNACK with the reason, then close.
    refuse_connect(c, verdict.reason, "not authorized");
    return;
  }

  if (exchange) {
    // 4.12: the exchange decides; CONNACK waits until it succeeds.
    c.auth_method = *p.props.authentication_method;
    c.auth = std::move(exchange);
    c.assigned_client_id = *assigned;
    const codec::byte_buffer data = p.props.authentication_data.value_or(codec::byte_buffer{});
    c.pending_connect = std::make_unique<codec::connect_packet>(std::move(p));
    c.st = connection::state::authenticating;
    take_auth_step(c, c.auth->step(data));
    return;
  }
  accept_connect(c, std::move(p), *assigned, {});
}

void core_call::accept_connect(connection& c, codec::connect_packet&& p, bool assigned,
                                      const codec::byte_buffer& auth_data) {
  const bool v5 = codec::is_v5(p.version);

  auto existing = take_over(p.client_id);
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
  c.will = p.will ? std::make_unique<codec::will_message>(std::move(*p.will)) : nullptr;
  c.st = connection::state::connected;
  if (fault("topic-alias-kept-across-reconnect") && c.client_topic_alias_maximum > 0) {
    c.outbound_aliases = kept_aliases()[s->client_id];
  }
  if (auto due = connection_due(c)) connection_deadlines.push(*due, c.id);

  send(c, connack_for(c, session_present, expiry, requested_expiry,
                     assigned ? &p.client_id : nullptr, auth_data));
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

}  // namespace mqtt::broker
