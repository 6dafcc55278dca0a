// framer.hpp: an incremental framer: feed byte chunks of any size, take whole packets out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "codec/packet_codec.hpp"

namespace mqtt::codec {

// framer keeps only bytes fed and not yet returned as packets. next() checks the fixed
// header against limits.max_packet_size before it waits for the body, so a peer that
// announces an oversized packet is refused after at most 5 bytes, whatever it sends
// next. Call next() after every feed() until need_more: the buffer then never holds more
// than one packet plus the last chunk. After a failure the framer stays failed and drops
// its buffer: the connection is to be closed. A decoded CONNECT sets the version for the
// packets after it. Not thread-safe; one per connection.
class framer {
 public:
  explicit framer(protocol_version v = protocol_version::v5_0, decode_limits limits = {});

  // set_version sets the version used for packets after CONNECT.
  void set_version(protocol_version v) { version_ = v; }
  protocol_version version() const { return version_; }
  void set_limits(const decode_limits& limits) { limits_ = limits; }
  const decode_limits& limits() const { return limits_; }

  // feed appends bytes received from the peer. Ignored once failed.
  void feed(byte_view chunk);

  // next returns the next whole packet (ok), need_more, or the failure (then failed()).
  decode_result next();

  bool failed() const { return failed_; }
  // buffered is how many fed bytes have not yet been returned as packets.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // first_byte is the fixed header's first byte (type and flags) of the packet next() is
  // assembling, once it has arrived: a server can refuse a first packet that is not
  // CONNECT without waiting for the rest of it.
  std::optional<std::uint8_t> first_byte() const {
    if (failed_ || buffered() == 0) return std::nullopt;
    return buffer_[start_];
  }

 private:
  protocol_version version_;
  decode_limits limits_;
  byte_buffer buffer_;
  std::size_t start_ = 0;  // first byte not yet returned
  bool failed_ = false;
  reason_code failure_code_ = reason_code::success;
};

}  // namespace mqtt::codec
