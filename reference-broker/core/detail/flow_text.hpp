// flow_text.hpp: small helpers the core's flow files share. Core-internal.
#pragma once

#include <string>
#include <unordered_map>

#include "codec/reason_code.hpp"

namespace mqtt::broker {

// hex_reason is a reason code as the log lines write it: "0x8B".
inline std::string hex_reason(codec::reason_code r) {
  static constexpr char digits[] = "0123456789ABCDEF";
  const auto v = static_cast<unsigned>(r);
  return std::string("0x") + digits[v >> 4] + digits[v & 15];
}

// kept_aliases holds each ClientID's outbound Topic Aliases across connections, for the
// seeded fault topic-alias-kept-across-reconnect only (calls that run alone touch it).
inline std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>>&
kept_aliases() {
  static std::unordered_map<std::string, std::unordered_map<std::string, std::uint16_t>> kept;
  return kept;
}

}  // namespace mqtt::broker
