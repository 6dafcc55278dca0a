// utf8.hpp: UTF-8 Encoded String rules of MQTT 5.0 1.5.4 / 3.1.1 1.5.3.
#pragma once

#include <cstdint>
#include <string_view>

namespace mqtt::codec {

enum class utf8_status : std::uint8_t {
  ok,
  ill_formed,          // not well-formed UTF-8 (RFC 3629): overlong, bad continuation, > U+10FFFF
  surrogate,           // encodes U+D800..U+DFFF [MQTT-1.5.4-1]
  null_character,      // encodes U+0000 [MQTT-1.5.4-2]
  disallowed_code_point,  // a control character or noncharacter the spec says SHOULD NOT appear;
                          // only reported under utf8_policy::reject_disallowed
};

enum class utf8_policy : std::uint8_t {
  // MUST-level rules only: well-formed, no surrogates, no U+0000. U+FEFF is kept [MQTT-1.5.4-3].
  required,
  // Also reject U+0001..U+001F, U+007F..U+009F and Unicode noncharacters (the SHOULD NOT list).
  reject_disallowed,
};

// validate_utf8 checks `s` against the rules of `policy`, stopping at the first problem.
utf8_status validate_utf8(std::string_view s, utf8_policy policy = utf8_policy::required);

std::string_view utf8_status_name(utf8_status s);

}  // namespace mqtt::codec
