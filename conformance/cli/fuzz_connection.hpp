// fuzz_connection.hpp: the network half of `mqttcert fuzz`: one sequence over one TCP
// connection (send every write, read what comes back with short deadlines, close with a
// reset so that thousands of connections a second leave no TIME_WAIT behind), and the
// health probe (a fresh client subscribes and must get its own QoS 1 message back).
// Blocking calls with poll() deadlines; each worker thread owns its connections.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <string>

#include "codec/wire_types.hpp"
#include "netfuzz/oracle.hpp"
#include "netfuzz/sequence.hpp"

namespace mqtt::cert::cli {

struct exchange_timing {
  std::chrono::milliseconds answer{1000};      // for the answers to a complete stream
  std::chrono::milliseconds incomplete{100};   // when the stream ends inside a packet
  std::chrono::milliseconds close_grace{300};  // after the last expected answer to a fault
  std::chrono::milliseconds connect{2000};
};

enum class connect_outcome : std::uint8_t { connected, refused, timed_out, failed };

struct exchange_result {
  connect_outcome connect = connect_outcome::connected;
  std::string connect_error;         // errno text when not connected
  netfuzz::observation observed;
  codec::byte_buffer received;       // every byte the broker sent
};

// run_exchange sends `s` to `broker` and observes the answer; blocks up to about
// timing.answer + 1 s. Never throws.
exchange_result run_exchange(const netfuzz::sequence& s, const sockaddr_in& broker,
                             const exchange_timing& timing);

// tcp_connect_check opens and resets one connection: is anybody listening?
connect_outcome tcp_connect_check(const sockaddr_in& broker, std::chrono::milliseconds timeout);

struct probe_result {
  bool ok = false;
  std::string failure;  // which step did not happen in time, and after how long
  std::chrono::milliseconds took{0};  // how long the probe ran
};

// health_probe connects as a fresh 3.1.1 client `client_id`, subscribes to `topic` at
// QoS 1 and publishes one QoS 1 message to it, and waits up to `timeout` for CONNACK,
// SUBACK, PUBACK and the message itself. Blocks.
probe_result health_probe(const sockaddr_in& broker, const std::string& client_id,
                          const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace mqtt::cert::cli
