// vbi_fuzzer: decode_vbi on the input's bytes, checked against the rules of 1.5.5 worked
// out here byte by byte: never more than 4 bytes read; `ok` only for the minimal encoding,
// which encode_vbi reproduces exactly; `non_minimal` (a last byte of 0 after the first)
// keeps the value; need_more only when the input ends inside the integer; too_long when
// the fourth byte still has its continuation bit. The first four bytes, read as a number
// below 268,435,456, must also survive encode_vbi -> decode_vbi.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "codec/variable_byte_integer.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  const vbi_result r = decode_vbi(input);

  // The integer ends at the first byte without the continuation bit (bit 7).
  std::size_t end = 0;
  std::uint32_t value = 0;
  while (end < size && end < 4) {
    value |= std::uint32_t{data[end] & 0x7Fu} << (7 * end);
    if ((data[end++] & 0x80) == 0) break;
  }
  const bool complete = end > 0 && (data[end - 1] & 0x80) == 0;

  if (!complete && end == 4) {
    fuzz_check(r.status == vbi_status::too_long, "four continuation bytes not too_long", input);
  } else if (!complete) {
    fuzz_check(r.status == vbi_status::need_more, "a cut-off integer not need_more", input);
  } else {
    const bool minimal = end == 1 || data[end - 1] != 0;
    fuzz_check(r.status == (minimal ? vbi_status::ok : vbi_status::non_minimal),
               "minimal / non-minimal told apart wrongly", input);
    fuzz_check(r.length == end && r.value == value && value <= vbi_max,
               "decoded length or value differs from 1.5.5", input);
    byte_buffer again;
    encode_vbi(value, again);
    fuzz_check(again.size() == vbi_size(value), "encode_vbi length differs from vbi_size", input);
    if (minimal) {
      fuzz_check(std::equal(again.begin(), again.end(), data, data + end),
                 "a minimal encoding does not re-encode to the same bytes", input);
    } else {
      fuzz_check(again.size() < end, "a non-minimal encoding is not longer than minimal", input);
    }
  }

  std::uint32_t n = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(size, 4); ++i) n = (n << 8) | data[i];
  n %= vbi_max + 1;
  std::array<std::uint8_t, 4> fixed{};
  const std::size_t length = encode_vbi(n, fixed);
  const vbi_result back = decode_vbi(byte_view(fixed.data(), length));
  fuzz_check(back.status == vbi_status::ok && back.value == n && back.length == length &&
                 length == vbi_size(n),
             "encode_vbi -> decode_vbi lost a value", input);
  return 0;
}
