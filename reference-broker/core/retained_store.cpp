#include "reference-broker/core/retained_store.hpp"

#include "codec/topic.hpp"
#include "reference-broker/core/fault_injection.hpp"

namespace mqtt::broker {

retained_store::set_result retained_store::set(const message_ptr& m) {
  std::lock_guard lock(mu_);
  if (m->payload.empty() && !fault("retained-not-cleared")) {
    by_topic_.erase(m->topic);
    return set_result::cleared;
  }
  auto it = by_topic_.find(m->topic);
  if (it != by_topic_.end()) {
    it->second = m;
    return set_result::replaced;
  }
  if (by_topic_.size() >= max_topics_) return set_result::full;
  by_topic_.emplace(m->topic, m);
  return set_result::stored;
}

std::vector<message_ptr> retained_store::match(std::string_view filter) const {
  std::vector<message_ptr> found;
  std::lock_guard lock(mu_);
  if (!codec::has_wildcard(filter)) {
    if (auto it = by_topic_.find(filter); it != by_topic_.end()) found.push_back(it->second);
    return found;
  }
  // Every topic a wildcard filter can match starts with the filter's literal prefix, less
  // its last '/': "sport/#" also matches "sport", the parent level (4.7.1.2).
  std::string_view prefix = filter.substr(0, filter.find_first_of("+#"));
  if (prefix.ends_with('/')) prefix.remove_suffix(1);
  for (auto it = by_topic_.lower_bound(prefix);
       it != by_topic_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    if (codec::match_topic_filter(filter, it->first)) found.push_back(it->second);
  }
  return found;
}

void retained_store::erase_expired(std::chrono::milliseconds now) {
  std::lock_guard lock(mu_);
  std::erase_if(by_topic_, [&](const auto& kv) {
    return kv.second->expires_at && *kv.second->expires_at <= now;
  });
}

}  // namespace mqtt::broker
