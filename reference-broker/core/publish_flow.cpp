// publish_flow.cpp: PUBLISH in (4.3), routing to subscriptions, delivery out with the
// in-flight window (4.9), acknowledgements in both directions, and wills.
#include <algorithm>
#include <unordered_map>

#include "codec/utf8.hpp"
#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/detail/core_call.hpp"

namespace mqtt::broker {

using codec::qos;
using codec::reason_code;

namespace {

std::uint16_t window(const broker_config& config, const connection& c) {
  if (fault("receive-maximum-ignored")) return config.max_inflight_messages;
  return std::min(c.client_receive_maximum, config.max_inflight_messages);
}

// encode_delivery writes one PUBLISH for connection `c`: its version, its Topic Aliases,
// the Message Expiry Interval left [MQTT-3.3.2-6], and its subscription identifiers.
// Returns nullptr when the packet would exceed the client's Maximum Packet Size: the
// message is then dropped as if delivered [MQTT-3.1.2-25].
shared_bytes encode_delivery(connection& c, const delivery& d, std::uint16_t packet_id, bool dup,
                             millis now) {
  const message& m = *d.msg;
  const bool v5 = codec::is_v5(c.version);
  codec::properties props;
  const codec::properties* props_ptr = nullptr;
  std::string_view topic = m.topic;
  std::optional<std::uint16_t> new_alias;
  if (v5) {
    props = m.props;
    if (m.expires_at && !fault("message-expiry-not-decremented")) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*m.expires_at - now);
      props.message_expiry_interval =
          static_cast<std::uint32_t>(std::max<std::int64_t>(1, (left.count() + 999) / 1000));
    }
    if (!fault("subscription-id-dropped")) props.subscription_identifiers = d.subscription_ids;
    if (fault("user-properties-dropped")) props.user_properties.clear();
    if (c.client_topic_alias_maximum > 0) {
      // [MQTT-3.1.2-26] aliases stay within the client's Topic Alias Maximum.
      if (auto it = c.outbound_aliases.find(m.topic); it != c.outbound_aliases.end()) {
        props.topic_alias = it->second;
        topic = {};
      } else if (c.outbound_aliases.size() < c.client_topic_alias_maximum) {
        new_alias = static_cast<std::uint16_t>(c.outbound_aliases.size() + 1);
        props.topic_alias = new_alias;
      }
    }
    props_ptr = &props;
  }
  auto bytes = std::make_shared<codec::byte_buffer>();
  bytes->reserve(m.payload.size() + m.topic.size() + 16);
  codec::encode_publish({dup, d.qos_level, d.retain, topic, packet_id, props_ptr, m.payload},
                        c.version, *bytes);
  if (bytes->size() > c.client_maximum_packet_size && !fault("oversize-packet-forwarded")) {
    return nullptr;  // [MQTT-3.1.2-24]
  }
  if (new_alias) c.outbound_aliases.emplace(m.topic, *new_alias);
  return bytes;
}

}  // namespace

std::uint16_t core_call::allocate_packet_id(session& s) {
  // [MQTT-2.2.1-4] non-zero and not in use; the window keeps free ids available.
  if (fault("packet-id-reused-in-flight")) {
    const std::uint16_t id = s.next_packet_id;
    s.next_packet_id = static_cast<std::uint16_t>(id % 4 + 1);
    return id;
  }
  for (;;) {
    std::uint16_t id = s.next_packet_id;
    s.next_packet_id = id == 65535 ? 1 : static_cast<std::uint16_t>(id + 1);
    if (!s.inflight.count(id)) return id;
  }
}

bool core_call::too_many_properties(const codec::properties& p) const {
  if (config.max_properties == 0) return false;
  std::size_t n = p.user_properties.size() + p.subscription_identifiers.size();
  const auto count = [&n](const auto&... field) { ((n += field.has_value() ? 1 : 0), ...); };
  count(p.payload_format_indicator, p.message_expiry_interval, p.content_type, p.response_topic,
        p.correlation_data, p.session_expiry_interval, p.assigned_client_identifier,
        p.server_keep_alive, p.authentication_method, p.authentication_data,
        p.request_problem_information, p.will_delay_interval, p.request_response_information,
        p.response_information, p.server_reference, p.reason_string, p.receive_maximum,
        p.topic_alias_maximum, p.topic_alias, p.maximum_qos, p.retain_available,
        p.maximum_packet_size, p.wildcard_subscription_available,
        p.subscription_identifier_available, p.shared_subscription_available);
  return n > config.max_properties;
}

