// sys_stats.cpp: $SYS/broker/... statistics, retained, every sys_interval_ms. $SYS is
// the broker's own topic space (4.7.2): wildcards starting a filter do not reach it.
#include <string>

#include "reference-broker/core/detail/core_call.hpp"

namespace mqtt::broker {

void core_call::publish_sys_stats() {
  if (!config.sys_interval_ms || now < next_sys_at) return;
  next_sys_at = now + millis(config.sys_interval_ms);
  auto publish_sys = [&](const std::string& topic, std::uint64_t value) {
    auto m = std::make_shared<message>();
    m->topic = "$SYS/broker/" + topic;
    std::string text = std::to_string(value);
    m->payload.assign(text.begin(), text.end());
    m->retain = true;
    retained.set(m);
    route(m);
  };
  publish_sys("clients/connected", stats.clients_connected);
  publish_sys("sessions", sessions.size());
  publish_sys("messages/received", stats.messages_received);
  publish_sys("messages/sent", stats.messages_sent);
  publish_sys("messages/dropped", stats.messages_dropped);
  publish_sys("bytes/received", stats.bytes_received);
  publish_sys("bytes/sent", stats.bytes_sent);
  publish_sys("retained/count", retained.size());
}

}  // namespace mqtt::broker
