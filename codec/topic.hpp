// topic.hpp: Topic Names, Topic Filters, shared subscriptions and matching (4.7, 4.8.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mqtt::codec {

enum class topic_status : std::uint8_t {
  ok,
  empty,                  // zero length [MQTT-4.7.3-1]
  too_long,               // over 65535 bytes
  wildcard_in_name,       // '+' or '#' in a Topic Name [MQTT-3.3.2-2]
  misplaced_multi_level,  // '#' not alone as the last level [MQTT-4.7.1-1]
  misplaced_single_level, // '+' not alone in its level [MQTT-4.7.1-2]
  null_character,         // U+0000 [MQTT-4.7.3-2]
  bad_share_name,         // $share/ with an empty ShareName or one containing '/', '+' or '#'
  bad_shared_filter,      // $share/{name} not followed by '/' and a non-empty filter
};

std::string_view topic_status_name(topic_status s);

// validate_topic_name checks a PUBLISH Topic Name (UTF-8 well-formedness is checked apart,
// with validate_utf8).
topic_status validate_topic_name(std::string_view name);

// validate_topic_filter checks a SUBSCRIBE/UNSUBSCRIBE Topic Filter, including the rules
// of a $share/{ShareName}/{filter} shared subscription (4.8.2).
topic_status validate_topic_filter(std::string_view filter);

struct shared_filter {
  std::string_view share_name;
  std::string_view filter;  // the part after $share/{ShareName}/
};

// parse_shared_filter splits a "$share/{ShareName}/{filter}" filter; std::nullopt when the
// filter does not start with "$share/". It does not validate: call validate_topic_filter.
std::optional<shared_filter> parse_shared_filter(std::string_view filter);

// match_topic_filter says whether Topic Name `topic` matches Topic Filter `filter`.
// Both must be valid. A filter starting with a wildcard does not match a topic starting
// with '$' [MQTT-4.7.2-1]. Not for $share/ filters: match their `filter` part.
bool match_topic_filter(std::string_view filter, std::string_view topic);

// has_wildcard says whether `s` (a filter, a Topic Name or a ShareName) contains '+' or '#'.
bool has_wildcard(std::string_view s);

}  // namespace mqtt::codec
