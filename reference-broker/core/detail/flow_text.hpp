// flow_text.hpp: small helpers the core's flow files share. Core-internal.
#pragma once

#include <string>
#include <unordered_map>

#include "codec/reason_code.hpp"
#include "codec/utf8.hpp"

namespace mqtt::broker {

// hex_reason is a reason code as the log lines write it: "0x8B".
inline std::string hex_reason(codec::reason_code r) {
  static constexpr char digits[] = "0123456789ABCDEF";
  const auto v = static_cast<unsigned>(r);
  return std::string("0x") + digits[v >> 4] + digits[v & 15];
}

// reason_string makes a `why` fit for a Reason String, which must be valid UTF-8
// [MQTT-1.5.4-1, 1.5.4-2]: a `why` can quote what the peer sent (a bad Protocol Name),
// so when it is not valid, every byte outside printable ASCII is written as \xNN.
inline std::string reason_string(std::string why) {
  if (codec::validate_utf8(why) == codec::utf8_status::ok) return why;
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : why) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7F) {
      out += ch;
    } else {
      out += "\\x";
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
  return out;
}

// kept_aliases holds each ClientID's outbound Topic Aliases across connections, for the
// seeded fault topic-alias-kept-across-reconnect only (calls that run alone touch it).
inline std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>>&
kept_aliases() {
  static std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>> kept;
  return kept;
}

}  // namespace mqtt::broker
