#include "codec/utf8.hpp"

namespace mqtt::codec {

namespace {

// is_disallowed is the SHOULD NOT list of 1.5.4: C0/C1 controls and noncharacters.
bool is_disallowed(std::uint32_t cp) {
  if ((cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)) return true;
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;
  return (cp & 0xFFFE) == 0xFFFE;  // U+xxFFFE and U+xxFFFF in every plane
}

}  // namespace

utf8_status validate_utf8(std::string_view s, utf8_policy policy) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  std::size_t i = 0;
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
