// message.hpp: an Application Message as the broker keeps it, shared by every queue and
// store that holds it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codec/packets.hpp"

namespace mqtt::broker {

struct message {
  std::string topic;
  codec::byte_buffer payload;
  codec::qos qos_level = codec::qos::at_most_once;
  bool retain = false;
  // How the publisher sent it. Never forwarded: a delivery has its own DUP flag and
  // Packet Identifier [MQTT-3.3.1-3, MQTT-2.2.1-4]; only seeded faults read this.
  struct {
    bool dup = false;
    std::uint16_t packet_id = 0;
  } received_as;
  // Forwarded properties: Payload Format Indicator, Message Expiry Interval (as received),
  // Content Type, Response Topic, Correlation Data, User Properties. Never Topic Alias or
  // Subscription Identifiers: those belong to one connection.
  codec::properties props;
  // When the Message Expiry Interval runs out, on the core's clock.
  std::optional<std::chrono::milliseconds> expires_at;
  // The ClientID that published it, or whose will it is (for No Local); empty for $SYS.
  std::string origin_client;
};

using message_ptr = std::shared_ptr<const message>;

}  // namespace mqtt::broker
