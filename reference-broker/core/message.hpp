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
