// decode_result.hpp: what every decoding step returns, and the limits it enforces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "codec/reason_code.hpp"
#include "codec/utf8.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec {

enum class decode_status : std::uint8_t {
  ok,              // a whole packet was decoded; `consumed` bytes were used
  need_more,       // the bytes end inside a packet; not an error, feed more
  malformed,       // the bytes cannot be parsed as this packet (reason 0x81 or the one named)
  protocol_error,  // parsed, but the content breaks a rule (reason 0x82 or the one named)
};

std::string_view decode_status_name(decode_status s);

// decode_error is the failure half of a decode. `why` has nghttp2's "PACKET: condition"
// form and ends with the statement ID where the spec has one, e.g.
// "PUBLISH: QoS bits are 11 [MQTT-3.3.1-4]". It is fit for a v5 Reason String.
struct decode_error {
  decode_status status = decode_status::ok;
  reason_code code = reason_code::success;
  std::string why;

  explicit operator bool() const { return status != decode_status::ok; }
};

inline decode_error malformed(std::string why, reason_code code = reason_code::malformed_packet) {
  return {decode_status::malformed, code, std::move(why)};
}
inline decode_error protocol_violation(std::string why,
                                       reason_code code = reason_code::protocol_error) {
  return {decode_status::protocol_error, code, std::move(why)};
}

// decode_limits are the receiver's settings; the defaults accept anything the spec allows.
struct decode_limits {
  // Largest whole packet (fixed header included) accepted; larger gives packet_too_large
  // (0x95) from the fixed header alone, before the body is buffered.
  std::uint32_t max_packet_size = max_packet_size_limit;
  // Whether the SHOULD NOT code points of 1.5.4 are rejected too.
  utf8_policy utf8 = utf8_policy::required;
};

}  // namespace mqtt::codec
