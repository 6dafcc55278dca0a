// properties_fuzzer.cpp: decode_properties in one property_context, built once per context
// as properties_<context>_fuzzer (MQTT_FUZZ_CONTEXT from fuzz/targets.tsv). The input is a
// properties block: Property Length (a VBI), then properties.
//
// Checks: no crash; a failure is Malformed (0x81), Protocol Error (0x82) or, for Topic
// Alias 0, Topic Alias invalid (0x94), with a why. Against an independent walk of the
// input by this file's own copy of table 2-4 (2.2.2.2): a block holding an identifier
// the table does not allow here (or an unknown one, or a value running past the block)
// is never accepted. What decodes consumed exactly the VBI and the Property Length, and
// re-encodes to bytes that decode equal. The encoder writes identifiers in ascending
// order; the spec allows any order, so the re-encoding is byte-identical to the input
// only when the input's identifiers already ascend, which is checked then, and it is
// always its own fixed point.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/detail/byte_reader.hpp"
#include "codec/properties.hpp"
#include "codec/variable_byte_integer.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

namespace {

constexpr property_context fuzz_context = property_context::MQTT_FUZZ_CONTEXT;

// spec_allowed lists, per context in property_context order, the identifiers table 2-4
// allows there (User Property 0x26 everywhere).
constexpr std::string_view spec_allowed[] = {
    "\x11\x15\x16\x17\x19\x21\x22\x26\x27",                          // CONNECT
    "\x11\x12\x13\x15\x16\x1A\x1C\x1F\x21\x22\x24\x25\x26\x27\x28\x29\x2A",  // CONNACK
    "\x01\x02\x03\x08\x09\x0B\x23\x26",                              // PUBLISH
    "\x01\x02\x03\x08\x09\x18\x26",                                  // Will Properties
    "\x1F\x26", "\x1F\x26", "\x1F\x26", "\x1F\x26",                  // PUBACK .. PUBCOMP
    "\x0B\x26",                                                      // SUBSCRIBE
    "\x1F\x26",                                                      // SUBACK
    "\x26",                                                          // UNSUBSCRIBE
    "\x1F\x26",                                                      // UNSUBACK
    "\x11\x1C\x1F\x26",                                              // DISCONNECT
    "\x15\x16\x1F\x26",                                              // AUTH
};

// spec_value_size is the size of a value of identifier `id` at `at` by its table 2-4 type
// (0 for an unknown identifier or a value past the end).
std::size_t spec_value_size(std::uint32_t id, byte_view body, std::size_t at) {
  const auto fits = [&](std::size_t n) { return at + n <= body.size() ? n : 0; };
  const auto prefixed = [&](std::size_t from) -> std::size_t {
    if (from + 2 > body.size()) return 0;
    return from + 2 + ((std::size_t{body[from]} << 8) | body[from + 1]);
  };
  switch (id) {
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
      return fits(1);
    case 0x13: case 0x21: case 0x22: case 0x23: return fits(2);
    case 0x02: case 0x11: case 0x18: case 0x27: return fits(4);
    case 0x0B: {
      const vbi_result v = decode_vbi(body.subspan(at));
      return v.status == vbi_status::need_more ? 0 : v.length;
    }
    case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C:
    case 0x1F: {
      const std::size_t end = prefixed(at);
      return end != 0 && end <= body.size() ? end - at : 0;
    }
    case 0x26: {
      const std::size_t name_end = prefixed(at);
      if (name_end == 0 || name_end > body.size()) return 0;
      const std::size_t end = prefixed(name_end);
      return end != 0 && end <= body.size() ? end - at : 0;
    }
    default: return 0;
  }
}

struct spec_walk {
  bool all_allowed = true;  // every identifier known, allowed here, and its value in the block
  bool ascending = true;    // identifiers in non-decreasing order
};

// walk_block reads the block as table 2-4 describes it, without the codec.
spec_walk walk_block(byte_view body) {
  spec_walk w;
  const std::string_view allowed = spec_allowed[static_cast<std::size_t>(fuzz_context)];
  std::uint32_t last = 0;
  for (std::size_t at = 0; at < body.size();) {
    const vbi_result id = decode_vbi(body.subspan(at));
    if (id.status == vbi_status::need_more || id.status == vbi_status::too_long ||
        id.value > 0x7F || allowed.find(static_cast<char>(id.value)) == std::string_view::npos) {
      w.all_allowed = false;
      return w;
    }
    at += id.length;
    const std::size_t n = spec_value_size(id.value, body, at);
    if (n == 0) {
      w.all_allowed = false;
      return w;
    }
    at += n;
    if (id.value < last) w.ascending = false;
    last = id.value;
  }
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  detail::byte_reader in(input);
  properties props;
  const decode_error e = decode_properties(in, fuzz_context, {}, props);

  // The block the Property Length announces, if the input holds it.
  const vbi_result length = decode_vbi(input);
  const bool whole_block = length.status == vbi_status::ok && length.length + length.value <= size;
  const spec_walk walk =
      whole_block ? walk_block(input.subspan(length.length, length.value)) : spec_walk{false, false};

  if (e) {
    fuzz_check(e.status == decode_status::malformed || e.status == decode_status::protocol_error,
               "a failure with a status other than malformed or protocol_error", input);
    fuzz_check(e.code == reason_code::malformed_packet || e.code == reason_code::protocol_error ||
                   e.code == reason_code::topic_alias_invalid,
               "a failure with an unexpected Reason Code", input);
    fuzz_check(!e.why.empty(), "a failure without a why", input);
    return 0;
  }

  fuzz_check(whole_block, "accepted a Property Length that is not minimal or runs past the input",
             input);
  fuzz_check(walk.all_allowed, "accepted an identifier table 2-4 does not allow here", input);
  fuzz_check(in.position() == length.length + length.value,
             "consumed other than the Property Length and the block", input);

  byte_buffer wire;
  encode_properties(props, wire);
  detail::byte_reader again_in(wire);
  properties again;
  const decode_error e2 = decode_properties(again_in, fuzz_context, {}, again);
  if (e2) fuzz_fail("re-encoded properties do not decode: " + e2.why, "input  ", input, "encoded",
                    wire);
  if (!again_in.at_end() || !(again == props)) {
    fuzz_fail("decode(encode(p)) != p", "input  ", input, "encoded", wire);
  }
  byte_buffer wire2;
  encode_properties(again, wire2);
  if (wire2 != wire) fuzz_fail("encode(decode(encode(p))) != encode(p)", "encode(p) ", wire,
                               "re-encoded", wire2);
  const byte_view consumed = input.first(in.position());
  if (walk.ascending && !std::equal(wire.begin(), wire.end(), consumed.begin(), consumed.end())) {
    fuzz_fail("identifiers in ascending order, yet the re-encoding differs", "input  ", consumed,
              "encoded", wire);
  }
  return 0;
}
