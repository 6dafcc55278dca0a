// topic_pattern.hpp: the topics and filters the load generator's clients use, made from
// the --topic / --filter patterns.
#pragma once

#include <string>
#include <string_view>

namespace mqtt::bench {

// topic_for replaces every "%i" in `pattern` with `index` ("bench/%i", 3 -> "bench/3").
std::string topic_for(std::string_view pattern, unsigned index);

// valid_share_name says whether `group` can be a ShareName: at least one character and no
// '/', '+' or '#' [MQTT-4.8.2-2].
bool valid_share_name(std::string_view group);

// shared_filter returns the Shared Subscription filter "$share/<group>/<filter>" (4.8.2).
std::string shared_filter(std::string_view group, std::string_view filter);

}  // namespace mqtt::bench
