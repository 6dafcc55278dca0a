// log_sink.hpp: the broker's log: one structured line per record on stderr,
// "ts=<UTC ISO-8601 ms> level=<level> <key=value ...>". Thread-safe; lines never interleave.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mqtt::broker::net {

enum class log_level : std::uint8_t { error = 0, warn = 1, info = 2, debug = 3 };

// parse_log_level accepts "error", "warn", "info", "debug"; std::nullopt otherwise.
std::optional<log_level> parse_log_level(std::string_view name);

// set_log_level sets the most verbose level that is written (default info).
void set_log_level(log_level l);
bool log_enabled(log_level l);

// log_line writes one record if `l` is enabled; `text` is key=value pairs, no newline.
void log_line(log_level l, std::string_view text);

}  // namespace mqtt::broker::net
