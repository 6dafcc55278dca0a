// topic_filter_fuzzer: the input is "<filter>\0<topic>". Validation must never crash on any
// bytes, and when both sides are valid, matching must obey the rules of 4.7.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/topic.hpp"

using namespace mqtt::codec;

namespace {

bool starts_with_dollar(std::string_view s) { return !s.empty() && s.front() == '$'; }

void check_topic(std::string_view topic) {
  // A valid Topic Name has no wildcards, so it is also a valid filter (unless it happens
  // to spell a shared subscription) and matches exactly itself.
  if (has_wildcard(topic)) __builtin_trap();
  if (!parse_shared_filter(topic)) {
    if (validate_topic_filter(topic) != topic_status::ok) __builtin_trap();
    if (!match_topic_filter(topic, topic)) __builtin_trap();
  }
  // [MQTT-4.7.1-1] '#' matches every topic; [MQTT-4.7.2-1] but not those starting with '$'.
  if (match_topic_filter("#", topic) == starts_with_dollar(topic)) __builtin_trap();
  // '+' matches exactly one level, again not under '$'.
  const bool one_level = topic.find('/') == std::string_view::npos;
  if (match_topic_filter("+", topic) != (one_level && !starts_with_dollar(topic))) {
    __builtin_trap();
  }
}

void check_pair(std::string_view filter, std::string_view topic) {
  if (const auto shared = parse_shared_filter(filter)) filter = shared->filter;
  const bool matched = match_topic_filter(filter, topic);
  // Without wildcards a filter matches only the identical name (no case folding, no
  // normalisation, 4.7.3).
  if (!has_wildcard(filter) && matched != (filter == topic)) __builtin_trap();
  // [MQTT-4.7.2-1] A filter starting with a wildcard never matches a '$' topic.
  if (matched && starts_with_dollar(topic) && (filter.front() == '+' || filter.front() == '#')) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view filter = input.substr(0, nul);
  const std::string_view topic =
      nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

  const bool filter_ok = validate_topic_filter(filter) == topic_status::ok;
  const bool topic_ok = validate_topic_name(topic) == topic_status::ok;
  if (topic_ok) check_topic(topic);
  if (filter_ok && topic_ok) check_pair(filter, topic);
  return 0;
}
