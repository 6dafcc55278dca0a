// session.hpp: the Session State the server keeps per ClientID (4.1), which outlives a
// network connection for as long as its Session Expiry Interval says.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/packets.hpp"
#include "reference-broker/core/message.hpp"
#include "reference-broker/core/subscription_tree.hpp"

namespace mqtt::broker {

using connection_id = std::uint64_t;

// delivery is one message on its way to one session, with what this subscriber gets.
struct delivery {
  message_ptr msg;
  codec::qos qos_level = codec::qos::at_most_once;
  bool retain = false;
  std::vector<std::uint32_t> subscription_ids;
};

// outbound_flight is a QoS 1/2 PUBLISH sent and not yet completed.
struct outbound_flight {
  delivery d;
  std::uint64_t sequence = 0;   // send order, for resending in order [MQTT-4.6.0-1]
  bool released = false;        // QoS 2: PUBREC received, PUBREL sent
  // Kept from an earlier connection and not yet resent on this one, because the new
  // connection's Receive Maximum had no room for it.
  bool awaiting_resend = false;
};

struct session {
  // Guards the session and the connection it is on while PUBLISH flows run in parallel
  // (see broker_core.hpp); calls that run alone do not need it. Never hold two.
  std::mutex mu;
  std::string client_id;
  // Filter as subscribed (with $share/ prefix) -> options, for UNSUBSCRIBE and cleanup.
  std::map<std::string, subscription_entry, std::less<>> subscriptions;
  std::deque<delivery> queue;                      // waiting for the in-flight window
  std::map<std::uint16_t, outbound_flight> inflight;
  std::size_t awaiting_resend = 0;                 // flights with awaiting_resend set
  std::set<std::uint16_t> inbound_qos2;            // PUBREC sent, PUBREL awaited
  std::uint16_t next_packet_id = 1;
  std::uint64_t next_sequence = 1;
  std::uint32_t expiry_interval = 0;               // seconds; 0xFFFFFFFF never expires
  std::optional<std::chrono::milliseconds> expires_at;  // set while offline
  connection_id conn = 0;                          // 0 while offline
  // A will whose Will Delay Interval is running (3.1.3.2.2); by pointer, as in connection.
  std::unique_ptr<codec::will_message> delayed_will;
  std::chrono::milliseconds will_at{0};
  // When tick() will next look at this session (its entry in session_deadlines).
  std::optional<std::chrono::milliseconds> scheduled_at;
};

}  // namespace mqtt::broker
