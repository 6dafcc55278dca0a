// broker_state.hpp: the broker-wide state behind broker_core: connections as the core
// sees them, sessions, subscriptions, retained messages, deadlines, statistics.
// Core-internal; the flows that change it are core_call's (core_call.hpp).
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
  // The will and a CONNECT waiting for enhanced authentication are held by pointer: as
  // optionals they made every connection ~1.7 KB larger, will or not.
  std::unique_ptr<codec::will_message> will;
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
  std::unique_ptr<codec::connect_packet> pending_connect;
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
struct broker_state {
  broker_state(broker_config cfg, std::shared_ptr<const auth_methods> methods);

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
};

}  // namespace mqtt::broker
