// broker_config.hpp: what the broker core announces in CONNACK and the bounds it keeps.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/wire_types.hpp"

namespace mqtt::broker {

struct broker_config {
  // Receive Maximum announced to 5.0 clients: QoS 2 PUBLISHes a client may have
  // unacknowledged towards the server (QoS 1 is acknowledged at once).
  std::uint16_t receive_maximum = 1024;
  // Largest packet the server accepts (Maximum Packet Size in CONNACK).
  std::uint32_t maximum_packet_size = 1024 * 1024;
  // Topic Alias Maximum announced in CONNACK; 0 turns inbound aliases off.
  std::uint16_t topic_alias_maximum = 64;
  codec::qos maximum_qos = codec::qos::exactly_once;
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool subscription_identifiers_available = true;
  bool shared_subscription_available = true;
  // 0: use the client's Keep Alive; otherwise sent as Server Keep Alive and used instead.
  std::uint16_t server_keep_alive = 0;
  // Caps the Session Expiry Interval a client asks for (seconds).
  std::uint32_t maximum_session_expiry = 0xFFFFFFFF;
  // Whether an empty ClientID gets an assigned one (else CONNACK 0x85 / 0x02).
  bool allow_empty_client_id = true;
  // Longest ClientID accepted, in bytes; 0: any (3.1.1 lets a server refuse ClientIDs
  // longer than 23 bytes, MQTT-3.1.3-5). Longer ones get CONNACK 0x85 / 0x02.
  std::uint16_t max_client_id_length = 0;
  // A message matching several subscriptions of one session goes out once, at the highest
  // of their QoS with all their Subscription Identifiers, or (true) once per matching
  // subscription with its own options: 3.3.4 lets the server choose [MQTT-3.3.4-2..5].
  bool copy_per_subscription = false;
  // Outbound bounds per session: QoS 1/2 messages waiting behind the in-flight window,
  // and how many may be in flight at once (the client's Receive Maximum lowers it).
  std::size_t max_queued_messages = 10'000;
  std::uint16_t max_inflight_messages = 1024;
  // Properties a PUBLISH or a Will may carry, User Properties included; 0: any. The spec
  // bounds none ("The User Property is allowed to appear multiple times", 3.3.2.3.7), so more
  // is no Protocol Error: the message is refused with 0x97 Quota exceeded ("An implementation
  // or administrative imposed limit has been exceeded", 2.4) in PUBACK / PUBREC, dropped at
  // QoS 0 like any refused PUBLISH, and a Will gets CONNACK 0x97. A stored property costs
  // ten times its five bytes on the wire, and a message may wait in 10,000 queues.
  std::uint32_t max_properties = 1000;
  // Topic Filters per SUBSCRIBE; 0: any. The ones past it get SUBACK 0x97 Quota exceeded
  // (0x80 Failure in 3.1.1) and are not subscribed; the SUBACK still has one code per
  // filter, in order [MQTT-3.8.4-6, MQTT-3.9.3-1].
  std::uint32_t max_subscribe_filters = 1000;
  // Retained messages kept at most (new topics beyond it are refused with a log line).
  std::size_t max_retained_messages = 100'000;
  // A connection that has not completed CONNECT (and any enhanced authentication) within
  // this time is closed without a CONNACK (3.1.4 lets the server close it; keeps
  // half-open and silent sockets from holding resources).
  std::uint32_t connect_timeout_ms = 10'000;
  // $SYS/broker/... statistics every this many milliseconds; 0 turns them off.
  std::uint32_t sys_interval_ms = 10'000;
};

}  // namespace mqtt::broker
