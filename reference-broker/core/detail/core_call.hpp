// core_call.hpp: one call into the broker core: the broker-wide state, the call's action
// list and its time, passed explicitly (no thread-locals), and the flows as member
// functions, each in the file of its concern:
//   connect_flow.cpp       CONNECT, takeover, session start or resume, CONNACK
//   connection_flow.cpp    open, packet dispatch, reject, close, the output helpers
//   enhanced_auth_flow.cpp AUTH (4.12)
//   publish_flow.cpp       PUBLISH in, routing, delivery out, acknowledgements, wills
//   subscribe_flow.cpp     SUBSCRIBE, UNSUBSCRIBE
//   deadlines.cpp          CONNECT timeout, Keep Alive, delayed wills, session expiry
//   sys_stats.cpp          $SYS/broker/... statistics
// Core-internal.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "reference-broker/core/detail/broker_state.hpp"

namespace mqtt::broker {

// One core_call lives for one broker_core call, on the caller's thread, under the gate
// (shared for the PUBLISH flows, exclusive otherwise: see broker_state.hpp).
class core_call {
 public:
  core_call(broker_state& state, action_list& out, millis now);

  // The state, under the names the flows use, and this call's action list and time.
  broker_config& config;
  const std::shared_ptr<const auth_methods>& methods;
  string_map<std::shared_ptr<session>>& sessions;
  std::unordered_map<connection_id, connection>& connections;
  subscription_tree& subscriptions;
  retained_store& retained;
  core_counters& stats;
  std::uint64_t& assigned_id_counter;
  millis& next_sys_at;
  deadline_queue<connection_id>& connection_deadlines;
  deadline_queue<std::weak_ptr<session>>& session_deadlines;
  action_list* const out;
  const millis now;

  // ---- CONNECT (connect_flow.cpp)
  void open(connection_id id, std::string peer);
  void receive_connect(connection& c, codec::connect_packet&& p, const auth_verdict& verdict);
  // refused_will refuses a CONNECT whose Will the server cannot take (invalid topic,
  // QoS or Retain it does not support); true when it did.
  bool refused_will(connection& c, const codec::will_message& will);
  // settle_client_id checks CONNECT's ClientID and assigns one to an empty one; returns
  // whether it assigned, or nullopt when it refused the CONNECT.
  std::optional<bool> settle_client_id(connection& c, codec::connect_packet& p);
  // take_over ends the connection that uses `client_id` [MQTT-3.1.4-3] and returns the
  // session entry as it then stands (end() when there is none).
  string_map<std::shared_ptr<session>>::iterator take_over(const std::string& client_id);
  codec::connack_packet connack_for(const connection& c, bool session_present,
                                    std::uint32_t expiry, std::uint32_t requested_expiry,
                                    const std::string* assigned_id,
                                    const codec::byte_buffer& auth_data) const;
  // accept_connect starts or resumes the session and sends CONNACK 0x00 (with the
  // method and `auth_data` when CONNECT named a method).
  void accept_connect(connection& c, codec::connect_packet&& p, bool assigned,
                      const codec::byte_buffer& auth_data);

  // ---- enhanced authentication (enhanced_auth_flow.cpp)
  // receive_auth handles a client AUTH while authenticating or connected.
  void receive_auth(connection& c, const codec::auth_packet& a);
  // take_auth_step acts on what the exchange answered: AUTH 0x18, CONNACK / AUTH 0x00, or
  // the refusal (CONNACK before CONNACK was sent, DISCONNECT after).
  void take_auth_step(connection& c, auth_step step);
  // auth_protocol_error refuses the CONNECT (authenticating) or disconnects (connected)
  // with Protocol Error.
  void auth_protocol_error(connection& c, std::string why);
  // send_auth sends AUTH `reason` with the method and `data`; false when it cannot fit in
  // the client's Maximum Packet Size even without Reason String and User Properties.
  bool send_auth(connection& c, codec::reason_code reason, const codec::byte_buffer& data,
                 std::string reason_string);
  void receive(connection& c, codec::packet&& p, const acl_verdicts& acl);
  // runs_in_parallel says whether `p` is handled by receive_in_parallel.
  static bool runs_in_parallel(const codec::packet& p);
  // receive_in_parallel handles PUBLISH, its acknowledgements and PINGREQ on a connected
  // connection under the shared side of the gate. Returns false when the connection has
  // no session yet, so the caller must use receive() alone.
  bool receive_in_parallel(connection& c, codec::packet&& p, const acl_verdicts& acl);
  void reject(connection& c, const codec::decode_result& failure);
  void closed(connection_id id);
  void tick();
  // publish_sys_stats publishes $SYS/broker/... when sys_interval_ms has passed.
  void publish_sys_stats();
  void shutdown();