bool core_call::refused_publish(connection& c, codec::publish_packet& p) {
  session& s = *c.sess;
  const bool v5 = codec::is_v5(c.version);
  if (v5) {
    if (!p.props.subscription_identifiers.empty()) {
      disconnect(c, reason_code::protocol_error,
                 "PUBLISH: Subscription Identifier sent by a client [MQTT-3.3.4-6]");
      return true;
    }
    // Topic Aliases were resolved by client_connection, which keeps the map.
    p.props.topic_alias.reset();
  }
  if (p.qos_level > config.maximum_qos) {
    disconnect(c, reason_code::qos_not_supported, "PUBLISH: QoS above Maximum QoS");
    return true;
  }
  if (p.retain && !config.retain_available) {
    disconnect(c, reason_code::retain_not_supported, "PUBLISH: retain is not supported");
    return true;
  }
  if (p.qos_level == qos::exactly_once) {
    if (s.inbound_qos2.count(p.packet_id) && !fault("qos2-inbound-delivered-twice")) {
      // [MQTT-4.3.3-10] a repeat before PUBREL is acknowledged again, not delivered again.
      send(c, codec::pubrec_packet{p.packet_id, reason_code::success, {}});
      return true;
    }
    if (s.inbound_qos2.size() >= config.receive_maximum) {
      disconnect(c, reason_code::receive_maximum_exceeded,
                 "more QoS 2 PUBLISH in flight than Receive Maximum");
      return true;
    }
  }
  return false;
}

void core_call::receive_publish(connection& c, codec::publish_packet&& p, bool allowed,
                                       std::unique_lock<std::mutex>& own) {
  session& s = *c.sess;
  const bool v5 = codec::is_v5(c.version);
  if (refused_publish(c, p)) return;
  ++stats.messages_received;

  reason_code rc = reason_code::success;
  // Clients may not publish into the broker's own statistics tree.
  if (!allowed || p.topic == "$SYS" || p.topic.starts_with("$SYS/")) {
    rc = reason_code::not_authorized;
  } else if (v5 && p.props.payload_format_indicator.value_or(0) == 1 &&
             codec::validate_utf8({reinterpret_cast<const char*>(p.payload.data()),
                                   p.payload.size()}) != codec::utf8_status::ok) {
    rc = reason_code::payload_format_invalid;  // 3.3.2.3.2: the receiver may check it
  } else if (v5 && too_many_properties(p.props)) {
    rc = reason_code::quota_exceeded;  // broker_config::max_properties says why not 0x82
  }

  if (rc == reason_code::success) {
    auto m = std::make_shared<message>();
    m->topic = std::move(p.topic);
    m->payload = std::move(p.payload);
    m->qos_level = p.qos_level;
    m->retain = p.retain;
    m->received_as = {p.dup, p.packet_id};
    m->props = std::move(p.props);
    if (m->props.message_expiry_interval && !fault("message-expiry-ignored")) {
      m->expires_at = now + millis(std::uint64_t{*m->props.message_expiry_interval} * 1000);
    }
    m->origin_client = s.client_id;
    // Routing locks the receiving sessions one at a time, so this one's lock goes first;
    // this connection's own packets are not processed meanwhile, so nothing it guards
    // here changes but what deliveries to this session change.
    own.unlock();
    if (m->retain) {
      // [MQTT-3.3.1-5] replace, [MQTT-3.3.1-6] empty payload clears.
      if (retained.set(m) == retained_store::set_result::full) {
        log("event=retained_full topic=\"" + m->topic + "\"");
      }
    }
    const std::size_t receivers = route(m);
    own.lock();
    if (receivers == 0 && v5) rc = reason_code::no_matching_subscribers;
  }

  switch (p.qos_level) {
    case qos::at_most_once:
      break;
    case qos::at_least_once:
      send(c, codec::puback_packet{p.packet_id, rc, {}});
      break;
    case qos::exactly_once:
      // [MQTT-4.3.3-9] after an error PUBREC the id is free again.
      if (!codec::is_error(rc)) s.inbound_qos2.insert(p.packet_id);
      send(c, codec::pubrec_packet{p.packet_id, rc, {}});
      break;
  }
}

