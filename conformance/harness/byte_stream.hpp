// byte_stream.hpp: the transport under the raw test client: TCP (tcp_stream.cpp), TLS
// (tls_stream.cpp) and MQTT over WebSocket, plain or over TLS (websocket_stream.cpp).
//
// TLS certificate checks: with MQTTCERT_TLS_CA=/path/ca.pem the broker's certificate must
// chain to that CA and name the host; without it the harness does NOT verify the broker's
// certificate (test brokers use self-signed ones).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "codec/wire_types.hpp"
#include "conformance/harness/broker_address.hpp"

namespace mqtt::cert {

enum class stream_status : std::uint8_t {
  ok,       // bytes were moved
  timeout,  // nothing arrived before the deadline
  closed,   // the peer closed (EOF) or reset the connection
  error,    // a local error; `why` says which
};

struct stream_result {
  stream_status status = stream_status::ok;
  std::size_t bytes = 0;
  std::string why;
};

// byte_stream is a connected, ordered, lossless byte stream to a broker. Blocking calls
// with deadlines; one thread at a time.
class byte_stream {
 public:
  virtual ~byte_stream() = default;
  // send writes all of `bytes` (or reports closed/error); never raises SIGPIPE.
  virtual stream_result send(codec::byte_view bytes) = 0;
  // recv waits until some bytes arrive, the peer closes, or `timeout` passes.
  virtual stream_result recv(std::span<std::uint8_t> buffer,
                             std::chrono::milliseconds timeout) = 0;
  // shutdown_send half-closes (TCP FIN) so the peer sees EOF; reading stays possible.
  virtual void shutdown_send() = 0;
  virtual void close() = 0;
};

// open_stream connects to `address` within `timeout`, dispatching on its scheme (tcp, tls,
// ws, wss; a WebSocket offers the "mqtt" subprotocol). Returns nullptr and sets `error`
// when the broker does not accept. Blocks.
std::unique_ptr<byte_stream> open_stream(const broker_address& address,
                                         std::chrono::milliseconds timeout,
                                         std::string* error);

// open_tcp_stream, open_tls_stream: the tcp and tls cases of open_stream. Block.
std::unique_ptr<byte_stream> open_tcp_stream(const broker_address& address,
                                             std::chrono::milliseconds timeout,
                                             std::string* error);
std::unique_ptr<byte_stream> open_tls_stream(const broker_address& address,
                                             std::chrono::milliseconds timeout,
                                             std::string* error);

}  // namespace mqtt::cert
