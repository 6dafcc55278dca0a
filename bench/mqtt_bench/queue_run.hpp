// queue_run.hpp: the queue mode: what a broker keeps, and at what cost, of messages
// published while their subscribers' sessions are offline.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bench/mqtt_bench/run_result.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::bench {

struct queue_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  unsigned sessions = 100;             // offline subscribers, all on one topic
  std::uint64_t messages = 1000;       // published once each; every session is owed all
  codec::qos qos_level = codec::qos::at_least_once;  // 1 or 2: QoS 0 need not be queued
  std::size_t payload_size = 64;       // at least 20: index, sequence number, timestamp
  std::string topic = "bench/q";
  unsigned inflight = 16;              // publisher's unacknowledged PUBLISHes (also capped
                                       // by the broker's Receive Maximum)
  unsigned concurrency = 100;          // session handshakes in progress at once
  double hold_s = 2;                   // everything queued: wait this long (read RSS now)
  bool reconnect = true;               // then reconnect every session and drain it
  double quiet_s = 1;                  // drained once nothing arrived for this long
  double drain_s = 60;                 // or after this long in all
  double setup_timeout_s = 30;         // per pass of connections, and per publish stall
  std::uint32_t session_expiry_s = 3600;  // 5.0 Session Expiry Interval of the sessions
  std::string client_prefix = "mqtt-bench";
};

struct queue_result {
  std::uint64_t offered = 0;           // sessions x messages
  std::uint64_t subscribed = 0;        // sessions set up (SUBACK accepted)
  std::uint64_t published = 0;         // PUBLISHes written
  std::uint64_t acked = 0;             // PUBACK / PUBCOMP received
  double publish_s = 0;                // first PUBLISH to last acknowledgement
  double publish_rate = 0;             // published / publish_s
  bool reconnected = false;            // the reconnect phase ran
  std::uint64_t sessions_present = 0;  // reconnects answered with Session Present 1
  std::uint64_t received = 0;          // deliveries after reconnecting, repeats included
  std::uint64_t delivered = 0;         // distinct messages, summed over the sessions
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;      // a session's sequence going backwards
  std::uint64_t per_session_min = 0;   // distinct messages of the session that got fewest
  std::uint64_t per_session_max = 0;
  double drain_s = 0;                  // reconnect start to the last delivery
  double drain_rate = 0;               // delivered / drain_s
  error_counts errors;
};

// queue_ready is called once every message is published and acknowledged, before the
// hold, with the result so far (publish figures filled in). It runs on the caller's
// thread inside run_queue.
using queue_ready = std::function<void(const queue_result&)>;

// run_queue wipes any earlier sessions of the same Client Identifiers, subscribes
// `sessions` persistent sessions to `topic` and disconnects them, publishes `messages`
// at the QoS, calls on_ready, holds, and unless reconnect is off reconnects every
// session (Clean Start 0), acknowledges what the broker delivers until quiet, and
// wipes the sessions again. With reconnect off the sessions stay on the broker, queued.
// Blocks for the whole run. Throws std::invalid_argument for settings that cannot run
// and std::runtime_error when the sessions or the publisher cannot be set up.
queue_result run_queue(const queue_settings& s, const queue_ready& on_ready = {});

}  // namespace mqtt::bench