std::optional<std::pair<std::string, delivery>> core_call::pick_shared_member(
    subscription_tree::shared_group& g, const message_ptr& m) {
  // One member per group: the next online one in turn, else the next one (4.8.2),
  // among the members the ACL lets read the topic.
  const std::size_t n = g.members.size();
  const std::size_t start = g.next.load(std::memory_order_relaxed);
  std::optional<std::size_t> readable;
  std::size_t pick = start % n;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t k = (start + i) % n;
    if (!g.members[k].second.may_read(m->topic)) continue;
    if (!readable) readable = pick = k;
    auto it = sessions.find(g.members[k].first);
    if (it == sessions.end()) continue;
    std::lock_guard member(it->second->mu);
    if (online(*it->second)) {
      pick = k;
      break;
    }
  }
  if (!readable) return std::nullopt;
  // Parallel routes may both pick one member; the turn order is best effort.
  g.next.store(pick + 1, std::memory_order_relaxed);
  const auto& [client, e] = g.members[pick];
  delivery d{m, std::min(m->qos_level, e.options.max_qos),
             (e.options.retain_as_published || fault("retain-flag-kept-without-rap")) &&
                 m->retain,
             {}};
  if (e.subscription_id) d.subscription_ids.push_back(*e.subscription_id);
  return std::pair<std::string, delivery>(client, std::move(d));
}

std::size_t core_call::route(const message_ptr& m) {
  // One copy per client at the highest QoS of its matching subscriptions, listing all
  // their Subscription Identifiers [MQTT-3.3.4-2, 3.3.4-4].
  struct aggregate {
    qos max_qos = qos::at_most_once;
    bool retain_as_published = false;
    std::vector<std::uint32_t> ids;
  };
  std::unordered_map<std::string_view, aggregate> targets;
  // Copies that go out as they are: one per shared group, and with copy_per_subscription
  // one per matching subscription.
  std::vector<std::pair<std::string, delivery>> copies;
  subscriptions.match(
      m->topic,
      [&](const std::string& client, const subscription_entry& e) {
        // [MQTT-3.8.3-3] No Local: not back to the publisher.
        if (e.options.no_local && client == m->origin_client && !fault("no-local-ignored")) return;
        if (!e.may_read(m->topic)) return;  // the ACL's deny inside an allowed filter
        if (config.copy_per_subscription) {
          delivery d{m, std::min(m->qos_level, e.options.max_qos),
                     e.options.retain_as_published && m->retain, {}};
          if (e.subscription_id) d.subscription_ids.push_back(*e.subscription_id);
          copies.emplace_back(client, std::move(d));
          return;
        }
        const bool first = targets.count(client) == 0;
        aggregate& a = targets[client];
        a.max_qos = fault("overlap-lowest-qos") && !first ? std::min(a.max_qos, e.options.max_qos)
                                                          : std::max(a.max_qos, e.options.max_qos);
        a.retain_as_published = a.retain_as_published || e.options.retain_as_published ||
                                fault("retain-flag-kept-without-rap");
        if (e.subscription_id) a.ids.push_back(*e.subscription_id);
      },
      [&](subscription_tree::shared_group& g) {
        if (fault("shared-to-every-member")) {
          for (const auto& [client, e] : g.members)
            copies.emplace_back(client, delivery{m, std::min(m->qos_level, e.options.max_qos),
                                                         e.options.retain_as_published && m->retain, {}});
          return;
        }
        if (auto pick = pick_shared_member(g, m)) copies.push_back(std::move(*pick));
      });
  // The shared QoS 0 encodings live for this fan-out only.
  struct fanout_scope {
    core_call& impl;
    fanout_cache cache;
    fanout_scope(core_call& i, const message* m) : impl(i) {
      cache.routing = m;
      impl.fanout_ = &cache;
    }
    ~fanout_scope() { impl.fanout_ = nullptr; }
  } scope(*this, m.get());
  std::size_t count = 0;
  for (auto& [client, a] : targets) {
    auto it = sessions.find(client);
    if (it == sessions.end()) continue;
    // [MQTT-3.3.1-12] Retain As Published 0 clears RETAIN on forwarded messages.
    const qos q = fault("no-qos-downgrade") ? m->qos_level : std::min(m->qos_level, a.max_qos);
    deliver(*it->second, delivery{m, q,
                                  a.retain_as_published && m->retain, std::move(a.ids)});
    ++count;
  }
  for (auto& [client, d] : copies) {
    auto it = sessions.find(client);
    if (it == sessions.end()) continue;
    deliver(*it->second, std::move(d));
    ++count;
  }
  return count;
}

