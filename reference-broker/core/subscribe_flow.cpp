// subscribe_flow.cpp: SUBSCRIBE (3.8) and UNSUBSCRIBE (3.10), with retained messages on
// subscribe (3.3.1.3) and Subscription Identifiers (3.8.2.1.2).
#include <algorithm>

#include "codec/topic.hpp"
#include "reference-broker/core/detail/core_call.hpp"
#include "reference-broker/core/fault_injection.hpp"

namespace mqtt::broker {

using codec::qos;
using codec::reason_code;

namespace {

// split_filter gives the tree's view of a filter: (filter, share group).
std::pair<std::string_view, std::string_view> split_filter(std::string_view filter) {
  if (auto shared = codec::parse_shared_filter(filter)) return {shared->filter, shared->share_name};
  return {filter, {}};
}

// no_local_on_shared: [MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error.
bool no_local_on_shared(const codec::subscribe_packet& p) {
  return std::any_of(p.subscriptions.begin(), p.subscriptions.end(), [](const auto& sub) {
    return sub.options.no_local && codec::parse_shared_filter(sub.filter).has_value();
  });
}

// retained_request: the retained messages a new subscription is sent after the SUBACK.
struct retained_request {
  std::string filter;
  qos granted;
  std::shared_ptr<const read_filter> read_check;
};

}  // namespace

void core_call::receive_subscribe(connection& c, codec::subscribe_packet&& p,
                                         const acl_verdicts& acl) {
  session& s = *c.sess;
  const bool v5 = codec::is_v5(c.version);
  std::optional<std::uint32_t> sub_id;
  if (v5 && !p.props.subscription_identifiers.empty()) {
    if (!config.subscription_identifiers_available) {
      disconnect(c, reason_code::subscription_identifiers_not_supported,
                 "SUBSCRIBE: Subscription Identifiers are not supported");
      return;
    }
    sub_id = p.props.subscription_identifiers.front();
  }
  // A v5 refusal code, or 0x80 (Failure) for 3.1.1.
  auto refusal = [&](reason_code r) {
    return static_cast<std::uint8_t>(v5 ? r : reason_code::unspecified_error);
  };

  codec::suback_packet ack;
  ack.packet_id = p.packet_id;
  // Checked for every filter first: a SUBSCRIBE that is a Protocol Error changes nothing,
  // since the client gets no SUBACK to tell it what was subscribed.
  if (no_local_on_shared(p)) {
    disconnect(c, reason_code::protocol_error, "SUBSCRIBE: No Local on a shared subscription");
    return;
  }
  std::vector<retained_request> send_retained;
  for (std::size_t i = 0; i < p.subscriptions.size(); ++i) {
    const codec::subscription& sub = p.subscriptions[i];
    const auto shared = codec::parse_shared_filter(sub.filter);
    const auto [tree_filter, group] = split_filter(sub.filter);
    if (config.max_subscribe_filters != 0 && i >= config.max_subscribe_filters) {
      ack.reasons.push_back(refusal(reason_code::quota_exceeded));  // 3.9.3: "imposed limit"
    } else if (codec::validate_topic_filter(sub.filter) != codec::topic_status::ok) {
      ack.reasons.push_back(refusal(reason_code::topic_filter_invalid));
    } else if (shared && !config.shared_subscription_available) {
      ack.reasons.push_back(refusal(reason_code::shared_subscriptions_not_supported));
    } else if (codec::has_wildcard(tree_filter) && !config.wildcard_subscription_available) {
      ack.reasons.push_back(refusal(reason_code::wildcard_subscriptions_not_supported));
    } else if (!acl.allows(i)) {
      ack.reasons.push_back(refusal(reason_code::not_authorized));
    } else {
      subscription_entry entry{sub.options, sub_id, acl.read_check(i)};
      entry.options.max_qos = std::min(sub.options.max_qos, config.maximum_qos);
      const auto old = s.subscriptions.find(sub.filter);
      const bool existed = old != s.subscriptions.end();
      if (existed && fault("resubscribe-keeps-options")) {
        entry.options.no_local = old->second.options.no_local;
        entry.options.retain_as_published = old->second.options.retain_as_published;
      }
      // [MQTT-3.8.4-3] an identical filter replaces the old subscription.
      s.subscriptions.insert_or_assign(sub.filter, entry);
      subscriptions.subscribe(s.client_id, tree_filter, group, entry);
      ack.reasons.push_back(static_cast<std::uint8_t>(entry.options.max_qos));
      // Shared subscriptions get no retained messages on subscribe (4.8.2).
      const auto handling = v5 ? sub.options.handling : codec::retain_handling::send_on_subscribe;
      const bool send_now =
          handling == codec::retain_handling::send_on_subscribe ||
          (handling == codec::retain_handling::send_if_new_subscription &&
           (!existed || fault("retain-handling-1-ignored"))) ||
          (handling == codec::retain_handling::do_not_send && fault("retain-handling-2-ignored"));
      if (!shared && send_now && !fault("retained-not-sent-on-subscribe")) {
        send_retained.push_back({sub.filter, entry.options.max_qos, entry.read_check});
      }
    }
  }
  if (fault("suback-codes-reversed")) std::reverse(ack.reasons.begin(), ack.reasons.end());
  send(c, ack);  // [MQTT-3.8.4-1]
  for (const auto& r : send_retained) {
    for (const message_ptr& m : retained.match(r.filter)) {
      if (r.read_check && !r.read_check->may_read(m->topic)) continue;  // as for deliveries
      // Retained messages sent for a new subscription carry RETAIN 1 (3.3.1.3).
      delivery d{m, std::min(m->qos_level, r.granted), true, {}};
      if (sub_id) d.subscription_ids.push_back(*sub_id);
      deliver(s, std::move(d));
    }
  }
}

void core_call::receive_unsubscribe(connection& c, const codec::unsubscribe_packet& p) {
  session& s = *c.sess;
  codec::unsuback_packet ack;
  ack.packet_id = p.packet_id;  // [MQTT-3.10.4-4]
  for (const std::string& filter : p.filters) {
    // [MQTT-3.10.4-1] filters are compared literally.
    const bool kept = fault("unsubscribe-keeps-subscription");
    const bool existed = kept ? s.subscriptions.count(filter) > 0 : s.subscriptions.erase(filter) > 0;
    if (existed && !kept) {
      const auto [tree_filter, group] = split_filter(filter);
      subscriptions.unsubscribe(s.client_id, tree_filter, group);
    }
    ack.reasons.push_back(static_cast<std::uint8_t>(
        existed ? reason_code::success : reason_code::no_subscription_existed));
  }
  send(c, ack);  // [MQTT-3.10.4-5] even when nothing was removed
}

void core_call::remove_subscriptions(session& s) {
  for (const auto& [filter, entry] : s.subscriptions) {
    const auto [tree_filter, group] = split_filter(filter);
    subscriptions.unsubscribe(s.client_id, tree_filter, group);
  }
  s.subscriptions.clear();
}

}  // namespace mqtt::broker
