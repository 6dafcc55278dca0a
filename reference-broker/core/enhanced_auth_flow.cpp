// enhanced_auth_flow.cpp: MQTT 5 enhanced authentication (4.12) and re-authentication
// (4.12.1): the AUTH packets both ways around a mechanism's auth_exchange.
#include <variant>

#include "reference-broker/core/detail/core_call.hpp"
#include "reference-broker/core/detail/flow_text.hpp"

namespace mqtt::broker {

using codec::reason_code;

void core_call::auth_protocol_error(connection& c, std::string why) {
  if (c.st == connection::state::authenticating) {
    refuse_connect(c, reason_code::protocol_error, std::move(why));
  } else {
    disconnect(c, reason_code::protocol_error, std::move(why));
  }
}

void core_call::receive_auth(connection& c, const codec::auth_packet& a) {
  if (c.auth_method.empty()) {
    // [MQTT-4.12.0-7] binds the client; 3.15: AUTH without the CONNECT having named a
    // method is a Protocol Error.
    auth_protocol_error(c, "AUTH without an Authentication Method in CONNECT [MQTT-4.12.0-7]");
    return;
  }
  if (a.props.authentication_method != c.auth_method) {
    // 3.15: AUTH must carry the method CONNECT named; for AUTH 0x19 [MQTT-4.12.1-1].
    auth_protocol_error(c, "AUTH: Authentication Method is not CONNECT's ('" + c.auth_method +
                               "') [MQTT-4.12.1-1]");
    return;
  }
  const codec::byte_buffer data = a.props.authentication_data.value_or(codec::byte_buffer{});
  switch (a.reason) {
    case reason_code::continue_authentication:
      // [MQTT-4.12.0-3] the client answers a server AUTH with 0x18.
      if (!c.auth) {
        auth_protocol_error(c, "AUTH 0x18 with no authentication in progress");
        return;
      }
      take_auth_step(c, c.auth->step(data));
      return;
    case reason_code::re_authenticate:
      // 4.12.1: only after CONNACK, and not while another exchange runs.
      if (c.st != connection::state::connected || c.auth) {
        auth_protocol_error(c, "AUTH 0x19 while an authentication is in progress");
        return;
      }
      c.auth = methods ? methods->start(c.auth_method) : nullptr;
      if (!c.auth) {
        disconnect(c, reason_code::bad_authentication_method,
                   "authentication method '" + c.auth_method + "' is no longer offered");
        return;
      }
      take_auth_step(c, c.auth->step(data));
      return;
    default:
      // [MQTT-3.15.2-1] a client sends 0x18 or 0x19 (0x00 is the server's).
      auth_protocol_error(c, "AUTH: reason code " + hex_reason(a.reason) +
                                 " is not one a client sends [MQTT-3.15.2-1]");
      return;
  }
}

bool core_call::send_auth(connection& c, reason_code reason, const codec::byte_buffer& data,
                                 std::string reason_string) {
  codec::auth_packet a;
  a.reason = reason;  // [MQTT-3.15.2-1], [MQTT-4.12.0-2]
  a.props.authentication_method = c.auth_method;  // [MQTT-4.12.0-5]
  if (!data.empty()) a.props.authentication_data = data;
  // [MQTT-3.1.2-29] no Reason String on AUTH when the client asked for none.
  if (c.request_problem_information) a.props.reason_string = broker::reason_string(std::move(reason_string));
  codec::auth_packet bare = a;
  bare.props.reason_string.reset();
  bare.props.user_properties.clear();
  if (codec::encode_packet(bare, c.version).size() > c.client_maximum_packet_size) {
    return false;  // [MQTT-3.1.2-24] cannot be sent at all
  }
  send(c, a);  // leaves out Reason String past the limit [MQTT-3.15.2-2, 3.15.2-3]
  return true;
}

void core_call::take_auth_step(connection& c, auth_step step) {
  const bool connecting = c.st == connection::state::authenticating;
  std::string log_line = "event=auth conn=" + std::to_string(c.id) + " method=\"" +
                         c.auth_method + "\" phase=" + (connecting ? "connect" : "reauth");
  auto refuse = [&](reason_code reason, const std::string& why) {
    c.auth.reset();
    log(log_line + " result=refused reason=" + hex_reason(reason) + " why=\"" + why + "\"");
    if (connecting) {
      // [MQTT-4.12.0-4] CONNACK 0x80 or above, then close.
      refuse_connect(c, reason, "enhanced authentication failed");
    } else {
      // [MQTT-4.12.1-2] failed re-authentication: DISCONNECT, then close.
      disconnect(c, reason, "re-authentication failed");
    }
  };
  switch (step.what) {
    case auth_step::kind::challenge:
      // [MQTT-4.12.0-2] asking for more: AUTH 0x18.
      if (!send_auth(c, reason_code::continue_authentication, step.data,
                     "continue authentication")) {
        refuse(reason_code::implementation_specific_error,
               "AUTH would exceed the client's Maximum Packet Size");
      }
      return;
    case auth_step::kind::failure:
      refuse(step.reason, step.why);
      return;
    case auth_step::kind::success:
      break;
  }
  c.auth.reset();
  if (connecting) {
    codec::connect_packet p = std::move(*c.pending_connect);
    c.pending_connect.reset();
    if (p.username && *p.username != step.identity) {
      // We go further than the spec: the User Name the ACL checks see must be the one
      // the exchange proved.
      refuse(reason_code::not_authorized, "CONNECT User Name is not the authenticated identity");
      return;
    }
    c.auth_identity = step.identity;
    log(log_line + " result=accepted identity=\"" + step.identity + "\"");
    accept_connect(c, std::move(p), c.assigned_client_id, step.data);
    return;
  }
  if (step.identity != c.auth_identity) {
    // 4.12.1 non-normative: the server may refuse a re-authentication that changes who
    // the client is; ACL checks keep the identity of the CONNECT.
    refuse(reason_code::not_authorized, "re-authentication as another identity");
    return;
  }
  log(log_line + " result=accepted identity=\"" + step.identity + "\"");
  // 4.12.1: AUTH 0x00 completes a re-authentication.
  if (!send_auth(c, reason_code::success, step.data, "re-authenticated")) {
    disconnect(c, reason_code::implementation_specific_error,
               "AUTH would exceed the client's Maximum Packet Size");
  }
}

}  // namespace mqtt::broker