core_call::encoded core_call::encode_new(connection& c, const delivery& d,
                                                        std::uint16_t packet_id) {
  // Within one route() call, copies for connections that use no Topic Alias and get no
  // Subscription Identifier differ only in their Packet Identifier (by version, QoS and
  // RETAIN flag): encode the message once and share the bytes.
  const bool shareable = fanout_ != nullptr && fanout_->routing == d.msg.get() &&
                         d.subscription_ids.empty() &&
                         (!codec::is_v5(c.version) || c.client_topic_alias_maximum == 0);
  // A new delivery has DUP 0, whatever the publisher's was [MQTT-3.3.1-3].
  const bool dup = fault("dup-copied-from-publisher") && d.msg->received_as.dup;
  if (!shareable) return {encode_delivery(c, d, packet_id, dup, now), nullptr};
  encoded& slot = fanout_->by_kind[static_cast<std::size_t>(c.version) - 3]
                                  [static_cast<std::size_t>(d.qos_level)][d.retain ? 1 : 0];
  if (!slot.bytes) {
    shared_bytes whole = encode_delivery(c, d, packet_id, dup, now);
    if (!whole) return {};  // too large for this client; the next one encodes again
    if (d.qos_level == qos::at_most_once) {
      slot.bytes = whole;
    } else {
      // Each copy gets its own head (up to the Packet Identifier); the body is shared.
      const std::size_t head = codec::publish_head_size(*whole);
      slot.bytes = std::make_shared<const codec::byte_buffer>(whole->begin(), whole->begin() + head);
      slot.tail = std::make_shared<const codec::byte_buffer>(whole->begin() + head, whole->end());
    }
  }
  const std::size_t size = slot.bytes->size() + (slot.tail ? slot.tail->size() : 0);
  // [MQTT-3.1.2-24] the shared bytes still have to fit this client's Maximum Packet Size.
  if (size > c.client_maximum_packet_size && !fault("oversize-packet-forwarded")) return {};
  if (!slot.tail) return slot;
  auto head = std::make_shared<codec::byte_buffer>(*slot.bytes);
  codec::set_publish_packet_id(*head, packet_id);
  return {std::move(head), slot.tail};
}

void core_call::deliver(session& s, delivery d) {
  if (d.msg->expires_at && *d.msg->expires_at <= now) {
    ++stats.messages_dropped;  // [MQTT-3.3.2-5] expired before delivery began
    return;
  }
  std::lock_guard lock(s.mu);
  connection* c = online(s);
  if (d.qos_level == qos::at_most_once) {
    if (!c) return;  // QoS 0 is not kept for offline sessions
    if (encoded e = encode_new(*c, d, 0); e.bytes) {
      send_bytes(*c, std::move(e.bytes), std::move(e.tail));
      ++stats.messages_sent;
    } else {
      ++stats.messages_dropped;
    }
    return;
  }
  if (s.queue.size() >= config.max_queued_messages) {
    ++stats.messages_dropped;  // bounded memory: the newest message is the one lost
    return;
  }
  s.queue.push_back(std::move(d));
  pump(s);
}

void core_call::pump(session& s) {
  connection* c = online(s);
  if (!c) return;
  // [MQTT-4.9.0-2, 3.3.4-9] no more unacknowledged QoS 1/2 PUBLISH on the wire than the
  // client's Receive Maximum. Flights waiting to be resent go first, in their order.
  const std::size_t limit = window(config, *c);
  auto on_wire = [&] { return s.inflight.size() - s.awaiting_resend; };
  while (s.awaiting_resend > 0 && on_wire() < limit) {
    outbound_flight* next = nullptr;
    std::uint16_t next_id = 0;
    for (auto& [id, f] : s.inflight) {
      if (f.awaiting_resend && (!next || f.sequence < next->sequence)) {
        next = &f;
        next_id = id;
      }
    }
    next->awaiting_resend = false;
    --s.awaiting_resend;
    resend_flight(s, *c, next_id);
  }
  while (!s.queue.empty() && on_wire() < limit) {
    delivery d = std::move(s.queue.front());
    s.queue.pop_front();
    if (d.msg->expires_at && *d.msg->expires_at <= now) {
      ++stats.messages_dropped;
      continue;
    }
    const std::uint16_t id = fault("packet-id-from-publisher") && d.msg->received_as.packet_id
                                 ? d.msg->received_as.packet_id
                                 : allocate_packet_id(s);
    encoded e = encode_new(*c, d, id);
    if (!e.bytes) {
      ++stats.messages_dropped;
      continue;
    }
    s.inflight.emplace(id, outbound_flight{std::move(d), s.next_sequence++, false, false});
    send_bytes(*c, std::move(e.bytes), std::move(e.tail));
    ++stats.messages_sent;
  }
}