  // ---- output helpers
  void send(connection& c, const codec::packet& p);
  void send_bytes(connection& c, shared_bytes bytes, shared_bytes tail = nullptr);
  void close(connection& c, std::string reason);
  void log(std::string text);
  // disconnect sends DISCONNECT with `reason` (5.0 after CONNACK) and closes; 3.1.1
  // connections are just closed [MQTT-4.13.1-1].
  void disconnect(connection& c, codec::reason_code reason, std::string why);
  void refuse_connect(connection& c, codec::reason_code reason, std::string why);

  // ---- publish flow (publish_flow.cpp)
  // receive_publish is called with `own` (c's session lock) held; it lets go of it while it
  // routes, since deliveries lock other sessions and no thread may hold two.
  void receive_publish(connection& c, codec::publish_packet&& p, bool allowed,
                       std::unique_lock<std::mutex>& own);
  // refused_publish answers a PUBLISH the server does not take (Subscription Identifier
  // from a client, QoS or Retain not supported, Receive Maximum exceeded, a repeated QoS 2
  // id) and says whether it did; the caller holds c's session lock.
  bool refused_publish(connection& c, codec::publish_packet& p);
  // too_many_properties says whether `p` holds more properties than max_properties allows.
  bool too_many_properties(const codec::properties& p) const;
  void receive_puback(connection& c, const codec::puback_packet& p);
  void receive_pubrec(connection& c, const codec::pubrec_packet& p);
  void receive_pubrel(connection& c, const codec::pubrel_packet& p);
  void receive_pubcomp(connection& c, const codec::pubcomp_packet& p);
  // route hands `m` to every matching subscription; returns how many sessions got it.
  std::size_t route(const message_ptr& m);
  // pick_shared_member is the one member of a shared group that gets `m` (4.8.2), with
  // its delivery, or nullopt when no member may read the topic.
  std::optional<std::pair<std::string, delivery>> pick_shared_member(
      subscription_tree::shared_group& g, const message_ptr& m);
  // deliver locks `s`; the caller must hold no session lock.
  void deliver(session& s, delivery d);
  // encoded is one PUBLISH for one connection, as send_bytes takes it; a null `bytes`
  // means it is too large for the client's Maximum Packet Size.
  struct encoded {
    shared_bytes bytes;
    shared_bytes tail;
  };
  // encode_new encodes a first delivery (not a resend) of `d` to `c`, sharing the bytes
  // with the other copies of the same route() call where they are byte-identical.
  encoded encode_new(connection& c, const delivery& d, std::uint16_t packet_id);
  // fanout_cache holds the encodings of the message route() is delivering, shared by
  // its copies, by protocol level (3, 4, 5), QoS and RETAIN flag; it lives only for that
  // call. QoS 0 copies share the whole packet; QoS 1/2 copies share the tail after the
  // Packet Identifier and each get a copy of `head` with their own id.
  struct fanout_cache {
    const message* routing = nullptr;  // pump() may also send older queued messages
    encoded by_kind[3][3][2];
  };
  fanout_cache* fanout_ = nullptr;  // set while route() delivers one message
  // pump sends queued messages while the session's in-flight window has room.
  void pump(session& s);
  // resend repeats unacknowledged PUBLISH and PUBREL after a session resumes [MQTT-4.4.0-1].
  void resend(session& s);
  void resend_flight(session& s, connection& c, std::uint16_t id);
  // erase_flight forgets a completed (or dropped) outbound QoS 1/2 message.
  void erase_flight(session& s, std::map<std::uint16_t, outbound_flight>::iterator it);
  // publish_will publishes `client_id`'s will as a message of that client, so that its
  // own No Local subscriptions skip it like any other message it publishes (3.8.3.1).
  void publish_will(const codec::will_message& w, const std::string& client_id);

  // ---- subscribe flow (subscribe_flow.cpp)
  void receive_subscribe(connection& c, codec::subscribe_packet&& p, const acl_verdicts& acl);
  void receive_unsubscribe(connection& c, const codec::unsubscribe_packet& p);
  void remove_subscriptions(session& s);

  // ---- sessions
  connection* online(session& s);
  void end_session(const std::shared_ptr<session>& s);
  // connection_due is when tick() must act on `c` (CONNECT timeout, Keep Alive), if ever.
  std::optional<millis> connection_due(const connection& c) const;
  // schedule_session has tick() look at `s` at `when`, unless it will earlier anyway.
  void schedule_session(const std::shared_ptr<session>& s, millis when);
  std::uint16_t allocate_packet_id(session& s);
};

}  // namespace mqtt::broker
