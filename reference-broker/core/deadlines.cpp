// deadlines.cpp: time-driven work: the CONNECT timeout and Keep Alive (3.1.2.10), delayed
// wills (3.1.3.2.2), session expiry (3.1.2.11), retained message expiry.
#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/detail/core_call.hpp"
#include "reference-broker/core/detail/flow_text.hpp"

namespace mqtt::broker {

using codec::protocol_version;
using codec::reason_code;

void core_call::end_session(const std::shared_ptr<session>& s) {
  if (s->delayed_will) {
    codec::will_message w = std::move(*s->delayed_will);
    s->delayed_will.reset();
    publish_will(w, s->client_id);
  }
  remove_subscriptions(*s);
  auto it = sessions.find(s->client_id);
  if (it != sessions.end() && it->second == s) sessions.erase(it);
}

std::optional<millis> core_call::connection_due(const connection& c) const {
  // Due once the time is *over* (strictly more than the period has passed).
  constexpr millis past{1};
  if (c.st == connection::state::awaiting_connect ||
      c.st == connection::state::authenticating) {
    return c.opened_at + millis(config.connect_timeout_ms) + past;  // the exchange must end in that time too
  }
  if (c.st == connection::state::connected && c.keep_alive > 0 && !fault("keep-alive-ignored")) {
    return c.last_packet +
           millis(std::uint64_t{c.keep_alive} * (fault("keep-alive-2x") ? 2000 : 1500)) + past;
  }
  return std::nullopt;
}

void core_call::schedule_session(const std::shared_ptr<session>& s, millis when) {
  if (s->scheduled_at && *s->scheduled_at <= when) return;  // that entry reschedules
  s->scheduled_at = when;
  session_deadlines.push(when, s);
}

void core_call::tick() {
  // CONNECT timeout, and Keep Alive: 1.5 times the interval without a packet closes
  // [MQTT-3.1.2-22]. An entry whose connection saw a packet since goes back in the queue.
  connection_id id = 0;
  while (connection_deadlines.pop_due(now, id)) {
    auto it = connections.find(id);
    if (it == connections.end()) continue;
    connection& c = it->second;
    const auto due = connection_due(c);
    if (!due) continue;
    if (*due > now) {
      connection_deadlines.push(*due, id);
    } else if (c.st == connection::state::awaiting_connect) {
      c.publish_will_on_close = false;
      close(c, "no CONNECT within " + std::to_string(config.connect_timeout_ms) + " ms");
    } else if (c.st == connection::state::authenticating) {
      c.publish_will_on_close = false;
      close(c, "enhanced authentication not finished within " +
                   std::to_string(config.connect_timeout_ms) + " ms");
    } else {
      disconnect(c, reason_code::keep_alive_timeout, "Keep Alive timeout");
    }
  }
  // Delayed wills and expired sessions.
  std::weak_ptr<session> entry;
  while (session_deadlines.pop_due(now, entry)) {
    std::shared_ptr<session> s = entry.lock();
    if (!s) continue;
    auto it = sessions.find(s->client_id);
    if (it == sessions.end() || it->second != s) continue;  // ended since
    if (!s->scheduled_at || *s->scheduled_at > now) continue;  // an earlier, replaced entry
    s->scheduled_at.reset();
    if (s->delayed_will && s->will_at <= now) {
      codec::will_message w = std::move(*s->delayed_will);
      s->delayed_will.reset();
      publish_will(w, s->client_id);
    }
    if (s->conn == 0 && s->expires_at && *s->expires_at <= now) {
      end_session(s);
      continue;
    }
    // Still waiting for the other of the two.
    if (s->delayed_will) schedule_session(s, s->will_at);
    if (s->conn == 0 && s->expires_at) schedule_session(s, *s->expires_at);
  }
  retained.erase_expired(now);

  publish_sys_stats();
}

}  // namespace mqtt::broker
