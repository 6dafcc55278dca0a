#include "stress/clients.hpp"

#include <arpa/inet.h>

namespace mqtt::cert::stress {

connected connect_client(const context& c, const std::string& client_id, const session_request& r,
                         std::chrono::milliseconds timeout) {
  connected out;
  auto client = std::make_unique<raw_client>(client_id, r.version);
  char host[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &c.address.sin_addr, host, sizeof host);
  if (!client->connect(host, ntohs(c.address.sin_port), timeout)) {
    out.failure = "TCP connect failed: " + client->connect_error();
    return out;
  }
  codec::connect_packet p;
  p.version = r.version;
  p.client_id = client_id;
  p.clean_start = r.clean_start;
  p.keep_alive = r.keep_alive;
  if (r.version == codec::protocol_version::v5_0 && r.session_expiry) p.props.session_expiry_interval = r.session_expiry;
  p.username = r.username;
  if (r.password) p.password = codec::byte_buffer(r.password->begin(), r.password->end());
  if (!client->send_packet(p)) {
    out.failure = "the broker closed before the CONNECT was written";
    return out;
  }
  const auto got = client->expect_packet(timeout);
  const auto* ack = got.as<codec::connack_packet>();
  if (!ack) {
    out.failure = "no CONNACK: " + got.describe();
    return out;
  }
  out.connack = *ack;
  if (ack->reason != 0) {
    out.failure = "CONNACK refused it: " + got.describe();
    return out;
  }
  out.client = std::move(client);
  return out;
}

context with_client_address(const context& c, const broker_address& other) {
  context moved = c;
  moved.address.sin_family = AF_INET;
  ::inet_pton(AF_INET, other.host == "localhost" ? "127.0.0.1" : other.host.c_str(), &moved.address.sin_addr);
  moved.address.sin_port = htons(other.port);
  moved.url = other.url();
  moved.pid.reset();
  return moved;
}

}  // namespace mqtt::cert::stress
