// byte_stream.hpp: the transport under the raw test client. TCP today; WebSocket and TLS
// plug in as further implementations of the same interface (TODO(#5)).
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

// open_stream connects to `address` within `timeout`. Returns nullptr and sets `error`
// when the broker does not accept. Blocks.
std::unique_ptr<byte_stream> open_stream(const broker_address& address,
                                         std::chrono::milliseconds timeout,
                                         std::string* error);

}  // namespace mqtt::cert
