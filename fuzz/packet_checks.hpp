// packet_checks.hpp: the invariants every decode_packet result must keep, shared by the
// decode_<type>_<version> and roundtrip_<version> targets.
#pragma once

#include <string>
#include <string_view>

#include "codec/packet_codec.hpp"
#include "fuzz/fuzz_check.hpp"

namespace mqtt::fuzz {

using namespace mqtt::codec;

// check_failure: a malformed or protocol_error result carries no packet, consumes nothing,
// names an error Reason Code (0x80 and up, 2.4) and says why.
inline void check_failure(const decode_result& r, byte_view input) {
  fuzz_check(!r.value, "a failed decode carries a packet", input);
  fuzz_check(r.consumed == 0, "a failed decode consumed bytes", input);
  fuzz_check(static_cast<std::uint8_t>(r.code) >= 0x80, "a failure carries a success Reason Code",
             input);
  fuzz_check(!r.why.empty(), "a failure without a why", input);
}

// check_need_more: need_more is only for input that really ends inside the packet.
inline void check_need_more(const decode_result& r, byte_view input, protocol_version v) {
  fuzz_check(!r.value && r.consumed == 0, "need_more carries a packet or consumed bytes", input);
  const fixed_header_result fh = decode_fixed_header(input, v, {});
  const bool short_header = fh.error.status == decode_status::need_more;
  const bool short_body =
      fh.error.status == decode_status::ok && input.size() < fh.header.packet_size();
  fuzz_check(short_header || short_body, "need_more on input holding a whole packet", input);
}

// check_reencode: encode(p) decodes to p, in full, and is the codec's fixed point:
// encode(decode(encode(p))) is byte-identical to encode(p). The encoder picks the shortest
// form, so it never writes more than the `consumed` bytes p was decoded from.
inline void check_reencode(const packet& p, protocol_version v, byte_view input,
                           std::size_t consumed) {
  const byte_buffer wire = encode_packet(p, v);
  const decode_result again = decode_packet(wire, v);
  if (again.status != decode_status::ok || !again.value) {
    fuzz_fail("re-encoded packet does not decode: " + again.why, "input  ", input, "encoded",
              wire);
  }
  if (again.consumed != wire.size()) {
    fuzz_fail("re-encoded packet decodes to a different length", "input  ", input, "encoded", wire);
  }
  if (!(*again.value == p)) {
    fuzz_fail("decode(encode(p)) != p", "input  ", input, "encoded", wire);
  }
  const byte_buffer wire2 = encode_packet(*again.value, v);
  if (wire2 != wire) {
    fuzz_fail("encode(decode(encode(p))) != encode(p)", "encode(p)  ", wire, "re-encoded ",
              wire2);
  }
  if (wire.size() > consumed) {
    fuzz_fail("encoder wrote a longer form than the input", "input  ", input, "encoded", wire);
  }
}

// check_accepted: what decodes whole is exactly one packet's bytes, re-encodes (see
// check_reencode), obeys max_packet_size to the byte, is need_more on any shorter prefix,
// and under the stricter UTF-8 policy either decodes the same or fails on UTF-8 alone.
inline void check_accepted(const decode_result& r, byte_view input, protocol_version v) {
  fuzz_check(r.value.has_value(), "ok without a packet", input);
  fuzz_check(r.consumed >= 2 && r.consumed <= input.size(), "consumed out of range", input);
  const fixed_header_result fh = decode_fixed_header(input, v, {});
  fuzz_check(fh.error.status == decode_status::ok && fh.header.packet_size() == r.consumed,
             "consumed is not the fixed header's packet size", input);

  check_reencode(*r.value, v, input, r.consumed);

  const byte_view whole = input.first(r.consumed);
  decode_limits limits;
  limits.max_packet_size = static_cast<std::uint32_t>(r.consumed);
  fuzz_check(decode_packet(whole, v, limits).status == decode_status::ok,
             "a packet of exactly max_packet_size is refused", input);
  limits.max_packet_size -= 1;
  const decode_result too_big = decode_packet(whole, v, limits);
  fuzz_check(too_big.status == decode_status::protocol_error &&
                 too_big.code == reason_code::packet_too_large,
             "a packet over max_packet_size is not packet_too_large", input);

  fuzz_check(decode_packet(whole.first(r.consumed - 1), v).status == decode_status::need_more,
             "a prefix of a whole packet is not need_more", input);

  decode_limits strict;
  strict.utf8 = utf8_policy::reject_disallowed;
  const decode_result s = decode_packet(whole, v, strict);
  if (s.status == decode_status::ok) {
    fuzz_check(s.value && *s.value == *r.value, "the UTF-8 policy changed the decoded packet",
               input);
  } else {
    if (s.status != decode_status::malformed ||
        s.why.find(utf8_status_name(utf8_status::disallowed_code_point)) == std::string::npos) {
      fuzz_fail("reject_disallowed refused for another reason than UTF-8: " + s.why, "input",
                input);
    }
  }
}

// check_decode runs the checks that fit r's status; true when it was ok.
inline bool check_decode(const decode_result& r, byte_view input, protocol_version v) {
  switch (r.status) {
    case decode_status::ok: check_accepted(r, input, v); return true;
    case decode_status::need_more: check_need_more(r, input, v); return false;
    case decode_status::malformed:
    case decode_status::protocol_error: check_failure(r, input); return false;
  }
  fuzz_fail("decode_status out of range", "input", input);
}

}  // namespace mqtt::fuzz
