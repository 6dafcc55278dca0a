// retained_store.hpp: the last retained message of each topic (3.3.1.3).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>

#include "reference-broker/core/message.hpp"

namespace mqtt::broker {

// retained_store is safe to call from many threads: parallel PUBLISH flows set messages.
class retained_store {
 public:
  explicit retained_store(std::size_t max_topics) : max_topics_(max_topics) {}

  enum class set_result { stored, replaced, cleared, full };

  // set keeps `m` as the topic's retained message, or clears the topic when the payload is
  // empty [MQTT-3.3.1-6, 3.3.1-7]. A new topic past max_topics is refused (full).
  set_result set(const message_ptr& m);

  // match returns every retained message whose topic matches `filter`, in topic order.
  std::vector<message_ptr> match(std::string_view filter) const;

  // erase_expired drops messages whose Message Expiry Interval has run out.
  void erase_expired(std::chrono::milliseconds now);

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return by_topic_.size();
  }

 private:
  mutable std::mutex mu_;
  std::size_t max_topics_;
  std::map<std::string, message_ptr, std::less<>> by_topic_;
};

}  // namespace mqtt::broker
