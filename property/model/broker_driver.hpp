// broker_driver.hpp: what the sequence runner needs from a broker, in-process (the
// sans-I/O core with a fake clock, core_driver) or over the network (any broker URL,
// network_driver). Connections are handles the driver gives out; one client may have an
// old connection being taken over and a new one at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/packets.hpp"

namespace mqtt::property {

using conn_handle = int;

// inbound is one thing that arrived on a connection: a packet, bytes the codec rejects,
// or the end of the connection.
struct inbound {
  std::optional<codec::packet> packet;
  bool closed = false;
  std::string malformed;  // the codec's reason, when the bytes are not a packet
  std::string text;       // the packet or event as a transcript line
};

class broker_driver {
 public:
  virtual ~broker_driver() = default;

  // open starts a network connection; nullopt (and `error`) when the broker refuses it.
  virtual std::optional<conn_handle> open(codec::protocol_version v, std::string* error) = 0;
  virtual void send(conn_handle c, const codec::packet& p) = 0;
  // drop closes the connection from the client's side without DISCONNECT.
  virtual void drop(conn_handle c) = 0;
  // poll returns what has arrived on `c`, waiting up to `wait` for the first thing.
  virtual std::vector<inbound> poll(conn_handle c, std::chrono::milliseconds wait) = 0;
  // let_time_pass moves the broker's clock (in-process) or sleeps a little (network).
  virtual void let_time_pass(std::uint32_t seconds) = 0;
  // real_time says whether the broker runs on a real clock (waits cost time).
  virtual bool real_time() const = 0;
  // transcript returns every packet of the sequence so far, per connection, in order.
  virtual std::string transcript() const = 0;
};

}  // namespace mqtt::property
