// topic_pattern.cpp: "%i" substitution and Shared Subscription filters.
#include "bench/mqtt_bench/topic_pattern.hpp"

namespace mqtt::bench {

std::string topic_for(std::string_view pattern, unsigned index) {
  std::string t(pattern);
  const std::string n = std::to_string(index);
  for (std::size_t at = t.find("%i"); at != std::string::npos; at = t.find("%i", at)) {
    t.replace(at, 2, n);
    at += n.size();
  }
  return t;
}

bool valid_share_name(std::string_view group) {
  return !group.empty() && group.find_first_of("/+#") == std::string_view::npos;
}

std::string shared_filter(std::string_view group, std::string_view filter) {
  std::string f = "$share/";
  f += group;
  f += '/';
  f += filter;
  return f;
}

}  // namespace mqtt::bench
