// raw_client.hpp: a byte-level MQTT test client. It sends whatever bytes or packets a
// test asks for, decodes what comes back with codec::framer, and records every byte in a
// transcript. It never answers the broker on its own (no automatic PUBACK or PINGREQ).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "codec/framer.hpp"
#include "codec/packets.hpp"
#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/byte_stream.hpp"
#include "conformance/harness/transcript.hpp"
#include "conformance/harness/websocket_stream.hpp"

namespace mqtt::cert {

using namespace std::chrono_literals;

// Default waits, chosen so a conforming broker on loopback is far inside them.
inline constexpr std::chrono::milliseconds expect_timeout = 1000ms;
inline constexpr std::chrono::milliseconds close_timeout = 1500ms;
inline constexpr std::chrono::milliseconds quiet_window = 300ms;

enum class recv_status : std::uint8_t {
  packet,     // a whole packet was decoded
  timeout,    // nothing (or only part of a packet) arrived in time
  closed,     // the broker closed the connection
  malformed,  // the broker sent bytes the codec rejects; `bytes` holds them
};

// PrintTo shows a recv_status by name in GoogleTest messages.
inline void PrintTo(recv_status s, std::ostream* os) {
  switch (s) {
    case recv_status::packet: *os << "packet"; return;
    case recv_status::timeout: *os << "timeout"; return;
    case recv_status::closed: *os << "closed"; return;
    case recv_status::malformed: *os << "malformed"; return;
  }
}

// received is the outcome of waiting for one packet.
struct received {
  recv_status status = recv_status::timeout;
  std::optional<codec::packet> packet;
  codec::byte_buffer bytes;  // the packet's bytes, or the unparsable bytes
  std::string why;           // codec reason for malformed, stream reason for closed
  codec::protocol_version version = codec::protocol_version::v5_0;
  std::chrono::milliseconds waited{0};

  // as<T> returns the packet if it is a T, else nullptr.
  template <class T>
  const T* as() const {
    return packet ? std::get_if<T>(&*packet) : nullptr;
  }
  bool is_packet() const { return status == recv_status::packet; }
  // describe gives one line: "S→C PUBACK 40 02 0001", "nothing within 1000 ms",
  // "connection closed by broker", "S→C malformed (…): 30 FF".
  std::string describe() const;
};

// close_observation is what expect_close saw: the packets that came before the close
// (a v5 DISCONNECT or an error CONNACK is allowed) and whether the close happened.
struct close_observation {
  bool closed = false;
  std::vector<received> before;  // packets received before the close (or the timeout)
  std::chrono::milliseconds waited{0};

  // only_errors_before says every packet before the close was a CONNACK or DISCONNECT
  // with a reason code of 0x80 or above (3.1.1: a CONNACK with a non-zero return code).
  bool only_errors_before() const;
  // first_reason is the reason code of the first DISCONNECT/CONNACK seen, if any.
  std::optional<std::uint8_t> first_reason() const;
  std::string describe() const;
};

class raw_client {
 public:
  // label names this client in transcripts ("pub", "sub"); v is the version used for
  // packets sent before a CONNECT (a sent CONNECT sets it).
  explicit raw_client(std::string label,
                      codec::protocol_version v = codec::protocol_version::v5_0);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  // connect opens the transport. Blocks up to `timeout`. False (and a transcript note)
  // when the broker does not accept.
  bool connect(const broker_address& address, std::chrono::milliseconds timeout = 2000ms);
  bool connect(const std::string& host, std::uint16_t port,
               std::chrono::milliseconds timeout = 2000ms);
  bool is_open() const { return stream_ != nullptr; }
  const std::string& connect_error() const { return connect_error_; }

  // send_bytes writes raw bytes. Returns false if the broker had already closed.
  bool send_bytes(codec::byte_view bytes);
  // send_hex writes hex text ("30 0E 0005 ..."); a bad hex string is a test bug and throws.
  bool send_hex(std::string_view hex);
  // send_packet encodes `p` for the client's version and writes it. A CONNECT switches
  // the client (and its framer) to the CONNECT's version.
  bool send_packet(const codec::packet& p);

  // expect_packet waits up to `timeout` for the next packet (a packet expect_ack set
  // aside comes first).
  received expect_packet(std::chrono::milliseconds timeout = expect_timeout);
  // expect_ack waits for the answer to something the client sent (SUBACK, UNSUBACK,
  // PUBACK, PUBREC, PUBREL, PUBCOMP, PINGRESP, …). A server may send PUBLISH at any time
  // once a subscription exists, "before the Server sends the SUBACK" included (3.8.4), so
  // PUBLISH packets that come first are set aside, in order, for the following
  // expect_packet calls instead of being taken as the answer.
  received expect_ack(std::chrono::milliseconds timeout = expect_timeout);
  // expect_close waits up to `timeout` for the broker to close, collecting any packets
  // that arrive first.
  close_observation expect_close(std::chrono::milliseconds timeout = close_timeout);
  // expect_no_packet waits `window`; status timeout means nothing arrived (good).
  received expect_no_packet(std::chrono::milliseconds window = quiet_window);

  // websocket is the transport when connected over ws:// or wss://, else nullptr.
  websocket_stream* websocket();
  // send_websocket_text, send_websocket_messages and send_websocket_fragmented write
  // frames a normal send never would (websocket_stream has the details) and record the
  // bytes and the framing in the transcript. False when not on WebSocket or the write fails.
  bool send_websocket_text(codec::byte_view bytes);
  bool send_websocket_messages(const std::vector<codec::byte_buffer>& parts);
  bool send_websocket_fragmented(const std::vector<codec::byte_buffer>& parts);

  // shutdown_send half-closes the connection; close drops it without DISCONNECT.
  void shutdown_send();
  void close();

  codec::protocol_version version() const { return version_; }
  void set_version(codec::protocol_version v);
  const std::shared_ptr<transcript>& log() const { return log_; }

 private:
  received take_buffered();
  received next_packet(std::chrono::milliseconds timeout);

  std::string label_;
  codec::protocol_version version_;
  codec::framer framer_;
  codec::byte_buffer pending_;  // bytes fed to the framer and not yet returned as packets
  std::deque<received> set_aside_;  // packets expect_ack passed over, oldest first
  std::unique_ptr<byte_stream> stream_;
  bool peer_closed_ = false;
  std::string closed_why_;
  std::string connect_error_;
  std::shared_ptr<transcript> log_;
};

}  // namespace mqtt::cert
