#include "codec/utf8.hpp"

#include <cstring>

namespace mqtt::codec {

namespace {

// is_disallowed is the SHOULD NOT list of 1.5.4: C0/C1 controls and noncharacters.
bool is_disallowed(std::uint32_t cp) {
  if ((cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)) return true;
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;
  return (cp & 0xFFFE) == 0xFFFE;  // U+xxFFFE and U+xxFFFF in every plane
}

// A 64-bit word seen as 8 bytes: 0x01 in each, and the high bit of each.
constexpr std::uint64_t byte_ones = 0x0101010101010101ull;
constexpr std::uint64_t byte_highs = 0x8080808080808080ull;

// has_byte_below says whether any byte of `w` is below `k` (1 <= k <= 128); exact when
// every byte of `w` is below 0x80. The borrow of a byte below `k` sets its high bit.
constexpr bool has_byte_below(std::uint64_t w, std::uint64_t k) {
  return ((w - k * byte_ones) & ~w & byte_highs) != 0;
}

// plain_ascii_prefix is how many leading bytes of p[0, n) it can vouch for 8 at a time:
// whole words of ASCII that hold no byte the policy refuses (U+0000; also U+0001..U+001F
// and U+007F when rejecting disallowed code points). Topic names and client ids are
// mostly this, and one test per word instead of several per byte is what keeps a long
// Topic Name cheap to decode. The byte loop takes over at the first word it stops on,
// and hands back after each multi-byte sequence.
std::size_t plain_ascii_prefix(const unsigned char* p, std::size_t n, utf8_policy policy) {
  const bool strict = policy == utf8_policy::reject_disallowed;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    if ((w & byte_highs) != 0) break;                    // a byte of a multi-byte sequence
    if (has_byte_below(w, strict ? 0x20 : 0x01)) break;  // U+0000, or a C0 control
    if (strict && has_byte_below(w ^ (0x7F * byte_ones), 0x01)) break;  // U+007F
  }
  return i;
}

}  // namespace

utf8_status validate_utf8(std::string_view s, utf8_policy policy) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  std::size_t i = plain_ascii_prefix(p, n, policy);
  while (i < n) {
    unsigned char b = p[i];
    std::uint32_t cp;
    std::size_t len;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      cp = b & 0x1Fu;
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      cp = b & 0x0Fu;
      len = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      cp = b & 0x07u;
      len = 4;
    } else {
      return utf8_status::ill_formed;  // continuation byte, C0/C1 overlong lead, or > F4
    }
    if (i + len > n) return utf8_status::ill_formed;
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char c = p[i + k];
      if ((c & 0xC0) != 0x80) return utf8_status::ill_formed;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    // Overlong 3- and 4-byte forms, and code points past U+10FFFF.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return utf8_status::ill_formed;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return utf8_status::surrogate;
    if (cp == 0) return utf8_status::null_character;
    if (policy == utf8_policy::reject_disallowed && is_disallowed(cp)) {
      return utf8_status::disallowed_code_point;
    }
    i += len;
    // After a multi-byte sequence, go back to whole words: a long Topic Name with a
    // few accented letters is still mostly plain ASCII.
    if (len > 1) i += plain_ascii_prefix(p + i, n - i, policy);
  }
  return utf8_status::ok;
}

std::string_view utf8_status_name(utf8_status s) {
  switch (s) {
    case utf8_status::ok: return "ok";
    case utf8_status::ill_formed: return "ill-formed UTF-8";
    case utf8_status::surrogate: return "surrogate code point";
    case utf8_status::null_character: return "U+0000";
    case utf8_status::disallowed_code_point: return "disallowed code point";
  }
  return "unknown";
}

}  // namespace mqtt::codec
