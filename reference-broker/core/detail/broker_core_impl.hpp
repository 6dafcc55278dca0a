// broker_core_impl.hpp: the state behind broker_core, shared by the files that
// implement its flows. Core-internal.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/detail/deadline_queue.hpp"
#include "reference-broker/core/detail/publish_gate.hpp"
#include "reference-broker/core/retained_store.hpp"
#include "reference-broker/core/session.hpp"
#include "reference-broker/core/string_hash.hpp"
#include "reference-broker/core/subscription_tree.hpp"

namespace mqtt::broker {

// connection is one network connection as the core sees it.
struct connection {
  // authenticating: CONNECT named an Authentication Method and its exchange runs; only
  // AUTH and DISCONNECT may come until CONNACK [MQTT-3.1.2-30].
  enum class state : std::uint8_t { awaiting_connect, authenticating, connected, closing };
  connection_id id = 0;
  std::string peer;
  state st = state::awaiting_connect;
  codec::protocol_version version = codec::protocol_version::v5_0;
  std::shared_ptr<session> sess;
  std::uint16_t keep_alive = 0;  // seconds, as in force (Server Keep Alive wins)
  millis opened_at{0};
  millis last_packet{0};
  // Limits the client announced in CONNECT (5.0).
  std::uint16_t client_receive_maximum = 65535;
  std::uint32_t client_maximum_packet_size = codec::max_packet_size_limit;
  std::uint16_t client_topic_alias_maximum = 0;
  bool request_problem_information = true;
  // Topic Aliases to the client; they live and die with the connection [MQTT-3.3.2-7].
  // (The client's own are resolved by client_connection.)
  std::unordered_map<std::string, std::uint16_t> outbound_aliases;
  std::optional<codec::will_message> will;
  // Session Expiry Interval as sent in CONNECT (before any cap): DISCONNECT may not raise
  // it from 0 (3.14.2.2.2).
  std::uint32_t connect_session_expiry = 0;
  bool publish_will_on_close = true;  // false after DISCONNECT 0x00
  std::string close_reason;           // for the disconnect log line
  std::uint64_t next_seq = 0;         // action::seq of the next send or close
  // Enhanced authentication (4.12): the method CONNECT named ("" when none), the exchange
  // running (CONNECT's, or a re-authentication's), and the identity it proved. While
  // authenticating, the CONNECT waits in pending_connect (with `assigned_client_id` saying
  // whether its ClientID was assigned).
  std::string auth_method;
  std::unique_ptr<auth_exchange> auth;
  std::string auth_identity;
  std::optional<codec::connect_packet> pending_connect;
  bool assigned_client_id = false;
};

// core_counters are broker_stats as parallel PUBLISH flows count them.
struct core_counters {
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> messages_dropped{0};
};

// Locking (see broker_core.hpp for what runs in parallel): `gate` is held shared by the
// PUBLISH flows and exclusively by everything else. Under the shared side, the maps, the
// subscription tree and config are only read; a session and the connection it is on are
// touched only with that session's mutex held; retained and stats guard themselves.
class broker_core_impl {
 public:
  broker_core_impl(broker_config cfg, std::shared_ptr<const auth_methods> methods);

  broker_config config;
  std::shared_ptr<const auth_methods> methods;  // may be null: none offered
  publish_gate gate;
  std::unordered_map<connection_id, connection> connections;
  string_map<std::shared_ptr<session>> sessions;
  subscription_tree subscriptions;
  retained_store retained;
  core_counters stats;
  std::uint64_t assigned_id_counter = 0;
  millis next_sys_at{0};
  // What tick() checks (only calls that run alone touch these): connections for the
  // CONNECT timeout and Keep Alive, sessions for a delayed will and expiry.
  deadline_queue<connection_id> connection_deadlines;
  deadline_queue<std::weak_ptr<session>> session_deadlines;
  // The current call's action list and time: per thread, since calls run in parallel.
  static inline thread_local action_list* out = nullptr;
  static inline thread_local millis now{0};

  // ---- lifecycle (broker_core.cpp)
  void open(connection_id id, std::string peer);
  void receive_connect(connection& c, codec::connect_packet&& p, const auth_verdict& verdict);
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
  void receive_puback(connection& c, const codec::puback_packet& p);
  void receive_pubrec(connection& c, const codec::pubrec_packet& p);
  void receive_pubrel(connection& c, const codec::pubrel_packet& p);
  void receive_pubcomp(connection& c, const codec::pubcomp_packet& p);
  // route hands `m` to every matching subscription; returns how many sessions got it.
  std::size_t route(const message_ptr& m);
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
  static inline thread_local fanout_cache* fanout_ = nullptr;
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
