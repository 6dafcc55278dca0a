#include "property/model/session_model.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "codec/topic.hpp"

namespace mqtt::property {
namespace {

using codec::qos;

// The statements each rule checks, both versions (3.1.1 IDs after the semicolon).
constexpr const char* st_session_present = "v5.0 MQTT-3.2.2-2/3; v3.1.1 MQTT-3.2.2-1/2/3";
constexpr const char* st_not_entitled =
    "v5.0 MQTT-3.3.2-3, MQTT-3.10.4-2, MQTT-3.1.2-4; v3.1.1 MQTT-3.3.2-3, MQTT-3.10.4-2";
constexpr const char* st_qos = "v5.0 MQTT-3.8.4-8; v3.1.1 MQTT-3.8.4-6";
constexpr const char* st_retain_flag =
    "v5.0 MQTT-3.3.1-9/12/13; v3.1.1 MQTT-3.3.1-8/9";
constexpr const char* st_dup = "v5.0 MQTT-3.3.1-1; v3.1.1 MQTT-3.3.1-1";
constexpr const char* st_new_dup = "v5.0 MQTT-4.3.2-1, MQTT-4.3.3-2; v3.1.1 MQTT-4.3.2-1, MQTT-4.3.3-1";
constexpr const char* st_resend = "v5.0 MQTT-4.4.0-1; v3.1.1 MQTT-4.4.0-1";
constexpr const char* st_receive_maximum = "v5.0 MQTT-3.3.4-9, MQTT-4.9.0-2";
constexpr const char* st_packet_id = "v5.0 MQTT-2.2.1-3; v3.1.1 MQTT-2.3.1-4";
constexpr const char* st_order = "v5.0 MQTT-4.6.0-5/6; v3.1.1 MQTT-4.6.0-5/6";
constexpr const char* st_once = "v5.0 MQTT-4.3.3 (exactly once), MQTT-4.3.3-6; v3.1.1 MQTT-4.3.3-1";
constexpr const char* st_at_most_once = "v5.0 MQTT-4.3.1; v3.1.1 MQTT-4.3.1";
constexpr const char* st_queued =
    "v5.0 MQTT-4.5.0-1, MQTT-3.1.2-23; v3.1.1 MQTT-4.5.0-1, MQTT-3.1.2-5";
constexpr const char* st_retained =
    "v5.0 MQTT-3.3.1-5/6/7/9/10; v3.1.1 MQTT-3.3.1-5/6/10/11";
constexpr const char* st_shared = "v5.0 4.8.2";
constexpr const char* st_shared_twice = "v5.0 4.8.2, MQTT-4.8.2-5";
constexpr const char* st_overlap = "v5.0 MQTT-3.3.4-2; v3.1.1 MQTT-3.3.5-1";
constexpr const char* st_no_local = "v5.0 MQTT-3.8.3-3, MQTT-3.8.4-3";
constexpr const char* st_will = "v5.0 MQTT-3.1.2-8/10; v3.1.1 MQTT-3.1.2-8/10";
constexpr const char* st_expiry = "v5.0 MQTT-3.3.2-5, MQTT-3.3.2-6";
constexpr const char* st_pubrel = "v5.0 MQTT-4.3.3-4/5; v3.1.1 MQTT-4.3.3-1";

bool matches(int filter, int topic) {
  return codec::match_topic_filter(filter_names[filter], topic_names[topic]);
}

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

std::uint16_t id_of(const codec::packet& p) {
  if (const auto* a = std::get_if<codec::puback_packet>(&p)) return a->packet_id;
  if (const auto* a = std::get_if<codec::pubrec_packet>(&p)) return a->packet_id;
  if (const auto* a = std::get_if<codec::pubcomp_packet>(&p)) return a->packet_id;
  return 0;
}

// order_key: 4.6 orders PUBLISH packets "for the same Topic and QoS" from one client.
// Whether that QoS is the one published or the one delivered (they differ once a
// subscription grants less) is not said, so only copies alike in both are ordered.
std::tuple<int, int, int, int> order_key(const auto& m, codec::qos delivered) {
  return {m.publisher, m.topic, static_cast<int>(m.q), static_cast<int>(delivered)};
}

}  // namespace

coverage& coverage::operator+=(const coverage& o) {
  deliveries += o.deliveries;
  resends += o.resends;
  resumed_sessions += o.resumed_sessions;
  takeovers += o.takeovers;
  wills += o.wills;
  retained += o.retained;
  expired += o.expired;
  window_full += o.window_full;
  shared += o.shared;
  return *this;
}

session_model::session_model() : sessions_(max_clients) {}

void session_model::fail(std::string rule, std::string statements, std::string detail) {
  violations_.push_back({std::move(rule), std::move(statements), std::move(detail)});
}

void session_model::on_runner_violation(std::string rule, std::string statements,
                                        std::string detail) {
  fail(std::move(rule), std::move(statements), std::move(detail));
}

std::string session_model::publish_payload(const publish_cmd& p) const {
  return p.empty ? std::string() : "m" + std::to_string(messages_.size());
}

std::string session_model::will_payload(int client) const {
  return "w" + std::to_string(client) + "." + std::to_string(sessions_[client].connects);
}

std::string session_model::describe(const message& m) const {
  std::ostringstream o;
  o << (m.will ? "the Will of c" : "message ") << (m.will ? m.publisher : m.id);
  if (!m.will) o << " (\"" << m.payload << "\" from c" << m.publisher << ")";
  if (m.will_after_clean_start_zero) o << " (connected with Clean Start 0)";
  o << " on " << topic_names[m.topic] << " QoS " << int(m.q) << (m.retain ? " retained" : "")
    << (m.empty ? " empty" : "");
  return o.str();
}

std::string session_model::where(int client, const codec::publish_packet& p) const {
  std::ostringstream o;
  o << "c" << client << " received PUBLISH " << p.topic << " QoS " << int(p.qos_level)
    << " DUP " << int(p.dup) << " RETAIN " << int(p.retain);
  if (p.qos_level != qos::at_most_once) o << " packet id " << p.packet_id;
  o << " \"" << std::string(p.payload.begin(), p.payload.end()) << "\"";
  return o.str();
}

// ---------------------------------------------------------------------------------------
// Commands.

void session_model::end_session(int client) {
  // The session goes; the connection (if any) and the count of connections stay.
  auto& s = sessions_[client];
  session fresh;
  fresh.connected = s.connected;
  fresh.version = s.version;
  fresh.connects = s.connects;
  fresh.generation = s.generation + 1;
  fresh.receive_maximum = s.receive_maximum;
  s = std::move(fresh);
}

void session_model::connection_ended(int client) {
  auto& s = sessions_[client];
  s.connected = false;
  s.disconnected_at = now_;
  s.withholding = false;
  s.withheld.clear();  // never sent: what they answered stays in flight
  if (!s.persistent) end_session(client);
}

void session_model::on_connack(const connect_cmd& c, const codec::connack_packet& ack) {
  auto& s = sessions_[c.client];
  if (s.connected) {
    on_takeover(c.client);  // the runner says so before, unless the old one was gone
    connection_ended(c.client);
  }
  const bool v5 = codec::is_v5(c.version);
  if (ack.reason != 0) {
    fail("connect-refused", "", "c" + std::to_string(c.client) + " CONNECT refused with " +
                                   hex_byte(ack.reason) + ": " + property::describe(command(c)));
    return;
  }
  const bool expected_present = !c.clean_start && s.exists;
  if (ack.session_present) ++covered_.resumed_sessions;
  if (ack.session_present != expected_present) {
    fail("session-present", st_session_present,
         property::describe(command(c)) + ": CONNACK Session Present " +
             std::to_string(int(ack.session_present)) + ", expected " +
             std::to_string(int(expected_present)) +
             (expected_present ? " (its session exists)" : " (no session to resume)"));
  }
  if (c.clean_start || !s.exists) {
    end_session(c.client);
    s.exists = true;
  }
  s.persistent = v5 ? c.session_expiry > 0 : !c.clean_start;
  s.clean_start = c.clean_start;
  s.expiry = v5 ? c.session_expiry : (s.persistent ? 0xFFFFFFFF : 0);
  if (!c.clean_start && s.exists && s.version != c.version) {
    s.mixed_versions = true;
    for (auto& e : s.copies)
      if (!e.retained_copy) e.retain_flag.reset();
  }
  s.connected = true;
  s.taken_over = false;
  s.version = c.version;
  s.receive_maximum = v5 && c.receive_maximum ? c.receive_maximum : 65535;
  s.withholding = false;
  s.will = c.will;
  s.will_payload = will_payload(c.client);
  ++s.connects;
  s.resuming = false;
  for (auto& e : s.copies) {
    if (e.state == copy_state::in_flight || e.state == copy_state::awaiting_pubrel) {
      e.resend_due = true;
      s.resuming = true;
    }
  }
  s.last_resend_order = 0;
}

void session_model::on_takeover(int client) {
  auto& s = sessions_[client];
  if (!s.connected || s.taken_over) return;
  s.taken_over = true;
  ++covered_.takeovers;
  // The broker closes the old connection. Whether that publishes its Will is not settled
  // by either spec for a Will Delay of 0, so its copies are optional; the old session
  // still exists while it goes, so the old connection itself may get a copy.
  if (s.will) publish_will(client, false);
  s.will = false;
}

void session_model::on_connect_refused(const connect_cmd& c, const std::string& why) {
  fail("connect-refused", "", property::describe(command(c)) + ": " + why);
}

void session_model::on_disconnect(const disconnect_cmd& d) {
  auto& s = sessions_[d.client];
  if (!s.connected) return;
  const bool v5 = codec::is_v5(s.version);
  const bool will = s.will && (d.kind == disconnect_kind::abrupt ||
                               (v5 && d.kind == disconnect_kind::with_will));
  if (will) {
    // The Will follows the closed connection: the client's own persistent session (if a
    // subscription of its matches) holds it as a message for an offline client.
    s.connected = false;
    publish_will(d.client, true);
  } else if (s.will) {
    // Registered so that a Will published anyway is named as such.
    message m;
    m.id = static_cast<int>(messages_.size());
    m.publisher = d.client;
    m.topic = 0;  // will_topic
    m.q = qos::at_least_once;
    m.will = true;
    m.void_ = true;
    m.void_reason = "DISCONNECT with Reason Code 0x00 discards the Will";
    m.payload = s.will_payload;
    by_payload_[m.payload] = m.id;
    messages_.push_back(std::move(m));
  }
  s.will = false;
  s.connected = true;  // connection_ended does the rest
  connection_ended(d.client);
}

void session_model::on_closed_by_broker(int client, const std::string& why) {
  auto& s = sessions_[client];
  if (!s.connected) return;
  fail("unexpected-close", "", "the broker closed c" + std::to_string(client) +
                                   "'s connection, which the sequence did not provoke: " + why);
  // A Will may follow such a close, or not (the cause is the broker's).
  if (s.will) publish_will(client, false);
  s.will = false;
  connection_ended(client);
}

void session_model::on_subscribe_sent(const subscribe_cmd& c) {
  auto& s = sessions_[c.client];
  subscribe_cmd sub = c;
  if (!codec::is_v5(s.version)) {
    sub.no_local = false;
    sub.retain_as_published = false;
    sub.retain_handling = 0;
  }
  if (c.shared) {
    // No retained messages for a shared subscription, made or made again (3.8.4: "If a
    // Server receives a Topic Filter that is identical to the Topic Filter for a Shared
    // Subscription that already exists on the Server, [...] No retained messages are sent.").
    s.last_shared_subscribe = {c.filter, static_cast<int>(messages_.size())};
    s.shared_subs[c.filter] = sub;
    return;
  }
  s.last_shared_subscribe = {};
  const bool existed = s.subs.count(c.filter) > 0;
  s.subs[c.filter] = sub;
  offer_retained(c.client, sub, !existed);
}

void session_model::on_suback(const subscribe_cmd& c, const codec::suback_packet& ack) {
  auto& s = sessions_[c.client];
  const std::uint8_t code = ack.reasons.empty() ? 0x80 : ack.reasons[0];
  auto& subs = c.shared ? s.shared_subs : s.subs;
  if (code >= 0x80) {
    fail("subscribe-refused", "", property::describe(command(c)) +
                                      ": SUBACK " + hex_byte(code));
    subs.erase(c.filter);
    return;
  }
  if (c.shared) {
    if (code < static_cast<std::uint8_t>(c.max_qos)) subs[c.filter].max_qos = static_cast<qos>(code);
    return;
  }
  if (code < static_cast<std::uint8_t>(c.max_qos)) {
    // Granted a lower QoS: copies of this subscription are due at that QoS.
    s.subs[c.filter].max_qos = static_cast<qos>(code);
    for (auto& e : s.copies)
      if (e.retained_copy && e.state == copy_state::pending &&
          matches(c.filter, messages_[e.msg].topic))
        e.q = std::min(e.q, static_cast<qos>(code));
  }
}

void session_model::on_unsubscribe_sent(const unsubscribe_cmd& u) {
  auto& s = sessions_[u.client];
  if (u.shared) {
    s.shared_subs.erase(u.filter);  // its group copies were never owed to it alone
    return;
  }
  s.subs.erase(u.filter);
  // "MAY continue to deliver any existing messages buffered for delivery" (3.10.4): a
  // copy no remaining subscription matches is no longer owed, but may still arrive.
  for (auto& e : s.copies) {
    if (e.state != copy_state::pending) continue;
    bool still = false;
    for (const auto& [f, sub] : s.subs) still = still || matches(f, messages_[e.msg].topic);
    if (!still) e.must = false;
  }
}

void session_model::on_publish_sent(const publish_cmd& p) {
  message m;
  m.id = static_cast<int>(messages_.size());
  m.publisher = p.client;
  m.topic = p.topic;
  m.q = p.q;
  m.retain = p.retain;
  m.empty = p.empty;
  m.expiry = codec::is_v5(sessions_[p.client].version) ? p.message_expiry : std::nullopt;
  m.payload = publish_payload(p);
  publish_message(std::move(m), true);
}

void session_model::on_publish_refused(const publish_cmd& p, const std::string& answer) {
  // The last message registered is this one: nobody may receive it.
  if (!messages_.empty()) {
    messages_.back().void_ = true;
    messages_.back().void_reason = "the broker refused it (" + answer + ")";
  }
  for (auto& s : sessions_)
    for (auto& e : s.copies)
      if (e.msg == static_cast<int>(messages_.size()) - 1) e.must = false;
  fail("publish-refused", "", property::describe(command(p)) +
                                  ": the broker answered " + answer);
}

void session_model::publish_will(int client, bool must) {
  auto& s = sessions_[client];
  message m;
  m.id = static_cast<int>(messages_.size());
  m.publisher = client;
  m.topic = 0;  // will_topic
  m.q = qos::at_least_once;
  m.will = true;
  m.will_after_clean_start_zero = !s.clean_start;
  m.payload = s.will_payload;
  publish_message(std::move(m), must);
}

void session_model::publish_message(message m, bool must) {
  if (m.retain) {
    if (m.empty) retained_.erase(m.topic);
    else retained_[m.topic] = m.id;
  }
  for (int c = 0; c < max_clients; ++c) {
    auto& s = sessions_[c];
    if (!s.exists || (!s.connected && !s.persistent)) continue;
    // One copy per matching subscription may come (5.0 allows a copy per subscription);
    // the one at the highest QoS must, when it is QoS 1 or 2 (v5.0 MQTT-3.3.4-2,
    // 3.1.1 MQTT-3.3.5-1).
    std::vector<entitlement> copies;
    for (const auto& [f, sub] : s.subs) {
      if (!matches(f, m.topic)) continue;
      // MQTT-3.8.3-3 names "the publishing connection"; whether a Will, which the Server
      // publishes for the connection, counts as the client's own is not said: it may come.
      // No Local of a 5.0 subscription on a session a 3.1.1 connection resumed may too.
      const bool own = sub.no_local && m.publisher == c;
      if (own && !m.will && !s.mixed_versions) {
        m.no_local_skipped.insert(c);
        continue;
      }
      entitlement e;
      e.optional = own;
      e.msg = m.id;
      e.q = std::min(m.q, sub.max_qos);
      const bool v5 = codec::is_v5(s.version);
      e.retain_flag = v5 && sub.retain_as_published ? m.retain : false;
      if (s.mixed_versions) e.retain_flag.reset();
      copies.push_back(e);
    }
    if (copies.empty()) continue;
    // Flags that differ between the overlapping subscriptions make either acceptable.
    for (auto& e : copies)
      for (const auto& other : copies)
        if (other.retain_flag != e.retain_flag) e.retain_flag.reset();
    auto best = std::max_element(copies.begin(), copies.end(), [](const auto& a, const auto& b) {
      return std::pair(!a.optional, a.q) < std::pair(!b.optional, b.q);
    });
    for (auto& e : copies) {
      e.must = must && &e == &*best && e.q != qos::at_most_once && !e.optional;
      e.connection = s.connects;
      e.overlaps = static_cast<int>(copies.size());
      e.offline = !s.connected;
    }
    s.copies.insert(s.copies.end(), copies.begin(), copies.end());
  }
  m.published_at = now_;
  by_payload_[m.payload] = m.id;
  messages_.push_back(std::move(m));
  share_message(messages_.back(), must);
}

void session_model::share_message(const message& m, bool must) {
  // One copy per shared subscription, for one of its member sessions (4.8.2), each at
  // the QoS that member was granted (MQTT-4.8.2-3).
  for (int f = 0; f < static_cast<int>(std::size(filter_names)); ++f) {
    if (!matches(f, m.topic)) continue;
    group_copy g;
    g.msg = m.id;
    g.filter = f;
    const int index = static_cast<int>(groups_.size());
    for (int c = 0; c < max_clients; ++c) {
      auto& s = sessions_[c];
      if (!s.exists || (!s.connected && !s.persistent)) continue;
      auto it = s.shared_subs.find(f);
      if (it == s.shared_subs.end()) continue;
      entitlement e;
      e.msg = m.id;
      e.group = index;
      e.q = std::min(m.q, it->second.max_qos);
      e.retain_flag = codec::is_v5(s.version) && it->second.retain_as_published ? m.retain : false;
      if (s.mixed_versions) e.retain_flag.reset();
      e.connection = s.connects;
      s.copies.push_back(e);
      g.members.emplace_back(c, s.generation);
    }
    if (g.members.empty()) continue;
    // The broker may pick any member, even one offline or with only QoS 0 granted (then
    // the copy may be lost): only when each member could take it at once must it come.
    g.must = must;
    for (const auto& [c, generation] : g.members) {
      const auto& s = sessions_[c];
      g.must = g.must && group_member_ready(g, c, generation) &&
               s.shared_subs.at(f).max_qos != qos::at_most_once && m.q != qos::at_most_once;
    }
    groups_.push_back(std::move(g));
  }
}

bool session_model::group_member_ready(const group_copy& g, int client, int generation) const {
  const auto& s = sessions_[client];
  if (!s.exists || s.generation != generation || !s.connected || s.withholding ||
      !s.shared_subs.count(g.filter))
    return false;
  // With a non-shared subscription that matches too, the member gets a copy "by virtue of"
  // it, and whether a second comes for the group the spec leaves to a non-normative note.
  for (const auto& [f, sub] : s.subs)
    if (matches(f, messages_[g.msg].topic)) return false;
  return true;
}

void session_model::check_group_delivery(int client, const codec::publish_packet& p,
                                         const message& m, const entitlement& e) {
  group_copy& g = groups_[e.group];
  auto remember = [&] {
    g.delivered_to = client;
    g.delivered_q = e.q;
    g.delivered_generation = sessions_[client].generation;
  };
  if (g.delivered_to < 0) ++covered_.shared;
  if (g.delivered_to < 0 || g.delivered_to == client) return remember();
  // Another member had it first. Only a QoS 1 copy that member never acknowledged may go
  // on to another one, once its connection was lost or its session ended (4.8.2: "MAY
  // attempt to send the message to another Client as soon as it loses its connection");
  // a QoS 2 one MUST NOT (MQTT-4.8.2-5), nor one that was acknowledged.
  const auto& first = sessions_[g.delivered_to];
  bool may = false;
  if (g.delivered_q == qos::at_least_once) {
    if (first.generation != g.delivered_generation) may = true;  // that session ended
    for (const auto& other : first.copies)
      if (other.group == e.group && other.state == copy_state::in_flight &&
          (other.resend_due || !first.connected))
        may = true;
  }
  if (!may) {
    fail("shared-delivered-twice", st_shared_twice,
         where(client, p) + ": " + describe(m) + " for $share/g/" + filter_names[g.filter] +
             " already went to c" + std::to_string(g.delivered_to) +
             ", and a shared subscription sends each message to only one of its sessions" +
             mixed_subscriptions_note(g.delivered_to, m.topic) +
             mixed_subscriptions_note(client, m.topic));
  }
  remember();
}

void session_model::offer_retained(int client, const subscribe_cmd& sub, bool new_subscription) {
  const std::uint8_t rh = sub.retain_handling;
  if (rh == 2 || (rh == 1 && !new_subscription)) return;  // MQTT-3.3.1-10/11
  auto& s = sessions_[client];
  for (const auto& [topic, id] : retained_) {
    if (!matches(sub.filter, topic)) continue;
    const message& m = messages_[id];
    entitlement e;
    e.msg = id;
    e.retained_copy = true;
    e.q = std::min(m.q, sub.max_qos);
    // "MUST send the retained messages" (MQTT-3.3.1-9, 3.1.1 MQTT-3.3.1-6); whether No
    // Local reaches a retained message of the client's own is not said, so that one may.
    e.must = !(sub.no_local && m.publisher == client);
    e.retain_flag = true;
    e.connection = s.connects;
    s.copies.push_back(e);
  }
}

void session_model::on_withhold(const withhold_cmd& w) { sessions_[w.client].withholding = w.on; }

replies session_model::release(int client) {
  auto& s = sessions_[client];
  s.withholding = false;
  replies out = std::move(s.withheld);
  s.withheld.clear();
  for (const auto& r : out) apply_reply(s, r);
  return out;
}

void session_model::on_time(std::uint32_t seconds) {
  now_ += seconds;
  // An expired retained message is no longer the topic's retained message (5.0 3.3.2.3.3:
  // the expiry applies to the retained copy as to every other).
  for (auto it = retained_.begin(); it != retained_.end();) {
    const message& m = messages_[it->second];
    if (m.expiry && now_ >= m.published_at + static_cast<std::int64_t>(*m.expiry)) {
      it = retained_.erase(it);
    } else {
      ++it;
    }
  }
  for (int c = 0; c < max_clients; ++c) {
    auto& s = sessions_[c];
    if (s.exists && !s.connected && s.persistent && s.expiry != 0xFFFFFFFF &&
        now_ - s.disconnected_at > static_cast<std::int64_t>(s.expiry))
      end_session(c);  // the session expired
    for (auto& e : s.copies) {
      const message& m = messages_[e.msg];
      if (e.state == copy_state::pending && m.expiry &&
          now_ >= m.published_at + static_cast<std::int64_t>(*m.expiry)) {
        if (!e.expired) ++covered_.expired;
        e.expired = true;  // onward delivery had not begun: the copy must be deleted
        e.must = false;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// What the broker sends.

int session_model::in_flight(const session& s) const {
  int n = 0;
  for (const auto& e : s.copies)
    if (!e.resend_due &&
        (e.state == copy_state::in_flight || e.state == copy_state::awaiting_pubrel))
      ++n;
  return n;
}

replies session_model::on_packet(int client, const codec::packet& p) {
  if (const auto* pub = std::get_if<codec::publish_packet>(&p)) return on_publish(client, *pub);
  if (const auto* rel = std::get_if<codec::pubrel_packet>(&p)) return on_pubrel(client, *rel);
  if (std::holds_alternative<codec::pingresp_packet>(p)) return {};
  fail("unexpected-packet", "", "c" + std::to_string(client) + " received a packet it did not ask for");
  return {};
}

void session_model::on_malformed(int client, const std::string& why) {
  fail("malformed-packet", "", "c" + std::to_string(client) + " received bytes the codec rejects: " + why);
}

std::vector<int> session_model::candidates(const session& s, const codec::publish_packet& p) const {
  if (!p.payload.empty()) {
    auto it = by_payload_.find(std::string(p.payload.begin(), p.payload.end()));
    if (it == by_payload_.end()) return {};
    return {it->second};
  }
  // An empty payload names no message: every empty message on the topic of which the
  // session holds a copy it has not finished may be the one, then the newest at all.
  // Most plausible first: a copy in flight under this packet id (a resend), then the
  // oldest copy that must arrive, then the oldest that may.
  auto empty_on_topic = [&](int id) {
    return messages_[id].empty && topic_names[messages_[id].topic] == p.topic;
  };
  std::map<int, int> rank;  // message id -> best rank
  for (const auto& e : s.copies) {
    if (!empty_on_topic(e.msg) || e.state == copy_state::done) continue;
    const bool flying = e.state != copy_state::pending;
    const int r = flying ? (p.qos_level != qos::at_most_once && e.packet_id == p.packet_id ? 0 : 3)
                         : (e.must ? 1 : 2);
    auto [it, fresh] = rank.emplace(e.msg, r);
    if (!fresh) it->second = std::min(it->second, r);
  }
  std::vector<int> out;
  for (const auto& [id, r] : rank) out.push_back(id);
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return rank[a] < rank[b]; });
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it)
    if (empty_on_topic(it->id)) {
      if (std::find(out.begin(), out.end(), it->id) == out.end()) out.push_back(it->id);
      break;
    }
  return out;
}

session_model::entitlement* session_model::match(session& s, const codec::publish_packet& p,
                                                 const message& m) {
  entitlement* best = nullptr;
  auto better = [&](entitlement& e) {
    if (!best) return true;
    // Prefer the copy whose RETAIN flag fits, then a copy that must arrive, then QoS.
    auto fits = [&](const entitlement& x) { return !x.retain_flag || *x.retain_flag == p.retain; };
    if (fits(e) != fits(*best)) return fits(e);
    // A retained copy and a leftover live one (an overlap's extra copy) can look alike:
    // prefer the reading under which the message is not out of order.
    auto in_order = [&](const entitlement& x) {
      if (x.retained_copy || x.group >= 0) return true;
      auto it = s.last_in_order.find(order_key(m, x.q));
      return it == s.last_in_order.end() || it->second <= m.id;
    };
    if (in_order(e) != in_order(*best)) return in_order(e);
    // Of two shared subscriptions' copies, the one whose group has not sent it elsewhere.
    const int client = static_cast<int>(&s - sessions_.data());
    auto unshared = [&](const entitlement& x) {
      return x.group < 0 || groups_[x.group].delivered_to < 0 ||
             groups_[x.group].delivered_to == client;
    };
    if (unshared(e) != unshared(*best)) return unshared(e);
    if ((e.q == p.qos_level) != (best->q == p.qos_level)) return e.q == p.qos_level;
    return e.must && !best->must;
  };
  // A repeat of a copy in flight carries its packet id.
  if (p.qos_level != qos::at_most_once)
    for (auto& e : s.copies)
      if (e.msg == m.id && e.packet_id == p.packet_id &&
          (e.state == copy_state::in_flight || e.state == copy_state::awaiting_pubrel))
        return &e;
  for (auto& e : s.copies)
    if (e.msg == m.id && e.state == copy_state::pending && better(e)) best = &e;
  if (best && p.retain && best->q != p.qos_level) {
    // A retained PUBLISH at another QoS than the pending copy's, but at the QoS of a copy
    // already sent: more likely that one again (the retained message re-sent for an old
    // subscription) than the new one at the wrong QoS; the packets after tell.
    for (auto& e : s.copies)
      if (e.msg == m.id && e.state != copy_state::pending && e.q == p.qos_level) return &e;
  }
  if (best) return best;
  for (auto& e : s.copies)
    if (e.msg == m.id && better(e)) best = &e;
  return best;
}

replies session_model::on_publish(int client, const codec::publish_packet& p) {
  const std::vector<int> ids = candidates(sessions_[client], p);
  if (ids.size() > 1) {
    // Several messages fit (empty payloads): the PUBLISH is correct if it is correct as
    // any one of them, so try each on a copy of the model and keep the first that is.
    for (int id : ids) {
      session_model trial = *this;
      replies r = trial.on_publish_of(client, p, &trial.messages_[id]);
      if (trial.violations_.size() == violations_.size()) {
        *this = std::move(trial);
        return r;
      }
    }
  }
  return on_publish_of(client, p, ids.empty() ? nullptr : &messages_[ids.front()]);
}

replies session_model::on_publish_of(int client, const codec::publish_packet& p, const message* m) {
  auto& s = sessions_[client];
  if (m != nullptr && m->void_) {
    fail(m->will ? "will-not-due" : "not-entitled", m->will ? st_will : st_not_entitled,
         where(client, p) + ": " + describe(*m) + " may reach nobody: " + m->void_reason);
    return {};
  }
  if (m == nullptr) {
    fail("not-entitled", st_not_entitled, where(client, p) + ": no such message was published");
    return {};
  }
  if (topic_names[m->topic] != p.topic) {
    fail("topic-name", "v5.0 MQTT-3.3.2-3; v3.1.1 MQTT-3.3.2-3",
         where(client, p) + ": " + describe(*m) + " was published on " + topic_names[m->topic]);
  }
  entitlement* e = match(s, p, *m);
  if (e == nullptr && m->no_local_skipped.count(client) && !p.retain) {
    fail("no-local", st_no_local,
         where(client, p) + ": c" + std::to_string(client) + " published " + describe(*m) +
             " itself, and its matching subscription has No Local (set by the latest SUBSCRIBE "
             "for that filter, which replaces the earlier one's options)");
    return {};
  }
  // A retained message published before the session's latest SUBSCRIBE, to a shared
  // subscription that matches it, and that nothing else explains (no copy, or one that
  // came already): the broker sent it for that subscription.
  if (p.retain && (e == nullptr || e->state == copy_state::done)) {
    const auto& last = s.last_shared_subscribe;
    if (last.filter >= 0 && s.shared_subs.count(last.filter) && matches(last.filter, m->topic) &&
        m->id < last.since) {
      fail("retained-on-shared-subscribe", st_shared,
           where(client, p) + ": " + describe(*m) + " came again, for the shared subscription of c" +
               std::to_string(client) + " that matches it, and 3.8.4 says of a SUBSCRIBE to a shared "
               "subscription, new or existing, \"No retained messages are sent.\"");
      return {};
    }
  }
  if (e == nullptr) {
    const bool retained_copy = p.retain;
    fail(retained_copy && m->empty ? "retained-empty" : retained_copy && !m->will ? "not-entitled-retained"
                                   : m->will ? "will-not-due" : "not-entitled",
         retained_copy ? st_retained : m->will ? st_will : st_not_entitled,
         where(client, p) + ": c" + std::to_string(client) + " holds no copy of " + describe(*m) +
             (m->will ? " (the Will was discarded, or no subscription matched when it was published)"
              : retained_copy ? " (not the topic's retained message when a subscription was made)"
                              : " (no subscription of its session matched it when it was published)"));
    return {};
  }
  const bool v5 = codec::is_v5(s.version);
  if (e->expired) {
    fail("expired-delivered", st_expiry,
         where(client, p) + ": " + describe(*m) + " expired before onward delivery began");
  }
  if (p.qos_level != e->q) {
    fail("qos-of-delivery", st_qos, where(client, p) + ": the copy of " + describe(*m) +
                                        (e->retained_copy ? " sent on subscribing" : "") +
                                        " is due at QoS " + std::to_string(int(e->q)));
  }
  // Judged on the copy's first delivery and its resends, not on a repeat of it.
  const bool own_delivery = e->state == copy_state::pending ||
                            (e->state != copy_state::done && p.packet_id == e->packet_id);
  if (e->retain_flag && *e->retain_flag != p.retain && own_delivery) {
    fail("retain-flag", st_retain_flag,
         where(client, p) + ": RETAIN must be " + std::to_string(int(*e->retain_flag)) + " for " +
             (e->retained_copy ? "a retained message sent on subscribe"
                               : "a message forwarded to an established subscription"));
  }
  if (v5 && m->expiry && e->state == copy_state::pending) {
    const std::int64_t left = static_cast<std::int64_t>(*m->expiry) - (now_ - m->published_at);
    const auto got = p.props.message_expiry_interval;
    if (!got || std::abs(static_cast<std::int64_t>(*got) - left) > 1)
      fail("message-expiry-interval", st_expiry,
           where(client, p) + ": Message Expiry Interval " +
               (got ? std::to_string(*got) : std::string("absent")) + ", expected " +
               std::to_string(left) + " (published with " + std::to_string(*m->expiry) + ", " +
               std::to_string(now_ - m->published_at) + " s ago)");
  }
  switch (e->state) {
    case copy_state::pending: {
      if (p.dup && !(in_transit_ && e->connection < s.connects)) {
        fail("dup-on-first-delivery", st_new_dup,
             where(client, p) + ": the first delivery of " + describe(*m) + " must have DUP 0");
      }
      if (p.qos_level != qos::at_most_once) {
        for (const auto& other : s.copies)
          if (&other != e && other.packet_id == p.packet_id && !other.resend_due &&
              (other.state == copy_state::in_flight || other.state == copy_state::awaiting_pubrel))
            fail("packet-id-in-use", st_packet_id,
                 where(client, p) + ": packet id " + std::to_string(p.packet_id) +
                     " is still in use by " + describe(messages_[other.msg]));
        if (v5 && in_flight(s) >= s.receive_maximum) {
          bool sibling_in_flight = false;  // a copy of this message for another subscription
          for (const auto& other : s.copies)
            sibling_in_flight |= &other != e && other.msg == e->msg &&
                                 (other.state == copy_state::in_flight ||
                                  other.state == copy_state::awaiting_pubrel);
          fail("receive-maximum", st_receive_maximum,
               where(client, p) + ": " + std::to_string(in_flight(s)) +
                   " QoS 1/2 PUBLISH already unacknowledged, Receive Maximum " +
                   std::to_string(s.receive_maximum) +
                   (sibling_in_flight ? " (one of them a copy of the same message for another "
                                        "matching subscription)"
                                      : ""));
        }
      }
      if (e->group >= 0) check_group_delivery(client, p, *m, *e);
      // 4.6 orders forwarding "on Non-shared Subscriptions" (v5.0 MQTT-4.6.0-6).
      if (!e->retained_copy && e->group < 0) {
        const auto key = order_key(*m, e->q);
        auto it = s.last_in_order.find(key);
        if (it != s.last_in_order.end() && it->second > m->id)
          fail("order", st_order,
               where(client, p) + ": " + describe(*m) + " arrived after message " +
                   std::to_string(it->second) + ", which c" + std::to_string(m->publisher) +
                   " published later on the same topic at the same QoS");
        if (it == s.last_in_order.end() || it->second < m->id) s.last_in_order[key] = m->id;
      }
      e->deliveries = 1;
      ++covered_.deliveries;
      if (m->will) ++covered_.wills;
      if (e->retained_copy) ++covered_.retained;
      if (p.qos_level != qos::at_most_once && s.receive_maximum < 65535 &&
          in_flight(s) + 1 == s.receive_maximum)
        ++covered_.window_full;
      e->packet_id = p.packet_id;
      e->sent_order = ++s.next_send_order;
      e->state = p.qos_level == qos::at_most_once ? copy_state::done : copy_state::in_flight;
      break;
    }
    case copy_state::in_flight: {
      // A resend keeps the packet id (MQTT-4.4.0-1, "using their original Packet
      // Identifiers"); under another id it is a second delivery of the message.
      const bool new_id = p.qos_level != qos::at_most_once && p.packet_id != e->packet_id;
      if (new_id && !(e->resend_due && p.dup)) return on_repeat(client, p, *m, *e);
      if (new_id)
        fail("resend-packet-id", st_resend,
             where(client, p) + ": the resend of " + describe(*m) + " must keep packet id " +
                 std::to_string(e->packet_id));
      if (new_id) e->packet_id = p.packet_id;  // so that the client's answer completes it
      ++e->deliveries;
      if (!p.dup)
        fail("resend-without-dup", st_dup,
             where(client, p) + ": a resend of " + describe(*m) + " must have DUP 1");
      if (!e->resend_due && v5)
        fail("resend-outside-reconnect", st_resend,
             where(client, p) + ": " + describe(*m) +
                 " resent on the same connection; 5.0 resends only on reconnecting");
      if (e->resend_due && v5 && in_flight(s) >= s.receive_maximum)
        fail("receive-maximum", st_receive_maximum,
             where(client, p) + ": resent with " + std::to_string(in_flight(s)) +
                 " already unacknowledged, Receive Maximum " + std::to_string(s.receive_maximum));
      if (e->resend_due) ++covered_.resends;
      e->resend_due = false;
      break;
    }
    case copy_state::awaiting_pubrel: {
      if (p.qos_level != qos::at_most_once && p.packet_id != e->packet_id)
        return on_repeat(client, p, *m, *e);
      ++e->deliveries;
      fail("publish-after-pubrec", st_once,
           where(client, p) + ": " + describe(*m) +
               " was resent after the client's PUBREC; only PUBREL may be resent");
      // The receiver answers a repeat with PUBREC again and does not deliver it
      // (MQTT-4.3.3-10), so the exchange can go on.
      return answer(client, codec::pubrec_packet{p.packet_id, codec::reason_code::success, {}});
    }
    case copy_state::done:
      return on_repeat(client, p, *m, *e);
  }
  if (p.qos_level == qos::at_least_once)
    return answer(client, codec::puback_packet{p.packet_id, codec::reason_code::success, {}});
  if (p.qos_level == qos::exactly_once)
    return answer(client, codec::pubrec_packet{p.packet_id, codec::reason_code::success, {}});
  return {};
}

std::string session_model::mixed_subscriptions_note(int client, int topic) const {
  const auto& s = sessions_[client];
  auto any_match = [&](const std::map<int, subscribe_cmd>& subs) {
    for (const auto& [f, sub] : subs)
      if (matches(f, topic)) return true;
    return false;
  };
  if (!any_match(s.subs) || !any_match(s.shared_subs)) return {};
  return " (c" + std::to_string(client) + " has a shared and a non-shared subscription that match it)";
}

replies session_model::on_repeat(int client, const codec::publish_packet& p, const message& m,
                                 entitlement& e) {
  ++e.deliveries;
  const std::string note = mixed_subscriptions_note(client, m.topic);
  if (e.q == qos::exactly_once)
    fail("qos2-twice", st_once,
         where(client, p) + ": " + describe(m) + " was already delivered once at QoS 2" + note);
  else if (e.q == qos::at_most_once)
    fail("qos0-twice", st_at_most_once,
         where(client, p) + ": " + describe(m) + " was already delivered at QoS 0" + note);
  else if (!p.dup)
    fail("duplicate-without-dup", st_dup,
         where(client, p) + ": a repeat of " + describe(m) + " must have DUP 1" + note);
  if (p.qos_level == qos::at_least_once)
    return answer(client, codec::puback_packet{p.packet_id, codec::reason_code::success, {}});
  return {};
}

replies session_model::on_pubrel(int client, const codec::pubrel_packet& p) {
  auto& s = sessions_[client];
  for (auto& e : s.copies) {
    if (e.q != qos::exactly_once || e.packet_id != p.packet_id) continue;
    if (e.state == copy_state::awaiting_pubrel) {
      if (e.resend_due) ++covered_.resends;
      e.resend_due = false;
      return answer(client, codec::pubcomp_packet{p.packet_id, codec::reason_code::success, {}});
    }
    if (e.state == copy_state::in_flight) {
      fail("pubrel-before-pubrec", st_pubrel,
           "c" + std::to_string(client) + " received PUBREL " + std::to_string(p.packet_id) +
               " for " + describe(messages_[e.msg]) + " before it sent PUBREC");
      return {};
    }
  }
  // A PUBREL for an exchange the client completed can only be a repeat after a resume
  // the broker did not see finish; it is answered, as MQTT-4.3.3-11 says.
  fail("pubrel-unknown-id", st_pubrel,
       "c" + std::to_string(client) + " received PUBREL " + std::to_string(p.packet_id) +
           " for no QoS 2 delivery awaiting it");
  return answer(client, codec::pubcomp_packet{p.packet_id, codec::reason_code::success, {}});
}

replies session_model::answer(int client, codec::packet reply) {
  auto& s = sessions_[client];
  if (s.taken_over) return {};  // the old connection's client is gone: nobody answers
  if (s.withholding) {
    s.withheld.push_back(std::move(reply));
    return {};
  }
  apply_reply(s, reply);
  return {std::move(reply)};
}

void session_model::apply_reply(session& s, const codec::packet& reply) {
  const std::uint16_t id = id_of(reply);
  for (auto& e : s.copies) {
    if (e.packet_id != id || e.q == qos::at_most_once) continue;
    if (std::holds_alternative<codec::puback_packet>(reply) && e.state == copy_state::in_flight &&
        e.q == qos::at_least_once) {
      e.state = copy_state::done;
      return;
    }
    if (std::holds_alternative<codec::pubrec_packet>(reply) && e.q == qos::exactly_once &&
        (e.state == copy_state::in_flight || e.state == copy_state::awaiting_pubrel)) {
      e.state = copy_state::awaiting_pubrel;
      return;
    }
    if (std::holds_alternative<codec::pubcomp_packet>(reply) && e.q == qos::exactly_once &&
        e.state == copy_state::awaiting_pubrel) {
      e.state = copy_state::done;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------

bool session_model::group_owed(const group_copy& g) const {
  if (!g.must || g.delivered_to >= 0) return false;
  const message& m = messages_[g.msg];
  if (m.expiry && now_ >= m.published_at + static_cast<std::int64_t>(*m.expiry)) return false;
  for (const auto& [c, generation] : g.members)
    if (!group_member_ready(g, c, generation)) return false;
  return true;
}

bool session_model::awaiting() const {
  for (const auto& s : sessions_) {
    if (!s.connected || s.withholding) continue;
    for (const auto& e : s.copies)
      if ((e.must && e.state == copy_state::pending && !e.expired) || e.resend_due) return true;
  }
  for (const auto& g : groups_)
    if (group_owed(g)) return true;
  return false;
}

void session_model::check_quiescent() {
  for (int c = 0; c < max_clients; ++c) {
    auto& s = sessions_[c];
    // A client that withholds its acknowledgements lets the broker hold back the rest
    // (Receive Maximum, or any in-flight window of its own): judged once it resumes.
    if (!s.connected || s.withholding) continue;
    for (auto& e : s.copies) {
      const message& m = messages_[e.msg];
      if (e.resend_due) {
        e.resend_due = false;
        fail(e.state == copy_state::awaiting_pubrel ? "pubrel-not-resent" : "not-resent", st_resend,
             "c" + std::to_string(c) + " resumed its session, but " +
                 (e.state == copy_state::awaiting_pubrel ? "the PUBREL for " : "") + describe(m) +
                 ", unacknowledged on the last connection (packet id " +
                 std::to_string(e.packet_id) + "), was not resent");
      } else if (e.must && e.state == copy_state::pending && !e.expired) {
        e.must = false;  // reported once
        const bool overlap = !e.retained_copy && !m.will && e.overlaps > 1;
        fail(e.retained_copy ? "retained-not-sent" : m.will ? "will-not-published" : "never-arrived",
             e.retained_copy ? st_retained : m.will ? st_will : overlap ? st_overlap : st_queued,
             "c" + std::to_string(c) + " never received " + describe(m) + " at QoS " +
                 std::to_string(int(e.q)) +
                 (e.retained_copy ? ", the topic's retained message when it subscribed"
                  : overlap ? ", the highest QoS of the " + std::to_string(e.overlaps) +
                                  " subscriptions of its session that match it"
                            : ", which its session was owed") +
                 (e.offline ? " (queued while c" + std::to_string(c) + " was offline)" : "") +
                 (!m.will && m.publisher == c
                      ? " (its own message: the matching subscription has No Local 0)"
                      : ""));
      }
    }
  }
  for (auto& g : groups_) {
    if (!group_owed(g)) continue;
    g.must = false;  // reported once
    std::string members;
    for (const auto& [c, generation] : g.members)
      members += (members.empty() ? "c" : ", c") + std::to_string(c);
    fail("shared-never-arrived", st_shared,
         "no member of $share/g/" + std::string(filter_names[g.filter]) + " (" + members +
             ", all connected and acknowledging) received " + describe(messages_[g.msg]));
  }
}

}  // namespace mqtt::property
