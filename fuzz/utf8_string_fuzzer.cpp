// utf8_string_fuzzer: validate_utf8 under both policies, cross-checked with the small
// decoder below, written from the well-formed byte sequences of Unicode table 3-7 (RFC
// 3629) and the rules of MQTT 5.0 1.5.4: no surrogates U+D800..U+DFFF [MQTT-1.5.4-1], no
// U+0000 [MQTT-1.5.4-2], and under reject_disallowed none of the SHOULD NOT code points
// (U+0001..U+001F, U+007F..U+009F, noncharacters). Both stop at the first problem, so the
// statuses must be equal. The input is the string's bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/utf8.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

namespace {

bool in(std::uint8_t b, std::uint8_t lo, std::uint8_t hi) { return b >= lo && b <= hi; }

bool spec_disallowed(std::uint32_t cp) {
  return (cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F) ||
         (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFF) == 0xFFFE || (cp & 0xFFFF) == 0xFFFF;
}

// spec_status decodes `s` by table 3-7, except that ED A0..BF (the surrogates, which the
// table leaves out) decode so they can be reported as surrogates.
utf8_status spec_status(byte_view s, utf8_policy policy) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t b = s[i];
    std::size_t len = 0;
    std::uint8_t lo = 0x80;  // the range of the second byte
    std::uint8_t hi = 0xBF;
    if (b <= 0x7F) len = 1;
    else if (in(b, 0xC2, 0xDF)) len = 2;
    else if (b == 0xE0) { len = 3; lo = 0xA0; }
    else if (in(b, 0xE1, 0xEF)) len = 3;  // ED 80..BF: A0..BF are the surrogates
    else if (b == 0xF0) { len = 4; lo = 0x90; }
    else if (in(b, 0xF1, 0xF3)) len = 4;
    else if (b == 0xF4) { len = 4; hi = 0x8F; }
    else return utf8_status::ill_formed;
    if (i + len > s.size()) return utf8_status::ill_formed;
    if (len > 1 && !in(s[i + 1], lo, hi)) return utf8_status::ill_formed;
    for (std::size_t k = 2; k < len; ++k) {
      if (!in(s[i + k], 0x80, 0xBF)) return utf8_status::ill_formed;
    }
    std::uint32_t cp = len == 1 ? b : b & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3Fu);
    if (cp >= 0xD800 && cp <= 0xDFFF) return utf8_status::surrogate;
    if (cp == 0) return utf8_status::null_character;
    if (policy == utf8_policy::reject_disallowed && spec_disallowed(cp)) {
      return utf8_status::disallowed_code_point;
    }
    i += len;
  }
  return utf8_status::ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const utf8_status required = validate_utf8(text, utf8_policy::required);
  const utf8_status strict = validate_utf8(text, utf8_policy::reject_disallowed);

  fuzz_check(required == spec_status(input, utf8_policy::required),
             "validate_utf8(required) disagrees with table 3-7 and 1.5.4", input);
  fuzz_check(strict == spec_status(input, utf8_policy::reject_disallowed),
             "validate_utf8(reject_disallowed) disagrees with table 3-7 and 1.5.4", input);
  fuzz_check(required != utf8_status::disallowed_code_point,
             "the required policy reported a SHOULD NOT code point", input);
  // The stricter policy accepts a subset, and fails either alike or on a disallowed code
  // point met first.
  if (strict == utf8_status::ok) fuzz_check(required == utf8_status::ok, "strict ok, required not", input);
  fuzz_check(strict == required || strict == utf8_status::disallowed_code_point,
             "the policies disagree on a MUST", input);
  fuzz_check(!utf8_status_name(required).empty(), "a status without a name", input);
  return 0;
}
