// conn_run.hpp: the conn mode: how fast the broker accepts MQTT connections.
#pragma once

#include <cstdint>
#include <string>

#include "bench/mqtt_bench/run_result.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::bench {

struct conn_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  unsigned connections = 1000;
  unsigned concurrency = 100;   // handshakes in progress at once
  double hold_s = 0.5;          // keep them all open this long once the last is up
  double timeout_s = 10;        // give up on the rest after this
  std::string client_prefix = "mqtt-bench";
  // Connect from a different loopback address each time (spread_source_address), so the
  // kernel's local port search does not grow with the run; false: all from 127.0.0.1.
  bool spread_sources = true;
};

// run_conn opens `connections` TCP connections, `concurrency` at a time, sends CONNECT on
// each and times it to CONNACK; keeps them open (hold_s), then sends DISCONNECT and
// closes them all. Blocks for the whole run.
conn_result run_conn(const conn_settings& s);

}  // namespace mqtt::bench
