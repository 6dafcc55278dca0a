// hex.hpp: hex text for tests, logs and reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "codec/wire_types.hpp"

namespace mqtt::codec {

// to_hex writes bytes as upper-case hex pairs separated by `sep` (none by default).
std::string to_hex(byte_view bytes, std::string_view sep = "");

// from_hex reads hex pairs, ignoring spaces, so "30 0E 0005 746F" works; nullopt on any
// other character or an odd digit count.
std::optional<byte_buffer> from_hex(std::string_view text);

}  // namespace mqtt::codec