void core_call::erase_flight(session& s,
                                    std::map<std::uint16_t, outbound_flight>::iterator it) {
  if (it->second.awaiting_resend) --s.awaiting_resend;
  s.inflight.erase(it);
}

void core_call::resend_flight(session& s, connection& c, std::uint16_t id) {
  outbound_flight& f = s.inflight.at(id);
  if (f.released && !fault("qos2-delivered-twice-after-resume")) {
    send(c, codec::pubrel_packet{id, reason_code::success, {}});
  } else if (shared_bytes bytes = encode_delivery(c, f.d, id, !fault("no-dup-on-resend"), now)) {
    send_bytes(c, std::move(bytes));  // [MQTT-3.3.1-1] DUP on redelivery
  } else {
    // [MQTT-3.1.2-25] too large for this connection's Maximum Packet Size: dropped as if
    // delivered, so it must not keep its in-flight slot.
    s.inflight.erase(id);
    ++stats.messages_dropped;
  }
}

void core_call::resend(session& s) {
  connection* c = online(s);
  if (!c) return;
  // [MQTT-4.4.0-1] resend in the original order with the original ids, as far as the new
  // connection's Receive Maximum allows; pump() sends the rest as acknowledgements free
  // room.
  std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
  for (const auto& [id, f] : s.inflight) order.emplace_back(f.sequence, id);
  std::sort(order.begin(), order.end());
  if (fault("resend-order-broken")) std::reverse(order.begin(), order.end());
  const std::size_t limit = window(config, *c);
  std::size_t sent = 0;
  s.awaiting_resend = 0;
  for (const auto& [seq, id] : order) {
    if (sent < limit) {
      s.inflight.at(id).awaiting_resend = false;
      resend_flight(s, *c, id);
      ++sent;
    } else {
      s.inflight.at(id).awaiting_resend = true;
      ++s.awaiting_resend;
    }
  }
}

void core_call::receive_puback(connection& c, const codec::puback_packet& p) {
  session& s = *c.sess;
  auto it = s.inflight.find(p.packet_id);
  if (it == s.inflight.end() || it->second.d.qos_level != qos::at_least_once) return;
  erase_flight(s, it);
  pump(s);
}

void core_call::receive_pubrec(connection& c, const codec::pubrec_packet& p) {
  session& s = *c.sess;
  auto it = s.inflight.find(p.packet_id);
  if (it == s.inflight.end() || it->second.d.qos_level != qos::exactly_once) {
    send(c, codec::pubrel_packet{p.packet_id, reason_code::packet_identifier_not_found, {}});
    return;
  }
  if (codec::is_error(p.reason)) {
    erase_flight(s, it);  // [MQTT-4.4.0-2] acknowledged: not sent again
    pump(s);
    return;
  }
  it->second.released = true;  // [MQTT-4.3.3-4] PUBREL with the same id
  send(c, codec::pubrel_packet{p.packet_id, reason_code::success, {}});
}

void core_call::receive_pubrel(connection& c, const codec::pubrel_packet& p) {
  session& s = *c.sess;
  const bool known = s.inbound_qos2.erase(p.packet_id) > 0;
  if (!known && fault("pubrel-unknown-id-no-pubcomp")) return;
  // [MQTT-4.3.3-11] every PUBREL gets a PUBCOMP with its id.
  send(c, codec::pubcomp_packet{
              p.packet_id,
              known ? reason_code::success : reason_code::packet_identifier_not_found, {}});
}

void core_call::receive_pubcomp(connection& c, const codec::pubcomp_packet& p) {
  session& s = *c.sess;
  auto it = s.inflight.find(p.packet_id);
  if (it == s.inflight.end() || !it->second.released) return;
  erase_flight(s, it);
  pump(s);
}

void core_call::publish_will(const codec::will_message& w, const std::string& client_id) {
  auto m = std::make_shared<message>();
  m->origin_client = client_id;
  m->topic = w.topic;
  m->payload = w.payload;
  m->qos_level = fault("will-qos-0") ? qos::at_most_once : std::min(w.qos_level, config.maximum_qos);
  m->retain = w.retain && !fault("will-retain-ignored");  // [MQTT-3.1.2-14, 3.1.2-15]
  m->props = w.props;
  m->props.will_delay_interval.reset();
  if (m->props.message_expiry_interval) {
    m->expires_at = now + millis(std::uint64_t{*m->props.message_expiry_interval} * 1000);
  }
  if (m->retain) retained.set(m);
  ++stats.messages_received;
  route(m);
}

}  // namespace mqtt::broker
