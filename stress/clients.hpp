// clients.hpp: the clients scenarios are made of — a connected raw_client (CONNECT sent,
// CONNACK 0x00 read), and what its CONNACK announced.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codec/packets.hpp"
#include "conformance/harness/raw_client.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

struct session_request {
  codec::protocol_version version = codec::protocol_version::v5_0;
  bool clean_start = true;
  std::uint32_t session_expiry = 0;      // 5.0 only
  std::uint16_t keep_alive = 60;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

struct connected {
  std::unique_ptr<raw_client> client;  // nullptr when the CONNECT did not succeed
  codec::connack_packet connack;
  std::string failure;                 // what went wrong, for evidence

  explicit operator bool() const { return client != nullptr; }
  // maximum_packet_size is what the CONNACK announced (5.0), if anything.
  std::optional<std::uint32_t> maximum_packet_size() const { return connack.props.maximum_packet_size; }
};

// connect_client opens a TCP connection to the target, sends CONNECT for `client_id` and
// waits up to `timeout` for CONNACK; success means a CONNACK with reason 0.
connected connect_client(const context& c, const std::string& client_id, const session_request& r = {},
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// with_client_address is `c` pointed at another broker (one a scenario launched itself).
context with_client_address(const context& c, const broker_address& other);

}  // namespace mqtt::cert::stress
