// websocket_stream.hpp: MQTT over WebSocket (RFC 6455) for ws:// and wss:// brokers, with
// the frame-level controls the section 6 tests need (a TEXT frame, one packet split over
// several frames). Implemented with Boost.Beast in websocket_stream.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "conformance/harness/byte_stream.hpp"

namespace mqtt::cert {

// websocket_options says what the client puts in its upgrade request.
struct websocket_options {
  // offered_subprotocols is the Sec-WebSocket-Protocol value sent ("mqtt" as MQTT-6.0.0-3
  // requires; "" sends no header, "foo, mqtt" offers two).
  std::string offered_subprotocols = "mqtt";
};

// websocket_handshake is what the server answered to the upgrade request.
struct websocket_handshake {
  int status = 0;                   // HTTP status (101 when upgraded); 0 if none arrived
  bool has_subprotocol = false;     // the response carried Sec-WebSocket-Protocol
  std::string subprotocol;          // its value
  std::string describe() const;     // "HTTP 101, Sec-WebSocket-Protocol: mqtt"
};

// websocket_stream is a byte_stream whose send() writes one binary frame per call and whose
// recv() returns payload bytes as they arrive, frames and messages concatenated. A TEXT
// frame from the broker ends the stream with status error [MQTT-6.0.0-1]. shutdown_send
// and close act on the TCP connection (no WebSocket Close frame), as a network drop would.
class websocket_stream : public byte_stream {
 public:
  // send_text writes `bytes` as one TEXT frame (a violation of MQTT-6.0.0-1, for tests).
  virtual stream_result send_text(codec::byte_view bytes) = 0;
  // send_messages writes each part as its own binary message of one frame.
  virtual stream_result send_messages(const std::vector<codec::byte_view>& parts) = 0;
  // send_fragmented writes one binary message as parts.size() frames (BINARY without FIN,
  // then CONTINUATION frames, the last with FIN).
  virtual stream_result send_fragmented(const std::vector<codec::byte_view>& parts) = 0;
  // handshake is the server's answer to the upgrade.
  virtual const websocket_handshake& handshake() const = 0;
};

// open_websocket_stream connects to a ws:// or wss:// `address` and upgrades within
// `timeout`. nullptr and `error` when that fails; `handshake` (if given) receives the
// server's answer either way. Blocks.
std::unique_ptr<websocket_stream> open_websocket_stream(const broker_address& address,
                                                        std::chrono::milliseconds timeout,
                                                        const websocket_options& options,
                                                        std::string* error,
                                                        websocket_handshake* handshake = nullptr);

}  // namespace mqtt::cert
